package graphfake

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Bounds on a $filter, so that no input can make the parser or the evaluator
// run long: its length in bytes, and how deeply parentheses, not, startswith
// and any() may nest.
const (
	MaxFilterLength = 16 << 10
	MaxFilterDepth  = 32
)

// Quote renders s as an OData string literal: s between single quotes, with
// each single quote inside it doubled. The result still needs URL encoding,
// which the HTTP client does.
func Quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Expr is a parsed $filter: a tree of conditions over a sign-in's properties.
// The zero Expr is the empty filter and matches every object.
type Expr struct {
	root node
}

// node is one condition or operand of an Expr.
type node interface{ render(b *strings.Builder) }

// logicalNode is "a and b and c" or "a or b or c" (flattened, so a long chain
// does not nest).
type logicalNode struct {
	op    string // "and" or "or"
	terms []node
}

// notNode is "not x".
type notNode struct{ x node }

// cmpNode is "property op literal".
type cmpNode struct {
	op    string // eq ne gt ge lt le
	left  *memberNode
	right literal
}

// startsWithNode is "startswith(property, 'prefix')".
type startsWithNode struct {
	arg    *memberNode
	prefix string
}

// lambdaNode is "collection/any(v: body)"; body is nil for "collection/any()".
type lambdaNode struct {
	coll *memberNode
	v    string
	body node
}

// memberNode is a property path such as status/errorCode; when variable is
// set, the path starts at that lambda variable instead of the sign-in.
type memberNode struct {
	variable string
	path     []string
	pos      int
}

// litKind is the type of a literal.
type litKind int

const (
	litString litKind = iota
	litInt
	litBool
	litNull
	litTime
)

// literal is a constant operand.
type literal struct {
	kind litKind
	s    string // litString: the value; litTime: the source text
	i    int64
	b    bool
	t    time.Time
}

// keywords that cannot be property names or lambda variables.
var keywords = map[string]bool{
	"and": true, "or": true, "not": true, "eq": true, "ne": true, "gt": true, "ge": true, "lt": true, "le": true,
	"true": true, "false": true, "null": true, "has": true, "in": true,
	"add": true, "sub": true, "mul": true, "div": true, "divby": true, "mod": true,
}

// unsupportedOps are OData operators Graph does not accept on sign-ins.
var unsupportedOps = map[string]bool{"has": true, "in": true, "add": true, "sub": true, "mul": true, "div": true, "divby": true, "mod": true}

// odataFunctions are the OData built-in functions other than startswith, all
// refused by Graph's sign-in filter.
var odataFunctions = map[string]bool{
	"contains": true, "endswith": true, "indexof": true, "length": true, "substring": true, "tolower": true,
	"toupper": true, "trim": true, "concat": true, "year": true, "month": true, "day": true, "hour": true,
	"minute": true, "second": true, "fractionalseconds": true, "totalseconds": true, "date": true, "time": true,
	"totaloffsetminutes": true, "now": true, "maxdatetime": true, "mindatetime": true, "round": true,
	"floor": true, "ceiling": true, "cast": true, "isof": true, "matchespattern": true, "any": true, "all": true,
}

// Parse parses a $filter in the subset of OData that Graph accepts on
// /auditLogs/signIns: and, or, not, parentheses; property eq|ne|gt|ge|lt|le
// literal; startswith(property, 'prefix'); collection/any(x: condition);
// property paths such as status/errorCode; and literals: strings in single
// quotes (a quote inside doubled, as Quote writes it), integers, true, false, null and unquoted date-times such as
// 2025-01-09T00:00:00Z. Comparisons put the property on the left and a
// literal on the right, as Graph requires. Keywords are lower case; function
// names are case-insensitive (startsWith and startswith).
//
// Parse checks the syntax only; Supported checks the properties and
// operators against what one Graph version allows. A filter longer than
// MaxFilterLength bytes or nested deeper than MaxFilterDepth is an error.
func Parse(filter string) (Expr, error) {
	if len(filter) > MaxFilterLength {
		return Expr{}, fmt.Errorf("filter is %d bytes long; at most %d are accepted", len(filter), MaxFilterLength)
	}
	toks, err := lex(filter)
	if err != nil {
		return Expr{}, err
	}
	p := &parser{toks: toks}
	if p.peek().typ == tokEOF {
		return Expr{}, errors.New("filter is empty")
	}
	root, err := p.parseOr()
	if err != nil {
		return Expr{}, err
	}
	if t := p.peek(); t.typ != tokEOF {
		return Expr{}, p.unexpected(t, "an operator, and, or, or the end of the filter")
	}
	if err := condition(root); err != nil {
		return Expr{}, err
	}
	return Expr{root: root}, nil
}

