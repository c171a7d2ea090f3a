package files

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/logtext"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/graphjson"
)

// normalizeHeader makes header names comparable: the admin center writes
// "Application ID " with a trailing space and "Autonomous system  number"
// with two.
func normalizeHeader(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// csvKind tells a CSV header line's delimiter and format ("" if neither
// export).
func csvKind(line []byte) (rune, Format) {
	comma := delimiter(line)
	cr := csv.NewReader(bytes.NewReader(line))
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return comma, ""
	}
	names := make(map[string]bool, len(header))
	for _, h := range header {
		n := normalizeHeader(h)
		if i := strings.Index(n, " ["); i > 0 && strings.HasSuffix(n, "]") {
			n = n[:i]
		}
		names[n], names[strings.ReplaceAll(n, " ", "")] = true, true
	}
	// Audit exports first: the admin center's audit download also has a
	// "Date (UTC)" column, and AuditLogs a TimeGenerated one.
	switch {
	case isAuditPortalHeader(names):
		return comma, FormatAuditPortalCSV
	case isAuditColumnsHeader(names):
		return comma, FormatAuditLogAnalyticsCSV
	}
	var portal, la bool
	for _, h := range header {
		n := normalizeHeader(h)
		if n == "date (utc)" || n == "request id" {
			portal = true
		}
		switch laColumnFor(h).field {
		case laTimeGenerated, laResultType:
			la = true
		}
	}
	switch {
	case portal:
		return comma, FormatPortalCSV
	case la:
		return comma, FormatLogAnalyticsCSV
	}
	return comma, ""
}

// delimiter picks the separator of a header line: a comma, or the semicolon
// or tab a spreadsheet may have saved instead.
func delimiter(line []byte) rune {
	counts := map[rune]int{}
	quoted := false
	for _, b := range line {
		switch b {
		case '"':
			quoted = !quoted
		case ',', ';', '\t':
			if !quoted {
				counts[rune(b)]++
			}
		}
	}
	best := ','
	for _, d := range []rune{';', '\t'} {
		if counts[d] > counts[best] {
			best = d
		}
	}
	return best
}

// readCSV reads an admin center or Log Analytics CSV export. A file of
// sign-ins is decoded on every core when it can be cut safely
// (readCSVParallel); otherwise, and for audit exports, row by row here.
func readCSV(s *sink, br *bufio.Reader) (Format, error) {
	comma, format := csvKind(peekLine(br))
	if s.workers > 0 && (format == FormatPortalCSV || format == FormatLogAnalyticsCSV) {
		if ok, err := readCSVParallel(s, br, comma, format); ok {
			return format, err
		}
	}
	limit := &csvLimit{r: br}
	cr := csv.NewReader(limit)
	limit.cr = cr
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return format, fmt.Errorf("header at line 1: %w", csvProblem(limit.explain(err)))
	}
	header = append([]string(nil), header...) // ReuseRecord: the next Read overwrites it
	clock := &csvClock{s: s}
	rows := &csvRows{s: s, cr: cr, limit: limit, header: header, clock: clock, next: nextLine(cr, header)}
	if err := rows.converters(format); err != nil {
		return format, err
	}
	return format, rows.read()
}

// csvRows reads the rows of a CSV file after its header, from its start
// or, after a parallel decode failed, from a record in the middle
// (lineBase and byteBase say where its reader starts).
type csvRows struct {
	s      *sink
	cr     *csv.Reader
	limit  *csvLimit
	header []string
	clock  *csvClock
	// convert converts a row of sign-ins; audit converts and adds a row
	// of audit events (for an audit export).
	convert func(rec []string, line int) (signin.SignIn, bool, error)
	audit   func(rec []string, line int) error
	// next is the line after the last record read.
	next     int
	lineBase int
	byteBase int64
}

