package graphjson

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Lexer reads one complete JSON value held in memory, in a single pass. It
// is strict (RFC 8259: literals, numbers, string escapes, nesting) and
// knows the shapes of the records it decodes, so that members we do not
// keep are skipped without being decoded, repeated strings are interned
// straight from the bytes, and nothing is scanned twice. encoding/json
// scans each value at least twice and allocates every string it meets; on
// sign-in exports, where most bytes belong to members we skip, this is
// about 4x faster with less than half the allocation (see the package
// comment for the figures).
//
// The first problem stops the lexer: Err reports it and every later read
// returns a zero value. The files source reads Log Analytics rows with it
// (Object, Array, Key, Scalar, Raw, Skip); a Stream cuts the values out.
// The zero Lexer is ready once Reset.
type Lexer struct {
	b     []byte
	i     int
	depth int
	err   error
	key   []byte // the current member name, lower-cased
	tmp   []byte // unescaping scratch
}

// maxDepth bounds nesting; sign-in records nest four levels deep.
const maxDepth = 512

// Reset starts reading the value b (which must stay unchanged while it is
// read).
func (l *Lexer) Reset(b []byte) {
	l.b, l.i, l.depth, l.err = b, 0, 0, nil
}

// Err returns the first problem met, or nil.
func (l *Lexer) Err() error { return l.err }

// Key returns the lower-cased name of the member being read inside Object
// (valid until the next member).
func (l *Lexer) Key() []byte { return l.key }

// syntaxError is malformed JSON inside one record.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("invalid JSON: %s at byte %d of the record", e.msg, e.off)
}

func (l *Lexer) fail(msg string) {
	if l.err == nil {
		l.err = &syntaxError{off: l.i, msg: msg}
	}
	l.i = len(l.b)
}

// TypeError records that field is of the wrong JSON type (want says what
// was expected) and stops the lexer.
func (l *Lexer) TypeError(field, want string) {
	if l.err == nil {
		got := "end of input"
		if l.i < len(l.b) {
			got = ValueKind(l.b[l.i])
		}
		l.err = fmt.Errorf("%s is a JSON %s (want %s)", field, got, want)
	}
	l.i = len(l.b)
}

func (l *Lexer) ws() {
	for l.i < len(l.b) {
		switch l.b[l.i] {
		case ' ', '\t', '\n', '\r':
			l.i++
		default:
			return
		}
	}
}

// Peek returns the next significant byte, or 0 at the end.
func (l *Lexer) Peek() byte {
	l.ws()
	if l.i < len(l.b) {
		return l.b[l.i]
	}
	return 0
}

// End checks that nothing but white space follows the value.
func (l *Lexer) End() {
	if l.err != nil {
		return
	}
	if l.ws(); l.i < len(l.b) {
		l.fail("text after the value")
	}
}

// rawString reads a string at l.i: its content without quotes, and whether
// it holds escapes.
func (l *Lexer) rawString() ([]byte, bool) {
	start := l.i + 1
	escaped := false
	for j := start; j < len(l.b); j++ {
		switch c := l.b[j]; {
		case c == '"':
			if j-start > MaxField {
				if l.err == nil {
					l.err = FieldTooLarge(fmt.Sprintf("at byte %d of the record", l.i))
				}
				l.i = len(l.b)
				return nil, false
			}
			l.i = j + 1
			return l.b[start:j], escaped
		case c == '\\':
			escaped = true
			j++
			if j >= len(l.b) {
				break
			}
			switch l.b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(l.b) || !isHex4(l.b[j+1:j+5]) {
					l.i = j
					l.fail(`bad \u escape in string`)
					return nil, false
				}
				j += 4
			default:
				l.i = j
				l.fail("bad escape in string")
				return nil, false
			}
		case c < 0x20:
			l.i = j
			l.fail("control character in string")
			return nil, false
		}
	}
	l.i = len(l.b)
	l.fail("unterminated string")
	return nil, false
}

func isHex4(b []byte) bool {
	for _, c := range b[:4] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// unescape decodes a string's escapes (already validated).
func (l *Lexer) unescape(raw []byte) []byte {
	out := l.tmp[:0]
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		switch raw[i] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r1, _ := strconv.ParseUint(string(raw[i+1:i+5]), 16, 32)
			i += 4
			r := rune(r1)
			if utf16.IsSurrogate(r) {
				r = utf8.RuneError
				if i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
					if r2, err := strconv.ParseUint(string(raw[i+3:i+7]), 16, 32); err == nil {
						if d := utf16.DecodeRune(rune(r1), rune(r2)); d != utf8.RuneError {
							r = d
							i += 6
						}
					}
				}
			}
			out = utf8.AppendRune(out, r)
		default: // '"', '\\', '/'
			out = append(out, raw[i])
		}
	}
	l.tmp = out
	return out
}

