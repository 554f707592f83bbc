// Package webfocus reads WebFOCUS report exports — COMMA/COMT, TAB/TABT,
// DFIX, EXL2K (an HTML table saved as .xls) and XLSX — into observations.
// The shape is found from the content; the configuration maps column
// headings to local indicator codes ([local.webfocus]).
package webfocus

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/connectors/ownfiles"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"github.com/nyckeltal/nyckeltal/internal/tabular"
)

// Source is the source name of everything this connector writes.
const Source = "webfocus"

// SourceSystem names WebFOCUS in local_indicator.
const SourceSystem = "WebFOCUS"

// headerSearchRows is how far down a styled export's column headings are
// looked for.
const headerSearchRows = 60

// Options configure the reader.
type Options struct {
	// Home is the municipality whose figures rows without an enhet are.
	Home string
	// MunicipalityUnits are enhet values that mean the whole municipality.
	MunicipalityUnits []string
	Config            Settings
	Regi              ownfiles.RegiAliases
	// InterimEnd is the last month of the delår ("delår 2024").
	InterimEnd time.Month
	// Period applies to files without a period column (e.g. "delår 2024").
	Period string
	// Layout names a configured layout for files without a heading row.
	Layout string
	// Encoding and Delimiter override detection.
	Encoding  string
	Delimiter rune
	// PersonnummerInText says what a personnummer outside its column does
	// (local.personnummer_in_text): refuse the file (default) or be masked.
	PersonnummerInText ownfiles.TextPolicy
	// Limits bound the work of one file (local.limits).
	Limits tabular.Limits
}

type roleKind int

const (
	roleNone roleKind = iota
	roleUnit
	rolePeriod
	rolePeriodStart
	rolePeriodEnd
	roleGender
	roleRegi
	roleIndicator
)

var roleNames = map[roleKind]string{roleUnit: "enhet", rolePeriod: "period", rolePeriodStart: "period start",
	rolePeriodEnd: "period end", roleGender: "kön", roleRegi: "regi"}

type role struct {
	kind roleKind
	code string
	// rank orders headings of one dimension: when a file has two (Enhet and
	// Verksamhet), the one listed first in the configuration is used.
	rank int
}

func (r role) String() string {
	if r.kind == roleIndicator {
		return r.code
	}
	return roleNames[r.kind]
}

// Parser reads WebFOCUS exports.
type Parser struct {
	opts       Options
	roles      map[string]role // folded heading → role
	indicators map[string]Indicator
	munis      map[string]bool
	period     *store.Period
}

// New checks the options and prepares the heading matchers.
func New(opts Options) (*Parser, error) {
	if opts.InterimEnd == 0 {
		opts.InterimEnd = time.August
	}
	if opts.Home == "" {
		return nil, fmt.Errorf("webfocus: no home municipality")
	}
	p := &Parser{opts: opts, roles: map[string]role{}, indicators: opts.Config.Indicators, munis: map[string]bool{}}
	c := opts.Config
	for _, d := range []struct {
		kind roleKind
		cols []string
	}{{roleUnit, c.UnitColumns}, {rolePeriod, c.PeriodColumns}, {rolePeriodStart, c.PeriodStartColumns},
		{rolePeriodEnd, c.PeriodEndColumns}, {roleGender, c.GenderColumns}, {roleRegi, c.RegiColumns}} {
		for i, h := range d.cols {
			p.roles[swedish.Fold(h)] = role{kind: d.kind, rank: i}
		}
	}
	for code, ind := range c.Indicators {
		for _, h := range ind.Columns {
			p.roles[swedish.Fold(h)] = role{kind: roleIndicator, code: code}
		}
	}
	for _, m := range opts.MunicipalityUnits {
		p.munis[swedish.Fold(m)] = true
	}
	if opts.Period != "" {
		per, err := ownfiles.ParsePeriod(opts.Period, opts.InterimEnd)
		if err != nil {
			return nil, fmt.Errorf("--period: %w", err)
		}
		p.period = &per
	}
	if opts.Layout != "" {
		if _, ok := c.Layouts[opts.Layout]; !ok {
			return nil, fmt.Errorf("--layout %q is not in local.webfocus.layouts (%s)", opts.Layout, strings.Join(layoutNames(c.Layouts), ", "))
		}
	}
	return p, nil
}

func layoutNames(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	if len(out) == 0 {
		return []string{"none configured"}
	}
	return out
}

// Source is "webfocus".
func (p *Parser) Source() string { return Source }

// columns is the meaning of a file's columns.
type columns struct {
	header  []string
	roles   []role
	dims    map[roleKind]int // dimension → column
	indCols []int            // columns holding indicators, in order
	ignored []string
}

