package graphfake

import (
	"fmt"
	"strings"
)

// Graph error codes the fake answers a bad query with.
const (
	// CodeBadRequest is Graph's code for a malformed request: a $filter
	// Graph cannot parse (its message starts "Invalid filter clause"), an
	// unknown property, a bad $top or $select.
	CodeBadRequest = "BadRequest"
	// CodeUnsupportedQuery is the code the fake uses for a well-formed query
	// that the sign-in API does not support: a property without $filter
	// support, an operator the property refuses, a mix of sign-in event
	// types that Graph refuses to list together.
	CodeUnsupportedQuery = "Request_UnsupportedQuery"
)

// queryError is a 400 answer: a Graph error code and a message.
type queryError struct {
	code string
	msg  string
}

func (e *queryError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &queryError{code: CodeBadRequest, msg: fmt.Sprintf(format, args...)}
}

func unsupported(format string, args ...any) error {
	return &queryError{code: CodeUnsupportedQuery, msg: fmt.Sprintf(format, args...)}
}

// complexTypeNames are the OData type names Graph puts in its messages.
var complexTypeNames = map[string]string{
	"status":                           "microsoft.graph.signInStatus",
	"deviceDetail":                     "microsoft.graph.deviceDetail",
	"location":                         "microsoft.graph.signInLocation",
	"appliedConditionalAccessPolicies": "microsoft.graph.appliedConditionalAccessPolicy",
}

// Supported reports whether Graph version v accepts e on /auditLogs/signIns:
// every property exists in v and supports $filter, every operator is one
// the property accepts, every literal has the property's type, and (beta)
// signInEventTypes does not mix user sign-ins with service principal or
// managed identity sign-ins, which Graph refuses to list together. The
// error's text is what the fake puts after "Invalid filter clause: ".
func (e Expr) Supported(v Version) error {
	if e.root == nil {
		return nil
	}
	c := &checker{v: v, root: signInProps, typeName: "microsoft.graph.signIn"}
	if err := c.cond(e.root, nil); err != nil {
		return err
	}
	var user, other []string
	for _, t := range c.eventTypes {
		switch strings.ToLower(t) {
		case strings.ToLower(eventInteractive), strings.ToLower(eventNonInteractive):
			user = append(user, t)
		case strings.ToLower(eventServicePrincipal), strings.ToLower(eventManagedIdentity):
			other = append(other, t)
		}
	}
	if len(user) > 0 && len(other) > 0 {
		return unsupported("signInEventTypes cannot select user sign-ins (%s) together with %s sign-ins; request each kind separately",
			strings.Join(user, ", "), strings.Join(other, ", "))
	}
	return nil
}

// namesEventTypes reports whether e mentions signInEventTypes anywhere:
// Graph beta lists only interactive sign-ins unless it does.
func (e Expr) namesEventTypes() bool {
	found := false
	var walk func(n node)
	walk = func(n node) {
		switch n := n.(type) {
		case *logicalNode:
			for _, t := range n.terms {
				walk(t)
			}
		case *notNode:
			walk(n.x)
		case *cmpNode:
			walk(n.left)
		case *startsWithNode:
			walk(n.arg)
		case *lambdaNode:
			walk(n.coll)
			if n.body != nil {
				walk(n.body)
			}
		case *memberNode:
			if n.variable == "" && len(n.path) > 0 && strings.EqualFold(n.path[0], "signInEventTypes") {
				found = true
			}
		}
	}
	if e.root != nil {
		walk(e.root)
	}
	return found
}

type checker struct {
	v          Version
	root       map[string]*prop // the entity's properties: signIn, directoryAudit, servicePrincipal
	typeName   string           // its OData type name, for messages
	noOrAny    bool             // refuse any() under or (directoryAudits: not documented to work)
	eventTypes []string         // literals compared with a signInEventTypes element
}

// elemScope is a lambda variable and what it ranges over.
type elemScope struct {
	name string
	elem *prop
	coll *prop
	up   *elemScope
}

func (c *checker) cond(n node, sc *elemScope) error {
	switch n := n.(type) {
	case *logicalNode:
		for _, t := range n.terms {
			if _, isAny := t.(*lambdaNode); isAny && c.noOrAny && n.op == "or" {
				return unsupported("any() cannot be combined with or on %s; request each value separately", c.typeName)
			}
			if err := c.cond(t, sc); err != nil {
				return err
			}
		}
		return nil
	case *notNode:
		return c.cond(n.x, sc)
	case *cmpNode:
		return c.comparison(n, sc)
	case *startsWithNode:
		p, _, err := c.member(n.arg, sc)
		if err != nil {
			return err
		}
		if p.kind != kindString {
			return badRequest("startswith needs a string property; %s is not one", n.arg.name())
		}
		if p.ops&opStartsWith == 0 {
			return unsupportedOp("startswith", n.arg.name(), p)
		}
		return nil
	case *lambdaNode:
		p, _, err := c.member(n.coll, sc)
		if err != nil {
			return err
		}
		var elem *prop
		switch p.kind {
		case kindStrings:
			elem = &prop{name: p.name, kind: kindString, ops: p.ops}
		case kindObjects:
			elem = &prop{name: p.name, kind: kindObject, sub: p.sub}
		default:
			return badRequest("any() applies to a collection; %s is not one", n.coll.name())
		}
		if p.kind == kindStrings && p.ops == 0 {
			return unsupported("property %s does not support $filter", n.coll.name())
		}
		if n.body == nil {
			return unsupported("%s/any() needs a condition, as in %s/any(t: t eq 'value')", n.coll.name(), n.coll.name())
		}
		return c.cond(n.body, &elemScope{name: n.v, elem: elem, coll: p, up: sc})
	case *memberNode:
		p, _, err := c.member(n, sc)
		if err != nil {
			return err
		}
		if p.kind != kindBool {
			return badRequest("%s is not a boolean, so it cannot stand alone as a condition", n.name())
		}
		return unsupported("property %s does not support $filter", n.name())
	}
	return badRequest("unexpected filter node %T", n)
}