// converters sets convert or audit for the file's format and header.
func (r *csvRows) converters(format Format) error {
	s, header, clock := r.s, r.header, r.clock
	switch format {
	case FormatAuditPortalCSV, FormatAuditLogAnalyticsCSV:
		clock.swap = func(i int) { s.events[i].At = swapDayMonth(s.events[i].At) }
		parse := func(line int) eventClock {
			return func(col, v string) (time.Time, error) {
				t, ambiguous, err := clock.parse(col, v, line)
				if ambiguous {
					// Noted once the event is added, below.
					clock.pendingNext = true
				}
				return t, err
			}
		}
		var event func(rec []string, line int) (directory.Event, string, error)
		if format == FormatAuditPortalCSV {
			p, err := newAuditPortalColumns(header)
			if err != nil {
				return fmt.Errorf("header at line 1: %w", err)
			}
			event = func(rec []string, line int) (directory.Event, string, error) {
				return auditPortalEvent(p, rec, parse(line))
			}
		} else {
			c, err := newAuditColumns(header)
			if err != nil {
				return fmt.Errorf("header at line 1: %w", err)
			}
			event = func(rec []string, line int) (directory.Event, string, error) {
				r, col := c.record(rec)
				e, err := r.event(parse(line), col)
				return e, r.CorrelationID, err
			}
		}
		r.audit = func(rec []string, line int) error {
			clock.pendingNext = false
			e, corr, err := event(rec, line)
			if err != nil {
				return err
			}
			idx, err := s.addEvent(&e, corr)
			if err == nil && clock.pendingNext {
				clock.note(idx)
			}
			return err
		}
		return nil
	}
	convert, err := signInConverter(s, format, header, clock)
	r.convert = convert
	return err
}

// signInConverter returns the function that converts a row of a CSV
// export of sign-ins with s's Decoder and clock's date order.
func signInConverter(s *sink, format Format, header []string, clock *csvClock) (func(rec []string, line int) (signin.SignIn, bool, error), error) {
	switch format {
	case FormatPortalCSV:
		p, err := newPortalColumns(header)
		if err != nil {
			return nil, fmt.Errorf("header at line 1: %w", err)
		}
		return func(rec []string, line int) (signin.SignIn, bool, error) {
			return s.portalSignIn(p, rec, clock, line)
		}, nil
	case FormatLogAnalyticsCSV:
		cols := make([]laColumn, len(header))
		for i, h := range header {
			cols[i] = laColumnFor(h)
		}
		if err := checkLAColumns(cols); err != nil {
			return nil, fmt.Errorf("header at line 1: %w", err)
		}
		var row laRow
		return func(rec []string, line int) (signin.SignIn, bool, error) {
			row.reset()
			for i, v := range rec {
				row.set(cols[i], v)
			}
			return s.laSignIn(&row, func(col, v string) (time.Time, bool, error) {
				return clock.parse(col, v, line)
			})
		}, nil
	}
	return nil, errors.New("unknown format: a CSV file without the admin center's or Log Analytics' columns (of sign-ins or of audit logs)")
}

// read reads the rows to the end of the file.
func (r *csvRows) read() error {
	s, cr, limit, header, clock := r.s, r.cr, r.limit, r.header, r.clock
	next := r.next
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if errors.Is(err, graphjson.ErrRecordTooLarge) {
				return fmt.Errorf("record at line %d (byte %d): %w", next, r.byteBase+limit.at, err)
			}
			line := lineOf(err, 0)
			if line > 0 {
				line += r.lineBase
			}
			return fmt.Errorf("record at line %d: %w", line, csvProblem(err))
		}
		line, _ := cr.FieldPos(0)
		line += r.lineBase
		next = nextLine(cr, rec) + r.lineBase
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line with spaces
		}
		if len(rec) != len(header) {
			return fmt.Errorf("record at line %d: %d fields (want %d, as in the header)", line, len(rec), len(header))
		}
		for i, v := range rec {
			if len(v) > graphjson.MaxField {
				return fmt.Errorf("record at line %d: %w", line, graphjson.FieldTooLarge("in column "+logtext.Clip(strings.TrimSpace(header[i]), 80)))
			}
		}
		if r.audit != nil {
			if err := r.audit(rec, line); err != nil {
				if isCtxErr(err) {
					return err
				}
				return fmt.Errorf("record at line %d: %w", line, err)
			}
			continue
		}
		si, ambiguous, err := r.convert(rec, line)
		if err != nil {
			return fmt.Errorf("record at line %d: %w", line, err)
		}
		idx, err := s.add(&si)
		if err != nil {
			return err
		}
		if s.fileRecords == hintAt {
			s.hint(r.byteBase + cr.InputOffset())
		}
		if ambiguous {
			clock.note(idx)
		}
	}
}

// csvLimit refuses a CSV record over graphjson.MaxRecord while
// encoding/csv reads it. csv.Reader buffers a whole record before it
// returns it, so the cap is on the bytes read past the end of the last
// record (InputOffset), checked before each read: a record never takes more
// than the cap and one read buffer.
type csvLimit struct {
	r  io.Reader
	cr *csv.Reader
	n  int64 // bytes read
	at int64 // where the oversized record starts, once refused
}

