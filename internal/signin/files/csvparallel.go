package files

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graphjson"
)

// Cutting CSV. A CSV file (RFC 4180, as encoding/csv reads it without
// LazyQuotes) can be cut at a line break outside double quotes: a quote
// opens or closes a quoted field or is doubled inside one, so counting
// quotes from a record's start tells whether a line break ends a record.
// The count is right as long as the file is valid up to that line break;
// where it is not, encoding/csv fails on that batch (a quote in an
// unquoted field, an unterminated quoted field), and the rest of the file
// is then read serially from the start of that batch, the last place known
// to start a record. Any other problem in a batch (a bad row, a row near a
// size cap) is handled the same way: the serial reader gives the error.
//
// Dates: the order of day and month in a slash date is settled by the
// file's first unambiguous date and applies to every row (csvClock). A
// worker parses its batch with the order known when the batch was cut and
// reports what it settled; a batch cut before an earlier one settled the
// order is parsed again serially at merge time (a few batches per file).

// csvBatch is whole records of a CSV export of sign-ins.
type csvBatch struct {
	batchBase
	rd   *csvParallel
	line int   // the number of data's first line
	at   int64 // data's offset after the byte-order mark
	// order and decidedBy are the file's date order when the batch was
	// cut; endOrder and endDecidedBy what it was after the batch.
	order, endOrder         dateOrder
	decidedBy, endDecidedBy int
	// pending are the indices in out of rows read month first while the
	// order was open, still open at the batch's end.
	pending []int
	// unsafe: the batch could not be decoded; the file is read serially
	// from the batch's start.
	unsafe bool
}

// csvParallel is the state of one CSV file read in parallel.
type csvParallel struct {
	s      *sink
	br     *bufio.Reader
	comma  rune
	format Format
	header []string
	clock  *csvClock // the file's date order, on the sink
}

// firstRecordEnd is the end (after its line break) of the first record of
// b, or -1 if b holds no line break outside quotes.
func firstRecordEnd(b []byte) int {
	quoted := false
	for i, c := range b {
		switch c {
		case '"':
			quoted = !quoted
		case '\n':
			if !quoted {
				return i + 1
			}
		}
	}
	return -1
}

// lastRecordEnd is the end (after its line break) of the last record that
// ends in b, which starts a record; -1 if none does.
func lastRecordEnd(b []byte) int {
	quoted := false
	last := -1
	for i := 0; i < len(b); i++ {
		if quoted {
			j := bytes.IndexByte(b[i:], '"')
			if j < 0 {
				break
			}
			i += j
			quoted = false
			continue
		}
		j := bytes.IndexAny(b[i:], "\"\n")
		if j < 0 {
			break
		}
		i += j
		if b[i] == '"' {
			quoted = true
		} else {
			last = i + 1
		}
	}
	return last
}

// readCSVParallel reads a CSV export of sign-ins on every core. It reports
// false, having read nothing, when the header cannot be cut out of the
// read buffer or is not a header of sign-ins it can convert: readCSV then
// reads the file serially, and says what is wrong.
func readCSVParallel(s *sink, br *bufio.Reader, comma rune, format Format) (bool, error) {
	head, _ := br.Peek(peekSize)
	end := firstRecordEnd(head)
	if end < 0 {
		return false, nil
	}
	hr := csv.NewReader(bytes.NewReader(head[:end]))
	hr.Comma = comma
	hr.FieldsPerRecord = -1
	header, err := hr.Read()
	if err != nil {
		return false, nil
	}
	if _, err := hr.Read(); err != io.EOF {
		return false, nil
	}
	clock := &csvClock{s: s}
	if _, err := signInConverter(s, format, header, clock); err != nil {
		return false, nil
	}
	line := 1 + bytes.Count(head[:end], []byte{'\n'})
	_, _ = br.Discard(end)
	rd := &csvParallel{s: s, br: br, comma: comma, format: format, header: header, clock: clock}
	return true, rd.read(line, int64(end))
}

// read cuts the file after its header into batches.
func (rd *csvParallel) read(line int, at int64) error {
	s, br := rd.s, rd.br
	p := s.pipeline()
	var carry []byte
	for {
		buf := append(p.buffer(len(carry)+max(s.batchBytes, len(carry))), carry...)
		n, err := io.ReadFull(br, buf[len(carry):cap(buf)])
		buf = buf[:len(carry)+n]
		eof := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !eof {
			return rd.restSerially(line, at, buf)
		}
		cut := len(buf)
		if !eof {
			cut = lastRecordEnd(buf)
			if cut < 0 {
				if len(buf) <= graphjson.MaxRecord {
					carry = buf // a record longer than a batch: read on
					continue
				}
				// Too long, or a quote that never closes: the serial
				// reader says which.
				return rd.restSerially(line, at, buf)
			}
		}
		carry = buf[cut:]
		b := &csvBatch{rd: rd, line: line, at: at, order: rd.clock.order, decidedBy: rd.clock.decidedBy}
		b.data = buf[:cut]
		at += int64(cut)
		b.end = at
		line += bytes.Count(b.data, []byte{'\n'})
		if len(b.data) > 0 {
			if err := p.submit(b); err != nil {
				var rest errRestSerially
				if errors.As(err, &rest) {
					return rd.afterFailure(rest.from, carry)
				}
				return err
			}
		}
		if eof {
			if err := s.drain(); err != nil {
				var rest errRestSerially
				if errors.As(err, &rest) {
					return rd.afterFailure(rest.from, nil)
				}
				return err
			}
			return nil
		}
	}
}

