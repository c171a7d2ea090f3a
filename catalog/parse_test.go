package catalog

import (
	"errors"
	"strings"
	"testing"
)

func TestParseCode(t *testing.T) {
	const msg = "AADSTS70011: The provided value for the input parameter 'scope' isn't valid.\r\n" +
		"Trace ID: 0000AAAA-11bb-cccc-dd22-eeeeee333333\r\nCorrelation ID: aaaa0000-bb11-2222-33cc-444444dddddd\r\nTimestamp: 2016-01-09 02:02:12Z"
	const jsonMsg = `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215],"timestamp":"2024-05-01 10:11:12Z","trace_id":"11111111-2222-3333-4444-555555555555","correlation_id":"66666666-7777-8888-9999-000000000000"}`
	cases := []struct {
		in   string
		want Reference
	}{
		{"50126", Reference{Code: 50126}},
		{"  50126\n", Reference{Code: 50126}},
		{"AADSTS50126", Reference{Code: 50126}},
		{"aadsts50053", Reference{Code: 50053}},
		{"0", Reference{Code: 0}},
		{"0050126", Reference{Code: 50126}},
		{"9999999999", Reference{Code: 9999999999}},
		{"Sign-in failed: AADSTS50053: Your account is locked.", Reference{Code: 50053}},
		{msg, Reference{Code: 70011, TraceID: "0000aaaa-11bb-cccc-dd22-eeeeee333333", CorrelationID: "aaaa0000-bb11-2222-33cc-444444dddddd", Timestamp: "2016-01-09 02:02:12Z"}},
		{jsonMsg, Reference{Code: 7000215, TraceID: "11111111-2222-3333-4444-555555555555", CorrelationID: "66666666-7777-8888-9999-000000000000", Timestamp: "2024-05-01 10:11:12Z"}},
	}
	for _, c := range cases {
		got, err := ParseCode(c.in)
		if err != nil {
			t.Errorf("ParseCode(%q): %v", c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("ParseCode(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

func TestParseCodeRejects(t *testing.T) {
	for _, in := range []string{"", "   ", "-5", "AADSTS-5", "12345678901", "AADSTS12345678901", "hello", "error 50126 happened", "AADSTS", "50126abc"} {
		_, err := ParseCode(in)
		if err == nil {
			t.Errorf("ParseCode(%q) accepted bad input", in)
			continue
		}
		if !strings.Contains(err.Error(), Accepted) {
			t.Errorf("ParseCode(%q) error %q does not say what is accepted", in, err)
		}
	}
	if _, err := ParseCode("nothing here"); !errors.Is(err, ErrNoCode) {
		t.Errorf("text without a code: error %v does not wrap ErrNoCode", err)
	}
}

func TestCheckCode(t *testing.T) {
	if c, err := CheckCode(50126); err != nil || c != 50126 {
		t.Errorf("CheckCode(50126) = %d, %v", c, err)
	}
	for _, n := range []int64{-1, 10000000000} {
		if _, err := CheckCode(n); err == nil {
			t.Errorf("CheckCode(%d) accepted", n)
		}
	}
}

func TestFamilyOf(t *testing.T) {
	c := mustLoad(t)
	cases := []struct {
		code     int
		prefix   string
		category string
	}{
		{53999, "53", "conditional-access"},
		{530099, "530", "conditional-access"},
		{7000999, "7000", "app-credential"},
		{700999, "700", "protocol"},
		{81099, "81", "hybrid-auth"},
		{80099, "80", "hybrid-auth"},
		{500199, "5001", "mfa"},
		{65099, "65", "consent"},
	}
	for _, cs := range cases {
		f, ok := c.FamilyOf(cs.code)
		if !ok {
			t.Errorf("FamilyOf(%d): no family", cs.code)
			continue
		}
		if f.Prefix != cs.prefix || f.Category != cs.category {
			t.Errorf("FamilyOf(%d) = prefix %s category %s, want %s %s", cs.code, f.Prefix, f.Category, cs.prefix, cs.category)
		}
		if len(f.NearestCodes) == 0 {
			t.Errorf("FamilyOf(%d): no nearest codes", cs.code)
		}
		for _, n := range f.NearestCodes {
			if _, ok := c.Lookup(n); !ok || n == cs.code {
				t.Errorf("FamilyOf(%d): nearest code %d is not a known other code", cs.code, n)
			}
		}
	}
	if f, _ := c.FamilyOf(53999); f.NearestCodes[0] != 53011 && f.NearestCodes[0] != 53010 {
		t.Errorf("FamilyOf(53999) nearest %v: want the closest 53xxx code first", f.NearestCodes)
	}
	if _, ok := c.FamilyOf(7); ok {
		t.Error("FamilyOf(7): a one-digit code should have no family")
	}
}

func TestExplainUnknownCode(t *testing.T) {
	c := mustLoad(t)
	x := c.Explain(53999)
	if x.Known || x.Family == nil || x.Category != "conditional-access" || x.LookupURL != LookupURLFor(53999) {
		t.Errorf("Explain(53999) = %+v", x)
	}
	if len(x.Remediation.Admin) == 0 || x.Remediation.User == nil || x.RelatedCodes == nil {
		t.Errorf("Explain(53999): remediation %+v related %v", x.Remediation, x.RelatedCodes)
	}
	y := c.Explain(7)
	if y.Known || y.Family != nil || y.Summary == "" || len(y.Causes) == 0 {
		t.Errorf("Explain(7) = %+v", y)
	}
	k := c.Explain(50053)
	if !k.Known || k.Family != nil || k.Name != "IdsLocked" {
		t.Errorf("Explain(50053) = %+v", k)
	}
}

func FuzzParseCode(f *testing.F) {
	for _, s := range []string{"50126", "AADSTS50053: locked. Trace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333", "", "-1", "AADSTS99999999999", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := ParseCode(s)
		if err != nil {
			if !strings.Contains(err.Error(), Accepted) {
				t.Fatalf("error %q does not say what is accepted", err)
			}
			return
		}
		if ref.Code < 0 || ref.Code > 9999999999 {
			t.Fatalf("ParseCode(%q) = %d, outside 0..9999999999", s, ref.Code)
		}
	})
}
