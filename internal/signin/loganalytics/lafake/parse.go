package lafake

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/entra-signin-mcp/entra-signin-mcp/internal/signin/loganalytics/kql"
)

// The AST of the KQL subset: a tabular source and a pipe of operators.

type query struct {
	src  source
	ops  []operator
	text string // for error positions
}

// source is a table name or a union of legs.
type source struct {
	pos        int
	table      string // a plain table, when not a union
	union      bool
	fuzzy      bool
	withsource string
	legs       []leg
}

// leg is one argument of a union: a table or a bracketed subquery.
type leg struct {
	table string
	sub   *query
	pos   int
}

type operator interface{ opName() string }

type whereOp struct{ cond expr }
type projectOp struct{ items []namedExpr }
type projectAwayOp struct{ names []string }
type extendOp struct{ items []namedExpr }
type summarizeOp struct {
	aggs []aggItem
	by   []namedExpr
}

// sortOp is sort, order and top (top is a sort with a limit).
type sortOp struct {
	name  string
	keys  []sortKey
	limit int // -1: none
}
type takeOp struct{ n int }

func (whereOp) opName() string       { return "where" }
func (projectOp) opName() string     { return "project" }
func (projectAwayOp) opName() string { return "project-away" }
func (extendOp) opName() string      { return "extend" }
func (summarizeOp) opName() string   { return "summarize" }
func (o sortOp) opName() string      { return o.name }
func (takeOp) opName() string        { return "take" }

type namedExpr struct {
	name string // "" when the expression names itself (a column)
	e    expr
}

type sortKey struct {
	e          expr
	desc       bool
	nullsFirst bool
}

// aggItem is one aggregation of summarize: Name = fn(args); star is
// arg_max(X, *).
type aggItem struct {
	name string
	fn   string
	args []expr
	star bool
	pos  int
}

type expr interface{ position() int }

type identExpr struct {
	name string
	pos  int
}

// litExpr is a literal: v is a string, int64, float64, bool, time.Time or
// nil (a typed null), typ its type.
type litExpr struct {
	v   any
	typ string
	pos int
}

type binaryExpr struct {
	op   string // lower-cased: and, or, ==, !=, =~, !~, <, <=, >, >=, contains, !contains, startswith, !startswith, has, !has
	l, r expr
	pos  int
}

// inExpr is in and !in, and their case-insensitive forms in~ and !in~
// (ci), which compare strings as =~ does.
type inExpr struct {
	neg  bool
	ci   bool
	l    expr
	list []expr
	pos  int
}

type callExpr struct {
	fn   string // lower-cased
	args []expr
	pos  int
}

func (e identExpr) position() int  { return e.pos }
func (e litExpr) position() int    { return e.pos }
func (e binaryExpr) position() int { return e.pos }
func (e inExpr) position() int     { return e.pos }
func (e callExpr) position() int   { return e.pos }

// parser reads tokens of kql.Tokenize.
type parser struct {
	toks []kql.Token
	i    int
	text string
}

// parse reads a whole query.
func parse(text string) (*query, error) {
	toks, err := kql.Tokenize(text)
	if err != nil {
		return nil, syntaxError("%s", strings.TrimPrefix(err.Error(), "kql: "))
	}
	p := &parser{toks: toks, text: text}
	if p.isWord("let") || p.isWord("set") || p.isWord("declare") {
		return nil, p.unsupported("statement '" + p.peek().Text + "'")
	}
	q, err := p.query()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.Kind != kql.KindEOF {
		if t.Text == ";" {
			return nil, p.unsupported("several statements")
		}
		return nil, p.errAt(t, "unexpected %q", t.Text)
	}
	return q, nil
}

func (p *parser) peek() kql.Token { return p.toks[p.i] }

