package catalog

import (
	"bufio"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// officialCodes reads testdata/aadsts-official-codes.tsv: code -> constant name.
func officialCodes(t testing.TB, path string) map[int]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[int]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "code\t") {
			continue
		}
		cols := strings.Split(line, "\t")
		code, err := strconv.Atoi(cols[0])
		if err != nil {
			t.Fatalf("%s: bad code %q", path, cols[0])
		}
		name := ""
		if len(cols) > 1 {
			name = strings.TrimSpace(cols[1])
		}
		if prev, dup := out[code]; !dup || prev == "" {
			out[code] = name
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func mustLoad(t testing.TB) *Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatalf("load embedded catalog: %v", err)
	}
	return c
}

// TestEveryOfficialCodeIsKnown fails when the embedded data and Microsoft's
// table drift apart: a code missing, a name changed, or an entry claiming to
// be official that the table does not have.
func TestEveryOfficialCodeIsKnown(t *testing.T) {
	c := mustLoad(t)
	official := officialCodes(t, filepath.Join("..", "testdata", "aadsts-official-codes.tsv"))
	if len(official) != 345 {
		t.Fatalf("testdata lists %d official codes, want 345", len(official))
	}
	for code, name := range official {
		e, ok := c.Lookup(code)
		if !ok {
			t.Errorf("official code %d is not in the catalog", code)
			continue
		}
		if !e.Official {
			t.Errorf("code %d is in Microsoft's table but official=false", code)
		}
		if e.Name != name {
			t.Errorf("code %d: name %q, Microsoft's table says %q", code, e.Name, name)
		}
	}
	for _, e := range c.Entries() {
		if _, ok := official[e.Code]; e.Official && !ok {
			t.Errorf("code %d claims official=true but is not in Microsoft's table", e.Code)
		}
	}
}

// TestTestdataMatchesSharedReference checks that our facts-only copy of the
// official table still matches the reference beside the checkout. The
// reference is outside this module, so the test skips (visibly) without it.
func TestTestdataMatchesSharedReference(t *testing.T) {
	ref := filepath.Join("..", "..", "shared", "reference", "aadsts-reference.tsv")
	if _, err := os.Stat(ref); err != nil {
		t.Skipf("no shared reference at %s: nothing to compare with", ref)
	}
	want := officialCodes(t, ref)
	got := officialCodes(t, filepath.Join("..", "testdata", "aadsts-official-codes.tsv"))
	if len(got) != len(want) {
		t.Errorf("testdata has %d codes, the reference %d", len(got), len(want))
	}
	for code, name := range want {
		if g, ok := got[code]; !ok || g != name {
			t.Errorf("code %d: testdata %q (present %v), reference %q", code, g, ok, name)
		}
	}
}

func TestSignInLogCodesBeyondTheTable(t *testing.T) {
	c := mustLoad(t)
	for _, code := range []int{0, 90025, 500121, 70046, 530003, 70043, 70044, 53004, 50125, 50158, 500172, 130500} {
		if _, ok := c.Lookup(code); !ok {
			t.Errorf("code %d, seen in sign-in logs, is not in the catalog", code)
		}
	}
	if e, _ := c.Lookup(0); e.Outcome != OutcomeSuccess || e.WhoFixes != "none" {
		t.Errorf("code 0: outcome %q whoFixes %q, want success/none", e.Outcome, e.WhoFixes)
	}
}

func TestEntriesAreComplete(t *testing.T) {
	c := mustLoad(t)
	if c.Version == "" || c.Reviewed == "" {
		t.Fatalf("version %q reviewed %q: both required", c.Version, c.Reviewed)
	}
	seen := map[int]bool{}
	for _, e := range c.Entries() {
		if seen[e.Code] {
			t.Errorf("code %d appears twice", e.Code)
		}
		seen[e.Code] = true
		if strings.TrimSpace(e.Title) == "" || strings.TrimSpace(e.Summary) == "" || len(e.Causes) == 0 {
			t.Errorf("code %d: title, summary and causes are required", e.Code)
		}
		if len(e.Title) > 80 || strings.HasSuffix(e.Title, ".") {
			t.Errorf("code %d: title %q should be a short label", e.Code, e.Title)
		}
		if strings.ContainsAny(e.Summary+strings.Join(e.Causes, ""), "{}") {
			t.Errorf("code %d: placeholder braces left in the text", e.Code)
		}
		steps := len(e.Remediation.Admin) + len(e.Remediation.User) + len(e.Remediation.Developer)
		if steps == 0 {
			t.Errorf("code %d: no remediation step for any audience", e.Code)
		}
		if !slices.Contains(Outcomes, e.Outcome) || !slices.Contains(Categories, e.Category) || !slices.Contains(Owners, e.WhoFixes) {
			t.Errorf("code %d: outcome %q category %q whoFixes %q outside the allowed sets", e.Code, e.Outcome, e.Category, e.WhoFixes)
		}
		for _, r := range e.RelatedCodes {
			if r == e.Code {
				t.Errorf("code %d lists itself as related", e.Code)
			}
			if _, ok := c.Lookup(r); !ok {
				t.Errorf("code %d: related code %d is not in the catalog", e.Code, r)
			}
		}
		for _, u := range []string{e.Docs(), e.LookupURL()} {
			p, err := url.Parse(u)
			if err != nil || p.Scheme != "https" || p.Host == "" {
				t.Errorf("code %d: URL %q is not an absolute https URL", e.Code, u)
			}
		}
		if e.LookupURL() != "https://login.microsoftonline.com/error?code="+strconv.Itoa(e.Code) {
			t.Errorf("code %d: lookup URL %q", e.Code, e.LookupURL())
		}
	}
}

