// Package files loads sign-ins from exported log files for the files source
// (--source files): Microsoft Graph JSON (list-response pages, arrays, JSON
// lines; v1.0 or beta), the Entra admin center's JSON and CSV downloads, and
// Log Analytics exports of the sign-in tables (CSV, JSON rows, or the query
// API's tables). Each file's format is detected from its content, never from
// its name, and each file is decoded as a stream: cut into batches of whole
// records that workers decode on every core and that are merged back in
// file order (parallel.go), so that the result is the serial decode's.
//
// The package detects formats and walks each file's structure; decoding of
// values is done by graphjson: its Decoder turns Graph signIn objects (and
// the Graph-shaped JSON inside Log Analytics columns) into sign-ins and
// shares repeated strings (users, apps, devices, Conditional Access
// outcomes) across the records of every file loaded, its Stream cuts JSON
// files into records and its Lexer reads Log Analytics rows. CSV goes
// through encoding/csv. Synthetic exports for tests and benchmarks are
// written by the filestest package.
//
// Directory audit exports are read too (audit.go): Graph directoryAudits
// JSON, the admin center's audit download (JSON and CSV) and Log Analytics
// AuditLogs (CSV and JSON), detected from content in the same way. A file
// holds sign-ins or audit events; the events go to Result.Events, sanitized,
// for the diagnosis's directory context.
//
// The package imports nothing of ours but the domain package signin,
// graphjson, the leaf packages directory, logtext and plural.
package files

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/logtext"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graphjson"
)

// Format is the kind of export a file holds, as detected from its content.
type Format string

// The formats Load reads.
const (
	// FormatGraphJSON is Microsoft Graph JSON: a list-response page
	// {"@odata.context":..., "value":[...]}, several pages one after another,
	// or a single signIn object; v1.0 or beta property names.
	FormatGraphJSON Format = "graph-json"
	// FormatGraphJSONLines is one Graph signIn object per line.
	FormatGraphJSONLines Format = "graph-jsonl"
	// FormatPortalJSON is a bare JSON array of signIn objects, which is what
	// the Entra admin center's "Download JSON" writes. An array saved by a
	// script is indistinguishable from it and is reported the same way; both
	// decode identically.
	FormatPortalJSON Format = "portal-json"
	// FormatPortalCSV is the Entra admin center's CSV download (the 57-column
	// header, the older 55-column one, and the service principal variant).
	FormatPortalCSV Format = "portal-csv"
	// FormatLogAnalyticsCSV is a CSV export of SigninLogs,
	// AADNonInteractiveUserSignInLogs, AADServicePrincipalSignInLogs or
	// AADManagedIdentitySignInLogs rows.
	FormatLogAnalyticsCSV Format = "loganalytics-csv"
	// FormatLogAnalyticsJSON is the same rows as JSON: an array of row
	// objects, JSON lines of row objects, or the query API's
	// {"tables":[{"columns":[...],"rows":[...]}]}.
	FormatLogAnalyticsJSON Format = "loganalytics-json"
)

// Result is what Load read.
type Result struct {
	// SignIns holds every loaded sign-in once, in no particular order.
	// Sign-ins that logged the same Conditional Access outcome share one
	// Policies slice: treat the records as read-only.
	SignIns []signin.SignIn
	// Events holds every directory audit event loaded from audit exports
	// once (merged by ID), sanitized, in no particular order.
	Events []directory.Event
	// Files lists the files read, in the order they were read.
	Files []FileStat
	// Duplicates counts records dropped because their ID was already loaded
	// (from an earlier file, or earlier in the same file), audit events
	// included.
	Duplicates int
	// Implausible counts records left out because their time is outside
	// PlausibleFrom..PlausibleUntil: one record dated 9999 would otherwise
	// become the source's "now" and empty every default search.
	Implausible int
	// ImplausibleSample describes the first few of them: file, ID and time.
	ImplausibleSample []string
	// PlausibleFrom and PlausibleUntil bound the times kept: EarliestSignIn,
	// and the clock at load plus FutureSlack. Audit events outside them are
	// left out too, and counted in their file's note.
	PlausibleFrom, PlausibleUntil time.Time

	// auditNotes has a note per audit export (AuditNotes).
	auditNotes []string
}

