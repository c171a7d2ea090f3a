package files

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graphjson"
)

// Decoding on every core. A file is cut into batches of whole records on
// Load's goroutine (JSON lines at newlines, JSON arrays at their elements by
// graphjson.Stream, which tracks strings, escapes and depth; CSV at line
// breaks outside quotes); workers decode the batches, each with its own
// Decoder; and Load's goroutine merges the decoded batches in file order
// into the sink. Everything that depends on order (duplicates, the file's
// kind, record counts, progress, CSV date order) stays on Load's goroutine,
// so the result is the serial decode's, in order and content.
//
// Workers only decode the easy case. A batch in which anything goes wrong
// (a bad record, a record near a size cap, a CSV date that is not ISO) is
// not repaired by the worker: the merger decodes it again with the serial
// code, on the sink, at its place in the file, which gives the serial
// decode's error (message, line, index, byte) and its side effects.

// defaultBatchBytes is the size of a batch: large enough that a worker's
// hand-off costs nothing next to decoding it, small enough that a few in
// flight per worker hold little memory.
const defaultBatchBytes = 1 << 20

// decodeWorkers is the number of workers by default: one per core.
func decodeWorkers() int { return runtime.GOMAXPROCS(0) }

// batchJob is one batch of records cut from a file.
type batchJob interface {
	// decode runs on a worker: it decodes the batch into its records, or
	// marks it failed.
	decode(w *decodeWorker)
	// merge runs on Load's goroutine, in file order: it adds the decoded
	// records to the sink, or decodes a failed batch serially.
	merge(p *pipeline) error
	base() *batchBase
}

// batchBase is what every batch holds.
type batchBase struct {
	data   []byte // the batch's text
	out    []signin.SignIn
	failed bool
	// end is the offset in the file (of the decoded text) after the batch,
	// for the capacity estimate of sink.hint.
	end  int64
	done chan struct{}
}

func (b *batchBase) base() *batchBase { return b }

// decodeWorker is one worker's state: a sink that only decodes (its own
// Decoder, so no locking; never add) and the reader of records.
type decodeWorker struct {
	s  *sink
	rr recordReader
}

// pipeline runs the workers of one file and merges their batches in order.
type pipeline struct {
	s     *sink
	work  chan batchJob
	queue []batchJob // submitted, not merged yet, in file order
	wg    sync.WaitGroup
	stop  atomic.Bool // set on the first error: workers skip the rest
	err   error       // the first merge error
	// hinted is set once the sink's capacity estimate is made.
	hinted bool
	// free holds the buffers of merged batches for the next ones: a load
	// that allocated a batch's buffer anew each time collected garbage
	// (scanning every record loaded so far) many times as often.
	free [][]byte
}

// buffer returns an empty buffer of at least n bytes.
func (p *pipeline) buffer(n int) []byte {
	for len(p.free) > 0 {
		b := p.free[len(p.free)-1]
		p.free = p.free[:len(p.free)-1]
		if cap(b) >= n {
			return b[:0]
		}
	}
	return make([]byte, 0, max(n, 2*defaultBatchBytes))
}

// recycle keeps a merged batch's buffer.
func (p *pipeline) recycle(b []byte) {
	if len(p.free) < cap(p.work)+2 {
		p.free = append(p.free, b[:0])
	}
}

// maxInFlight is how many batches per worker may be queued or decoded at
// once.
const maxInFlight = 3

// pipeline returns the file's pipeline, starting its workers on first use.
func (s *sink) pipeline() *pipeline {
	if s.pipe != nil {
		return s.pipe
	}
	n := max(1, s.workers)
	for len(s.workerSinks) < n {
		// A worker's strings and policies are shared among its records
		// across files, as the sink's are.
		s.workerSinks = append(s.workerSinks, &sink{ctx: s.ctx, dec: graphjson.NewDecoder()})
	}
	p := &pipeline{s: s, work: make(chan batchJob, n*maxInFlight)}
	for i := range n {
		ws := s.workerSinks[i]
		ws.typeHint = s.typeHint
		w := &decodeWorker{s: ws, rr: recordReader{s: ws}}
		p.wg.Go(func() {
			for j := range p.work {
				if !p.stop.Load() {
					j.decode(w)
				}
				close(j.base().done)
			}
		})
	}
	s.pipe = p
	return p
}

