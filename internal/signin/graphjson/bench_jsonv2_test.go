//go:build goexperiment.jsonv2

package graphjson_test

import (
	"bytes"
	"encoding/json/jsontext"
	jsonv2 "encoding/json/v2"
	"fmt"
	"strings"
	"testing"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graphjson"
)

// encoding/json/v2 needs GOEXPERIMENT=jsonv2 in Go 1.26, hence the build
// tag: GOEXPERIMENT=jsonv2 go test -run '^$' -bench Decode ./internal/signin/graphjson

func init() { standardDecoders["encoding/json/v2"] = decodeJSONv2 }

func BenchmarkDecodeJSONv2(b *testing.B) { benchmarkDecode(b, decodeJSONv2) }

// decodeJSONv2 walks the page with a jsontext.Decoder down to the value
// array and unmarshals one element at a time into a stdRecord, matching
// names without regard to case as encoding/json and this package do.
func decodeJSONv2(page []byte, out []signin.SignIn) ([]signin.SignIn, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(page))
	opts := jsonv2.MatchCaseInsensitiveNames(true)
	in := graphjson.NewDecoder()
	if t, err := dec.ReadToken(); err != nil || t.Kind() != '{' {
		return out, fmt.Errorf("want a page object: %v", err)
	}
	for dec.PeekKind() != '}' {
		t, err := dec.ReadToken()
		if err != nil {
			return out, err
		}
		if !strings.EqualFold(t.String(), "value") {
			if err := dec.SkipValue(); err != nil {
				return out, err
			}
			continue
		}
		if t, err := dec.ReadToken(); err != nil || t.Kind() != '[' {
			return out, fmt.Errorf("want the value array: %v", err)
		}
		for dec.PeekKind() != ']' {
			var r stdRecord
			if err := jsonv2.UnmarshalDecode(dec, &r, opts); err != nil {
				return out, err
			}
			si, err := r.signIn(in)
			if err != nil {
				return out, err
			}
			out = append(out, si)
		}
		if _, err := dec.ReadToken(); err != nil {
			return out, err
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return out, err
	}
	return out, nil
}
