package treserva

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/fold"
	"github.com/nyckeltal/nyckeltal/internal/localfile"
	"github.com/nyckeltal/nyckeltal/internal/personnummer"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/tabular"
)

// decision is one row of the extract, pseudonymised.
type decision struct {
	line        int
	person      string
	gender      string
	birthYear   int
	age         int // at the application (the decision when there is no application date)
	group       string
	insats      string
	lagrum      string
	application *time.Time
	decided     time.Time
	granted     bool
	offered     *time.Time
	executed    *time.Time
	ended       *time.Time
	utforare    string
	regi        string // egen, privat or ""
	enhet       string
}

// Parse reads an extract and computes its indicators.
func (p *Parser) Parse(ctx context.Context, name string, data []byte) (*localfile.Parsed, error) {
	if p.opts.Key == nil {
		return nil, fmt.Errorf("reading %s: it holds personnummer: %w", name, personnummer.ErrNoKey)
	}
	t, err := tabular.Read(data, tabular.Options{Delimiters: []rune{';'}})
	if err != nil {
		return nil, localfile.RefuseUnreadable(name, err)
	}
	headerAt, cols, err := p.findHeader(name, t)
	if err != nil {
		return nil, err
	}
	header := t.Rows[headerAt].Cells
	inText, err := localfile.ScanRows(name, t.Rows, header, t.Rows[headerAt].Line, cols[fPersonnummer], p.opts.PersonnummerInText)
	if err != nil {
		return nil, err
	}
	out := &localfile.Parsed{
		Format: "Treserva CSV",
		Header: header,
		Params: map[string]any{"encoding": t.Format.Encoding, "header_line": t.Rows[headerAt].Line,
			"pseudonym_key_id": p.opts.Key.ID()},
	}
	var unused []string
	for j, h := range header {
		if _, ok := p.aliases[fold.Key(h)]; !ok && strings.TrimSpace(h) != "" {
			unused = append(unused, localfile.ColumnLabel(j, h))
		}
	}
	if len(unused) > 0 {
		out.Notes = append(out.Notes, "columns not used: "+strings.Join(unused, ", "))
	}
	if inText != "" {
		out.Notes = append(out.Notes, inText)
	}
	// The extract date: given, or the latest event date of any row. It is
	// also the date against which "-" and "+" of 10-digit personnummer are
	// read, so that a file reads the same whenever it is loaded.
	asOf := p.opts.AsOf
	if asOf.IsZero() {
		asOf = latestDate(t.Rows[headerAt+1:], cols)
	}
	ref := asOf
	if ref.IsZero() {
		ref = time.Now()
	}
	var decisions []decision
	otherInsats, young := 0, 0
	for i := headerAt + 1; i < len(t.Rows); i++ {
		if i%1024 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		r := t.Rows[i]
		if r.Blank() {
			continue
		}
		out.Rows++
		d, use, reasons := p.readRow(name, r, cols, header, ref, out)
		if len(reasons) > 0 {
			cells := append([]string(nil), r.Cells...)
			if j := cols[fPersonnummer]; j < len(cells) {
				cells[j] = personnummer.MaskField(cells[j])
			}
			out.Refused = append(out.Refused, localfile.RefusedRow{Line: r.Line, Cells: cells, Reasons: reasons})
			continue
		}
		switch use {
		case rowOtherInsats:
			otherInsats++
			out.Skipped++
			continue
		case rowUnderAge:
			young++
			out.Skipped++
			continue
		}
		decisions = append(decisions, d)
	}
	if young > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("%d rows of särskilt boende for people under %d at the application not used (särskilt boende för äldre)",
			young, p.opts.Config.SaboMinAge))
	}
	if otherInsats > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("%d rows of other insatser than särskilt boende and bostad med särskild service not used", otherInsats))
	}
	decisions, merged := mergeDuplicates(decisions)
	noOffer := 0
	for _, d := range decisions {
		if d.granted && d.offered == nil && d.executed != nil {
			noOffer++
		}
	}
	if noOffer > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("%d verkställda decisions have no erbjudet inflyttningsdatum and are left out of the mean waiting time", noOffer))
	}
	if merged > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("%d rows repeated a decision (same person, insats and beslutsdatum) and were merged, keeping the first offer", merged))
	}
	if len(decisions) == 0 {
		if len(out.Problems) == 0 {
			return nil, localfile.Refuse(name, 0, "", "no decisions about särskilt boende (%d years or older) or bostad med "+
				"särskild service in %d rows: is this the right extract? (local.treserva.sabo_insats and bss_insats say which insatser count)",
				p.opts.Config.SaboMinAge, out.Rows)
		}
		return out, nil
	}
	out.Params["extract_date"] = asOf.Format(time.DateOnly)
	if !p.opts.AsOf.IsZero() {
		for _, d := range decisions {
			if d.decided.After(asOf) {
				out.Problem(name, d.line, localfile.ColumnLabel(cols[fBeslutsdatum], header[cols[fBeslutsdatum]]),
					"beslutsdatum %s is after the extract date %s", d.decided.Format(time.DateOnly), asOf.Format(time.DateOnly))
			}
		}
	}
	periods, err := p.periodsFor(asOf)
	if err != nil {
		return nil, localfile.Refuse(name, 0, "", "%v", err)
	}
	if len(periods) == 0 {
		return nil, localfile.Refuse(name, 0, "", "no period of %s had ended by the extract date %s: nothing to compute "+
			"(give the date the extract describes with --as-of)", strings.Join(p.opts.Config.Periods, ", "), asOf.Format(time.DateOnly))
	}
	labels := make([]string, len(periods))
	for i, per := range periods {
		labels[i] = localfile.Label(per)
	}
	out.Params["periods"] = labels
	p.compute(out, decisions, periods)
	out.Scopes = localfile.ScopesFor(out.Observations)
	if p.opts.Config.KeepDecisions {
		for _, d := range decisions {
			out.Decisions = append(out.Decisions, store.Decision{Line: d.line, Person: d.person, KeyID: p.opts.Key.ID(),
				BirthYear: d.birthYear, Gender: d.gender, InsatsGroup: d.group, Insats: d.insats, Lagrum: d.lagrum,
				Application: d.application, Decision: d.decided, Granted: d.granted, Offered: d.offered,
				Executed: d.executed, Ended: d.ended, Utforare: d.utforare, Regi: d.regi, Enhet: d.enhet, ExtractDate: asOf})
		}
	}
	for _, li := range Indicators {
		li.Source, li.SourceSystem = Source, SourceSystem
		out.Indicators = append(out.Indicators, li)
	}
	return out, nil
}

