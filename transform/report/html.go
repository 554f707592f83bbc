package report

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"github.com/nyckeltal/nyckeltal/transform/atgardsplan"
	"github.com/nyckeltal/nyckeltal/transform/nka"
	"github.com/nyckeltal/nyckeltal/transform/tables"
)

// The page is report.tmpl, filled from the view below: the figures are
// formatted here (Swedish numbers, the marks of preliminary values and of
// another year's group), the template lays them out.

//go:embed report.tmpl
var reportTemplate string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"esc":      func(s string) template.HTML { return template.HTML(esc(s)) },
	"chartCSS": func() template.CSS { return template.CSS(chartCSS) },
}).Parse(reportTemplate))

// WriteHTML writes the report.
func (r *Report) WriteHTML(w io.Writer) error {
	v, err := r.view()
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	if err := tables.HTMLHead(bw, v.Title); err != nil {
		return err
	}
	if err := page.ExecuteTemplate(bw, "report", v); err != nil {
		return err
	}
	if err := tables.HTMLTail(bw); err != nil {
		return err
	}
	return bw.Flush()
}

type pageView struct {
	Title, About, Label string
	Malomraden          []malomradeView
	Sparbeting          sparbetingView
	Explanations        explanationsView
	Trends              []trendView
	Scatters            []scatterView
	CostQuality         costQualityView
	// Overview, Details' bodies and Footer are the indicator tables as
	// transform/tables writes them.
	Overview template.HTML
	Details  []malomradeView
	Footer   template.HTML
}

type malomradeView struct {
	ID, Name string
	Body     template.HTML
}

// fragment is what write writes, as HTML its own code produced.
func fragment(write func(io.Writer) error) (template.HTML, error) {
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return "", err
	}
	// Written by transform/tables' templates and svg.go, which escape every text.
	return template.HTML(b.String()), nil
}

func (r *Report) view() (*pageView, error) {
	t := r.Tables
	v := &pageView{Title: fmt.Sprintf("Uppföljning %s (%s): %s", t.MunicipalityName, t.MunicipalityID, t.Catalog.Title),
		About: t.About(), Label: t.SourceLabel()}
	for _, m := range t.Catalog.Malomraden {
		v.Malomraden = append(v.Malomraden, malomradeView{ID: m.ID, Name: m.Name})
	}
	v.Sparbeting = r.sparbetingView()
	v.Explanations = r.explanationsView()
	var err error
	if v.Trends, err = r.trendViews(); err != nil {
		return nil, err
	}
	if v.Scatters, err = r.scatterViews(); err != nil {
		return nil, err
	}
	v.CostQuality = r.costQualityView()
	if v.Overview, err = fragment(func(w io.Writer) error { return t.WriteOverviewHTMLBody(w, 3) }); err != nil {
		return nil, err
	}
	for _, m := range t.Catalog.Malomraden {
		body, err := fragment(func(w io.Writer) error { return t.WriteDetailHTMLBody(w, m.ID, 3) })
		if err != nil {
			return nil, err
		}
		v.Details = append(v.Details, malomradeView{ID: m.ID, Name: m.Name, Body: body})
	}
	if v.Footer, err = fragment(t.WriteFooterHTML); err != nil {
		return nil, err
	}
	return v, nil
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

type sparbetingView struct {
	Show bool
	Note string // why there is no sparbeting
	// The summary.
	Total, PerInv, BaseYear string
	TargetYear              int
	Comparator              string
	Rows                    []sparbetingRow
	Estimated               bool // a reference cost is the net-cost estimate (‡)
	Glide                   *glideView
	Plan                    *planView
	// The notes.
	Assumption, TargetText string
	StartYear, LastYear    int
	Population             string // "": no invånare
	BaseYearPlain          int
	Preliminary            bool
	Notes, Sources         []string
}

type sparbetingRow struct {
	Area, Group string
	Numbers     []string // from Med värde to Räknas, kr/inv
}

type glideView struct {
	Profile string
	Years   []int
	Tkr     []string
	PerInv  []string // nil without invånare
}

func (r *Report) sparbetingView() sparbetingView {
	s := r.Sparbeting
	if s == nil {
		return sparbetingView{Note: r.SparbetingNote}
	}
	v := sparbetingView{Show: true, Total: "okänt", BaseYear: strconv.Itoa(s.BaseYear), TargetYear: s.TargetYear,
		Comparator: comparatorText(s.Comparator, s.Target), Assumption: s.Assumption,
		TargetText: nka.TargetText(s.Comparator, s.Target), StartYear: s.StartYear, LastYear: s.TargetYear - 1,
		BaseYearPlain: s.BaseYear, Preliminary: s.Preliminary, Notes: s.Notes}
	for _, src := range s.Sources {
		if src != nka.Label { // said once, at the top of the report
			v.Sources = append(v.Sources, src)
		}
	}
	if s.Preliminary {
		v.BaseYear += "*"
	}
	if s.TotalTkr != nil {
		v.Total = num(float64(*s.TotalTkr), 0) + " tkr"
	}
	if s.TotalKrPerInv != nil {
		v.PerInv = num(swedish.Round6(*s.TotalKrPerInv), 0)
	}
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
			v.Estimated = true
		}
		area := a.Area
		if t, ok := s.AreaTitles[a.Area]; ok {
			area = capitalize(t)
		}
		v.Rows = append(v.Rows, sparbetingRow{Area: area, Group: group, Numbers: []string{members,
			fnum(a.NKAPct, 2), fnum(a.PeerMeanPct, 2), fnum(a.ComparatorPct, 2), fnum(a.GapPP, 2), ref,
			fnum(a.GapMnkr, 1), fnum(a.GapKrPerInv, 0), fnum(a.CountedTkr, 0), fnum(a.CountedKrPerInv, 0)}})
	}
	if len(s.PerYear) > 0 {
		g := &glideView{Profile: profileText(s.Profile)}
		for _, y := range s.PerYear {
			g.Years = append(g.Years, y.Year)
			g.Tkr = append(g.Tkr, num(float64(y.Tkr), 0))
		}
		if s.Population != nil {
			for _, y := range s.PerYear {
				g.PerInv = append(g.PerInv, fnum(y.KrPerInv, 0))
			}
		}
		v.Glide = g
	}
	if s.Population != nil {
		v.Population = num(*s.Population, 0)
	}
	v.Plan = r.planView()
	return v
}

