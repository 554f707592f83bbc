package tables

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/transform/catalog"
	"github.com/nyckeltal/nyckeltal/transform/nka"
)

// KPIRefs makes the store's KPI catalogue one the resolver reads.
func KPIRefs(kpis []store.KPI) []catalog.KPIRef {
	out := make([]catalog.KPIRef, len(kpis))
	for i, k := range kpis {
		out[i] = catalog.KPIRef{ID: k.ID, Title: k.Title, Description: k.Description, MunicipalityType: k.MunicipalityType,
			Unpublished: k.PublPeriod == ""}
	}
	return out
}

// titleLookups are the resolver's answers for the titles without an id.
type titleLookups struct {
	haveCatalogue bool
	res           []catalog.Resolution
}

func (l titleLookups) of(indicator int) *catalog.Resolution {
	for i := range l.res {
		if r := &l.res[i]; r.Kind == "indicator" && r.Index == indicator {
			return r
		}
	}
	return nil
}

// koladaTable fills one Kolada indicator's rows and says, in its notes, why
// any value is missing: no id yet, not fetched yet, fetched but Kolada has no
// value, or a KPI Kolada does not publish for municipalities.
type koladaTable struct {
	t            *IndicatorTable
	ind          catalog.Indicator // with the id when the title was resolved
	req          Request
	vals         map[obsKey]obs
	states       map[string]store.KPIState
	groups       map[int]nka.PeerGroup
	shown        map[int]bool
	maxYear      int
	municipality string // its name
	areaTitle    string // the NKA area's name, for people
	// title is the resolver's answer when the catalogue named the KPI by
	// title only; haveCatalogue says whether the store has Kolada's KPI
	// catalogue to look it up in.
	title         *catalog.Resolution
	haveCatalogue bool
	// usedPrevious lists the years that took previous_source's value.
	usedPrevious []int
}

func (k *koladaTable) note(format string, args ...any) {
	k.t.Notes = append(k.t.Notes, fmt.Sprintf(format, args...))
}

// series is one row kind: its split, the KPI it reads, and the gender.
type series struct {
	split  Split
	kpi    string
	gender string
}

func (k *koladaTable) rows() {
	t, ind := k.t, k.ind
	if !k.explainTitle() {
		return
	}
	st := k.states[t.SourceID]
	if !k.explainState(t.SourceID, st) {
		return
	}
	if ind.Complement {
		k.note("Egen bearbetning: värdet är 100 minus Kolada:s %s (%s), liksom jämförelserna.", quote(orDefault(st.Title, t.SourceID)), t.SourceID)
	}
	dec := ind.DecimalsShown()
	first := 0
	genders := map[string]bool{}
	for key, o := range k.vals {
		if key.indicator != t.SourceID || key.unit != k.req.Municipality || o.value == nil || !k.shown[key.year] {
			continue
		}
		if first == 0 || key.year < first {
			first = key.year
		}
		genders[key.gender] = true
	}
	if p := ind.PreviousSource; p != "" {
		for key, o := range k.vals {
			if key.indicator == p && key.unit == k.req.Municipality && o.value != nil && k.shown[key.year] &&
				key.year <= ind.PreviousUntil && (first == 0 || key.year < first) {
				first = key.year
			}
		}
	}
	if first == 0 {
		k.explainNoValues(t.SourceID, st)
		return
	}
	k.explainMissingYears(t.SourceID, st, first)
	splits := []series{{Split{Total, ""}, t.SourceID, "T"}}
	if ind.Has(catalog.ByGender) {
		if st.Known && !st.DividedByGender {
			k.note("Kolada redovisar inte %s per kön.", t.SourceID)
		}
		for _, g := range []string{"K", "M"} {
			if genders[g] {
				splits = append(splits, series{Split{Gender, g}, t.SourceID, g})
			}
		}
	}
	splits = append(splits, k.regiSeries()...)
	if ind.Area == "" {
		k.note("Ingen jämförelse med liknande kommuner: indikatorn hör inte till något område med en grupp liknande kommuner (katalogen anger inget område för den).")
	}
	for _, sp := range splits {
		for y := first; y <= k.maxYear; y++ {
			if !k.shown[y] {
				continue
			}
			kpi, prevKPI := k.kpiFor(sp, y), k.kpiFor(sp, y-1)
			cur := k.value(kpi, k.req.Municipality, y, sp.gender)
			prev := k.value(prevKPI, k.req.Municipality, y-1, sp.gender)
			r := Row{Split: sp.split, Period: PeriodKey{y, catalog.Year}, Value: cur.value, Preliminary: cur.preliminary, Previous: prev.value}
			r.compare(ind.Direction, dec, strconv.Itoa(y-1))
			if cur.value == nil {
				r.Note = k.missingValue(kpi, y)
			}
			if kpi != sp.kpi {
				r.Note = joinNote(r.Note, "värde från "+kpi+", Kolada:s tidigare id")
				if sp.split.Kind == Total {
					k.usedPrevious = append(k.usedPrevious, y)
				}
			}
			if riket, ok := k.vals[obsKey{kpi, Riket, y, sp.gender}]; ok {
				r.Riket = k.transform(riket.value)
			}
			if ind.Area != "" {
				if grp, ok := k.groups[y]; ok {
					r.Peers = peerStats(grp, func(unit string) *float64 { return k.value(kpi, unit, y, sp.gender).value }, cur.value, ind.Direction, dec)
					if sp.split.Kind == Total {
						t.useGroup(grp, y)
					}
				} else if sp.split.Kind == Total {
					r.Note = joinNote(r.Note, fmt.Sprintf("ingen grupp liknande kommuner för %s %d", k.areaTitle, y))
				}
			}
			t.Rows = append(t.Rows, r)
		}
	}
	if len(k.usedPrevious) > 0 {
		k.note("För %s saknar %s värde; där visas värdet från %s, det id Kolada hade för samma mått före %d.",
			yearList(k.usedPrevious), t.SourceID, ind.PreviousSource, ind.PreviousUntil+1)
	}
}