func (l *csvLimit) Read(p []byte) (int, error) {
	if off := l.cr.InputOffset(); l.n-off > graphjson.MaxRecord {
		l.at = off
		return 0, graphjson.ErrRecordTooLarge
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	return n, err
}

// explain adds where an oversized header starts.
func (l *csvLimit) explain(err error) error {
	if errors.Is(err, graphjson.ErrRecordTooLarge) {
		return fmt.Errorf("byte %d: %w", l.at, err)
	}
	return err
}

// nextLine is the line after the record just read: where the next record
// starts unless blank lines come between (encoding/csv skips those).
func nextLine(cr *csv.Reader, rec []string) int {
	if len(rec) == 0 {
		return 0
	}
	last := len(rec) - 1
	line, _ := cr.FieldPos(last)
	return line + strings.Count(rec[last], "\n") + 1
}

// lineOf takes the line from a csv.ParseError.
func lineOf(err error, fallback int) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) && pe.StartLine > 0 {
		return pe.StartLine
	}
	return fallback
}

// csvProblem rewords encoding/csv's errors without repeating the line.
func csvProblem(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("column %d: %w (want RFC 4180 CSV: fields with quotes, commas or line breaks in double quotes, quotes doubled)", pe.Column, pe.Err)
	}
	return err
}

// portalField is a column of the admin center's CSV download.
type portalField int

const (
	pDate portalField = iota
	pRequestID
	pUserAgent
	pCorrelationID
	pUserID
	pUser
	pUsername
	pUserType
	pApplication
	pApplicationID
	pResource
	pResourceID
	pResourceTenantID
	pHomeTenantID
	pIPAddress
	pLocation
	pErrorCode
	pFailureReason
	pClientApp
	pDeviceID
	pBrowser
	pOperatingSystem
	pCompliant
	pManaged
	pJoinType
	pMFAResult
	pAuthRequirement
	pSessionID
	pConditionalAccess
	pManagedIdentityType
	pServicePrincipalID
	pServicePrincipalName
	pCredentialKeyID
	pClientCredentialType
	pCrossTenantAccessType
	pAppOwnerTenantID
	pIncomingTokenType
	pAuthenticationProtocol
	pFieldCount
)

// portalNames maps normalized header names to fields. The other columns of
// the download (token protection, latency, Global Secure Access, ...) have
// no place in signin.SignIn. "Credential key ID" is the service principal
// download's.
var portalNames = map[string]portalField{
	"date (utc)":                        pDate,
	"request id":                        pRequestID,
	"user agent":                        pUserAgent,
	"correlation id":                    pCorrelationID,
	"user id":                           pUserID,
	"user":                              pUser,
	"username":                          pUsername,
	"user type":                         pUserType,
	"application":                       pApplication,
	"application id":                    pApplicationID,
	"resource":                          pResource,
	"resource id":                       pResourceID,
	"resource tenant id":                pResourceTenantID,
	"home tenant id":                    pHomeTenantID,
	"ip address":                        pIPAddress,
	"location":                          pLocation,
	"sign-in error code":                pErrorCode,
	"failure reason":                    pFailureReason,
	"client app":                        pClientApp,
	"device id":                         pDeviceID,
	"browser":                           pBrowser,
	"operating system":                  pOperatingSystem,
	"compliant":                         pCompliant,
	"managed":                           pManaged,
	"join type":                         pJoinType,
	"multifactor authentication result": pMFAResult,
	"authentication requirement":        pAuthRequirement,
	"session id":                        pSessionID,
	"conditional access":                pConditionalAccess,
	"managed identity type":             pManagedIdentityType,
	"service principal id":              pServicePrincipalID,
	"service principal name":            pServicePrincipalName,
	"credential key id":                 pCredentialKeyID,
	"client credential type":            pClientCredentialType,
	"cross tenant access type":          pCrossTenantAccessType,
	"app owner tenant id":               pAppOwnerTenantID,
	"incoming token type":               pIncomingTokenType, // twice in the download: the first is read
	"authentication protocol":           pAuthenticationProtocol,
}

// portalColumns locates the fields in one file's header.
type portalColumns struct {
	idx  [pFieldCount]int
	name [pFieldCount]string
}

func newPortalColumns(header []string) (*portalColumns, error) {
	p := &portalColumns{}
	for i := range p.idx {
		p.idx[i] = -1
	}
	for i, h := range header {
		if f, ok := portalNames[normalizeHeader(h)]; ok && p.idx[f] < 0 {
			p.idx[f] = i
			p.name[f] = strings.TrimSpace(h)
		}
	}
	if p.idx[pRequestID] < 0 {
		return nil, errors.New(`no "Request ID" column (want the admin center's CSV download header)`)
	}
	if p.idx[pDate] < 0 {
		return nil, errors.New(`no "Date (UTC)" column (want the admin center's CSV download header)`)
	}
	return p, nil
}

