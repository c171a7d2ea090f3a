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

// MatchUser reports whether s was made by user: a UPN compared
// case-insensitively, or an object ID compared exactly.
func MatchUser(s *SignIn, user string) bool {
	return user == "" || s.User.ID == user || strings.EqualFold(s.User.UPN, user)
}

// MatchApp reports whether s is for app: a display name compared
// case-insensitively, or an app ID compared exactly. For workload sign-ins the
// service principal's name and ID count too.
func MatchApp(s *SignIn, app string) bool {
	return app == "" || s.App.ID == app || strings.EqualFold(s.App.Name, app) ||
		s.ServicePrincipal.ID == app || strings.EqualFold(s.ServicePrincipal.Name, app)
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
// the query with fingerprint fp.
func (c *Cursors) Issue(fp string, pos int, token string) string {
	body := make([]byte, 0, 64)
	body = binary.AppendUvarint(body, uint64(pos))
	body = append(body, token...)
	mac := c.mac(fp, body)
	return base64.RawURLEncoding.EncodeToString(append(body, mac...))
}

// Check returns the position and token of cursor if it was issued by c for
// the query with fingerprint fp; otherwise an error wrapping ErrBadCursor.
func (c *Cursors) Check(fp, cursor string) (pos int, token string, err error) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(raw) < sha256.Size/2+1 {
		return 0, "", fmt.Errorf("%w: it is not a cursor this server issued; pass nextCursor from the previous answer unchanged, with the same filters", ErrBadCursor)
	}
	body, mac := raw[:len(raw)-sha256.Size/2], raw[len(raw)-sha256.Size/2:]
	if !hmac.Equal(mac, c.mac(fp, body)) {
		return 0, "", fmt.Errorf("%w: it was altered, or it belongs to a search with other filters; pass nextCursor from the previous answer unchanged, with the same filters, or repeat the search without a cursor", ErrBadCursor)
	}
	p, n := binary.Uvarint(body)
	if n <= 0 || p > 1<<31 {
		return 0, "", fmt.Errorf("%w: malformed position", ErrBadCursor)
	}
	return int(p), string(body[n:]), nil
}

func (c *Cursors) mac(fp string, body []byte) []byte {
	h := hmac.New(sha256.New, c.key)
	h.Write([]byte(fp))
	h.Write([]byte{0})
	h.Write(body)
	return h.Sum(nil)[:sha256.Size/2]
}
