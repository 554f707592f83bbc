package webfocus

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/fold"
	"github.com/nyckeltal/nyckeltal/internal/localfile"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/tabular"
)

// rowKey identifies what a data row describes; two rows with one key would
// make one value overwrite the other.
type rowKey struct {
	kind   store.UnitKind
	unit   string
	ptype  store.PeriodType
	pstart time.Time
	gender string
	regi   string
}

// Parse reads one export. See the package README for what is read and what
// is skipped.
func (p *Parser) Parse(ctx context.Context, name string, data []byte) (*localfile.Parsed, error) {
	t, err := tabular.Read(data, tabular.Options{Encoding: p.opts.Encoding, Delimiter: p.opts.Delimiter})
	if err != nil {
		return nil, localfile.RefuseUnreadable(name, err)
	}
	word := t.LineWord()
	headerAt := p.findHeader(t)
	var header []string
	dataFrom := 0
	if headerAt >= 0 {
		header, dataFrom = t.Rows[headerAt].Cells, headerAt+1
	} else {
		if header, err = p.layoutFor(name, t); err != nil {
			return nil, err
		}
	}
	headerLine := 0
	if headerAt >= 0 {
		headerLine = t.Rows[headerAt].Line
	}
	inText, err := localfile.ScanRows(name, t.Rows, header, headerLine, -1, p.opts.PersonnummerInText)
	if err != nil {
		return nil, err
	}
	cols, err := p.mapColumns(name, header)
	if err != nil {
		var fe *localfile.FileError
		if errors.As(err, &fe) && headerAt >= 0 {
			fe.Problems[0].Line = t.Rows[headerAt].Line
		}
		return nil, err
	}
	if len(cols.indCols) == 0 {
		return nil, localfile.Refuse(name, 0, "", "no column holds a configured indicator")
	}
	out := &localfile.Parsed{
		Format: formatName(t.Format, headerAt >= 0),
		Header: header,
		Params: map[string]any{"encoding": t.Format.Encoding, "columns": cols.describe()},
	}
	if t.Format.Delimiter != 0 {
		out.Params["delimiter"] = string(t.Format.Delimiter)
	}
	if t.Format.Sheet != "" {
		out.Params["sheet"] = t.Format.Sheet
	}
	if headerAt >= 0 {
		out.Params["header_"+word] = t.Rows[headerAt].Line
	} else {
		out.Params["layout"] = strings.Join(header, " | ")
	}
	if len(cols.ignored) > 0 {
		out.Notes = append(out.Notes, "columns not used: "+strings.Join(cols.ignored, ", "))
	}
	if inText != "" {
		out.Notes = append(out.Notes, inText)
	}

	// Classify rows first: which are data, which are headings, totals and
	// footings. The period may have to come from the headings.
	var dataRows []tabular.Row
	var otherText []string
	for i, r := range t.Rows {
		if i%1024 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if r.Blank() || i == dataFrom-1 {
			continue // blank rows and the heading row itself are not counted
		}
		if i < dataFrom {
			out.Skipped++
			otherText = append(otherText, strings.Join(r.Cells, " "))
			continue
		}
		if p.isData(r, cols) {
			dataRows = append(dataRows, r)
			continue
		}
		out.Skipped++
		if !p.isTotal(r, cols) {
			otherText = append(otherText, strings.Join(r.Cells, " "))
		}
	}
	period, periodSource, err := p.filePeriod(name, cols, otherText)
	if err != nil {
		return nil, err
	}
	if periodSource != "" {
		out.Params["period"] = localfile.Label(period) + " (" + periodSource + ")"
	}
	if periodSource != "" && p.period != nil && periodSource != "--period" {
		out.Notes = append(out.Notes, "--period ignored: the period comes from "+periodSource)
	}

	seen := make(map[rowKey]int, len(dataRows))
	// One observation per data row and indicator column: sized once, since
	// appending observations one by one copied them over and over.
	out.Observations = make([]store.Observation, 0, len(dataRows)*len(cols.indCols))
	for _, r := range dataRows {
		out.Rows++
		var reasons []string
		problem := func(col int, format string, args ...any) {
			label := ""
			if col >= 0 {
				label = localfile.ColumnLabel(col, cols.heading(col))
			}
			msg := fmt.Sprintf(format, args...)
			out.Problem(name, r.Line, label, "%s", msg)
			reasons = append(reasons, strings.TrimSpace(label+" "+msg))
		}
		if extra := lastFilled(r.Cells); extra >= len(header) {
			problem(extra, "the row has more cells than there are column headings (a delimiter inside an unquoted text?)")
		}
		key := rowKey{kind: store.UnitMunicipality, unit: p.opts.Home, gender: store.GenderTotal, regi: store.RegiAll}
		if j, ok := cols.dims[roleUnit]; ok {
			if u := localfile.UnitID(r.Cell(j)); u != "" && !p.munis[fold.Key(u)] {
				key.kind, key.unit = store.UnitLocal, u
			}
		}
		per := period
		if periodSource == "" {
			var err error
			if per, err = p.rowPeriod(r, cols); err != nil {
				problem(cols.periodColumn(), "%v", err)
			}
		}
		key.ptype, key.pstart = per.Type, per.Start
		if j, ok := cols.dims[roleGender]; ok {
			g, err := localfile.ParseGender(r.Cell(j))
			if err != nil {
				problem(j, "%v", err)
			}
			key.gender = g
		}
		if j, ok := cols.dims[roleRegi]; ok {
			rg, err := p.opts.Regi.ParseRegi(r.Cell(j))
			if err != nil {
				problem(j, "%v", err)
			}
			key.regi = rg
		}
		values := make([]*float64, len(cols.indCols))
		for k, j := range cols.indCols {
			v, ok, err := tabular.ParseNumber(r.Cell(j))
			switch {
			case err != nil:
				problem(j, "%v", err)
			case ok:
				values[k] = &v
			}
		}
		if len(reasons) == 0 {
			if first, dup := seen[key]; dup {
				problem(-1, "the same enhet, period, kön and regi as %s %d", word, first)
			} else {
				seen[key] = r.Line
			}
		}
		if len(reasons) > 0 {
			out.Refused = append(out.Refused, localfile.RefusedRow{Line: r.Line, Cells: r.Cells, Reasons: reasons})
			continue
		}
		for k, j := range cols.indCols {
			code := cols.roles[j].code
			out.Observations = append(out.Observations, store.Observation{
				Source: Source, IndicatorID: code, UnitKind: key.kind, UnitID: key.unit, Period: per,
				Gender: key.gender, Regi: key.regi, Value: values[k],
			})
		}
	}
	out.Scopes = localfile.ScopesFor(out.Observations)
	for _, j := range cols.indCols {
		code := cols.roles[j].code
		ind := p.indicators[code]
		out.Indicators = append(out.Indicators, store.LocalIndicator{ID: code, Source: Source, Title: ind.Name,
			Unit: ind.Unit, SourceSystem: SourceSystem})
	}
	return out, nil
}

