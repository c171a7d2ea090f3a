package record

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Percentile returns the nearest-rank p-th percentile (0 < p <= 1) of
// samples, which it does not modify: the smallest sample at or above which
// lies a share p of them. Nearest rank never interpolates, so a p99 over
// fewer than 100 samples is the slowest one, not an invented value between
// two. It returns 0 for no samples.
func Percentile(samples []time.Duration, p float64) time.Duration {
	if len(samples) == 0 {
		return 0
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	rank := int(math.Ceil(p*float64(len(s)))) - 1
	return s[max(0, min(rank, len(s)-1))]
}

// Latency is the summary a table row shows: p50, p99 and how many samples
// they come from.
type Latency struct {
	P50, P99 time.Duration
	N        int
}

// Summarize computes the Latency of samples.
func Summarize(samples []time.Duration) Latency {
	return Latency{P50: Percentile(samples, 0.50), P99: Percentile(samples, 0.99), N: len(samples)}
}

// Duration prints d with three significant digits in the unit a reader
// expects for its size (ns, µs, ms, s), such as "1.42 ms" or "18.2 s".
func Duration(d time.Duration) string {
	v := float64(d)
	unit := "ns"
	switch {
	case d >= time.Second:
		v, unit = v/float64(time.Second), "s"
	case d >= time.Millisecond:
		v, unit = v/float64(time.Millisecond), "ms"
	case d >= time.Microsecond:
		v, unit = v/float64(time.Microsecond), "µs"
	}
	return sig3(v) + " " + unit
}

// sig3 prints v with three significant digits, no exponent.
func sig3(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// Ratio says how many times faster ours is than theirs, for the
// side-by-side rows: "1,300× faster", "2.5× faster", or "0.40× (slower)"
// when ours took longer. Either duration 0 means no measurement: "".
func Ratio(ours, theirs time.Duration) string {
	if ours <= 0 || theirs <= 0 {
		return ""
	}
	r := float64(theirs) / float64(ours)
	if r < 1 {
		return sig3(r) + "× (slower)"
	}
	return Thousands(r) + "× faster"
}

// Thousands prints v rounded to three significant digits, with thousands
// separators for large values (13,000 rather than 1.3e+04).
func Thousands(v float64) string {
	if v < 1000 {
		return sig3(v)
	}
	// Three significant digits, then group by thousands.
	mag := math.Pow(10, math.Floor(math.Log10(v))-2)
	n := int64(math.Round(v/mag) * mag)
	s := fmt.Sprint(n)
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// Bytes prints a size in MiB (or KiB below one MiB), the unit of the
// README's load table.
func Bytes(n int64) string {
	const kib, mib = 1 << 10, 1 << 20
	if n < mib {
		return sig3(float64(n)/kib) + " KiB"
	}
	return sig3(float64(n)/mib) + " MiB"
}
