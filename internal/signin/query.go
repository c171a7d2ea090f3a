package signin

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MatchUser reports whether s was made by user: a UPN or an object ID,
// compared case-insensitively (Graph ignores the case of a GUID too). A guest is found by
// their home address too: ana@fabrikam.example matches
// ana_fabrikam.example#EXT#@contoso.com, the UPN the inviting tenant gave
// them, which is all an admin may know of it.
func MatchUser(s *SignIn, user string) bool {
	if user == "" || strings.EqualFold(s.User.ID, user) || strings.EqualFold(s.User.UPN, user) {
		return true
	}
	p := GuestPrefix(user)
	return p != "" && len(s.User.UPN) >= len(p) && strings.EqualFold(s.User.UPN[:len(p)], p)
}

// guestMarker separates a guest's mangled home address from the inviting
// tenant's domain in its UPN, in lower case.
const guestMarker = "#ext#@"

// GuestPrefix is how a guest UPN made from the home address user starts, in
// lower case ("ana_fabrikam.example#ext#@" for ana@fabrikam.example), or ""
// when user is not an email address or is itself a guest UPN.
func GuestPrefix(user string) string {
	u := strings.ToLower(strings.TrimSpace(user))
	at := strings.IndexByte(u, '@')
	if at <= 0 || at == len(u)-1 || strings.Count(u, "@") != 1 || strings.Contains(u, "#ext#") {
		return ""
	}
	return u[:at] + "_" + u[at+1:] + guestMarker
}

// HomeAddress is the home address of a guest UPN
// (ana@fabrikam.example for ana_fabrikam.example#EXT#@contoso.com), in
// lower case, or "" for a UPN that is not a guest's. The last underscore is
// the @: a domain has none.
func HomeAddress(upn string) string {
	u := strings.ToLower(upn)
	i := strings.Index(u, guestMarker)
	if i <= 0 {
		return ""
	}
	local := u[:i]
	j := strings.LastIndexByte(local, '_')
	if j <= 0 || j == len(local)-1 {
		return ""
	}
	return local[:j] + "@" + local[j+1:]
}

// MatchApp reports whether s is for app: a display name or an app ID,
// compared case-insensitively. For workload sign-ins the
// service principal's name and ID count too.
func MatchApp(s *SignIn, app string) bool {
	return app == "" || strings.EqualFold(s.App.ID, app) || strings.EqualFold(s.App.Name, app) ||
		strings.EqualFold(s.ServicePrincipal.ID, app) || strings.EqualFold(s.ServicePrincipal.Name, app)
}

// TypesOrDefault returns q.Types, or def when the query names none.
func (q Query) TypesOrDefault(def []Type) []Type {
	if len(q.Types) == 0 {
		return def
	}
	return q.Types
}

// Matches reports whether s passes every filter of q except the outcome
// rules: window, types (given explicitly), user, app, code, IP, correlation.
func (q Query) Matches(s *SignIn, types []Type) bool {
	if s.CreatedAt.Before(q.Since) || !s.CreatedAt.Before(q.Until) {
		return false
	}
	if !slices.Contains(types, s.Type) {
		return false
	}
	if q.ErrorCode != nil && s.Status.ErrorCode != *q.ErrorCode {
		return false
	}
	if q.IPAddress != "" && s.IPAddress != q.IPAddress {
		return false
	}
	if q.CorrelationID != "" && !strings.EqualFold(s.CorrelationID, q.CorrelationID) {
		return false
	}
	return MatchUser(s, q.User) && MatchApp(s, q.App)
}

