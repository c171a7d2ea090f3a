package files

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// lexer reads one complete JSON value held in memory, in a single pass. It
// is strict (RFC 8259: literals, numbers, string escapes, nesting) and
// knows the shapes of the records it decodes, so that members we do not
// keep are skipped without being decoded, repeated strings are interned
// straight from the bytes, and nothing is scanned twice. encoding/json
// scans each value at least twice and allocates every string it meets;
// on sign-in exports, where most bytes belong to members we skip, this is
// several times faster.
//
// The first problem stops the lexer: err is set and every later read
// returns a zero value.
type lexer struct {
	b     []byte
	i     int
	depth int
	err   error
	key   []byte // the current member name, lower-cased
	tmp   []byte // unescaping scratch
}

// maxDepth bounds nesting; sign-in records nest four levels deep.
const maxDepth = 512

func (l *lexer) reset(b []byte) {
	l.b, l.i, l.depth, l.err = b, 0, 0, nil
}

// syntaxError is malformed JSON inside one record.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("invalid JSON: %s at byte %d of the record", e.msg, e.off)
}

func (l *lexer) fail(msg string) {
	if l.err == nil {
		l.err = &syntaxError{off: l.i, msg: msg}
	}
	l.i = len(l.b)
}

// typeError reports a member of the wrong JSON type.
func (l *lexer) typeError(field, want string) {
	if l.err == nil {
		got := "end of input"
		if l.i < len(l.b) {
			got = jsonKind(l.b[l.i])
		}
		l.err = fmt.Errorf("%s is a JSON %s (want %s)", field, got, want)
	}
	l.i = len(l.b)
}

func (l *lexer) ws() {
	for l.i < len(l.b) {
		switch l.b[l.i] {
		case ' ', '\t', '\n', '\r':
			l.i++
		default:
			return
		}
	}
}

// peek returns the next significant byte, or 0 at the end.
func (l *lexer) peek() byte {
	l.ws()
	if l.i < len(l.b) {
		return l.b[l.i]
	}
	return 0
}

// end checks that nothing but white space follows the value.
func (l *lexer) end() {
	if l.err != nil {
		return
	}
	if l.ws(); l.i < len(l.b) {
		l.fail("text after the value")
	}
}

