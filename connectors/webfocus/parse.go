package webfocus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/nyckeltal/nyckeltal/connectors/ownfiles"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"github.com/nyckeltal/nyckeltal/internal/tabular"
)

// Bounds on the heading and footing text kept to find a file's period in:
// a report's headings and footings are a few lines.
const (
	maxOtherRows  = 1000
	maxOtherBytes = 256 << 10
)

// Parse reads one export held in memory.
func (p *Parser) Parse(ctx context.Context, name string, data []byte) (*ownfiles.Parsed, error) {
	return p.ParseFrom(ctx, name, bytes.NewReader(data))
}

// ParseFrom reads one export, a row at a time. See the package README for
// what is read and what is skipped.
func (p *Parser) ParseFrom(ctx context.Context, name string, in tabular.Input) (*ownfiles.Parsed, error) {
	// A workbook's sheet is read once, not twice, unless its merged ranges
	// turn out to cover its rows (tabular.OnePass): then it is read again.
	one := &tabular.OnePass{}
	out, err := p.parseFrom(ctx, name, in, one)
	if one.Again(ctx) {
		return p.parseFrom(ctx, name, in, one)
	}
	return out, err
}

func (p *Parser) parseFrom(ctx context.Context, name string, in tabular.Input, one *tabular.OnePass) (*ownfiles.Parsed, error) {
	opts := p.readOptions()
	opts.OnePass = one
	rd, err := tabular.Open(ctx, in, opts)
	if err != nil {
		return nil, ownfiles.ReadError(name, err)
	}
	defer rd.Close()
	head, err := ownfiles.Head(name, rd, headerSearchRows)
	if err != nil {
		return nil, err
	}
	if len(head) == 0 {
		return nil, ownfiles.Refuse(name, 0, "", "filen har inga rader")
	}
	f := rd.Format()
	word := tabular.LineWord(f)
	headerAt := p.findHeader(head)
	var header []string
	dataFrom, headerLine := 0, 0
	if headerAt >= 0 {
		header, dataFrom, headerLine = head[headerAt].Cells, headerAt+1, head[headerAt].Line
	} else if header, err = p.layoutFor(name, head); err != nil {
		return nil, err
	}
	cols, err := p.mapColumns(name, header)
	if err != nil {
		var fe *ownfiles.FileError
		if errors.As(err, &fe) && headerAt >= 0 {
			fe.Problems[0].Line = headerLine
		}
		return nil, err
	}
	if len(cols.indCols) == 0 {
		return nil, ownfiles.Refuse(name, 0, "", "ingen kolumn innehåller en konfigurerad indikator")
	}
	out := &ownfiles.Parsed{
		Format: formatName(f, headerAt >= 0),
		Header: header,
		Params: map[string]any{"encoding": f.Encoding, "columns": cols.describe()},
	}
	if f.Delimiter != 0 {
		out.Params["delimiter"] = string(f.Delimiter)
	}
	if headerAt >= 0 {
		out.Params["header_"+word] = headerLine
	} else {
		out.Params["layout"] = strings.Join(header, " | ")
	}
	if len(cols.ignored) > 0 {
		out.Notes = append(out.Notes, "kolumner som inte används: "+strings.Join(cols.ignored, ", "))
	}
	codes := make([]string, len(cols.indCols))
	for k, j := range cols.indCols {
		codes[k] = cols.roles[j].code
	}
	st := &parseState{p: p, name: name, word: word, cols: cols, header: header, out: out,
		values: ownfiles.NewValues(Source, codes...), shape: ownfiles.NewShape(f, len(header)),
		scan:     ownfiles.NewTextScan(name, p.opts.PersonnummerInText, -1),
		dimOrder: cols.dimOrder(), prev: make([]string, len(header)), dims: make([]string, len(header)),
		rowValues: make([]float64, len(cols.indCols)), units: map[string]unitResult{}, periods: map[periodKey]periodResult{},
		genders: labelCache{m: map[string]labelResult{}}, regis: labelCache{m: map[string]labelResult{}}}
	st.fileNeeded, st.sparse = !cols.hasPeriod(), f.SparseRows()
	if n := ownfiles.EstimateRows(f, in.Size(), head); n > 0 {
		st.values.Grow(n)
	}
	if st.fileNeeded {
		// The file's period is known at its end (it may be in a footing):
		// its rows point at a period filled in then.
		st.filePeriod = st.values.Period(store.Period{})
	}
	next := ownfiles.Rows(name, head, 0, rd)
	for i := 0; ; i++ {
		r, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		st.scan.Row(r, header, headerLine)
		switch {
		case r.Blank() || i == dataFrom-1:
			// Blank rows and the heading row itself are not counted.
		case i < dataFrom:
			out.Skipped++
			st.other(r)
		default:
			st.row(r)
		}
	}
	if err := st.scan.Err(); err != nil {
		return nil, err
	}
	if err := st.duplicates(ctx, in); err != nil {
		return nil, err
	}
	if note := st.scan.Note(); note != "" {
		out.Notes = append(out.Notes, note)
	}
	out.Notes = append(out.Notes, st.shape.Notes()...)
	if st.carried > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("%d tomma eller sammanfogade cellers värden (%s) togs från raden ovanför "+
			"eller från det sammanfogade området, som WebFOCUS skriver upprepade sorteringsvärden", st.carried, st.carriedCols()))
	}
	period, periodSource, err := p.filePeriod(name, cols, st.otherText)
	if err != nil {
		return nil, err
	}
	if periodSource != "" {
		out.Params["period"] = ownfiles.Label(period) + " (" + periodSource + ")"
		st.values.SetPeriod(st.filePeriod, period)
	}
	if periodSource != "" && p.period != nil && periodSource != "--period" {
		out.Notes = append(out.Notes, "--period används inte: perioden kommer från "+periodSource)
	}
	out.Values = st.values
	for _, j := range cols.indCols {
		code := cols.roles[j].code
		ind := p.indicators[code]
		out.Indicators = append(out.Indicators, store.LocalIndicator{ID: code, Source: Source, Title: ind.Name,
			Unit: ind.Unit, SourceSystem: SourceSystem})
	}
	return out, nil
}