// findHeader finds the heading row among the first rows and maps its columns.
func (p *Parser) findHeader(file string, t *tabular.Table) (int, map[field]int, error) {
	for i := 0; i < len(t.Rows) && i < headerSearchRows; i++ {
		cols, err := localfile.MapHeadings(file, t.Rows[i], p.aliases, fieldNames)
		if err != nil {
			return 0, nil, err
		}
		if _, ok := cols[fPersonnummer]; !ok {
			continue
		}
		var missing []field
		for _, f := range requiredFields {
			if _, ok := cols[f]; !ok {
				missing = append(missing, f)
			}
		}
		_, offered := cols[fErbjudet]
		_, executed := cols[fVerkstalld]
		if len(missing) > 0 || (!offered && !executed) {
			why := ""
			if len(missing) > 0 {
				why = "missing required column(s) " + listFields(missing)
			}
			if !offered && !executed {
				if why != "" {
					why += "; "
				}
				why += "needs erbjudet inflyttningsdatum or verkställighetsdatum to know when a wait ended"
			}
			return 0, nil, localfile.Refuse(file, t.Rows[i].Line, "", "%s (found: %s); see connectors/treserva/README.md, "+
				"or map other headings in local.treserva.columns", why, listFields(sortedFields(cols)))
		}
		return i, cols, nil
	}
	return 0, nil, localfile.Refuse(file, 0, "", "no heading row with a personnummer column in the first %d rows: "+
		"this is not a Treserva extract of the documented layout (see connectors/treserva/README.md)", headerSearchRows)
}

// What a row is used for.
const (
	rowUsed = iota
	rowOtherInsats
	rowUnderAge
)