// AuditNotes returns a note per directory audit export loaded: its events
// and their time span, and how many were left out for their dates. They
// belong to the directory's coverage (Directory), not to sign-in searches.
func (r *Result) AuditNotes() []string { return slices.Clone(r.auditNotes) }

// NoAuditExport is the directory coverage note of a files source loaded
// without an audit export.
const NoAuditExport = "pass a directory audit export with --files to add audit events; account state, MFA registration and Conditional Access policies are not in exports: the Graph source reads them"

// NotInExports is the directory coverage note of a files source with audit
// exports: what they cannot hold.
const NotInExports = "account state, MFA registration and Conditional Access policies are not in exports: the Graph source reads them"

// Directory returns the loaded audit events as directory data for a
// directory.Memory: events only, with what exports cannot answer as its
// Missing note and a note per audit export. Without an audit export it
// holds nothing and says how to add one.
func (r *Result) Directory() directory.Data {
	d := directory.Data{Events: slices.Clone(r.Events), Missing: NoAuditExport}
	if slices.ContainsFunc(r.Files, func(f FileStat) bool { return f.Format.Audit() }) {
		d.Holds, d.Missing, d.Notes = []string{"audit events"}, NotInExports, r.AuditNotes()
	}
	return d
}

// EarliestSignIn is the earliest plausible sign-in time: Entra ID (then
// Azure AD) kept no sign-in logs before 2014.
var EarliestSignIn = time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC)

// FutureSlack is how far past the clock at load a sign-in may be dated: a
// day absorbs clock skew and time zones written as UTC.
const FutureSlack = 24 * time.Hour

// implausibleSampleSize is how many left-out records Result describes.
const implausibleSampleSize = 5

// Notes returns what a search over the loaded records must say: how many
// records were left out for their dates (none when none were).
func (r *Result) Notes() []string {
	if r.Implausible == 0 {
		return nil
	}
	what := fmt.Sprintf("%d records dated outside %s..%s were left out", r.Implausible, r.PlausibleFrom.Format("2006-01-02"), r.PlausibleUntil.UTC().Format(time.RFC3339))
	if r.Implausible == 1 {
		what = fmt.Sprintf("1 record dated outside %s..%s was left out", r.PlausibleFrom.Format("2006-01-02"), r.PlausibleUntil.UTC().Format(time.RFC3339))
	}
	return []string{fmt.Sprintf("%s: such dates would move the source's now and empty the default window (first: %s)", what, r.ImplausibleSample[0])}
}

// Option configures Load.
type Option func(*options)

type options struct {
	now      func() time.Time
	progress func(Progress)
	// workers decode batches of records (parallel.go): 0 decodes every
	// record on Load's goroutine. batchBytes is a batch's size. Tests set
	// both to compare serial and parallel decodes.
	workers    int
	batchBytes int
}

// Progress is how far Load has read: a server that loads in the background
// shows it to callers waiting for the data.
type Progress struct {
	// Path is the file being read, File its place (from 1) among Files.
	Path        string
	File, Files int
	// Bytes counts the bytes read from disk so far, every file before this
	// one included, of TotalBytes (the sizes of every file when Load
	// started).
	Bytes, TotalBytes int64
	// Records counts the records decoded so far, duplicates included.
	Records int
}

// WithProgress has Load call fn as it reads: when it opens each file, every
// ProgressEvery bytes, and when it finishes each file. fn runs on Load's
// goroutine and must be quick.
func WithProgress(fn func(Progress)) Option {
	return func(o *options) { o.progress = fn }
}

// ProgressEvery is how many bytes Load reads between two progress calls:
// often enough for a person watching, rare enough to cost nothing.
const ProgressEvery = 4 << 20

// WithClock sets the clock that bounds plausible sign-in times (by default
// time.Now).
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// FileStat describes one file read by Load.
type FileStat struct {
	Path   string
	Format Format
	// Records counts the records the file held, duplicates included.
	Records int
	// Bytes is the size read from disk.
	Bytes int64
}