func (p *Parser) readOptions() tabular.Options {
	return tabular.Options{Encoding: p.opts.Encoding, Delimiter: p.opts.Delimiter, Limits: p.opts.Limits}
}

// parseState is one file being read.
type parseState struct {
	p      *Parser
	name   string
	word   string
	cols   *columns
	header []string
	out    *ownfiles.Parsed
	values *ownfiles.Values
	shape  *ownfiles.Shape
	scan   *ownfiles.TextScan

	otherText  []string
	otherBytes int

	sparse     bool
	fileNeeded bool
	filePeriod uint32

	// dimOrder are the dimension columns left to right; prev their values
	// in the last data row, which blank cells below carry on.
	dimOrder   []int
	prev, dims []string // by column
	hasPrev    bool
	carried    int
	carriedCol map[int]bool

	rowValues []float64
	// What each distinct text of a dimension reads as; the last row's
	// texts are compared first, because a report sorted by its BY
	// columns repeats them row after row.
	units          map[string]unitResult
	lastUnit       string
	lastUnitResult unitResult
	hasLastUnit    bool
	periods        map[periodKey]periodResult
	lastPeriod     periodKey
	lastPerResult  periodResult
	hasLastPeriod  bool
	genders, regis labelCache
}

// duplicates refuses every row that repeats an earlier row's enhet, period,
// kön and regi, naming the earlier line.
func (st *parseState) duplicates(ctx context.Context, in tabular.Input) error {
	dups := st.values.Duplicates()
	if len(dups) == 0 {
		return nil
	}
	lines := map[int]bool{}
	for _, d := range dups {
		lines[d.Line] = true
	}
	cells, err := ownfiles.Reread(ctx, st.name, in, st.p.readOptions(), lines)
	if err != nil {
		return err
	}
	for _, d := range dups {
		msg := fmt.Sprintf("samma enhet, period, kön och regi som rad %d", d.First)
		st.out.Problem(st.name, d.Line, "", "%s", msg)
		st.out.Refuse(ownfiles.RefusedRow{Line: d.Line, Cells: cells[d.Line], Reasons: []string{msg}})
	}
	return nil
}

