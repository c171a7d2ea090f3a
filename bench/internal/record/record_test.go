package record

import (
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		var out []time.Duration
		for _, x := range v {
			out = append(out, time.Duration(x)*time.Millisecond)
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // unsorted on purpose
	}
	for _, tc := range []struct {
		name    string
		samples []time.Duration
		p       float64
		want    time.Duration
	}{
		{"empty", nil, 0.5, 0},
		{"one", ms(7), 0.99, 7 * time.Millisecond},
		{"median of odd", ms(3, 1, 2), 0.5, 2 * time.Millisecond},
		{"median of even is the lower", ms(4, 1, 3, 2), 0.5, 2 * time.Millisecond},
		{"p99 of 10 is the slowest", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 50), 0.99, 50 * time.Millisecond},
		{"p99 of 100", ms(hundred...), 0.99, 99 * time.Millisecond},
		{"p50 of 100", ms(hundred...), 0.50, 50 * time.Millisecond},
		{"p100", ms(5, 9, 1), 1, 9 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := append([]time.Duration(nil), tc.samples...)
			if got := Percentile(tc.samples, tc.p); got != tc.want {
				t.Errorf("Percentile(%v, %v) = %v, want %v", tc.samples, tc.p, got, tc.want)
			}
			for i := range before {
				if before[i] != tc.samples[i] {
					t.Fatal("Percentile reordered its input")
				}
			}
		})
	}
}

