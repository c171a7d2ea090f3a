package record

import (
	"strings"
)

// Table is one Markdown table of the record.
type Table struct {
	Header []string
	Rows   [][]string
}

// Add appends a row; missing cells are left empty and extra cells dropped,
// so a row never breaks the table's shape.
func (t *Table) Add(cells ...string) {
	row := make([]string, len(t.Header))
	copy(row, cells)
	t.Rows = append(t.Rows, row)
}

// Markdown renders the table as GitHub-flavoured Markdown. A cell's "|" is
// escaped and a newline becomes a space, so text taken from a failed tool
// (an error message, say) cannot break the table.
func (t *Table) Markdown() string {
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" ")
			b.WriteString(cell(c))
			b.WriteString(" |")
		}
		b.WriteString("\n")
	}
	line(t.Header)
	b.WriteString("|")
	for range t.Header {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, r := range t.Rows {
		line(r)
	}
	return b.String()
}

func cell(s string) string {
	s = strings.ReplaceAll(s, "\r\n", " ")
	s = strings.ReplaceAll(s, "\n", " ")
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.TrimSpace(s)
}
