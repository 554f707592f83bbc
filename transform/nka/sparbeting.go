package nka

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/swedish"
)

// ErrBadYears marks base, start and target years that do not fit together.
var ErrBadYears = errors.New("invalid years")

// DefaultTargetYear is the budget year by which the municipality should be
// at its peers' level (Åtgärdsplan 2024–2026, vård- och socialavdelningen: "inför budget 2027").
const DefaultTargetYear = 2027

// SparbetingRequest says what to size.
type SparbetingRequest struct {
	Municipality string   // id
	Areas        []string // slugs
	// BaseYear is the outcome year (RS) the gap is measured in; 0 takes the
	// latest year whose values are final for every area.
	BaseYear   int
	Comparator string
	TargetYear int // 0: DefaultTargetYear
	// StartYear is the first budget year of the glide path; 0 takes
	// BaseYear+2 (an outcome is published the next autumn, in time for the
	// budget of the year after), at most TargetYear-1.
	StartYear     int
	Profile       Profile
	Net           bool // areas below the comparator offset those above
	AsOf          *time.Time
	GroupOverride map[string]string
	// Target and PeerTrend: what of the comparison set to reach by the
	// target year, and how its NKA is assumed to move (see Query).
	Target    string
	PeerTrend string
}

// SparbetingArea is one area's part, with everything its figure was made
// from (the gap row of the base year). The JSON keys are those of
// `nyckeltal sparbeting --format json`.
type SparbetingArea struct {
	Area                   string   `json:"area"`
	NKAPct                 *float64 `json:"nka_pct"`
	PeerGroupID            *string  `json:"peer_group_id"`
	PeerGroupTitle         *string  `json:"peer_group_title"`
	PeerGroupYear          *int     `json:"peer_group_year"`
	GroupChoice            *string  `json:"group_choice"`
	GroupChoiceText        *string  `json:"group_choice_text"`
	PeerMembers            int      `json:"peer_members"`
	PeerCount              int      `json:"peer_count"`
	MissingPeers           []string `json:"missing_peers"`
	PeerMeanPct            *float64 `json:"peer_mean_pct"`
	PeerMedianPct          *float64 `json:"peer_median_pct"`
	ComparatorPct          *float64 `json:"comparator_pct"`
	GapPP                  *float64 `json:"gap_pp"`
	ReferenceCostMnkr      *float64 `json:"reference_cost_mnkr"`
	ReferenceCostMethod    *string  `json:"reference_cost_method"`
	ReferenceCostEstimated bool     `json:"reference_cost_estimated"`
	ReferenceCostRatioMnkr *float64 `json:"reference_cost_ratio_mnkr"`
	ReferenceCostNetMnkr   *float64 `json:"reference_cost_net_mnkr"`
	GapMnkr                *float64 `json:"gap_mnkr"`
	// CountedTkr is what the area adds to the total: max(gap, 0) in tkr, or
	// the gap itself with Net. NULL when it cannot be known.
	CountedTkr  *float64 `json:"counted_tkr"`
	Preliminary bool     `json:"preliminary"`
	LoadID      *int64   `json:"load_id"`
	Note        string   `json:"note"`

	// The comparison set and the target, as in the gap rows.
	store.Comparison
	// Population is invånare (N01951) of the base year; GapKrPerInv and
	// CountedKrPerInv the gap and the counted part in kronor per invånare.
	Population      *float64 `json:"population"`
	GapKrPerInv     *float64 `json:"gap_kr_per_inv"`
	CountedKrPerInv *float64 `json:"counted_kr_per_inv"`

	Row GapRow `json:"-"`
}

func sparbetingArea(r GapRow) SparbetingArea {
	return SparbetingArea{Area: r.Area, NKAPct: r.NKAPct, PeerGroupID: r.PeerGroupID, PeerGroupTitle: r.PeerGroupTitle,
		PeerGroupYear: r.PeerGroupYear, GroupChoice: r.GroupChoice, GroupChoiceText: r.GroupChoiceText,
		PeerMembers: r.PeerMembers, PeerCount: r.PeerCount, MissingPeers: r.MissingPeers, PeerMeanPct: r.PeerMeanPct,
		PeerMedianPct: r.PeerMedianPct, ComparatorPct: r.ComparatorPct, GapPP: r.GapPP, ReferenceCostMnkr: r.ReferenceCostMnkr,
		ReferenceCostMethod: r.ReferenceCostMethod, ReferenceCostEstimated: r.ReferenceCostEstimated,
		ReferenceCostRatioMnkr: r.ReferenceCostRatioMnkr, ReferenceCostNetMnkr: r.ReferenceCostNetMnkr, GapMnkr: r.GapMnkr,
		Preliminary: r.Preliminary, LoadID: r.LoadID, Note: r.Note, Row: r,
		Comparison: r.Comparison, Population: r.Population, GapKrPerInv: r.GapKrPerInv}
}

