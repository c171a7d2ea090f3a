package files

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graphjson"
)

// readJSON reads a stream of JSON values, one after another: Graph list
// pages, arrays of signIn objects or Log Analytics rows, single objects, and
// Log Analytics query API responses. The format is that of the first value.
func readJSON(s *sink, br *bufio.Reader) (Format, error) {
	st := graphjson.NewStream(br)
	var format Format
	for value := 1; ; value++ {
		c, err := st.Peek()
		if err == io.EOF {
			return format, nil
		}
		if err != nil {
			return format, err
		}
		where := ""
		if value > 1 {
			where = fmt.Sprintf("page %d: ", value)
		}
		var f Format
		switch c {
		case '[':
			st.Consume()
			f, err = readArray(s, st, where, false)
		case '{':
			f, err = readObject(s, st, where)
		default:
			return format, fmt.Errorf("%sat byte %d: %q (want an object or an array of sign-ins)", where, st.Offset(), c)
		}
		if format == "" {
			format = f
		}
		if err != nil {
			return format, err
		}
	}
}

// recordReader decodes the records of one array (or one JSON lines file),
// whose kind is taken from its first record.
type recordReader struct {
	s    *sink
	kind recordKind
	lx   graphjson.Lexer
	row  laRow
}

// setKind picks the decoder from the first record's keys.
func (rr *recordReader) setKind(raw []byte) error {
	if len(raw) == 0 || raw[0] != '{' {
		k := "empty"
		if len(raw) > 0 {
			k = graphjson.ValueKind(raw[0])
		}
		return fmt.Errorf("a JSON %s (want a sign-in object)", k)
	}
	switch k := classifyObject(raw); {
	case isRecordKind(k):
		rr.kind = k
		return nil
	case k == kindDiagnostic:
		return errDiagnostic
	}
	return errors.New("not a sign-in or an audit event: the object has no id or createdDateTime (Graph sign-in), no activityDisplayName or activityDateTime (Graph audit event) and no TimeGenerated or ResultType (Log Analytics)")
}

// decodeRaw decodes one record from its JSON text and adds it to the sink.
func (rr *recordReader) decodeRaw(raw []byte) error {
	var si signin.SignIn
	var err error
	switch rr.kind {
	case kindAudit, kindAuditLA:
		err := rr.s.auditJSON(raw)
		if err != nil && !isCtxErr(err) {
			if k := classifyObject(raw); k == kindGraph || k == kindLA {
				if kerr := rr.s.setFileKind(false); kerr != nil {
					return kerr
				}
			}
		}
		return err
	case kindGraph:
		si, err = rr.s.dec.SignIn(raw)
	default:
		l := &rr.lx
		l.Reset(raw)
		if l.Peek() != '{' {
			l.TypeError("the record", "an object")
		}
		laRowJSON(l, &rr.row)
		if l.End(); l.Err() != nil {
			return l.Err()
		}
		si, _, err = rr.s.laSignIn(&rr.row, isoClock)
	}
	if err != nil {
		// A sign-in decoder fails on an audit event: say what the record
		// is, rather than what a sign-in lacks. Only failures pay for this.
		if k := classifyObject(raw); k == kindAudit || k == kindAuditLA {
			if kerr := rr.s.setFileKind(true); kerr != nil {
				return kerr
			}
		}
		return err
	}
	_, err = rr.s.add(&si)
	return err
}

// decodeFast decodes a sign-in record for a worker, whose sink only
// decodes. It reports false for anything decodeRaw would refuse: the
// merger then decodes the record serially, for decodeRaw's error.
func (rr *recordReader) decodeFast(raw []byte) (signin.SignIn, bool) {
	var si signin.SignIn
	var err error
	switch rr.kind {
	case kindGraph:
		si, err = rr.s.dec.SignIn(raw)
	case kindLA:
		l := &rr.lx
		l.Reset(raw)
		if l.Peek() != '{' {
			return si, false
		}
		laRowJSON(l, &rr.row)
		if l.End(); l.Err() != nil {
			return si, false
		}
		si, _, err = rr.s.laSignIn(&rr.row, isoClock)
	default:
		return si, false
	}
	return si, err == nil && si.ID != "" && !si.CreatedAt.IsZero()
}