// Load reads every file matched by patterns (paths or globs; each pattern must match at least one file),
// detects each file's format from its content (never from its name), decodes it streaming, and returns the
// sign-ins merged by ID (a sign-in that appears in several files or twice is kept once).
//
// A file given twice (by two patterns) is read once. Loading stops at the first
// problem, with an error that names the file and, for a bad record, where the
// record is (line for CSV and JSON lines, index for JSON arrays) and what was
// expected. Globs follow filepath.Match (no "**"). Every path must be a
// regular file (or a symbolic link to one); a named pipe, device or socket
// is refused before anything is opened. A record larger than
// graphjson.MaxRecord, or with a value longer than graphjson.MaxField, stops
// the load before it is buffered whole. Records dated before EarliestSignIn
// or more than FutureSlack after the clock (WithClock) are left out and
// counted in the Result, whose Notes say so. WithProgress reports how far
// the load has read, for a server that loads in the background.
func Load(ctx context.Context, patterns []string, opts ...Option) (*Result, error) {
	o := options{now: time.Now, workers: decodeWorkers(), batchBytes: defaultBatchBytes}
	for _, opt := range opts {
		opt(&o)
	}
	paths, err := expand(patterns)
	if err != nil {
		return nil, err
	}
	s := newSink(ctx)
	s.workers, s.batchBytes = o.workers, max(1, o.batchBytes)
	res := &Result{PlausibleFrom: EarliestSignIn, PlausibleUntil: o.now().UTC().Add(FutureSlack).Truncate(time.Second)}
	pr := progressTracker{fn: o.progress, p: Progress{Files: len(paths)}}
	if pr.fn != nil {
		for _, path := range paths {
			if info, err := os.Stat(path); err == nil {
				pr.p.TotalBytes += info.Size()
			}
		}
	}
	for i, path := range paths {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("load %s: %w", path, err)
		}
		first, firstEvent := len(s.out), len(s.events)
		pr.startFile(i+1, path)
		st, err := loadFile(s, path, &pr)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", path, err)
		}
		pr.endFile(st)
		res.Files = append(res.Files, st)
		s.dropImplausible(res, path, first)
		if st.Format.Audit() {
			n := s.dropImplausibleEvents(res, firstEvent)
			res.auditNotes = append(res.auditNotes, auditNote(st, s.events[firstEvent:], n, res))
		}
	}
	res.SignIns = slices.Clip(s.out)
	res.Events = slices.Clip(s.events)
	res.Duplicates = s.dups
	return res, nil
}

// dropImplausible removes the file's records (s.out[first:]) dated outside
// the plausible range and accounts for them in res. It runs once the file
// is read, after CSV day/month corrections. A dropped ID may load again
// from a later file.
func (s *sink) dropImplausible(res *Result, path string, first int) {
	kept := s.out[:first]
	for _, si := range s.out[first:] {
		if !si.CreatedAt.Before(res.PlausibleFrom) && !si.CreatedAt.After(res.PlausibleUntil) {
			kept = append(kept, si)
			continue
		}
		delete(s.seen, si.ID)
		res.Implausible++
		if len(res.ImplausibleSample) < implausibleSampleSize {
			res.ImplausibleSample = append(res.ImplausibleSample, fmt.Sprintf("%s: sign-in %s dated %s", path, logtext.Clean(si.ID, logtext.MaxName), printableTime(si.CreatedAt)))
		}
	}
	clear(s.out[len(kept):])
	s.out = kept
}

// printableTime formats t as RFC 3339, which has only four-digit years.
func printableTime(t time.Time) string {
	switch t = t.UTC(); {
	case t.Year() > 9999:
		return "after 9999-12-31"
	case t.Year() < 0:
		return "before year 0"
	}
	return t.Format(time.RFC3339)
}

// expand resolves the patterns to files, in pattern order then name order.
func expand(patterns []string) ([]string, error) {
	if len(patterns) == 0 {
		return nil, errors.New("load sign-in files: no paths given (want file paths or globs such as exports/*.csv)")
	}
	var paths []string
	seen := map[string]bool{}
	for _, p := range patterns {
		matches, err := filepath.Glob(p)
		if err != nil {
			return nil, fmt.Errorf("load %s: bad glob pattern: %w", p, err)
		}
		if len(matches) == 0 {
			return nil, fmt.Errorf("load %s: no file matches (want an existing file or a glob such as exports/*.csv)", p)
		}
		for _, m := range matches {
			c := filepath.Clean(m)
			if !seen[c] {
				seen[c] = true
				paths = append(paths, m)
			}
		}
	}
	// Every file is checked before any is opened: opening a named pipe
	// blocks until something writes to it, which would hang start-up.
	for _, p := range paths {
		if _, err := statRegular(p); err != nil {
			return nil, fmt.Errorf("load %s: %w", p, err)
		}
	}
	return paths, nil
}