func (p *Parser) mapColumns(file string, header []string) (*columns, error) {
	c := &columns{header: header, roles: make([]role, len(header)), dims: map[roleKind]int{}}
	owner := map[string]int{}
	for j, h := range header {
		if strings.TrimSpace(h) == "" {
			continue
		}
		r, ok := p.roles[swedish.Fold(h)]
		if !ok {
			c.ignored = append(c.ignored, ownfiles.ColumnLabel(j, h))
			continue
		}
		if prev, dup := owner[r.String()]; dup {
			if r.kind == roleIndicator {
				return nil, ownfiles.Refuse(file, 0, "", "kolumnerna %s och %s innehåller båda %s: ta bort den ena, eller ändra local.webfocus",
					ownfiles.ColumnLabel(prev, header[prev]), ownfiles.ColumnLabel(j, h), r)
			}
			if c.roles[prev].rank <= r.rank {
				c.ignored = append(c.ignored, ownfiles.ColumnLabel(j, h))
				continue
			}
			c.ignored = append(c.ignored, ownfiles.ColumnLabel(prev, header[prev]))
			c.roles[prev] = role{}
		}
		owner[r.String()] = j
		c.roles[j] = r
		if r.kind == roleIndicator {
			c.indCols = append(c.indCols, j)
		} else {
			c.dims[r.kind] = j
		}
	}
	_, hasStart := c.dims[rolePeriodStart]
	_, hasEnd := c.dims[rolePeriodEnd]
	if hasStart != hasEnd {
		return nil, ownfiles.Refuse(file, 0, "", "filen har en från- eller en till-kolumn men inte båda; en period behöver båda datumen")
	}
	return c, nil
}

// findHeader returns the index of the column-title row: the first row that
// names a configured indicator column and has at least two cells (a report
// title such as "Personalomsättning" alone is a heading, not titles), else
// the first row that names one at all.
func (p *Parser) findHeader(rows []tabular.Row) int {
	single := -1
	for i := 0; i < len(rows) && i < headerSearchRows; i++ {
		filled, named := 0, false
		for _, cell := range rows[i].Cells {
			if strings.TrimSpace(cell) != "" {
				filled++
			}
			if r, ok := p.roles[swedish.Fold(cell)]; ok && r.kind == roleIndicator {
				named = true
			}
		}
		switch {
		case named && filled >= 2:
			return i
		case named && single < 0:
			single = i
		}
	}
	return single
}

// layoutFor picks the layout of a file without a heading row.
func (p *Parser) layoutFor(file string, rows []tabular.Row) ([]string, error) {
	layouts := p.opts.Config.Layouts
	if p.opts.Layout != "" {
		return layouts[p.opts.Layout], nil
	}
	width := 0
	for _, r := range rows {
		width = max(width, len(r.Cells))
	}
	var fits []string
	for name, cols := range layouts {
		if len(cols) == width {
			fits = append(fits, name)
		}
	}
	sort.Strings(fits)
	if len(fits) == 1 {
		return layouts[fits[0]], nil
	}
	seen := ""
	for _, r := range rows {
		if !r.Blank() {
			seen = fmt.Sprintf(" (the first row says: %s)", quoteCells(r.Cells, 6))
			break
		}
	}
	why := "no heading row names a configured indicator column" + seen + "; export with column titles (COMT, TABT, " +
		"DFIX with HEADER=YES), add the heading to local.webfocus.indicators, or configure a local.webfocus.layouts entry and use --layout"
	if len(fits) > 1 {
		why = fmt.Sprintf("the file has no heading row and %d layouts are %d columns wide (%s): choose one with --layout",
			len(fits), width, strings.Join(fits, ", "))
	}
	return nil, ownfiles.Refuse(file, 0, "", "%s", why)
}

func quoteCells(cells []string, n int) string {
	var out []string
	for _, c := range cells {
		if strings.TrimSpace(c) == "" {
			continue
		}
		out = append(out, fmt.Sprintf("%q", c))
		if len(out) == n {
			out = append(out, "…")
			break
		}
	}
	return strings.Join(out, ", ")
}

// formatName is the WebFOCUS name of the shape that was found.
func formatName(f tabular.Format, hasHeader bool) string {
	switch f.Kind {
	case tabular.KindHTML:
		return "EXL2K"
	case tabular.KindXLSX:
		return "XLSX"
	}
	switch f.Delimiter {
	case ',':
		if hasHeader {
			return "COMT"
		}
		return "COMMA"
	case '\t':
		if hasHeader {
			return "TABT"
		}
		return "TAB"
	}
	if hasHeader {
		return fmt.Sprintf("DFIX %c with header", f.Delimiter)
	}
	return fmt.Sprintf("DFIX %c", f.Delimiter)
}