func profileText(p string) string { return nka.ProfileText(p) }

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

type planView struct {
	Meta  string
	Years []planYear
	Total []string // from Glidbana to Återstår
	Notes []string
}

type planYear struct {
	Year    int
	Numbers []string
}

// planView sets the åtgärdsplan against the glide path: what counts and
// what is shown apart.
func (r *Report) planView() *planView {
	s := r.Sparbeting
	p := s.Plan
	if p == nil {
		return nil
	}
	v := &planView{Meta: fmt.Sprintf("%s: åtgärder för %s tkr. Mot sparbetinget räknas varaktiga besparingar som minskar budgetramen, "+
		"från året efter basåret %d till året före målåret %d; engångsbelopp och minskade underskott visas för sig.", p.File,
		atgardsplan.FormatTkr(p.PlanTotalTkr), s.BaseYear, s.TargetYear)}
	for _, y := range p.PerYear {
		cov := "–"
		if y.CoveragePct != nil {
			cov = num(swedish.Round6(*y.CoveragePct), 1) + " %"
		}
		v.Years = append(v.Years, planYear{Year: y.Year, Numbers: []string{num(float64(y.GlideTkr), 0),
			num(swedish.Round6(y.PlannedTkr), 0), num(swedish.Round6(y.CountedTkr), 0), num(swedish.Round6(y.OneOffTkr), 0),
			num(swedish.Round6(y.DeficitTkr), 0), cov, num(swedish.Round6(y.RemainingTkr), 0),
			num(float64(y.CumulativeGlideTkr), 0) + " / " + num(swedish.Round6(y.CumulativeCountedTkr), 0)}})
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
	v.Total = []string{tot, num(swedish.Round6(p.PlannedTkr), 0), num(swedish.Round6(p.CountedTkr), 0),
		num(swedish.Round6(p.OneOffTkr), 0), num(swedish.Round6(p.DeficitTkr), 0), cov, rem}
	for _, n := range p.Notes {
		v.Notes = append(v.Notes, capitalize(n))
	}
	for _, d := range p.Discrepancies {
		v.Notes = append(v.Notes, capitalize(d))
	}
	return v
}

type explanationsView struct {
	Note  string // why there are none
	Areas []explanationView
}

type explanationView struct {
	Area, Title string
	Paragraphs  []paragraphView
}

// paragraphView is a paragraph of an explanation: its text, and the lines
// indented by four spaces (the values it lists).
type paragraphView struct {
	Text   string
	Values []string
}

// explanationsView is each area's calculation, as `sparbeting --explain`.
func (r *Report) explanationsView() explanationsView {
	v := explanationsView{Note: r.SparbetingNote}
	for _, x := range r.Explanations {
		ev := explanationView{Area: x.Area, Title: capitalize(x.Title)}
		paras := strings.Split(strings.TrimSpace(x.Text), "\n\n")
		for i, p := range paras {
			if i == 0 {
				continue // the title, given above
			}
			var list, text []string
			for _, l := range strings.Split(p, "\n") {
				if strings.HasPrefix(l, "    ") {
					list = append(list, strings.TrimSpace(l))
				} else {
					text = append(text, l)
				}
			}
			ev.Paragraphs = append(ev.Paragraphs, paragraphView{Text: strings.Join(text, " "), Values: list})
		}
		v.Areas = append(v.Areas, ev)
	}
	return v
}

type costQualityView struct {
	Show      bool
	Note      string // why it cannot be shown
	Meta, Gap string
	Rows      []costQualityRow
	Notes     []string
}

type costQualityRow struct {
	Verksamhet, Measure, Year string
	Numbers                   []string // Kommunen to Skillnad mot medel
	Source                    string
}

// costQualityView is kostnad och kvalitet per verksamhet against the
// comparison set, beside the NKA gap of äldreomsorg.
func (r *Report) costQualityView() costQualityView {
	cq := r.CostQuality
	if cq == nil {
		return costQualityView{Note: r.CostQualityNote}
	}
	v := costQualityView{Show: true, Meta: "Var i äldreomsorgen avvikelsen ligger: kostnad per brukare och per invånare 80+ bredvid brukarnas " +
		"helhetssyn, för hemtjänst och särskilt boende, mot " + cq.ComparatorText + " (äldreomsorgens jämförelsegrupp samma år)."}
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
		v.Gap = text + "."
	}
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
		v.Rows = append(v.Rows, costQualityRow{Verksamhet: capitalize(row.Verksamhet), Measure: row.Measure + ", " + row.Unit,
			Year: year, Numbers: []string{fnum(row.Own, dec), fnum(row.PeerMean, dec), fnum(row.PeerMedian, dec), members, diff},
			Source: orID(row.KPITitle, row.KPI)})
		for _, n := range row.Notes {
			v.Notes = append(v.Notes, capitalize(row.Verksamhet)+", "+row.Measure+": "+n+".")
		}
	}
	for _, n := range cq.Notes {
		v.Notes = append(v.Notes, capitalize(n)+".")
	}
	return v
}

