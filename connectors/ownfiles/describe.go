package ownfiles

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Describe renders what a file would load, one observation a line, in a
// stable order: for `--dry-run` and for golden tests.
func Describe(p *Parsed) string {
	var b strings.Builder
	fmt.Fprintf(&b, "format: %s\n", p.Format)
	fmt.Fprintf(&b, "rows: %d data, %d skipped, %d refused\n", p.Rows, p.Skipped, p.NumRefused())
	for _, n := range p.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	for _, pr := range p.Problems {
		fmt.Fprintf(&b, "problem: %s\n", pr)
	}
	if more := p.NumProblems() - len(p.Problems); more > 0 {
		fmt.Fprintf(&b, "problem: … and %d more\n", more)
	}
	ids := make([]string, 0, len(p.Indicators))
	for _, li := range p.Indicators {
		ids = append(ids, fmt.Sprintf("indicator: %s %q (%s, %s)", li.ID, li.Title, li.Unit, li.SourceSystem))
	}
	sort.Strings(ids)
	for _, s := range ids {
		b.WriteString(s + "\n")
	}
	lines := make([]string, 0, p.Observations())
	for o := range p.Values.All() {
		v := "NULL"
		if o.Value != nil {
			v = strconv.FormatFloat(*o.Value, 'f', -1, 64)
		}
		extra := ""
		if o.Count != nil {
			extra += fmt.Sprintf(" n=%d", *o.Count)
		}
		if o.Preliminary {
			extra += " preliminary"
		}
		lines = append(lines, fmt.Sprintf("%s\t%s:%s\t%s\t%s\t%s\t%s%s", o.IndicatorID, o.UnitKind, o.UnitID,
			Label(o.Period), o.Gender, o.Regi, v, extra))
	}
	sort.Strings(lines)
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	fmt.Fprintf(&b, "scopes: %d\n", len(p.Values.Scopes()))
	if p.Decisions != nil && p.Decisions.Len() > 0 {
		fmt.Fprintf(&b, "decisions: %d\n", p.Decisions.Len())
	}
	return b.String()
}
