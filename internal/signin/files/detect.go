package files

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/logtext"
)

// peekSize is the read buffer: large enough to hold a JSON line or a CSV
// header whole, so that the format can be told before decoding starts.
const peekSize = 1 << 20

// sniffKind is what the start of a file looks like.
type sniffKind int

const (
	sniffJSON sniffKind = iota + 1
	sniffJSONLines
	sniffCSV
)

// wantFormats lists the accepted formats, for error messages.
const wantFormats = `want Graph JSON ({"value":[...]} pages, a signIn or directoryAudit object per line), the admin center's JSON or CSV download, or a Log Analytics CSV or JSON export, of sign-ins or of directory audit logs`

// sniff looks at the start of the file (a byte-order mark, the first
// character, the first line) and returns the reader to decode from: the same
// one, or one that transcodes UTF-16 to UTF-8.
func sniff(br *bufio.Reader) (sniffKind, *bufio.Reader, error) {
	head, err := br.Peek(4)
	if len(head) == 0 {
		if err == io.EOF {
			return 0, br, errors.New("no sign-ins: the file is empty")
		}
		return 0, br, err
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		_, _ = br.Discard(3)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		_, _ = br.Discard(2)
		br = bufio.NewReaderSize(&utf16Reader{r: br, little: true}, peekSize)
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		_, _ = br.Discard(2)
		br = bufio.NewReaderSize(&utf16Reader{r: br}, peekSize)
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return 0, br, errors.New("unknown format: the file is a zip archive (extract the export first)")
	case bytes.HasPrefix(head, []byte{0x1F, 0x8B}):
		return 0, br, errors.New("unknown format: the file is gzip-compressed (decompress it first)")
	}
	first, err := skipSpace(br)
	if err != nil {
		if err == io.EOF {
			return 0, br, errors.New("no sign-ins: the file holds only white space")
		}
		return 0, br, err
	}
	line := peekLine(br)
	switch first {
	case '[':
		return sniffJSON, br, nil
	case '{':
		// One complete sign-in object on the first line: JSON lines.
		// Anything else (a page, a pretty-printed object) is a JSON stream.
		if trimmed := bytes.TrimSpace(line); json.Valid(trimmed) {
			if k := classifyObject(trimmed); isRecordKind(k) {
				return sniffJSONLines, br, nil
			}
		}
		return sniffJSON, br, nil
	}
	if _, kind := csvKind(line); kind != "" {
		return sniffCSV, br, nil
	}
	return 0, br, fmt.Errorf("unknown format: the file starts with %q (%s)", logtext.Clip(string(bytes.TrimSpace(firstLine(line))), 80), wantFormats)
}

// skipSpace discards leading white space and returns the next byte.
func skipSpace(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.Peek(1)
		if err != nil {
			return 0, err
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			_, _ = br.Discard(1)
		default:
			return b[0], nil
		}
	}
}

// peekLine returns the buffered first line (with its newline), or as much of
// it as fits the buffer.
func peekLine(br *bufio.Reader) []byte {
	buf, _ := br.Peek(peekSize)
	if i := bytes.IndexByte(buf, '\n'); i >= 0 {
		return buf[:i+1]
	}
	return buf
}

func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i]
	}
	return b
}

// recordKind is what one JSON object is.
type recordKind int

const (
	kindUnknown    recordKind = iota
	kindGraph                 // a Graph signIn (camelCase, or PascalCase from the PowerShell SDK)
	kindLA                    // a Log Analytics row
	kindPage                  // a Graph list response page
	kindTables                // a Log Analytics query API response
	kindDiagnostic            // an Azure Monitor diagnostic record, or {"records":[...]}
	kindAudit                 // a Graph directoryAudit
	kindAuditLA               // a Log Analytics AuditLogs row
)

// isRecordKind reports whether k is one record (a sign-in or an audit
// event), as opposed to a wrapper or nothing known.
func isRecordKind(k recordKind) bool {
	return k == kindGraph || k == kindLA || k == kindAudit || k == kindAuditLA
}

// isLAKind reports whether k is a Log Analytics row.
func isLAKind(k recordKind) bool { return k == kindLA || k == kindAuditLA }

// laMarkers are Log Analytics column names that a Graph signIn never has.
var laMarkers = []string{"timegenerated", "resulttype", "resultdescription", "locationdetails", "conditionalaccesspolicies", "operationname", "sourcesystem", "tablename"}

// classifyObject tells what a JSON object is from its keys.
func classifyObject(raw []byte) recordKind {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return kindUnknown
	}
	keys := make(map[string]bool, len(fields))
	annotated := false
	for k := range fields {
		keys[strings.ToLower(k)] = true
		annotated = annotated || strings.HasPrefix(k, "@")
	}
	record := keys["id"] || keys["createddatetime"]
	switch {
	case keys["value"] || (annotated && !record):
		return kindPage
	case keys["tables"]:
		return kindTables
	case keys["records"] || (keys["properties"] && (keys["category"] || keys["operationname"])):
		return kindDiagnostic
	}
	if isAuditKeys(keys) {
		if keys["timegenerated"] || keys["operationname"] || keys["aadtenantid"] || keys["tenantid"] {
			return kindAuditLA
		}
		return kindAudit
	}
	for _, k := range laMarkers {
		if keys[k] {
			return kindLA
		}
	}
	if keys["id"] || keys["createddatetime"] {
		return kindGraph
	}
	return kindUnknown
}

// errDiagnostic explains why Azure Monitor diagnostic records are refused.
var errDiagnostic = errors.New(`unknown format: Azure Monitor diagnostic records ({"records":[...]} or {"category":..., "properties":{...}}) are not read; export the sign-ins from Graph, the admin center or Log Analytics`)

// utf16Reader transcodes UTF-16 (as Windows PowerShell 5 writes files) to
// UTF-8 as it reads.
type utf16Reader struct {
	r      io.Reader
	little bool
	in     [4096]byte
	odd    []byte // a byte or surrogate half carried to the next read
	buf    []byte // transcoded bytes
	out    []byte // the unread part of buf
	err    error
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for len(u.out) == 0 {
		if u.err != nil {
			return 0, u.err
		}
		n := copy(u.in[:], u.odd)
		m, err := u.r.Read(u.in[n:])
		n += m
		u.err = err
		units := n / 2
		buf := u.in[:units*2]
		u.odd = append(u.odd[:0], u.in[units*2:n]...)
		u.buf = u.buf[:0]
		var codes []uint16
		for i := 0; i+1 < len(buf); i += 2 {
			if u.little {
				codes = append(codes, uint16(buf[i])|uint16(buf[i+1])<<8)
			} else {
				codes = append(codes, uint16(buf[i])<<8|uint16(buf[i+1]))
			}
		}
		// Keep a trailing high surrogate for the next read.
		if k := len(codes); k > 0 && utf16.IsSurrogate(rune(codes[k-1])) && codes[k-1] < 0xDC00 && u.err == nil {
			u.odd = append(append([]byte{}, buf[len(buf)-2:]...), u.odd...)
			codes = codes[:k-1]
		}
		for _, r := range utf16.Decode(codes) {
			u.buf = utf8.AppendRune(u.buf, r)
		}
		if u.err != nil && len(u.odd) > 0 {
			u.buf = utf8.AppendRune(u.buf, utf8.RuneError)
			u.odd = nil
		}
		u.out = u.buf
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	return n, nil
}
