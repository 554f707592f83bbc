package nka

// The gap, the sparbeting and the omräkning laid out for people: Swedish
// headings and notes, area names instead of slugs, every figure through
// internal/swedish. internal/sheet writes the same layout to the terminal,
// as XLSX and as CSV for Excel. The JSON and RFC 4180 CSV keep their
// English keys (internal/cli writes them from the typed results).

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/sheet"
	"github.com/nyckeltal/nyckeltal/internal/swedish"
)

// Headings of the gap's and the sparbeting's columns, one vocabulary for
// every output (see docs/ORDLISTA.md).
const (
	colMunicipality  = "Kommun"
	colArea          = "Område"
	colYear          = "År"
	colNKAPct        = "NKA %"
	colNKAMnkr       = "NKA mnkr"
	colGroup         = "Liknande kommuner, grupp"
	colGroupYear     = "Gruppens år"
	colGroupChoice   = "Val av grupp"
	colWithValue     = "Med värde"
	colMean          = "Liknande kommuner, medelvärde %"
	colMedian        = "Liknande kommuner, median %"
	colComparison    = "Jämförelsevärde %"
	colGapPP         = "Avvikelse, procentenheter"
	colReference     = "Referenskostnad mnkr"
	colDerivation    = "Referenskostnad, härledning"
	colRefRatio      = "Referenskostnad enligt kvoten mnkr"
	colRefNet        = "Referenskostnad enligt nettokostnaden mnkr"
	colGapMnkr       = "Avvikelse mnkr"
	colGapKrPerInv   = "Avvikelse kr/inv"
	colCountedTkr    = "Räknas tkr"
	colCountedKrInv  = "Räknas kr/inv"
	colLoad          = "Laddning"
	colNote          = "Anmärkning"
	colBudgetYear    = "Budgetår"
	preliminaryNote  = "* preliminärt: ett värde bakom raden är Koladas preliminära värde, ännu inte slutligt."
	withValueNote    = "Med värde: gruppens medlemmar med ett värde av alla medlemmar. Laddning: den senaste laddningen som skrev ett värde bakom raden."
	referenceEstNote = "Referenskostnad, härledning uppskattad: NKA % ligger för nära 0 för kvoten NKA mnkr / NKA %, så referenskostnaden är " +
		"uppskattad som områdets nettokostnad (kr/inv × invånare) minus NKA mnkr; båda härledningarna visas där båda finns."
)

// Heading is the area's name at the start of a cell or heading:
// "Äldreomsorg", "Individ- och familjeomsorg".
func (a Area) Heading() string { return swedish.Capitalize(a.Title) }

// areaName names an area for people; a slug the areas do not know stays.
func areaName(titles map[string]string, slug string) string {
	if t, ok := titles[slug]; ok && t != "" {
		return swedish.Capitalize(t)
	}
	return slug
}

func areaTitles(areas []Area) map[string]string {
	m := make(map[string]string, len(areas))
	for _, a := range areas {
		m[a.Slug] = a.Title
	}
	return m
}

// ReferenceMethodText says in a word how a reference cost was derived.
func ReferenceMethodText(m *string) string {
	if m == nil {
		return ""
	}
	switch *m {
	case ReferenceCostRatio:
		return "kvot"
	case ReferenceCostNet:
		return "uppskattad"
	}
	return *m
}

func year(y int, prelim bool) sheet.YearValue { return sheet.YearValue{Year: y, Preliminary: prelim} }

func withValue(count, members int, group *string) any {
	if group == nil {
		return nil
	}
	return fmt.Sprintf("%d av %d", count, members)
}

// loadCell is a load's number: an id, not a figure (no thousands separator).
func loadCell(id *int64) any {
	if id == nil {
		return nil
	}
	return strconv.FormatInt(*id, 10)
}

func strOrNil(p *string) any {
	if p == nil || *p == "" {
		return nil
	}
	return *p
}

func intOrNil(p *int) any {
	if p == nil {
		return nil
	}
	return sheet.YearValue{Year: *p}
}

// comparatorWords says what a result is compared with: "medelvärdet för
// liknande kommuner".
func comparatorWords(cmp, target string) string { return TargetText(cmp, target) }