// peekAt returns the token k after the next one (EOF past the end).
func (p *parser) peekAt(k int) kql.Token {
	if p.i+k < len(p.toks) {
		return p.toks[p.i+k]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) next() kql.Token {
	t := p.toks[p.i]
	if t.Kind != kql.KindEOF {
		p.i++
	}
	return t
}

// isOp reports whether the next token is the operator op.
func (p *parser) isOp(op string) bool {
	t := p.peek()
	return t.Kind == kql.KindOperator && t.Text == op
}

// isWord reports whether the next token is the identifier w (any case, as
// KQL keywords are case-sensitive but we only look for lower-case ones).
func (p *parser) isWord(w string) bool {
	t := p.peek()
	return t.Kind == kql.KindIdent && t.Text == w
}

func (p *parser) expectOp(op string) error {
	if !p.isOp(op) {
		return p.errAt(p.peek(), "want %q", op)
	}
	p.next()
	return nil
}

func (p *parser) expectWord(w string) error {
	if !p.isWord(w) {
		return p.errAt(p.peek(), "want %q", w)
	}
	p.next()
	return nil
}

// line and column of a byte offset, as the service reports them.
func (p *parser) where(pos int) string {
	line, col := 1, 1
	for i := 0; i < pos && i < len(p.text); i++ {
		if p.text[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Sprintf("[%d,%d]", line, col)
}

func (p *parser) errAt(t kql.Token, format string, args ...any) error {
	what := t.Text
	if t.Kind == kql.KindEOF {
		what = "<EOF>"
	}
	return syntaxError("Query could not be parsed at '%s' on line %s: %s", what, p.where(t.Pos), fmt.Sprintf(format, args...))
}

func (p *parser) unsupported(what string) error {
	return semanticError("lafake does not evaluate %s (it evaluates the KQL subset of internal/signin/loganalytics/kql)", what)
}

func (p *parser) query() (*query, error) {
	q := &query{text: p.text}
	src, err := p.source()
	if err != nil {
		return nil, err
	}
	q.src = src
	for p.isOp("|") {
		p.next()
		op, err := p.operator()
		if err != nil {
			return nil, err
		}
		q.ops = append(q.ops, op)
	}
	return q, nil
}

func (p *parser) ident() (string, error) {
	t := p.peek()
	if t.Kind != kql.KindIdent {
		return "", p.errAt(t, "want a name")
	}
	p.next()
	return t.Text, nil
}

func (p *parser) source() (source, error) {
	t := p.peek()
	if t.Kind != kql.KindIdent {
		return source{}, p.errAt(t, "want a table or union")
	}
	if t.Text != "union" {
		p.next()
		if p.isOp("(") {
			return source{}, p.unsupported("the tabular function " + t.Text + "()")
		}
		return source{pos: t.Pos, table: t.Text}, nil
	}
	p.next()
	src := source{pos: t.Pos, union: true}
	// Parameters: isfuzzy=true|false, withsource=Name; kind= is refused.
	for {
		t := p.peek()
		if t.Kind != kql.KindIdent || p.peekAt(1).Text != "=" {
			break
		}
		p.next()
		p.next()
		switch t.Text {
		case "isfuzzy":
			v := p.next()
			switch v.Text {
			case "true":
				src.fuzzy = true
			case "false":
			default:
				return source{}, p.errAt(v, "isfuzzy wants true or false")
			}
		case "withsource":
			name, err := p.ident()
			if err != nil {
				return source{}, err
			}
			src.withsource = name
		default:
			return source{}, p.unsupported("union parameter " + t.Text)
		}
	}
	for {
		t := p.peek()
		switch {
		case t.Kind == kql.KindOperator && t.Text == "(":
			p.next()
			sub, err := p.query()
			if err != nil {
				return source{}, err
			}
			if err := p.expectOp(")"); err != nil {
				return source{}, err
			}
			src.legs = append(src.legs, leg{sub: sub, pos: t.Pos})
		case t.Kind == kql.KindIdent:
			p.next()
			if strings.ContainsAny(t.Text, "*") {
				return source{}, p.unsupported("table wildcards")
			}
			src.legs = append(src.legs, leg{table: t.Text, pos: t.Pos})
		default:
			return source{}, p.errAt(t, "want a table or a bracketed query")
		}
		if !p.isOp(",") {
			break
		}
		p.next()
	}
	return src, nil
}

func (p *parser) operator() (operator, error) {
	t := p.next()
	if t.Kind != kql.KindIdent {
		return nil, p.errAt(t, "want an operator after '|'")
	}
	switch t.Text {
	case "where", "filter":
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		return whereOp{cond: e}, nil
	case "project":
		items, err := p.namedList()
		if err != nil {
			return nil, err
		}
		return projectOp{items: items}, nil
	case "extend":
		items, err := p.namedList()
		if err != nil {
			return nil, err
		}
		return extendOp{items: items}, nil
	case "project-away":
		var names []string
		for {
			n, err := p.ident()
			if err != nil {
				return nil, err
			}
			names = append(names, n)
			if !p.isOp(",") {
				break
			}
			p.next()
		}
		return projectAwayOp{names: names}, nil
	case "summarize":
		return p.summarize()
	case "sort", "order":
		if err := p.expectWord("by"); err != nil {
			return nil, err
		}
		keys, err := p.sortKeys()
		if err != nil {
			return nil, err
		}
		return sortOp{name: t.Text, keys: keys, limit: -1}, nil
	case "top":
		n, err := p.count()
		if err != nil {
			return nil, err
		}
		if err := p.expectWord("by"); err != nil {
			return nil, err
		}
		keys, err := p.sortKeys()
		if err != nil {
			return nil, err
		}
		return sortOp{name: "top", keys: keys, limit: n}, nil
	case "take", "limit":
		n, err := p.count()
		if err != nil {
			return nil, err
		}
		return takeOp{n: n}, nil
	}
	return nil, p.unsupported("the operator '" + t.Text + "'")
}

// count reads a non-negative integer literal.
func (p *parser) count() (int, error) {
	t := p.next()
	n, err := strconv.Atoi(t.Text)
	if t.Kind != kql.KindNumber || err != nil || n < 0 {
		return 0, p.errAt(t, "want a row count")
	}
	return n, nil
}

func (p *parser) namedList() ([]namedExpr, error) {
	var out []namedExpr
	for {
		var ne namedExpr
		if t := p.peek(); t.Kind == kql.KindIdent && p.peekAt(1).Text == "=" {
			p.next()
			p.next()
			ne.name = t.Text
		}
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		ne.e = e
		out = append(out, ne)
		if !p.isOp(",") {
			return out, nil
		}
		p.next()
	}
}

func (p *parser) sortKeys() ([]sortKey, error) {
	var out []sortKey
	for {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		k := sortKey{e: e, desc: true} // KQL sorts descending by default
		switch {
		case p.isWord("asc"):
			p.next()
			k.desc = false
		case p.isWord("desc"):
			p.next()
		}
		k.nullsFirst = !k.desc
		if p.isWord("nulls") {
			p.next()
			switch w := p.next(); w.Text {
			case "first":
				k.nullsFirst = true
			case "last":
				k.nullsFirst = false
			default:
				return nil, p.errAt(w, "want first or last")
			}
		}
		out = append(out, k)
		if !p.isOp(",") {
			return out, nil
		}
		p.next()
	}
}

// aggregates are the aggregation functions summarize evaluates, with their
// argument counts.
var aggregates = map[string][2]int{
	"count": {0, 0}, "countif": {1, 1}, "dcount": {1, 2}, "dcountif": {2, 3},
	"min": {1, 1}, "max": {1, 1}, "arg_max": {2, 2}, "arg_min": {2, 2},
}

func (p *parser) summarize() (operator, error) {
	var op summarizeOp
	for !p.isWord("by") && p.peek().Kind != kql.KindEOF && !p.isOp("|") {
		var a aggItem
		if t := p.peek(); t.Kind == kql.KindIdent && p.peekAt(1).Text == "=" {
			p.next()
			p.next()
			a.name = t.Text
		}
		t := p.next()
		if t.Kind != kql.KindIdent || !p.isOp("(") {
			return nil, p.errAt(t, "want an aggregation function call")
		}
		a.fn, a.pos = t.Text, t.Pos
		n, ok := aggregates[a.fn]
		if !ok {
			return nil, p.unsupported("the aggregation function '" + t.Text + "'")
		}
		p.next()
		for !p.isOp(")") {
			if (a.fn == "arg_max" || a.fn == "arg_min") && len(a.args) == 1 && p.isOp("*") {
				p.next()
				a.star = true
				a.args = append(a.args, nil)
			} else {
				e, err := p.expr()
				if err != nil {
					return nil, err
				}
				a.args = append(a.args, e)
			}
			if !p.isOp(",") {
				break
			}
			p.next()
		}
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
		if len(a.args) < n[0] || len(a.args) > n[1] {
			return nil, semanticError("%s() takes %d to %d arguments, got %d", a.fn, n[0], n[1], len(a.args))
		}
		if (a.fn == "arg_max" || a.fn == "arg_min") && !a.star {
			return nil, p.unsupported(a.fn + " without *")
		}
		op.aggs = append(op.aggs, a)
		if !p.isOp(",") {
			break
		}
		p.next()
	}
	if p.isWord("by") {
		p.next()
		by, err := p.namedList()
		if err != nil {
			return nil, err
		}
		op.by = by
	}
	// summarize by A, B with no aggregation is a distinct of A, B; with
	// neither there is nothing to summarize.
	if len(op.aggs) == 0 && len(op.by) == 0 {
		return nil, p.errAt(p.peek(), "summarize wants an aggregation or a by clause")
	}
	return op, nil
}

// Expressions, loosest first: or, and, comparison, unary.

func (p *parser) expr() (expr, error) { return p.or() }

func (p *parser) or() (expr, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.isWord("or") {
		t := p.next()
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = binaryExpr{op: "or", l: l, r: r, pos: t.Pos}
	}
	return l, nil
}

func (p *parser) and() (expr, error) {
	l, err := p.comparison()
	if err != nil {
		return nil, err
	}
	for p.isWord("and") {
		t := p.next()
		r, err := p.comparison()
		if err != nil {
			return nil, err
		}
		l = binaryExpr{op: "and", l: l, r: r, pos: t.Pos}
	}
	return l, nil
}

// comparisonOps are the binary operators of the subset, besides in and !in.
var comparisonOps = map[string]bool{
	"==": true, "!=": true, "=~": true, "!~": true, "<": true, "<=": true, ">": true, ">=": true,
	"contains": true, "!contains": true, "startswith": true, "!startswith": true, "has": true, "!has": true,
}

// unsupportedStringOps are KQL string operators the subset leaves out.
var unsupportedStringOps = map[string]bool{
	"contains_cs": true, "!contains_cs": true, "startswith_cs": true, "!startswith_cs": true, "endswith": true,
	"!endswith": true, "endswith_cs": true, "!endswith_cs": true, "has_cs": true, "!has_cs": true, "hasprefix": true,
	"!hasprefix": true, "hassuffix": true, "!hassuffix": true, "matches": true,
	"has_any": true, "has_all": true, "between": true, "!between": true, "like": true, "notlike": true, "<>": true,
}

func (p *parser) comparison() (expr, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	op := t.Text
	switch {
	case t.Kind == kql.KindOperator && comparisonOps[op], t.Kind == kql.KindIdent && comparisonOps[op]:
		p.next()
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		return binaryExpr{op: op, l: l, r: r, pos: t.Pos}, nil
	case (t.Kind == kql.KindIdent && op == "in") || (t.Kind == kql.KindOperator && (op == "!in" || op == "!in~")):
		p.next()
		in := inExpr{neg: op != "in", ci: op == "!in~", l: l, pos: t.Pos}
		// The tokenizer reads in~ as the name in and the operator ~ (but
		// !in~ as one operator): the two written together are one operator.
		if op == "in" && p.isOp("~") && p.peek().Pos == t.Pos+len("in") {
			p.next()
			in.ci = true
		}
		if err := p.expectOp("("); err != nil {
			return nil, err
		}
		for {
			e, err := p.unary()
			if err != nil {
				return nil, err
			}
			in.list = append(in.list, e)
			if !p.isOp(",") {
				break
			}
			p.next()
		}
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
		return in, nil
	case unsupportedStringOps[op] || (t.Kind == kql.KindIdent && unsupportedStringOps[op+p.peekAt(1).Text]):
		return nil, p.unsupported("the operator '" + op + "'")
	case t.Kind == kql.KindOperator && strings.ContainsAny(op, "+-*/%") && len(op) == 1:
		return nil, p.unsupported("arithmetic ('" + op + "')")
	case t.Kind == kql.KindOperator && op == ".":
		return nil, p.unsupported("dynamic property access")
	case t.Kind == kql.KindOperator && op == "[":
		return nil, p.unsupported("dynamic indexing")
	}
	return l, nil
}

func (p *parser) unary() (expr, error) {
	t := p.next()
	switch t.Kind {
	case kql.KindString:
		return litExpr{v: t.Value, typ: typeString, pos: t.Pos}, nil
	case kql.KindNumber:
		if n, err := strconv.ParseInt(t.Text, 10, 64); err == nil {
			return litExpr{v: n, typ: typeLong, pos: t.Pos}, nil
		}
		if f, err := strconv.ParseFloat(t.Text, 64); err == nil {
			return litExpr{v: f, typ: typeReal, pos: t.Pos}, nil
		}
		return nil, p.unsupported("the literal " + t.Text)
	case kql.KindLiteral:
		return p.typedLiteral(t)
	case kql.KindOperator:
		switch t.Text {
		case "(":
			e, err := p.expr()
			if err != nil {
				return nil, err
			}
			if err := p.expectOp(")"); err != nil {
				return nil, err
			}
			return e, nil
		case "-":
			return nil, p.unsupported("arithmetic ('-')")
		}
		return nil, p.errAt(t, "want an expression")
	case kql.KindIdent:
		switch t.Text {
		case "true":
			return litExpr{v: true, typ: typeBool, pos: t.Pos}, nil
		case "false":
			return litExpr{v: false, typ: typeBool, pos: t.Pos}, nil
		case "dynamic":
			return nil, p.unsupported("dynamic literals")
		}
		if !p.isOp("(") {
			return identExpr{name: t.Text, pos: t.Pos}, nil
		}
		p.next()
		call := callExpr{fn: t.Text, pos: t.Pos}
		for !p.isOp(")") {
			e, err := p.expr()
			if err != nil {
				return nil, err
			}
			call.args = append(call.args, e)
			if !p.isOp(",") {
				break
			}
			p.next()
		}
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
		return call, nil
	}
	return nil, p.errAt(t, "want an expression")
}

// typedLiteral reads datetime(...) and bool(...), with null.
func (p *parser) typedLiteral(t kql.Token) (expr, error) {
	kind := strings.ToLower(t.Text[:strings.IndexByte(t.Text, '(')])
	kind = strings.TrimSpace(kind)
	v := t.Value
	switch kind {
	case "datetime":
		if v == "null" {
			return litExpr{v: nil, typ: typeDateTime, pos: t.Pos}, nil
		}
		tm, err := parseDateTime(v)
		if err != nil {
			return nil, syntaxError("Query could not be parsed at '%s' on line %s: not a datetime", t.Text, p.where(t.Pos))
		}
		return litExpr{v: tm, typ: typeDateTime, pos: t.Pos}, nil
	case "bool", "boolean":
		switch strings.ToLower(v) {
		case "null":
			return litExpr{v: nil, typ: typeBool, pos: t.Pos}, nil
		case "true":
			return litExpr{v: true, typ: typeBool, pos: t.Pos}, nil
		case "false":
			return litExpr{v: false, typ: typeBool, pos: t.Pos}, nil
		}
		return nil, syntaxError("Query could not be parsed at '%s' on line %s: not a bool", t.Text, p.where(t.Pos))
	}
	return nil, p.unsupported("the literal " + t.Text)
}

// parseDateTime reads the datetime forms the subset writes (ISO 8601 in UTC,
// with or without fraction, Z or not).
func parseDateTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999", "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a datetime: %q", s)
}