// deepCodes must carry hand-written causes and remediation: the codes most seen
// in sign-in logs, those of the Sign-in diagnostic, and common app-registration errors.
var deepCodes = []int{
	0, 16000, 50000, 50011, 50012, 50013, 50017, 50020, 50034, 50053, 50055, 50057, 50058, 50072, 50074,
	50076, 50079, 50097, 50105, 50125, 50126, 50129, 50131, 50133, 50140, 50144, 50146, 50158, 50173,
	50199, 500121, 53000, 53001, 53002, 53003, 53004, 530003, 530032, 530035, 65001, 65004, 650056,
	70001, 70011, 70043, 70044, 70046, 700016, 7000112, 7000215, 7000218, 7000222, 700082, 75011,
	81010, 90014, 90025, 90072, 90094, 500172, 130500,
	50056, 50059, 50064, 50089, 50132, 50143, 50196, 50194, 51004, 54005, 65002, 70000, 70008, 700027,
	90002, 90095, 90019, 50135, 50142, 53010, 53011, 530034, 50128, 50014, 50078, 50127, 50155, 50187,
	70002, 700005, 80001, 80002, 80007, 80012, 81009, 500011, 500014, 1000031, 135011, 130004,
}

func TestDeepEntriesHaveHandWrittenRemediation(t *testing.T) {
	c := mustLoad(t)
	if len(deepCodes) < 80 {
		t.Fatalf("only %d deep codes listed, want at least 80", len(deepCodes))
	}
	for _, code := range deepCodes {
		e, ok := c.Lookup(code)
		if !ok {
			t.Errorf("deep code %d missing", code)
			continue
		}
		steps := len(e.Remediation.Admin) + len(e.Remediation.User) + len(e.Remediation.Developer)
		if code != 0 && (len(e.Causes) < 2 || steps < 2) {
			t.Errorf("code %d: %d causes and %d remediation steps, want at least 2 of each", code, len(e.Causes), steps)
		}
	}
}

// TestInterruptsAreLabelled: these codes are normal steps of a sign-in and
// must never be reported as a root cause.
func TestInterruptsAreLabelled(t *testing.T) {
	c := mustLoad(t)
	for _, code := range []int{50058, 50140, 50074, 50076, 50072, 50079, 50125, 50097, 81010, 16000, 50158} {
		if e, _ := c.Lookup(code); e.Outcome != OutcomeInterrupt {
			t.Errorf("code %d: outcome %q, want interrupt", code, e.Outcome)
		}
	}
	for _, code := range []int{50126, 50053, 53003, 7000215, 50105} {
		if e, _ := c.Lookup(code); e.Outcome != OutcomeFailure {
			t.Errorf("code %d: outcome %q, want failure", code, e.Outcome)
		}
	}
	if e, _ := c.Lookup(90025); e.Outcome != OutcomeTransient {
		t.Errorf("code 90025: outcome %q, want transient", e.Outcome)
	}
}

