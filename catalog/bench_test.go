package catalog

import "testing"

func BenchmarkLookup(b *testing.B) {
	c := mustLoad(b)
	codes := []int{50126, 50053, 7000222, 53003, 90025, 53999}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.Lookup(codes[i%len(codes)])
		i++
	}
}

func BenchmarkParsePastedMessage(b *testing.B) {
	const msg = "AADSTS70011: The provided value for the input parameter 'scope' isn't valid.\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\r\nCorrelation ID: aaaa0000-bb11-2222-33cc-444444dddddd\r\nTimestamp: 2016-01-09 02:02:12Z"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseCode(msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExplainUnknown(b *testing.B) {
	c := mustLoad(b)
	b.ReportAllocs()
	for b.Loop() {
		c.Explain(53999)
	}
}

// BenchmarkParseEmbedded is the catalog's share of cold start.
func BenchmarkParseEmbedded(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(embedded); err != nil {
			b.Fatal(err)
		}
	}
}