func (p *portalColumns) get(rec []string, f portalField) string {
	if i := p.idx[f]; i >= 0 {
		return strings.TrimSpace(rec[i])
	}
	return ""
}

// portalSignIn converts a row of the admin center's CSV download.
func (s *sink) portalSignIn(p *portalColumns, rec []string, clock *csvClock, line int) (si signin.SignIn, ambiguous bool, err error) {
	id := p.get(rec, pRequestID)
	if id == "" {
		return si, false, fmt.Errorf("no %s (want the sign-in's request ID)", p.name[pRequestID])
	}
	date := p.get(rec, pDate)
	if date == "" {
		return si, false, fmt.Errorf("no %s (want the time of the sign-in)", p.name[pDate])
	}
	t, ambiguous, err := clock.parse(p.name[pDate], date, line)
	if err != nil {
		return si, false, err
	}
	in := s.dec
	v := func(f portalField) string { return in.Intern(p.get(rec, f)) }
	si = signin.SignIn{
		ID:            strings.Clone(id),
		CorrelationID: strings.Clone(p.get(rec, pCorrelationID)),
		SessionID:     strings.Clone(p.get(rec, pSessionID)),
		CreatedAt:     t,
		TenantID:      v(pResourceTenantID),
		HomeTenantID:  v(pHomeTenantID),
		User: signin.User{
			ID:          v(pUserID),
			UPN:         v(pUsername),
			DisplayName: v(pUser),
			Type:        in.Intern(graphjson.EnumValue(p.get(rec, pUserType))),
		},
		App:                             signin.App{ID: v(pApplicationID), Name: v(pApplication)},
		Resource:                        signin.App{ID: v(pResourceID), Name: v(pResource)},
		ServicePrincipal:                signin.App{ID: v(pServicePrincipalID), Name: v(pServicePrincipalName)},
		ManagedIdentity:                 in.Intern(graphjson.ManagedIdentityType(p.get(rec, pManagedIdentityType))),
		ServicePrincipalCredentialKeyID: v(pCredentialKeyID),
		ClientCredentialType:            in.Intern(graphjson.EnumValue(p.get(rec, pClientCredentialType))),
		CrossTenantAccessType:           in.Intern(graphjson.EnumValue(p.get(rec, pCrossTenantAccessType))),
		AppOwnerTenantID:                v(pAppOwnerTenantID),
		IncomingTokenType:               in.Intern(graphjson.EnumValue(p.get(rec, pIncomingTokenType))),
		AuthenticationProtocol:          in.Intern(graphjson.EnumValue(p.get(rec, pAuthenticationProtocol))),
		ClientApp:                       v(pClientApp),
		UserAgent:                       v(pUserAgent),
		IPAddress:                       v(pIPAddress),
		ConditionalAccessStatus:         in.Intern(graphjson.EnumValue(p.get(rec, pConditionalAccess))),
		AuthRequirement:                 in.Intern(graphjson.EnumValue(p.get(rec, pAuthRequirement))),
		Status: signin.Status{
			FailureReason:     v(pFailureReason),
			AdditionalDetails: v(pMFAResult),
		},
		Device: signin.Device{
			ID:              v(pDeviceID),
			OperatingSystem: v(pOperatingSystem),
			Browser:         v(pBrowser),
			TrustType:       v(pJoinType),
		},
	}
	if loc := p.get(rec, pLocation); loc != "" {
		l := parseLocation(loc)
		si.Location = signin.Location{City: in.Intern(l.City), State: in.Intern(l.State), CountryOrRegion: in.Intern(l.CountryOrRegion)}
	}
	if si.Status.ErrorCode, err = graphjson.ParseErrorCode(p.name[pErrorCode], p.get(rec, pErrorCode)); err != nil {
		return si, false, err
	}
	if si.Device.IsCompliant, err = graphjson.ParseBool(p.name[pCompliant], p.get(rec, pCompliant)); err != nil {
		return si, false, err
	}
	if si.Device.IsManaged, err = graphjson.ParseBool(p.name[pManaged], p.get(rec, pManaged)); err != nil {
		return si, false, err
	}
	// The download has no event type column: a service principal or managed
	// identity with no user says what it is; otherwise the file's name tells
	// the four downloads apart; without it, interactive.
	graphjson.SetType(&si, nil, nil, "")
	if si.Type == signin.Interactive && s.typeHint != "" {
		si.Type = s.typeHint
	}
	return si, ambiguous, nil
}