type trendView struct {
	ID, Title, KPI string
	Chart          template.HTML // the SVG
	Years          []string      // with * (preliminary) and † (another year's group)
	Lines          []trendLine
	Notes          []string
}

type trendLine struct {
	Name   string
	Values []string
}

func (r *Report) trendViews() ([]trendView, error) {
	var out []trendView
	for _, tr := range r.Trends {
		id := "nka-" + tr.Area.Slug
		v := trendView{ID: id, Title: capitalize(tr.Area.Title), KPI: tr.Area.PctKPI}
		if len(tr.Rows) == 0 {
			v.Notes = tr.Notes
			out = append(out, v)
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
		chart, err := fragment(func(w io.Writer) error { return writeLineChart(w, spec) })
		if err != nil {
			return nil, err
		}
		v.Chart = chart
		for _, row := range tr.Rows {
			mark := ""
			if row.Preliminary {
				mark = "*"
			}
			if spec.otherGroup[row.Year] != "" {
				mark += "†"
			}
			v.Years = append(v.Years, strconv.Itoa(row.Year)+mark)
		}
		for _, line := range []struct {
			name string
			get  func(nka.GapRow) *float64
		}{{"Kommunen", func(g nka.GapRow) *float64 { return g.NKAPct }},
			{"Liknande kommuner, medel (egen bearbetning)", func(g nka.GapRow) *float64 { return g.PeerMeanPct }},
			{"Liknande kommuner, median (egen bearbetning)", func(g nka.GapRow) *float64 { return g.PeerMedianPct }}} {
			l := trendLine{Name: line.name}
			for _, row := range tr.Rows {
				l.Values = append(l.Values, fnum(line.get(row), 2))
			}
			v.Lines = append(v.Lines, l)
		}
		if len(groupNames) > 0 {
			v.Notes = append(v.Notes, "Liknande kommuner: "+strings.Join(groupNames, "; ")+".")
		} else {
			v.Notes = append(v.Notes, "Ingen grupp liknande kommuner för området i databasen.")
		}
		if len(missing) > 0 {
			v.Notes = append(v.Notes, "Kommunens värde saknas "+strings.Join(missing, ", ")+".")
		}
		if len(noPeers) > 0 && len(groupNames) > 0 {
			v.Notes = append(v.Notes, "Inget värde för liknande kommuner "+strings.Join(noPeers, ", ")+".")
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
			v.Notes = append(v.Notes, "† "+years+": "+why+".")
			i = j
		}
		v.Notes = append(v.Notes, tr.Notes...)
		out = append(out, v)
	}
	return out, nil
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

func capitalize(s string) string { return swedish.Capitalize(s) }

type scatterView struct {
	ID, Name string
	Year     int           // 0: none
	Chart    template.HTML // the SVG; "": no points
	Notes    []string
}

func (r *Report) scatterViews() ([]scatterView, error) {
	var out []scatterView
	for i, sc := range r.Scatters {
		id := "scatter-" + strconv.Itoa(i+1)
		v := scatterView{ID: id, Name: sc.Def.Name, Year: sc.Year}
		notes := sc.Notes
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
			chart, err := fragment(func(w io.Writer) error { return writeScatter(w, spec) })
			if err != nil {
				return nil, err
			}
			v.Chart = chart
			if prelim {
				notes = append(notes[:len(notes):len(notes)], fmt.Sprintf("Värdena %d är delvis preliminära.", sc.Year))
			}
		}
		if sc.Group != nil {
			v.Notes = append(v.Notes, "Liknande kommuner: "+sc.Group.Title+" ("+sc.Group.ID+").")
		}
		if sc.CostTitle != "" {
			v.Notes = append(v.Notes, "Kostnad: "+sc.CostTitle+". Kvalitet: "+sc.QualityTitle+".")
		}
		v.Notes = append(v.Notes, notes...)
		out = append(out, v)
	}
	return out, nil
}
