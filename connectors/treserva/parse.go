package treserva

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/connectors/ownfiles"
	"github.com/nyckeltal/nyckeltal/internal/personnummer"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"github.com/nyckeltal/nyckeltal/internal/tabular"
)

// decision is one row of the extract, pseudonymised and compact: dates as
// day numbers (noDate when empty), texts as indexes into the extract's
// table of texts.
type decision struct {
	person [16]byte // the pseudonym (personnummer.Pseudonyms)
	line   int32
	birth  int32
	// application may be noDate; decided never is.
	application, decided, offered, executed, ended int32
	insats, lagrum, utforare, enhet                uint32
	// pending is 1 + the index of a 10-digit personnummer whose century
	// waits for the extract date; 0 when the person is known.
	pending int32
	gender  byte // 'K' or 'M'
	group   byte // gSabo or gBSS
	regi    byte // 0 (not given), rEgen or rPrivat
	granted bool
	plus    bool // the number was written with "+"
	dropped bool // refused, too young, or merged into another row
}

// chunkLen is how many decisions a chunk holds: decisions are kept in
// chunks, so that staging can let each chunk go once it is staged.
const chunkLen = 1 << 16

// decisions are an extract's decisions in file order, in chunks.
type decisions struct {
	chunks [][]decision
	n      int
}

func (ds *decisions) add(d decision) {
	if ds.n%chunkLen == 0 {
		ds.chunks = append(ds.chunks, make([]decision, 0, chunkLen))
	}
	c := &ds.chunks[len(ds.chunks)-1]
	*c = append(*c, d)
	ds.n++
}

func (ds *decisions) at(i int32) *decision { return &ds.chunks[i/chunkLen][i%chunkLen] }

const (
	gSabo byte = 1 + iota
	gBSS
)

const (
	rEgen byte = 1 + iota
	rPrivat
)

func groupName(g byte) string {
	if g == gBSS {
		return groupBSS
	}
	return groupSabo
}

func regiName(r byte) string {
	switch r {
	case rEgen:
		return store.RegiEgen
	case rPrivat:
		return store.RegiPrivat
	}
	return ""
}

// Parse reads an extract held in memory and computes its indicators.
func (p *Parser) Parse(ctx context.Context, name string, data []byte) (*ownfiles.Parsed, error) {
	return p.ParseFrom(ctx, name, bytes.NewReader(data))
}

