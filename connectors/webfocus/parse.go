package webfocus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/nyckeltal/nyckeltal/connectors/ownfiles"
	"github.com/nyckeltal/nyckeltal/internal/store"
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
	st := &parseState{p: p, name: name, cols: cols, header: header, out: out,
		values: ownfiles.NewValues(Source, codes...), dimCol: newDimColumns(cols), rowValues: make([]float64, len(cols.indCols)),
		periods: map[periodKey]periodResult{}, genders: labelCache{m: map[string]labelResult{}}, regis: labelCache{m: map[string]labelResult{}}}
	st.fileNeeded = !cols.hasPeriod()
	pre := &preparer{p: p, cols: cols, header: header, headerLine: headerLine, word: word, dataFrom: dataFrom,
		dimCol: st.dimCol, sparse: f.SparseRows(), shape: ownfiles.NewShape(f, len(header)),
		scan:     ownfiles.NewTextScan(name, p.opts.PersonnummerInText, -1),
		dimOrder: cols.dimOrder()}
	pre.prev, pre.dimRole = make([]string, len(pre.dimOrder)), make([]roleKind, len(pre.dimOrder))
	for k, j := range pre.dimOrder {
		pre.dimRole[k] = cols.roles[j].kind
	}
	st.pre = pre
	if n := ownfiles.EstimateRows(f, in.Size(), head); n > 0 {
		st.values.Grow(n)
	}
	if st.fileNeeded {
		// The file's period is known at its end (it may be in a footing):
		// its rows point at a period filled in then.
		st.filePeriod = st.values.Period(store.Period{})
	}
	prep := pre.start(ownfiles.Rows(name, head, 0, rd))
	defer prep.Stop() // before rd is closed: the reader is not read after it
	for b := range prep.Batches() {
		for i := range b.Rows {
			st.take(&b.Rows[i])
		}
		if b.Err != nil {
			return nil, b.Err
		}
		prep.Reuse(b) // take keeps nothing of a batch
	}
	// The batches have ended: what prepare counted is read from here on.
	if err := pre.scan.Err(); err != nil {
		return nil, err
	}
	if err := st.duplicates(ctx, in); err != nil {
		return nil, err
	}
	if note := pre.scan.Note(); note != "" {
		out.Notes = append(out.Notes, note)
	}
	out.Notes = append(out.Notes, pre.shape.Notes()...)
	if pre.carried > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("%d tomma eller sammanfogade cellers värden (%s) togs från raden ovanför "+
			"eller från det sammanfogade området, som WebFOCUS skriver upprepade sorteringsvärden", pre.carried, pre.carriedCols()))
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

// parseState is one file being read: what is made of its data rows, in
// the caller's goroutine, from the rows a preparer has read.
type parseState struct {
	p      *Parser
	name   string
	cols   *columns
	header []string
	out    *ownfiles.Parsed
	values *ownfiles.Values
	pre    *preparer // read only once its batches have ended
	dimCol dimColumns

	otherText  []string
	otherBytes int

	fileNeeded bool
	filePeriod uint32
	rowValues  []float64 // a row's values, by indicator column

	// The kön and regi of a row without those columns, found at the first
	// data row (Values numbers its texts in the order they are first seen).
	defaultGender, defaultRegi uint8
	hasDefaults                bool

	// What each distinct text of a dimension reads as (the enhet: see
	// Values.Unit); recent texts are compared first, because a report
	// sorted by its BY columns repeats them row after row.
	periods        map[periodKey]periodResult
	recentPeriods  [recentPeriods]periodEntry
	nextRecent     int
	genders, regis labelCache
}

// dimColumns is the column of each dimension (enhet, period, kön, regi),
// -1 where the file has none: an array, where the columns' map costs a
// hash per row and dimension.
type dimColumns [roleIndicator]int

