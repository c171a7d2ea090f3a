package graphjson

import (
	"encoding/json"
	"testing"
)

func TestEnumValue(t *testing.T) {
	for in, want := range map[string]string{
		"Not Applied": "notApplied", "notApplied": "notApplied", "Success": "success", "FAILURE": "failure",
		"Multifactor authentication": "multiFactorAuthentication", "MultifactorAuthentication": "multiFactorAuthentication",
		"Single-factor authentication": "singleFactorAuthentication", "Member": "member", "Guest": "guest",
		"Report-only Failure": "reportOnlyFailure", "Some New Value": "someNewValue", "applied": "applied", "": "",
	} {
		if got := EnumValue(in); got != want {
			t.Errorf("EnumValue(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConditions(t *testing.T) {
	for in, want := range map[string]string{
		"0": "none", "3": "application,users", "1035": "application,users,location,ipAddressSeenByAzureAD",
		"263": "application,users,devicePlatform,deviceState", `"application,users"`: "application,users", "null": "",
		"262144": "262144",
	} {
		if got, err := conditions("c", json.RawMessage(in)); err != nil || got != want {
			t.Errorf("conditions(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
}