// GapDocument lays out gap rows for people: one table, the municipality
// named in the title (or a column when there are several), the notes
// below.
func GapDocument(res *GapResult, q Query) *sheet.Document {
	cmp, target, trend := NormalizeComparatorName(q.Comparator), q.Target, q.PeerTrend
	if len(res.Rows) > 0 {
		r := res.Rows[0]
		cmp, target, trend = r.Comparator, r.Target, r.PeerTrend
	}
	titles := areaTitles(res.Areas)
	title := "Nettokostnadsavvikelse mot " + comparatorWords(cmp, target)
	many := len(q.Municipalities) != 1
	if !many && len(res.Rows) > 0 {
		title += ": " + res.Rows[0].Municipality + " (" + res.Rows[0].MunicipalityID + ")"
	}
	if q.AsOf != nil {
		title += ", värdena som databasen kände dem " + swedish.Time(*q.AsOf)
	}
	var cols []sheet.Col
	if many {
		cols = append(cols, sheet.TextCol(colMunicipality))
	}
	cols = append(cols, sheet.TextCol(colArea), sheet.YearCol(colYear), sheet.NumCol(colNKAPct, 2), sheet.NumCol(colNKAMnkr, 2),
		sheet.TextCol(colGroup), sheet.YearCol(colGroupYear), sheet.TextCol(colGroupChoice), sheet.TextCol(colWithValue),
		sheet.NumCol(colMean, 2), sheet.NumCol(colMedian, 2), sheet.NumCol(colComparison, 2), sheet.NumCol(colGapPP, 2),
		sheet.NumCol(colReference, 2), sheet.TextCol(colDerivation), sheet.NumCol(colRefRatio, 2), sheet.NumCol(colRefNet, 2),
		sheet.NumCol(colGapMnkr, 2), sheet.NumCol(colGapKrPerInv, 0), sheet.TextCol(colLoad), sheet.TextCol(colNote))
	frozen := 2
	if many {
		frozen = 3
	}
	t := sheet.Table{Sheet: "Nettokostnadsavvikelse", Cols: cols, FrozenCols: frozen}
	anyPrelim, anyEstimated := false, false
	for _, r := range res.Rows {
		anyPrelim = anyPrelim || r.Preliminary
		anyEstimated = anyEstimated || r.ReferenceCostEstimated
		var row []any
		if many {
			row = append(row, r.Municipality+" ("+r.MunicipalityID+")")
		}
		row = append(row, areaName(titles, r.Area), year(r.Year, r.Preliminary), r.NKAPct, r.NKAMnkr, strOrNil(r.PeerGroupID),
			intOrNil(r.PeerGroupYear), strOrNil(r.GroupChoiceText), withValue(r.PeerCount, r.PeerMembers, r.PeerGroupID),
			r.PeerMeanPct, r.PeerMedianPct, r.ComparatorPct, r.GapPP, r.ReferenceCostMnkr, ReferenceMethodText(r.ReferenceCostMethod),
			r.ReferenceCostRatioMnkr, r.ReferenceCostNetMnkr, r.GapMnkr, r.GapKrPerInv, loadCell(r.LoadID), r.Note)
		t.Rows = append(t.Rows, row)
	}
	d := &sheet.Document{Title: title, Source: Label, Tables: []sheet.Table{t}, Created: res.DataAsOf}
	if anyPrelim {
		d.Footer = append(d.Footer, preliminaryNote)
	}
	if anyEstimated {
		d.Footer = append(d.Footer, referenceEstNote)
	}
	d.Footer = append(d.Footer, withValueNote)
	d.Footer = append(d.Footer, "Jämförelsevärde: "+GapAssumptionText(cmp, target, trend, q.TargetYear)+
		". Avvikelse kr/inv: avvikelsen i mnkr × 10⁶ / invånare (N01951) samma år.")
	d.Footer = append(d.Footer, res.Notes...)
	return d
}

// NormalizeComparatorName is the comparator as the outputs name it when
// there are no rows to read it from.
func NormalizeComparatorName(c string) string {
	if strings.TrimSpace(c) == "" {
		return ComparatorMean
	}
	return strings.TrimSpace(c)
}

// SparbetingTitle names a sparbeting for people.
func SparbetingTitle(s *Sparbeting) string {
	t := fmt.Sprintf("Sparbeting för %s (%s): utfall %d mot %s, i nivå med jämförelsen till budget %d",
		orID(s.Municipality, s.MunicipalityID), s.MunicipalityID, s.BaseYear, comparatorWords(s.Comparator, s.Target), s.TargetYear)
	if s.Preliminary {
		t += " (preliminärt)"
	}
	return t
}

func orID(name, id string) string {
	if name == "" {
		return id
	}
	return name
}

// ProfileText says in words how a glide path is spread: "jämnt fördelad".
func ProfileText(name string) string {
	switch name {
	case "", "even":
		return "jämnt fördelad"
	case "front":
		return "fallande (mest det första året)"
	}
	return "fördelad med vikterna " + name
}

