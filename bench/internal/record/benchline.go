package record

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Metric is one extra value of a sample line, such as 196 MB/s.
type Metric struct {
	Value float64
	Unit  string
}

// Sample is one measurement written as a `go test -bench` result line, so
// that benchstat can compare two runs of the record:
//
//	BenchmarkSearchUser/size=100k/ours 	       1	   1400000 ns/op
//
// N is the iterations the time covers: a single timed call is N=1, and the
// time per operation is Elapsed/N.
type Sample struct {
	Name    string
	N       int
	Elapsed time.Duration
	Metrics []Metric
}

// Line renders the sample. Name gets the Benchmark prefix if it lacks one,
// and spaces become underscores, since benchstat splits on white space.
func (s Sample) Line() string {
	name := strings.ReplaceAll(s.Name, " ", "_")
	if !strings.HasPrefix(name, "Benchmark") {
		name = "Benchmark" + name
	}
	n := max(s.N, 1)
	var b strings.Builder
	fmt.Fprintf(&b, "%s \t%8d\t%12s ns/op", name, n, strconv.FormatFloat(float64(s.Elapsed)/float64(n), 'f', -1, 64))
	for _, m := range s.Metrics {
		fmt.Fprintf(&b, "\t%12s %s", strconv.FormatFloat(m.Value, 'g', 6, 64), strings.ReplaceAll(m.Unit, " ", "_"))
	}
	return b.String()
}

// WriteSamples writes a benchstat file: the configuration lines benchstat
// reads as labels (goos, goarch, pkg, cpu), comment lines it skips, then one
// line per sample. What differs between two runs to compare (the commit, the
// Go version) goes in comments: benchstat puts runs whose configuration
// differs in separate tables instead of comparing them.
func WriteSamples(w io.Writer, config [][2]string, comments []string, samples []Sample) error {
	var b strings.Builder
	for _, kv := range config {
		fmt.Fprintf(&b, "%s: %s\n", kv[0], cell(kv[1]))
	}
	for _, c := range comments {
		fmt.Fprintf(&b, "# %s\n", cell(c))
	}
	for _, s := range samples {
		b.WriteString(s.Line())
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// SizeLabel prints a sign-in count the way the flags and names write it:
// 10k, 100k, 1M, 2.5M, 1234.
func SizeLabel(n int) string {
	switch {
	case n >= 1_000_000 && n%100_000 == 0:
		return strings.TrimSuffix(strings.TrimSuffix(strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64), "0"), ".") + "M"
	case n >= 1000 && n%1000 == 0:
		return strconv.Itoa(n/1000) + "k"
	default:
		return strconv.Itoa(n)
	}
}

// ParseSizes reads a comma-separated list of sign-in counts written as
// 10k, 100k, 1M, 2.5M or plain digits.
func ParseSizes(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		mult := 1.0
		num := f
		switch {
		case strings.HasSuffix(f, "k"), strings.HasSuffix(f, "K"):
			mult, num = 1e3, f[:len(f)-1]
		case strings.HasSuffix(f, "M"), strings.HasSuffix(f, "m"):
			mult, num = 1e6, f[:len(f)-1]
		}
		v, err := strconv.ParseFloat(num, 64)
		if err != nil || v*mult < 1 || v*mult > 50e6 || v*mult != float64(int(v*mult)) {
			return nil, fmt.Errorf("size %q: want a whole count from 1 to 50M, such as 10k, 100k or 1M", f)
		}
		out = append(out, int(v*mult))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no sizes in %q", s)
	}
	return out, nil
}
