package signin

import "testing"

// TestExposure: the evidence that moves the first to act from the user to
// an admin, on hand-written sign-ins shaped as Graph beta and the exports
// log them.
func TestExposure(t *testing.T) {
	pw := AuthStep{Method: "Password", Requirement: "Primary authentication", Succeeded: true, ResultDetail: "Correct password"}
	for _, tc := range []struct {
		name string
		s    SignIn
		want Exposure
	}{
		{"declined after a correct password", SignIn{Status: Status{ErrorCode: 500121},
			AuthDetails: []AuthStep{pw, {Method: "Mobile app notification", ResultDetail: "MFA denied; user declined the authentication"}}}, ExposureMFARejected},
		{"fraud reported, only in additional details", SignIn{Status: Status{ErrorCode: 500121, AdditionalDetails: "MFA denied; Fraud reported by user"},
			AuthDetails: []AuthStep{pw}}, ExposureMFARejected},
		{"fraud reported, no steps logged (v1.0)", SignIn{Status: Status{ErrorCode: 500121, AdditionalDetails: "User reported fraud"}}, ExposureMFARejected},
		{"timeout is not a rejection", SignIn{Status: Status{ErrorCode: 500121, AdditionalDetails: "MFA denied; no response to the notification"},
			AuthDetails: []AuthStep{pw, {Method: "Mobile app notification", ResultDetail: "MFA denied; no response to the notification"}}}, ExposureNone},
		{"declined without an accepted first factor", SignIn{Status: Status{ErrorCode: 500121},
			AuthDetails: []AuthStep{{Method: "Password", ResultDetail: "Incorrect password"}, {Method: "Mobile app notification", ResultDetail: "MFA denied; user declined the authentication"}}}, ExposureNone},
		{"high risk during sign-in", SignIn{Status: Status{ErrorCode: 50126}, Risk: Risk{LevelDuringSignIn: "High"}}, ExposureHighRisk},
		{"high aggregated risk only", SignIn{Status: Status{ErrorCode: 50126}, Risk: Risk{LevelAggregated: "high", LevelDuringSignIn: "low"}}, ExposureNone},
		{"a success has none", SignIn{Risk: Risk{LevelDuringSignIn: "high"}}, ExposureNone},
		{"rejection outranks risk", SignIn{Status: Status{ErrorCode: 500121, AdditionalDetails: "MFA denied; user declined the authentication"},
			Risk: Risk{LevelDuringSignIn: "high"}}, ExposureMFARejected},
	} {
		if got := tc.s.Exposure(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestMFARejection: the one reading of MFA result texts. Fraud wins over a
// decline, a timeout is neither, a failed step counts, and a status text is
// read only on a 500121.
func TestMFARejection(t *testing.T) {
	for _, c := range []struct {
		name            string
		s               SignIn
		fraud, declined bool
	}{
		{"fraud in status", SignIn{Status: Status{ErrorCode: 500121, AdditionalDetails: "MFA denied; user reported fraud"}}, true, false},
		{"declined in status", SignIn{Status: Status{ErrorCode: 500121, AdditionalDetails: "MFA denied; user declined the authentication"}}, false, true},
		{"no response is a timeout", SignIn{Status: Status{ErrorCode: 500121, AdditionalDetails: "MFA denied; no response"}}, false, false},
		{"failed step", SignIn{Status: Status{ErrorCode: 50158}, AuthDetails: []AuthStep{{Method: "Mobile app notification", ResultDetail: "MFA denied; user declined the authentication"}}}, false, true},
		{"status text on another code", SignIn{Status: Status{ErrorCode: 50126, FailureReason: "declined"}}, false, false},
		{"succeeded step ignored", SignIn{Status: Status{ErrorCode: 50126}, AuthDetails: []AuthStep{{Succeeded: true, ResultDetail: "fraud"}}}, false, false},
	} {
		if f, d := c.s.MFARejection(); f != c.fraud || d != c.declined {
			t.Errorf("%s: MFARejection() = %v, %v; want %v, %v", c.name, f, d, c.fraud, c.declined)
		}
	}
}
