package record

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Newest is the answer to "failed sign-ins of user X in the window, newest
// N": how many there are, and the IDs of the newest N, newest first.
type Newest struct {
	Count int
	IDs   []string
}

// Groups is the answer to "failures grouped by error code with counts":
// error code to count.
type Groups map[int]int

// CompareNewest says how got differs from want, or "" when they agree on
// the count and on every ID in order.
func CompareNewest(want, got Newest) string {
	var diffs []string
	if want.Count != got.Count {
		diffs = append(diffs, fmt.Sprintf("count %d, want %d", got.Count, want.Count))
	}
	if len(want.IDs) != len(got.IDs) {
		diffs = append(diffs, fmt.Sprintf("%d IDs, want %d", len(got.IDs), len(want.IDs)))
	}
	for i := range min(len(want.IDs), len(got.IDs)) {
		if want.IDs[i] != got.IDs[i] {
			diffs = append(diffs, fmt.Sprintf("ID #%d is %s, want %s", i+1, got.IDs[i], want.IDs[i]))
			break
		}
	}
	return strings.Join(diffs, "; ")
}

// CompareGroups says how got differs from want, or "" when they hold the
// same codes with the same counts.
func CompareGroups(want, got Groups) string {
	codes := slices.Sorted(maps.Keys(want))
	for c := range got {
		if _, ok := want[c]; !ok {
			codes = append(codes, c)
		}
	}
	slices.Sort(codes)
	var diffs []string
	for _, c := range codes {
		w, inWant := want[c]
		g, inGot := got[c]
		switch {
		case !inGot:
			diffs = append(diffs, fmt.Sprintf("code %d missing (want %d)", c, w))
		case !inWant:
			diffs = append(diffs, fmt.Sprintf("code %d ×%d not expected", c, g))
		case w != g:
			diffs = append(diffs, fmt.Sprintf("code %d ×%d, want ×%d", c, g, w))
		}
	}
	return strings.Join(diffs, "; ")
}

// Total is the number of failures across the groups.
func (g Groups) Total() int {
	n := 0
	for _, c := range g {
		n += c
	}
	return n
}

// Top lists the n largest groups as "code ×count", largest first, ties by
// code, for the table's answer column.
func (g Groups) Top(n int) string {
	codes := slices.Collect(maps.Keys(g))
	slices.SortFunc(codes, func(a, b int) int {
		return cmp.Or(cmp.Compare(g[b], g[a]), cmp.Compare(a, b))
	})
	var parts []string
	for _, c := range codes[:min(n, len(codes))] {
		parts = append(parts, fmt.Sprintf("%d ×%d", c, g[c]))
	}
	return strings.Join(parts, ", ")
}

// leftOutMarker starts the note search_failed_signins writes when groups did
// not fit its answer: "12 groups left out to keep the answer small: 700082
// ×48, 50173 ×42 and 3 more codes (9 sign-ins); filter by errorCode to see
// one".
const leftOutMarker = "left out to keep the answer small: "

// Unnamed is what an answer counted without naming: codes and the
// sign-ins they hold.
type Unnamed struct{ Codes, SignIns int }

// ParseLeftOut reads the groups named in that note into g, and returns the
// codes it counts without naming (the " and N more codes (M sign-ins)"
// tail). ok is false when note is another note.
func ParseLeftOut(note string, g Groups) (rest Unnamed, ok bool) {
	_, list, found := strings.Cut(note, leftOutMarker)
	if !found {
		return rest, false
	}
	list, _, _ = strings.Cut(list, ";")
	if named, tail, more := strings.Cut(list, " and "); more {
		list = named
		if _, err := fmt.Sscanf(tail, "%d more code", &rest.Codes); err == nil {
			if _, n, ok := strings.Cut(tail, "("); ok {
				_, _ = fmt.Sscanf(n, "%d sign-in", &rest.SignIns)
			}
		}
	}
	for item := range strings.SplitSeq(list, ", ") {
		var code, count int
		if _, err := fmt.Sscanf(item, "%d ×%d", &code, &count); err == nil {
			g[code] += count
		}
	}
	return rest, true
}

// CompareGroupsWithUnnamed is CompareGroups for an answer (want) that named
// some groups and counted the rest without naming them: the named groups
// must match exactly, and the groups of got that want does not name must be
// rest.Codes codes holding rest.SignIns sign-ins between them.
func CompareGroupsWithUnnamed(want Groups, rest Unnamed, got Groups) string {
	if rest == (Unnamed{}) {
		return CompareGroups(want, got)
	}
	named := Groups{}
	other := Unnamed{}
	for c, n := range got {
		if _, ok := want[c]; ok {
			named[c] = n
		} else {
			other.Codes++
			other.SignIns += n
		}
	}
	var diffs []string
	if d := CompareGroups(want, named); d != "" {
		diffs = append(diffs, d)
	}
	if other != rest {
		diffs = append(diffs, fmt.Sprintf("%d other codes with %d sign-ins, want %d with %d", other.Codes, other.SignIns, rest.Codes, rest.SignIns))
	}
	return strings.Join(diffs, "; ")
}
