package graphjson

import (
	"bufio"
	"errors"
	"strings"
	"testing"
)

func TestStreamRecordCap(t *testing.T) {
	big := `[{"a":"` + strings.Repeat("x", MaxRecord) + `"}]`
	st := NewStream(bufio.NewReader(strings.NewReader(big)))
	if c, err := st.Peek(); err != nil || c != '[' {
		t.Fatalf("Peek = %q, %v", c, err)
	}
	st.Consume()
	if _, err := st.Value(); !errors.Is(err, ErrRecordTooLarge) {
		t.Errorf("Value of a record over MaxRecord = %v, want ErrRecordTooLarge", err)
	}
	if len(st.buf) > MaxRecord {
		t.Errorf("the stream kept %d bytes, want at most MaxRecord", len(st.buf))
	}
	// At the cap exactly, the value is cut out.
	exact := `{"a":"` + strings.Repeat("x", MaxRecord-8) + `"}`
	st = NewStream(bufio.NewReader(strings.NewReader(exact)))
	if raw, err := st.Value(); err != nil || len(raw) != MaxRecord {
		t.Errorf("Value of a record of MaxRecord bytes = %d bytes, %v", len(raw), err)
	}
}

func TestLexerFieldCap(t *testing.T) {
	for _, n := range []int{MaxField, MaxField + 1} {
		var l Lexer
		l.Reset([]byte(`{"a":"` + strings.Repeat("x", n) + `"}`))
		l.Skip()
		l.End()
		if over := n > MaxField; (l.Err() != nil) != over {
			t.Errorf("a %d-byte string: error %v, want one: %v", n, l.Err(), over)
		} else if over && !strings.Contains(l.Err().Error(), "longer than 1 MiB") {
			t.Errorf("a %d-byte string: error %v, want it to name the cap", n, l.Err())
		}
	}
}