// Sparbeting is a sized savings requirement with its glide path.
type Sparbeting struct {
	MunicipalityID string           `json:"municipality_id"`
	BaseYear       int              `json:"base_year"`
	TargetYear     int              `json:"target_year"`
	Comparator     string           `json:"comparator"`
	Areas          []SparbetingArea `json:"areas"`
	TotalTkr       *int64           `json:"total_tkr"`
	PerYear        []YearAmount     `json:"per_year"`
	Preliminary    bool             `json:"preliminary"`
	Sources        []string         `json:"sources"`
	// Notes say what is missing, assumed or preliminary.
	Notes []string        `json:"notes"`
	Plan  *PlanComparison `json:"plan,omitempty"`

	// Target and PeerTrend as asked (canonical); Assumption says the target
	// and what is assumed of the peers' NKA until the target year, in words.
	Target     string `json:"target"`
	PeerTrend  string `json:"peer_trend"`
	Assumption string `json:"assumption"`
	// Population is invånare (N01951) of the base year; TotalKrPerInv the
	// sparbeting in kronor per invånare (per_year has each year's).
	Population    *float64 `json:"population"`
	TotalKrPerInv *float64 `json:"total_kr_per_inv"`

	Municipality string `json:"-"`
	// AreaTitles name the areas for people (slug → title).
	AreaTitles map[string]string `json:"-"`
	// DataAsOf is when the store's last successful load finished.
	DataAsOf  time.Time  `json:"-"`
	StartYear int        `json:"-"`
	Profile   string     `json:"-"`
	Net       bool       `json:"-"`
	AsOf      *time.Time `json:"-"`
}