// Fingerprint identifies the query's filters (not Limit or Cursor), so that a
// cursor issued for one query is refused for another.
func (q Query) Fingerprint(types []Type) string {
	code := "-"
	if q.ErrorCode != nil {
		code = strconv.Itoa(*q.ErrorCode)
	}
	ts := make([]string, len(types))
	for i, t := range types {
		ts[i] = string(t)
	}
	slices.Sort(ts)
	parts := []string{
		strings.ToLower(q.User), strings.ToLower(q.App), code, q.IPAddress, strings.ToLower(q.CorrelationID),
		q.Since.UTC().Format(time.RFC3339Nano), q.Until.UTC().Format(time.RFC3339Nano),
		strings.Join(ts, ","), strconv.FormatBool(q.IncludeInterrupts),
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// Cursors issues and checks opaque, tamper-evident cursors. The key is random
// per process: a cursor is valid only against the server that issued it, for
// the query it was issued for.
//
// A cursor carries the resolved window of the search that issued it, because
// a relative window ("the last 24 hours") resolved again on page two against a
// moving clock is another window: the caller reads it back with CursorWindow
// and searches that window, and the MAC (over the query's fingerprint, which
// includes the window, and the body, which carries it) refuses any other.
type Cursors struct{ key []byte }

// NewCursors returns a Cursors with a fresh random key.
func NewCursors() *Cursors {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		panic(fmt.Sprintf("signin: read random cursor key: %v", err))
	}
	return &Cursors{key: k}
}

// Issue returns a cursor for position pos (and an optional source token) of
// the query with fingerprint fp over the window [since, until).
func (c *Cursors) Issue(fp string, since, until time.Time, pos int, token string) string {
	body := make([]byte, 0, 64)
	body = appendTime(body, since)
	body = appendTime(body, until)
	body = binary.AppendUvarint(body, uint64(pos))
	body = append(body, token...)
	mac := c.mac(fp, body)
	return base64.RawURLEncoding.EncodeToString(append(body, mac...))
}

// Check returns the position and token of cursor if it was issued by c for
// the query with fingerprint fp; otherwise an error wrapping ErrBadCursor.
func (c *Cursors) Check(fp, cursor string) (pos int, token string, err error) {
	body, mac, ok := splitCursor(cursor)
	if !ok {
		return 0, "", fmt.Errorf("%w: it is not a cursor this server issued; pass nextCursor from the previous answer unchanged, with the same filters", ErrBadCursor)
	}
	if !hmac.Equal(mac, c.mac(fp, body)) {
		return 0, "", fmt.Errorf("%w: it was altered, or it belongs to a search with other filters; pass nextCursor from the previous answer unchanged, with the same filters, or repeat the search without a cursor", ErrBadCursor)
	}
	_, _, rest, ok := readWindow(body)
	if !ok {
		return 0, "", fmt.Errorf("%w: malformed window", ErrBadCursor)
	}
	p, n := binary.Uvarint(rest)
	if n <= 0 || p > 1<<31 {
		return 0, "", fmt.Errorf("%w: malformed position", ErrBadCursor)
	}
	return int(p), string(rest[n:]), nil
}

// CursorWindow returns the window a cursor was issued for, read from its body
// without checking its MAC (the source checks it): the caller searches this
// window, so that a relative one is not resolved again against a clock that
// has moved. ok is false for a string that is not a cursor's shape.
func CursorWindow(cursor string) (since, until time.Time, ok bool) {
	body, _, ok := splitCursor(cursor)
	if !ok {
		return time.Time{}, time.Time{}, false
	}
	since, until, _, ok = readWindow(body)
	return since, until, ok
}

// macLen is the length of a cursor's MAC, at its end.
const macLen = sha256.Size / 2

// splitCursor decodes a cursor into its body and MAC.
func splitCursor(cursor string) (body, mac []byte, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(raw) < macLen+1 {
		return nil, nil, false
	}
	return raw[:len(raw)-macLen], raw[len(raw)-macLen:], true
}

// appendTime encodes t exactly (seconds and nanoseconds, UTC), for any year.
func appendTime(b []byte, t time.Time) []byte {
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

// readWindow decodes the two times at the start of a cursor's body.
func readWindow(body []byte) (since, until time.Time, rest []byte, ok bool) {
	var ts [2]time.Time
	for i := range ts {
		sec, n := binary.Varint(body)
		if n <= 0 {
			return time.Time{}, time.Time{}, nil, false
		}
		nsec, m := binary.Uvarint(body[n:])
		if m <= 0 || nsec >= 1e9 {
			return time.Time{}, time.Time{}, nil, false
		}
		ts[i] = time.Unix(sec, int64(nsec)).UTC()
		body = body[n+m:]
	}
	return ts[0], ts[1], body, true
}

func (c *Cursors) mac(fp string, body []byte) []byte {
	h := hmac.New(sha256.New, c.key)
	h.Write([]byte(fp))
	h.Write([]byte{0})
	h.Write(body)
	return h.Sum(nil)[:macLen]
}
