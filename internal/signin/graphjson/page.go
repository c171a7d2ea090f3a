package graphjson

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// Page is one decoded page of a Graph list response.
type Page struct {
	SignIns  []signin.SignIn
	NextLink string // @odata.nextLink, empty on the last page
}

// DecodePage decodes one Graph list response page ({"value":[...],
// "@odata.nextLink":...}) of signIn objects, v1.0 or beta, streaming: a
// record at a time. A sign-in repeated within the page is kept once. It
// checks ctx between records. The Graph source decodes its live pages with
// it; the files source reads exported pages with the same Decoder.
func DecodePage(ctx context.Context, r io.Reader) (Page, error) {
	st := NewStream(bufio.NewReaderSize(r, 64<<10))
	var page Page
	c, err := st.Peek()
	if err != nil {
		return page, fmt.Errorf("decode Graph page: %w", err)
	}
	if c != '{' {
		return page, fmt.Errorf("decode Graph page: at byte %d: %q (want a list response object)", st.off, c)
	}
	d := NewDecoder()
	seen := map[string]struct{}{}
	err = st.Members(func(key string) error {
		switch strings.ToLower(key) {
		case "value":
			c, err := st.Peek()
			if err != nil || c != '[' {
				return fmt.Errorf(`"value" at byte %d is not an array (want an array of sign-ins)`, st.off)
			}
			st.Consume()
			return d.readPage(ctx, st, &page, seen)
		case "@odata.nextlink":
			raw, err := st.Value()
			if err != nil {
				return err
			}
			return json.Unmarshal(raw, &page.NextLink)
		}
		_, err := st.Value()
		return err
	})
	if err != nil {
		return page, fmt.Errorf("decode Graph page: %w", err)
	}
	return page, nil
}

// readPage reads the elements of a page's value array, whose '[' was
// consumed, into page.
func (d *Decoder) readPage(ctx context.Context, st *Stream, page *Page, seen map[string]struct{}) error {
	if c, err := st.Peek(); err == nil && c == ']' {
		st.Consume()
		return nil
	}
	for i := 0; ; i++ {
		at := st.off
		raw, err := st.Value()
		if err == nil {
			err = d.keep(ctx, raw, &page.SignIns, seen)
		}
		if err != nil {
			if isCtxErr(err) {
				return err
			}
			return fmt.Errorf("record at index %d (byte %d): %w", i, at, err)
		}
		if err := st.Next(']'); err != nil {
			return fmt.Errorf("after the record at index %d (byte %d): %w", i, st.off, err)
		}
		if c, _ := st.Peek(); c == ']' {
			st.Consume()
			return nil
		}
	}
}

// keep decodes one record and appends it to out unless its ID was seen.
func (d *Decoder) keep(ctx context.Context, raw []byte, out *[]signin.SignIn, seen map[string]struct{}) error {
	if len(raw) == 0 || raw[0] != '{' {
		k := "empty"
		if len(raw) > 0 {
			k = ValueKind(raw[0])
		}
		return fmt.Errorf("a JSON %s (want a sign-in object)", k)
	}
	si, err := d.SignIn(raw)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if si.CreatedAt.IsZero() {
		return errors.New("record without a time")
	}
	if _, ok := seen[si.ID]; ok {
		return nil
	}
	seen[si.ID] = struct{}{}
	*out = append(*out, si)
	return nil
}

// DecodeSignIn decodes one signIn object (a GET by ID).
func DecodeSignIn(ctx context.Context, raw []byte) (signin.SignIn, error) {
	var out []signin.SignIn
	if err := NewDecoder().keep(ctx, raw, &out, map[string]struct{}{}); err != nil {
		return signin.SignIn{}, fmt.Errorf("decode Graph sign-in: %w", err)
	}
	return out[0], nil
}

func isCtxErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