// kpiFor is the KPI a series reads in a year: previous_source for the
// years up to previous_until in which the KPI has no value for the
// municipality (the total decides, so that a year reads one KPI throughout).
func (k *koladaTable) kpiFor(sp series, year int) string {
	ind := k.ind
	if sp.kpi != k.t.SourceID || ind.PreviousSource == "" || year > ind.PreviousUntil {
		return sp.kpi
	}
	if o := k.vals[obsKey{sp.kpi, k.req.Municipality, year, "T"}]; o.value != nil {
		return sp.kpi
	}
	if o := k.vals[obsKey{ind.PreviousSource, k.req.Municipality, year, "T"}]; o.value != nil {
		return ind.PreviousSource
	}
	return sp.kpi
}

// value is a stored value, as 100 minus it for a complement.
func (k *koladaTable) value(kpi, unit string, year int, gender string) obs {
	o := k.vals[obsKey{kpi, unit, year, gender}]
	o.value = k.transform(o.value)
	return o
}

func (k *koladaTable) transform(v *float64) *float64 {
	if v == nil || !k.ind.Complement {
		return v
	}
	c := 100 - *v
	return &c
}

// regiSeries are the rows "Egen regi" and "Privat regi" of Kolada's
// kommunal-regi and enskild-regi KPIs, with a note on how each is made.
func (k *koladaTable) regiSeries() []series {
	ind := k.ind
	if !ind.Has(catalog.ByRegi) {
		return nil
	}
	if ind.RegiEgen == "" && ind.RegiPrivat == "" {
		k.note("Kolada redovisar inte %s per regi.", k.t.SourceID)
		return nil
	}
	var out []series
	for _, r := range []struct{ key, id, what string }{{"egen", ind.RegiEgen, "kommunal regi"}, {"privat", ind.RegiPrivat, "enskild regi"}} {
		if r.id == "" {
			continue
		}
		st := k.states[r.id]
		label := Split{Regi, r.key}.Label()
		k.note("%s: Kolada:s nyckeltal %s för %s%s.", label, r.id, r.what, titleSuffix(st.Title))
		if st.Known && st.MunicipalityType == "L" {
			k.note("Kolada publicerar inte %s för kommuner.", r.id)
			continue
		}
		out = append(out, series{Split{Regi, r.key}, r.id, "T"})
	}
	if ind.RegiPrivat == "" {
		k.note("Privat regi kan inte räknas fram: Kolada redovisar värdet för alla utförare och för kommunal regi, men inte hur många som svarat i vardera, så skillnaden kan inte vägas fram.")
	}
	return out
}

