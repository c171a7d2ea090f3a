// Package linediff renders a unified diff of two texts, line by line, so that
// a failing golden or generated-file test shows what changed instead of the
// whole file. It is small on purpose (a longest common subsequence over the
// lines that differ); it is for test output, not for patches.
package linediff

import (
	"fmt"
	"strings"
)

// contextLines is the number of unchanged lines shown around each change.
const contextLines = 3

// maxLines bounds the diff: past it the rest is counted, not shown.
const maxLines = 200

// maxCells bounds the LCS table; a larger change is shown as removed and
// added whole.
const maxCells = 16 << 20

// op is one line of the edit script: ' ' kept, '-' only in a, '+' only in b.
type op struct {
	kind   byte
	line   string
	ai, bi int // lines of a and b before this one
}

// Unified returns a unified diff from a (named aName) to b (named bName),
// with three lines of context, or "" when they are equal.
func Unified(aName, bName string, a, b []byte) string {
	if string(a) == string(b) {
		return ""
	}
	al, bl := split(string(a)), split(string(b))
	ops := script(al, bl)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", aName, bName)
	shown := 0
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start, end := max(0, i-contextLines), i
		for k := i; k < len(ops) && k-end <= 2*contextLines; k++ {
			if ops[k].kind != ' ' {
				end = k
			}
		}
		stop := min(len(ops), end+contextLines+1)
		an, bn := 0, 0
		for _, o := range ops[start:stop] {
			if o.kind != '+' {
				an++
			}
			if o.kind != '-' {
				bn++
			}
		}
		fmt.Fprintf(&out, "@@ -%d,%d +%d,%d @@\n", ops[start].ai+1, an, ops[start].bi+1, bn)
		for _, o := range ops[start:stop] {
			if shown == maxLines {
				fmt.Fprintf(&out, "... (diff cut at %d lines)\n", maxLines)
				return out.String()
			}
			out.WriteByte(o.kind)
			out.WriteString(o.line)
			out.WriteByte('\n')
			shown++
		}
		i = stop
	}
	return out.String()
}

// split cuts s into lines; a missing final newline is marked, as diff does.
func split(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.Split(s, "\n")
	if lines[len(lines)-1] == "" {
		return lines[:len(lines)-1]
	}
	lines[len(lines)-1] += " (no newline at end)"
	return lines
}

// script is the edit script from a to b: the common prefix and suffix kept,
// the middle aligned by a longest common subsequence.
func script(a, b []string) []op {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var ops []op
	for i := range pre {
		ops = append(ops, op{' ', a[i], i, i})
	}
	am, bm := a[pre:len(a)-suf], b[pre:len(b)-suf]
	ops = append(ops, middle(am, bm, pre, pre)...)
	for k := range suf {
		i, j := len(a)-suf+k, len(b)-suf+k
		ops = append(ops, op{' ', a[i], i, j})
	}
	return ops
}

// middle aligns a and b (starting at lines ai and bi of the texts).
func middle(a, b []string, ai, bi int) []op {
	var ops []op
	if (len(a)+1)*(len(b)+1) > maxCells {
		for i, l := range a {
			ops = append(ops, op{'-', l, ai + i, bi})
		}
		for j, l := range b {
			ops = append(ops, op{'+', l, ai + len(a), bi + j})
		}
		return ops
	}
	// lcs[i][j] is the LCS length of a[i:] and b[j:].
	w := len(b) + 1
	lcs := make([]int32, (len(a)+1)*w)
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			ops = append(ops, op{' ', a[i], ai + i, bi + j})
			i, j = i+1, j+1
		case i < len(a) && (j == len(b) || lcs[(i+1)*w+j] >= lcs[i*w+j+1]):
			ops = append(ops, op{'-', a[i], ai + i, bi + j})
			i++
		default:
			ops = append(ops, op{'+', b[j], ai + i, bi + j})
			j++
		}
	}
	return ops
}