// readArray reads the elements of an array whose '[' was consumed. An
// array of sign-ins is cut into batches that the file's workers decode
// (parallel.go); an array of audit events is decoded here, one record at a
// time.
func readArray(s *sink, st *graphjson.Stream, where string, inPage bool) (Format, error) {
	rr := &recordReader{s: s}
	c, err := st.Peek()
	if err == nil && c == ']' {
		st.Consume()
		return arrayFormat(rr.kind, inPage), nil
	}
	parallel := false
	var batch *recordBatch
	// submit hands the batch cut so far to the workers. Every return
	// submits what was cut: a record's error before the one that stopped
	// the cutting comes first (decode reports the pipeline's error).
	submit := func() error {
		if batch == nil {
			return nil
		}
		b := batch
		batch = nil
		b.end = st.Offset()
		return s.pipeline().submit(b)
	}
	defer func() { _ = submit() }()
	for i := 0; ; i++ {
		at := st.Offset()
		raw, err := st.Value()
		if err == nil && i == 0 {
			if err = rr.setKind(raw); err == nil {
				parallel = s.workers > 0 && (rr.kind == kindGraph || rr.kind == kindLA)
				if !parallel {
					// Records added here go after those in flight.
					err = s.drain()
				}
			}
		}
		if err == nil {
			if parallel {
				if batch == nil {
					batch = &recordBatch{rr: rr, kind: rr.kind, where: where, index: i}
					batch.data = s.pipeline().buffer(s.batchBytes + len(raw))
				}
				batch.add(raw, at)
				if len(batch.data) >= s.batchBytes {
					if err := submit(); err != nil {
						return arrayFormat(rr.kind, inPage), err
					}
				}
			} else {
				err = rr.decodeRaw(raw)
			}
		}
		if err != nil {
			if isCtxErr(err) {
				return arrayFormat(rr.kind, inPage), err
			}
			return arrayFormat(rr.kind, inPage), fmt.Errorf("%srecord at index %d (byte %d): %w", where, i, at, err)
		}
		if !parallel && s.fileRecords == hintAt {
			s.hint(st.Offset())
		}
		if err := st.Next(']'); err != nil {
			return arrayFormat(rr.kind, inPage), fmt.Errorf("%safter the record at index %d (byte %d): %w", where, i, st.Offset(), err)
		}
		if c, _ := st.Peek(); c == ']' {
			st.Consume()
			return arrayFormat(rr.kind, inPage), nil
		}
	}
}

func arrayFormat(k recordKind, inPage bool) Format {
	switch {
	case isLAKind(k):
		return FormatLogAnalyticsJSON
	case inPage:
		return FormatGraphJSON
	}
	return FormatPortalJSON
}

// readObject reads an object at the next byte: a Graph page or a Log
// Analytics query response (streamed), or a single record (cut out whole).
func readObject(s *sink, st *graphjson.Stream, where string) (Format, error) {
	key := st.FirstKey()
	switch lower := strings.ToLower(key); {
	case lower == "value", lower == "tables", lower == "records", strings.HasPrefix(key, "@"):
		return readWrapper(s, st, where)
	}
	return readSingle(s, st, where)
}

// readWrapper reads the members of a page or query response, streaming the
// array of records. The other members are kept: an object that starts with
// "@odata.context" may be a single record (a GET response), decoded whole
// at the end.
func readWrapper(s *sink, st *graphjson.Stream, where string) (Format, error) {
	format := FormatGraphJSON
	at := st.Offset()
	streamed := false
	var rest bytes.Buffer
	err := st.Members(func(key string) error {
		switch strings.ToLower(key) {
		case "value":
			streamed = true
			c, err := st.Peek()
			if err != nil || c != '[' {
				return fmt.Errorf(`%s"value" at byte %d is not an array (want an array of sign-ins)`, where, st.Offset())
			}
			st.Consume()
			f, err := readArray(s, st, where, true)
			if f == FormatLogAnalyticsJSON {
				format = f
			}
			return err
		case "tables":
			streamed = true
			format = FormatLogAnalyticsJSON
			return readTables(s, st, where)
		case "records":
			return errDiagnostic
		}
		raw, err := st.Value()
		if err != nil {
			return err
		}
		if err := graphjson.Check(raw); err != nil {
			return err
		}
		if rest.Len() == 0 {
			rest.WriteByte('{')
		} else {
			rest.WriteByte(',')
		}
		k, _ := json.Marshal(key)
		rest.Write(k)
		rest.WriteByte(':')
		rest.Write(raw)
		return nil
	})
	if err != nil && !strings.HasPrefix(err.Error(), where) && !isCtxErr(err) && err != errDiagnostic {
		err = fmt.Errorf("%sat byte %d: %w", where, st.Offset(), err)
	}
	if err != nil || streamed || rest.Len() == 0 {
		return format, err
	}
	rest.WriteByte('}')
	if err := s.drain(); err != nil {
		return format, err
	}
	rr := &recordReader{s: s}
	if rr.kind = classifyObject(rest.Bytes()); isRecordKind(rr.kind) {
		if err := rr.decodeRaw(rest.Bytes()); err != nil && !isCtxErr(err) {
			return format, fmt.Errorf("%srecord at byte %d: %w", where, at, err)
		} else if err != nil {
			return format, err
		}
		if isLAKind(rr.kind) {
			format = FormatLogAnalyticsJSON
		}
	}
	return format, nil
}

