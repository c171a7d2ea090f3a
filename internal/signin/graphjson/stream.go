package graphjson

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Stream walks the structure of a JSON file (pages, arrays, members) and
// cuts out one value at a time, which a Lexer or a Decoder then decodes.
// Cutting tracks only strings and nesting, so it runs at memory speed; the
// lexer validates each value fully. The files source walks its Graph and
// Log Analytics wrappers with it.
type Stream struct {
	r   *bufio.Reader
	off int64  // bytes consumed, for messages
	buf []byte // the last value cut out, reused
}

// NewStream returns a Stream that reads r; r's buffer bounds how far
// FirstKey looks ahead.
func NewStream(r *bufio.Reader) *Stream { return &Stream{r: r} }

// Offset is the number of bytes consumed so far, for messages.
func (st *Stream) Offset() int64 { return st.off }

// errWantValue is a structural character where a value belongs.
var errWantValue = errors.New("invalid JSON: want a value")

// errCutShort is a file that ends inside a value.
var errCutShort = errors.New("invalid JSON: the file ends inside a value")

// Peek skips white space and returns the next byte without consuming it;
// io.EOF at the end of the file.
func (st *Stream) Peek() (byte, error) {
	for {
		chunk, err := st.r.Peek(1)
		if len(chunk) == 0 {
			return 0, err
		}
		chunk, _ = st.r.Peek(st.r.Buffered())
		n := 0
		for n < len(chunk) {
			switch chunk[n] {
			case ' ', '\t', '\r', '\n':
				n++
				continue
			}
			break
		}
		if n > 0 {
			_, _ = st.r.Discard(n)
			st.off += int64(n)
		}
		if n < len(chunk) {
			return chunk[n], nil
		}
	}
}

// Consume discards the byte Peek returned.
func (st *Stream) Consume() {
	_, _ = st.r.Discard(1)
	st.off++
}

// Value cuts out the next value (valid until the next call); a value over
// MaxRecord is ErrRecordTooLarge, reported before it is read whole.
func (st *Stream) Value() ([]byte, error) {
	first, err := st.Peek()
	if err != nil {
		if err == io.EOF {
			return nil, errCutShort
		}
		return nil, err
	}
	st.buf = st.buf[:0]
	depth := 0
	inString := false
	backslashes := 0 // a run of backslashes that ended the last chunk, inside a string
	scalar := first != '{' && first != '[' && first != '"'
	for {
		if st.r.Buffered() == 0 {
			if _, err := st.r.Peek(1); err != nil {
				if err == io.EOF && scalar && len(st.buf) > 0 {
					return st.buf, nil // a number or literal at the very end
				}
				if err == io.EOF {
					return nil, errCutShort
				}
				return nil, err
			}
		}
		chunk, _ := st.r.Peek(st.r.Buffered())
		end := -1
		i := 0
	scan:
		for i < len(chunk) {
			if inString {
				// Jump to the next quote; it ends the string unless an odd
				// run of backslashes escapes it.
				j := bytes.IndexByte(chunk[i:], '"')
				if j < 0 {
					run := trailingBackslashes(chunk[i:])
					if run == len(chunk)-i {
						run += backslashes
					}
					backslashes = run
					break scan // the string goes on in the next chunk
				}
				q := i + j
				run := trailingBackslashes(chunk[i:q])
				if run == q-i {
					run += backslashes
				}
				backslashes = 0
				i = q + 1
				if run%2 == 1 {
					continue
				}
				inString = false
				if depth == 0 {
					end = i
					break scan
				}
				continue
			}
			b := chunk[i]
			i++
			if scalar {
				switch b {
				case ',', ']', '}', ' ', '\t', '\r', '\n', '[', '{', '"', ':':
					end = i - 1
					break scan
				}
				continue
			}
			switch b {
			case '"':
				inString = true
				backslashes = 0
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth <= 0 {
					end = i
					break scan
				}
			}
		}
		if end < 0 {
			end = len(chunk)
		}
		if len(st.buf)+end > MaxRecord {
			// Checked before the bytes are kept: an oversized value is
			// never buffered whole.
			return nil, ErrRecordTooLarge
		}
		st.buf = append(st.buf, chunk[:end]...)
		_, _ = st.r.Discard(end)
		st.off += int64(end)
		if end < len(chunk) || (!scalar && depth <= 0 && !inString && len(st.buf) > 0) {
			if len(st.buf) == 0 {
				return nil, errWantValue
			}
			return st.buf, nil
		}
	}
}

