package koladafake

import (
	"fmt"
	"sort"
	"strings"
)

// Quirks make the fake answer the way Kolada v3 might where public evidence
// does not settle how it does (docs/KOLADA-API.md lists each with its
// evidence). The zero value answers as the fake always has: 200 with an empty
// page for no data, group means for group ids, next_url only while rows
// remain, with every parameter of the query, only the units asked for.
type Quirks struct {
	// NotFoundForNoData answers a data page without rows with 404 instead of
	// 200 and "values": [], and so a metadata page after the last one.
	NotFoundForNoData bool
	// NoGroupMeans answers a group id (G…) in the municipality segment with
	// no rows: v3 may not compute group means as v2 did.
	NoGroupMeans bool
	// RejectGroups answers a group id in the municipality segment with 422.
	RejectGroups bool
	// EmptyLastPage gives every page a next_url, the last one and the empty
	// ones after it too: a reader that stops only at a null next_url never
	// stops.
	EmptyLastPage bool
	// DropFromDate and DropPerPage leave from_date and per_page out of
	// next_url.
	DropFromDate bool
	DropPerPage  bool
	// ExtraUnits adds to municipality data answers rows the query did not ask
	// for: the means of groups (of the listed municipalities' groups, or of
	// every group when all municipalities are asked for) and a region that
	// /municipality does not list.
	ExtraUnits bool
	// V2Gone answers /v1 and /v2 with 410 Gone; otherwise with 200 and an
	// error message, as v2 answered in August 2026.
	V2Gone bool
}

// quirkNames are the names of the quirks on the command line
// (kolada-fake --quirks) and in test names.
var quirkNames = []struct {
	name string
	help string
	set  func(*Quirks)
}{
	{"404-no-data", "a data page without rows answers 404", func(q *Quirks) { q.NotFoundForNoData = true }},
	{"no-group-means", "a group id in the municipality segment answers no rows", func(q *Quirks) { q.NoGroupMeans = true }},
	{"reject-groups", "a group id in the municipality segment answers 422", func(q *Quirks) { q.RejectGroups = true }},
	{"empty-last-page", "every page has a next_url, also the last and the empty ones after it", func(q *Quirks) { q.EmptyLastPage = true }},
	{"next-url-drops-from-date", "next_url leaves out from_date", func(q *Quirks) { q.DropFromDate = true }},
	{"next-url-drops-per-page", "next_url leaves out per_page", func(q *Quirks) { q.DropPerPage = true }},
	{"extra-units", "municipality data also answers group means and an unlisted region", func(q *Quirks) { q.ExtraUnits = true }},
	{"v2-gone", "v1 and v2 answer 410 Gone (else 200 with an error message)", func(q *Quirks) { q.V2Gone = true }},
}

// QuirkNames lists the quirks' names, in a fixed order.
func QuirkNames() []string {
	out := make([]string, len(quirkNames))
	for i, q := range quirkNames {
		out[i] = q.name
	}
	return out
}

// QuirksHelp describes every quirk, one a line, for --help.
func QuirksHelp() string {
	var b strings.Builder
	for _, q := range quirkNames {
		fmt.Fprintf(&b, "  %-26s %s\n", q.name, q.help)
	}
	return b.String()
}

// ParseQuirks reads a comma-separated list of quirk names; "all" sets every
// quirk but reject-groups (which contradicts no-group-means), "" none.
func ParseQuirks(s string) (Quirks, error) {
	var q Quirks
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		switch name {
		case "":
			continue
		case "all":
			for _, qn := range quirkNames {
				if qn.name != "reject-groups" {
					qn.set(&q)
				}
			}
			continue
		}
		found := false
		for _, qn := range quirkNames {
			if qn.name == name {
				qn.set(&q)
				found = true
			}
		}
		if !found {
			return Quirks{}, fmt.Errorf("unknown quirk %q: use %s or all", name, strings.Join(QuirkNames(), ", "))
		}
	}
	return q, nil
}

// String names the quirks set, comma-separated; "none" for the zero value.
func (q Quirks) String() string {
	var names []string
	for _, qn := range quirkNames {
		var one Quirks
		qn.set(&one)
		if q.has(one) {
			names = append(names, qn.name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

// has reports whether every quirk of one is set in q.
func (q Quirks) has(one Quirks) bool {
	return (!one.NotFoundForNoData || q.NotFoundForNoData) && (!one.NoGroupMeans || q.NoGroupMeans) &&
		(!one.RejectGroups || q.RejectGroups) && (!one.EmptyLastPage || q.EmptyLastPage) &&
		(!one.DropFromDate || q.DropFromDate) && (!one.DropPerPage || q.DropPerPage) &&
		(!one.ExtraUnits || q.ExtraUnits) && (!one.V2Gone || q.V2Gone)
}
