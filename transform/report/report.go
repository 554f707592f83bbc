// Package report writes the report controllers and statisticians hand on
// each quarter: one self-contained HTML file with the sparbeting against
// liknande kommuner, the nettokostnadsavvikelse of every area against the
// peers' mean and median, "kostnad och kvalitet" for särskilt boende and
// hemtjänst, and the indicator tables of the catalogue. It loads nothing
// from anywhere (no script, font or style outside the file; a
// Content-Security-Policy forbids it), works offline and prints on A4.
package report

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"github.com/nyckeltal/nyckeltal/transform/atgardsplan"
	"github.com/nyckeltal/nyckeltal/transform/catalog"
	"github.com/nyckeltal/nyckeltal/transform/nka"
	"github.com/nyckeltal/nyckeltal/transform/tables"
)

// Reader is what the report reads of the store besides the tables and the
// NKA engine; *store.Store implements it.
type Reader interface {
	tables.Reader
	KPITitles(ctx context.Context, ids []string) (map[string]string, error)
	CostQualityPairs(ctx context.Context, cost, quality string) ([]store.CostQualityPoint, error)
}

// Builder reads the store.
type Builder struct {
	Store Reader
	NKA   *nka.Engine
}

// Request says what to report on.
type Request struct {
	Tables tables.Request
	// Sparbeting is the sparbeting to size (its Municipality is set from
	// Tables.Municipality).
	Sparbeting nka.SparbetingRequest
	// Plan is an åtgärdsplan to set against the glide path (nil: none);
	// PlanFile names it.
	Plan     *atgardsplan.Plan
	PlanFile string
}

// Report is everything the page shows.
type Report struct {
	Tables *tables.Result
	// Sparbeting is nil when it cannot be sized; SparbetingNote says why.
	Sparbeting     *nka.Sparbeting
	SparbetingNote string
	// Explanations are the calculation of each area of the sparbeting,
	// step by step (`sparbeting --explain`), in the order of its areas.
	Explanations []Explanation
	Trends       []Trend
	Scatters     []Scatter
	// CostQuality is kostnad och kvalitet per verksamhet (nil when it
	// cannot be given; CostQualityNote says why).
	CostQuality     *nka.CostQuality
	CostQualityNote string
}

// Explanation is one area's calculation in words.
type Explanation struct {
	Area, Title, Text string
}

// Trend is an area's NKA over the years against the peers.
type Trend struct {
	Area  nka.Area
	Rows  []nka.GapRow
	Notes []string
}

// Scatter is one "kostnad och kvalitet" chart.
type Scatter struct {
	Def                     catalog.Scatter
	Year                    int
	CostTitle, QualityTitle string
	Points                  []Point
	Group                   *nka.PeerGroup
	Notes                   []string
}

// Point is one municipality in a scatter.
type Point struct {
	ID, Name string
	Cost     float64
	Quality  float64
	Kind     string // own, peer, other
	Prelim   bool
}