func lastFilled(cells []string) int {
	for i := len(cells) - 1; i >= 0; i-- {
		if strings.TrimSpace(cells[i]) != "" {
			return i
		}
	}
	return -1
}

// isData: a row is data when it holds at least one indicator cell that is
// not blank ("." counts: it is a missing value) and is not a repeated
// heading or a total.
func (p *Parser) isData(r tabular.Row, cols *columns) bool {
	if r.Blank() || p.isTotal(r, cols) {
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
		if strings.TrimSpace(strings.ReplaceAll(r.Cell(j), "\u00a0", " ")) != "" {
			return true
		}
	}
	return false
}

// isTotal: the first cell, the enhet or the period starts with TOTAL,
// Summa, Delsumma … (styled reports' subtotal and total rows). Kön and regi
// are not looked at: "Totalt" there is a value (T, alla), not a total row.
func (p *Parser) isTotal(r tabular.Row, cols *columns) bool {
	cells := []string{r.Cell(0)}
	for _, k := range []roleKind{roleUnit, rolePeriod} {
		if j, ok := cols.dims[k]; ok {
			cells = append(cells, r.Cell(j))
		}
	}
	return localfile.IsTotalRow(cells...)
}

// filePeriod is the period of the whole file when it has no period column:
// --period, else the one period its headings and footings name.
func (p *Parser) filePeriod(file string, cols *columns, text []string) (store.Period, string, error) {
	if _, ok := cols.dims[rolePeriod]; ok {
		return store.Period{}, "", nil
	}
	if _, ok := cols.dims[rolePeriodStart]; ok {
		return store.Period{}, "", nil
	}
	if p.period != nil {
		return *p.period, "--period", nil
	}
	per, found, err := localfile.FindPeriod(strings.Join(text, " \n "), p.opts.InterimEnd)
	if err != nil {
		return store.Period{}, "", localfile.Refuse(file, 0, "", "%v; give the period with --period", err)
	}
	if !found {
		return store.Period{}, "", localfile.Refuse(file, 0, "", "the file says no period: it has no period column "+
			"(local.webfocus.period_columns) and its heading names none; give one with --period, e.g. --period \"delår 2024\"")
	}
	return per, "heading", nil
}

func (p *Parser) rowPeriod(r tabular.Row, cols *columns) (store.Period, error) {
	if j, ok := cols.dims[rolePeriod]; ok {
		return localfile.ParsePeriod(r.Cell(j), p.opts.InterimEnd)
	}
	from, err := tabular.ParseDate(r.Cell(cols.dims[rolePeriodStart]))
	if err != nil {
		return store.Period{}, err
	}
	to, err := tabular.ParseDate(r.Cell(cols.dims[rolePeriodEnd]))
	if err != nil {
		return store.Period{}, err
	}
	return localfile.ClassifyRange(from, to)
}

func (c *columns) heading(j int) string {
	if j < len(c.header) {
		return c.header[j]
	}
	return ""
}

func (c *columns) periodColumn() int {
	if j, ok := c.dims[rolePeriod]; ok {
		return j
	}
	return c.dims[rolePeriodStart]
}

// describe is the column mapping stored with the load: heading → meaning.
func (c *columns) describe() map[string]string {
	out := map[string]string{}
	for j, r := range c.roles {
		if r.kind != roleNone {
			out[localfile.ColumnLabel(j, c.header[j])] = r.String()
		}
	}
	return out
}
