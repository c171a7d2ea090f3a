package files

import (
	"bufio"
	"bytes"
	"context"
	"strings"
	"testing"
)

// The fuzz targets feed arbitrary bytes to each parser entry point. The
// property: no panic, and either an error or records that each have an ID
// and a time. Seeds are in testdata/fuzz/<FuzzName>/.

func checkRecords(t *testing.T, s *sink, err error) {
	t.Helper()
	if err != nil {
		if err.Error() == "" {
			t.Fatal("empty error message")
		}
		return
	}
	for i, si := range s.out {
		if strings.TrimSpace(si.ID) == "" || si.CreatedAt.IsZero() || si.Type == "" {
			t.Fatalf("record %d without ID, time or type: %+v", i, si)
		}
	}
}

// FuzzDecode covers format detection and every decoder behind it.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		s := newSink(context.Background())
		s.startFile(int64(len(data)))
		_, err := decode(s, bytes.NewReader(data))
		if err == nil && len(s.out)+len(s.events)+s.dups == 0 {
			t.Fatal("no error and no records")
		}
		checkRecords(t, s, err)
	})
}

// FuzzReadJSON covers Graph pages, arrays, single objects and Log Analytics
// JSON rows and tables. Read through a 16-byte buffer, every value is cut
// across reads: the result must be the same as through a large buffer.
func FuzzReadJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		s := newSink(context.Background())
		_, err := readJSON(s, bufio.NewReaderSize(bytes.NewReader(data), 4096))
		checkRecords(t, s, err)
		small := newSink(context.Background())
		_, smallErr := readJSON(small, bufio.NewReaderSize(bytes.NewReader(data), 16))
		if (err == nil) != (smallErr == nil) {
			t.Fatalf("4096-byte buffer: %v; 16-byte buffer: %v", err, smallErr)
		}
		if err != nil {
			return // Load drops what was read before an error
		}
		if len(s.out) != len(small.out) {
			t.Fatalf("4096-byte buffer: %d records; 16-byte buffer: %d", len(s.out), len(small.out))
		}
		for i := range s.out {
			if s.out[i].ID != small.out[i].ID || !s.out[i].CreatedAt.Equal(small.out[i].CreatedAt) || s.out[i].User != small.out[i].User {
				t.Fatalf("record %d differs: %+v vs %+v", i, s.out[i], small.out[i])
			}
		}
	})
}

// FuzzReadJSONLines covers one record per line.
func FuzzReadJSONLines(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		s := newSink(context.Background())
		_, err := readJSONLines(s, bufio.NewReader(bytes.NewReader(data)))
		checkRecords(t, s, err)
	})
}

// FuzzReadCSV covers the admin center and Log Analytics CSV exports.
func FuzzReadCSV(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		s := newSink(context.Background())
		_, err := readCSV(s, bufio.NewReaderSize(bytes.NewReader(data), 4096))
		checkRecords(t, s, err)
	})
}

// FuzzCSVTime covers the time forms of CSV files: a time is UTC and within
// the calendar, or an error says what is accepted.
func FuzzCSVTime(f *testing.F) {
	f.Fuzz(func(t *testing.T, a, b string) {
		c := &csvClock{s: newSink(context.Background())}
		for i, v := range []string{a, b} {
			got, _, err := c.parse("Date (UTC)", v, i+2)
			if err != nil {
				if !strings.Contains(err.Error(), "want ") {
					t.Fatalf("parse(%q): error %q says nothing of what is accepted", v, err)
				}
				continue
			}
			if got.IsZero() && !strings.HasPrefix(strings.TrimSpace(v), "0001-01-01") {
				t.Fatalf("parse(%q) = zero time", v)
			}
		}
	})
}
