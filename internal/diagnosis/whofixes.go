package diagnosis

import (
	"fmt"

	"github.com/entra-signin-mcp/entra-signin-mcp/catalog"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/plural"
	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// WhoFixes is who acts first on a failure with the catalog entry e, given
// the evidence ev of its sign-ins: the catalog's per-code default, unless
// the evidence says someone else may hold the user's password (MFA declined
// or reported as fraud after a correct password, or a high-risk sign-in).
// Then the first to act is an admin, whatever the code: telling the user to
// "approve the next prompt" would help the attacker. reason is empty when
// the catalog's default stands, and otherwise says what overrode it.
// Details (one sign-in) and search groups (of many) both decide here.
func WhoFixes(ev signin.Exposure, e catalog.Entry) (who, reason string) {
	if ev == signin.ExposureNone || e.WhoFixes == "admin" {
		return e.WhoFixes, ""
	}
	why := ""
	switch ev {
	case signin.ExposureMFARejected:
		why = "the password was accepted and MFA was declined or reported as fraud: someone else may know the password"
	case signin.ExposureHighRisk:
		why = "the sign-in was high risk: the account may be compromised"
	default:
		return e.WhoFixes, ""
	}
	return "admin", fmt.Sprintf("%s; an admin acts first (reset the password, revoke sessions), not the catalog's %s", why, e.WhoFixes)
}

// GroupWhoFixes is WhoFixes for a group of sign-ins with one code: the
// group's strongest evidence decides, and the reason says how many of its
// sign-ins carry it.
func GroupWhoFixes(g signin.Group, e catalog.Entry) (who, reason string) {
	ev, n := g.Exposure()
	who, reason = WhoFixes(ev, e)
	if reason != "" {
		reason = fmt.Sprintf("%d of %s: %s", n, plural.Count(g.Count, "sign-in", "sign-ins"), reason)
	}
	return who, reason
}
