package graphjson

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin"
)

// Decoder turns Graph signIn objects, and the Graph-shaped objects that Log
// Analytics rows carry in their dynamic columns, into signin values. It
// holds the tables that let the records of one load share memory: repeated
// strings (users, apps, devices, places) and Conditional Access outcomes
// are kept once. A Decoder is not safe for concurrent use.
type Decoder struct {
	strs     interner
	policies policyCache
	lx       Lexer
	rec      graphRecord
}

// NewDecoder returns an empty Decoder.
func NewDecoder() *Decoder {
	return &Decoder{
		strs:     interner{m: map[string]string{}},
		policies: policyCache{m: map[string][]signin.Policy{}},
	}
}

// Intern returns s, shared with every equal string the Decoder has kept.
// It copies what it keeps, so s's backing array is never retained.
func (d *Decoder) Intern(s string) string { return d.strs.str(s) }

// InternAll interns every string of ss into a new slice (nil if ss is
// empty).
func (d *Decoder) InternAll(ss []string) []string { return internAll(&d.strs, ss) }

// SignIn decodes one Graph signIn object (v1.0 or beta, camelCase or the
// PowerShell SDK's PascalCase) from its JSON text. raw is not retained.
func (d *Decoder) SignIn(raw []byte) (signin.SignIn, error) {
	l := &d.lx
	l.Reset(raw)
	l.graph(&d.rec, d)
	if l.End(); l.err != nil {
		return signin.SignIn{}, l.err
	}
	return d.rec.signIn(d)
}

// Status is a signIn's status object. ErrorCode stays JSON text, so that a
// caller with another source of the code (Log Analytics' ResultType) is not
// failed by it.
type Status struct {
	ErrorCode         json.RawMessage
	FailureReason     string
	AdditionalDetails string
}

// ErrorCodeText returns the error code's text ("" if absent or null);
// field names the member in an error.
func (s Status) ErrorCodeText(field string) (string, error) {
	return rawScalar(field, s.ErrorCode)
}

// The methods below decode the JSON text of one Graph-shaped object, as a
// Log Analytics column holds it; field is the column's name, which errors
// start with. Empty text and null decode to the zero value.

// Status decodes a status object.
func (d *Decoder) Status(field, text string) (Status, error) {
	var st Status
	err := d.dynamic(field, text, func(l *Lexer) { l.status(&st, field, &d.strs) })
	return st, err
}

// Location decodes a location object.
func (d *Decoder) Location(field, text string) (signin.Location, error) {
	var loc graphLocation
	err := d.dynamic(field, text, func(l *Lexer) { l.location(&loc, field, &d.strs) })
	return signin.Location(loc), err
}

// Device decodes a deviceDetail object.
func (d *Decoder) Device(field, text string) (signin.Device, error) {
	var dev graphDevice
	if err := d.dynamic(field, text, func(l *Lexer) { l.device(&dev, field, &d.strs) }); err != nil {
		return signin.Device{}, err
	}
	out := signin.Device{
		ID:              dev.DeviceID,
		Name:            dev.DisplayName,
		OperatingSystem: dev.OperatingSystem,
		Browser:         dev.Browser,
		TrustType:       dev.TrustType,
	}
	var err error
	if out.IsCompliant, err = rawBool(field+".isCompliant", dev.IsCompliant); err != nil {
		return out, err
	}
	if out.IsManaged, err = rawBool(field+".isManaged", dev.IsManaged); err != nil {
		return out, err
	}
	return out, nil
}

// AuthDetails decodes an authenticationDetails array.
func (d *Decoder) AuthDetails(field, text string) ([]signin.AuthStep, error) {
	var steps []graphAuthStep
	if err := d.dynamic(field, text, func(l *Lexer) { steps = l.steps(field, &d.strs) }); err != nil {
		return nil, err
	}
	return authSteps(&d.strs, field, steps)
}

// Policies decodes an appliedConditionalAccessPolicies array. Lists with
// the same text share one slice: treat it as read-only.
func (d *Decoder) Policies(field, text string) ([]signin.Policy, error) {
	text = strings.TrimSpace(text)
	if text == "" || text == "null" {
		return nil, nil
	}
	// A cached list is found from the text itself: converting every
	// row's text to bytes to look it up allocated 400 MB in a load of
	// 100,000 Log Analytics rows.
	if list, ok := d.policies.m[text]; ok {
		return list, nil
	}
	list, err := d.policies.get([]byte(text), &d.strs)
	if err != nil {
		return nil, fmt.Errorf("%s%w", field, err)
	}
	return list, nil
}

// dynamic decodes a column's JSON text with read; empty is fine.
func (d *Decoder) dynamic(field, text string, read func(l *Lexer)) error {
	text = strings.TrimSpace(text)
	if text == "" || text == "null" {
		return nil
	}
	d.lx.Reset([]byte(text))
	read(&d.lx)
	if d.lx.End(); d.lx.err != nil {
		return fmt.Errorf("%s: %w", field, d.lx.err)
	}
	return nil
}

// interner shares repeated strings (user, app, device, location, ...) between
// records. It clones what it keeps, so a record's backing array is never
// retained.
type interner struct {
	m map[string]string
}

// maxInterned bounds the interner; past it, strings are cloned instead.
const maxInterned = 1 << 18

func (in *interner) str(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := in.m[s]; ok {
		return v
	}
	v := strings.Clone(s)
	if len(in.m) < maxInterned {
		in.m[v] = v
	}
	return v
}
