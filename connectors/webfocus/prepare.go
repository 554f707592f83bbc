package webfocus

import (
	"strings"
	"unicode/utf8"

	"github.com/nyckeltal/nyckeltal/connectors/ownfiles"
	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"github.com/nyckeltal/nyckeltal/internal/tabular"
)

// preparer reads a file's rows in a goroutine of its own and does there what
// a row needs nothing but the rows above it for: the personnummer scan of
// every cell, whether the row is data, its shape, its dimensions with blank
// BY cells carried down, and what its enhet cell says. The file's tables of
// texts (enhet, period, kön, regi), the numbers and what is said of the row
// are left to parseState, in the caller's goroutine meanwhile (the two
// halves take about the same CPU). The machine has two cores: a profile of
// a 50 MB report had one goroutine doing all of a row's work while the
// reader's goroutine waited for it, at 0.36–0.48 of encoding/csv's speed.
//
// Its fields are the goroutine's alone until its batches end; then the
// caller reads its scan, shape and carried counts.
type preparer struct {
	p          *Parser
	cols       *columns
	header     []string
	headerLine int
	word       string
	dataFrom   int // the index of the first data row among all rows read
	dimCol     dimColumns
	sparse     bool
	shape      *ownfiles.Shape
	scan       *ownfiles.TextScan

	// dimOrder are the dimension columns left to right, dimRole their
	// roles; prev their values in the last data row, which blank cells
	// below carry on.
	dimOrder   []int
	dimRole    []roleKind
	prev       []string // by dimension, as dimOrder
	hasPrev    bool
	carried    int
	carriedCol map[int]bool

	// The enhet of the last data row, read.
	lastUnitText string
	lastUnit     unitCell
	hasLastUnit  bool
}

// unitCell is what an enhet cell says: nothing (missing), the whole
// municipality, or the local unit id.
type unitCell struct {
	id                    string
	missing, municipality bool
}

// unit reads an enhet cell: the municipality when it names it (or one of
// local.municipality_units), else a local unit; nothing when empty. A
// report sorted by enhet has the text of the row above most of the time.
func (pre *preparer) unit(text string) unitCell {
	if pre.hasLastUnit && text == pre.lastUnitText {
		return pre.lastUnit
	}
	p := pre.p
	var u unitCell
	switch id := ownfiles.UnitID(text); {
	case id == "":
		u.missing = true
	case p.munis[swedish.Fold(id)] || id == p.opts.Home:
		u.municipality = true
	default:
		u.id = id
	}
	pre.lastUnitText, pre.lastUnit, pre.hasLastUnit = text, u, true
	return u
}

type rowKind uint8

const (
	rowHeading rowKind = iota // above the column titles: a title or heading
	rowSkipped                // below them but not data (a total, a repeated heading, a sub-heading)
	rowData
)

// rowDims are a data row's dimension values by role, blank cells carried.
type rowDims [roleIndicator]string

// preparedRow is a row and what the preparer made of it.
type preparedRow struct {
	tabular.Row
	kind     rowKind
	keepText bool // rowSkipped: its text may name the file's period
	// For rowData:
	short string  // Shape.Check's problem, if any
	extra int     // the last filled cell
	dims  rowDims // by role
	unit  unitCell
}

// start runs the goroutine over the rows next returns (ownfiles.RowPreparer).
func (pre *preparer) start(next func() (tabular.Row, error)) *ownfiles.RowPreparer[preparedRow] {
	return ownfiles.PrepareRows(next, func(i int, r tabular.Row, rows []preparedRow) []preparedRow {
		pre.scan.Row(r, pre.header, pre.headerLine)
		switch {
		case r.Blank() || i == pre.dataFrom-1:
			// Blank rows and the heading row itself are not counted.
			return rows
		case i < pre.dataFrom:
			return append(rows, preparedRow{Row: r, kind: rowHeading})
		}
		rows = append(rows, preparedRow{Row: r})
		pre.row(&rows[len(rows)-1])
		return rows
	})
}

