// Package plural writes counted nouns for the sentences people and models
// read (summaries, notes, prompts): "1 failure", "2 failures", never
// "1 failures".
package plural

import "strconv"

// Count returns n followed by one (when n is 1) or many.
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// Of returns one (when n is 1) or many, for sentences that place the number
// elsewhere.
func Of(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
