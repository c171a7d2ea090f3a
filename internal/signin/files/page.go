package files

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// GraphPage is one decoded page of a Graph list response.
type GraphPage struct {
	SignIns  []signin.SignIn
	NextLink string // @odata.nextLink, empty on the last page
}

// DecodeGraphPage decodes one Graph list response page ({"value":[...],
// "@odata.nextLink":...}) of signIn objects, v1.0 or beta, streaming with the
// same decoder as exported files. The Graph source uses it for live pages.
func DecodeGraphPage(ctx context.Context, r io.Reader) (GraphPage, error) {
	s := newSink(ctx)
	st := &jsonStream{r: bufio.NewReaderSize(r, 64<<10)}
	var page GraphPage
	c, err := st.peek()
	if err != nil {
		return page, fmt.Errorf("decode Graph page: %w", err)
	}
	if c != '{' {
		return page, fmt.Errorf("decode Graph page: at byte %d: %q (want a list response object)", st.off, c)
	}
	err = readMembers(st, func(key string) error {
		switch strings.ToLower(key) {
		case "value":
			c, err := st.peek()
			if err != nil || c != '[' {
				return fmt.Errorf(`"value" at byte %d is not an array (want an array of sign-ins)`, st.off)
			}
			st.consume()
			_, err = readArray(s, st, "", true)
			return err
		case "@odata.nextlink":
			raw, err := st.value()
			if err != nil {
				return err
			}
			return json.Unmarshal(raw, &page.NextLink)
		}
		_, err := st.value()
		return err
	})
	if err != nil {
		return page, fmt.Errorf("decode Graph page: %w", err)
	}
	page.SignIns = s.out
	return page, nil
}

// DecodeGraphSignIn decodes one signIn object (a GET by ID).
func DecodeGraphSignIn(ctx context.Context, raw []byte) (signin.SignIn, error) {
	s := newSink(ctx)
	rr := &recordReader{s: s}
	if err := rr.setKind(raw); err != nil {
		return signin.SignIn{}, fmt.Errorf("decode Graph sign-in: %w", err)
	}
	if err := rr.decodeRaw(raw); err != nil {
		return signin.SignIn{}, fmt.Errorf("decode Graph sign-in: %w", err)
	}
	if len(s.out) != 1 {
		return signin.SignIn{}, fmt.Errorf("decode Graph sign-in: %d records decoded, want 1", len(s.out))
	}
	return s.out[0], nil
}
