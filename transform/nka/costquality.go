package nka

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// CostQualityMeasure is a Kolada KPI of "kostnad och kvalitet per
// verksamhet": cost per brukare and per invånare 80+ beside the brukarnas
// helhetssyn, for äldreomsorg, hemtjänst and särskilt boende. Shown beside
// the NKA gap of äldreomsorg they tell where in the verksamhet to look.
type CostQualityMeasure struct {
	Verksamhet string // äldreomsorg, hemtjänst, särskilt boende
	Measure    string // kostnad per brukare, kostnad per invånare 80+, brukarbedömning helhetssyn
	KPI        string
	Unit       string
	// Direction is what is better: minska (a cost) or öka (a share satisfied).
	Direction string
	// Note is what Kolada's description says a reader must know.
	Note string
}

// CostQualityMeasures were chosen by reading the titles and descriptions of
// Kolada's KPI catalogue (../shared/kolada/kpi_catalogue.json); each id with
// its exact Kolada title. Kolada publishes no cost per brukare and no
// brukarbedömning for äldreomsorg as a whole (said in the output).
var CostQualityMeasures = []CostQualityMeasure{
	// N20048 "Kostnad äldreomsorg, kr/inv 80+": vård och omsorg enligt SoL/HSL, bruttokostnad minus interna
	// intäkter och försäljning, per invånare 80+ den 31/12 (SCB Räkenskapssammandraget).
	{"äldreomsorg", "kostnad per invånare 80+", "N20048", "kr/inv 80+", "minska", ""},
	// N21006 "Kostnad hemtjänst äldreomsorg, kr/hemtjänsttagare": per person 65+ beviljad hemtjänst i
	// ordinärt boende (från 2021 en kommunindividuell median av månaderna).
	{"hemtjänst", "kostnad per brukare", "N21006", "kr/hemtjänsttagare", "minska", ""},
	// N21024 "Kostnad hemtjänst äldreomsorg, kr/inv 80+": samtlig regi, per invånare 80+ 31/12.
	{"hemtjänst", "kostnad per invånare 80+", "N21024", "kr/inv 80+", "minska", ""},
	// U21468 "Brukarbedömning hemtjänst äldreomsorg -  helhetssyn, andel (%)" (two spaces, as Kolada writes
	// it): andel 65+ med hemtjänst som är mycket eller ganska nöjda (Socialstyrelsens undersökning, KKiK).
	{"hemtjänst", "brukarbedömning helhetssyn", "U21468", "andel (%)", "öka", ""},
	// N23009 "Kostnad särskilt boende äldreomsorg, kr/brukare": per person 65+ som bor permanent i
	// särskilt boende; 2016–2023 ingick också annat boende i kostnaden, från 2024 endast särskilt boende.
	{"särskilt boende", "kostnad per brukare", "N23009", "kr/brukare", "minska",
		"Kolada: till och med 2023 ingår kostnaden för annat boende, från 2024 endast särskilt boende; jämför inte åren rakt av"},
	// N23001 "Kostnad särskilt boende äldreomsorg, kr/inv 80+": samtlig regi, per invånare 80+ 31/12.
	{"särskilt boende", "kostnad per invånare 80+", "N23001", "kr/inv 80+", "minska", ""},
	// U23471 "Brukarbedömning särskilt boende äldreomsorg -  helhetssyn, andel (%)": andel 65+ i särskilt
	// boende som är mycket eller ganska nöjda med sitt äldreboende (Socialstyrelsens undersökning, KKiK).
	{"särskilt boende", "brukarbedömning helhetssyn", "U23471", "andel (%)", "öka", ""},
}

// CostQualityKPIs are the KPIs of CostQualityMeasures, fetched by default.
func CostQualityKPIs() []string {
	out := make([]string, len(CostQualityMeasures))
	for i, m := range CostQualityMeasures {
		out[i] = m.KPI
	}
	return out
}

// CostQualityRow is one measure of the municipality against its comparison
// set, in the latest year the municipality has a value.
type CostQualityRow struct {
	CostQualityMeasure
	KPITitle string
	Year     int // 0: the municipality has no value
	Own      *float64
	// PeerMean and PeerMedian are over the members of the comparison set
	// (the comparator's, for äldreomsorg, that year) that have a value.
	PeerMean, PeerMedian *float64
	PeerCount, Members   int
	MissingPeers         []string
	// DiffPct is own / peer mean − 1, in per cent.
	DiffPct     *float64
	Preliminary bool
	Notes       []string
}

// CostQuality is the table of kostnad och kvalitet per verksamhet.
type CostQuality struct {
	MunicipalityID, Municipality string
	// Comparator is the comparison set used (riket has none: then the
	// Liknande kommuner group); ComparatorText names it.
	Comparator     string
	ComparatorText string
	// Gap is the NKA äldreomsorg row of the latest year of the measures,
	// beside which they are read (nil: none that year).
	Gap   *GapRow
	Rows  []CostQualityRow
	Notes []string
}