// ParseFrom reads an extract a row at a time and computes its indicators.
//
// The extract date (--as-of, else the latest date of an event in the
// extract) is known only at the end, and a 10-digit personnummer's century,
// whether a date of birth lies after it and whether a "+" is right all
// depend on it: those are settled at the end, on what the rows left.
func (p *Parser) ParseFrom(ctx context.Context, name string, in tabular.Input) (*ownfiles.Parsed, error) {
	if p.opts.Key == nil {
		return nil, fmt.Errorf("reading %s: it holds personnummer: %w", name, personnummer.ErrNoKey)
	}
	rd, err := tabular.Open(ctx, in, tabular.Options{Delimiters: []rune{';'}, Limits: p.opts.Limits})
	if err != nil {
		return nil, ownfiles.ReadError(name, err)
	}
	defer rd.Close()
	head, err := ownfiles.Head(name, rd, headerSearchRows)
	if err != nil {
		return nil, err
	}
	headerAt, cols, err := p.findHeader(name, head)
	if err != nil {
		return nil, err
	}
	header, headerLine := head[headerAt].Cells, head[headerAt].Line
	f := rd.Format()
	out := &ownfiles.Parsed{
		Format: "Treserva CSV",
		Header: header,
		Params: map[string]any{"encoding": f.Encoding, "header_line": headerLine, "pseudonym_key_id": p.opts.Key.ID()},
	}
	var unused []string
	for j, h := range header {
		if _, ok := p.aliases[swedish.Fold(h)]; !ok && strings.TrimSpace(h) != "" {
			unused = append(unused, ownfiles.ColumnLabel(j, h))
		}
	}
	if len(unused) > 0 {
		out.Notes = append(out.Notes, "kolumner som inte används: "+strings.Join(unused, ", "))
	}
	st := newState(p, name, header, cols, out, f)
	st.headerLine = headerLine
	scan := ownfiles.NewTextScan(name, p.opts.PersonnummerInText, cols[fPersonnummer])
	prep := st.prepare(ownfiles.Rows(name, head, 0, rd), scan, headerAt)
	defer prep.Stop() // before rd is closed: the reader is not read after it
	for b := range prep.Batches() {
		for i := range b.Rows {
			out.Rows++
			st.row(&b.Rows[i])
		}
		if b.Err != nil {
			return nil, b.Err
		}
		prep.Reuse(b) // row keeps nothing of a batch
	}
	if err := scan.Err(); err != nil {
		return nil, err
	}
	if note := scan.Note(); note != "" {
		out.Notes = append(out.Notes, note)
	}
	out.Notes = append(out.Notes, st.shape.Notes()...)
	// The extract date: given, or the latest event date of any row. It is
	// also the date against which "-" and "+" of 10-digit personnummer are
	// read, so that a file reads the same whenever it is loaded.
	asOf := p.opts.AsOf
	if asOf.IsZero() && st.latest != noDate {
		asOf = timeOf(st.latest)
	}
	ref := asOf
	if ref.IsZero() {
		ref = time.Now()
	}
	if err := st.settle(ctx, in, ref); err != nil {
		return nil, err
	}
	if st.young > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("%d rader om särskilt boende för personer under %d år vid ansökan används inte (särskilt boende för äldre)",
			st.young, p.opts.Config.SaboMinAge))
	}
	if st.otherInsats > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("%d rader om andra insatser än särskilt boende och bostad med särskild service används inte", st.otherInsats))
	}
	merged := st.mergeDuplicates()
	order := st.order
	noOffer := 0
	for _, i := range order {
		if d := st.ds.at(i); d.granted && d.offered == noDate && d.executed != noDate {
			noOffer++
		}
	}
	if noOffer > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("%d verkställda beslut saknar erbjudet inflyttningsdatum och räknas inte med i den genomsnittliga väntetiden", noOffer))
	}
	if merged > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("%d rader upprepade ett beslut (samma person, insats och beslutsdatum) och slogs ihop; det första erbjudandet behölls", merged))
	}
	if len(order) == 0 {
		if out.NumProblems() == 0 {
			return nil, ownfiles.Refuse(name, 0, "", "inga beslut om särskilt boende (%d år eller äldre) eller bostad med "+
				"särskild service på %d rader: är det rätt uttag? (local.treserva.sabo_insats och bss_insats anger vilka insatser som räknas)",
				p.opts.Config.SaboMinAge, out.Rows)
		}
		return out, nil
	}
	out.Params["extract_date"] = asOf.Format(time.DateOnly)
	if !p.opts.AsOf.IsZero() {
		asOfDay := dayOf(asOf)
		j := cols[fBeslutsdatum]
		for _, i := range order {
			if d := st.ds.at(i); d.decided > asOfDay {
				out.Problem(name, int(d.line), ownfiles.ColumnLabel(j, header[j]),
					"beslutsdatum %s is after the extract date %s", timeOf(d.decided).Format(time.DateOnly), asOf.Format(time.DateOnly))
			}
		}
	}
	periods, err := p.periodsFor(asOf)
	if err != nil {
		return nil, ownfiles.Refuse(name, 0, "", "%v", err)
	}
	if len(periods) == 0 {
		return nil, ownfiles.Refuse(name, 0, "", "ingen period av %s hade tagit slut vid uttagets datum %s: inget att beräkna "+
			"(ange datumet som uttaget beskriver med --as-of)", strings.Join(p.opts.Config.Periods, ", "), asOf.Format(time.DateOnly))
	}
	labels := make([]string, len(periods))
	for i, per := range periods {
		labels[i] = ownfiles.Label(per)
	}
	out.Params["periods"] = labels
	out.Values = p.compute(st.ds, order, periods, st.hasRegi)
	if p.opts.Config.KeepDecisions {
		out.Decisions = &decisionList{ds: st.ds, live: len(order), texts: st.texts, keyID: p.opts.Key.ID(), extractDate: asOf}
	}
	for _, li := range Indicators {
		li.Source, li.SourceSystem = Source, SourceSystem
		out.Indicators = append(out.Indicators, li)
	}
	return out, nil
}