func newDimColumns(cols *columns) dimColumns {
	var d dimColumns
	for k := range d {
		d[k] = -1
	}
	for k, j := range cols.dims {
		d[k] = j
	}
	return d
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

// take is what becomes of a row the preparer read.
func (st *parseState) take(pr *preparedRow) {
	switch pr.kind {
	case rowHeading:
		st.out.Skipped++
		st.other(pr.Row)
	case rowSkipped:
		st.out.Skipped++
		if pr.keepText {
			st.other(pr.Row)
		}
	case rowData:
		st.row(pr)
	}
}

// row reads a data row below the column titles: its problems in the order
// they are said (the row's shape, its cells, its dimensions, its values)
// and its key and values.
func (st *parseState) row(pr *preparedRow) {
	p, cols, out, r := st.p, st.cols, st.out, pr.Row
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
	out.Rows++
	if pr.short != "" {
		problem(len(r.Cells), "%s", pr.short)
	}
	if pr.extra >= len(st.header) {
		problem(pr.extra, "raden har fler celler än det finns kolumnrubriker (ett avgränsningstecken i en text utan citattecken?)")
	}
	for _, cp := range r.Problems {
		if isRoleColumn(cols, cp.Col) {
			problem(cp.Col, "%s", cp.Reason)
		}
	}
	if !st.hasDefaults {
		st.defaultGender, st.defaultRegi = st.values.Label(store.GenderTotal), st.values.Label(store.RegiAll)
		st.hasDefaults = true
	}
	key := ownfiles.Key{Gender: st.defaultGender, Regi: st.defaultRegi}
	if j := st.dimCol[roleUnit]; j >= 0 {
		u := st.unitOf(pr.unit)
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
	} else if per, err := st.period(&pr.dims); err != nil {
		problem(cols.periodColumn(), "%v", err)
	} else {
		key.Period = per
	}
	if j := st.dimCol[roleGender]; j >= 0 {
		g := st.genders.of(st, pr.dims[roleGender], ownfiles.ParseGender)
		if g.err != nil {
			problem(j, "%v", g.err)
		}
		key.Gender = g.index
	}
	if j := st.dimCol[roleRegi]; j >= 0 {
		rg := st.regis.of(st, pr.dims[roleRegi], p.opts.Regi.ParseRegi)
		if rg.err != nil {
			problem(j, "%v", rg.err)
		}
		key.Regi = rg.index
	}
	values := st.rowValues
	for k, j := range cols.indCols {
		values[k] = ownfiles.Missing
		if hasProblem(r, j) {
			continue // said with the row's cell problems
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

// isRoleColumn: column j means something (a dimension or an indicator).
func isRoleColumn(cols *columns, j int) bool {
	return j < len(cols.roles) && cols.roles[j].kind != roleNone
}

// unitOf is the index of a row's enhet (read by the preparer).
func (st *parseState) unitOf(u unitCell) unitResult {
	switch {
	case u.missing:
		return unitResult{missing: true}
	case u.municipality:
		return unitResult{index: st.values.Unit(store.UnitMunicipality, st.p.opts.Home)}
	}
	return unitResult{index: st.values.Unit(store.UnitLocal, u.id)}
}

type unitResult struct {
	index   uint32
	missing bool
}

// maxCache bounds each cache of a file's texts.
const maxCache = 10_000

type periodKey struct{ a, b string }

type periodResult struct {
	index uint32
	err   error
}

type periodEntry struct {
	key    periodKey
	result periodResult
	has    bool
}

// recentPeriods is how many of the last distinct periods are compared
// before the map: a report sorted by enhet and kön repeats a handful of
// periods (the quarters, the months of a year) over and over, and two
// short comparisons are cheaper than hashing two strings.
const recentPeriods = 16

type labelResult struct {
	index uint8
	err   error
}

// period is rowPeriod of a row's period cells, once for each distinct text.
func (st *parseState) period(dims *rowDims) (uint32, error) {
	var k periodKey
	if st.dimCol[rolePeriod] >= 0 {
		k.a = dims[rolePeriod]
	} else {
		k = periodKey{dims[rolePeriodStart], dims[rolePeriodEnd]}
	}
	for i := range st.recentPeriods {
		if e := &st.recentPeriods[i]; e.has && e.key == k {
			return e.result.index, e.result.err
		}
	}
	r, ok := st.periods[k]
	if !ok {
		per, err := st.p.rowPeriod(dims, st.dimCol)
		r = periodResult{err: err}
		if err == nil {
			r.index = st.values.Period(per)
		}
		k = periodKey{strings.Clone(k.a), strings.Clone(k.b)}
		if len(st.periods) < maxCache {
			st.periods[k] = r
		}
	}
	st.recentPeriods[st.nextRecent] = periodEntry{key: k, result: r, has: true}
	st.nextRecent = (st.nextRecent + 1) % recentPeriods
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

func (p *Parser) rowPeriod(dims *rowDims, dimCol dimColumns) (store.Period, error) {
	if dimCol[rolePeriod] >= 0 {
		return ownfiles.ParsePeriod(dims[rolePeriod], p.opts.InterimEnd)
	}
	from, err := tabular.ParseDate(dims[rolePeriodStart])
	if err != nil {
		return store.Period{}, err
	}
	to, err := tabular.ParseDate(dims[rolePeriodEnd])
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