// CostQuality compares the municipality's cost per brukare and per
// invånare 80+ and the brukarnas helhetssyn for äldreomsorg, hemtjänst and
// särskilt boende with its comparison set (the äldreomsorg comparison of
// comparator: the year's Liknande kommuner group by default, the county, a
// group of one's own …). years limits the years looked at (empty: all).
func (e *Engine) CostQuality(ctx context.Context, municipality, comparator string, years []int, asOf *time.Time) (*CostQuality, error) {
	cmp, err := NormalizeComparator(comparator, e.OwnGroups)
	if err != nil {
		return nil, err
	}
	cq := &CostQuality{MunicipalityID: municipality, Municipality: municipality, Comparator: cmp}
	if cmp == ComparatorRiket {
		cq.Notes = append(cq.Notes, "riket har ingen grupp att jämföra värden med: här jämförs med liknande kommuner för äldreomsorg")
		cmp = ComparatorMean
		cq.Comparator = cmp
	}
	const area = "aldreomsorg"
	if _, ok := AreaBySlug(e.Areas, area); !ok {
		return nil, fmt.Errorf("%w: kostnad och kvalitet needs the area %s", ErrUnknownArea, area)
	}
	gap, err := e.Gap(ctx, Query{Municipalities: []string{municipality}, Areas: []string{area}, Comparator: cmp, Years: years, AsOf: asOf, Detail: true})
	if err != nil {
		return nil, err
	}
	sets := map[int][]MemberValue{}
	gapOf := map[int]*GapRow{}
	for i, r := range gap.Rows {
		if r.Municipality != "" {
			cq.Municipality = r.Municipality
		}
		if len(r.ComparatorValues) > 0 {
			sets[r.Year] = r.ComparatorValues
		}
		gapOf[r.Year] = &gap.Rows[i]
	}
	cq.ComparatorText = TargetText(cmp, "")
	kpis := CostQualityKPIs()
	titles, err := e.kpiTitles(ctx, kpis)
	if err != nil {
		return nil, err
	}
	type obs struct {
		value  *float64
		prelim bool
	}
	vals := map[string]obs{} // kpi/unit/year
	ownYears := map[string][]int{}
	observations, err := e.Store.NKAObservations(ctx, asOf, kpis)
	if err != nil {
		return nil, err
	}
	for _, o := range observations {
		if len(years) > 0 && !containsInt(years, o.Year) {
			continue
		}
		vals[fmt.Sprintf("%s/%s/%d", o.KPI, o.Unit, o.Year)] = obs{value: o.Value, prelim: o.Preliminary}
		if o.Unit == municipality && o.Value != nil {
			ownYears[o.KPI] = append(ownYears[o.KPI], o.Year)
		}
	}
	for _, m := range CostQualityMeasures {
		r := CostQualityRow{CostQualityMeasure: m, KPITitle: titles[m.KPI], MissingPeers: []string{}}
		if m.Note != "" {
			r.Notes = append(r.Notes, m.Note)
		}
		ys := ownYears[m.KPI]
		if len(ys) == 0 {
			if r.KPITitle == "" {
				r.Notes = append(r.Notes, fmt.Sprintf("%s har inte hämtats från Kolada än; det hämtas vid nästa körning", m.KPI))
			} else {
				r.Notes = append(r.Notes, fmt.Sprintf("Kolada har inget värde för %s i databasen", cq.Municipality))
			}
			cq.Rows = append(cq.Rows, r)
			continue
		}
		sort.Ints(ys)
		r.Year = ys[len(ys)-1]
		own := vals[fmt.Sprintf("%s/%s/%d", m.KPI, municipality, r.Year)]
		r.Own, r.Preliminary = own.value, own.prelim
		members, ok := sets[r.Year]
		if !ok {
			r.Notes = append(r.Notes, fmt.Sprintf("ingen jämförelsegrupp för äldreomsorg %d: inget medelvärde", r.Year))
			cq.Rows = append(cq.Rows, r)
			continue
		}
		var xs []float64
		for _, mem := range members {
			o := vals[fmt.Sprintf("%s/%s/%d", m.KPI, mem.ID, r.Year)]
			r.Members++
			if o.value == nil {
				r.MissingPeers = append(r.MissingPeers, mem.Name)
				continue
			}
			xs = append(xs, *o.value)
			r.Preliminary = r.Preliminary || o.prelim
		}
		r.PeerCount = len(xs)
		if len(xs) > 0 {
			var sum float64
			for _, x := range xs {
				sum += x
			}
			mean := sum / float64(len(xs))
			med := quantile(xs, 0.5)
			r.PeerMean, r.PeerMedian = &mean, &med
			if r.Own != nil && mean != 0 {
				d := (*r.Own/mean - 1) * 100
				r.DiffPct = &d
			}
		}
		sort.Strings(r.MissingPeers)
		if len(r.MissingPeers) > 0 {
			r.Notes = append(r.Notes, fmt.Sprintf("medelvärde och median över %d av %d (värde saknas: %s)", r.PeerCount, r.Members,
				strings.Join(r.MissingPeers, ", ")))
		}
		cq.Rows = append(cq.Rows, r)
	}
	latest := 0
	for _, r := range cq.Rows {
		latest = max(latest, r.Year)
	}
	cq.Gap = gapOf[latest]
	cq.Notes = append(cq.Notes, "Kolada publicerar ingen kostnad per brukare och ingen brukarbedömning för äldreomsorgen som helhet; "+
		"de finns för hemtjänst och särskilt boende")
	return cq, nil
}

// quantile is the p-quantile of xs, interpolated as nka_quantile in SQL.
func quantile(xs []float64, p float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	h := float64(len(s)-1) * p
	k := int(h)
	if k+1 >= len(s) {
		return s[k]
	}
	return s[k] + (h-float64(k))*(s[k+1]-s[k])
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
