package files

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
)

// FuzzParallelDecode: for any input, decoding on workers with batches of
// any size gives what the serial decode gives: the same format, the same
// error (message, line, index, byte) or the same records in the same
// order, duplicates and audit events included. Seeds are FuzzDecode's.
func FuzzParallelDecode(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzDecode", "*"))
	for _, path := range seeds {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		if data, ok := corpusBytes(b); ok {
			f.Add(data, uint16(3))
		}
	}
	f.Add([]byte(`{"value":[{"id":"a","createdDateTime":"2025-01-09T02:02:12Z","userAgent":"x\"}],{[\\\"\n"},{"id":"b","createdDateTime":"2025-01-09T02:02:13Z"}]}`), uint16(5))
	f.Add([]byte("{\"id\":\"a\",\"createdDateTime\":\"2025-01-09T02:02:12Z\"}\n\n  \n{\"id\":\"a\",\"createdDateTime\":\"2025-01-09T02:02:12Z\"}\n{\"id\":\"b\"}\n"), uint16(1))
	f.Fuzz(func(t *testing.T, data []byte, batch uint16) {
		serial := newSink(context.Background())
		serial.startFile(int64(len(data)))
		wantFormat, wantErr := decode(serial, bytes.NewReader(data))

		par := newSink(context.Background())
		par.workers, par.batchBytes = 2, int(batch%512)+1
		par.startFile(int64(len(data)))
		gotFormat, gotErr := decode(par, bytes.NewReader(data))

		if (wantErr == nil) != (gotErr == nil) || (wantErr != nil && wantErr.Error() != gotErr.Error()) {
			t.Fatalf("error: parallel %v, serial %v", gotErr, wantErr)
		}
		if gotFormat != wantFormat {
			t.Fatalf("format: parallel %q, serial %q", gotFormat, wantFormat)
		}
		if wantErr != nil {
			return
		}
		if !reflect.DeepEqual(par.out, serial.out) || par.dups != serial.dups || par.fileRecords != serial.fileRecords || !reflect.DeepEqual(par.events, serial.events) {
			t.Fatalf("records differ: parallel %d (%d dups), serial %d (%d dups)", len(par.out), par.dups, len(serial.out), serial.dups)
		}
	})
}

// corpusBytes reads the []byte value of a one-value "go test fuzz v1" file.
func corpusBytes(b []byte) ([]byte, bool) {
	lines := bytes.SplitN(b, []byte("\n"), 2)
	if len(lines) != 2 || string(lines[0]) != "go test fuzz v1" {
		return nil, false
	}
	v := bytes.TrimSpace(lines[1])
	if !bytes.HasPrefix(v, []byte("[]byte(")) || !bytes.HasSuffix(v, []byte(")")) {
		return nil, false
	}
	s, err := strconv.Unquote(string(v[len("[]byte(") : len(v)-1]))
	return []byte(s), err == nil
}