func sparbetingAreaTable(s *Sparbeting) sheet.Table {
	t := sheet.Table{Heading: fmt.Sprintf("Områden, %s %s", swedish.Utfall, yearLabel(s.BaseYear, s.Preliminary)),
		Sheet: fmt.Sprintf("Sparbeting %d", s.BaseYear), FrozenCols: 1,
		Cols: []sheet.Col{sheet.TextCol(colArea), sheet.NumCol(colNKAPct, 2), sheet.TextCol(colGroup), sheet.YearCol(colGroupYear),
			sheet.TextCol(colGroupChoice), sheet.TextCol(colWithValue), sheet.NumCol(colMean, 2), sheet.NumCol(colMedian, 2),
			sheet.NumCol(colComparison, 2), sheet.NumCol(colGapPP, 2), sheet.NumCol(colReference, 2), sheet.TextCol(colDerivation),
			sheet.NumCol(colRefRatio, 2), sheet.NumCol(colRefNet, 2), sheet.NumCol(colGapMnkr, 2), sheet.NumCol(colGapKrPerInv, 0),
			sheet.NumCol(colCountedTkr, 0), sheet.NumCol(colCountedKrInv, 0), sheet.TextCol(colLoad)}}
	for _, a := range s.Areas {
		t.Rows = append(t.Rows, []any{areaName(s.AreaTitles, a.Area), a.NKAPct, strOrNil(a.PeerGroupID), intOrNil(a.PeerGroupYear),
			strOrNil(a.GroupChoiceText), withValue(a.PeerCount, a.PeerMembers, a.PeerGroupID), a.PeerMeanPct, a.PeerMedianPct,
			a.ComparatorPct, a.GapPP, a.ReferenceCostMnkr, ReferenceMethodText(a.ReferenceCostMethod), a.ReferenceCostRatioMnkr,
			a.ReferenceCostNetMnkr, a.GapMnkr, a.GapKrPerInv, a.CountedTkr, a.CountedKrPerInv, loadCell(a.LoadID)})
	}
	counted := "avvikelsen i tkr där området ligger över jämförelsen; ett område under jämförelsen räknas som 0"
	if s.Net {
		counted = "avvikelsen i tkr netto över områdena: områden under jämförelsen drar ner summan"
	}
	total := blankRow(len(t.Cols))
	total[0] = "Sparbeting"
	total[16], total[17] = s.TotalTkr, s.TotalKrPerInv
	t.Rows = append(t.Rows, total)
	t.Notes = append(t.Notes, "Räknas: "+counted+". "+withValueNote)
	t.Notes = append(t.Notes, "Jämförelsevärde: "+s.Assumption)
	if s.Population != nil {
		t.Notes = append(t.Notes, fmt.Sprintf("Kr/inv: tkr × 1 000 / %s invånare (N01951) %d.", swedish.Number(*s.Population, 0), s.BaseYear))
	}
	for _, a := range s.Areas {
		if a.ReferenceCostEstimated {
			t.Notes = append(t.Notes, referenceEstNote)
			break
		}
	}
	return t
}

func yearLabel(y int, prelim bool) string {
	if prelim {
		return strconv.Itoa(y) + "*"
	}
	return strconv.Itoa(y)
}

func glideTable(s *Sparbeting) sheet.Table {
	t := sheet.Table{Heading: fmt.Sprintf("Glidbana %d–%d, %s", s.StartYear, s.TargetYear-1, ProfileText(s.Profile)),
		Sheet: fmt.Sprintf("Glidbana %d", s.BaseYear), FrozenCols: 1,
		Cols: []sheet.Col{sheet.YearCol(colBudgetYear), sheet.NumCol("Tkr", 0), sheet.NumCol("Kr/inv", 0)}}
	for _, y := range s.PerYear {
		t.Rows = append(t.Rows, []any{year(y.Year, false), y.Tkr, y.KrPerInv})
	}
	if len(s.PerYear) == 0 {
		t.Notes = append(t.Notes, "Ingen glidbana: sparbetinget är okänt.")
	}
	return t
}

// PlanStatusWord says in a word why a plan amount does not count.
func PlanStatusWord(status string) string {
	switch status {
	case PlanOneOff:
		return "engångs"
	case PlanDeficit:
		return "underskott"
	case PlanInOutcome:
		return "i utfallet"
	case PlanAfterTarget:
		return "efter målåret"
	}
	return status
}