// trailingBackslashes counts the backslashes that end b.
func trailingBackslashes(b []byte) int {
	n := 0
	for n < len(b) && b[len(b)-1-n] == '\\' {
		n++
	}
	return n
}

// FirstKey looks ahead, without consuming, for the first member name of the
// object that starts at the next byte; "" if it is not in sight.
func (st *Stream) FirstKey() string {
	for size := 256; size <= 1<<16; size *= 4 {
		ahead, _ := st.r.Peek(size)
		i := 1 // past '{'
		for i < len(ahead) && (ahead[i] == ' ' || ahead[i] == '\t' || ahead[i] == '\r' || ahead[i] == '\n') {
			i++
		}
		if i < len(ahead) && ahead[i] != '"' {
			return ""
		}
		for j := i + 1; j < len(ahead); j++ {
			if ahead[j] == '\\' {
				return "" // an escaped name: not one of the wrapper names
			}
			if ahead[j] == '"' {
				return string(ahead[i+1 : j])
			}
		}
		if len(ahead) < size {
			return ""
		}
	}
	return ""
}

// Next reads the ',' between two elements or members, or leaves the
// closing byte (']' or '}') for the caller.
func (st *Stream) Next(closing byte) error {
	c, err := st.Peek()
	switch {
	case err == io.EOF:
		return errCutShort
	case err != nil:
		return err
	case c == ',':
		st.Consume()
		if c, err := st.Peek(); err == nil && c == closing {
			return fmt.Errorf("invalid JSON: %q after ','", c)
		}
		return nil
	case c == closing:
		return nil
	}
	return fmt.Errorf("invalid JSON: %q where ',' or %q belongs", c, closing)
}

// Members calls member with each member name of the object at the next
// byte (Peek has returned '{'); member must read the value.
func (st *Stream) Members(member func(key string) error) error {
	st.Consume() // '{'
	if c, err := st.Peek(); err == nil && c == '}' {
		st.Consume()
		return nil
	}
	var lx Lexer
	for {
		raw, err := st.Value()
		if err != nil {
			return err
		}
		lx.Reset(raw)
		if lx.Peek() != '"' {
			return fmt.Errorf("invalid JSON: want a member name at byte %d", st.off-int64(len(raw)))
		}
		key := lx.Str("member name")
		if lx.End(); lx.err != nil {
			return lx.err
		}
		if c, err := st.Peek(); err != nil || c != ':' {
			return fmt.Errorf("invalid JSON: want ':' after %q at byte %d", key, st.off)
		}
		st.Consume()
		if err := member(key); err != nil {
			return err
		}
		if err := st.Next('}'); err != nil {
			return err
		}
		if c, _ := st.Peek(); c == '}' {
			st.Consume()
			return nil
		}
	}
}

// SkipValue reads a value that is not used, checking that it is JSON.
func (st *Stream) SkipValue() error {
	raw, err := st.Value()
	if err != nil {
		return err
	}
	return Check(raw)
}

// Check reports whether raw is one JSON value, read as strictly as records
// are.
func Check(raw []byte) error {
	var lx Lexer
	lx.Reset(raw)
	lx.Skip()
	lx.End()
	return lx.err
}

// MaxRecord caps the JSON text of one record (a signIn object, a Log
// Analytics row; for CSV, one row) and MaxField one string in it. A real
// sign-in with dozens of Conditional Access policies and authentication
// steps takes tens of KB, so the caps leave two orders of magnitude of room;
// without them one bad record (a 50 MB field) was buffered whole, several
// times over, before it could be judged.
const (
	MaxRecord = 4 << 20
	MaxField  = 1 << 20
)

// ErrRecordTooLarge is a record over MaxRecord; callers say where it is.
var ErrRecordTooLarge = fmt.Errorf("larger than %d MiB (want at most %d MiB a record; a real sign-in takes tens of KB)", MaxRecord>>20, MaxRecord>>20)

// FieldTooLarge is the error for a value of n bytes or more, over MaxField;
// at says where, such as "at byte 12 of the record" or "in column UserAgent".
func FieldTooLarge(at string) error {
	return fmt.Errorf("a value %s is longer than %d MiB (want at most %d MiB a field; a real sign-in's longest field takes a few KB)", at, MaxField>>20, MaxField>>20)
}