// TestInterruptCodes checks the list prompts build from against the
// entries themselves, on a small catalog whose answer is known and on the
// embedded one.
func TestInterruptCodes(t *testing.T) {
	entry := func(code int, outcome string) string {
		return fmt.Sprintf(`{"code":%d,"title":"T","summary":"S","outcome":%q,"category":"service","whoFixes":"none","causes":["c"]}`, code, outcome)
	}
	small, err := Parse([]byte(`{"version":"v","reviewed":"r","entries":[` + strings.Join([]string{
		entry(81010, "interrupt"), entry(50126, "failure"), entry(16000, "interrupt"), entry(90025, "transient"), entry(0, "success"), entry(50058, "interrupt"),
	}, ",") + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := small.InterruptCodes(); !slices.Equal(got, []int{16000, 50058, 81010}) {
		t.Errorf("InterruptCodes() = %v, want [16000 50058 81010] (sorted, interrupts only)", got)
	}
	for code, want := range map[int]bool{16000: true, 50058: true, 81010: true, 50126: false, 90025: false, 0: false, 12345: false} {
		if got := small.IsInterrupt(code); got != want {
			t.Errorf("IsInterrupt(%d) = %v, want %v", code, got, want)
		}
	}
	empty, err := Parse([]byte(`{"version":"v","reviewed":"r","entries":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := empty.InterruptCodes(); got == nil || len(got) != 0 {
		t.Errorf("empty catalog: InterruptCodes() = %#v, want an empty non-nil slice", got)
	}

	c := mustLoad(t)
	codes := c.InterruptCodes()
	if !slices.IsSorted(codes) {
		t.Errorf("InterruptCodes() not sorted: %v", codes)
	}
	n := 0
	for _, e := range c.Entries() {
		if e.Outcome == OutcomeInterrupt {
			n++
			if !slices.Contains(codes, e.Code) || !c.IsInterrupt(e.Code) {
				t.Errorf("interrupt %d missing from InterruptCodes or IsInterrupt", e.Code)
			}
		} else if c.IsInterrupt(e.Code) {
			t.Errorf("IsInterrupt(%d) = true for outcome %q", e.Code, e.Outcome)
		}
	}
	if len(codes) != n {
		t.Errorf("InterruptCodes() has %d codes, the catalog %d interrupts", len(codes), n)
	}
}

func TestParseRejectsBadData(t *testing.T) {
	good := `{"code":1,"title":"T","summary":"S","outcome":"failure","category":"service","whoFixes":"admin","causes":["c"]}`
	for name, data := range map[string]string{
		"not json":       `{`,
		"no version":     `{"reviewed":"x","entries":[]}`,
		"duplicate":      `{"version":"v","reviewed":"r","entries":[` + good + `,` + good + `]}`,
		"bad outcome":    `{"version":"v","reviewed":"r","entries":[{"code":1,"title":"T","summary":"S","outcome":"meh","category":"service","whoFixes":"admin","causes":["c"]}]}`,
		"bad category":   `{"version":"v","reviewed":"r","entries":[{"code":1,"title":"T","summary":"S","outcome":"failure","category":"misc","whoFixes":"admin","causes":["c"]}]}`,
		"bad owner":      `{"version":"v","reviewed":"r","entries":[{"code":1,"title":"T","summary":"S","outcome":"failure","category":"service","whoFixes":"nobody","causes":["c"]}]}`,
		"no causes":      `{"version":"v","reviewed":"r","entries":[{"code":1,"title":"T","summary":"S","outcome":"failure","category":"service","whoFixes":"admin"}]}`,
		"negative code":  `{"version":"v","reviewed":"r","entries":[{"code":-1,"title":"T","summary":"S","outcome":"failure","category":"service","whoFixes":"admin","causes":["c"]}]}`,
		"empty summary":  `{"version":"v","reviewed":"r","entries":[{"code":1,"title":"T","summary":"","outcome":"failure","category":"service","whoFixes":"admin","causes":["c"]}]}`,
		"reviewed empty": `{"version":"v","reviewed":"","entries":[]}`,
	} {
		if _, err := Parse([]byte(data)); err == nil {
			t.Errorf("%s: Parse accepted bad data", name)
		}
	}
	c, err := Parse([]byte(`{"version":"v","reviewed":"r","entries":[` + good + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	e, _ := c.Lookup(1)
	if e.Remediation.Admin == nil || e.RelatedCodes == nil {
		t.Error("Parse left nil lists that would serialise as null")
	}
}

// TestSecuritySignals: the set search keeps before larger benign groups
// holds MFA denied or fraud, risk, lockout and blocked IP, and no interrupt
// or everyday failure.
func TestSecuritySignals(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for code, want := range map[int]bool{
		500121: true, 53004: true, 50053: true, 530032: true, 50135: true, 53011: true,
		50126: false, 50074: false, 50076: false, 53003: false, 7000222: false, 50058: false, 50088: false,
	} {
		e, ok := c.Lookup(code)
		if !ok {
			t.Fatalf("code %d is not in the catalog", code)
		}
		if e.SecuritySignal() != want {
			t.Errorf("%d (%s): SecuritySignal %v, want %v", code, e.Category, e.SecuritySignal(), want)
		}
	}
	for _, cat := range SecurityCategories {
		if !slices.Contains(Categories, cat) {
			t.Errorf("security category %q is not a catalog category", cat)
		}
	}
}