// strBytes reads a string or null as bytes (valid until the next read);
// field names the member for a type error.
func (l *Lexer) strBytes(field string) []byte {
	switch l.Peek() {
	case '"':
		raw, esc := l.rawString()
		if esc {
			return l.unescape(raw)
		}
		return raw
	case 'n':
		l.literal()
		return nil
	}
	l.TypeError(field, "a string")
	return nil
}

// Str reads a string or null (""); field names the member for a type
// error.
func (l *Lexer) Str(field string) string {
	return string(l.strBytes(field))
}

// istr reads a string or null through the interner.
func (l *Lexer) istr(field string, in *interner) string {
	b := l.strBytes(field)
	if len(b) == 0 {
		return ""
	}
	return in.bytes(b)
}

// strList reads an array of strings, or null.
func (l *Lexer) strList(field string, in *interner) []string {
	var out []string
	l.Array(field, func(int) {
		if s := l.istr(field, in); s != "" {
			out = append(out, s)
		}
	})
	return out
}

// literal reads true, false or null.
func (l *Lexer) literal() {
	for _, lit := range []string{"true", "false", "null"} {
		if len(l.b)-l.i >= len(lit) && string(l.b[l.i:l.i+len(lit)]) == lit {
			l.i += len(lit)
			return
		}
	}
	l.fail("invalid literal")
}

// number reads a number as RFC 8259 writes it.
func (l *Lexer) number() {
	b, i := l.b, l.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	digits := func() int {
		start := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		return i - start
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case digits() == 0:
		l.i = i
		l.fail("invalid number")
		return
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			l.i = i
			l.fail("invalid number")
			return
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			l.i = i
			l.fail("invalid number")
			return
		}
	}
	l.i = i
}

// Skip reads any value, checking that it is JSON.
func (l *Lexer) Skip() {
	switch c := l.Peek(); {
	case c == '{':
		l.Object("", func() { l.Skip() })
	case c == '[':
		l.Array("", func(int) { l.Skip() })
	case c == '"':
		l.rawString()
	case c == 't' || c == 'f' || c == 'n':
		l.literal()
	case c == '-' || '0' <= c && c <= '9':
		l.number()
	case c == 0:
		l.fail("unexpected end of input")
	default:
		l.fail(fmt.Sprintf("unexpected character %q", c))
	}
}

// Raw reads any value and returns its text (valid while l.b is).
func (l *Lexer) Raw() []byte {
	l.ws()
	start := l.i
	l.Skip()
	if l.err != nil {
		return nil
	}
	return l.b[start:l.i]
}

// Scalar reads a string's content, a number's or boolean's text, or null
// (""); field names the member for a type error.
func (l *Lexer) Scalar(field string) string {
	switch c := l.Peek(); c {
	case '"':
		return l.Str(field)
	case '{', '[':
		l.TypeError(field, "a single value")
		return ""
	case 'n':
		l.literal()
		return ""
	}
	return string(l.Raw())
}

// Object reads an object (or null), calling member for each member with
// Key returning its lower-cased name; member must read the value. field
// names the value for a type error ("" for the record itself).
func (l *Lexer) Object(field string, member func()) {
	switch l.Peek() {
	case '{':
	case 'n':
		l.literal()
		return
	default:
		if field == "" {
			l.fail("want an object")
		} else {
			l.TypeError(field, "an object")
		}
		return
	}
	if l.depth++; l.depth > maxDepth {
		l.fail("nested too deep")
		return
	}
	l.i++
	if l.Peek() == '}' {
		l.i++
		l.depth--
		return
	}
	for l.err == nil {
		if l.Peek() != '"' {
			l.fail("want a member name")
			return
		}
		raw, esc := l.rawString()
		if esc {
			raw = l.unescape(raw)
		}
		l.key = lowerASCII(l.key[:0], raw)
		if l.Peek() != ':' {
			l.fail("want ':' after a member name")
			return
		}
		l.i++
		member()
		switch l.Peek() {
		case ',':
			l.i++
		case '}':
			l.i++
			l.depth--
			return
		default:
			l.fail("want ',' or '}' after a member")
			return
		}
	}
}