// state is one extract being read.
type state struct {
	p          *Parser
	name       string
	header     []string
	headerLine int
	cols       map[field]int
	out        *ownfiles.Parsed
	shape      *ownfiles.Shape
	ps         *personnummer.Pseudonyms
	texts      *texts
	// colIndex is cols as an array (-1: no such column): looked up for
	// every cell of every row.
	colIndex [numFields]int
	// caches of what the configured lists make of a cell's text
	groups *ownfiles.Memo[byte]
	beslut *ownfiles.Memo[int8] // 1 granted, 0 rejected, -1 neither
	laws   *ownfiles.Memo[string]
	regis  *ownfiles.Memo[byte]
	// enhets is an enhet cell's index in texts (of its UnitID): one
	// lookup where a row of another enhet than the row before would
	// otherwise take two; line is the row's, for the index.
	enhets  *ownfiles.Memo[uint32]
	line    int
	ds      *decisions
	order   []int32  // the decisions kept, by person (mergeDuplicates)
	pending []string // 10-digit personnummer waiting for their century (cloned)
	latest  int32
	hasRegi bool

	otherInsats, young int
}

func newState(p *Parser, name string, header []string, cols map[field]int, out *ownfiles.Parsed, f tabular.Format) *state {
	st := &state{p: p, name: name, header: header, cols: cols, out: out, shape: ownfiles.NewShape(f, len(header)),
		ps: p.opts.Key.Pseudonyms(), texts: newTexts(), latest: noDate, ds: &decisions{},
		groups: memo(p.classify), beslut: memo(p.beslutOf), laws: memo(lawOf), regis: ownfiles.NewMemo(p.regiOf),
	}
	st.enhets = memo(func(s string) uint32 { return st.texts.id(fEnhet, ownfiles.UnitID(s), st.line) })
	for f := range st.colIndex {
		st.colIndex[f] = -1
	}
	for f, j := range cols {
		st.colIndex[f] = j
	}
	return st
}

// memo remembers fn for each distinct text (ownfiles.Memo, which bounds
// what it keeps).
func memo[V any](fn func(string) V) *ownfiles.Memo[V] {
	return ownfiles.NewMemo(func(s string) (V, error) { return fn(s), nil })
}

func get[V any](m *ownfiles.Memo[V], s string) V {
	v, _ := m.Get(s)
	return v
}

// preparedRow is a data row with what prepare made of its personnummer.
type preparedRow struct {
	tabular.Row
	pnr    string // the cell, trimmed
	number personnummer.Number
	err    error    // of personnummer.Parse
	person [16]byte // the pseudonym, of a 12-digit number
}

// prepare reads the rows in a goroutine of its own (ownfiles.RowPreparer)
// and does there what needs nothing of the other rows: the personnummer
// scan of every cell (scan: read by the caller once the batches end),
// reading the personnummer and its pseudonym (an HMAC). The heading rows
// and blank rows are left out.
func (st *state) prepare(next func() (tabular.Row, error), scan *ownfiles.TextScan, headerAt int) *ownfiles.RowPreparer[preparedRow] {
	ps := st.p.opts.Key.Pseudonyms() // its own: a Pseudonyms is not safe for two goroutines
	header, headerLine := st.header, st.headerLine
	pnrCol := st.colIndex[fPersonnummer]
	return ownfiles.PrepareRows(next, func(i int, r tabular.Row, rows []preparedRow) []preparedRow {
		scan.Row(r, header, headerLine)
		if i <= headerAt || r.Blank() {
			return rows
		}
		pr := preparedRow{Row: r, pnr: strings.TrimSpace(r.Cell(pnrCol))}
		pr.number, pr.err = personnummer.Parse(pr.pnr, time.Time{})
		if pr.err == nil && !tenDigits(pr.pnr) {
			pr.person = ps.Of(pr.number)
		}
		return append(rows, pr)
	})
}