func planTables(s *Sparbeting) []sheet.Table {
	p := s.Plan
	if p == nil {
		return nil
	}
	years := map[int]bool{}
	for _, m := range p.Measures {
		for _, a := range m.PerYear {
			years[a.Year] = true
		}
	}
	ys := make([]int, 0, len(years))
	for y := range years {
		ys = append(ys, y)
	}
	sort.Ints(ys)
	cols := []sheet.Col{sheet.TextCol("Löpnr"), sheet.TextCol("Åtgärd")}
	for _, y := range ys {
		cols = append(cols, sheet.NumCol(strconv.Itoa(y)+" tkr", 1))
	}
	cols = append(cols, sheet.NumCol("Summa tkr", 1), sheet.NumCol(colCountedTkr, 1), sheet.TextCol("Räknas inte"))
	measures := sheet.Table{Heading: "Åtgärdsplan " + p.File + " (summorna räknade här)", Sheet: "Åtgärdsplan", Cols: cols, FrozenCols: 2}
	colTotals := make([]float64, len(ys))
	for _, m := range p.Measures {
		row := []any{m.No, m.Name}
		byYear := map[int]float64{}
		var apart []string
		for _, a := range m.PerYear {
			byYear[a.Year] = a.Tkr
			if a.Status != PlanCounted && a.Tkr != 0 {
				apart = append(apart, fmt.Sprintf("%d %s", a.Year, PlanStatusWord(a.Status)))
			}
		}
		for i, y := range ys {
			if v, ok := byYear[y]; ok {
				row = append(row, v)
				colTotals[i] += v
			} else {
				row = append(row, nil) // no amount that year in the plan
			}
		}
		measures.Rows = append(measures.Rows, append(row, m.TotalTkr, m.CountedTkr, strings.Join(apart, ", ")))
	}
	sum := []any{"", "Summa"}
	for _, v := range colTotals {
		sum = append(sum, v)
	}
	measures.Rows = append(measures.Rows, append(sum, p.PlanTotalTkr, p.CountedTkr, ""))
	if len(p.Discrepancies) > 0 {
		measures.Notes = append(measures.Notes, "Tryckta summor som planens egna rader inte summerar till:")
		for _, d := range p.Discrepancies {
			measures.Notes = append(measures.Notes, "  – "+d)
		}
	}
	for _, n := range p.Notes {
		measures.Notes = append(measures.Notes, "Anmärkning: "+n)
	}
	cover := sheet.Table{Heading: "Åtgärdsplanen mot glidbanan", Sheet: "Plan mot glidbana", FrozenCols: 1,
		Cols: []sheet.Col{sheet.YearCol(colBudgetYear), sheet.NumCol("Glidbana tkr", 0), sheet.NumCol("Planerat tkr", 1),
			sheet.NumCol(colCountedTkr, 1), sheet.NumCol("Engångs tkr", 1), sheet.NumCol("Underskott tkr", 1),
			sheet.NumCol("Täckning %", 1), sheet.NumCol("Återstår tkr", 1), sheet.NumCol("Glidbana ackumulerat tkr", 0),
			sheet.NumCol("Räknas ackumulerat tkr", 1)}}
	for _, y := range p.PerYear {
		cover.Rows = append(cover.Rows, []any{year(y.Year, false), y.GlideTkr, y.PlannedTkr, y.CountedTkr, y.OneOffTkr, y.DeficitTkr,
			y.CoveragePct, y.RemainingTkr, y.CumulativeGlideTkr, y.CumulativeCountedTkr})
	}
	cover.Rows = append(cover.Rows, []any{"Summa", s.TotalTkr, p.PlannedTkr, p.CountedTkr, p.OneOffTkr, p.DeficitTkr, p.CoveragePct,
		p.RemainingTkr, "", ""})
	cover.Notes = append(cover.Notes, fmt.Sprintf("Räknas: varaktiga besparingar som minskar budgetramen, från året efter basåret %d till "+
		"året före målåret %d; täckning och vad som återstår räknas på dem. Engångsbelopp och minskade underskott visas för sig och räknas inte.",
		s.BaseYear, s.TargetYear))
	if p.InOutcomeTkr != 0 || p.AfterTargetTkr != 0 {
		cover.Notes = append(cover.Notes, fmt.Sprintf("Utanför: %s tkr ingår redan i utfallet %d (basåret eller tidigare), %s tkr ligger från målåret %d.",
			swedish.Trimmed(p.InOutcomeTkr, 3), s.BaseYear, swedish.Trimmed(p.AfterTargetTkr, 3), s.TargetYear))
	}
	cover.Notes = append(cover.Notes, "Återstår under 0: planen sparar mer än glidbanan kräver det året. Ackumulerat: summan till och med året.")
	return []sheet.Table{measures, cover}
}