// wantRegular says what Load accepts, for errors about other kinds of file.
const wantRegular = "want a regular file: an export saved to disk, or a glob such as exports/*.csv"

// statRegular returns the file's information, or an error unless path is a
// regular file or a symbolic link to one. Named pipes, devices and sockets
// are refused before they are opened: a pipe blocks the open, a device such
// as /dev/zero never ends.
func statRegular(path string) (os.FileInfo, error) {
	info, err := os.Stat(path) // follows symbolic links
	if err != nil {
		return nil, err
	}
	if err := checkRegular(info); err != nil {
		return nil, err
	}
	return info, nil
}

// checkRegular describes why info is not a regular file.
func checkRegular(info os.FileInfo) error {
	m := info.Mode()
	if m.IsRegular() {
		return nil
	}
	if m.IsDir() {
		return errors.New("is a directory (want a file, or a glob such as dir/*.json)")
	}
	kind := "a special file"
	switch {
	case m&os.ModeNamedPipe != 0:
		kind = "a named pipe (FIFO)"
	case m&os.ModeSocket != 0:
		kind = "a socket"
	case m&os.ModeDevice != 0:
		kind = "a device"
	}
	return fmt.Errorf("not a regular file: %s (%s)", kind, wantRegular)
}

// progressTracker calls the WithProgress function, if any.
type progressTracker struct {
	fn func(Progress)
	p  Progress
	// fileStart is Bytes and Records when the current file was opened;
	// next is the file offset of the next call.
	fileStart Progress
	next      int64
}

func (t *progressTracker) startFile(n int, path string) {
	if t.fn == nil {
		return
	}
	t.p.File, t.p.Path = n, path
	t.fileStart, t.next = t.p, ProgressEvery
	t.fn(t.p)
}

// read is called with the bytes read from the current file so far.
func (t *progressTracker) read(s *sink, n int64) {
	if t.fn == nil || n < t.next {
		return
	}
	t.next = n + ProgressEvery
	t.p.Bytes, t.p.Records = t.fileStart.Bytes+n, t.fileStart.Records+s.fileRecords
	t.fn(t.p)
}

func (t *progressTracker) endFile(st FileStat) {
	if t.fn == nil {
		return
	}
	t.p.Bytes, t.p.Records = t.fileStart.Bytes+st.Bytes, t.fileStart.Records+st.Records
	t.fn(t.p)
}

// loadFile reads one file into s.
func loadFile(s *sink, path string, pr *progressTracker) (FileStat, error) {
	st := FileStat{Path: path}
	if _, err := statRegular(path); err != nil {
		return st, err
	}
	f, err := os.Open(path)
	if err != nil {
		return st, err
	}
	defer f.Close()
	// The file may have been replaced since it was checked: check what was
	// opened, and take its size from it.
	info, err := f.Stat()
	if err != nil {
		return st, err
	}
	if err := checkRegular(info); err != nil {
		return st, err
	}
	cr := &countingReader{r: f}
	if pr.fn != nil {
		cr.onRead = func(n int64) { pr.read(s, n) }
	}
	s.startFile(info.Size())
	s.typeHint = typeFromName(path)
	format, err := decode(s, cr)
	if s.fileKind == fileAudit {
		format = auditFormat(format)
	}
	st.Format = format
	st.Records = s.fileRecords
	st.Bytes = cr.n
	return st, err
}