// row reads one row into a decision, or says why it is not used.
func (st *state) row(pr *preparedRow) {
	r := pr.Row
	cols, out := st.cols, st.out
	cell := func(f field) string {
		if j := st.colIndex[f]; j >= 0 {
			return strings.TrimSpace(r.Cell(j))
		}
		return ""
	}
	// The dates of events, read once: the latest of every row (the other
	// insatser's too) is the extract date when none is given.
	var dates [4]struct {
		text string
		day  int32
		err  error
	}
	for i, f := range eventFields {
		dates[i].day = noDate
		if v := cell(f); v != "" {
			dates[i].text = v
			dates[i].day, dates[i].err = isoDay(v)
			if d := dates[i].day; dates[i].err == nil && d > st.latest && d <= lastDay2100 {
				st.latest = d
			}
		}
	}
	var reasons []string
	problem := func(j int, format string, args ...any) {
		label := ""
		if j >= 0 {
			h := ""
			if j < len(st.header) {
				h = st.header[j]
			}
			label = ownfiles.ColumnLabel(j, h)
		}
		msg := fmt.Sprintf(format, args...)
		out.Problem(st.name, r.Line, label, "%s", msg)
		if label != "" {
			msg = label + ": " + msg
		}
		reasons = append(reasons, msg)
	}
	fieldProblem := func(f field, format string, args ...any) { problem(cols[f], format, args...) }
	defer func() {
		if len(reasons) > 0 {
			cells := append([]string(nil), r.Cells...)
			if j := cols[fPersonnummer]; j < len(cells) {
				cells[j] = personnummer.MaskField(cells[j])
			}
			out.Refuse(ownfiles.RefusedRow{Line: r.Line, Cells: cells, Reasons: reasons})
		}
	}()
	if why := st.shape.Check(r); why != "" {
		problem(len(r.Cells), "%s", why)
		return
	}
	if extra := lastFilled(r.Cells); extra >= len(st.header) {
		problem(extra, "raden har fler celler än det finns kolumnrubriker (ett avgränsningstecken i en text utan citattecken?)")
		return
	}
	insats := cell(fInsats)
	group := get(st.groups, insats)
	if group == 0 {
		st.otherInsats++
		out.Skipped++
		return
	}
	lagrum := cell(fLagrum)
	d := decision{line: int32(r.Line), group: group, insats: st.texts.id(fInsats, insats, r.Line),
		lagrum: st.texts.id(fLagrum, lagrum, r.Line), utforare: st.texts.id(fUtforare, cell(fUtforare), r.Line),
		application: noDate, offered: noDate, executed: noDate, ended: noDate}
	st.line = r.Line
	d.enhet = get(st.enhets, cell(fEnhet))
	pnr, n := pr.pnr, pr.number
	switch {
	case pr.err != nil:
		// The error never quotes the number.
		fieldProblem(fPersonnummer, "%v", pr.err)
	case tenDigits(pnr):
		// Its century is read against the extract date, at the end.
		st.pending = append(st.pending, strings.Clone(pnr))
		d.pending = int32(len(st.pending))
	default:
		d.person, d.gender, d.birth = pr.person, n.Gender()[0], dayOf(n.Birth())
		d.plus = strings.Contains(pnr, "+")
	}
	if law := get(st.laws, lagrum); law != "" {
		if (group == gSabo && law != "sol") || (group == gBSS && law != "lss") {
			fieldProblem(fLagrum, "insats %q hör inte ihop med lagrum %q (särskilt boende är SoL, bostad med särskild service LSS)",
				insats, lagrum)
		}
	}
	date := func(f field, required bool) int32 {
		// The dates of events were read above.
		i := slices.Index(eventFields[:], f)
		var v string
		if i >= 0 {
			v = dates[i].text
		} else {
			v = cell(f)
		}
		if v == "" {
			if required {
				fieldProblem(f, "%s är tom", fieldNames[f])
			}
			return noDate
		}
		var t int32
		var err error
		if i >= 0 {
			t, err = dates[i].day, dates[i].err
		} else {
			t, err = isoDay(v)
		}
		if err != nil {
			fieldProblem(f, "%v", err)
			return noDate
		}
		return t
	}
	d.application = date(fAnsokan, false)
	d.decided = date(fBeslutsdatum, true)
	d.offered, d.executed, d.ended = date(fErbjudet, false), date(fVerkstalld, false), date(fAvslut, false)
	switch get(st.beslut, cell(fBeslut)) {
	case 1:
		d.granted = true
	case 0:
	default:
		fieldProblem(fBeslut, "%q är varken bifall eller avslag (local.treserva.granted och rejected listar värdena)", cell(fBeslut))
	}
	if d.application != noDate && d.decided != noDate && d.decided < d.application {
		fieldProblem(fBeslutsdatum, "beslutsdatum %s är före ansökningsdatum %s", timeOf(d.decided).Format(time.DateOnly),
			timeOf(d.application).Format(time.DateOnly))
	}
	if d.application != noDate && d.offered != noDate && d.offered < d.application {
		fieldProblem(fErbjudet, "erbjudet inflyttningsdatum %s är före ansökningsdatum %s", timeOf(d.offered).Format(time.DateOnly),
			timeOf(d.application).Format(time.DateOnly))
	}
	if rg := cell(fRegi); rg != "" {
		if regi, err := st.regis.Get(rg); err != nil {
			fieldProblem(fRegi, "%v", err)
		} else if regi != 0 {
			d.regi = regi
			st.hasRegi = true
		}
	}
	if len(reasons) == 0 {
		st.ds.add(d)
	}
}

