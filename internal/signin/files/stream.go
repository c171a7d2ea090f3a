package files

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// jsonStream walks the structure of a JSON file (pages, arrays, members)
// and cuts out one value at a time, which the lexer then decodes. Cutting
// tracks only strings and nesting, so it runs at memory speed; the lexer
// validates each value fully.
type jsonStream struct {
	r   *bufio.Reader
	off int64  // bytes consumed, for messages
	buf []byte // the last value cut out, reused
}

// errWantValue is a structural character where a value belongs.
var errWantValue = errors.New("invalid JSON: want a value")

// errCutShort is a file that ends inside a value.
var errCutShort = errors.New("invalid JSON: the file ends inside a value")

// peek skips white space and returns the next byte without consuming it;
// io.EOF at the end of the file.
func (st *jsonStream) peek() (byte, error) {
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

// consume discards the byte peek returned.
func (st *jsonStream) consume() {
	_, _ = st.r.Discard(1)
	st.off++
}

// value cuts out the next value (valid until the next call).
func (st *jsonStream) value() ([]byte, error) {
	first, err := st.peek()
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

// firstKey looks ahead, without consuming, for the first member name of the
// object that starts at the next byte; "" if it is not in sight.
func (st *jsonStream) firstKey() string {
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