// explainTitle says how a KPI named by title only was looked up, and
// whether there is an id to show values of.
func (k *koladaTable) explainTitle() bool {
	t := k.t
	r := k.title
	switch {
	case t.SourceID != "" && r != nil:
		k.note("Kolada-id %s%s valdes automatiskt efter titeln %s, eftersom inget annat nyckeltal passar lika bra.",
			t.SourceID, titleSuffix(k.states[t.SourceID].Title), quote(r.Title))
		return true
	case t.SourceID != "":
		return true
	case !k.haveCatalogue:
		k.note("Indikatorn saknar Kolada-id: titeln %s slås upp när Kolada:s nyckeltalskatalog har hämtats.",
			quote(t.Indicator.KoladaTitle))
	case r != nil && len(r.Candidates) > 0:
		var cs []string
		for i, c := range r.Candidates {
			if i == 3 {
				break
			}
			cs = append(cs, c.ID+" "+quote(c.Title))
		}
		k.note("Indikatorn saknar Kolada-id: titeln %s passar flera nyckeltal i Kolada, så inget valdes automatiskt; de som passar bäst: %s.",
			quote(t.Indicator.KoladaTitle), strings.Join(cs, ", "))
	default:
		k.note("Indikatorn saknar Kolada-id: inget nyckeltal i Kolada passar titeln %s.",
			quote(t.Indicator.KoladaTitle))
	}
	return false
}

// explainState says when the KPI cannot have values: Kolada does not know
// it, does not publish it for municipalities, or it has not been fetched.
func (k *koladaTable) explainState(id string, st store.KPIState) bool {
	switch {
	case !st.Known && len(st.Fetched) > 0:
		k.note("Kolada känner inte till nyckeltalet %s: det finns inte i Kolada:s nyckeltalskatalog. Kontrollera id:t i katalogen.", id)
	case st.Known && st.MunicipalityType == "L":
		k.note("Kolada publicerar inte %s%s för kommuner, bara för regioner.", id, titleSuffix(st.Title))
	case !k.anyShownFetched(st):
		k.note("Nyckeltalet %s har inte hämtats från Kolada än; det hämtas vid nästa körning.", id)
	default:
		return true
	}
	return false
}

func (k *koladaTable) anyShownFetched(st store.KPIState) bool {
	for y := range k.shown {
		if _, ok := st.Fetched[y]; ok {
			return true
		}
	}
	return len(k.shown) == 0 && len(st.Fetched) > 0
}

// explainNoValues: fetched, and Kolada has no value for the municipality.
func (k *koladaTable) explainNoValues(id string, st store.KPIState) {
	var fetched, not []int
	for y := range k.shown {
		if _, ok := st.Fetched[y]; ok {
			fetched = append(fetched, y)
		} else {
			not = append(not, y)
		}
	}
	k.note("Kolada har inga värden för %s i nyckeltalet %s för %s.", k.municipality, id, yearList(fetched))
	if len(not) > 0 {
		k.note("%s har inte hämtats från Kolada för %s.", id, yearList(not))
	}
}

// explainMissingYears names the shown years from the first with a value
// that were never fetched.
func (k *koladaTable) explainMissingYears(id string, st store.KPIState, first int) {
	var not []int
	for y := range k.shown {
		if _, ok := st.Fetched[y]; !ok && y >= first {
			not = append(not, y)
		}
	}
	if len(not) > 0 {
		k.note("%s har inte hämtats från Kolada för %s; det görs vid nästa körning om åren ingår i dem som hämtas från Kolada.", id, yearList(not))
	}
}

// missingValue is a row's note for a year without a value.
func (k *koladaTable) missingValue(kpi string, year int) string {
	if _, ok := k.states[kpi].Fetched[year]; !ok {
		return "inte hämtat från Kolada"
	}
	return "Kolada har inget värde"
}

// yearList writes years as "2019–2021, 2023".
func yearList(years []int) string {
	ys := append([]int(nil), years...)
	sort.Ints(ys)
	var parts []string
	for i := 0; i < len(ys); {
		j := i
		for j+1 < len(ys) && ys[j+1] == ys[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(ys[i]))
		} else {
			parts = append(parts, strconv.Itoa(ys[i])+"–"+strconv.Itoa(ys[j]))
		}
		i = j + 1
	}
	if len(parts) == 0 {
		return "de valda åren"
	}
	return strings.Join(parts, ", ")
}

func quote(s string) string { return "”" + s + "”" }

func titleSuffix(title string) string {
	if title == "" {
		return ""
	}
	return " " + quote(title)
}