// errRestSerially is a batch whose file must be read serially from its
// start.
type errRestSerially struct{ from *csvBatch }

func (e errRestSerially) Error() string { return "read the rest of the file serially" }

// afterFailure reads the file serially from the failed batch on: its
// text, the text of the batches cut after it, what was read but not cut
// (carry), and the rest of the file.
func (rd *csvParallel) afterFailure(from *csvBatch, carry []byte) error {
	p := rd.s.pipe
	text := [][]byte{from.data}
	for _, j := range p.queue {
		text = append(text, j.base().data)
	}
	text = append(text, carry)
	p.queue, p.err = nil, nil // the batches are read here
	return rd.restSerially(from.line, from.at, bytes.Join(text, nil))
}

// restSerially reads the file serially from a record's start, at line and
// byte at, whose text up to what is left in the reader is buf.
func (rd *csvParallel) restSerially(line int, at int64, buf []byte) error {
	if err := rd.s.drain(); err != nil {
		var rest errRestSerially
		if errors.As(err, &rest) {
			return rd.afterFailure(rest.from, buf)
		}
		return err
	}
	rows := rd.serialRows(io.MultiReader(bytes.NewReader(buf), rd.br), line, at)
	return rows.read()
}

// serialRows is the serial reader of the rows in r, which starts a record
// at line and byte at, with the file's date order.
func (rd *csvParallel) serialRows(r io.Reader, line int, at int64) *csvRows {
	limit := &csvLimit{r: r}
	cr := csv.NewReader(limit)
	limit.cr = cr
	cr.Comma = rd.comma
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	rows := &csvRows{s: rd.s, cr: cr, limit: limit, header: rd.header, clock: rd.clock, next: line, lineBase: line - 1, byteBase: at}
	rows.convert, _ = signInConverter(rd.s, rd.format, rd.header, rd.clock)
	return rows
}

// csvSlack keeps a worker's records well under graphjson.MaxRecord, where
// the serial reader's refusal depends on its reads: a record this close to
// the cap is left to it.
const csvSlack = 64 << 10

func (b *csvBatch) decode(w *decodeWorker) {
	rd := b.rd
	clock := &csvClock{s: w.s, order: b.order, decidedBy: b.decidedBy}
	clock.swap = func(i int) { b.out[i].CreatedAt = swapDayMonth(b.out[i].CreatedAt) }
	convert, err := signInConverter(w.s, rd.format, rd.header, clock)
	if err != nil {
		b.unsafe = true
		return
	}
	cr := csv.NewReader(bytes.NewReader(b.data))
	cr.Comma = rd.comma
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	// At most a record a line: rows of Log Analytics exports take 6 KB,
	// the admin center's 1 KB, and a guess from the size wasted either.
	b.out = make([]signin.SignIn, 0, bytes.Count(b.data, []byte{'\n'})+1)
	var off int64
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil || cr.InputOffset()-off > graphjson.MaxRecord-csvSlack {
			b.unsafe = true
			return
		}
		off = cr.InputOffset()
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != len(rd.header) {
			b.unsafe = true
			return
		}
		for _, v := range rec {
			if len(v) > graphjson.MaxField {
				b.unsafe = true
				return
			}
		}
		line, _ := cr.FieldPos(0)
		si, ambiguous, err := convert(rec, line+b.line-1)
		if err != nil || si.ID == "" || si.CreatedAt.IsZero() {
			b.unsafe = true
			return
		}
		b.out = append(b.out, si)
		if ambiguous {
			clock.note(len(b.out) - 1)
		}
	}
	b.endOrder, b.endDecidedBy, b.pending = clock.order, clock.decidedBy, clock.pending
}

func (b *csvBatch) merge(p *pipeline) error {
	rd := b.rd
	clock := rd.clock
	switch {
	case b.unsafe:
		return errRestSerially{b}
	case clock.order != b.order:
		// An earlier batch settled the date order after this one was cut:
		// parse it again with the order. It was cut right: its worker read
		// it whole.
		return rd.serialRows(bytes.NewReader(b.data), b.line, b.at).read()
	}
	if b.endOrder != b.order {
		// The batch settled the order: correct the rows read before it.
		clock.settle(b.endOrder, b.endDecidedBy)
	}
	s := p.s
	pending := b.pending
	for k := range b.out {
		idx, err := s.add(&b.out[k])
		if err != nil {
			return err
		}
		if len(pending) > 0 && pending[0] == k {
			pending = pending[1:]
			clock.note(idx)
		}
	}
	if !p.hinted && s.fileRecords >= hintAt {
		p.hinted = true
		s.hint(b.end * hintAt / int64(s.fileRecords))
	}
	return nil
}
