package indicators

import (
	"strings"

	"github.com/nyckeltal/nyckeltal/connectors/ownfiles"
	"github.com/nyckeltal/nyckeltal/internal/indicatorid"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/tabular"
)

// rowPreparer reads a file's rows in a goroutine of its own and reads there
// each row's cells — the personnummer scan, the row's shape, its code,
// period, kön, regi, enhet, value and count — while the caller checks the
// rows before against each other and numbers their keys. A row needs
// nothing of the rows above to be read. The machine has two cores: a
// profile of a 50 MB file had one goroutine doing all of a row's work while
// the reader's goroutine waited for it, at 0.50–0.61 of encoding/csv's
// speed.
//
// Its fields are the goroutine's alone until its batches end; then the
// caller reads its scan and shape.
type rowPreparer struct {
	p          *Parser
	header     []string
	headerLine int
	word       string
	colIndex   [cComment + 1]int
	used       map[int]column
	scan       *ownfiles.TextScan
	shape      *ownfiles.Shape
}

type unitRef struct {
	kind store.UnitKind
	id   string
}

// preparedRow is a row that is not blank and what its cells read as.
type preparedRow struct {
	tabular.Row
	short string // Shape.Check's problem, if any
	extra int    // the last filled cell

	code               string
	codeErr            error
	name, unit, system string
	period             store.Period
	periodErr          error
	gender, regi       string
	genderErr, regiErr error
	enhet              unitRef
	value              float64
	valueErr           error
	count              int64  // -1: none
	badCount           string // a count cell that is no count
}

// start runs the goroutine over the rows next returns (ownfiles.RowPreparer).
func (rp *rowPreparer) start(next func() (tabular.Row, error)) *ownfiles.RowPreparer[preparedRow] {
	p := rp.p
	periods := ownfiles.NewMemo(func(s string) (store.Period, error) { return ownfiles.ParsePeriod(s, p.opts.InterimEnd) })
	genders := ownfiles.NewMemo(ownfiles.ParseGender)
	regis := ownfiles.NewMemo(p.opts.Regi.ParseRegi)
	units := ownfiles.NewMemo(func(s string) (unitRef, error) {
		if u := ownfiles.UnitID(s); u != "" && !p.isHome(u) {
			return unitRef{store.UnitLocal, u}, nil
		}
		return unitRef{store.UnitMunicipality, p.opts.Home}, nil
	})
	codes := ownfiles.NewMemo(func(s string) (string, error) {
		code := strings.ToUpper(s)
		return code, indicatorid.CheckLocal(code)
	})
	return ownfiles.PrepareRows(next, func(_ int, r tabular.Row, rows []preparedRow) []preparedRow {
		rp.scan.Row(r, rp.header, rp.headerLine)
		if r.Blank() {
			return rows
		}
		rows = append(rows, preparedRow{Row: r})
		pr := &rows[len(rows)-1]
		// A merged cell (a sheet's merged range, an HTML rowspan) carries
		// the value of its range; an empty cell is empty.
		cell := func(c column) string {
			if j := rp.colIndex[c]; j >= 0 {
				return strings.TrimSpace(r.Filled(j))
			}
			return ""
		}
		pr.short = rp.shape.Check(r)
		pr.extra = lastFilled(r.Cells)
		for _, cp := range r.Problems {
			if _, ok := rp.used[cp.Col]; !ok {
				rp.shape.Unusable(r, cp, rp.word)
			}
		}
		pr.code, pr.codeErr = codes.Get(cell(cCode))
		pr.name, pr.unit, pr.system = cell(cName), cell(cUnit), cell(cSystem)
		pr.period, pr.periodErr = periods.Get(cell(cPeriod))
		pr.gender, pr.genderErr = genders.Get(cell(cGender))
		pr.regi, pr.regiErr = regis.Get(cell(cRegi))
		pr.enhet, _ = units.Get(cell(cEnhet))
		pr.value = ownfiles.Missing
		if v, ok, err := tabular.ParseNumber(cell(cValue)); err != nil {
			pr.valueErr = err
		} else if ok {
			pr.value = v
		}
		pr.count = -1
		if c := cell(cCount); c != "" && !tabular.IsMissing(c) {
			v, ok, err := tabular.ParseNumber(c)
			if err != nil || !ok || v < 0 || v != float64(int64(v)) {
				pr.badCount = c
			} else {
				pr.count = int64(v)
			}
		}
		return rows
	})
}