// readSingle reads one record object, as a GET response or pretty-printed
// objects one after another hold them.
func readSingle(s *sink, st *graphjson.Stream, where string) (Format, error) {
	at := st.Offset()
	raw, err := st.Value()
	if err == nil && len(raw) > 0 && raw[0] == '{' {
		switch classifyObject(raw) {
		case kindPage, kindTables, kindDiagnostic:
			// A wrapper whose first member name was out of sight: read it
			// from memory.
			inner := graphjson.NewStream(bufio.NewReader(bytes.NewReader(bytes.Clone(raw))))
			return readWrapper(s, inner, where)
		}
	}
	rr := &recordReader{s: s}
	if err == nil {
		err = s.drain() // this record goes after those in flight
	}
	if err == nil {
		if err = rr.setKind(raw); err == nil {
			err = rr.decodeRaw(raw)
		}
	}
	format := FormatGraphJSON
	if isLAKind(rr.kind) {
		format = FormatLogAnalyticsJSON
	}
	if err != nil && !isCtxErr(err) {
		err = fmt.Errorf("%srecord at byte %d: %w", where, at, err)
	}
	return format, err
}

// readTables reads a Log Analytics query API response's "tables" array:
// [{"name":..., "columns":[{"name":..., "type":...}], "rows":[[...], ...]}].
func readTables(s *sink, st *graphjson.Stream, where string) error {
	if err := s.drain(); err != nil {
		return err // rows are added here, after the records in flight
	}
	if c, err := st.Peek(); err != nil || c != '[' {
		return fmt.Errorf(`%s"tables" is not an array (want the query API's tables)`, where)
	}
	st.Consume()
	if c, err := st.Peek(); err == nil && c == ']' {
		st.Consume()
		return nil
	}
	for t := 0; ; t++ {
		tw := fmt.Sprintf("%stable %d: ", where, t)
		if c, err := st.Peek(); err != nil || c != '{' {
			return fmt.Errorf("%sat byte %d: want a table object", tw, st.Offset())
		}
		var cols []laColumn
		var auditNames []string // the columns' names, when they are AuditLogs'
		err := st.Members(func(key string) error {
			switch strings.ToLower(key) {
			case "columns":
				raw, err := st.Value()
				if err != nil {
					return err
				}
				var c []struct {
					Name string `json:"name"`
				}
				if err := json.Unmarshal(raw, &c); err != nil {
					return fmt.Errorf("%scolumns: %w", tw, graphjson.JSONProblem(err))
				}
				names := make([]string, len(c))
				for i, col := range c {
					names[i] = col.Name
				}
				if auditTableColumns(names) {
					auditNames = names
					cols = []laColumn{}
					return nil
				}
				cols = make([]laColumn, len(c))
				for i, col := range c {
					cols[i] = laColumnFor(col.Name)
				}
				if err := checkLAColumns(cols); err != nil {
					return fmt.Errorf("%s%w", tw, err)
				}
				return nil
			case "rows":
				if cols == nil {
					return fmt.Errorf(`%s"rows" comes before "columns" (want the columns first, as the query API writes them)`, tw)
				}
				if auditNames != nil {
					return readAuditTableRows(s, st, tw, auditNames)
				}
				return readTableRows(s, st, tw, cols)
			}
			return st.SkipValue()
		})
		if err != nil {
			if !strings.HasPrefix(err.Error(), tw) && !isCtxErr(err) {
				err = fmt.Errorf("%sat byte %d: %w", tw, st.Offset(), err)
			}
			return err
		}
		if err := st.Next(']'); err != nil {
			return fmt.Errorf("%sat byte %d: %w", tw, st.Offset(), err)
		}
		if c, _ := st.Peek(); c == ']' {
			st.Consume()
			return nil
		}
	}
}

