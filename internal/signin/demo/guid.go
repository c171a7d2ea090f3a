package demo

import (
	"crypto/sha1"
	"encoding/binary"
	"math/rand/v2"
)

const hexDigits = "0123456789abcdef"

// formatGUID renders 128 bits as a lower-case version-4 GUID
// (8-4-4-4-12 hex digits, version nibble 4, RFC 4122 variant).
func formatGUID(hi, lo uint64) string {
	hi = hi&^0xf000 | 0x4000
	lo = lo&^(0xc<<60) | 0x8<<60
	var raw [16]byte
	binary.BigEndian.PutUint64(raw[:8], hi)
	binary.BigEndian.PutUint64(raw[8:], lo)
	var b [36]byte
	j := 0
	for i, c := range raw {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b[j] = '-'
			j++
		}
		b[j], b[j+1] = hexDigits[c>>4], hexDigits[c&0xf]
		j += 2
	}
	return string(b[:])
}

// randomGUID draws a GUID from r: request and correlation IDs.
func randomGUID(r *rand.Rand) string { return formatGUID(r.Uint64(), r.Uint64()) }

// nameGUID derives a stable GUID from a name: object IDs of users, devices,
// applications and policies, which must not change when the sign-ins do.
func nameGUID(name string) string {
	sum := sha1.Sum([]byte("entra-signin-mcp/demo/" + name))
	return formatGUID(binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:16]))
}