func sparbetingFooter(prelim bool, notes, sources []string) []string {
	var out []string
	if prelim {
		out = append(out, "* preliminärt: ett värde bakom det är Koladas preliminära värde, ännu inte slutligt.")
	}
	for _, n := range notes {
		out = append(out, "Anmärkning: "+n)
	}
	for _, src := range sources {
		if src != Label { // the document ends with it
			out = append(out, src)
		}
	}
	return out
}

// blankRow is a sum row's cells: empty (not missing) where it has no figure.
func blankRow(n int) []any {
	row := make([]any, n)
	for i := range row {
		row[i] = ""
	}
	return row
}

// SparbetingDocument lays out a sparbeting for people: the areas, the
// glide path and, with a plan, the åtgärdsplan against it.
func SparbetingDocument(s *Sparbeting) *sheet.Document {
	d := &sheet.Document{Title: SparbetingTitle(s), Source: Label, Created: s.DataAsOf}
	d.Tables = append(d.Tables, sparbetingAreaTable(s), glideTable(s))
	d.Tables = append(d.Tables, planTables(s)...)
	d.Footer = sparbetingFooter(s.Preliminary, s.Notes, s.Sources)
	return d
}

// OmrakningDocument lays out the omräkning: how each area's gap moved, then
// each base year's sparbeting.
func OmrakningDocument(o *Omrakning) *sheet.Document {
	cmp, target := o.Comparator, ""
	var titles map[string]string
	var created time.Time
	if len(o.BaseYears) > 0 {
		target, titles = o.BaseYears[0].Target, o.BaseYears[0].AreaTitles
		for _, s := range o.BaseYears {
			if s.DataAsOf.After(created) {
				created = s.DataAsOf
			}
		}
	}
	d := &sheet.Document{Title: fmt.Sprintf("Omräkning av sparbetinget för %s (%s) mot %s, i nivå med jämförelsen till budget %d",
		orID(o.Municipality, o.MunicipalityID), o.MunicipalityID, comparatorWords(cmp, target), o.TargetYear), Source: Label, Created: created}
	ch := sheet.Table{Heading: "Så flyttade sig avvikelsen per område (tkr): egen NKA + jämförelsens NKA + referenskostnad = förändring",
		Sheet: "Omräkning", FrozenCols: 1,
		Cols: []sheet.Col{sheet.TextCol(colArea), sheet.YearCol("Från basår"), sheet.YearCol("Till basår"), sheet.NumCol("Avvikelse från tkr", 0),
			sheet.NumCol("Avvikelse till tkr", 0), sheet.NumCol("Förändring tkr", 0), sheet.NumCol("Egen NKA tkr", 0),
			sheet.NumCol("Jämförelsens NKA tkr", 0), sheet.NumCol("Referenskostnad tkr", 0), sheet.TextCol(colNote)}}
	prelim := map[int]bool{}
	for _, s := range o.BaseYears {
		prelim[s.BaseYear] = s.Preliminary
	}
	for _, c := range o.Changes {
		ch.Rows = append(ch.Rows, []any{areaName(titles, c.Area), year(c.FromBaseYear, prelim[c.FromBaseYear]),
			year(c.ToBaseYear, prelim[c.ToBaseYear]), c.FromGapTkr, c.ToGapTkr, c.ChangeTkr, c.OwnNKATkr, c.PeersNKATkr,
			c.ReferenceCostTkr, c.Note})
	}
	for _, t := range o.TotalChanges {
		ch.Rows = append(ch.Rows, []any{"Sparbeting (det som räknas)", year(t.FromBaseYear, prelim[t.FromBaseYear]),
			year(t.ToBaseYear, prelim[t.ToBaseYear]), t.FromTotalTkr, t.ToTotalTkr, t.ChangeTkr, "", "", "", ""})
	}
	d.Tables = append(d.Tables, ch)
	var notes []string
	for _, s := range o.BaseYears {
		d.Tables = append(d.Tables, sparbetingAreaTable(s), glideTable(s))
		d.Tables = append(d.Tables, planTables(s)...)
		for _, n := range s.Notes {
			if !strings.Contains(n, strconv.Itoa(s.BaseYear)) { // most notes name their base year already
				n = fmt.Sprintf("%d: %s", s.BaseYear, n)
			}
			notes = append(notes, n)
		}
	}
	d.Footer = sparbetingFooter(o.Preliminary, notes, o.Sources)
	return d
}