// String renders e in canonical form: single spaces, parentheses only where
// needed, lower-case startswith, literals re-quoted. Parse(e.String()) gives back an
// equal Expr.
func (e Expr) String() string {
	if e.root == nil {
		return ""
	}
	var b strings.Builder
	e.root.render(&b)
	return b.String()
}

// IsZero reports whether e is the empty filter.
func (e Expr) IsZero() bool { return e.root == nil }

type parser struct {
	toks  []token
	i     int
	depth int
	vars  []string // lambda variables in scope, innermost last
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.typ != tokEOF {
		p.i++
	}
	return t
}

func (p *parser) isKeyword(word string) bool {
	t := p.peek()
	return t.typ == tokIdent && t.text == word
}

func (p *parser) enter(pos int) error {
	p.depth++
	if p.depth > MaxFilterDepth {
		return fmt.Errorf("filter nests deeper than %d levels at position %d", MaxFilterDepth, pos)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

func (p *parser) unexpected(t token, want string) error {
	if lower := strings.ToLower(t.text); t.typ == tokIdent && lower != t.text && keywords[lower] {
		return fmt.Errorf("%q at position %d must be written in lower case", t.text, t.pos)
	}
	return fmt.Errorf("unexpected %s at position %d: expected %s", t.describe(), t.pos, want)
}

func (p *parser) expect(typ tokType, what string) (token, error) {
	t := p.next()
	if t.typ != typ {
		return t, p.unexpected(t, what)
	}
	return t, nil
}

func (p *parser) parseOr() (node, error) { return p.parseLogical("or", p.parseAnd) }

func (p *parser) parseAnd() (node, error) { return p.parseLogical("and", p.parseComparison) }

func (p *parser) parseLogical(op string, operand func() (node, error)) (node, error) {
	first, err := operand()
	if err != nil {
		return nil, err
	}
	terms := []node{first}
	for p.isKeyword(op) {
		p.next()
		t, err := operand()
		if err != nil {
			return nil, err
		}
		terms = append(terms, t)
	}
	if len(terms) == 1 {
		return first, nil
	}
	for _, t := range terms {
		if err := condition(t); err != nil {
			return nil, fmt.Errorf("operand of %s: %w", op, err)
		}
	}
	return &logicalNode{op: op, terms: terms}, nil
}

func (p *parser) parseComparison() (node, error) {
	left, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	if t.typ != tokIdent {
		return left, nil
	}
	if unsupportedOps[t.text] {
		return nil, fmt.Errorf("operator %q at position %d is not supported on signIns (use eq, ne, gt, ge, lt, le, startswith, any)", t.text, t.pos)
	}
	if _, ok := opNames[t.text]; !ok {
		if t.text == "and" || t.text == "or" {
			return left, nil
		}
		if _, ok := opNames[strings.ToLower(t.text)]; ok {
			return nil, fmt.Errorf("operator %q at position %d must be written in lower case", t.text, t.pos)
		}
		return nil, p.unexpected(t, "an operator (eq, ne, gt, ge, lt, le), and, or")
	}
	p.next()
	right, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	m, ok := left.(*memberNode)
	if !ok {
		if _, lit := left.(*literalNode); lit {
			if _, mem := right.(*memberNode); mem {
				return nil, fmt.Errorf("comparison at position %d: put the property on the left (property %s literal)", t.pos, t.text)
			}
		}
		return nil, fmt.Errorf("left operand of %s at position %d must be a property (to negate a comparison, write not (a eq b))", t.text, t.pos)
	}
	lit, ok := right.(*literalNode)
	if !ok {
		return nil, fmt.Errorf("right operand of %s at position %d must be a literal such as 'text', 42, true, null or 2025-01-09T00:00:00Z", t.text, t.pos)
	}
	if n := p.peek(); n.typ == tokIdent && opNames[n.text] != 0 {
		return nil, fmt.Errorf("comparisons cannot be chained: %s at position %d follows a comparison", n.text, n.pos)
	}
	return &cmpNode{op: t.text, left: m, right: lit.lit}, nil
}

func (p *parser) parseUnary() (node, error) {
	if p.isKeyword("not") {
		t := p.next()
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		if err := condition(x); err != nil {
			return nil, fmt.Errorf("operand of not at position %d: %w", t.pos, err)
		}
		return &notNode{x: x}, nil
	}
	return p.parsePrimary()
}

// literalNode carries a literal through the parser; it never survives into a
// finished Expr (condition rejects it), only into a cmpNode.
type literalNode struct{ lit literal }

func (n *literalNode) render(b *strings.Builder) { n.lit.render(b) }

func (p *parser) parsePrimary() (node, error) {
	t := p.next()
	switch t.typ {
	case tokLParen:
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tokRParen, "')' to close the '(' at position "+strconv.Itoa(t.pos)); err != nil {
			return nil, err
		}
		return x, nil
	case tokString:
		return &literalNode{lit: literal{kind: litString, s: t.text}}, nil
	case tokInt:
		return &literalNode{lit: literal{kind: litInt, i: t.i}}, nil
	case tokTime:
		return &literalNode{lit: literal{kind: litTime, s: t.text, t: t.t}}, nil
	case tokIdent:
		switch t.text {
		case "true", "false":
			return &literalNode{lit: literal{kind: litBool, b: t.text == "true"}}, nil
		case "null":
			return &literalNode{lit: literal{kind: litNull}}, nil
		}
		if keywords[t.text] {
			return nil, p.unexpected(t, "a property, a literal, not, startswith or '('")
		}
		if p.peek().typ == tokLParen {
			return p.parseFunction(t)
		}
		return p.parseMember(t)
	}
	return nil, p.unexpected(t, "a property, a literal, not, startswith or '('")
}

func (p *parser) parseFunction(name token) (node, error) {
	fn := strings.ToLower(name.text)
	if fn != "startswith" {
		if odataFunctions[fn] {
			return nil, fmt.Errorf("function %s at position %d is not supported on signIns (startswith is)", name.text, name.pos)
		}
		return nil, fmt.Errorf("unknown function %s at position %d", name.text, name.pos)
	}
	if err := p.enter(name.pos); err != nil {
		return nil, err
	}
	defer p.leave()
	p.next() // (
	arg, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tokComma, "',' between the arguments of startswith"); err != nil {
		return nil, err
	}
	prefix, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tokRParen, "')' to close startswith"); err != nil {
		return nil, err
	}
	m, ok := arg.(*memberNode)
	if !ok {
		return nil, fmt.Errorf("first argument of startswith at position %d must be a property", name.pos)
	}
	lit, ok := prefix.(*literalNode)
	if !ok || lit.lit.kind != litString {
		return nil, fmt.Errorf("second argument of startswith at position %d must be a string literal", name.pos)
	}
	return &startsWithNode{arg: m, prefix: lit.lit.s}, nil
}

