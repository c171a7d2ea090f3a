package graphfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// record is one stored sign-in.
type record struct {
	id      string
	created time.Time
	// obj is the sign-in as given, plus signInEventTypes when it had none
	// (Graph beta always sends it); filters are evaluated against it.
	obj         map[string]any
	interactive bool
}

// loadRecords decodes raw sign-ins and sorts them newest first (ties keep
// their given order).
func loadRecords(raw []json.RawMessage) ([]record, error) {
	recs := make([]record, 0, len(raw))
	seen := make(map[string]bool, len(raw))
	for i, r := range raw {
		rec, err := loadRecord(r)
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
		if seen[rec.id] {
			return nil, fmt.Errorf("record %d: duplicate id %q", i, rec.id)
		}
		seen[rec.id] = true
		recs = append(recs, rec)
	}
	slices.SortStableFunc(recs, func(a, b record) int { return b.created.Compare(a.created) })
	return recs, nil
}

func loadRecord(raw json.RawMessage) (record, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return record{}, fmt.Errorf("decode sign-in: %w", err)
	}
	if obj == nil {
		return record{}, errors.New("not a JSON object")
	}
	id, _ := obj["id"].(string)
	if id == "" {
		return record{}, errors.New("no id")
	}
	cs, _ := obj["createdDateTime"].(string)
	created, err := time.Parse(time.RFC3339Nano, cs)
	if err != nil {
		return record{}, fmt.Errorf("sign-in %s: createdDateTime: %w", id, err)
	}
	types := eventTypes(obj)
	if _, ok := obj["signInEventTypes"]; !ok {
		list := make([]any, len(types))
		for i, t := range types {
			list[i] = t
		}
		obj["signInEventTypes"] = list
	}
	return record{id: id, created: created, obj: obj, interactive: slices.Contains(types, eventInteractive)}, nil
}

// eventTypes is a sign-in's signInEventTypes, or, for a record without them
// (v1.0 shape, older exports), the type isInteractive implies.
func eventTypes(obj map[string]any) []string {
	if list, ok := obj["signInEventTypes"].([]any); ok && len(list) > 0 {
		var out []string
		for _, v := range list {
			if s, ok := v.(string); ok {
				// Graph's enum values compare case-insensitively; store the
				// canonical spelling so the interactive check is exact.
				for _, known := range []string{eventInteractive, eventNonInteractive, eventServicePrincipal, eventManagedIdentity} {
					if strings.EqualFold(s, known) {
						s = known
					}
				}
				out = append(out, s)
			}
		}
		return out
	}
	if b, ok := obj["isInteractive"].(bool); ok && !b {
		return []string{eventNonInteractive}
	}
	return []string{eventInteractive}
}

// view renders rec as version v returns it: v1.0 keeps only its own
// properties (and drops beta-only members of the complex ones); select, when
// not nil, keeps only those properties and id.
func (rec record) view(v Version, sel []string) map[string]any {
	src := rec.obj
	if v == V1 {
		src = v1View(rec.obj)
	}
	if sel == nil {
		return src
	}
	out := map[string]any{"id": rec.id}
	for _, name := range sel {
		out[name] = field(src, name)
	}
	return out
}

func v1View(obj map[string]any) map[string]any {
	out := make(map[string]any, len(obj))
	for k, val := range obj {
		p := lookupProp(signInProps, k, V1)
		if p == nil {
			continue
		}
		if keep, ok := v1Keep[p.name]; ok {
			val = keepMembers(val, keep)
		}
		out[k] = val
	}
	return out
}

// keepMembers drops the members of an object (or of each object in an
// array) that v1.0 does not have.
func keepMembers(val any, keep map[string]*prop) any {
	switch val := val.(type) {
	case map[string]any:
		out := make(map[string]any, len(val))
		for k, x := range val {
			if lookupProp(keep, k, V1) != nil {
				out[k] = x
			}
		}
		return out
	case []any:
		out := make([]any, len(val))
		for i, x := range val {
			out[i] = keepMembers(x, keep)
		}
		return out
	}
	return val
}

// ReadRecords reads sign-ins for New from Graph-shaped JSON: any sequence of
// list-response pages ({"value": [...]}), arrays of sign-ins, and single
// sign-in objects, one after another (so JSON lines, a saved page, and pages
// concatenated all work).
func ReadRecords(r io.Reader) ([]json.RawMessage, error) {
	dec := json.NewDecoder(r)
	var out []json.RawMessage
	for {
		var v json.RawMessage
		if err := dec.Decode(&v); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("read sign-ins: %w", err)
		}
		switch t := bytes.TrimLeft(v, " \t\r\n"); {
		case len(t) > 0 && t[0] == '[':
			var list []json.RawMessage
			if err := json.Unmarshal(v, &list); err != nil {
				return nil, fmt.Errorf("read sign-ins: %w", err)
			}
			out = append(out, list...)
		case len(t) > 0 && t[0] == '{':
			var page struct {
				Value *[]json.RawMessage `json:"value"`
			}
			if err := json.Unmarshal(v, &page); err != nil {
				return nil, fmt.Errorf("read sign-ins: %w", err)
			}
			if page.Value != nil {
				out = append(out, *page.Value...)
			} else {
				out = append(out, v)
			}
		default:
			return nil, fmt.Errorf("read sign-ins: %.20s is neither a sign-in, an array nor a page", t)
		}
	}
}

// V1View returns raw as Graph v1.0 returns it: beta-only properties, and
// beta-only members of complex ones, removed. The Graph source reads
// interactive sign-ins from v1.0, so a test that compares it with a source
// loaded from beta-shaped records gives that source this view.
func V1View(raw json.RawMessage) (json.RawMessage, error) {
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("graphfake: v1.0 view: %w", err)
	}
	return json.Marshal(v1View(obj))
}