// other keeps the text of a heading, footing or sub-heading row, where the
// file's period may be written.
func (st *parseState) other(r tabular.Row) {
	if len(st.otherText) >= maxOtherRows || st.otherBytes >= maxOtherBytes {
		return
	}
	t := strings.Join(r.Cells, " ")
	st.otherText = append(st.otherText, t)
	st.otherBytes += len(t)
}

func (st *parseState) carriedCols() string {
	var out []string
	for _, j := range st.dimOrder {
		if st.carriedCol[j] {
			out = append(out, ownfiles.ColumnLabel(j, st.cols.heading(j)))
		}
	}
	return strings.Join(out, ", ")
}

// row reads a row below the column titles.
func (st *parseState) row(r tabular.Row) {
	p, cols, out := st.p, st.cols, st.out
	var reasons []string
	problem := func(col int, format string, args ...any) {
		label := ""
		if col >= 0 {
			label = ownfiles.ColumnLabel(col, cols.heading(col))
		}
		msg := fmt.Sprintf(format, args...)
		out.Problem(st.name, r.Line, label, "%s", msg)
		reasons = append(reasons, strings.TrimSpace(label+" "+msg))
	}
	data := p.isData(r, cols)
	short := ""
	if data || !st.sparse {
		// Delimited text writes every field of every row: a short row
		// that does not look like data may be data cut short.
		short = st.shape.Check(r)
	}
	if !data && short == "" {
		out.Skipped++
		for _, cp := range r.Problems {
			st.shape.Unusable(r, cp, st.word)
		}
		if !p.isTotal(r, cols) {
			st.other(r)
		}
		return
	}
	out.Rows++
	if short != "" {
		problem(len(r.Cells), "%s", short)
	}
	if extra := lastFilled(r.Cells); extra >= len(st.header) {
		problem(extra, "raden har fler celler än det finns kolumnrubriker (ett avgränsningstecken i en text utan citattecken?)")
	}
	for _, cp := range r.Problems {
		if cp.Col < len(cols.roles) && cols.roles[cp.Col].kind != roleNone {
			problem(cp.Col, "%s", cp.Reason)
		} else {
			st.shape.Unusable(r, cp, st.word)
		}
	}
	dims := st.dimValues(r)
	key := ownfiles.Key{Gender: st.values.Label(store.GenderTotal), Regi: st.values.Label(store.RegiAll)}
	if j, ok := cols.dims[roleUnit]; ok {
		u := st.unitOf(dims[j])
		if u.missing {
			problem(j, "enhet saknas: cellen är tom och ingen rad ovanför anger enheten; en rad för hela kommunen ska ha "+
				"kommunens namn eller något av local.municipality_units som enhet")
		}
		key.Unit = u.index
	} else {
		key.Unit = st.values.Unit(store.UnitMunicipality, p.opts.Home)
	}
	if st.fileNeeded {
		key.Period = st.filePeriod
	} else if per, err := st.period(dims); err != nil {
		problem(cols.periodColumn(), "%v", err)
	} else {
		key.Period = per
	}
	if j, ok := cols.dims[roleGender]; ok {
		g := st.genders.of(st, dims[j], ownfiles.ParseGender)
		if g.err != nil {
			problem(j, "%v", g.err)
		}
		key.Gender = g.index
	}
	if j, ok := cols.dims[roleRegi]; ok {
		rg := st.regis.of(st, dims[j], p.opts.Regi.ParseRegi)
		if rg.err != nil {
			problem(j, "%v", rg.err)
		}
		key.Regi = rg.index
	}
	values := st.rowValues[:len(cols.indCols)]
	for k, j := range cols.indCols {
		values[k] = ownfiles.Missing
		if _, bad := r.Problem(j); bad {
			continue
		}
		if r.Cell(j) == "" && r.Filled(j) != "" {
			problem(j, "cellen ingår i ett sammanfogat område med värdet %q: vilken rad värdet gäller går inte att veta", r.Filled(j))
			continue
		}
		v, ok, err := tabular.ParseNumber(r.Cell(j))
		switch {
		case err != nil:
			problem(j, "%v", err)
		case ok:
			values[k] = v
		}
	}
	if len(reasons) > 0 {
		out.Refuse(ownfiles.RefusedRow{Line: r.Line, Cells: r.Cells, Reasons: reasons})
		return
	}
	// Two rows of one key are found when the whole file is read (Duplicates).
	st.values.AddLine(r.Line, key, values...)
}

