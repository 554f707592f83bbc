package nka

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/indicatorid"

	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"github.com/nyckeltal/nyckeltal/transform/atgardsplan"
)

// Explain writes the whole calculation of one area's part of the
// sparbeting, step by step, every figure with its source, in Swedish as a
// controller would put it in a tjänsteskrivelse. Every figure is the one
// the sparbeting used (its gap row from nka_gap); the steps show the
// arithmetic so that it can be redone by hand.
func (e *Engine) Explain(ctx context.Context, s *Sparbeting, area string) (string, error) {
	slug := NormalizeSlug(area)
	var sa *SparbetingArea
	for i := range s.Areas {
		if s.Areas[i].Area == slug {
			sa = &s.Areas[i]
		}
	}
	a, ok := AreaBySlug(e.Areas, slug)
	if sa == nil || !ok {
		have := make([]string, len(s.Areas))
		for i, x := range s.Areas {
			have[i] = x.Area
		}
		return "", fmt.Errorf("%w: --explain %q: the sparbeting's areas are %s", ErrUnknownArea, area, strings.Join(have, ", "))
	}
	titles, err := e.kpiTitles(ctx, []string{a.PctKPI, a.MnkrKPI, a.NetCostKPI, PopulationKPI})
	if err != nil {
		return "", err
	}
	kpi := func(id string) string {
		if t := titles[id]; t != "" {
			return fmt.Sprintf("%s %s", id, t)
		}
		return id
	}
	x := &explainer{}
	r := sa.Row
	muni := s.Municipality
	x.title(fmt.Sprintf("Så beräknas sparbetinget för %s, %s (%s), utfall %d", a.Title, muni, s.MunicipalityID, s.BaseYear))
	x.para("Källa: Kolada (RKA). Beräkningar: egen bearbetning. Varje tal nedan är det som sparbetinget räknades med; " +
		"beräkningen görs med full precision och talen avrundas först när de skrivs ut, så den sista decimalen kan skilja " +
		"om man räknar om med de avrundade talen.")
	x.para(s.Assumption)

	step := 0
	next := func() int { step++; return step }
	if r.NKAPct == nil && r.PeerGroupID == nil && r.ComparatorPct == nil {
		x.para(fmt.Sprintf("%d. Det finns inga NKA-värden för %s %d i databasen, så områdets del av sparbetinget är okänd. %s",
			next(), a.Title, s.BaseYear, sa.Note))
		return x.String(), nil
	}

	// 1. the comparison set
	x.para(fmt.Sprintf("%d. Jämförelsen. %s", next(), e.explainSet(s, r, a, muni)))

	// 2. the members' values and the statistic
	if s.Comparator != ComparatorRiket {
		x.para(fmt.Sprintf("%d. Jämförelsegruppens nettokostnadsavvikelse %d (%s, Kolada):", next(), s.BaseYear, kpi(a.PctKPI)))
		var xs []float64
		for _, m := range r.ComparatorValues {
			if m.NKAPct == nil {
				x.line(fmt.Sprintf("%s: inget värde", m.Name))
				continue
			}
			xs = append(xs, *m.NKAPct)
			x.line(fmt.Sprintf("%s: %s %%", m.Name, pct4(*m.NKAPct)))
		}
		x.para(explainStatistic(EffectiveTarget(s.Comparator, s.Target), xs, r.ComparatorStatPct))
		if n := TrendYears(s.PeerTrend); n > 0 {
			x.para(explainTrend(r, n, s.TargetYear, EffectiveTarget(s.Comparator, s.Target)))
		}
	}
	if share, ok := targetShare(EffectiveTarget(s.Comparator, s.Target)); ok {
		level := "0"
		switch {
		case s.Comparator == ComparatorRiket:
		case r.ComparatorProjectedPct != nil:
			level = pct4(*r.ComparatorProjectedPct)
		case r.ComparatorStatPct != nil:
			level = pct4(*r.ComparatorStatPct)
		}
		if r.NKAPct != nil && r.ComparatorPct != nil {
			x.para(fmt.Sprintf("%d. Målet är att sluta %s %% av avståndet: jämförelsevärdet = kommunens NKA − %s × (kommunens NKA − %s) = "+
				"%s − %s × (%s − %s) = %s %%.", next(), swedish.Number(share*100, 0), decimalText(share), term(level),
				pct4(*r.NKAPct), decimalText(share), pct4(*r.NKAPct), term(level), pct4(*r.ComparatorPct)))
		}
	} else if s.Comparator == ComparatorRiket {
		x.para(fmt.Sprintf("%d. Jämförelsevärdet är riket: 0 %% per definition (nettokostnadsavvikelsen mäts mot rikets standardkostnad).", next()))
	}
	_, shared := targetShare(EffectiveTarget(s.Comparator, s.Target))
	if r.ComparatorPct != nil {
		if s.Comparator != ComparatorRiket || shared {
			x.para(fmt.Sprintf("Jämförelsevärdet är alltså %s %% (egen bearbetning).", pct4(*r.ComparatorPct)))
		}
	} else {
		x.para("Jämförelsevärdet kan inte beräknas: " + r.Note + ".")
	}

	// 3. own NKA
	own := fmt.Sprintf("%d. %s nettokostnadsavvikelse för %s %d är ", next(), genitive(muni), a.Title, s.BaseYear)
	if r.NKAPct != nil {
		own += fmt.Sprintf("%s %% (%s, Kolada)", pct4(*r.NKAPct), kpi(a.PctKPI))
	} else {
		own += fmt.Sprintf("okänd (inget värde för %s)", a.PctKPI)
	}
	if r.NKAMnkr != nil && a.MnkrKPI != "" {
		own += fmt.Sprintf(" och %s mnkr (%s, Kolada)", swedish.Number(*r.NKAMnkr, 6), kpi(a.MnkrKPI))
	}
	x.para(own + ".")

	// 4. the gap in percentage points
	if r.GapPP != nil {
		x.para(fmt.Sprintf("%d. Avvikelse mot jämförelsen: %s − %s = %s procentenheter.", next(), pct4(*r.NKAPct), term(pct4(*r.ComparatorPct)),
			pct4(*r.GapPP)))
	} else {
		x.para(fmt.Sprintf("%d. Avvikelsen mot jämförelsen kan inte beräknas: %s.", next(), r.Note))
	}

	// 5. the reference cost
	x.para(fmt.Sprintf("%d. Referenskostnaden. %s", next(), explainReference(r, a, kpi)))

	// 6. the gap in kronor, per invånare
	if r.GapMnkr != nil {
		x.para(fmt.Sprintf("%d. Avvikelsen i kronor: %s %% av %s mnkr = %s / 100 × %s = %s mnkr = %s tkr.", next(),
			pct4(*r.GapPP), swedish.Number(*r.ReferenceCostMnkr, 2), pct4(*r.GapPP), swedish.Number(*r.ReferenceCostMnkr, 2),
			swedish.Number(*r.GapMnkr, 4), swedish.Number(*r.GapMnkr*1000, 1)))
		if r.Population != nil && r.GapKrPerInv != nil {
			x.para(fmt.Sprintf("%d. Per invånare: %s kr / %s invånare (%s, Kolada, %d) = %s kr per invånare.", next(),
				swedish.Number(*r.GapMnkr*1e6, 0), swedish.Number(*r.Population, 0), kpi(PopulationKPI), s.BaseYear,
				swedish.Number(*r.GapKrPerInv, 0)))
		} else {
			x.para(fmt.Sprintf("%d. Per invånare: inget värde för invånare (%s) %d, så avvikelsen kan inte anges i kr per invånare.",
				next(), PopulationKPI, s.BaseYear))
		}
	}

	// 7. what counts
	switch {
	case sa.CountedTkr == nil:
		x.para(fmt.Sprintf("%d. Det som räknas: okänt, så hela sparbetinget lämnas tomt i stället för att räknas fel.", next()))
	case s.Net:
		x.para(fmt.Sprintf("%d. Det som räknas (netto: områden under jämförelsen drar ner summan): %s tkr.", next(), swedish.Number(*sa.CountedTkr, 1)))
	case r.GapPP != nil && *r.GapPP <= 0:
		x.para(fmt.Sprintf("%d. Det som räknas: %s ligger inte över jämförelsen, så området räknas som 0 tkr (ett område under "+
			"jämförelsen betalar inte för ett annat).", next(), a.Title))
	default:
		x.para(fmt.Sprintf("%d. Det som räknas: %s ligger över jämförelsen, så hela avvikelsen räknas: %s tkr.", next(), a.Title,
			swedish.Number(*sa.CountedTkr, 1)))
	}

	// 8. the total and the glide path
	var parts []string
	for _, o := range s.Areas {
		v := "okänt"
		if o.CountedTkr != nil {
			v = swedish.Number(*o.CountedTkr, 1) + " tkr"
		}
		name := o.Area
		if oa, ok := AreaBySlug(e.Areas, o.Area); ok {
			name = oa.Title
		}
		parts = append(parts, name+" "+v)
	}
	if s.TotalTkr != nil {
		tot := fmt.Sprintf("%d. Sparbetinget: %s = %s tkr (avrundat till hela tkr)", next(), strings.Join(parts, " + "),
			swedish.Number(float64(*s.TotalTkr), 0))
		if s.TotalKrPerInv != nil {
			tot += fmt.Sprintf(", eller %s kr per invånare", swedish.Number(*s.TotalKrPerInv, 0))
		}
		x.para(tot + ".")
		var ys []string
		for _, y := range s.PerYear {
			ys = append(ys, fmt.Sprintf("%d: %s tkr", y.Year, swedish.Number(float64(y.Tkr), 0)))
		}
		x.para(fmt.Sprintf("%d. Glidbanan (%s): %s.", next(), profileWords(s.Profile), strings.Join(ys, ", ")))
	} else {
		x.para(fmt.Sprintf("%d. Sparbetinget: %s; summan är okänd.", next(), strings.Join(parts, ", ")))
	}

	// 9. the plan
	if p := s.Plan; p != nil {
		text := fmt.Sprintf("%d. Åtgärdsplanen (%s) har åtgärder för %s tkr. Mot sparbetinget räknas varaktiga besparingar som "+
			"minskar budgetramen, från året efter basåret %d till året före målåret %d: %s tkr.", next(), p.File,
			atgardsplan.FormatTkr(p.PlanTotalTkr), s.BaseYear, s.TargetYear, atgardsplan.FormatTkr(p.CountedTkr))
		if p.OneOffTkr != 0 || p.DeficitTkr != 0 || p.InOutcomeTkr != 0 || p.AfterTargetTkr != 0 {
			text += fmt.Sprintf(" För sig: engångsbelopp %s tkr, minskade underskott %s tkr, redan i utfallet %d %s tkr, från målåret %s tkr.",
				atgardsplan.FormatTkr(p.OneOffTkr), atgardsplan.FormatTkr(p.DeficitTkr), s.BaseYear, atgardsplan.FormatTkr(p.InOutcomeTkr),
				atgardsplan.FormatTkr(p.AfterTargetTkr))
		}
		if p.CoveragePct != nil && p.RemainingTkr != nil {
			text += fmt.Sprintf(" Täckning: %s / %s = %s %%; återstår %s tkr.", atgardsplan.FormatTkr(p.CountedTkr),
				swedish.Number(float64(*s.TotalTkr), 0), swedish.Number(*p.CoveragePct, 1), atgardsplan.FormatTkr(*p.RemainingTkr))
		}
		x.para(text)
	}

	// sources
	var src []string
	if r.LoadID != nil {
		src = append(src, fmt.Sprintf("värdena enligt Kolada-laddning %d", *r.LoadID))
	}
	if r.Preliminary {
		src = append(src, "talen innehåller preliminära värden")
	}
	if r.Note != "" {
		src = append(src, "anmärkningar: "+r.Note)
	}
	if len(src) > 0 {
		x.para(capitalizeFirst(strings.Join(src, "; ")) + ".")
	}
	x.para(Label)
	return x.String(), nil
}

