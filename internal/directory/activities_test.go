package directory_test

import (
	"testing"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/directory"
)

func TestMatch(t *testing.T) {
	upd := func(prop string) directory.Event {
		return directory.Event{Activity: "Update user", Targets: []directory.Target{{Type: "User", Modified: []directory.Property{{Name: prop}}}}}
	}
	for _, c := range []struct {
		e    directory.Event
		want directory.Kind
		ok   bool
	}{
		{directory.Event{Activity: "Reset password (by admin)"}, directory.KindPassword, true},
		{directory.Event{Activity: "  reset PASSWORD (by admin) "}, directory.KindPassword, true},
		{directory.Event{Activity: "Update application – Certificates and secrets management"}, directory.KindApplication, true},
		{directory.Event{Activity: "Update application - Certificates and secrets management"}, directory.KindApplication, true},
		{directory.Event{Activity: "Update StsRefreshTokenValidFrom Timestamp"}, directory.KindSessions, true},
		{upd("AccountEnabled"), directory.KindAccount, true},
		{upd("StrongAuthenticationMethod"), directory.KindSecurityInfo, true},
		{upd("DisplayName"), "", false},
		{directory.Event{Activity: "Add member to group"}, "", false},
	} {
		a, ok := directory.Match(c.e)
		if ok != c.ok || a.Kind != c.want {
			t.Errorf("%q %v: got %q %v, want %q %v", c.e.Activity, c.e.Targets, a.Kind, ok, c.want, c.ok)
		}
	}
}