// dimValues are the values of a data row's dimension columns (enhet,
// period, kön, regi). A cell a merged range covers has the range's value; a
// blank cell has the value of the row above — WebFOCUS writes a sort (BY)
// value only where it changes — as long as every dimension to its left is
// unchanged too (a blank beside a new enhet is not that enhet's repeat).
func (st *parseState) dimValues(r tabular.Row) []string {
	out := st.dims
	unchanged := st.hasPrev
	for _, j := range st.dimOrder {
		v := strings.TrimSpace(r.Cell(j))
		if v == "" {
			if m := strings.TrimSpace(r.Filled(j)); m != "" {
				v = m
				st.carry(j)
			} else if prev := st.prev[j]; unchanged && prev != "" {
				v = prev
				st.carry(j)
			}
		}
		if v != st.prev[j] {
			unchanged = false
		}
		out[j] = v
	}
	copy(st.prev, out)
	st.hasPrev = true
	return out
}

// unitOf is unit, once for each distinct text.
func (st *parseState) unitOf(text string) unitResult {
	if st.hasLastUnit && text == st.lastUnit {
		return st.lastUnitResult
	}
	u, known := st.units[text]
	if !known {
		u = st.unit(text)
	}
	st.lastUnit, st.lastUnitResult, st.hasLastUnit = text, u, true
	return u
}

type unitResult struct {
	index   uint32
	missing bool
}

// unit reads an enhet cell: the municipality when it names it (or one of
// local.municipality_units), else a local unit; nothing when empty.
func (st *parseState) unit(text string) unitResult {
	p := st.p
	var r unitResult
	switch u := ownfiles.UnitID(text); {
	case u == "":
		r.missing = true
	case p.munis[swedish.Fold(u)] || u == p.opts.Home:
		r.index = st.values.Unit(store.UnitMunicipality, p.opts.Home)
	default:
		r.index = st.values.Unit(store.UnitLocal, u)
	}
	if len(st.units) < maxCache {
		st.units[strings.Clone(text)] = r
	}
	return r
}

// maxCache bounds each cache of a file's texts.
const maxCache = 10_000

type periodKey struct{ a, b string }

type periodResult struct {
	index uint32
	err   error
}

type labelResult struct {
	index uint8
	err   error
}

// period is rowPeriod of a row's period cells, once for each distinct text.
func (st *parseState) period(dims []string) (uint32, error) {
	cols := st.cols
	var k periodKey
	if j, ok := cols.dims[rolePeriod]; ok {
		k.a = dims[j]
	} else {
		k = periodKey{dims[cols.dims[rolePeriodStart]], dims[cols.dims[rolePeriodEnd]]}
	}
	if st.hasLastPeriod && k == st.lastPeriod {
		return st.lastPerResult.index, st.lastPerResult.err
	}
	r, ok := st.periods[k]
	if !ok {
		per, err := st.p.rowPeriod(dims, cols)
		r = periodResult{err: err}
		if err == nil {
			r.index = st.values.Period(per)
		}
		if len(st.periods) < maxCache {
			st.periods[periodKey{strings.Clone(k.a), strings.Clone(k.b)}] = r
		}
	}
	st.lastPeriod, st.lastPerResult, st.hasLastPeriod = k, r, true
	return r.index, r.err
}