// submit queues b for the workers, merging the batches that are done at
// the head of the queue (waiting for the head when the queue is full). It
// returns the first merge error; after one, nothing more is decoded.
func (p *pipeline) submit(b batchJob) error {
	if p.err != nil {
		return p.err
	}
	b.base().done = make(chan struct{})
	p.queue = append(p.queue, b)
	p.work <- b
	return p.mergeReady(cap(p.work))
}

// mergeReady merges done batches at the head of the queue, waiting while
// more than keep are queued.
func (p *pipeline) mergeReady(keep int) error {
	for len(p.queue) > 0 && p.err == nil {
		head := p.queue[0]
		if len(p.queue) <= keep {
			select {
			case <-head.base().done:
			default:
				return nil
			}
		} else {
			<-head.base().done
		}
		p.queue[0] = nil
		p.queue = p.queue[1:]
		err := head.merge(p)
		head.base().out = nil
		p.recycle(head.base().data)
		if err != nil {
			p.err = err
			p.stop.Store(true)
		}
	}
	return p.err
}

// addDecoded adds a batch's decoded records to the sink.
func (p *pipeline) addDecoded(b *batchBase) error {
	s := p.s
	for i := range b.out {
		if _, err := s.add(&b.out[i]); err != nil {
			return err
		}
	}
	if !p.hinted && s.fileRecords >= hintAt && b.end > 0 {
		// The serial readers hint after hintAt records; a batch ends past
		// that, so scale its end down to the input of hintAt records.
		p.hinted = true
		s.hint(b.end * hintAt / int64(s.fileRecords))
	}
	return nil
}

// drain merges every submitted batch; it returns the first merge error.
func (p *pipeline) drain() error {
	return p.mergeReady(0)
}

// close stops the workers once every batch is merged (or, after an error,
// abandoned).
func (p *pipeline) close() error {
	err := p.drain()
	p.stop.Store(true)
	close(p.work)
	p.wg.Wait()
	p.queue = nil
	return err
}

// drain merges what the file's pipeline, if any, has submitted, so that the
// caller can use the sink directly. Its error is the earliest in the file;
// decode reports it whatever the caller does with it.
func (s *sink) drain() error {
	if s.pipe == nil {
		return nil
	}
	return s.pipe.drain()
}

// closePipeline ends the file's pipeline, if any, and returns its first
// error: any error a batch had comes before whatever stopped the reading of
// the file, which was further on.
func (s *sink) closePipeline() error {
	if s.pipe == nil {
		return nil
	}
	err := s.pipe.close()
	s.pipe = nil
	return err
}

// recordBatch is consecutive elements of a JSON array of sign-ins (a Graph
// page's value, the admin center's array, Log Analytics rows), as cut out
// by graphjson.Stream.
type recordBatch struct {
	batchBase
	rr    *recordReader // the array's reader on the sink, for the serial decode
	kind  recordKind
	where string
	index int // the index of the first record in its array
	// data (batchBase) holds the records' text, one after another.
	ends []int   // where each record ends in data
	at   []int64 // where each record starts in the file
}

func (b *recordBatch) add(raw []byte, at int64) {
	b.data = append(b.data, raw...)
	b.ends = append(b.ends, len(b.data))
	b.at = append(b.at, at)
}

func (b *recordBatch) records(yield func(k int, raw []byte) bool) {
	start := 0
	for k, end := range b.ends {
		if !yield(k, b.data[start:end]) {
			return
		}
		start = end
	}
}

func (b *recordBatch) decode(w *decodeWorker) {
	w.rr.kind = b.kind
	b.out = make([]signin.SignIn, 0, len(b.ends))
	for _, raw := range b.records {
		si, ok := w.rr.decodeFast(raw)
		if !ok {
			b.failed = true
			b.out = nil
			return
		}
		b.out = append(b.out, si)
	}
}