// Sparbeting sizes the savings requirement of req.
func (e *Engine) Sparbeting(ctx context.Context, req SparbetingRequest) (*Sparbeting, error) {
	if len(req.Areas) == 0 {
		return nil, fmt.Errorf("%w: no areas for the sparbeting", ErrUnknownArea)
	}
	areas, err := SelectAreas(e.Areas, req.Areas)
	if err != nil {
		return nil, err
	}
	cmp, err := NormalizeComparator(req.Comparator, e.OwnGroups)
	if err != nil {
		return nil, err
	}
	target, err := NormalizeTarget(req.Target)
	if err != nil {
		return nil, err
	}
	trend, err := NormalizePeerTrend(req.PeerTrend)
	if err != nil {
		return nil, err
	}
	if req.TargetYear == 0 {
		req.TargetYear = DefaultTargetYear
	}
	s := &Sparbeting{MunicipalityID: req.Municipality, TargetYear: req.TargetYear, Comparator: cmp,
		Profile: req.Profile.Name, Net: req.Net, AsOf: req.AsOf, Areas: []SparbetingArea{}, PerYear: []YearAmount{}, Notes: []string{},
		Target: EffectiveTarget(cmp, target), PeerTrend: trend}
	if s.Profile == "" {
		s.Profile = "even"
	}
	q := Query{Municipalities: []string{req.Municipality}, Areas: Slugs(areas), Comparator: cmp,
		GroupOverride: req.GroupOverride, AsOf: req.AsOf, Target: target, PeerTrend: trend, TargetYear: req.TargetYear, Detail: true}
	if req.BaseYear == 0 {
		all, err := e.Gap(ctx, q)
		if err != nil {
			return nil, err
		}
		y, prelim := defaultBaseYear(all.Rows, areas)
		if y == 0 {
			return nil, fmt.Errorf("%w: %s has no NKA values for %s in the store", ErrNoData, req.Municipality, strings.Join(Slugs(areas), ", "))
		}
		req.BaseYear = y
		if prelim {
			s.Notes = append(s.Notes, fmt.Sprintf("basår %d: inget år har slutliga värden för alla områden, så det senaste används (ett annat basår kan väljas)", y))
		} else {
			s.Notes = append(s.Notes, fmt.Sprintf("basår %d: det senaste året med slutliga värden för alla områden (ett annat basår kan väljas)", y))
		}
	}
	s.BaseYear = req.BaseYear
	if req.TargetYear <= req.BaseYear {
		return nil, fmt.Errorf("%w: target year %d must come after the base year %d", ErrBadYears, req.TargetYear, req.BaseYear)
	}
	if req.StartYear == 0 {
		req.StartYear = min(req.BaseYear+2, req.TargetYear-1)
		s.Notes = append(s.Notes, glideRuleNote(req.BaseYear, req.TargetYear))
	}
	if req.StartYear >= req.TargetYear {
		return nil, fmt.Errorf("%w: start year %d must come before the target year %d (the glide path runs from the start year to the year before the target)",
			ErrBadYears, req.StartYear, req.TargetYear)
	}
	s.StartYear = req.StartYear
	s.Assumption = AssumptionText(cmp, s.Target, trend, req.BaseYear, req.TargetYear)

	q.Years = []int{req.BaseYear}
	res, err := e.Gap(ctx, q)
	if err != nil {
		return nil, err
	}
	if len(res.Rows) == 0 {
		years, err := e.YearsWithValues(ctx, req.Municipality, areas, req.AsOf)
		if err != nil {
			return nil, err
		}
		return nil, &NoYearError{Municipality: req.Municipality, Areas: Slugs(areas), Asked: []int{req.BaseYear}, Years: years}
	}
	s.DataAsOf = res.DataAsOf
	s.AreaTitles = map[string]string{}
	for _, a := range areas {
		s.AreaTitles[a.Slug] = a.Title
	}
	s.Notes = append(s.Notes, res.Notes...)
	rows := map[string]GapRow{}
	for _, r := range res.Rows {
		rows[r.Area] = r
		s.Municipality = r.Municipality
	}
	if s.Municipality == "" {
		s.Municipality = req.Municipality
	}
	var sum float64
	known := true
	for _, a := range areas {
		r, ok := rows[a.Slug]
		if !ok {
			why := fmt.Sprintf("inga NKA-värden för %s %d i databasen: områdets del är okänd", a.Title, req.BaseYear)
			s.Notes = append(s.Notes, fmt.Sprintf("%s %d: %s", a.Title, req.BaseYear, why))
			s.Areas = append(s.Areas, SparbetingArea{Area: a.Slug, MissingPeers: []string{}, Note: why})
			known = false
			continue
		}
		sa := sparbetingArea(r)
		if r.Note != "" {
			// every note of the gap rows the sparbeting sums
			s.Notes = append(s.Notes, fmt.Sprintf("%s %d: %s", a.Title, req.BaseYear, r.Note))
		}
		s.Preliminary = s.Preliminary || r.Preliminary
		switch {
		case r.GapMnkr != nil:
			v := *r.GapMnkr * 1000
			if !req.Net && v < 0 {
				v = 0
			}
			sa.CountedTkr = &v
		case !req.Net && r.GapPP != nil && *r.GapPP <= 0:
			// At or below the comparator the area counts 0 whatever its
			// reference cost, which is then not needed.
			zero := 0.0
			sa.CountedTkr = &zero
		default:
			known = false
			s.Notes = append(s.Notes, fmt.Sprintf("%s %d: avvikelsen i mnkr är okänd, så sparbetinget lämnas tomt", a.Title, req.BaseYear))
		}
		if sa.CountedTkr != nil {
			sum += *sa.CountedTkr
		}
		if r.Population != nil && *r.Population > 0 {
			s.Population = r.Population
			if sa.CountedTkr != nil {
				v := *sa.CountedTkr * 1000 / *r.Population
				sa.CountedKrPerInv = &v
			}
		}
		s.Areas = append(s.Areas, sa)
	}
	if known {
		total := int64(math.Round(sum))
		if req.Net && total < 0 {
			s.Notes = append(s.Notes, fmt.Sprintf("räknat netto ligger områdena tillsammans %s tkr under jämförelsen: inget sparbeting", swedish.Int(-total)))
			total = 0
		}
		s.TotalTkr = &total
		if s.PerYear, err = GlidePath(total, req.StartYear, req.TargetYear-1, req.Profile); err != nil {
			return nil, err
		}
		if s.Population != nil {
			v := float64(total) * 1000 / *s.Population
			s.TotalKrPerInv = &v
			for i := range s.PerYear {
				y := float64(s.PerYear[i].Tkr) * 1000 / *s.Population
				s.PerYear[i].KrPerInv = &y
			}
		} else {
			s.Notes = append(s.Notes, fmt.Sprintf("inget värde för invånare (%s) %d: sparbetinget kan inte anges i kr/inv", PopulationKPI, req.BaseYear))
		}
	}
	if s.Preliminary {
		s.Notes = append(s.Notes, e.preliminaryNote(ctx, areas, req.BaseYear))
	}
	s.Sources, err = e.sources(ctx, areas, rows, cmp, req.AsOf)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// glideRuleNote states the rule from base year to budget years: an outcome
// (RS) is published the next autumn and can first affect the budget of the
// year after, so the glide path starts at base year + 2 and ends the year
// before the target. When that leaves no year, the whole sparbeting falls on
// the year before the target, and the note says so.
func glideRuleNote(base, target int) string {
	natural := base + 2
	if natural > target-1 {
		return fmt.Sprintf("glidbanan: utfallet %d publiceras %d och påverkar tidigast budget %d, som inte ligger före målåret %d; "+
			"regeln basår + 2 lämnar alltså inget budgetår, och hela sparbetinget läggs på %d (ett annat startår eller målår kan väljas)",
			base, base+1, natural, target, target-1)
	}
	return fmt.Sprintf("glidbanan %s: från basår + 2 (utfallet %d publiceras %d och påverkar tidigast budget %d) till året före målåret %d",
		formatYears(natural, target-1), base, base+1, natural, target)
}

// defaultBaseYear is the latest year in which every area has the
// municipality's own NKA and no preliminary figure; failing that, the latest
// year with any of them.
func defaultBaseYear(rows []GapRow, areas []Area) (year int, preliminary bool) {
	type st struct{ areas, final int }
	per := map[int]*st{}
	latest := 0
	for _, r := range rows {
		if r.NKAPct == nil {
			continue
		}
		if per[r.Year] == nil {
			per[r.Year] = &st{}
		}
		per[r.Year].areas++
		if !r.Preliminary {
			per[r.Year].final++
		}
		latest = max(latest, r.Year)
	}
	best := 0
	for y, c := range per {
		if c.final == len(areas) && y > best {
			best = y
		}
	}
	if best > 0 {
		return best, false
	}
	return latest, latest != 0
}

func (e *Engine) preliminaryNote(ctx context.Context, areas []Area, year int) string {
	// Without a date (or when it cannot be read) the note says to recompute
	// when Kolada publishes: the sparbeting does not fail for want of it.
	if pub, err := e.Store.LatestPublicationDate(ctx, AreaKPIs(areas)); err == nil && pub != nil {
		return fmt.Sprintf("%d innehåller preliminära värden: Kolada publicerar de slutliga %s; räkna om då", year, pub.Format(time.DateOnly))
	}
	return fmt.Sprintf("%d innehåller preliminära värden: räkna om när Kolada publicerar de slutliga", year)
}

// sources says where every figure came from, for the file and the table:
// the label, the key figures (the net cost and invånare where the second
// derivation of the reference cost is shown), every area's group and why it
// was chosen, and the load.
func (e *Engine) sources(ctx context.Context, areas []Area, rows map[string]GapRow, cmp string, asOf *time.Time) ([]string, error) {
	out := []string{Label}
	var kpis []string
	for _, a := range areas {
		kpis = append(kpis, a.PctKPI)
		if a.MnkrKPI != "" {
			kpis = append(kpis, a.MnkrKPI)
		}
		r, ok := rows[a.Slug]
		if ok && r.ReferenceCostNetMnkr != nil && a.NetCostKPI != "" {
			kpis = append(kpis, a.NetCostKPI, a.PopulationKPI)
		}
		if ok && r.Population != nil && a.PopulationKPI != "" {
			kpis = append(kpis, a.PopulationKPI)
		}
	}
	kpis = uniqueStrings(kpis)
	titles, err := e.kpiTitles(ctx, kpis)
	if err != nil {
		return nil, err
	}
	var parts []string
	for _, k := range kpis {
		if t := titles[k]; t != "" {
			parts = append(parts, fmt.Sprintf("%s %s", k, t))
		} else {
			parts = append(parts, k)
		}
	}
	out = append(out, "Kolada: "+strings.Join(parts, "; "))
	for _, a := range areas {
		row, ok := rows[a.Slug]
		if !ok || row.PeerGroupID == nil {
			continue
		}
		out = append(out, fmt.Sprintf("%s: liknande kommuner %s (%d av %d med värde)", swedish.Capitalize(a.Title), groupDescription(row), row.PeerCount, row.PeerMembers))
	}
	for _, a := range areas {
		row, ok := rows[a.Slug]
		if !ok || comparatorIsLiknande(cmp) || cmp == ComparatorRiket || row.ComparatorText == nil {
			continue
		}
		out = append(out, fmt.Sprintf("%s: jämförelse %s (%d av %d med värde)", swedish.Capitalize(a.Title), *row.ComparatorText, row.ComparatorCount, row.ComparatorMembers))
	}
	if asOf != nil {
		out = append(out, "Värdena som databasen kände dem "+swedish.Time(*asOf))
	} else {
		last, err := e.Store.LastLoad(ctx, "kolada", store.StatusOK)
		if err != nil {
			return nil, err
		}
		if last != nil {
			var at time.Time
			if last.FinishedAt != nil {
				at = *last.FinishedAt
			}
			out = append(out, fmt.Sprintf("Värdena enligt Kolada-laddning %d, %s", last.ID, swedish.Time(at)))
		}
	}
	return out, nil
}

// groupDescription names a row's group with its title and why it was
// chosen: G176571 "Liknande kommuner äldreomsorg, Höör, 2024" (2024: samma år).
func groupDescription(r GapRow) string {
	if r.PeerGroupID == nil {
		return ""
	}
	s := *r.PeerGroupID
	if r.PeerGroupTitle != nil {
		s += fmt.Sprintf(" %q", *r.PeerGroupTitle)
	}
	var why []string
	if r.PeerGroupYear != nil {
		why = append(why, strconv.Itoa(*r.PeerGroupYear))
	}
	if r.GroupChoiceText != nil {
		why = append(why, *r.GroupChoiceText)
	}
	if len(why) > 0 {
		s += " (" + strings.Join(why, ": ") + ")"
	}
	return s
}

func uniqueStrings(xs []string) []string {
	seen := map[string]bool{}
	out := xs[:0]
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// NoYearError is a year asked for that the store has no NKA values of (for
// the municipality and areas), with the years it has: a sparbeting or gap
// of such a year would be nothing but empty figures.
type NoYearError struct {
	Municipality string
	Areas        []string
	Asked        []int // the years asked for
	Years        []int // the years with values, sorted
}

func (e *NoYearError) Error() string {
	have := "no year at all"
	if len(e.Years) > 0 {
		have = YearsText(e.Years)
	}
	return fmt.Sprintf("%s has no NKA values for %s (%s) in the store; it has values for %s", e.Municipality, YearsText(e.Asked),
		strings.Join(e.Areas, ", "), have)
}

// Is makes a NoYearError an ErrNoData.
func (e *NoYearError) Is(target error) bool { return target == ErrNoData }

// YearsWithValues lists the years the store has NKA values of for a
// municipality in any of the areas.
func (e *Engine) YearsWithValues(ctx context.Context, municipality string, areas []Area, asOf *time.Time) ([]int, error) {
	seen := map[int]bool{}
	for _, a := range areas {
		vals, err := e.values(ctx, asOf, municipality, a.Slug, nil)
		if err != nil {
			return nil, err
		}
		for _, v := range vals {
			if v.NKAPct != nil || v.NKAMnkr != nil {
				seen[v.Year] = true
			}
		}
	}
	years := make([]int, 0, len(seen))
	for y := range seen {
		years = append(years, y)
	}
	sort.Ints(years)
	return years, nil
}

// YearsText writes years with runs joined: "2018–2025", "2018–2020, 2023".
func YearsText(years []int) string {
	var parts []string
	for i := 0; i < len(years); {
		j := i
		for j+1 < len(years) && years[j+1] == years[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d–%d", years[i], years[j]))
		} else {
			parts = append(parts, strconv.Itoa(years[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}