// labelCache remembers what the kön or regi texts of a file read as.
type labelCache struct {
	m      map[string]labelResult
	last   string
	result labelResult
	has    bool
}

// of is a kön or regi cell read by parse, once for each distinct text.
func (c *labelCache) of(st *parseState, text string, parse func(string) (string, error)) labelResult {
	if c.has && text == c.last {
		return c.result
	}
	r, ok := c.m[text]
	if !ok {
		v, err := parse(text)
		r = labelResult{err: err}
		if err == nil {
			r.index = st.values.Label(v)
		} else {
			r.index = st.values.Label("")
		}
		if len(c.m) < maxCache {
			c.m[strings.Clone(text)] = r
		}
	}
	c.last, c.result, c.has = text, r, true
	return r
}

func (st *parseState) carry(j int) {
	st.carried++
	if st.carriedCol == nil {
		st.carriedCol = map[int]bool{}
	}
	st.carriedCol[j] = true
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
// not blank ("." counts: it is a missing value; so does a cell without a
// usable value, which is then refused) and is not a repeated heading or a
// total.
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
		// TrimSpace trims U+00A0 too (a no-break space alone is blank).
		if strings.TrimSpace(r.Cell(j)) != "" {
			return true
		}
		if _, bad := r.Problem(j); bad {
			return true
		}
	}
	return false
}

// isTotal: the first cell, the enhet or the period starts with TOTAL,
// Summa, Delsumma … (styled reports' subtotal and total rows). Kön and regi
// are not looked at: "Totalt" there is a value (T, alla), not a total row.
func (p *Parser) isTotal(r tabular.Row, cols *columns) bool {
	if ownfiles.IsTotalRow(r.Cell(0)) {
		return true
	}
	for _, k := range []roleKind{roleUnit, rolePeriod} {
		if j, ok := cols.dims[k]; ok && ownfiles.IsTotalRow(r.Filled(j)) {
			return true
		}
	}
	return false
}

// filePeriod is the period of the whole file when it has no period column:
// --period, else the one period its headings and footings name.
func (p *Parser) filePeriod(file string, cols *columns, text []string) (store.Period, string, error) {
	if cols.hasPeriod() {
		return store.Period{}, "", nil
	}
	if p.period != nil {
		return *p.period, "--period", nil
	}
	per, found, err := ownfiles.FindPeriod(strings.Join(text, " \n "), p.opts.InterimEnd)
	if err != nil {
		return store.Period{}, "", ownfiles.Refuse(file, 0, "", "%v; ange perioden med --period", err)
	}
	if !found {
		return store.Period{}, "", ownfiles.Refuse(file, 0, "", "filen anger ingen period: den har ingen periodkolumn "+
			"(local.webfocus.period_columns) och rubriken nämner ingen; ange en med --period, t.ex. --period \"delår 2024\"")
	}
	return per, "heading", nil
}

func (p *Parser) rowPeriod(dims []string, cols *columns) (store.Period, error) {
	if j, ok := cols.dims[rolePeriod]; ok {
		return ownfiles.ParsePeriod(dims[j], p.opts.InterimEnd)
	}
	from, err := tabular.ParseDate(dims[cols.dims[rolePeriodStart]])
	if err != nil {
		return store.Period{}, err
	}
	to, err := tabular.ParseDate(dims[cols.dims[rolePeriodEnd]])
	if err != nil {
		return store.Period{}, err
	}
	return ownfiles.ClassifyRange(from, to)
}

func (c *columns) hasPeriod() bool {
	_, a := c.dims[rolePeriod]
	_, b := c.dims[rolePeriodStart]
	return a || b
}

// dimOrder are the dimension columns, left to right.
func (c *columns) dimOrder() []int {
	var out []int
	for _, j := range c.dims {
		out = append(out, j)
	}
	sort.Ints(out)
	return out
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
			out[ownfiles.ColumnLabel(j, c.header[j])] = r.String()
		}
	}
	return out
}
