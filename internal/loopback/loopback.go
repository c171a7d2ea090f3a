// Package loopback tells whether a host name or address stays on this
// machine: the one test behind the refusal to serve unauthenticated HTTP off
// loopback and to call a plain-HTTP endpoint anywhere but loopback.
package loopback

import (
	"net"
	"strings"
)

// Host reports whether host (a name or an IP address, IPv6 with or without
// brackets, without a port) is "localhost" or a loopback address.
func Host(host string) bool {
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