type explainer struct {
	b      strings.Builder
	inList bool
}

func (x *explainer) title(s string) { x.b.WriteString(s + "\n\n") }

func (x *explainer) para(s string) {
	if x.inList {
		x.b.WriteString("\n")
		x.inList = false
	}
	x.b.WriteString(wrapText(s, 100, "") + "\n\n")
}

// line is a line of a list under the paragraph before it.
func (x *explainer) line(s string) {
	x.inList = true
	x.b.WriteString("    " + s + "\n")
}
func (x *explainer) String() string { return strings.TrimRight(x.b.String(), "\n") + "\n" }

// wrapText breaks s at spaces so that no line is longer than width.
func wrapText(s string, width int, indent string) string {
	var out, line strings.Builder
	n := 0
	// split at ordinary spaces only: a non-breaking space holds a number's
	// digit groups together ("14 205")
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\n' || r == '\t' }) {
		l := len([]rune(w))
		if n > 0 && n+1+l > width {
			out.WriteString(line.String() + "\n" + indent)
			line.Reset()
			n = len(indent)
		}
		if line.Len() > 0 {
			line.WriteByte(' ')
			n++
		}
		line.WriteString(w)
		n += l
	}
	out.WriteString(line.String())
	return out.String()
}

func pct4(x float64) string { return swedish.Number(x, 4) }