// rawString reads a string at l.i: its content without quotes, and whether
// it holds escapes.
func (l *lexer) rawString() ([]byte, bool) {
	start := l.i + 1
	escaped := false
	for j := start; j < len(l.b); j++ {
		switch c := l.b[j]; {
		case c == '"':
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
func (l *lexer) unescape(raw []byte) []byte {
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
func (l *lexer) strBytes(field string) []byte {
	switch l.peek() {
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
	l.typeError(field, "a string")
	return nil
}

// str reads a string or null ("").
func (l *lexer) str(field string) string {
	return string(l.strBytes(field))
}

// istr reads a string or null through the interner.
func (l *lexer) istr(field string, in *interner) string {
	b := l.strBytes(field)
	if len(b) == 0 {
		return ""
	}
	return in.bytes(b)
}

// strList reads an array of strings, or null.
func (l *lexer) strList(field string, in *interner) []string {
	var out []string
	l.array(field, func(int) {
		if s := l.istr(field, in); s != "" {
			out = append(out, s)
		}
	})
	return out
}

// literal reads true, false or null.
func (l *lexer) literal() {
	for _, lit := range []string{"true", "false", "null"} {
		if len(l.b)-l.i >= len(lit) && string(l.b[l.i:l.i+len(lit)]) == lit {
			l.i += len(lit)
			return
		}
	}
	l.fail("invalid literal")
}

// number reads a number as RFC 8259 writes it.
func (l *lexer) number() {
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

// skip reads any value.
func (l *lexer) skip() {
	switch c := l.peek(); {
	case c == '{':
		l.object("", func() { l.skip() })
	case c == '[':
		l.array("", func(int) { l.skip() })
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

// raw reads any value and returns its text (valid while l.b is).
func (l *lexer) raw() []byte {
	l.ws()
	start := l.i
	l.skip()
	if l.err != nil {
		return nil
	}
	return l.b[start:l.i]
}

// scalar reads a string's content, a number's or boolean's text, or null
// (""); field names the member for a type error.
func (l *lexer) scalar(field string) string {
	switch c := l.peek(); c {
	case '"':
		return l.str(field)
	case '{', '[':
		l.typeError(field, "a single value")
		return ""
	case 'n':
		l.literal()
		return ""
	}
	return string(l.raw())
}

// object reads an object (or null), calling member for each member with
// l.key holding its lower-cased name; member must read the value.
func (l *lexer) object(field string, member func()) {
	switch l.peek() {
	case '{':
	case 'n':
		l.literal()
		return
	default:
		if field == "" {
			l.fail("want an object")
		} else {
			l.typeError(field, "an object")
		}
		return
	}
	if l.depth++; l.depth > maxDepth {
		l.fail("nested too deep")
		return
	}
	l.i++
	if l.peek() == '}' {
		l.i++
		l.depth--
		return
	}
	for l.err == nil {
		if l.peek() != '"' {
			l.fail("want a member name")
			return
		}
		raw, esc := l.rawString()
		if esc {
			raw = l.unescape(raw)
		}
		l.key = lowerASCII(l.key[:0], raw)
		if l.peek() != ':' {
			l.fail("want ':' after a member name")
			return
		}
		l.i++
		member()
		switch l.peek() {
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

// array reads an array (or null), calling elem for each element.
func (l *lexer) array(field string, elem func(i int)) {
	switch l.peek() {
	case '[':
	case 'n':
		l.literal()
		return
	default:
		if field == "" {
			l.fail("want an array")
		} else {
			l.typeError(field, "an array")
		}
		return
	}
	if l.depth++; l.depth > maxDepth {
		l.fail("nested too deep")
		return
	}
	l.i++
	if l.peek() == ']' {
		l.i++
		l.depth--
		return
	}
	for n := 0; l.err == nil; n++ {
		elem(n)
		switch l.peek() {
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
func (l *lexer) graph(r *graphRecord, s *sink) {
	*r = graphRecord{}
	in := &s.strs
	l.object("", func() {
		switch string(l.key) {
		case "id":
			r.ID = l.str("id")
		case "createddatetime":
			r.CreatedDateTime = l.str("createdDateTime")
		case "correlationid":
			r.CorrelationID = l.str("correlationId")
		case "originalrequestid":
			r.OriginalRequestID = l.str("originalRequestId")
		case "sessionid":
			r.SessionID = l.str("sessionId")
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
		case "managedserviceidentity":
			l.object("managedServiceIdentity", func() {
				if string(l.key) == "msitype" {
					r.ManagedServiceIdentity = &graphMSI{MsiType: l.istr("managedServiceIdentity.msiType", in)}
					return
				}
				l.skip()
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
			r.IsInteractive = l.raw()
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
			raw := l.raw()
			if l.err == nil && len(raw) > 0 && raw[0] != 'n' {
				list, err := s.policies.get(raw, in)
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
			l.skip()
		}
	})
}

func (l *lexer) status(st *graphStatus, field string, in *interner) {
	l.object(field, func() {
		switch string(l.key) {
		case "errorcode":
			st.ErrorCode = l.raw()
		case "failurereason":
			st.FailureReason = l.istr(field+".failureReason", in)
		case "additionaldetails":
			st.AdditionalDetails = l.istr(field+".additionalDetails", in)
		default:
			l.skip()
		}
	})
}

func (l *lexer) device(d *graphDevice, field string, in *interner) {
	l.object(field, func() {
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
			d.IsCompliant = l.raw()
		case "ismanaged":
			d.IsManaged = l.raw()
		case "trusttype":
			d.TrustType = l.istr(field+".trustType", in)
		default:
			l.skip()
		}
	})
}

func (l *lexer) location(loc *graphLocation, field string, in *interner) {
	l.object(field, func() {
		switch string(l.key) {
		case "city":
			loc.City = l.istr(field+".city", in)
		case "state":
			loc.State = l.istr(field+".state", in)
		case "countryorregion":
			loc.CountryOrRegion = l.istr(field+".countryOrRegion", in)
		default:
			l.skip()
		}
	})
}

func (l *lexer) steps(field string, in *interner) []graphAuthStep {
	var out []graphAuthStep
	l.array(field, func(i int) {
		var a graphAuthStep
		name := field + "[" + strconv.Itoa(i) + "]"
		l.object(name, func() {
			switch string(l.key) {
			case "authenticationstepdatetime":
				a.AuthenticationStepDateTime = l.str(name + ".authenticationStepDateTime")
			case "authenticationmethod":
				a.AuthenticationMethod = l.istr(name+".authenticationMethod", in)
			case "authenticationmethoddetail":
				a.AuthenticationMethodDetail = l.istr(name+".authenticationMethodDetail", in)
			case "authenticationsteprequirement":
				a.AuthenticationStepRequirement = l.istr(name+".authenticationStepRequirement", in)
			case "succeeded":
				a.Succeeded = l.raw()
			case "authenticationstepresultdetail":
				a.AuthenticationStepResultDetail = l.istr(name+".authenticationStepResultDetail", in)
			default:
				l.skip()
			}
		})
		out = append(out, a)
	})
	return out
}

// laRow decodes a Log Analytics row object into r: each column we read
// becomes text (a string's content, a number's or boolean's literal, an
// object's or array's JSON).
func (l *lexer) laRow(r *laRow) {
	r.reset()
	l.object("", func() {
		c, ok := laJSONColumns[string(l.key)]
		if !ok {
			l.skip()
			return
		}
		switch l.peek() {
		case '{', '[':
			r.set(c, string(l.raw()))
		default:
			r.set(c, l.scalar(c.name))
		}
	})
}

// laValues decodes a row of the query API's tables shape: an array of
// values, one per column.
func (l *lexer) laValues(r *laRow, cols []laColumn) int {
	r.reset()
	n := 0
	l.array("", func(i int) {
		n++
		if i >= len(cols) {
			l.skip()
			return
		}
		switch l.peek() {
		case '{', '[':
			r.set(cols[i], string(l.raw()))
		default:
			r.set(cols[i], l.scalar(cols[i].name))
		}
	})
	return n
}

// laJSONColumns maps lower-cased JSON member names to columns.
var laJSONColumns = func() map[string]laColumn {
	m := map[string]laColumn{}
	for f, name := range laCanonical {
		c := laColumn{field: laField(f), name: name}
		m[lowerString(name)] = c
		if laDynamic[laField(f)] {
			m[lowerString(name)+"_dynamic"] = laColumn{field: laField(f), name: name + "_dynamic"}
			m[lowerString(name)+"_string"] = laColumn{field: laField(f), name: name + "_string"}
		}
	}
	return m
}()

func lowerString(s string) string { return string(lowerASCII(nil, []byte(s))) }