// eventFields are the dates of events, whose latest is the extract date
// (not erbjudet inflyttningsdatum, which may lie in the future).
var eventFields = [4]field{fAnsokan, fBeslutsdatum, fVerkstalld, fAvslut}

// lastDay2100 bounds the extract date: a later date is a typing error.
var lastDay2100 = civilDay(2100, 12, 31)

func tenDigits(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n == 10
}

func (p *Parser) beslutOf(s string) int8 {
	switch b := swedish.FoldWords(s); {
	case p.granted[b]:
		return 1
	case p.refused[b]:
		return 0
	}
	return -1
}

func (p *Parser) regiOf(s string) (byte, error) {
	regi, err := p.opts.Regi.ParseRegi(s)
	switch {
	case err != nil:
		return 0, err
	case regi == store.RegiEgen:
		return rEgen, nil
	case regi == store.RegiPrivat:
		return rPrivat, nil
	}
	return 0, nil
}

// settle does what needed the extract date: the century of 10-digit
// personnummer, the checks of dates of birth against the extract date, and
// the age at the application (särskilt boende för äldre). A row refused
// here is taken again from the file for the quarantine file.
func (st *state) settle(ctx context.Context, in tabular.Input, ref time.Time) error {
	p, cols := st.p, st.cols
	j := cols[fPersonnummer]
	label := ownfiles.ColumnLabel(j, st.header[j])
	refused := map[int][]string{}
	// A date of birth on a day before the reference day is before the
	// reference: without "+" there is nothing for CheckOn to check (most
	// rows; a day number is exact from 1970 on).
	refDay := dayOf(ref)
	plainBefore := func(d *decision) bool { return !d.plus && ref.Unix() >= 0 && d.birth < refDay }
	for i := 0; i < st.ds.n; i++ {
		if i&4095 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		d := st.ds.at(int32(i))
		var err error
		if d.pending > 0 {
			var n personnummer.Number
			if n, err = personnummer.Parse(st.pending[d.pending-1], ref); err == nil {
				d.person, d.gender, d.birth, d.pending = st.ps.Of(n), n.Gender()[0], dayOf(n.Birth()), 0
			}
		} else if !plainBefore(d) {
			err = personnummer.CheckOn(timeOf(d.birth), d.plus, ref)
		}
		if err != nil {
			st.out.Problem(st.name, int(d.line), label, "%v", err)
			refused[int(d.line)] = []string{label + ": " + err.Error()}
			d.dropped = true
			continue
		}
		at := d.decided
		if d.application != noDate {
			at = d.application
		}
		if d.group == gSabo && ageOn(d.birth, at) < p.opts.Config.SaboMinAge {
			st.young++ // särskilt boende för äldre only
			st.out.Skipped++
			d.dropped = true
		}
	}
	st.pending = nil
	if len(refused) == 0 {
		return nil
	}
	return st.refuseAgain(ctx, in, refused)
}

