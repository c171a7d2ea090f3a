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

// mfaRejected: the user declined the MFA request or reported it as fraud.
func (s *SignIn) mfaRejected() bool {
	fraud, declined := s.MFARejection()
	return fraud || declined
}

// MFARejection says whether a failed authentication step, or the status of
// a 500121, records that the user reported the MFA request as fraud or
// declined it (fraud wins when both appear). "MFA denied; no response" is a
// timeout, not a rejection, so "denied" alone is not enough. It is the one
// reading of those texts: who fixes a failure and the diagnosis rules both
// use it.
func (s *SignIn) MFARejection() (fraud, declined bool) {
	read := func(text string) {
		t := strings.ToLower(text)
		if strings.Contains(t, "fraud") {
			fraud = true
			return
		}
		for _, w := range []string{"declined", "user denied", "denied by the user", "denied by user"} {
			if strings.Contains(t, w) {
				declined = true
			}
		}
	}
	for _, st := range s.AuthDetails {
		if !st.Succeeded {
			read(st.ResultDetail)
		}
	}
	if s.Status.ErrorCode == mfaStrongAuthFailed {
		read(s.Status.AdditionalDetails)
		read(s.Status.FailureReason)
	}
	return fraud, declined && !fraud
}