func (p *parser) parseMember(first token) (node, error) {
	m := &memberNode{pos: first.pos}
	if p.inScope(first.text) {
		m.variable = first.text
	} else {
		m.path = []string{first.text}
	}
	for p.peek().typ == tokSlash {
		p.next()
		seg, err := p.expect(tokIdent, "a property name after '/'")
		if err != nil {
			return nil, err
		}
		if p.peek().typ == tokLParen {
			switch strings.ToLower(seg.text) {
			case "any":
				return p.parseLambda(m, seg)
			case "all":
				return nil, fmt.Errorf("all() at position %d is not supported on signIns (any() is)", seg.pos)
			}
			return nil, fmt.Errorf("unexpected '(' after %s at position %d: only any() follows a collection", seg.text, seg.pos)
		}
		if keywords[seg.text] {
			return nil, p.unexpected(seg, "a property name after '/'")
		}
		m.path = append(m.path, seg.text)
	}
	return m, nil
}

func (p *parser) inScope(name string) bool {
	for _, v := range p.vars {
		if v == name {
			return true
		}
	}
	return false
}

func (p *parser) parseLambda(coll *memberNode, anyTok token) (node, error) {
	if err := p.enter(anyTok.pos); err != nil {
		return nil, err
	}
	defer p.leave()
	p.next() // (
	if p.peek().typ == tokRParen {
		p.next()
		return &lambdaNode{coll: coll}, nil
	}
	v, err := p.expect(tokIdent, "a lambda variable, as in any(t: t eq 'x')")
	if err != nil {
		return nil, err
	}
	if keywords[v.text] {
		return nil, fmt.Errorf("%s at position %d cannot be a lambda variable", v.text, v.pos)
	}
	if _, err := p.expect(tokColon, "':' after the lambda variable"); err != nil {
		return nil, err
	}
	p.vars = append(p.vars, v.text)
	body, err := p.parseOr()
	p.vars = p.vars[:len(p.vars)-1]
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tokRParen, "')' to close any("); err != nil {
		return nil, err
	}
	if err := condition(body); err != nil {
		return nil, fmt.Errorf("body of any() at position %d: %w", anyTok.pos, err)
	}
	return &lambdaNode{coll: coll, v: v.text, body: body}, nil
}