// row prepares a row below the column titles that is not blank (pr.Row).
func (pre *preparer) row(pr *preparedRow) {
	p, cols, r := pre.p, pre.cols, pr.Row
	data := pre.isData(r)
	if data || !pre.sparse {
		// Delimited text writes every field of every row: a short row
		// that does not look like data may be data cut short.
		pr.short = pre.shape.Check(r)
	}
	if !data && pr.short == "" {
		pr.kind = rowSkipped
		for _, cp := range r.Problems {
			pre.shape.Unusable(r, cp, pre.word)
		}
		pr.keepText = !p.isTotal(r, pre.dimCol)
		return
	}
	pr.kind = rowData
	pr.extra = lastFilled(r.Cells)
	for _, cp := range r.Problems {
		if !isRoleColumn(cols, cp.Col) {
			pre.shape.Unusable(r, cp, pre.word)
		}
	}
	pre.dimValues(r, &pr.dims)
	if pre.dimCol[roleUnit] >= 0 {
		pr.unit = pre.unit(pr.dims[roleUnit])
	}
}

func hasProblem(r tabular.Row, j int) bool {
	if len(r.Problems) == 0 {
		return false
	}
	_, bad := r.Problem(j)
	return bad
}

// dimValues sets the values of a data row's dimension columns (enhet,
// period, kön, regi). A cell a merged range covers has the range's value; a
// blank cell has the value of the row above — WebFOCUS writes a sort (BY)
// value only where it changes — as long as every dimension to its left is
// unchanged too (a blank beside a new enhet is not that enhet's repeat).
func (pre *preparer) dimValues(r tabular.Row, out *rowDims) {
	unchanged := pre.hasPrev
	for k, j := range pre.dimOrder {
		v := trimSpace(r.Cell(j))
		if v == "" {
			if m := strings.TrimSpace(r.Filled(j)); m != "" {
				v = m
				pre.carry(j)
			} else if prev := pre.prev[k]; unchanged && prev != "" {
				v = prev
				pre.carry(j)
			}
		}
		if unchanged && v != pre.prev[k] {
			unchanged = false
		}
		pre.prev[k] = v
		out[pre.dimRole[k]] = v
	}
	pre.hasPrev = true
}

// trimSpace is strings.TrimSpace, at once for a cell that neither starts
// nor ends with a space, as most do (a call a cell was a fifth of reading
// the dimensions).
func trimSpace(s string) string {
	if n := len(s); n > 0 && s[0] > ' ' && s[0] < utf8.RuneSelf && s[n-1] > ' ' && s[n-1] < utf8.RuneSelf {
		return s
	}
	return strings.TrimSpace(s)
}

func (pre *preparer) carry(j int) {
	pre.carried++
	if pre.carriedCol == nil {
		pre.carriedCol = map[int]bool{}
	}
	pre.carriedCol[j] = true
}

func (pre *preparer) carriedCols() string {
	var out []string
	for _, j := range pre.dimOrder {
		if pre.carriedCol[j] {
			out = append(out, ownfiles.ColumnLabel(j, pre.cols.heading(j)))
		}
	}
	return strings.Join(out, ", ")
}

func lastFilled(cells []string) int {
	for i := len(cells) - 1; i >= 0; i-- {
		if strings.TrimSpace(cells[i]) != "" {
			return i
		}
	}
	return -1
}

// isData: a row that is not blank is data when it holds at least one
// indicator cell that is not blank ("." counts: it is a missing value; so
// does a cell without a usable value, which is then refused) and is not a
// repeated heading or a total.
func (pre *preparer) isData(r tabular.Row) bool {
	cols := pre.cols
	if pre.p.isTotal(r, pre.dimCol) {
		return false
	}
	repeated := true
	for j, h := range cols.header {
		if strings.TrimSpace(r.Cell(j)) != strings.TrimSpace(h) {
			repeated = false
			break
		}
	}
	if repeated {
		return false
	}
	for _, j := range cols.indCols {
		// TrimSpace trims U+00A0 too (a no-break space alone is blank).
		if strings.TrimSpace(r.Cell(j)) != "" {
			return true
		}
		if hasProblem(r, j) {
			return true
		}
	}
	return false
}

// isTotal: the first cell, the enhet or the period starts with TOTAL,
// Summa, Delsumma … (styled reports' subtotal and total rows). Kön and regi
// are not looked at: "Totalt" there is a value (T, alla), not a total row.
func (p *Parser) isTotal(r tabular.Row, dimCol dimColumns) bool {
	if ownfiles.IsTotalRow(r.Cell(0)) {
		return true
	}
	for _, k := range [...]roleKind{roleUnit, rolePeriod} {
		if j := dimCol[k]; j >= 0 && ownfiles.IsTotalRow(r.Filled(j)) {
			return true
		}
	}
	return false
}
