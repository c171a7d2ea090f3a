package lafake

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// QueryError is the refusal of a query, as the service words it: Code is
// the inner error's code (SyntaxError or SemanticError), Message says what
// and where. The server answers it with 400 BadArgumentError.
type QueryError struct {
	Code    string
	Message string
}

// Error returns the code and message.
func (e *QueryError) Error() string { return e.Code + ": " + e.Message }

func syntaxError(format string, args ...any) error {
	return &QueryError{Code: "SyntaxError", Message: fmt.Sprintf(format, args...)}
}

func semanticError(format string, args ...any) error {
	return &QueryError{Code: "SemanticError", Message: fmt.Sprintf(format, args...)}
}

// Result is a query's answer: the columns and rows of PrimaryResult, with
// values as Row holds them.
type Result struct {
	Columns []Column
	Rows    [][]any
	// Skipped names the union legs on tables the workspace lacks, which a
	// fuzzy union leaves out.
	Skipped []string
}

// frame is a table in flight through the pipe.
type frame struct {
	cols       []Column
	rows       [][]any
	serialized bool // ordered: row_number and prev are allowed
}

func (f *frame) index(name string) int {
	for i, c := range f.cols {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// Evaluate runs query over tables (by name), as the service would after
// applying the API's timespan to them. It returns a *QueryError for a query
// outside the subset or wrong by KQL's rules.
func Evaluate(ctx context.Context, text string, tables map[string]*Table) (*Result, error) {
	q, err := parse(text)
	if err != nil {
		return nil, err
	}
	ev := &evaluator{ctx: ctx, tables: tables}
	f, err := ev.query(q)
	if err != nil {
		return nil, err
	}
	return &Result{Columns: f.cols, Rows: f.rows, Skipped: ev.skipped}, nil
}

// Table is a table of a workspace: its columns and rows (values as Row
// makes them).
type Table struct {
	Columns []Column
	Rows    [][]any
}

type evaluator struct {
	ctx     context.Context
	tables  map[string]*Table
	skipped []string
}

func (ev *evaluator) query(q *query) (*frame, error) {
	f, err := ev.source(q.src)
	if err != nil {
		return nil, err
	}
	for _, op := range q.ops {
		if err := ev.ctx.Err(); err != nil {
			return nil, err
		}
		if f, err = ev.operator(op, f); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (ev *evaluator) table(name string) (*frame, bool) {
	t, ok := ev.tables[name]
	if !ok {
		return nil, false
	}
	return &frame{cols: t.Columns, rows: t.Rows}, true
}

func (ev *evaluator) source(src source) (*frame, error) {
	if !src.union {
		f, ok := ev.table(src.table)
		if !ok {
			return nil, semanticError("Failed to resolve table or column expression named '%s'", src.table)
		}
		return f, nil
	}
	var legs []*frame
	var names []string
	for _, l := range src.legs {
		var f *frame
		var err error
		if l.sub != nil {
			var tableName string
			if l.sub.src.union {
				f, err = ev.query(l.sub)
			} else if _, ok := ev.tables[l.sub.src.table]; ok || !src.fuzzy {
				f, err = ev.query(l.sub)
				tableName = l.sub.src.table
			} else {
				ev.skipped = append(ev.skipped, l.sub.src.table)
				continue
			}
			if err != nil {
				return nil, err
			}
			names = append(names, cmp.Or(tableName, "union_arg"+strconv.Itoa(len(names))))
		} else {
			var ok bool
			if f, ok = ev.table(l.table); !ok {
				if src.fuzzy {
					ev.skipped = append(ev.skipped, l.table)
					continue
				}
				return nil, semanticError("Failed to resolve table or column expression named '%s'", l.table)
			}
			names = append(names, l.table)
		}
		legs = append(legs, f)
	}
	if len(legs) == 0 {
		return nil, semanticError("'union' operator: Failed to resolve table expression: none of its legs exists in the workspace (%s)", strings.Join(ev.skipped, ", "))
	}
	return unionFrames(legs, names, src.withsource), nil
}

// unionFrames merges legs by column name; a column whose type differs
// between legs becomes one column per type, named Name_type, as the
// service's union does (Status_dynamic, Status_string).
func unionFrames(legs []*frame, names []string, withsource string) *frame {
	type colTypes struct {
		name  string
		types []string
	}
	var order []*colTypes
	byName := map[string]*colTypes{}
	for _, f := range legs {
		for _, c := range f.cols {
			ct, ok := byName[c.Name]
			if !ok {
				ct = &colTypes{name: c.Name}
				byName[c.Name] = ct
				order = append(order, ct)
			}
			if !slices.Contains(ct.types, c.Type) {
				ct.types = append(ct.types, c.Type)
			}
		}
	}
	var out frame
	if withsource != "" {
		out.cols = append(out.cols, Column{Name: withsource, Type: typeString})
	}
	pos := map[[2]string]int{} // name, type -> output index
	for _, ct := range order {
		for _, t := range ct.types {
			name := ct.name
			if len(ct.types) > 1 {
				name += "_" + t
			}
			pos[[2]string{ct.name, t}] = len(out.cols)
			out.cols = append(out.cols, Column{Name: name, Type: t})
		}
	}
	for li, f := range legs {
		idx := make([]int, len(f.cols))
		for i, c := range f.cols {
			idx[i] = pos[[2]string{c.Name, c.Type}]
		}
		for _, r := range f.rows {
			row := make([]any, len(out.cols))
			for i, c := range out.cols {
				row[i] = zero(c.Type)
			}
			if withsource != "" {
				row[0] = names[li]
			}
			for i, v := range r {
				row[idx[i]] = v
			}
			out.rows = append(out.rows, row)
		}
	}
	return &out
}

// zero is a missing value of type t: "" for strings (KQL strings are never
// null), null otherwise.
func zero(t string) any {
	if t == typeString {
		return ""
	}
	return nil
}

func (ev *evaluator) operator(op operator, f *frame) (*frame, error) {
	switch o := op.(type) {
	case whereOp:
		return ev.where(o, f)
	case projectOp:
		return ev.project(o.items, f, false)
	case extendOp:
		return ev.project(o.items, f, true)
	case projectAwayOp:
		keep := make([]bool, len(f.cols))
		for i := range keep {
			keep[i] = true
		}
		for _, n := range o.names {
			i := f.index(n)
			if i < 0 {
				return nil, semanticError("project-away: Failed to resolve column named '%s'", n)
			}
			keep[i] = false
		}
		out := &frame{serialized: f.serialized}
		for i, c := range f.cols {
			if keep[i] {
				out.cols = append(out.cols, c)
			}
		}
		for _, r := range f.rows {
			row := make([]any, 0, len(out.cols))
			for i, v := range r {
				if keep[i] {
					row = append(row, v)
				}
			}
			out.rows = append(out.rows, row)
		}
		return out, nil
	case summarizeOp:
		return ev.summarize(o, f)
	case sortOp:
		return ev.sort(o, f)
	case takeOp:
		out := *f
		if len(out.rows) > o.n {
			out.rows = out.rows[:o.n]
		}
		return &out, nil
	}
	return nil, semanticError("lafake does not evaluate the operator '%s'", op.opName())
}

func (ev *evaluator) where(o whereOp, f *frame) (*frame, error) {
	cond, typ, err := bind(o.cond, f)
	if err != nil {
		return nil, err
	}
	if typ != typeBool {
		return nil, semanticError("where: the predicate is of type %s (want bool)", typ)
	}
	out := &frame{cols: f.cols, serialized: f.serialized}
	var prev []any
	for _, r := range f.rows {
		if v, _ := cond(r, prev).(bool); v {
			out.rows = append(out.rows, r)
		}
		prev = r
	}
	return out, nil
}

func (ev *evaluator) project(items []namedExpr, f *frame, extend bool) (*frame, error) {
	type item struct {
		fn boundExpr
		at int // output index
	}
	out := &frame{serialized: f.serialized}
	if extend {
		out.cols = slices.Clone(f.cols)
	}
	var its []item
	for _, ne := range items {
		name := ne.name
		if name == "" {
			id, ok := ne.e.(identExpr)
			if !ok {
				return nil, semanticError("%s: name the computed column (Name = expression)", map[bool]string{true: "extend", false: "project"}[extend])
			}
			name = id.name
		}
		fn, typ, err := bind(ne.e, f)
		if err != nil {
			return nil, err
		}
		at := -1
		for i, c := range out.cols {
			if c.Name == name {
				at = i
			}
		}
		if at >= 0 && !extend {
			return nil, semanticError("project: column '%s' is named twice", name)
		}
		if at < 0 {
			at = len(out.cols)
			out.cols = append(out.cols, Column{Name: name, Type: typ})
		} else {
			out.cols[at] = Column{Name: name, Type: typ}
		}
		its = append(its, item{fn: fn, at: at})
	}
	var prev []any
	for _, r := range f.rows {
		row := make([]any, len(out.cols))
		if extend {
			copy(row, r)
		}
		for _, it := range its {
			row[it.at] = it.fn(r, prev)
		}
		out.rows = append(out.rows, row)
		prev = r
	}
	return out, nil
}

// compareValues orders two values of one type, nulls first.
func compareValues(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	switch x := a.(type) {
	case string:
		return strings.Compare(x, b.(string))
	case dynamicText:
		return strings.Compare(string(x), string(b.(dynamicText)))
	case int64:
		switch y := b.(type) {
		case int64:
			return cmp.Compare(x, y)
		case float64:
			return cmp.Compare(float64(x), y)
		}
	case float64:
		switch y := b.(type) {
		case int64:
			return cmp.Compare(x, float64(y))
		case float64:
			return cmp.Compare(x, y)
		}
	case time.Time:
		return x.Compare(b.(time.Time))
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	}
	panic(fmt.Sprintf("lafake: compare %T with %T", a, b))
}

func (ev *evaluator) sort(o sortOp, f *frame) (*frame, error) {
	type key struct {
		fn         boundExpr
		desc       bool
		nullsFirst bool
	}
	keys := make([]key, len(o.keys))
	for i, k := range o.keys {
		fn, typ, err := bind(k.e, f)
		if err != nil {
			return nil, err
		}
		if typ == typeDynamic {
			return nil, semanticError("%s: cannot order by a dynamic value", o.name)
		}
		keys[i] = key{fn: fn, desc: k.desc, nullsFirst: k.nullsFirst}
	}
	type keyed struct {
		row  []any
		vals []any
	}
	rows := make([]keyed, len(f.rows))
	for i, r := range f.rows {
		vals := make([]any, len(keys))
		for j, k := range keys {
			vals[j] = k.fn(r, nil)
		}
		rows[i] = keyed{row: r, vals: vals}
	}
	slices.SortStableFunc(rows, func(a, b keyed) int {
		for j, k := range keys {
			x, y := a.vals[j], b.vals[j]
			if (x == nil) != (y == nil) {
				if (x == nil) == k.nullsFirst {
					return -1
				}
				return 1
			}
			c := compareValues(x, y)
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
	out := &frame{cols: f.cols, serialized: true}
	n := len(rows)
	if o.limit >= 0 && o.limit < n {
		n = o.limit
	}
	out.rows = make([][]any, n)
	for i := range n {
		out.rows[i] = rows[i].row
	}
	return out, nil
}

// aggState accumulates one aggregation over a group.
type aggState struct {
	count    int64
	distinct map[any]struct{}
	best     any
	bestRow  []any
}

func (ev *evaluator) summarize(o summarizeOp, f *frame) (*frame, error) {
	type boundAgg struct {
		item aggItem
		arg  boundExpr
		cond boundExpr
		typ  string
	}
	out := &frame{}
	byFns := make([]boundExpr, len(o.by))
	for i, ne := range o.by {
		name := ne.name
		if name == "" {
			id, ok := ne.e.(identExpr)
			if !ok {
				return nil, semanticError("summarize: name the computed grouping column (Name = expression)")
			}
			name = id.name
		}
		fn, typ, err := bind(ne.e, f)
		if err != nil {
			return nil, err
		}
		if typ == typeDynamic {
			return nil, semanticError("summarize: cannot group by a dynamic value ('%s')", name)
		}
		byFns[i] = fn
		out.cols = append(out.cols, Column{Name: name, Type: typ})
	}
	aggs := make([]boundAgg, len(o.aggs))
	starCol := -1 // output index of the first column arg_max's * brings
	for i, a := range o.aggs {
		ba := boundAgg{item: a}
		var err error
		if len(a.args) > 0 && a.args[0] != nil {
			if ba.arg, ba.typ, err = bind(a.args[0], f); err != nil {
				return nil, err
			}
		}
		switch a.fn {
		case "countif":
			ba.cond, ba.typ = ba.arg, typeBool
		case "dcountif":
			var ct string
			if ba.cond, ct, err = bind(a.args[1], f); err != nil {
				return nil, err
			}
			if ct != typeBool {
				return nil, semanticError("dcountif: the predicate is of type %s (want bool)", ct)
			}
		}
		name := a.name
		switch a.fn {
		case "count", "countif", "dcount", "dcountif":
			if name == "" {
				name = a.fn + "_"
				if id, ok := argIdent(a); ok && a.fn[0] == 'd' {
					name = a.fn + "_" + id
				}
			}
			out.cols = append(out.cols, Column{Name: name, Type: typeLong})
		case "min", "max":
			if name == "" {
				id, _ := argIdent(a)
				name = a.fn + "_" + id
			}
			out.cols = append(out.cols, Column{Name: name, Type: ba.typ})
		case "arg_max", "arg_min":
			if len(o.aggs) > 1 || a.name != "" {
				return nil, ev.unsupportedf("%s(*) beside other aggregations or named", a.fn)
			}
			starCol = len(out.cols)
			id, _ := argIdent(a)
			if id == "" {
				return nil, ev.unsupportedf("%s of an expression", a.fn)
			}
			out.cols = append(out.cols, Column{Name: id, Type: ba.typ})
			for _, c := range f.cols {
				if c.Name != id && !slices.ContainsFunc(out.cols, func(o Column) bool { return o.Name == c.Name }) {
					out.cols = append(out.cols, c)
				}
			}
		}
		aggs[i] = ba
	}
	type group struct {
		key    []any
		states []aggState
	}
	var groups []*group
	index := map[string]*group{}
	var kb strings.Builder
	for _, r := range f.rows {
		key := make([]any, len(byFns))
		kb.Reset()
		for i, fn := range byFns {
			key[i] = fn(r, nil)
			fmt.Fprintf(&kb, "%T:%v\x00", key[i], key[i])
		}
		g, ok := index[kb.String()]
		if !ok {
			g = &group{key: key, states: make([]aggState, len(aggs))}
			index[kb.String()] = g
			groups = append(groups, g)
		}
		for i, a := range aggs {
			st := &g.states[i]
			switch a.item.fn {
			case "count":
				st.count++
			case "countif":
				if v, _ := a.cond(r, nil).(bool); v {
					st.count++
				}
			case "dcount", "dcountif":
				if a.cond != nil {
					if v, _ := a.cond(r, nil).(bool); !v {
						continue
					}
				}
				v := a.arg(r, nil)
				if v == nil {
					continue
				}
				if st.distinct == nil {
					st.distinct = map[any]struct{}{}
				}
				st.distinct[distinctKey(v)] = struct{}{}
			case "min", "max", "arg_max", "arg_min":
				v := a.arg(r, nil)
				if v == nil {
					continue
				}
				c := 0
				if st.best != nil {
					c = compareValues(v, st.best)
				}
				if st.best == nil || (c > 0 && (a.item.fn == "max" || a.item.fn == "arg_max")) || (c < 0 && (a.item.fn == "min" || a.item.fn == "arg_min")) {
					st.best, st.bestRow = v, r
				}
			}
		}
	}
	if len(byFns) == 0 && len(groups) == 0 {
		// summarize without by yields one row even over no rows.
		groups = append(groups, &group{states: make([]aggState, len(aggs))})
	}
	for _, g := range groups {
		row := make([]any, 0, len(out.cols))
		row = append(row, g.key...)
		for i, a := range aggs {
			st := g.states[i]
			switch a.item.fn {
			case "count", "countif":
				row = append(row, st.count)
			case "dcount", "dcountif":
				row = append(row, int64(len(st.distinct)))
			case "min", "max":
				row = append(row, st.best)
			case "arg_max", "arg_min":
				row = append(row, st.best)
				for _, c := range out.cols[starCol+1:] {
					j := f.index(c.Name)
					if st.bestRow == nil {
						row = append(row, zero(c.Type))
					} else {
						row = append(row, st.bestRow[j])
					}
				}
			}
		}
		out.rows = append(out.rows, row)
	}
	return out, nil
}

func (ev *evaluator) unsupportedf(format string, args ...any) error {
	return semanticError("lafake does not evaluate "+format, args...)
}

func argIdent(a aggItem) (string, bool) {
	if len(a.args) == 0 {
		return "", false
	}
	id, ok := a.args[0].(identExpr)
	return id.name, ok
}

// distinctKey makes a value usable as a map key (time.Time holds a
// location pointer).
func distinctKey(v any) any {
	if t, ok := v.(time.Time); ok {
		return t.UnixNano()
	}
	return v
}

// boundExpr evaluates an expression over a row; prev is the row before it
// in the frame (nil for the first), for prev().
type boundExpr func(row, prev []any) any

// bind resolves an expression against a frame's columns: names, function
// arities and types are checked here, as the service checks them before it
// reads a row.
func bind(e expr, f *frame) (boundExpr, string, error) {
	switch x := e.(type) {
	case litExpr:
		v := x.v
		return func([]any, []any) any { return v }, x.typ, nil
	case identExpr:
		i := f.index(x.name)
		if i < 0 {
			return nil, "", semanticError("Failed to resolve scalar expression named '%s'", x.name)
		}
		return func(r, _ []any) any { return r[i] }, f.cols[i].Type, nil
	case binaryExpr:
		return bindBinary(x, f)
	case inExpr:
		l, lt, err := bind(x.l, f)
		if err != nil {
			return nil, "", err
		}
		var set []any
		for _, it := range x.list {
			lit, ok := it.(litExpr)
			if !ok {
				return nil, "", semanticError("in: the list holds only literals here")
			}
			if !comparable(lt, lit.typ) {
				return nil, "", semanticError("in: cannot compare %s with %s", lt, lit.typ)
			}
			set = append(set, lit.v)
		}
		neg := x.neg
		if x.ci {
			// in~ compares text as =~ does: the service refuses it on other types.
			if lt != typeString {
				return nil, "", semanticError("in~: wants string operands, got %s", lt)
			}
			return func(r, p []any) any {
				v, _ := l(r, p).(string)
				for _, s := range set {
					if strings.EqualFold(v, s.(string)) {
						return !neg
					}
				}
				return neg
			}, typeBool, nil
		}
		return func(r, p []any) any {
			v := l(r, p)
			if v == nil {
				return nil
			}
			for _, s := range set {
				if s != nil && compareValues(v, s) == 0 {
					return !neg
				}
			}
			return neg
		}, typeBool, nil
	case callExpr:
		return bindCall(x, f)
	}
	return nil, "", semanticError("lafake does not evaluate this expression")
}

// comparable reports whether values of types a and b may be compared.
func comparable(a, b string) bool {
	num := func(t string) bool { return t == typeLong || t == typeInt || t == typeReal }
	return a == b || (num(a) && num(b))
}

func bindBinary(x binaryExpr, f *frame) (boundExpr, string, error) {
	l, lt, err := bind(x.l, f)
	if err != nil {
		return nil, "", err
	}
	r, rt, err := bind(x.r, f)
	if err != nil {
		return nil, "", err
	}
	switch x.op {
	case "and", "or":
		if lt != typeBool || rt != typeBool {
			return nil, "", semanticError("'%s' wants bool operands, got %s and %s", x.op, lt, rt)
		}
		and := x.op == "and"
		return func(row, p []any) any {
			a, b := l(row, p), r(row, p)
			av, aok := a.(bool)
			bv, bok := b.(bool)
			if and {
				if (aok && !av) || (bok && !bv) {
					return false
				}
				if aok && bok {
					return true
				}
				return nil
			}
			if (aok && av) || (bok && bv) {
				return true
			}
			if aok && bok {
				return false
			}
			return nil
		}, typeBool, nil
	case "==", "!=", "<", "<=", ">", ">=":
		if !comparable(lt, rt) || lt == typeDynamic {
			return nil, "", semanticError("Cannot compare values of types %s and %s. Try adding explicit casts", lt, rt)
		}
		op := x.op
		return func(row, p []any) any {
			a, b := l(row, p), r(row, p)
			if a == nil || b == nil {
				return nil
			}
			c := compareValues(a, b)
			switch op {
			case "==":
				return c == 0
			case "!=":
				return c != 0
			case "<":
				return c < 0
			case "<=":
				return c <= 0
			case ">":
				return c > 0
			}
			return c >= 0
		}, typeBool, nil
	}
	// The string operators: case-insensitive, on text.
	if (lt != typeString && lt != typeDynamic) || (rt != typeString && rt != typeDynamic) {
		return nil, "", semanticError("'%s' wants string operands, got %s and %s", x.op, lt, rt)
	}
	neg := strings.HasPrefix(x.op, "!")
	var test func(a, b string) bool
	switch strings.TrimPrefix(x.op, "!") {
	case "=~":
		test = strings.EqualFold
	case "~":
		test = strings.EqualFold // !~
	case "contains":
		test = func(a, b string) bool { return strings.Contains(strings.ToLower(a), strings.ToLower(b)) }
	case "startswith":
		test = func(a, b string) bool { return strings.HasPrefix(strings.ToLower(a), strings.ToLower(b)) }
	case "has":
		test = hasTerm
	default:
		return nil, "", semanticError("lafake does not evaluate the operator '%s'", x.op)
	}
	return func(row, p []any) any {
		return test(text(l(row, p)), text(r(row, p))) != neg
	}, typeBool, nil
}

// hasTerm is KQL's has: b is a whole term of a (bounded by characters that
// are not letters or digits), ignoring case.
func hasTerm(a, b string) bool {
	a, b = strings.ToLower(a), strings.ToLower(b)
	if b == "" {
		return true
	}
	for i := 0; ; {
		j := strings.Index(a[i:], b)
		if j < 0 {
			return false
		}
		s, e := i+j, i+j+len(b)
		before := s == 0 || !isAlnum(rune(a[s-1]))
		after := e == len(a) || !isAlnum(rune(a[e]))
		if before && after {
			return true
		}
		i = s + 1
	}
}

func isAlnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// text is a value as tostring makes it.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case dynamicText:
		var s string
		if len(x) > 0 && x[0] == '"' && json.Unmarshal([]byte(x), &s) == nil {
			return s
		}
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case time.Time:
		return x.UTC().Format("2006-01-02T15:04:05.0000000Z")
	}
	return fmt.Sprint(v)
}

// functions are the scalar functions of the subset, with their argument
// counts.
var functions = map[string][2]int{
	"column_ifexists": {2, 2}, "tostring": {1, 1}, "todatetime": {1, 1}, "tobool": {1, 1}, "toboolean": {1, 1},
	"parse_json": {1, 1}, "todynamic": {1, 1}, "coalesce": {2, 64}, "isnotempty": {1, 1}, "isempty": {1, 1},
	"strcmp": {2, 2}, "not": {1, 1}, "row_number": {0, 2}, "prev": {1, 1},
}

func bindCall(x callExpr, f *frame) (boundExpr, string, error) {
	n, ok := functions[x.fn]
	if !ok {
		if _, agg := aggregates[x.fn]; agg {
			return nil, "", semanticError("the aggregation function '%s' is allowed only in summarize", x.fn)
		}
		return nil, "", semanticError("lafake does not evaluate the function '%s' (unknown function)", x.fn)
	}
	if len(x.args) < n[0] || len(x.args) > n[1] {
		return nil, "", semanticError("%s() takes %d to %d arguments, got %d", x.fn, n[0], n[1], len(x.args))
	}
	if x.fn == "column_ifexists" {
		lit, ok := x.args[0].(litExpr)
		if !ok || lit.typ != typeString {
			return nil, "", semanticError("column_ifexists: the first argument must be a string literal")
		}
		if f.index(lit.v.(string)) >= 0 {
			return bind(identExpr{name: lit.v.(string), pos: lit.pos}, f)
		}
		return bind(x.args[1], f)
	}
	if x.fn == "row_number" {
		return bindRowNumber(x, f)
	}
	args := make([]boundExpr, len(x.args))
	types := make([]string, len(x.args))
	for i, a := range x.args {
		var err error
		if args[i], types[i], err = bind(a, f); err != nil {
			return nil, "", err
		}
	}
	a0 := args[0]
	switch x.fn {
	case "tostring":
		if types[0] == typeString {
			return a0, typeString, nil // already text: no conversion, no allocation per row
		}
		return func(r, p []any) any { return text(a0(r, p)) }, typeString, nil
	case "todatetime":
		if types[0] == typeDateTime {
			return a0, typeDateTime, nil
		}
		return func(r, p []any) any {
			switch v := a0(r, p).(type) {
			case time.Time:
				return v
			case string:
				if t, err := parseDateTime(v); err == nil {
					return t
				}
			case dynamicText:
				if t, err := parseDateTime(text(v)); err == nil {
					return t
				}
			}
			return nil
		}, typeDateTime, nil
	case "tobool", "toboolean":
		if types[0] == typeBool {
			return a0, typeBool, nil
		}
		return func(r, p []any) any {
			switch v := a0(r, p).(type) {
			case bool:
				return v
			case int64:
				return v != 0
			case string, dynamicText:
				switch strings.ToLower(text(v)) {
				case "true":
					return true
				case "false":
					return false
				}
			}
			return nil
		}, typeBool, nil
	case "parse_json", "todynamic":
		return func(r, p []any) any {
			v := a0(r, p)
			if d, ok := v.(dynamicText); ok {
				return d
			}
			s := text(v)
			if s == "" {
				return nil
			}
			if json.Valid([]byte(s)) {
				return dynamicText(s)
			}
			return dynamicText(marshal(s))
		}, typeDynamic, nil
	case "coalesce":
		for _, t := range types[1:] {
			if t != types[0] {
				return nil, "", semanticError("coalesce: arguments of types %s and %s (want one type)", types[0], t)
			}
		}
		isString := types[0] == typeString
		return func(r, p []any) any {
			for _, a := range args {
				v := a(r, p)
				if v != nil && (!isString || v.(string) != "") {
					return v
				}
			}
			return zero(types[0])
		}, types[0], nil
	case "isnotempty", "isempty":
		want := x.fn == "isempty"
		return func(r, p []any) any {
			v := a0(r, p)
			empty := v == nil || v == "" || v == dynamicText("")
			return empty == want
		}, typeBool, nil
	case "strcmp":
		if types[0] != typeString || types[1] != typeString {
			return nil, "", semanticError("strcmp wants strings, got %s and %s", types[0], types[1])
		}
		a1 := args[1]
		return func(r, p []any) any {
			return int64(strings.Compare(a0(r, p).(string), a1(r, p).(string)))
		}, typeLong, nil
	case "not":
		if types[0] != typeBool {
			return nil, "", semanticError("not wants a bool, got %s", types[0])
		}
		return func(r, p []any) any {
			if v, ok := a0(r, p).(bool); ok {
				return !v
			}
			return nil
		}, typeBool, nil
	case "prev":
		if !f.serialized {
			return nil, "", semanticError("Function 'prev' cannot be invoked in current context: the row set must be serialized (sort, order or top first)")
		}
		t := types[0]
		return func(_, p []any) any {
			if p == nil {
				return zero(t)
			}
			return a0(p, nil)
		}, t, nil
	}
	return nil, "", semanticError("lafake does not evaluate the function '%s'", x.fn)
}

// bindRowNumber binds row_number([start [, restart]]): the row's number
// from start, back to start where restart is true. It keeps state from row
// to row, so a bound row_number serves one pass over one frame.
func bindRowNumber(x callExpr, f *frame) (boundExpr, string, error) {
	if !f.serialized {
		return nil, "", semanticError("Function 'row_number' cannot be invoked in current context: the row set must be serialized (sort, order or top first)")
	}
	start := int64(1)
	if len(x.args) > 0 {
		lit, ok := x.args[0].(litExpr)
		if !ok || lit.typ != typeLong {
			return nil, "", semanticError("row_number: the start must be a long literal")
		}
		start = lit.v.(int64)
	}
	var restart boundExpr
	if len(x.args) > 1 {
		var typ string
		var err error
		if restart, typ, err = bind(x.args[1], f); err != nil {
			return nil, "", err
		}
		if typ != typeBool {
			return nil, "", semanticError("row_number: the restart condition is of type %s (want bool)", typ)
		}
	}
	n := start - 1
	first := true
	return func(r, p []any) any {
		if first {
			first = false
			n = start
			return n
		}
		if restart != nil {
			if v, _ := restart(r, p).(bool); v {
				n = start
				return n
			}
		}
		n++
		return n
	}, typeLong, nil
}