// condition checks that n can stand as a condition (a boolean): anything but
// a bare literal.
func condition(n node) error {
	if l, ok := n.(*literalNode); ok {
		var b strings.Builder
		l.render(&b)
		return fmt.Errorf("literal %s is not a condition (compare a property with it: property eq %s)", b.String(), b.String())
	}
	return nil
}

func (n *logicalNode) render(b *strings.Builder) {
	for i, t := range n.terms {
		if i > 0 {
			b.WriteString(" " + n.op + " ")
		}
		// An "and" inside an "or" needs no parentheses (and binds tighter);
		// the reverse does, and so does an explicit group of the same op.
		if inner, nested := t.(*logicalNode); nested && !(inner.op == "and" && n.op == "or") {
			b.WriteByte('(')
			t.render(b)
			b.WriteByte(')')
		} else {
			t.render(b)
		}
	}
}

func (n *notNode) render(b *strings.Builder) {
	// A comparison or an and/or group needs parentheses after not (not binds
	// tighter than eq); the input had them too, so the canonical form nests
	// no deeper than what was parsed.
	switch n.x.(type) {
	case *cmpNode, *logicalNode:
		b.WriteString("not (")
		n.x.render(b)
		b.WriteByte(')')
	default:
		b.WriteString("not ")
		n.x.render(b)
	}
}

func (n *cmpNode) render(b *strings.Builder) {
	n.left.render(b)
	b.WriteString(" " + n.op + " ")
	n.right.render(b)
}

func (n *startsWithNode) render(b *strings.Builder) {
	b.WriteString("startswith(")
	n.arg.render(b)
	b.WriteString(", " + Quote(n.prefix) + ")")
}

func (n *lambdaNode) render(b *strings.Builder) {
	n.coll.render(b)
	if n.body == nil {
		b.WriteString("/any()")
		return
	}
	b.WriteString("/any(" + n.v + ": ")
	n.body.render(b)
	b.WriteByte(')')
}

func (n *memberNode) render(b *strings.Builder) {
	parts := n.path
	if n.variable != "" {
		parts = append([]string{n.variable}, n.path...)
	}
	b.WriteString(strings.Join(parts, "/"))
}

func (l literal) render(b *strings.Builder) {
	switch l.kind {
	case litString:
		b.WriteString(Quote(l.s))
	case litInt:
		b.WriteString(strconv.FormatInt(l.i, 10))
	case litBool:
		b.WriteString(strconv.FormatBool(l.b))
	case litNull:
		b.WriteString("null")
	case litTime:
		b.WriteString(l.s)
	}
}
