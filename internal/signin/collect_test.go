package signin

import (
	"fmt"
	"testing"
	"time"
)

func TestSameIPTargets(t *testing.T) {
	at := func(ip string, code int, typ Type) SignIn {
		return SignIn{IPAddress: ip, Status: Status{ErrorCode: code}, Type: typ}
	}
	got := SameIPTargets([]SignIn{
		at("192.0.2.2", 50126, NonInteractive), at("192.0.2.1", 50126, Interactive),
		at("192.0.2.2", 50053, Interactive), at("192.0.2.3", 50126, Interactive),
		at("192.0.2.9", 50074, Interactive), at("192.0.2.9", 0, Interactive), at("", 50126, Interactive),
	})
	// Most failures first, then by IP; types in AllTypes order; codes other
	// than a wrong password or a lockout, and records without an IP, left out.
	want := "[{192.0.2.2 [interactive nonInteractive] 2} {192.0.2.1 [interactive] 1} {192.0.2.3 [interactive] 1}]"
	if s := fmt.Sprint(got); s != want {
		t.Errorf("SameIPTargets = %s, want %s", s, want)
	}
	if s := NameIPs(make([]IPTarget, 7)); s != ", , , , , and 2 more" {
		t.Errorf("NameIPs of 7 = %q", s)
	}
}

func TestCollectSubjectMatching(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	guest := SignIn{User: User{UPN: "ana_fabrikam.example#EXT#@contoso.com", ID: "oid"}, IPAddress: "192.0.2.1", CorrelationID: "ABC", CreatedAt: t0}
	for _, c := range []struct {
		c    Collect
		want bool
	}{
		{Collect{User: "Ana@Fabrikam.Example"}, true},
		{Collect{User: "oid"}, true},
		{Collect{User: "OID"}, true}, // an object ID in any case
		{Collect{User: "oid2"}, false},
		{Collect{IPAddress: "192.0.2.1"}, true},
		{Collect{IPAddress: "192.0.2.10"}, false},
		{Collect{CorrelationID: "abc"}, true},
		{Collect{}, true},
	} {
		if got := c.c.MatchesSubject(&guest); got != c.want {
			t.Errorf("%+v matches %v, want %v", c.c, got, c.want)
		}
	}
	w := Collect{Since: t0, Until: t0.Add(time.Hour)}
	if !w.InWindow(&guest) || w.InWindow(&SignIn{CreatedAt: t0.Add(time.Hour)}) {
		t.Error("the window is [Since, Until)")
	}
	if s := TypesPhrase([]Type{NonInteractive, ManagedIdentity}); s != "non-interactive and managed identity sign-ins" {
		t.Errorf("TypesPhrase = %q", s)
	}
}
