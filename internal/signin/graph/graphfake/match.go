package graphfake

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// Match reports whether obj, a sign-in decoded from JSON (nested objects as
// map[string]any, arrays as []any, numbers as float64 or json.Number; Go
// ints, []string and time.Time are accepted too, for fixtures written as Go
// literals), satisfies e.
//
// It follows Graph: string comparisons (eq, ne, startswith) ignore case, as
// Graph's do for userPrincipalName and the other directory strings; property
// names resolve case-insensitively; a missing or null property equals only
// null, and is never greater, less or prefixed by anything. Comparing values
// of different types (a string property with an integer, say) is an error.
func (e Expr) Match(obj map[string]any) (bool, error) {
	if e.root == nil {
		return true, nil
	}
	return eval(e.root, obj, nil)
}

// scope binds lambda variables to the collection element being tested.
type scope struct {
	name string
	val  any
	up   *scope
}

func (s *scope) lookup(name string) (any, bool) {
	for ; s != nil; s = s.up {
		if s.name == name {
			return s.val, true
		}
	}
	return nil, false
}

func eval(n node, root map[string]any, sc *scope) (bool, error) {
	switch n := n.(type) {
	case *logicalNode:
		for _, t := range n.terms {
			ok, err := eval(t, root, sc)
			if err != nil {
				return false, err
			}
			if ok == (n.op == "or") {
				return ok, nil
			}
		}
		return n.op == "and", nil
	case *notNode:
		ok, err := eval(n.x, root, sc)
		return !ok, err
	case *cmpNode:
		v, err := resolve(n.left, root, sc)
		if err != nil {
			return false, err
		}
		return compare(n.left, v, n.op, n.right)
	case *startsWithNode:
		v, err := resolve(n.arg, root, sc)
		if err != nil || v == nil {
			return false, err
		}
		s, ok := v.(string)
		if !ok {
			return false, fmt.Errorf("startswith(%s): the property is %T, not a string", n.arg.name(), v)
		}
		return hasPrefixFold(s, n.prefix), nil
	case *lambdaNode:
		v, err := resolve(n.coll, root, sc)
		if err != nil || v == nil {
			return false, err
		}
		elems, err := elements(v)
		if err != nil {
			return false, fmt.Errorf("%s/any(): %w", n.coll.name(), err)
		}
		if n.body == nil {
			return len(elems) > 0, nil
		}
		for _, el := range elems {
			ok, err := eval(n.body, root, &scope{name: n.v, val: el, up: sc})
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case *memberNode:
		v, err := resolve(n, root, sc)
		if err != nil || v == nil {
			return false, err
		}
		b, ok := v.(bool)
		if !ok {
			return false, fmt.Errorf("%s is %T, not a boolean, so it cannot stand alone as a condition", n.name(), v)
		}
		return b, nil
	}
	return false, fmt.Errorf("unexpected filter node %T", n)
}

func (n *memberNode) name() string {
	var b strings.Builder
	n.render(&b)
	return b.String()
}

// resolve walks m's path from the sign-in (or its lambda variable). A missing
// step gives nil, not an error: Graph treats an absent value as null.
func resolve(m *memberNode, root map[string]any, sc *scope) (any, error) {
	var cur any = root
	if m.variable != "" {
		v, ok := sc.lookup(m.variable)
		if !ok {
			return nil, fmt.Errorf("lambda variable %s is not in scope", m.variable)
		}
		cur = v
	}
	for i, seg := range m.path {
		if cur == nil {
			return nil, nil
		}
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s is %T, not an object, so it has no property %s", strings.Join(m.path[:i], "/"), cur, seg)
		}
		cur = field(obj, seg)
	}
	return cur, nil
}

