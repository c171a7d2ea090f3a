package graphjson

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// FuzzLexer: the lexer accepts exactly what encoding/json accepts as one
// JSON value (short of our nesting bound). Seeds are in
// testdata/fuzz/FuzzLexer/.
func FuzzLexer(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		if bytes.Count(data, []byte("["))+bytes.Count(data, []byte("{")) > maxDepth {
			return
		}
		var l Lexer
		l.Reset(data)
		l.Skip()
		l.End()
		if got, want := l.err == nil, json.Valid(data); got != want {
			t.Fatalf("lexer accepts %q: %v (%v), encoding/json: %v", data, got, l.err, want)
		}
	})
}

// FuzzDecodePage: a Graph page either fails with a message or yields
// records that each have an ID, a time and a type. Seeds are in
// testdata/fuzz/FuzzDecodePage/.
func FuzzDecodePage(f *testing.F) {
	f.Add([]byte(`{"value":[{"id":"a","createdDateTime":"2025-01-09T02:02:12Z","status":{"errorCode":50126}}],"@odata.nextLink":"x"}`))
	f.Add([]byte(`{"value":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := DecodePage(context.Background(), bytes.NewReader(data))
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		for i, si := range p.SignIns {
			if strings.TrimSpace(si.ID) == "" || si.CreatedAt.IsZero() || si.Type == "" {
				t.Fatalf("record %d without ID, time or type: %+v", i, si)
			}
		}
	})
}