func TestFormatting(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{Duration(1420 * time.Microsecond), "1.42 ms"},
		{Duration(18200 * time.Millisecond), "18.2 s"},
		{Duration(75 * time.Microsecond), "75.0 µs"},
		{Duration(258 * time.Millisecond), "258 ms"},
		{Duration(900), "900 ns"},
		{Ratio(time.Millisecond, 13*time.Second), "13,000× faster"},
		{Ratio(time.Millisecond, 2500*time.Microsecond), "2.50× faster"},
		{Ratio(2*time.Millisecond, time.Millisecond), "0.50× (slower)"},
		{Ratio(0, time.Second), ""},
		{Thousands(1234567), "1,230,000"},
		{Bytes(632 << 20), "632 MiB"},
		{Bytes(512 << 10), "512 KiB"},
		{SizeLabel(10_000), "10k"},
		{SizeLabel(1_000_000), "1M"},
		{SizeLabel(2_500_000), "2.5M"},
		{SizeLabel(1234), "1234"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestParseSizes(t *testing.T) {
	got, err := ParseSizes("10k, 100k,1M,2.5M,500")
	if err != nil {
		t.Fatal(err)
	}
	want := []int{10_000, 100_000, 1_000_000, 2_500_000, 500}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	for _, bad := range []string{"", "ten", "0", "-5k", "1.5", "100M"} {
		if _, err := ParseSizes(bad); err == nil {
			t.Errorf("ParseSizes(%q) accepted", bad)
		}
	}
}

func TestTableMarkdown(t *testing.T) {
	tb := Table{Header: []string{"what", "p50"}}
	tb.Add("search | user", "1.2 ms", "dropped")
	tb.Add("line\nbreak")
	want := "| what | p50 |\n|---|---|\n| search \\| user | 1.2 ms |\n| line break |  |\n"
	if got := tb.Markdown(); got != want {
		t.Errorf("Markdown:\n%s\nwant:\n%s", got, want)
	}
}

func TestSampleLine(t *testing.T) {
	s := Sample{Name: "SearchUser/size=100k/ours", N: 1, Elapsed: 1400 * time.Microsecond}
	if got, want := s.Line(), "BenchmarkSearchUser/size=100k/ours \t       1\t     1400000 ns/op"; got != want {
		t.Errorf("Line() = %q, want %q", got, want)
	}
	load := Sample{Name: "BenchmarkLoad/size=10k", N: 2, Elapsed: 3 * time.Second, Metrics: []Metric{{196.5, "MB/s"}, {90, "heap MB"}}}
	fields := strings.Fields(load.Line())
	want := []string{"BenchmarkLoad/size=10k", "2", "1500000000", "ns/op", "196.5", "MB/s", "90", "heap_MB"}
	if strings.Join(fields, " ") != strings.Join(want, " ") {
		t.Errorf("fields %q, want %q", fields, want)
	}
	var b strings.Builder
	if err := WriteSamples(&b, [][2]string{{"goos", "linux"}, {"cpu", "Some CPU\n"}}, []string{"commit abc"}, []Sample{s}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "goos: linux\ncpu: Some CPU\n# commit abc\nBenchmarkSearchUser") {
		t.Errorf("WriteSamples wrote %q", b.String())
	}
}

func TestCompareNewest(t *testing.T) {
	want := Newest{Count: 3, IDs: []string{"c", "b", "a"}}
	if d := CompareNewest(want, Newest{Count: 3, IDs: []string{"c", "b", "a"}}); d != "" {
		t.Errorf("equal answers differ: %s", d)
	}
	for _, tc := range []struct {
		got  Newest
		want string
	}{
		{Newest{Count: 4, IDs: []string{"c", "b", "a"}}, "count 4, want 3"},
		{Newest{Count: 3, IDs: []string{"c", "a", "b"}}, "ID #2 is a, want b"},
		{Newest{Count: 3, IDs: []string{"c", "b"}}, "2 IDs, want 3"},
	} {
		if d := CompareNewest(want, tc.got); d != tc.want {
			t.Errorf("CompareNewest(%v) = %q, want %q", tc.got, d, tc.want)
		}
	}
}

func TestCompareGroups(t *testing.T) {
	want := Groups{50126: 142, 50074: 141, 53003: 50}
	if d := CompareGroups(want, Groups{53003: 50, 50126: 142, 50074: 141}); d != "" {
		t.Errorf("equal answers differ: %s", d)
	}
	got := Groups{50126: 141, 50074: 141, 70044: 3}
	if d, w := CompareGroups(want, got), "code 50126 ×141, want ×142; code 53003 missing (want 50); code 70044 ×3 not expected"; d != w {
		t.Errorf("CompareGroups = %q, want %q", d, w)
	}
	if top := want.Top(2); top != "50126 ×142, 50074 ×141" {
		t.Errorf("Top(2) = %q", top)
	}
	if want.Total() != 333 {
		t.Errorf("Total = %d", want.Total())
	}
}

func TestParseLeftOut(t *testing.T) {
	g := Groups{50126: 142}
	rest, ok := ParseLeftOut("12 groups left out to keep the answer small: 700082 ×48, 50173 ×42; filter by errorCode to see one", g)
	if !ok || rest != (Unnamed{}) {
		t.Fatalf("ok %v rest %+v", ok, rest)
	}
	if d := CompareGroups(Groups{50126: 142, 700082: 48, 50173: 42}, g); d != "" {
		t.Error(d)
	}
	g = Groups{}
	rest, ok = ParseLeftOut("20 groups left out to keep the answer small: 1 ×5, 2 ×4 and 18 more codes (31 sign-ins); filter by errorCode to see one", g)
	if !ok || rest != (Unnamed{18, 31}) || g[1] != 5 || g[2] != 4 || len(g) != 2 {
		t.Errorf("ok %v rest %+v groups %v", ok, rest, g)
	}
	if _, ok := ParseLeftOut("3 interrupts left out", Groups{}); ok {
		t.Error("another note was read as the groups note")
	}
}

func TestCompareGroupsWithUnnamed(t *testing.T) {
	ours := Groups{50126: 10, 50074: 8}
	theirs := Groups{50126: 10, 50074: 8, 7000112: 2, 500011: 1}
	if d := CompareGroupsWithUnnamed(ours, Unnamed{2, 3}, theirs); d != "" {
		t.Errorf("matching answers differ: %s", d)
	}
	if d, w := CompareGroupsWithUnnamed(ours, Unnamed{1, 3}, theirs), "2 other codes with 3 sign-ins, want 1 with 3"; d != w {
		t.Errorf("got %q, want %q", d, w)
	}
	if d, w := CompareGroupsWithUnnamed(ours, Unnamed{2, 3}, Groups{50126: 9, 50074: 8, 7000112: 2, 500011: 1}), "code 50126 ×9, want ×10"; d != w {
		t.Errorf("got %q, want %q", d, w)
	}
	if d := CompareGroupsWithUnnamed(ours, Unnamed{}, theirs); d == "" {
		t.Error("with nothing unnamed, extra codes must differ")
	}
}