// field returns obj[name], matching the name case-insensitively if no key has
// exactly that spelling.
func field(obj map[string]any, name string) any {
	if v, ok := obj[name]; ok {
		return v
	}
	for k, v := range obj {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// elements returns the members of a collection value.
func elements(v any) ([]any, error) {
	switch v := v.(type) {
	case []any:
		return v, nil
	case []string:
		out := make([]any, len(v))
		for i, s := range v {
			out[i] = s
		}
		return out, nil
	case []map[string]any:
		out := make([]any, len(v))
		for i, m := range v {
			out[i] = m
		}
		return out, nil
	}
	return nil, fmt.Errorf("the property is %T, not a collection", v)
}

// compare evaluates "v op lit" for the property m.
func compare(m *memberNode, v any, op string, lit literal) (bool, error) {
	if lit.kind == litNull || v == nil {
		isNull := v == nil && lit.kind == litNull
		switch op {
		case "eq":
			return isNull, nil
		case "ne":
			return !isNull, nil
		}
		return false, nil
	}
	var c int
	switch lit.kind {
	case litString:
		s, ok := v.(string)
		if !ok {
			return false, incompatible(m, v, "a string")
		}
		if op == "eq" || op == "ne" {
			return equalFold(s, lit.s) == (op == "eq"), nil
		}
		c = strings.Compare(strings.ToLower(s), strings.ToLower(lit.s))
	case litInt:
		if i, ok := integer(v); ok {
			c = cmp.Compare(i, lit.i)
		} else if f, ok := number(v); ok {
			c = cmp.Compare(f, float64(lit.i))
		} else {
			return false, incompatible(m, v, "a number")
		}
	case litBool:
		b, ok := v.(bool)
		if !ok {
			return false, incompatible(m, v, "a boolean")
		}
		if op != "eq" && op != "ne" {
			return false, fmt.Errorf("%s: booleans compare only with eq and ne", m.name())
		}
		return (b == lit.b) == (op == "eq"), nil
	case litTime:
		t, ok := timeValue(v)
		if !ok {
			return false, incompatible(m, v, "a date-time")
		}
		c = t.Compare(lit.t)
	}
	switch op {
	case "eq":
		return c == 0, nil
	case "ne":
		return c != 0, nil
	case "gt":
		return c > 0, nil
	case "ge":
		return c >= 0, nil
	case "lt":
		return c < 0, nil
	case "le":
		return c <= 0, nil
	}
	return false, fmt.Errorf("unknown operator %s", op)
}

func incompatible(m *memberNode, v any, want string) error {
	return fmt.Errorf("%s is %T (%v), which cannot be compared with %s", m.name(), v, v, want)
}

// integer reads an integral number exactly.
func integer(v any) (int64, bool) {
	switch v := v.(type) {
	case int:
		return int64(v), true
	case int32:
		return int64(v), true
	case int64:
		return v, true
	case json.Number:
		i, err := v.Int64()
		return i, err == nil
	}
	return 0, false
}

// number converts the numeric types JSON decoding and Go literals produce.
func number(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case float32:
		return float64(v), true
	case int:
		return float64(v), true
	case int32:
		return float64(v), true
	case int64:
		return float64(v), true
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return float64(i), true
		}
		f, err := v.Float64()
		return f, err == nil && !math.IsNaN(f)
	}
	return 0, false
}

// timeValue reads a date-time property: an RFC 3339 string as Graph sends
// it, or a time.Time.
func timeValue(v any) (time.Time, bool) {
	switch v := v.(type) {
	case time.Time:
		return v, true
	case string:
		t, err := time.Parse(time.RFC3339Nano, v)
		return t, err == nil
	}
	return time.Time{}, false
}

// equalFold compares case-insensitively. Byte strings that are not UTF-8 are
// equal only byte for byte: folding would map every invalid byte to U+FFFD
// and make different values equal.
func equalFold(a, b string) bool {
	if a == b {
		return true
	}
	if !utf8.ValidString(a) || !utf8.ValidString(b) {
		return false
	}
	return strings.EqualFold(a, b)
}

// hasPrefixFold is a case-insensitive strings.HasPrefix, with the same care
// for invalid UTF-8 as equalFold.
func hasPrefixFold(s, prefix string) bool {
	if strings.HasPrefix(s, prefix) {
		return true
	}
	if !utf8.ValidString(s) || !utf8.ValidString(prefix) {
		return false
	}
	for prefix != "" {
		if s == "" {
			return false
		}
		pr, pn := utf8.DecodeRuneInString(prefix)
		sr, sn := utf8.DecodeRuneInString(s)
		if !strings.EqualFold(string(pr), string(sr)) {
			return false
		}
		prefix, s = prefix[pn:], s[sn:]
	}
	return true
}