func readTableRows(s *sink, st *graphjson.Stream, where string, cols []laColumn) error {
	if c, err := st.Peek(); err != nil || c != '[' {
		return fmt.Errorf(`%s"rows" at byte %d is not an array`, where, st.Offset())
	}
	st.Consume()
	if c, err := st.Peek(); err == nil && c == ']' {
		st.Consume()
		return nil
	}
	var (
		row laRow
		lx  graphjson.Lexer
	)
	for i := 0; ; i++ {
		at := st.Offset()
		raw, err := st.Value()
		if err == nil {
			lx.Reset(raw)
			if lx.Peek() != '[' {
				lx.TypeError("the row", "an array")
			}
			n := laValues(&lx, &row, cols)
			lx.End()
			err = lx.Err()
			if err == nil && n != len(cols) {
				err = fmt.Errorf("%d values (want %d, one per column)", n, len(cols))
			}
			if err == nil {
				var si signin.SignIn
				si, _, err = s.laSignIn(&row, isoClock)
				if err == nil {
					_, err = s.add(&si)
				}
			}
		}
		if err != nil {
			if isCtxErr(err) {
				return err
			}
			return fmt.Errorf("%srecord at index %d (byte %d): %w", where, i, at, err)
		}
		if err := st.Next(']'); err != nil {
			return fmt.Errorf("%safter the record at index %d: %w", where, i, err)
		}
		if c, _ := st.Peek(); c == ']' {
			st.Consume()
			return nil
		}
	}
}

// readAuditTableRows reads the rows of an AuditLogs table of the query API.
func readAuditTableRows(s *sink, st *graphjson.Stream, where string, names []string) error {
	if c, err := st.Peek(); err != nil || c != '[' {
		return fmt.Errorf(`%s"rows" at byte %d is not an array`, where, st.Offset())
	}
	st.Consume()
	if c, err := st.Peek(); err == nil && c == ']' {
		st.Consume()
		return nil
	}
	for i := 0; ; i++ {
		at := st.Offset()
		raw, err := st.Value()
		if err == nil {
			if len(raw) == 0 || raw[0] != '[' {
				err = errors.New("the row is not an array (want an array of values, one per column)")
			} else {
				err = s.auditTableRow(names, raw)
			}
		}
		if err != nil {
			if isCtxErr(err) {
				return err
			}
			return fmt.Errorf("%srecord at index %d (byte %d): %w", where, i, at, err)
		}
		if err := st.Next(']'); err != nil {
			return fmt.Errorf("%safter the record at index %d: %w", where, i, err)
		}
		if c, _ := st.Peek(); c == ']' {
			st.Consume()
			return nil
		}
	}
}

// readJSONLines reads one record per line; blank lines are skipped. A file
// of sign-ins is decoded on every core (readJSONLinesParallel); a file of
// audit events, one record at a time.
func readJSONLines(s *sink, br *bufio.Reader) (Format, error) {
	rr := &recordReader{s: s}
	format := FormatGraphJSONLines
	if s.workers > 0 {
		// sniff found a whole record on the first line.
		if k := classifyObject(bytes.TrimSpace(peekLine(br))); k == kindGraph || k == kindLA {
			rr.kind = k
			if isLAKind(k) {
				format = FormatLogAnalyticsJSON
			}
			return format, readJSONLinesParallel(s, br, rr)
		}
	}
	var long []byte
	var consumed int64
	for line := 1; ; line++ {
		b, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			long = append(long[:0], b...)
			for err == bufio.ErrBufferFull {
				b, err = br.ReadSlice('\n')
				if len(long)+len(b) > graphjson.MaxRecord {
					// Refused before the line is kept whole.
					return format, fmt.Errorf("record at line %d: %w", line, graphjson.ErrRecordTooLarge)
				}
				long = append(long, b...)
			}
			b = long
		}
		if err != nil && err != io.EOF {
			return format, fmt.Errorf("record at line %d: %w", line, err)
		}
		consumed += int64(len(b))
		if s.fileRecords == hintAt {
			s.hint(consumed)
		}
		if rr.kind == kindUnknown && len(bytes.TrimSpace(b)) > 0 {
			if rr.setKind(bytes.TrimSpace(b)) == nil && isLAKind(rr.kind) {
				format = FormatLogAnalyticsJSON
			}
		}
		if derr := rr.jsonLine(b, line); derr != nil {
			return format, derr
		}
		if err == io.EOF {
			return format, nil
		}
	}
}

// jsonLine decodes one line of a JSON lines file (a blank one is skipped)
// and adds its record to the sink.
func (rr *recordReader) jsonLine(b []byte, line int) error {
	t := bytes.TrimSpace(b)
	if len(t) == 0 {
		return nil
	}
	var derr error
	if rr.kind == kindUnknown {
		derr = rr.setKind(t)
	}
	if derr == nil {
		derr = rr.decodeRaw(t)
	}
	if derr != nil {
		if isCtxErr(derr) {
			return derr
		}
		return fmt.Errorf("record at line %d: %w", line, derr)
	}
	return nil
}

func isCtxErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