// term writes a figure that follows an operator: a negative one in
// parentheses, so that "6 − (−1)" never reads "6 − −1".
func term(s string) string {
	if strings.HasPrefix(s, "\u2212") {
		return "(" + s + ")"
	}
	return s
}

// decimalText writes a share or a weight as it was given: 0,5, 0,25.
func decimalText(x float64) string { return swedish.Trimmed(x, 6) }

// genitive writes a Swedish genitive: Höörs, Höganäs, Kalix.
func genitive(name string) string {
	if strings.HasSuffix(name, "s") || strings.HasSuffix(name, "x") || strings.HasSuffix(name, "z") {
		return name
	}
	return name + "s"
}

func capitalizeFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

func profileWords(p string) string {
	switch p {
	case "even":
		return "jämnt fördelad"
	case "front":
		return "framtung"
	}
	return "vikter " + p
}

// targetShare is X of share:X.
func targetShare(target string) (float64, bool) {
	rest, ok := strings.CutPrefix(target, "share:")
	if !ok {
		return 0, false
	}
	num, _, _ := strings.Cut(rest, ":")
	x, err := strconv.ParseFloat(num, 64)
	return x, err == nil
}

// targetStat is the statistic of a target: mean, median or pNN.
func targetStat(target string) string {
	if rest, ok := strings.CutPrefix(target, "share:"); ok {
		if _, st, ok := strings.Cut(rest, ":"); ok {
			return st
		}
		return TargetMean
	}
	return target
}