// Build gathers the report.
func (b *Builder) Build(ctx context.Context, req Request) (*Report, error) {
	tb := &tables.Builder{Store: b.Store, NKA: b.NKA}
	t, err := tb.Build(ctx, req.Tables)
	if err != nil {
		return nil, err
	}
	r := &Report{Tables: t}
	m := req.Tables.Municipality
	sreq := req.Sparbeting
	sreq.Municipality = m
	if s, err := b.NKA.Sparbeting(ctx, sreq); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		r.SparbetingNote = "Sparbetinget kan inte beräknas: " + err.Error() + "."
	} else {
		r.Sparbeting = s
		if req.Plan != nil {
			nka.ComparePlan(s, req.Plan, req.PlanFile)
		}
		for _, a := range s.Areas {
			text, err := b.NKA.Explain(ctx, s, a.Area)
			if err != nil {
				return nil, err
			}
			title := a.Area
			if ar, ok := nka.AreaBySlug(b.NKA.Areas, a.Area); ok {
				title = ar.Title
			}
			r.Explanations = append(r.Explanations, Explanation{Area: a.Area, Title: title, Text: text})
		}
	}
	if cq, err := b.NKA.CostQuality(ctx, m, sreq.Comparator, req.Tables.Years, nil); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		r.CostQualityNote = "Kostnad och kvalitet per verksamhet kan inte visas: " + err.Error() + "."
	} else {
		r.CostQuality = cq
	}
	gap, err := b.NKA.Gap(ctx, nka.Query{Municipalities: []string{m}, Comparator: nka.ComparatorMean})
	if err != nil && !errors.Is(err, nka.ErrNoData) {
		return nil, err
	}
	problems, err := b.NKA.GroupProblems(ctx, []string{m, ""}, nil)
	if err != nil {
		return nil, err
	}
	nameless := 0
	for _, p := range problems {
		if p.MunicipalityID == "" {
			nameless++
		}
	}
	for _, a := range b.NKA.Areas {
		tr := Trend{Area: a}
		if gap != nil {
			for _, row := range gap.Rows {
				if row.Area == a.Slug && (len(req.Tables.Years) == 0 || contains(req.Tables.Years, row.Year)) {
					tr.Rows = append(tr.Rows, row)
				}
			}
		}
		if len(tr.Rows) == 0 {
			tr.Notes = append(tr.Notes, fmt.Sprintf("Inga värden för nettokostnadsavvikelse %s (%s) i databasen.", a.Title, a.PctKPI))
		}
		for _, p := range problems {
			if p.MunicipalityID != "" && (p.Area == "" || p.Area == a.Slug) {
				tr.Notes = append(tr.Notes, capitalize(p.Note())+".")
			}
		}
		if nameless > 0 {
			tr.Notes = append(tr.Notes, nka.NamelessNote(nameless)+".")
		}
		r.Trends = append(r.Trends, tr)
	}
	for _, def := range t.Catalog.Scatters { // with the ids of titles resolved for certain

		sc, err := b.scatter(ctx, def, m, req.Tables.Years)
		if err != nil {
			return nil, err
		}
		r.Scatters = append(r.Scatters, sc)
	}
	return r, nil
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// scatter picks the latest year (of years, when given) in which the
// municipality has both values (else the latest year in which any has both)
// and places every municipality of that year.
func (b *Builder) scatter(ctx context.Context, def catalog.Scatter, m string, years []int) (Scatter, error) {
	sc := Scatter{Def: def}
	if def.Cost == "" || def.Quality == "" {
		sc.Notes = append(sc.Notes, "Kolada-id saknas för kostnad eller kvalitet: kör `nyckeltal catalog resolve`.")
		return sc, nil
	}
	titles, err := b.Store.KPITitles(ctx, []string{def.Cost, def.Quality})
	if err != nil {
		return sc, err
	}
	sc.CostTitle, sc.QualityTitle = orID(titles[def.Cost], def.Cost), orID(titles[def.Quality], def.Quality)
	pairs, err := b.Store.CostQualityPairs(ctx, def.Cost, def.Quality)
	if err != nil {
		return sc, err
	}
	byYear := map[int][]Point{}
	ownYears := map[int]bool{}
	for _, pair := range pairs {
		if len(years) > 0 && !contains(years, pair.Year) {
			continue
		}
		p := Point{ID: pair.MunicipalityID, Name: pair.Municipality, Cost: pair.Cost, Quality: pair.Quality, Prelim: pair.Preliminary}
		byYear[pair.Year] = append(byYear[pair.Year], p)
		if p.ID == m {
			ownYears[pair.Year] = true
		}
	}
	for y := range byYear {
		if ownYears[y] && y > sc.Year {
			sc.Year = y
		}
	}
	if sc.Year == 0 {
		for y, ps := range byYear {
			if len(ps) >= 3 && y > sc.Year {
				sc.Year = y
			}
		}
		if sc.Year == 0 {
			sc.Notes = append(sc.Notes, fmt.Sprintf("Inga år där kommunerna har värden för både %s och %s i databasen.", def.Cost, def.Quality))
			return sc, nil
		}
		sc.Notes = append(sc.Notes, fmt.Sprintf("Kommunen saknar värden för både kostnad och kvalitet; diagrammet visar övriga kommuner %d.", sc.Year))
	}
	peers := map[string]bool{}
	if def.Area != "" {
		groups, err := b.NKA.PeerGroups(ctx, m, def.Area, nil)
		if err != nil {
			return sc, err
		}
		if g, ok := groups[sc.Year]; ok {
			sc.Group = &g
			for _, mem := range g.Members {
				peers[mem.ID] = true
			}
		} else {
			sc.Notes = append(sc.Notes, fmt.Sprintf("Ingen grupp liknande kommuner för %s %d.", def.Area, sc.Year))
		}
	}
	for _, p := range byYear[sc.Year] {
		switch {
		case p.ID == m:
			p.Kind = "own"
		case peers[p.ID]:
			p.Kind = "peer"
		default:
			p.Kind = "other"
		}
		sc.Points = append(sc.Points, p)
	}
	if sc.Group != nil {
		have := map[string]bool{}
		for _, p := range sc.Points {
			have[p.ID] = true
		}
		var missing []string
		for _, mem := range sc.Group.Members {
			if !have[mem.ID] {
				missing = append(missing, mem.Name)
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			sc.Notes = append(sc.Notes, fmt.Sprintf("Utan värden %d: %s.", sc.Year, strings.Join(missing, ", ")))
		}
	}
	return sc, nil
}

func orID(title, id string) string {
	if title == "" {
		return id
	}
	return title + " (" + id + ")"
}

// WriteHTML writes the report.
func (r *Report) WriteHTML(w io.Writer) error {
	t := r.Tables
	bw := bufio.NewWriter(w)
	title := fmt.Sprintf("Uppföljning %s (%s): %s", t.MunicipalityName, t.MunicipalityID, t.Catalog.Title)
	if err := tables.HTMLHead(bw, title); err != nil {
		return err
	}
	bw.WriteString("<style>" + chartCSS + "</style>\n")
	bw.WriteString("<h1>" + esc(title) + "</h1>\n")
	bw.WriteString(`<p class="about">` + esc(t.About()) + "</p>\n")
	bw.WriteString(`<p class="label">` + esc(t.SourceLabel()) + "</p>\n")
	bw.WriteString(`<nav class="toc"><ul><li><a href="#sparbeting">Sparbeting mot liknande kommuner</a></li>` +
		`<li><a href="#berakning">Så beräknas sparbetinget</a></li>` +
		`<li><a href="#nka">Nettokostnadsavvikelse per område</a></li><li><a href="#kostnad-kvalitet">Kostnad och kvalitet</a></li>` +
		`<li><a href="#verksamhet">Kostnad och kvalitet per verksamhet</a></li>` +
		`<li><a href="#indikatorer">Indikatorer: översikt</a></li>`)
	for _, m := range t.Catalog.Malomraden {
		bw.WriteString(`<li><a href="#malomrade-` + esc(m.ID) + `">Målområde ` + esc(m.ID+": "+m.Name) + "</a></li>")
	}
	bw.WriteString("</ul></nav>\n")
	if err := r.writeSparbeting(bw); err != nil {
		return err
	}
	r.writeExplanations(bw)
	if err := r.writeTrends(bw); err != nil {
		return err
	}
	if err := r.writeScatters(bw); err != nil {
		return err
	}
	r.writeCostQuality(bw)
	bw.WriteString(`<h2 id="indikatorer">Indikatorer: översikt</h2>` + "\n")
	bw.WriteString(`<p class="meta">Varje indikators senaste period, dess förändring mot samma period året före och bedömningen i indikatorns riktning.</p>` + "\n")
	if err := t.WriteOverviewHTMLBody(bw, 3); err != nil {
		return err
	}
	for _, m := range t.Catalog.Malomraden {
		bw.WriteString(`<h2 id="malomrade-` + esc(m.ID) + `">Målområde ` + esc(m.ID+": "+m.Name) + "</h2>\n")
		if err := t.WriteDetailHTMLBody(bw, m.ID, 3); err != nil {
			return err
		}
	}
	if err := t.WriteFooterHTML(bw); err != nil {
		return err
	}
	if err := tables.HTMLTail(bw); err != nil {
		return err
	}
	return bw.Flush()
}

// fnum writes a figure of the NKA computation, first rounded to six
// decimals (see value6), so that the digits shown never depend on the last
// bits of a parallel sum.
func fnum(p *float64, dec int) string {
	if p == nil {
		return "–"
	}
	return num(swedish.Round6(*p), dec)
}

func (r *Report) writeSparbeting(w *bufio.Writer) error {
	w.WriteString(`<h2 id="sparbeting">Sparbeting mot liknande kommuner</h2>` + "\n")
	s := r.Sparbeting
	if s == nil {
		w.WriteString(`<p class="note">` + esc(r.SparbetingNote) + "</p>\n")
		return nil
	}
	prel := ""
	if s.Preliminary {
		prel = "*"
	}
	total := "okänt"
	if s.TotalTkr != nil {
		total = num(float64(*s.TotalTkr), 0) + " tkr"
	}
	w.WriteString(`<div class="summary">`)
	w.WriteString("<div>Sparbeting<strong>" + esc(total) + "</strong></div>")
	if s.TotalKrPerInv != nil {
		w.WriteString("<div>Per invånare<strong>" + num(swedish.Round6(*s.TotalKrPerInv), 0) + " kr</strong></div>")
	}
	w.WriteString("<div>Basår (utfall)<strong>" + strconv.Itoa(s.BaseYear) + prel + "</strong></div>")
	w.WriteString("<div>I nivå med jämförelsen till budget<strong>" + strconv.Itoa(s.TargetYear) + "</strong></div>")
	w.WriteString("<div>Jämförs med<strong>" + esc(comparatorText(s.Comparator, s.Target)) + "</strong></div>")
	w.WriteString("</div>\n")
	w.WriteString("<table>\n<thead><tr><th>Område</th><th>Liknande kommuner<small>grupp, år och varför</small></th><th class=\"num\">Med värde</th>" +
		"<th class=\"num\">NKA %</th><th class=\"num\">Liknande kommuner, medel %<small>egen bearbetning</small></th>" +
		"<th class=\"num\">Jämförelsevärde %<small>egen bearbetning</small></th>" +
		"<th class=\"num\">Avvikelse mot jämförelsen, procentenheter<small>egen bearbetning</small></th><th class=\"num\">Referenskostnad mnkr<small>egen bearbetning</small></th>" +
		"<th class=\"num\">Avvikelse mnkr<small>egen bearbetning</small></th><th class=\"num\">Avvikelse kr/inv<small>egen bearbetning</small></th>" +
		"<th class=\"num\">Räknas, tkr<small>egen bearbetning</small></th><th class=\"num\">Räknas, kr/inv<small>egen bearbetning</small></th></tr></thead>\n<tbody>\n")
	estimated := false
	for _, a := range s.Areas {
		group, members := "–", "–"
		if a.PeerGroupID != nil {
			group = *a.PeerGroupID
			if a.PeerGroupYear != nil {
				group += ", " + strconv.Itoa(*a.PeerGroupYear)
			}
			if a.GroupChoiceText != nil {
				group += ": " + *a.GroupChoiceText
			}
			members = strconv.Itoa(a.PeerCount) + " av " + strconv.Itoa(a.PeerMembers)
		}
		ref := fnum(a.ReferenceCostMnkr, 1)
		if a.ReferenceCostEstimated {
			ref += "‡"
			estimated = true
		}
		w.WriteString("<tr><td>" + esc(a.Area) + "</td><td>" + esc(group) + `</td><td class="num">` + esc(members) + `</td><td class="num">` +
			fnum(a.NKAPct, 2) + `</td><td class="num">` + fnum(a.PeerMeanPct, 2) + `</td><td class="num">` + fnum(a.ComparatorPct, 2) +
			`</td><td class="num">` + fnum(a.GapPP, 2) + `</td><td class="num">` + ref + `</td><td class="num">` +
			fnum(a.GapMnkr, 1) + `</td><td class="num">` + fnum(a.GapKrPerInv, 0) + `</td><td class="num">` + fnum(a.CountedTkr, 0) +
			`</td><td class="num">` + fnum(a.CountedKrPerInv, 0) + "</td></tr>\n")
	}
	w.WriteString("</tbody>\n</table>\n")
	if estimated {
		w.WriteString(`<p class="note">‡ Uppskattad referenskostnad: NKA % ligger för nära 0 för kvoten NKA mnkr / NKA %, så referenskostnaden är områdets nettokostnad (kr/inv × invånare) minus NKA mnkr.</p>` + "\n")
	}
	if len(s.PerYear) > 0 {
		w.WriteString(`<table class="glide"><thead><tr><th>Budgetår</th>`)
		for _, y := range s.PerYear {
			w.WriteString(`<th class="num">` + strconv.Itoa(y.Year) + "</th>")
		}
		w.WriteString("</tr></thead><tbody><tr><td>Glidbana, tkr (" + esc(profileText(s.Profile)) + ")</td>")
		for _, y := range s.PerYear {
			w.WriteString(`<td class="num">` + num(float64(y.Tkr), 0) + "</td>")
		}
		w.WriteString("</tr>")
		if s.Population != nil {
			w.WriteString("<tr><td>Per invånare, kr</td>")
			for _, y := range s.PerYear {
				w.WriteString(`<td class="num">` + fnum(y.KrPerInv, 0) + "</td>")
			}
			w.WriteString("</tr>")
		}
		w.WriteString("</tbody></table>\n")
	}
	r.writePlan(w)
	w.WriteString(`<ul class="notes">`)
	w.WriteString("<li>" + esc(s.Assumption) + "</li>")
	w.WriteString("<li>Avvikelse = kommunens NKA minus jämförelsevärdet (" + esc(nka.TargetText(s.Comparator, s.Target)) + "); räknas = avvikelsen i tkr där kommunen ligger över (ett område under jämförelsen räknas som 0). Glidbanan fördelar sparbetinget på budgetåren " +
		strconv.Itoa(s.StartYear) + "–" + strconv.Itoa(s.TargetYear-1) + ". Samma beräkning som <code>nyckeltal sparbeting</code>.</li>")
	if s.Population != nil {
		w.WriteString("<li>Kr per invånare: tkr × 1 000 / " + num(*s.Population, 0) + " invånare (N01951) " + strconv.Itoa(s.BaseYear) + ".</li>")
	}
	if s.Preliminary {
		w.WriteString("<li>* Basårets värden är preliminära.</li>")
	}
	for _, n := range s.Notes {
		w.WriteString("<li>" + esc(n) + "</li>")
	}
	for _, src := range s.Sources {
		w.WriteString("<li>" + esc(src) + "</li>")
	}
	w.WriteString("</ul>\n")
	return nil
}

func profileText(p string) string {
	switch p {
	case "even":
		return "jämn"
	case "front":
		return "framtung"
	}
	return "vikter " + p
}

func comparatorText(c, target string) string {
	if target == "" || target == nka.EffectiveTarget(c, "") {
		switch c {
		case nka.ComparatorMean:
			return "liknande kommuners medelvärde"
		case nka.ComparatorMedian:
			return "liknande kommuners median"
		case nka.ComparatorRiket:
			return "riket"
		}
	}
	return nka.TargetText(c, target)
}

// writePlan sets the åtgärdsplan against the glide path: what counts and
// what is shown apart.
func (r *Report) writePlan(w *bufio.Writer) {
	s := r.Sparbeting
	p := s.Plan
	if p == nil {
		return
	}
	w.WriteString(`<h3 id="atgardsplan">Åtgärdsplan mot glidbanan</h3>` + "\n")
	w.WriteString(`<p class="meta">` + esc(fmt.Sprintf("%s: åtgärder för %s tkr. Mot sparbetinget räknas varaktiga besparingar som minskar budgetramen, "+
		"från året efter basåret %d till året före målåret %d; engångsbelopp och minskade underskott visas för sig.", p.File,
		atgardsplan.FormatTkr(p.PlanTotalTkr), s.BaseYear, s.TargetYear)) + "</p>\n")
	w.WriteString("<table><thead><tr><th>Budgetår</th><th class=\"num\">Glidbana, tkr</th><th class=\"num\">Planerat, tkr</th>" +
		"<th class=\"num\">Räknas, tkr<small>varaktigt, budgetram</small></th><th class=\"num\">Engångs, tkr</th>" +
		"<th class=\"num\">Minskar underskott, tkr</th><th class=\"num\">Täckning<small>egen bearbetning</small></th>" +
		"<th class=\"num\">Återstår, tkr<small>egen bearbetning</small></th><th class=\"num\">Ackumulerat: glidbana / räknas, tkr</th></tr></thead>\n<tbody>\n")
	for _, y := range p.PerYear {
		cov := "–"
		if y.CoveragePct != nil {
			cov = num(swedish.Round6(*y.CoveragePct), 1) + " %"
		}
		w.WriteString("<tr><td>" + strconv.Itoa(y.Year) + `</td><td class="num">` + num(float64(y.GlideTkr), 0) + `</td><td class="num">` +
			num(swedish.Round6(y.PlannedTkr), 0) + `</td><td class="num">` + num(swedish.Round6(y.CountedTkr), 0) + `</td><td class="num">` +
			num(swedish.Round6(y.OneOffTkr), 0) + `</td><td class="num">` + num(swedish.Round6(y.DeficitTkr), 0) + `</td><td class="num">` + cov +
			`</td><td class="num">` + num(swedish.Round6(y.RemainingTkr), 0) + `</td><td class="num">` + num(float64(y.CumulativeGlideTkr), 0) +
			" / " + num(swedish.Round6(y.CumulativeCountedTkr), 0) + "</td></tr>\n")
	}
	cov, rem, tot := "–", "–", "okänt"
	if p.CoveragePct != nil {
		cov = num(swedish.Round6(*p.CoveragePct), 1) + " %"
	}
	if p.RemainingTkr != nil {
		rem = num(swedish.Round6(*p.RemainingTkr), 0)
	}
	if s.TotalTkr != nil {
		tot = num(float64(*s.TotalTkr), 0)
	}
	w.WriteString(`<tr><td><strong>Totalt</strong></td><td class="num">` + tot + `</td><td class="num">` + num(swedish.Round6(p.PlannedTkr), 0) +
		`</td><td class="num">` + num(swedish.Round6(p.CountedTkr), 0) + `</td><td class="num">` + num(swedish.Round6(p.OneOffTkr), 0) +
		`</td><td class="num">` + num(swedish.Round6(p.DeficitTkr), 0) + `</td><td class="num">` + cov + `</td><td class="num">` + rem +
		"</td><td></td></tr>\n</tbody></table>\n")
	w.WriteString(`<ul class="notes">`)
	for _, n := range p.Notes {
		w.WriteString("<li>" + esc(capitalize(n)) + ".</li>")
	}
	for _, d := range p.Discrepancies {
		w.WriteString("<li>" + esc(capitalize(d)) + ".</li>")
	}
	w.WriteString("</ul>\n")
}

// writeExplanations writes each area's calculation, as `sparbeting --explain`.
func (r *Report) writeExplanations(w *bufio.Writer) {
	w.WriteString(`<h2 id="berakning">Så beräknas sparbetinget</h2>` + "\n")
	if len(r.Explanations) == 0 {
		w.WriteString(`<p class="note">` + esc(r.SparbetingNote) + "</p>\n")
		return
	}
	w.WriteString(`<p class="meta">Hela beräkningen per område, steg för steg, varje tal med sin källa (som <code>nyckeltal sparbeting --explain OMRÅDE</code>).</p>` + "\n")
	for _, x := range r.Explanations {
		w.WriteString(`<section class="explain" id="berakning-` + esc(x.Area) + `"><h3>` + esc(capitalize(x.Title)) + "</h3>\n")
		paras := strings.Split(strings.TrimSpace(x.Text), "\n\n")
		for i, p := range paras {
			if i == 0 {
				continue // the title, given above
			}
			lines := strings.Split(p, "\n")
			var list, text []string
			for _, l := range lines {
				if strings.HasPrefix(l, "    ") {
					list = append(list, strings.TrimSpace(l))
				} else {
					text = append(text, l)
				}
			}
			if len(text) > 0 {
				w.WriteString("<p>" + esc(strings.Join(text, " ")) + "</p>\n")
			}
			if len(list) > 0 {
				w.WriteString(`<ul class="values">`)
				for _, l := range list {
					w.WriteString("<li>" + esc(l) + "</li>")
				}
				w.WriteString("</ul>\n")
			}
		}
		w.WriteString("</section>\n")
	}
}

// writeCostQuality writes kostnad och kvalitet per verksamhet against the
// comparison set, beside the NKA gap of äldreomsorg.
func (r *Report) writeCostQuality(w *bufio.Writer) {
	w.WriteString(`<h2 id="verksamhet">Kostnad och kvalitet per verksamhet</h2>` + "\n")
	cq := r.CostQuality
	if cq == nil {
		w.WriteString(`<p class="note">` + esc(r.CostQualityNote) + "</p>\n")
		return
	}
	w.WriteString(`<p class="meta">` + esc("Var i äldreomsorgen avvikelsen ligger: kostnad per brukare och per invånare 80+ bredvid brukarnas "+
		"helhetssyn, för hemtjänst och särskilt boende, mot "+cq.ComparatorText+" (äldreomsorgens jämförelsegrupp samma år).") + "</p>\n")
	if g := cq.Gap; g != nil && g.NKAPct != nil {
		text := fmt.Sprintf("Nettokostnadsavvikelse äldreomsorg %d: %s %%", g.Year, num(swedish.Round6(*g.NKAPct), 2))
		if g.ComparatorPct != nil && g.GapPP != nil {
			text += fmt.Sprintf(" mot %s %% (%s procentenheter", num(swedish.Round6(*g.ComparatorPct), 2), num(swedish.Round6(*g.GapPP), 2))
			if g.GapMnkr != nil {
				text += fmt.Sprintf(", %s mnkr", num(swedish.Round6(*g.GapMnkr), 1))
			}
			if g.GapKrPerInv != nil {
				text += fmt.Sprintf(", %s kr/inv", num(swedish.Round6(*g.GapKrPerInv), 0))
			}
			text += ")"
		}
		w.WriteString(`<p>` + esc(text+".") + "</p>\n")
	}
	w.WriteString("<table><thead><tr><th>Verksamhet</th><th>Mått</th><th>År</th><th class=\"num\">Kommunen</th>" +
		"<th class=\"num\">Jämförelse, medel<small>egen bearbetning</small></th><th class=\"num\">Jämförelse, median<small>egen bearbetning</small></th>" +
		"<th class=\"num\">Med värde</th><th class=\"num\">Skillnad mot medel<small>egen bearbetning</small></th><th>Källa</th></tr></thead>\n<tbody>\n")
	var notes []string
	for _, row := range cq.Rows {
		dec := 0
		if row.Unit == "andel (%)" {
			dec = 1
		}
		year, members, diff := "–", "–", "–"
		if row.Year > 0 {
			year = strconv.Itoa(row.Year)
			if row.Preliminary {
				year += "*"
			}
		}
		if row.Members > 0 {
			members = strconv.Itoa(row.PeerCount) + " av " + strconv.Itoa(row.Members)
		}
		if row.DiffPct != nil {
			diff = num(swedish.Round6(*row.DiffPct), 1) + " %"
		}
		w.WriteString("<tr><td>" + esc(capitalize(row.Verksamhet)) + "</td><td>" + esc(row.Measure+", "+row.Unit) + "</td><td>" + year +
			`</td><td class="num">` + fnum(row.Own, dec) + `</td><td class="num">` + fnum(row.PeerMean, dec) + `</td><td class="num">` +
			fnum(row.PeerMedian, dec) + `</td><td class="num">` + members + `</td><td class="num">` + diff + "</td><td>" +
			esc(orID(row.KPITitle, row.KPI)) + "</td></tr>\n")
		for _, n := range row.Notes {
			notes = append(notes, capitalize(row.Verksamhet)+", "+row.Measure+": "+n+".")
		}
	}
	w.WriteString("</tbody></table>\n")
	w.WriteString(`<ul class="notes">`)
	for _, n := range notes {
		w.WriteString("<li>" + esc(n) + "</li>")
	}
	for _, n := range cq.Notes {
		w.WriteString("<li>" + esc(capitalize(n)) + ".</li>")
	}
	w.WriteString("<li>Kostnad: lägre är bättre; brukarbedömning: högre är bättre. * preliminärt värde.</li>")
	w.WriteString("<li>Källa: Kolada (RKA). Beräkningar: egen bearbetning.</li></ul>\n")
}

func (r *Report) writeTrends(w *bufio.Writer) error {
	w.WriteString(`<h2 id="nka">Nettokostnadsavvikelse mot liknande kommuner, per område</h2>` + "\n")
	w.WriteString(`<p class="meta">Kommunens nettokostnadsavvikelse (NKA, procent av referenskostnaden) mot medelvärdet och medianen i områdets grupp liknande kommuner. 0 är referenskostnaden; över 0 kostar verksamheten mer än strukturen förklarar. Ofyllda punkter är preliminära.</p>` + "\n")
	for _, tr := range r.Trends {
		id := "nka-" + tr.Area.Slug
		w.WriteString(`<figure id="` + esc(id) + `">` + "\n")
		w.WriteString("<figcaption><strong>" + esc(capitalize(tr.Area.Title)) + "</strong> — nettokostnadsavvikelse " + esc(tr.Area.PctKPI) + ", procent</figcaption>\n")
		if len(tr.Rows) == 0 {
			for _, n := range tr.Notes {
				w.WriteString(`<p class="note">` + esc(n) + "</p>\n")
			}
			w.WriteString("</figure>\n")
			continue
		}
		spec := lineSpec{id: id, label: "Nettokostnadsavvikelse " + tr.Area.Title, yLabel: "NKA, procent", prelim: map[int]bool{},
			includeY0: true, decimals: 2, valueUnit: "%"}
		own, mean, median := series{name: "Kommunen", class: "own"}, series{name: "Liknande kommuner, medel", class: "mean", dashed: true, peers: true},
			series{name: "Liknande kommuner, median", class: "median", dashed: true, peers: true}
		spec.otherGroup = map[int]string{}
		var missing, noPeers []string
		groups := map[string]bool{}
		var groupNames []string
		for _, row := range tr.Rows {
			spec.xs = append(spec.xs, row.Year)
			spec.prelim[row.Year] = row.Preliminary
			own.values = append(own.values, swedish.Round6Ptr(row.NKAPct))
			mean.values = append(mean.values, swedish.Round6Ptr(row.PeerMeanPct))
			median.values = append(median.values, swedish.Round6Ptr(row.PeerMedianPct))
			if row.NKAPct == nil {
				missing = append(missing, strconv.Itoa(row.Year))
			}
			if row.PeerMeanPct == nil {
				noPeers = append(noPeers, strconv.Itoa(row.Year))
			}
			if row.PeerGroupID != nil && (row.PeerGroupYear == nil || *row.PeerGroupYear != row.Year) {
				spec.otherGroup[row.Year] = otherGroupText(row)
			}
			if row.PeerGroupID != nil && !groups[*row.PeerGroupID] {
				groups[*row.PeerGroupID] = true
				name := *row.PeerGroupID
				if row.PeerGroupTitle != nil {
					name = *row.PeerGroupTitle + " (" + name + ")"
				}
				groupNames = append(groupNames, name)
			}
		}
		spec.series = []series{own, mean, median}
		if len(spec.otherGroup) > 0 {
			spec.legendNote = "† ringad: grupp från ett annat år"
		}
		if err := writeLineChart(w, spec); err != nil {
			return err
		}
		w.WriteString(`<table class="trend"><thead><tr><th></th>`)
		for _, row := range tr.Rows {
			mark := map[bool]string{true: "*", false: ""}[row.Preliminary]
			if spec.otherGroup[row.Year] != "" {
				mark += "†"
			}
			w.WriteString(`<th class="num">` + strconv.Itoa(row.Year) + mark + "</th>")
		}
		w.WriteString("</tr></thead><tbody>")
		for _, line := range []struct {
			name string
			get  func(nka.GapRow) *float64
		}{{"Kommunen", func(g nka.GapRow) *float64 { return g.NKAPct }},
			{"Liknande kommuner, medel (egen bearbetning)", func(g nka.GapRow) *float64 { return g.PeerMeanPct }},
			{"Liknande kommuner, median (egen bearbetning)", func(g nka.GapRow) *float64 { return g.PeerMedianPct }}} {
			w.WriteString("<tr><td>" + esc(line.name) + "</td>")
			for _, row := range tr.Rows {
				w.WriteString(`<td class="num">` + fnum(line.get(row), 2) + "</td>")
			}
			w.WriteString("</tr>")
		}
		w.WriteString("</tbody></table>\n")
		w.WriteString(`<ul class="notes">`)
		if len(groupNames) > 0 {
			w.WriteString("<li>Liknande kommuner: " + esc(strings.Join(groupNames, "; ")) + ".</li>")
		} else {
			w.WriteString("<li>Ingen grupp liknande kommuner för området i databasen.</li>")
		}
		if len(missing) > 0 {
			w.WriteString("<li>Kommunens värde saknas " + esc(strings.Join(missing, ", ")) + ".</li>")
		}
		if len(noPeers) > 0 && len(groupNames) > 0 {
			w.WriteString("<li>Inget värde för liknande kommuner " + esc(strings.Join(noPeers, ", ")) + ".</li>")
		}
		// one note per run of consecutive years with the same group and reason
		for i := 0; i < len(tr.Rows); i++ {
			why := spec.otherGroup[tr.Rows[i].Year]
			if why == "" {
				continue
			}
			j := i
			for j+1 < len(tr.Rows) && spec.otherGroup[tr.Rows[j+1].Year] == why && tr.Rows[j+1].Year == tr.Rows[j].Year+1 {
				j++
			}
			years := strconv.Itoa(tr.Rows[i].Year)
			if j > i {
				years += "–" + strconv.Itoa(tr.Rows[j].Year)
			}
			w.WriteString("<li>† " + years + ": " + esc(why) + ".</li>")
			i = j
		}
		for _, n := range tr.Notes {
			w.WriteString("<li>" + esc(n) + "</li>")
		}
		w.WriteString("<li>Källa: Kolada (RKA). Beräkningar: egen bearbetning.</li></ul>\n</figure>\n")
	}
	return nil
}

// otherGroupText says whose peers a year is compared with when the group is
// of another year: "liknande kommuner enligt gruppen från 2024 (G100003):
// ingen tidigare grupp: senare grupp används".
func otherGroupText(row nka.GapRow) string {
	from := "utan år"
	if row.PeerGroupYear != nil {
		from = "från " + strconv.Itoa(*row.PeerGroupYear)
	}
	s := "liknande kommuner enligt gruppen " + from + " (" + *row.PeerGroupID + ")"
	if row.GroupChoiceText != nil {
		s += ": " + *row.GroupChoiceText
	}
	return s
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

func (r *Report) writeScatters(w *bufio.Writer) error {
	w.WriteString(`<h2 id="kostnad-kvalitet">Kostnad och kvalitet</h2>` + "\n")
	w.WriteString(`<p class="meta">Varje punkt är en kommun: kostnad (x) mot brukarnas helhetsbedömning (y). Kommunen och dess liknande kommuner är markerade.</p>` + "\n")
	if len(r.Scatters) == 0 {
		w.WriteString(`<p class="note">Katalogen har inga diagram för kostnad och kvalitet ([[scatter]]).</p>` + "\n")
	}
	for i, sc := range r.Scatters {
		id := "scatter-" + strconv.Itoa(i+1)
		w.WriteString(`<figure id="` + esc(id) + `">` + "\n")
		head := "<strong>" + esc(sc.Def.Name) + "</strong>"
		if sc.Year > 0 {
			head += " — " + strconv.Itoa(sc.Year)
		}
		w.WriteString("<figcaption>" + head + "</figcaption>\n")
		if len(sc.Points) > 0 {
			spec := scatterSpec{id: id, label: "Kostnad och kvalitet: " + sc.Def.Name, xLabel: sc.CostTitle, yLabel: "Brukarbedömning, andel (%)"}
			prelim := false
			for _, p := range sc.Points {
				pt := point{x: p.Cost, y: p.Quality, class: p.Kind, id: p.ID,
					title: fmt.Sprintf("%s: kostnad %s, kvalitet %s", p.Name, num(p.Cost, 2), num(p.Quality, 1))}
				if p.Kind == "own" {
					pt.label = p.Name
				}
				prelim = prelim || p.Prelim
				spec.points = append(spec.points, pt)
			}
			if err := writeScatter(w, spec); err != nil {
				return err
			}
			if prelim {
				sc.Notes = append(sc.Notes, fmt.Sprintf("Värdena %d är delvis preliminära.", sc.Year))
			}
		}
		w.WriteString(`<ul class="notes">`)
		if sc.Group != nil {
			w.WriteString("<li>Liknande kommuner: " + esc(sc.Group.Title+" ("+sc.Group.ID+")") + ".</li>")
		}
		if sc.CostTitle != "" {
			w.WriteString("<li>Kostnad: " + esc(sc.CostTitle) + ". Kvalitet: " + esc(sc.QualityTitle) + ".</li>")
		}
		for _, n := range sc.Notes {
			w.WriteString("<li>" + esc(n) + "</li>")
		}
		w.WriteString("<li>Källa: Kolada (RKA).</li></ul>\n</figure>\n")
	}
	return nil
}
