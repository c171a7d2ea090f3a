package loopback

import "testing"

func TestHost(t *testing.T) {
	for h, want := range map[string]bool{
		"localhost": true, "LOCALHOST": true, "localhost.": true, "127.0.0.1": true, "127.8.9.10": true,
		"::1": true, "[::1]": true, "0.0.0.0": false, "": false, "10.0.0.1": false, "example.com": false,
		"localhost.example.com": false, "::": false, "[::]": false, "192.168.1.1": false,
	} {
		if Host(h) != want {
			t.Errorf("Host(%q) = %v, want %v", h, !want, want)
		}
	}
}