// refuseAgain reads the rows refused at the end once more, for the
// quarantine file, with their personnummer masked.
func (st *state) refuseAgain(ctx context.Context, in tabular.Input, reasons map[int][]string) error {
	rd, err := tabular.Open(ctx, in, tabular.Options{Delimiters: []rune{';'}, Limits: st.p.opts.Limits})
	if err != nil {
		return ownfiles.ReadError(st.name, err)
	}
	defer rd.Close()
	j := st.cols[fPersonnummer]
	for {
		r, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return ownfiles.ReadError(st.name, err)
		}
		why, ok := reasons[r.Line]
		if !ok {
			continue
		}
		cells := append([]string(nil), r.Cells...)
		if j < len(cells) {
			cells[j] = personnummer.MaskField(cells[j])
		}
		st.out.Refuse(ownfiles.RefusedRow{Line: r.Line, Cells: cells, Reasons: why})
	}
}

// mergeDuplicates joins rows of the same decision (a person offered twice
// appears twice), keeping the earliest of each date: the first offer. The
// decisions kept end in st.order, sorted by person, which compute counts
// people by.
func (st *state) mergeDuplicates() int {
	ds := st.ds
	order := make([]int32, 0, ds.n)
	for i := 0; i < ds.n; i++ {
		if !ds.at(int32(i)).dropped {
			order = append(order, int32(i))
		}
	}
	keys := sortByPerson(ds, order)
	earliest := func(a, b int32) int32 {
		if a == noDate || (b != noDate && b < a) {
			return b
		}
		return a
	}
	out := order[:0]
	merged := 0
	for k, i := range order {
		// Only a decision of the same person as the one before may repeat
		// it; the prefix of the pseudonym tells most apart.
		if n := len(out); n > 0 && keys[k].hi == keys[k-1].hi {
			d := ds.at(i)
			if m := ds.at(out[n-1]); m.person == d.person && m.group == d.group && m.decided == d.decided {
				merged++
				m.application = earliest(m.application, d.application)
				m.offered = earliest(m.offered, d.offered)
				m.executed = earliest(m.executed, d.executed)
				m.ended = earliest(m.ended, d.ended)
				m.granted = m.granted || d.granted
				if m.regi == 0 {
					m.regi = d.regi
				}
				d.dropped = true
				continue
			}
		}
		out = append(out, i)
	}
	st.order = out
	return merged
}

// personKey is a decision in the order of people: the first eight bytes
// of its pseudonym (big-endian, so that numbers compare as the bytes do)
// and its index.
type personKey struct {
	hi uint64
	i  int32
}

// sortByPerson sorts decisions (indexes in file order) as compareDecisions
// does: by person, insats group, beslutsdatum and line. They are sorted by
// the first eight bytes of the pseudonym — plain numbers side by side,
// several times faster than comparing the decisions where they lie in their
// chunks — and each run of one prefix (one person's decisions; two people's
// only if their pseudonyms' first 64 bits agree) then by compareDecisions.
// The keys are returned in the sorted order.
func sortByPerson(ds *decisions, order []int32) []personKey {
	keys := make([]personKey, len(order))
	for k, i := range order {
		keys[k] = personKey{hi: binary.BigEndian.Uint64(ds.at(i).person[:8]), i: i}
	}
	radixSortKeys(keys)
	for start := 0; start < len(keys); {
		end := start + 1
		for end < len(keys) && keys[end].hi == keys[start].hi {
			end++
		}
		if end-start > 1 {
			slices.SortFunc(keys[start:end], func(a, b personKey) int { return compareDecisions(ds.at(a.i), ds.at(b.i)) })
		}
		start = end
	}
	for k := range keys {
		order[k] = keys[k].i
	}
	return keys
}