// decode detects the format of r and reads its records into s.
func decode(s *sink, r io.Reader) (Format, error) {
	br := bufio.NewReaderSize(r, peekSize)
	kind, br, err := sniff(br)
	if err != nil {
		return "", err
	}
	var format Format
	switch kind {
	case sniffJSONLines:
		format, err = readJSONLines(s, br)
	case sniffJSON:
		format, err = readJSON(s, br)
	case sniffCSV:
		format, err = readCSV(s, br)
	}
	if perr := s.closePipeline(); perr != nil {
		err = perr
	}
	if err != nil {
		return format, err
	}
	if s.fileRecords == 0 {
		return format, errors.New("no sign-ins or audit events: the file holds no records")
	}
	return format, nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
	// onRead, when set, is told the count after every read.
	onRead func(n int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.onRead != nil {
		c.onRead(c.n)
	}
	return n, err
}

// sink collects the records of every file, dropping repeated IDs, and holds
// the tables that let records share memory.
type sink struct {
	ctx         context.Context
	fileSize    int64
	out         []signin.SignIn
	seen        map[string]struct{}
	dups        int
	fileRecords int
	dec         *graphjson.Decoder // shared by every file: strings and policies are kept once
	// typeHint is the sign-in type the file's name announces, for the
	// admin-center CSV whose four downloads share one header.
	typeHint signin.Type
	// fileKind is what the current file holds: sign-ins or audit events.
	fileKind fileKind
	// events are the audit events loaded, eventKeys their keys (eventKey)
	// in the same order, seenEvents the keys loaded.
	events     []directory.Event
	eventKeys  []string
	seenEvents map[string]struct{}

	// workers and batchBytes are Load's (options); pipe runs the current
	// file's workers (nil when none run), whose sinks, kept across files,
	// are workerSinks.
	workers     int
	batchBytes  int
	pipe        *pipeline
	workerSinks []*sink
}

// typeFromName reads the sign-in type from an admin-center download's file
// name (InteractiveSignIns_..., NonInteractiveSignIns_...,
// ServicePrincipalSignIns_..., MSISignIns_...). The format is always detected
// from content; only the type, which the CSV has no column for, comes from the
// name. It returns "" when the name says nothing.
func typeFromName(path string) signin.Type {
	name := strings.ToLower(filepath.Base(path))
	switch {
	case strings.Contains(name, "noninteractive"):
		return signin.NonInteractive
	case strings.Contains(name, "serviceprincipal"):
		return signin.ServicePrincipal
	case strings.Contains(name, "managedidentity"), strings.HasPrefix(name, "msisignins"):
		return signin.ManagedIdentity
	case strings.Contains(name, "interactive"):
		return signin.Interactive
	}
	return ""
}

func newSink(ctx context.Context) *sink {
	return &sink{
		ctx:        ctx,
		seen:       map[string]struct{}{},
		seenEvents: map[string]struct{}{},
		dec:        graphjson.NewDecoder(),
	}
}

func (s *sink) startFile(size int64) {
	s.fileRecords, s.fileSize, s.fileKind = 0, size, fileUnknown
}

// hintAt is the record count after which a reader estimates the file's
// total from the bytes it has read.
const hintAt = 1024

// hint grows s.out once to the records the file is likely to hold, so that
// a large file does not reallocate its result again and again. consumed is
// the input read for the first hintAt records.
func (s *sink) hint(consumed int64) {
	if consumed <= 0 || s.fileSize <= 0 || s.fileKind == fileAudit {
		return
	}
	want := int(s.fileSize/consumed*hintAt*21/20) + 16
	if want > len(s.out)+hintAt {
		s.out = slices.Grow(s.out, want-len(s.out))
	}
}

// add keeps si unless its ID was seen; it returns si's index in s.out, or -1
// for a duplicate. It checks for cancellation first, so every decoder
// honours ctx between records.
func (s *sink) add(si *signin.SignIn) (int, error) {
	if err := s.ctx.Err(); err != nil {
		return -1, err
	}
	if si.ID == "" || si.CreatedAt.IsZero() {
		// The decoders reject these first, with a better message.
		return -1, errors.New("record without an ID or a time")
	}
	if err := s.setFileKind(false); err != nil {
		return -1, err
	}
	s.fileRecords++
	if _, ok := s.seen[si.ID]; ok {
		s.dups++
		return -1, nil
	}
	s.seen[si.ID] = struct{}{}
	s.out = append(s.out, *si)
	return len(s.out) - 1, nil
}
