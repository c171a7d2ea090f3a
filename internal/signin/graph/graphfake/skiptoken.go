package graphfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// skipState is what a skip token carries: where the next page starts, which
// query it belongs to, and when it was issued.
type skipState struct {
	Query  string `json:"q"` // hash of version, path and query (less $skiptoken)
	Offset int    `json:"o"`
	Issued int64  `json:"t"` // Unix nanoseconds, by the server's clock
}

// errSkipTokenExpired marks a genuine token past its TTL.
var errSkipTokenExpired = errors.New("skip token expired")

// queryHash binds a token to one query: a token minted for one filter, page
// size or version does not continue another.
func queryHash(v Version, path string, q url.Values) string {
	rest := url.Values{}
	for k, vals := range q {
		if !strings.EqualFold(k, "$skiptoken") {
			rest[k] = vals
		}
	}
	sum := sha256.Sum256([]byte(string(v) + "\x00" + strings.ToLower(path) + "\x00" + rest.Encode()))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// mintSkipToken returns an opaque, MAC-protected token for st.
func mintSkipToken(key []byte, st skipState) (string, error) {
	payload, err := json.Marshal(st)
	if err != nil {
		return "", fmt.Errorf("encode skip token: %w", err)
	}
	p := base64.RawURLEncoding.EncodeToString(payload)
	return p + "." + base64.RawURLEncoding.EncodeToString(tokenMAC(key, p)), nil
}

func tokenMAC(key []byte, payload string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	return m.Sum(nil)[:16]
}

// readSkipToken checks tok's MAC, that it belongs to the query hashed as
// query, and its age against ttl (ttl <= 0: never expires).
func readSkipToken(key []byte, tok, query string, now time.Time, ttl time.Duration) (skipState, error) {
	p, macText, ok := strings.Cut(tok, ".")
	if !ok || p == "" {
		return skipState{}, errors.New("skip token is malformed")
	}
	mac, err := base64.RawURLEncoding.DecodeString(macText)
	if err != nil || !hmac.Equal(mac, tokenMAC(key, p)) {
		return skipState{}, errors.New("skip token was not issued by this server or was altered")
	}
	payload, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return skipState{}, fmt.Errorf("decode skip token: %w", err)
	}
	var st skipState
	if err := json.Unmarshal(payload, &st); err != nil {
		return skipState{}, fmt.Errorf("decode skip token: %w", err)
	}
	if st.Query != query {
		return skipState{}, errors.New("skip token belongs to another query: follow @odata.nextLink as it is")
	}
	if st.Offset < 0 {
		return skipState{}, errors.New("skip token has a negative offset")
	}
	if ttl > 0 && now.Sub(time.Unix(0, st.Issued)) > ttl {
		return skipState{}, errSkipTokenExpired
	}
	return st, nil
}