func (c *checker) comparison(n *cmpNode, sc *elemScope) error {
	p, coll, err := c.member(n.left, sc)
	if err != nil {
		return err
	}
	name := n.left.name()
	switch p.kind {
	case kindStrings, kindObjects:
		return badRequest("%s is a collection: test its members with %s/any(t: t eq 'value')", name, name)
	case kindObject:
		return badRequest("%s is a complex type: compare one of its properties, such as status/errorCode", name)
	case kindOther:
		return unsupported("property %s does not support $filter", name)
	}
	if p.ops == 0 {
		return unsupported("property %s does not support $filter", name)
	}
	if p.ops&opNames[n.op] == 0 {
		return unsupportedOp(n.op, name, p)
	}
	lit := n.right
	okType := false
	switch p.kind {
	case kindString:
		okType = lit.kind == litString || (lit.kind == litNull && (n.op == "eq" || n.op == "ne"))
	case kindInt:
		okType = lit.kind == litInt && lit.i >= -1<<31 && lit.i < 1<<31
	case kindBool:
		okType = lit.kind == litBool
	case kindTime:
		okType = lit.kind == litTime
	}
	if !okType {
		return badRequest("A binary operator with incompatible types was detected. Found operand types '%s' and '%s' for operator kind '%s' (%s)",
			edmName(p.kind), lit.edmName(), opKindNames[n.op], name)
	}
	if coll != nil && strings.EqualFold(coll.name, "signInEventTypes") && lit.kind == litString {
		c.eventTypes = append(c.eventTypes, lit.s)
	}
	return nil
}

// member resolves m against the signIn schema of c.v. It returns the
// property, and for a lambda variable the collection it ranges over.
func (c *checker) member(m *memberNode, sc *elemScope) (*prop, *prop, error) {
	var cur, coll *prop
	path := m.path
	if m.variable != "" {
		for s := sc; s != nil; s = s.up {
			if s.name == m.variable {
				cur, coll = s.elem, s.coll
				break
			}
		}
		if cur == nil {
			return nil, nil, badRequest("lambda variable %s is not in scope", m.variable)
		}
	} else {
		if sc != nil {
			return nil, nil, unsupported("the condition inside any() may only use its variable %s, not %s", sc.name, m.name())
		}
		cur = lookupProp(c.root, path[0], c.v)
		if cur == nil {
			return nil, nil, badRequest("Could not find a property named '%s' on type '%s'", path[0], c.typeName)
		}
		path = path[1:]
	}
	for _, seg := range path {
		if cur.sub == nil || cur.kind == kindObjects {
			return nil, nil, badRequest("%s has no property %s: it is not an object", cur.name, seg)
		}
		next := lookupProp(cur.sub, seg, c.v)
		if next == nil {
			return nil, nil, badRequest("Could not find a property named '%s' on type '%s'", seg, complexTypeNames[cur.name])
		}
		cur = next
	}
	return cur, coll, nil
}

func unsupportedOp(op, name string, p *prop) error {
	var ok []string
	for _, o := range []string{"eq", "ne", "gt", "ge", "lt", "le"} {
		if p.ops&opNames[o] != 0 {
			ok = append(ok, o)
		}
	}
	if p.ops&opStartsWith != 0 {
		ok = append(ok, "startswith")
	}
	return unsupported("operator %s is not supported on property %s (it supports %s)", op, name, strings.Join(ok, ", "))
}

var opKindNames = map[string]string{
	"eq": "Equal", "ne": "NotEqual", "gt": "GreaterThan", "ge": "GreaterThanOrEqual", "lt": "LessThan", "le": "LessThanOrEqual",
}

func edmName(k kind) string {
	switch k {
	case kindString:
		return "Edm.String"
	case kindInt:
		return "Edm.Int32"
	case kindBool:
		return "Edm.Boolean"
	case kindTime:
		return "Edm.DateTimeOffset"
	}
	return "Edm.Untyped"
}

func (l literal) edmName() string {
	switch l.kind {
	case litString:
		return "Edm.String"
	case litInt:
		if l.i >= -1<<31 && l.i < 1<<31 {
			return "Edm.Int32"
		}
		return "Edm.Int64"
	case litBool:
		return "Edm.Boolean"
	case litTime:
		if !strings.ContainsAny(l.s, "Tt") {
			return "Edm.Date"
		}
		return "Edm.DateTimeOffset"
	}
	return "<null>"
}

// selectable reports whether name is a property of signIn in v, and returns
// its canonical spelling.
func selectable(name string, v Version) (string, bool) {
	p := lookupProp(signInProps, name, v)
	if p == nil {
		return "", false
	}
	return p.name, true
}

// v1Keep lists, for v1.0 responses, the members each complex property keeps;
// beta-only members (deviceDetail/browserId, the CA policy condition details)
// are dropped. Properties not listed keep their value whole.
var v1Keep = map[string]map[string]*prop{
	"status":                           statusProps,
	"deviceDetail":                     deviceProps,
	"location":                         locationProps,
	"appliedConditionalAccessPolicies": caPolicyProps,
}