// radixSortKeys sorts keys, which come in the order of their index, by hi
// and then index. A stable least-significant-digit radix sort by hi keeps
// the order of the index among equal hi; on the evenly spread bits of a
// pseudonym its eight passes over the keys take a fraction of a
// comparison sort's time (the slices package has no radix sort). Short
// lists are sorted by comparison.
func radixSortKeys(keys []personKey) {
	if len(keys) < 256 {
		slices.SortFunc(keys, func(a, b personKey) int {
			if a.hi != b.hi {
				return cmp.Compare(a.hi, b.hi)
			}
			return cmp.Compare(a.i, b.i)
		})
		return
	}
	var counts [8][256]int
	for _, k := range keys {
		for b := range 8 {
			counts[b][byte(k.hi>>(8*b))]++
		}
	}
	src, dst := keys, make([]personKey, len(keys))
	for b := range 8 {
		c := &counts[b]
		if c[byte(src[0].hi>>(8*b))] == len(src) {
			continue // every key has this byte: the pass would change nothing
		}
		at := 0
		for v := range c {
			c[v], at = at, at+c[v]
		}
		shift := 8 * b
		for _, k := range src {
			v := byte(k.hi >> shift)
			dst[c[v]] = k
			c[v]++
		}
		src, dst = dst, src
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
}

// compareDecisions orders decisions by person, insats group, beslutsdatum
// and line.
func compareDecisions(a, b *decision) int {
	if c := bytes.Compare(a.person[:], b.person[:]); c != 0 {
		return c
	}
	switch {
	case a.group != b.group:
		return cmp.Compare(a.group, b.group)
	case a.decided != b.decided:
		return cmp.Compare(a.decided, b.decided)
	}
	return cmp.Compare(a.line, b.line)
}

// findHeader finds the heading row among the first rows and maps its columns.
func (p *Parser) findHeader(file string, rows []tabular.Row) (int, map[field]int, error) {
	i, cols, missing, found, err := ownfiles.FindHeading(file, rows, headerSearchRows, p.aliases, fieldNames, fPersonnummer, requiredFields)
	if err != nil {
		return 0, nil, err
	}
	if found {
		_, offered := cols[fErbjudet]
		_, executed := cols[fVerkstalld]
		if len(missing) > 0 || (!offered && !executed) {
			why := ""
			if len(missing) > 0 {
				why = "obligatoriska kolumner saknas: " + listFields(missing)
			}
			if !offered && !executed {
				if why != "" {
					why += "; "
				}
				why += "behöver erbjudet inflyttningsdatum eller verkställighetsdatum för att veta när en väntan tog slut"
			}
			return 0, nil, ownfiles.Refuse(file, rows[i].Line, "", "%s (hittade: %s); se connectors/treserva/README.md, "+
				"eller koppla andra rubriker i local.treserva.columns", why, listFields(sortedFields(cols)))
		}
		return i, cols, nil
	}
	return 0, nil, ownfiles.Refuse(file, 0, "", "ingen rubrikrad med en kolumn för personnummer bland de första %d raderna: "+
		"detta är inget Treserva-uttag med den dokumenterade layouten (se connectors/treserva/README.md)", headerSearchRows)
}

// classify sorts an insats into särskilt boende (gSabo), bostad med
// särskild service (gBSS) or neither (0).
func (p *Parser) classify(insats string) byte {
	f := swedish.Fold(insats)
	if f == "" {
		return 0
	}
	for _, k := range p.excludeInsats {
		if strings.Contains(f, k) {
			return 0
		}
	}
	for _, k := range p.bssInsats {
		if strings.Contains(f, k) {
			return gBSS
		}
	}
	for _, k := range p.saboInsats {
		if strings.Contains(f, k) {
			return gSabo
		}
	}
	return 0
}

// foldAll folds the configured insats texts once, not on every row.
func foldAll(texts []string) []string {
	var out []string
	for _, t := range texts {
		if k := swedish.Fold(t); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// lawOf finds SoL or LSS in a lagrum such as "4 kap. 1 § SoL" or "9 § 9 LSS".
func lawOf(lagrum string) string {
	for _, w := range strings.Fields(swedish.FoldWords(lagrum)) {
		switch {
		case w == "sol":
			return "sol"
		case w == "lss":
			return "lss"
		}
	}
	return ""
}

func lastFilled(cells []string) int {
	for i := len(cells) - 1; i >= 0; i-- {
		if strings.TrimSpace(cells[i]) != "" {
			return i
		}
	}
	return -1
}

// texts keeps each text of the decisions (insats, lagrum, utförare, enhet)
// once, with the line it first appears on.
type texts struct {
	index map[field]map[string]uint32
	list  []textEntry
	// the text each field asked for last, and its index: an extract
	// repeats a text for many rows in a row
	last   [numFields]string
	lastID [numFields]uint32
}

type textEntry struct {
	f    field
	text string
	line int
}

func newTexts() *texts {
	// Index 0 is the empty text.
	return &texts{index: map[field]map[string]uint32{}, list: []textEntry{{}}}
}

func (t *texts) id(f field, s string, line int) uint32 {
	if s == "" {
		return 0
	}
	if i := t.lastID[f]; i != 0 && t.last[f] == s {
		return i
	}
	i := t.lookup(f, s, line)
	t.last[f], t.lastID[f] = t.list[i].text, i
	return i
}

func (t *texts) lookup(f field, s string, line int) uint32 {
	m := t.index[f]
	if m == nil {
		m = map[string]uint32{}
		t.index[f] = m
	}
	if i, ok := m[s]; ok {
		return i
	}
	s = strings.Clone(s) // not the whole row's memory
	i := uint32(len(t.list))
	t.list = append(t.list, textEntry{f: f, text: s, line: line})
	m[s] = i
	return i
}

func (t *texts) get(i uint32) string { return t.list[i].text }

// decisionList is what the extract stores of its decisions
// (local.treserva.keep_decisions), in file order.
type decisionList struct {
	ds          *decisions
	live        int
	texts       *texts
	keyID       string
	extractDate time.Time
}

func (l *decisionList) Len() int { return l.live }

func (l *decisionList) All() iter.Seq[store.Decision] { return l.each(false) }

// Drain is All, letting each chunk of decisions go once it is yielded: a
// big extract's decisions leave memory as the store takes them. It yields
// once; All and Drain yield nothing after it.
func (l *decisionList) Drain() iter.Seq[store.Decision] { return l.each(true) }

func (l *decisionList) each(drain bool) iter.Seq[store.Decision] {
	return func(yield func(store.Decision) bool) {
		for c := range l.ds.chunks {
			chunk := l.ds.chunks[c]
			if drain {
				l.ds.chunks[c] = nil
			}
			for i := range chunk {
				d := &chunk[i]
				if d.dropped {
					continue
				}
				sd := store.Decision{Line: int(d.line), Person: personnummer.PseudonymHex(d.person), KeyID: l.keyID,
					BirthYear: yearOf(d.birth), Gender: string(d.gender), InsatsGroup: groupName(d.group),
					Insats: l.texts.get(d.insats), Lagrum: l.texts.get(d.lagrum), Application: timePtr(d.application),
					Decision: timeOf(d.decided), Granted: d.granted, Offered: timePtr(d.offered), Executed: timePtr(d.executed),
					Ended: timePtr(d.ended), Utforare: l.texts.get(d.utforare), Regi: regiName(d.regi), Enhet: l.texts.get(d.enhet),
					ExtractDate: l.extractDate}
				if !yield(sd) {
					return
				}
			}
		}
	}
}

func (l *decisionList) Texts(fn func(line int, field, text string)) {
	for _, e := range l.texts.list[1:] {
		fn(e.line, fieldNames[e.f], e.text)
	}
}