// Array reads an array (or null), calling elem for each element (which
// must read it); field names the value for a type error.
func (l *Lexer) Array(field string, elem func(i int)) {
	switch l.Peek() {
	case '[':
	case 'n':
		l.literal()
		return
	default:
		if field == "" {
			l.fail("want an array")
		} else {
			l.TypeError(field, "an array")
		}
		return
	}
	if l.depth++; l.depth > maxDepth {
		l.fail("nested too deep")
		return
	}
	l.i++
	if l.Peek() == ']' {
		l.i++
		l.depth--
		return
	}
	for n := 0; l.err == nil; n++ {
		elem(n)
		switch l.Peek() {
		case ',':
			l.i++
		case ']':
			l.i++
			l.depth--
			return
		default:
			l.fail("want ',' or ']' after an element")
			return
		}
	}
}

func lowerASCII(dst, src []byte) []byte {
	for _, c := range src {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// bytes interns a string given as bytes, allocating only the first time.
func (in *interner) bytes(b []byte) string {
	if v, ok := in.m[string(b)]; ok {
		return v
	}
	v := string(b)
	if len(in.m) < maxInterned {
		in.m[v] = v
	}
	return v
}

// graph decodes a Graph signIn object into r. Members are matched without
// regard to case, as encoding/json does, so the PowerShell SDK's PascalCase
// decodes too.
func (l *Lexer) graph(r *graphRecord, d *Decoder) {
	*r = graphRecord{}
	in := &d.strs
	l.Object("", func() {
		switch string(l.key) {
		case "id":
			r.ID = l.Str("id")
		case "createddatetime":
			r.CreatedDateTime = l.Str("createdDateTime")
		case "correlationid":
			r.CorrelationID = l.Str("correlationId")
		case "originalrequestid":
			r.OriginalRequestID = l.Str("originalRequestId")
		case "sessionid":
			r.SessionID = l.Str("sessionId")
		case "userid":
			r.UserID = l.istr("userId", in)
		case "userprincipalname":
			r.UserPrincipalName = l.istr("userPrincipalName", in)
		case "userdisplayname":
			r.UserDisplayName = l.istr("userDisplayName", in)
		case "usertype":
			r.UserType = l.istr("userType", in)
		case "appid":
			r.AppID = l.istr("appId", in)
		case "appdisplayname":
			r.AppDisplayName = l.istr("appDisplayName", in)
		case "resourceid":
			r.ResourceID = l.istr("resourceId", in)
		case "resourcedisplayname":
			r.ResourceDisplayName = l.istr("resourceDisplayName", in)
		case "serviceprincipalid":
			r.ServicePrincipalID = l.istr("servicePrincipalId", in)
		case "serviceprincipalname":
			r.ServicePrincipalName = l.istr("servicePrincipalName", in)
		case "serviceprincipalcredentialkeyid":
			r.CredentialKeyID = l.istr("servicePrincipalCredentialKeyId", in)
		case "clientcredentialtype":
			r.ClientCredentialType = l.istr("clientCredentialType", in)
		case "crosstenantaccesstype":
			r.CrossTenantAccessType = l.istr("crossTenantAccessType", in)
		case "appownertenantid":
			r.AppOwnerTenantID = l.istr("appOwnerTenantId", in)
		case "incomingtokentype":
			r.IncomingTokenType = l.istr("incomingTokenType", in)
		case "authenticationprotocol":
			r.AuthenticationProtocol = l.istr("authenticationProtocol", in)
		case "managedserviceidentity":
			l.Object("managedServiceIdentity", func() {
				if string(l.key) == "msitype" {
					r.ManagedServiceIdentity = &graphMSI{MsiType: l.istr("managedServiceIdentity.msiType", in)}
					return
				}
				l.Skip()
			})
		case "resourcetenantid":
			r.ResourceTenantID = l.istr("resourceTenantId", in)
		case "tenantid":
			r.TenantID = l.istr("tenantId", in)
		case "hometenantid":
			r.HomeTenantID = l.istr("homeTenantId", in)
		case "ipaddress":
			r.IPAddress = l.istr("ipAddress", in)
		case "clientappused":
			r.ClientAppUsed = l.istr("clientAppUsed", in)
		case "useragent":
			r.UserAgent = l.istr("userAgent", in)
		case "isinteractive":
			r.IsInteractive = l.Raw()
		case "signineventtypes":
			r.SignInEventTypes = l.strList("signInEventTypes", in)
		case "conditionalaccessstatus":
			r.ConditionalAccessStatus = l.istr("conditionalAccessStatus", in)
		case "authenticationrequirement":
			r.AuthenticationRequirement = l.istr("authenticationRequirement", in)
		case "status":
			l.status(&r.Status, "status", in)
		case "devicedetail":
			l.device(&r.DeviceDetail, "deviceDetail", in)
		case "location":
			l.location(&r.Location, "location", in)
		case "appliedconditionalaccesspolicies":
			raw := l.Raw()
			if l.err == nil && len(raw) > 0 && raw[0] != 'n' {
				list, err := d.policies.get(raw, in)
				if err != nil && l.err == nil {
					l.err = fmt.Errorf("appliedConditionalAccessPolicies%w", err)
				}
				r.Policies = list
			}
		case "authenticationdetails":
			r.AuthenticationDetails = l.steps("authenticationDetails", in)
		case "riskdetail":
			r.RiskDetail = l.istr("riskDetail", in)
		case "risklevelaggregated":
			r.RiskLevelAggregated = l.istr("riskLevelAggregated", in)
		case "risklevelduringsignin":
			r.RiskLevelDuringSignIn = l.istr("riskLevelDuringSignIn", in)
		case "riskstate":
			r.RiskState = l.istr("riskState", in)
		case "riskeventtypes":
			r.RiskEventTypes = l.strList("riskEventTypes", in)
		case "riskeventtypes_v2":
			r.RiskEventTypesV2 = l.strList("riskEventTypes_v2", in)
		default:
			l.Skip()
		}
	})
}

func (l *Lexer) status(st *Status, field string, in *interner) {
	l.Object(field, func() {
		switch string(l.key) {
		case "errorcode":
			st.ErrorCode = l.Raw()
		case "failurereason":
			st.FailureReason = l.istr(field+".failureReason", in)
		case "additionaldetails":
			st.AdditionalDetails = l.istr(field+".additionalDetails", in)
		default:
			l.Skip()
		}
	})
}

func (l *Lexer) device(d *graphDevice, field string, in *interner) {
	l.Object(field, func() {
		switch string(l.key) {
		case "deviceid":
			d.DeviceID = l.istr(field+".deviceId", in)
		case "displayname":
			d.DisplayName = l.istr(field+".displayName", in)
		case "operatingsystem":
			d.OperatingSystem = l.istr(field+".operatingSystem", in)
		case "browser":
			d.Browser = l.istr(field+".browser", in)
		case "iscompliant":
			d.IsCompliant = l.Raw()
		case "ismanaged":
			d.IsManaged = l.Raw()
		case "trusttype":
			d.TrustType = l.istr(field+".trustType", in)
		default:
			l.Skip()
		}
	})
}

func (l *Lexer) location(loc *graphLocation, field string, in *interner) {
	l.Object(field, func() {
		switch string(l.key) {
		case "city":
			loc.City = l.istr(field+".city", in)
		case "state":
			loc.State = l.istr(field+".state", in)
		case "countryorregion":
			loc.CountryOrRegion = l.istr(field+".countryOrRegion", in)
		default:
			l.Skip()
		}
	})
}

func (l *Lexer) steps(field string, in *interner) []graphAuthStep {
	var out []graphAuthStep
	l.Array(field, func(i int) {
		var a graphAuthStep
		name := field + "[" + strconv.Itoa(i) + "]"
		l.Object(name, func() {
			switch string(l.key) {
			case "authenticationstepdatetime":
				a.AuthenticationStepDateTime = l.Str(name + ".authenticationStepDateTime")
			case "authenticationmethod":
				a.AuthenticationMethod = l.istr(name+".authenticationMethod", in)
			case "authenticationmethoddetail":
				a.AuthenticationMethodDetail = l.istr(name+".authenticationMethodDetail", in)
			case "authenticationsteprequirement":
				a.AuthenticationStepRequirement = l.istr(name+".authenticationStepRequirement", in)
			case "succeeded":
				a.Succeeded = l.Raw()
			case "authenticationstepresultdetail":
				a.AuthenticationStepResultDetail = l.istr(name+".authenticationStepResultDetail", in)
			default:
				l.Skip()
			}
		})
		out = append(out, a)
	})
	return out
}