func (b *recordBatch) merge(p *pipeline) error {
	if !b.failed && p.s.fileKind != fileAudit {
		return p.addDecoded(&b.batchBase)
	}
	// As readArray decodes serially.
	for k, raw := range b.records {
		if err := b.rr.decodeRaw(raw); err != nil {
			if isCtxErr(err) {
				return err
			}
			return fmt.Errorf("%srecord at index %d (byte %d): %w", b.where, b.index+k, b.at[k], err)
		}
	}
	return nil
}

// lineBatch is whole lines of a JSON lines file.
type lineBatch struct {
	batchBase
	rr   *recordReader // the file's reader on the sink, for the serial decode
	kind recordKind
	line int // the number of data's first line
	// data (batchBase) holds the lines, each with its newline (but perhaps
	// the file's last).
}

// cutLine splits the first line (with its newline) from the rest.
func cutLine(data []byte) (line, rest []byte) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return data[:i+1], data[i+1:]
	}
	return data, nil
}

func (b *lineBatch) decode(w *decodeWorker) {
	w.rr.kind = b.kind
	b.out = make([]signin.SignIn, 0, bytes.Count(b.data, []byte{'\n'})+1)
	for data := b.data; len(data) > 0; {
		var l []byte
		l, data = cutLine(data)
		if len(l) > graphjson.MaxRecord {
			b.failed = true
			break
		}
		t := bytes.TrimSpace(l)
		if len(t) == 0 {
			continue
		}
		si, ok := w.rr.decodeFast(t)
		if !ok {
			b.failed = true
			break
		}
		b.out = append(b.out, si)
	}
	if b.failed {
		b.out = nil
	}
}

func (b *lineBatch) merge(p *pipeline) error {
	if !b.failed && p.s.fileKind != fileAudit {
		return p.addDecoded(&b.batchBase)
	}
	// As readJSONLines decodes serially.
	line := b.line
	for data := b.data; len(data) > 0; line++ {
		var l []byte
		l, data = cutLine(data)
		if len(l) > graphjson.MaxRecord {
			return fmt.Errorf("record at line %d: %w", line, graphjson.ErrRecordTooLarge)
		}
		if err := b.rr.jsonLine(l, line); err != nil {
			return err
		}
	}
	return nil
}

// readJSONLinesParallel reads a JSON lines file of sign-ins of rr's kind:
// it cuts the file into batches of whole lines for the workers.
func readJSONLinesParallel(s *sink, br *bufio.Reader, rr *recordReader) error {
	p := s.pipeline()
	line := 1
	var carry []byte
	var consumed int64
	for {
		// A line longer than a batch doubles the read, so that it is
		// copied a few times, not once per batch.
		buf := append(p.buffer(len(carry)+max(s.batchBytes, len(carry))), carry...)
		n, err := io.ReadFull(br, buf[len(carry):cap(buf)])
		buf = buf[:len(carry)+n]
		eof := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !eof {
			if derr := s.drain(); derr != nil {
				return derr
			}
			return fmt.Errorf("record at line %d: %w", line+bytes.Count(buf, []byte{'\n'}), err)
		}
		cut := len(buf)
		tooLong := false
		if !eof {
			switch i := bytes.LastIndexByte(buf, '\n'); {
			case i >= 0:
				cut = i + 1
			case len(buf) <= graphjson.MaxRecord:
				carry = buf // a line longer than a batch: read on
				continue
			default:
				tooLong = true // the batch fails, and says where
			}
		}
		carry = buf[cut:]
		b := &lineBatch{rr: rr, kind: rr.kind, line: line}
		b.data = buf[:cut]
		consumed += int64(cut)
		b.end = consumed
		line += bytes.Count(b.data, []byte{'\n'})
		if len(b.data) > 0 {
			if err := p.submit(b); err != nil {
				return err
			}
		}
		if tooLong {
			if err := s.drain(); err != nil {
				return err
			}
			return fmt.Errorf("record at line %d: %w", b.line, graphjson.ErrRecordTooLarge)
		}
		if eof {
			return nil
		}
	}
}