// explainSet says which comparison set was used, and why.
func (e *Engine) explainSet(s *Sparbeting, r GapRow, a Area, muni string) string {
	group := func(id, title *string) string {
		if id == nil {
			return "–"
		}
		if title != nil {
			return fmt.Sprintf("%s %q", *id, *title)
		}
		return *id
	}
	members := fmt.Sprintf(" Den har %d medlemmar utom %s själv; %d har ett värde för %d.", r.ComparatorMembers, muni, r.ComparatorCount, s.BaseYear)
	if len(r.ComparatorMissing) > 0 {
		members += " Värde saknas för " + strings.Join(r.ComparatorMissing, ", ") + "; de räknas inte med."
	}
	switch {
	case s.Comparator == ComparatorRiket:
		return "Som jämförelse används riket, vars nettokostnadsavvikelse är 0 per definition."
	case comparatorIsLiknande(s.Comparator):
		why := ""
		if r.GroupChoiceText != nil && r.PeerGroupYear != nil {
			why = fmt.Sprintf(", gruppen från %d (%s)", *r.PeerGroupYear, *r.GroupChoiceText)
		}
		return fmt.Sprintf("Som jämförelse används RKA:s liknande kommuner för %s: gruppen %s i Kolada%s.", a.Title,
			group(r.PeerGroupID, r.PeerGroupTitle), why) + members
	case strings.HasPrefix(s.Comparator, "liknande:"):
		return fmt.Sprintf("Som jämförelse används liknande kommuner enligt gruppen för %s, den grupp som gällde när planen beslutades: %s, "+
			"med samma medlemmar för alla år.", strings.TrimPrefix(s.Comparator, "liknande:"), group(r.ComparatorGroup, r.ComparatorGroupTitle)) + members
	case s.Comparator == ComparatorLan:
		return fmt.Sprintf("Som jämförelse används övriga kommuner i %s (kommuner vars id börjar med samma två siffror som %s, %s).",
			str(r.ComparatorGroupTitle), muni, s.MunicipalityID[:min(2, len(s.MunicipalityID))]) + members
	case indicatorid.IsKoladaGroup(s.Comparator):
		return fmt.Sprintf("Som jämförelse används kommungruppen %s i Kolada.", group(r.ComparatorGroup, r.ComparatorGroupTitle)) + members
	}
	title := ""
	if g, _ := OwnGroupByName(e.OwnGroups, s.Comparator); g.Title != "" && g.Title != s.Comparator {
		title = " (" + g.Title + ")"
	}
	return fmt.Sprintf("Som jämförelse används den egna jämförelsegruppen %s%s ur konfigurationen.", s.Comparator, title) + members
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// explainStatistic shows how the target statistic comes from the values.
func explainStatistic(target string, xs []float64, got *float64) string {
	stat := targetStat(target)
	if len(xs) == 0 {
		return "Ingen i jämförelsen har ett värde, så det finns inget jämförelsevärde."
	}
	sorted := append([]float64(nil), xs...)
	sort.Float64s(sorted)
	val := "–"
	if got != nil {
		val = pct4(*got)
	}
	switch stat {
	case TargetMean:
		var sum float64
		for _, v := range xs {
			sum += v
		}
		return fmt.Sprintf("Summa %s; medelvärde (ovägt, som Kolada räknar gruppvärden) %s / %d = %s %%.", pct4(sum), pct4(sum), len(xs), val)
	case TargetMedian:
		n := len(sorted)
		if n%2 == 1 {
			return fmt.Sprintf("I storleksordning: %s. Medianen är det mittersta värdet: %s %%.", joinPct(sorted), val)
		}
		return fmt.Sprintf("I storleksordning: %s. Medianen är medelvärdet av de två mittersta: (%s + %s) / 2 = %s %%.", joinPct(sorted),
			pct4(sorted[n/2-1]), pct4(sorted[n/2]), val)
	}
	p, _ := strconv.Atoi(strings.TrimPrefix(stat, "p"))
	h := float64(len(sorted)-1) * float64(p) / 100
	k := int(math.Floor(h))
	text := fmt.Sprintf("I storleksordning: %s. %s percentilen, interpolerad som Excels PERCENTIL.INK: h = (antal − 1) × %s = "+
		"(%d − 1) × %s = %s; ", joinPct(sorted), swedishOrdinal(strconv.Itoa(p)), decimalText(float64(p)/100), len(sorted),
		decimalText(float64(p)/100), swedish.Number(h, 2))
	if k+1 < len(sorted) && h > float64(k) {
		return text + fmt.Sprintf("värdet = x%d + %s × (x%d − x%d) = %s + %s × (%s − %s) = %s %%.", k+1, swedish.Number(h-float64(k), 2),
			k+2, k+1, pct4(sorted[k]), swedish.Number(h-float64(k), 2), pct4(sorted[k+1]), term(pct4(sorted[k])), val)
	}
	return text + fmt.Sprintf("värdet är x%d = %s %%.", k+1, val)
}

func joinPct(xs []float64) string {
	parts := make([]string, len(xs))
	for i, v := range xs {
		parts[i] = pct4(v)
	}
	return strings.Join(parts, "; ")
}

// explainTrend shows the least-squares line of a peer trend and its projection.
func explainTrend(r GapRow, n, targetYear int, target string) string {
	var pts []string
	var xs, ys []float64
	for _, p := range r.TrendPoints {
		if p.Pct == nil {
			pts = append(pts, fmt.Sprintf("%d: inget värde", p.Year))
			continue
		}
		pts = append(pts, fmt.Sprintf("%d: %s %% (%d med värde)", p.Year, pct4(*p.Pct), p.MembersWithValue))
		xs = append(xs, float64(p.Year))
		ys = append(ys, *p.Pct)
	}
	text := fmt.Sprintf("Trend: samma medlemmars %s år för år (linjär trend över %d år): %s.", statNoun(targetStat(target)), n,
		strings.Join(pts, "; "))
	if len(xs) < 2 || r.TrendSlopePP == nil || r.ComparatorProjectedPct == nil {
		return text + " För få år med värden för en trend: inget jämförelsevärde."
	}
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx /= float64(len(xs))
	my /= float64(len(xs))
	return text + fmt.Sprintf(" Minsta kvadrat-linjen genom punkterna: medelår %s, medelvärde %s %%, lutning b = Σ(år − medelår)(värde − "+
		"medelvärde) / Σ(år − medelår)² = %s procentenheter per år. Framskrivet till %d: %s + %s × (%d − %s) = %s %%.",
		yearNumber(mx), pct4(my), pct4(*r.TrendSlopePP), targetYear, pct4(my), term(pct4(*r.TrendSlopePP)), targetYear,
		yearNumber(mx), pct4(*r.ComparatorProjectedPct))
}

// statNoun names a statistic without the article: medelvärde, median, 25:e percentil.
func statNoun(stat string) string {
	switch stat {
	case TargetMean:
		return "medelvärde"
	case TargetMedian:
		return "median"
	}
	return strings.TrimSuffix(statWords(stat), "en")
}

// yearNumber writes a mean of years: 2023, 2022,5 (no thousands separator).
func yearNumber(x float64) string { return swedish.Plain(x, 2) }

// explainReference shows the reference cost's derivation.
func explainReference(r GapRow, a Area, kpi func(string) string) string {
	switch {
	case r.ReferenceCostMnkr == nil:
		return "Referenskostnaden kan inte beräknas, så avvikelsen kan inte anges i kronor: " + r.Note + "."
	case r.ReferenceCostMethod != nil && *r.ReferenceCostMethod == ReferenceCostNet:
		return fmt.Sprintf("NKA %s %% ligger för nära 0 (under %s %%) för att dela med, så referenskostnaden uppskattas utan division: "+
			"områdets nettokostnad (%s × %s / 10⁶ = %s mnkr) minus NKA mnkr (%s) = %s mnkr (uppskattad).",
			pct4(*r.NKAPct), swedish.Number(a.MinAbsPct, 1), kpi(a.NetCostKPI), PopulationKPI, swedish.Number(*r.NetCostMnkr, 3),
			swedish.Number(*r.NKAMnkr, 6), swedish.Number(*r.ReferenceCostMnkr, 2))
	}
	text := fmt.Sprintf("Referenskostnaden är vad Koladas två tal ger: NKA mnkr / (NKA %% / 100) = %s / (%s / 100) = %s mnkr "+
		"(|%s %%| är minst %s %%, så kvoten är stabil).", swedish.Number(*r.NKAMnkr, 6), pct4(*r.NKAPct),
		swedish.Number(*r.ReferenceCostMnkr, 2), swedish.Number(*r.NKAPct, 2), swedish.Number(a.MinAbsPct, 1))
	if r.ReferenceCostNetMnkr != nil {
		text += fmt.Sprintf(" Kontroll: nettokostnaden minus NKA mnkr ger %s mnkr.", swedish.Number(*r.ReferenceCostNetMnkr, 2))
	}
	return text
}

// kpiTitles reads KPI titles from the store.
func (e *Engine) kpiTitles(ctx context.Context, ids []string) (map[string]string, error) {
	return e.Store.KPITitles(ctx, ids)
}
