package signin

import "strings"

// Exposure is what one sign-in's own evidence says about its credentials:
// whether someone other than the user may hold them. It decides who acts
// first on a failure whatever the catalog's default for the code says
// (diagnosis.WhoFixes), so it is computed here once, for every source and
// for the groups.
type Exposure string

// The exposures, strongest first.
const (
	// ExposureNone: nothing in the sign-in points at a stolen credential.
	ExposureNone Exposure = ""
	// ExposureMFARejected: the first factor (the password) was accepted and
	// the MFA request was declined or reported as fraud by the user: the
	// request came from someone who knows the password.
	ExposureMFARejected Exposure = "mfaRejected"
	// ExposureHighRisk: Identity Protection rated the sign-in high risk while
	// it happened.
	ExposureHighRisk Exposure = "highRisk"
)

// Exposure returns the sign-in's exposure. Only failed sign-ins have one:
// a success is not a failure someone must act on.
func (s *SignIn) Exposure() Exposure {
	if !s.Failed() {
		return ExposureNone
	}
	if s.firstFactorAccepted() && s.mfaRejected() {
		return ExposureMFARejected
	}
	if strings.EqualFold(s.Risk.LevelDuringSignIn, "high") {
		return ExposureHighRisk
	}
	return ExposureNone
}

// mfaStrongAuthFailed is Entra's "strong authentication not completed" code.
const mfaStrongAuthFailed = 500121

// firstFactorAccepted: a password (or other first-factor) step succeeded,
// or, when the log has no steps (v1.0, exports), Entra asked for MFA and
// failed it (500121), which it only does once the first factor is accepted.
func (s *SignIn) firstFactorAccepted() bool {
	for _, st := range s.AuthDetails {
		if !st.Succeeded {
			continue
		}
		if strings.Contains(strings.ToLower(st.Method), "password") || strings.EqualFold(st.Requirement, "Primary authentication") {
			return true
		}
	}
	return len(s.AuthDetails) == 0 && s.Status.ErrorCode == mfaStrongAuthFailed
}

// mfaRejected: a failed step, or the status of a 500121, says the user
// declined the MFA request or reported it as fraud. "MFA denied; no
// response" is a timeout, not a rejection, so "denied" alone is not enough.
func (s *SignIn) mfaRejected() bool {
	for _, st := range s.AuthDetails {
		if !st.Succeeded && rejection(st.ResultDetail) {
			return true
		}
	}
	return s.Status.ErrorCode == mfaStrongAuthFailed && (rejection(s.Status.AdditionalDetails) || rejection(s.Status.FailureReason))
}

// rejection reports whether an MFA result text says the user refused it.
func rejection(text string) bool {
	t := strings.ToLower(text)
	for _, w := range []string{"fraud", "declined", "user denied", "denied by the user", "denied by user"} {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}