// readRow reads one row into a decision, or says why it is not used.
func (p *Parser) readRow(file string, r tabular.Row, cols map[field]int, header []string, ref time.Time,
	out *localfile.Parsed) (decision, int, []string) {
	var reasons []string
	problem := func(f field, format string, args ...any) {
		label := localfile.ColumnLabel(cols[f], header[cols[f]])
		msg := fmt.Sprintf(format, args...)
		out.Problem(file, r.Line, label, "%s", msg)
		reasons = append(reasons, label+": "+msg)
	}
	cell := func(f field) string {
		j, ok := cols[f]
		if !ok {
			return ""
		}
		return strings.TrimSpace(r.Cell(j))
	}
	d := decision{line: r.Line, insats: cell(fInsats), lagrum: cell(fLagrum), utforare: cell(fUtforare), enhet: localfile.UnitID(cell(fEnhet))}
	d.group = p.classify(d.insats)
	if d.group == "" {
		return d, rowOtherInsats, nil
	}
	n, err := personnummer.Parse(cell(fPersonnummer), ref)
	if err != nil {
		// The error never quotes the number.
		problem(fPersonnummer, "%v", err)
	} else {
		d.person, d.gender, d.birthYear = p.opts.Key.Pseudonym(n), n.Gender(), n.BirthYear()
	}
	if law := lawOf(d.lagrum); law != "" {
		if (d.group == groupSabo && law != "sol") || (d.group == groupBSS && law != "lss") {
			problem(fLagrum, "insats %q does not go with lagrum %q (särskilt boende is SoL, bostad med särskild service LSS)", d.insats, d.lagrum)
		}
	}
	date := func(f field, required bool) *time.Time {
		v := cell(f)
		if v == "" {
			if required {
				problem(f, "%s is empty", fieldNames[f])
			}
			return nil
		}
		t, err := tabular.ParseISODate(v)
		if err != nil {
			problem(f, "%v", err)
			return nil
		}
		return &t
	}
	d.application = date(fAnsokan, false)
	if dec := date(fBeslutsdatum, true); dec != nil {
		d.decided = *dec
	}
	d.offered, d.executed, d.ended = date(fErbjudet, false), date(fVerkstalld, false), date(fAvslut, false)
	switch b := fold.Words(cell(fBeslut)); {
	case p.granted[b]:
		d.granted = true
	case p.refused[b]:
	default:
		problem(fBeslut, "%q is neither bifall nor avslag (local.treserva.granted and rejected list the values)", cell(fBeslut))
	}
	if d.application != nil && !d.decided.IsZero() && d.decided.Before(*d.application) {
		problem(fBeslutsdatum, "beslutsdatum %s is before ansökningsdatum %s", d.decided.Format(time.DateOnly), d.application.Format(time.DateOnly))
	}
	if d.application != nil && d.offered != nil && d.offered.Before(*d.application) {
		problem(fErbjudet, "erbjudet inflyttningsdatum %s is before ansökningsdatum %s", d.offered.Format(time.DateOnly), d.application.Format(time.DateOnly))
	}
	if rg := cell(fRegi); rg != "" {
		regi, err := p.opts.Regi.ParseRegi(rg)
		if err != nil {
			problem(fRegi, "%v", err)
		} else if regi != store.RegiAll {
			d.regi = regi
		}
	}
	if len(reasons) == 0 {
		at := d.decided
		if d.application != nil {
			at = *d.application
		}
		d.age = n.AgeOn(at)
		if d.group == groupSabo && d.age < p.opts.Config.SaboMinAge {
			return d, rowUnderAge, nil // särskilt boende för äldre only
		}
	}
	return d, rowUsed, reasons
}

// classify sorts an insats into särskilt boende (sabo), bostad med särskild
// service (bss) or neither ("").
func (p *Parser) classify(insats string) string {
	f := fold.Key(insats)
	if f == "" {
		return ""
	}
	for _, k := range p.excludeInsats {
		if strings.Contains(f, k) {
			return ""
		}
	}
	for _, k := range p.bssInsats {
		if strings.Contains(f, k) {
			return groupBSS
		}
	}
	for _, k := range p.saboInsats {
		if strings.Contains(f, k) {
			return groupSabo
		}
	}
	return ""
}

// foldAll folds the configured insats texts once, not on every row.
func foldAll(texts []string) []string {
	var out []string
	for _, t := range texts {
		if k := fold.Key(t); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// lawOf finds SoL or LSS in a lagrum such as "4 kap. 1 § SoL" or "9 § 9 LSS".
func lawOf(lagrum string) string {
	for _, w := range strings.Fields(fold.Words(lagrum)) {
		switch {
		case w == "sol":
			return "sol"
		case w == "lss":
			return "lss"
		}
	}
	return ""
}

type decisionKey struct {
	person  string
	group   string
	decided time.Time
}

// mergeDuplicates joins rows of the same decision (a person offered twice
// appears twice), keeping the earliest of each date: the first offer.
func mergeDuplicates(ds []decision) ([]decision, int) {
	at := map[decisionKey]int{}
	var out []decision
	merged := 0
	earliest := func(a, b *time.Time) *time.Time {
		if a == nil || (b != nil && b.Before(*a)) {
			return b
		}
		return a
	}
	for _, d := range ds {
		k := decisionKey{d.person, d.group, d.decided}
		i, ok := at[k]
		if !ok {
			at[k] = len(out)
			out = append(out, d)
			continue
		}
		merged++
		m := &out[i]
		m.application = earliest(m.application, d.application)
		m.offered = earliest(m.offered, d.offered)
		m.executed = earliest(m.executed, d.executed)
		m.ended = earliest(m.ended, d.ended)
		m.granted = m.granted || d.granted
		if m.regi == "" {
			m.regi = d.regi
		}
	}
	return out, merged
}

// latestDate is the latest date of an event the extract records
// (ansökan, beslut, verkställighet, avslut; not erbjudet inflyttningsdatum,
// which may lie in the future). Unreadable dates are left to the row checks.
func latestDate(rows []tabular.Row, cols map[field]int) time.Time {
	var latest time.Time
	for _, r := range rows {
		for _, f := range []field{fAnsokan, fBeslutsdatum, fVerkstalld, fAvslut} {
			j, ok := cols[f]
			if !ok {
				continue
			}
			if t, err := tabular.ParseISODate(r.Cell(j)); err == nil && t.After(latest) && t.Year() <= 2100 {
				latest = t
			}
		}
	}
	return latest
}
