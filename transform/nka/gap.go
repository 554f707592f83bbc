package nka

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/indicatorid"
	"github.com/nyckeltal/nyckeltal/internal/swedish"

	"github.com/nyckeltal/nyckeltal/internal/store"
)

// Sentinels; the CLI maps them to exit codes.
var (
	// ErrUnknownArea: an area slug that is not configured.
	ErrUnknownArea = errors.New("unknown area")
	// ErrUnknownMunicipality: a municipality id or name not in the store.
	ErrUnknownMunicipality = errors.New("unknown municipality")
	// ErrUnknownGroup: a group id (--group, --comparator) not in the store.
	ErrUnknownGroup = errors.New("unknown municipality group")
	// ErrBadComparator: a comparator other than mean, median, riket or a group id.
	ErrBadComparator = errors.New("invalid comparator")
	// ErrNoData: the store holds nothing the request can be computed from.
	ErrNoData = errors.New("no NKA data")
)

// Reader is what the engine reads of the store: the NKA table macros
// (sql/views/040_nka.sql) and a few lookups. *store.Store implements it.
type Reader interface {
	NKAGap(ctx context.Context, p store.NKAGapParams) ([]store.NKAGapRow, error)
	NKAValues(ctx context.Context, asOf *time.Time, areas []store.NKAArea, municipality, area string, years []int) ([]store.NKAValue, error)
	NKAGroupProblemsOf(ctx context.Context, asOf *time.Time, areas []store.NKAArea, municipalities []string) ([]store.NKAGroupProblem, error)
	NKAGroupArea(ctx context.Context, areas []store.NKAArea, groupID string) (string, bool, error)
	NKAGroupMembers(ctx context.Context, asOf *time.Time, areas []store.NKAArea, groupID string) ([]store.NKAMember, error)
	NKAObservations(ctx context.Context, asOf *time.Time, kpis []string) ([]store.NKAObservation, error)
	MunicipalityCandidates(ctx context.Context, idOrName string) ([]store.MunicipalityMatch, error)
	GroupTitle(ctx context.Context, id string) (string, bool, error)
	FirstLoadFinished(ctx context.Context) (*time.Time, error)
	LastLoad(ctx context.Context, source, status string) (*store.LoadInfo, error)
	KPITitles(ctx context.Context, ids []string) (map[string]string, error)
	LatestPublicationDate(ctx context.Context, ids []string) (*time.Time, error)
	LastLoadFinished(ctx context.Context) (*time.Time, error)
}

// Engine computes gaps and sparbeting from the NKA macros of a store with
// the configured areas.
type Engine struct {
	Store Reader
	Areas []Area // every configured area (the group titles are matched against all of them)
	// OwnGroups are the comparison groups of one's own ([nka.groups], the
	// groups file), members resolved to ids (ResolveOwnGroups).
	OwnGroups []OwnGroup
}

// Query selects gap rows.
type Query struct {
	Municipalities []string // ids; empty: every municipality
	Areas          []string // slugs; empty: every area
	Years          []int    // empty: every year
	// Comparator is the comparison set: mean (default) or median (the
	// year's Liknande kommuner group with that target), liknande,
	// liknande:YYYY, lan, riket, a Kolada group id or a group of one's own.
	Comparator string
	// Target is mean, median, pNN or share:X[:STAT]; "" is the comparator's own.
	Target string
	// PeerTrend is hold ("" too) or linear:N; TargetYear is the year a
	// linear trend is projected to (and the year "hold" holds the level to).
	PeerTrend  string
	TargetYear int
	// GroupOverride uses these groups (area slug → group id) instead of the
	// automatic choice.
	GroupOverride map[string]string
	// AsOf computes with the values as the store knew them then.
	AsOf *time.Time
	// Detail fills GapRow.ComparatorValues and TrendPoints.
	Detail bool
}

// GapRow is one municipality, area and year (a row of nka_gap). The JSON
// keys are the ones of `nyckeltal gap --format json`.
type GapRow = store.NKAGapRow

// MemberValue is a member of a comparison set and its NKA % (nil: none).
type MemberValue = store.NKAMemberValue

// TrendPoint is the comparison set's target statistic in a year of a trend.
type TrendPoint = store.NKATrendPoint

// GapResult is the rows and what could not be given as a row.
type GapResult struct {
	Rows  []GapRow
	Notes []string
	// Areas are the areas asked for, in their order: their titles name
	// them for people (Area.Heading).
	Areas []Area
	// DataAsOf is when the store's last successful load finished: the state
	// the result describes, and the time of its workbook.
	DataAsOf time.Time
	// YearsWithValues are, when one municipality was asked for and nothing
	// was found, the years the store has its NKA values of.
	YearsWithValues []int
}

// Gap computes the gap rows of q, ordered by municipality, area and year.
func (e *Engine) Gap(ctx context.Context, q Query) (*GapResult, error) {
	areas, err := SelectAreas(e.Areas, q.Areas)
	if err != nil {
		return nil, err
	}
	cmp, err := NormalizeComparator(q.Comparator, e.OwnGroups)
	if err != nil {
		return nil, err
	}
	if indicatorid.IsKoladaGroup(cmp) {
		if _, err := e.groupTitle(ctx, cmp); err != nil {
			return nil, fmt.Errorf("comparator: %w", err)
		}
	}
	target, err := NormalizeTarget(q.Target)
	if err != nil {
		return nil, err
	}
	trend, err := NormalizePeerTrend(q.PeerTrend)
	if err != nil {
		return nil, err
	}
	if err := e.checkAsOf(ctx, q.AsOf); err != nil {
		return nil, err
	}
	rows, err := e.Store.NKAGap(ctx, store.NKAGapParams{AsOf: q.AsOf, Comparator: cmp, GroupOverride: q.GroupOverride,
		Areas: StoreAreas(e.Areas), Municipalities: q.Municipalities, Target: target, PeerTrend: trend, TargetYear: q.TargetYear,
		OwnGroups: ownGroupYears(e.OwnGroups), Detail: q.Detail, Select: Slugs(areas), Years: q.Years})
	if err != nil {
		return nil, err
	}
	res := &GapResult{Rows: rows, Areas: areas}
	if res.DataAsOf, err = e.dataAsOf(ctx); err != nil {
		return nil, err
	}
	if len(q.Municipalities) > 0 {
		if err := e.fillUncovered(ctx, q, areas, cmp, target, trend, res); err != nil {
			return nil, err
		}
	}
	if len(res.Rows) == 0 && len(q.Municipalities) == 1 {
		if res.YearsWithValues, err = e.YearsWithValues(ctx, q.Municipalities[0], areas, q.AsOf); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// dataAsOf is when the store's last successful load finished (zero for a
// store without one).
func (e *Engine) dataAsOf(ctx context.Context) (time.Time, error) {
	t, err := e.Store.LastLoadFinished(ctx)
	if err != nil || t == nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// How a reference cost was derived (reference_cost_method).
const (
	// ReferenceCostRatio: nka_mnkr / (nka_pct / 100), Kolada's own two figures.
	ReferenceCostRatio = "ratio"
	// ReferenceCostNet: net cost − nka_mnkr, an estimate where the ratio is unstable.
	ReferenceCostNet = store.ReferenceCostNet
)

// fillUncovered adds, for an explicitly asked municipality, rows for the
// areas it has no peer group of: its own figures with the reason (and the
// groups that seem to be its but cannot be used), so that a missing
// comparison is visible rather than silently absent.
func (e *Engine) fillUncovered(ctx context.Context, q Query, areas []Area, cmp, target, trend string, res *GapResult) error {
	if target == "" {
		target = TargetMean
		if cmp == ComparatorMedian {
			target = TargetMedian
		}
	}
	var targetYear *int
	if q.TargetYear != 0 {
		ty := q.TargetYear
		targetYear = &ty
	}
	covered := map[string]bool{}
	for _, r := range res.Rows {
		covered[r.MunicipalityID+"/"+r.Area] = true
	}
	for _, m := range q.Municipalities {
		var empty []string
		var problems []GroupProblem
		for _, a := range areas {
			if covered[m+"/"+a.Slug] {
				continue
			}
			if problems == nil {
				var err error
				if problems, err = e.GroupProblems(ctx, []string{m, ""}, q.AsOf); err != nil {
					return err
				}
			}
			own, err := e.values(ctx, q.AsOf, m, a.Slug, q.Years)
			if err != nil {
				return err
			}
			if len(own) == 0 {
				empty = append(empty, a.Title)
				continue
			}
			why := []string{fmt.Sprintf("ingen grupp \"Liknande kommuner\" för %s och %s i databasen: ingen jämförelse", a.Title, own[0].Municipality)}
			nameless := 0
			for _, p := range problems {
				switch {
				case p.MunicipalityID == "":
					nameless++
				case p.Area == "" || p.Area == a.Slug:
					why = append(why, p.Note())
				}
			}
			if nameless > 0 {
				why = append(why, NamelessNote(nameless))
			}
			for _, v := range own {
				r := GapRow{MunicipalityID: m, Municipality: v.Municipality, Area: a.Slug, Year: v.Year,
					NKAPct: v.NKAPct, NKAMnkr: v.NKAMnkr, ReferenceCostMnkr: v.ReferenceCostMnkr,
					ReferenceCostMethod: v.ReferenceCostMethod, ReferenceCostRatioMnkr: v.ReferenceCostRatioMnkr,
					ReferenceCostNetMnkr: v.ReferenceCostNetMnkr, NetCostMnkr: v.NetCostMnkr, LoadID: v.LoadID,
					Comparator: cmp, Preliminary: v.Preliminary, MissingPeers: []string{}, Comparison: store.Comparison{ComparatorMissing: []string{}},
					Target: target, PeerTrend: trend, TargetYear: targetYear}
				r.ReferenceCostEstimated = v.ReferenceCostMethod != nil && *v.ReferenceCostMethod == ReferenceCostNet
				notes := append([]string(nil), why...)
				if v.Note != "" {
					notes = append(notes, v.Note)
				}
				if v.Preliminary {
					notes = append(notes, "innehåller preliminära värden")
				}
				r.Note = strings.Join(notes, "; ")
				res.Rows = append(res.Rows, r)
			}
		}
		if len(empty) > 0 {
			when := ""
			if len(q.Years) > 0 {
				when = " för " + joinInts(q.Years)
			}
			res.Notes = append(res.Notes, fmt.Sprintf("%s har inga NKA-värden%s i databasen för %s (och därför ingen jämförelse)", m, when, swedish.JoinAnd(empty)))
		}
	}
	order := map[string]int{}
	for _, a := range e.Areas {
		order[a.Slug] = a.SortOrder
	}
	sort.SliceStable(res.Rows, func(i, j int) bool {
		a, b := res.Rows[i], res.Rows[j]
		if a.MunicipalityID != b.MunicipalityID {
			return a.MunicipalityID < b.MunicipalityID
		}
		if order[a.Area] != order[b.Area] {
			return order[a.Area] < order[b.Area]
		}
		return a.Year < b.Year
	})
	return nil
}

// Value is one row of nka_values (v_nka).
type Value = store.NKAValue

func (e *Engine) values(ctx context.Context, asOf *time.Time, municipality, area string, years []int) ([]Value, error) {
	return e.Store.NKAValues(ctx, asOf, StoreAreas(e.Areas), municipality, area, years)
}

// GroupProblem is a "Liknande kommuner" group that is not used, and why (a
// row of nka_group_problems): its title cannot be read or names no
// configured area, another group of the same municipality, area and year
// was published later, or it has no year while groups with years exist.
type GroupProblem store.NKAGroupProblem

// Note says the problem in a sentence for an output's notes.
func (p GroupProblem) Note() string {
	return fmt.Sprintf("grupp %s \"%s\" används inte: %s", p.GroupID, p.Title, p.Text)
}

// NamelessNote says that n groups name no municipality the store knows (so
// that they may be anyone's, the municipality's own included).
func NamelessNote(n int) string {
	if n == 1 {
		return "1 grupp \"Liknande kommuner\" kan inte knytas till någon kommun och används inte"
	}
	return fmt.Sprintf("%d grupper \"Liknande kommuner\" kan inte knytas till någon kommun och används inte", n)
}

// GroupProblems lists the groups that seem to name one of municipalities
// (every municipality when empty) but are not used, and why; a municipality
// "" lists those that name no municipality the store knows.
func (e *Engine) GroupProblems(ctx context.Context, municipalities []string, asOf *time.Time) ([]GroupProblem, error) {
	rows, err := e.Store.NKAGroupProblemsOf(ctx, asOf, StoreAreas(e.Areas), municipalities)
	if err != nil {
		return nil, err
	}
	out := make([]GroupProblem, len(rows))
	for i, r := range rows {
		out[i] = GroupProblem(r)
	}
	return out, nil
}

// ResolveMunicipality accepts a four-digit id or a name ("Höör", "hoor",
// "upplands vasby": case and accents aside) and returns the id and name as
// the store has them. A name that fits several municipalities, or none but
// is part of some, is refused with the candidates.
func (e *Engine) ResolveMunicipality(ctx context.Context, idOrName string) (id, name string, err error) {
	s := strings.TrimSpace(idOrName)
	ms, err := e.Store.MunicipalityCandidates(ctx, s)
	if err != nil {
		return "", "", err
	}
	var folded []store.MunicipalityMatch
	for _, m := range ms {
		switch {
		case m.ByID:
			return m.ID, m.Title, nil
		case m.Folded && m.Title == s:
			return m.ID, m.Title, nil
		case m.Folded:
			folded = append(folded, m)
		}
	}
	// A kommun before a region of the same name (Gotland).
	var kommuner []store.MunicipalityMatch
	for _, m := range folded {
		if m.Kommun {
			kommuner = append(kommuner, m)
		}
	}
	switch {
	case len(kommuner) == 1:
		return kommuner[0].ID, kommuner[0].Title, nil
	case len(kommuner) == 0 && len(folded) == 1:
		return folded[0].ID, folded[0].Title, nil
	case len(folded) > 1:
		return "", "", fmt.Errorf("%w %q: it fits several municipalities: %s; give the id", ErrUnknownMunicipality, s, candidateList(folded))
	case len(ms) > 0:
		return "", "", fmt.Errorf("%w %q: not a municipality's whole name; did you mean %s?", ErrUnknownMunicipality, s, candidateList(ms))
	}
	return "", "", fmt.Errorf("%w %q: not in the store's municipality table (ids are four digits, like 1267 for Höör)", ErrUnknownMunicipality, s)
}

// candidateList names municipalities with their ids: "Norrköping (0581), Norrtälje (0188)".
func candidateList(ms []store.MunicipalityMatch) string {
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = fmt.Sprintf("%s (%s)", m.Title, m.ID)
	}
	return strings.Join(names, ", ")
}

func (e *Engine) groupTitle(ctx context.Context, id string) (string, error) {
	title, ok, err := e.Store.GroupTitle(ctx, id)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("%w %s: not in the store (list them with: nyckeltal sql \"SELECT DISTINCT group_id, group_title FROM v_peer_group\")", ErrUnknownGroup, id)
	}
	return title, nil
}

// ResolveGroupOverride maps --group ids to the areas they replace the
// automatic choice for: the area their title names, or, for a group whose
// title names none (a group of one's own), the one area asked for.
func (e *Engine) ResolveGroupOverride(ctx context.Context, ids []string, areas []string) (map[string]string, error) {
	out := map[string]string{}
	for _, raw := range ids {
		id := strings.ToUpper(strings.TrimSpace(raw))
		if !indicatorid.IsKoladaGroup(id) {
			return nil, fmt.Errorf("%w %q: a group id looks like G36535", ErrUnknownGroup, raw)
		}
		title, err := e.groupTitle(ctx, id)
		if err != nil {
			return nil, err
		}
		slug, named, err := e.Store.NKAGroupArea(ctx, StoreAreas(e.Areas), id)
		if err != nil {
			return nil, err
		}
		if !named {
			if len(areas) != 1 {
				return nil, fmt.Errorf("%w: group %s (%s) names no area; give exactly one area with it", ErrUnknownGroup, id, title)
			}
			slug = NormalizeSlug(areas[0])
		}
		if prev, dup := out[slug]; dup && prev != id {
			return nil, fmt.Errorf("%w: groups %s and %s are both for %s; give one per area", ErrUnknownGroup, prev, id, slug)
		}
		out[slug] = id
	}
	return out, nil
}

// checkAsOf refuses a moment before the store's first successful load: the
// answer would be empty, not "as known then".
func (e *Engine) checkAsOf(ctx context.Context, asOf *time.Time) error {
	if asOf == nil {
		return nil
	}
	first, err := e.Store.FirstLoadFinished(ctx)
	if err != nil {
		return err
	}
	if first == nil || first.After(*asOf) {
		when := "no successful load yet"
		if first != nil {
			when = "the first successful load finished " + first.Format(time.RFC3339)
		}
		return fmt.Errorf("%w as of %s: %s", ErrNoData, asOf.Format(time.RFC3339), when)
	}
	return nil
}

// ParseAsOf reads --as-of: a date (the values as known at the end of that
// day in Sweden) or an RFC 3339 time.
func ParseAsOf(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, s, swedish.Stockholm)
	if err != nil {
		return time.Time{}, fmt.Errorf("--as-of %q: write a date (2025-06-01) or a time (2025-06-01T12:00:00+02:00)", s)
	}
	return d.AddDate(0, 0, 1), nil
}

// AreaKPIs lists the Kolada KPIs behind areas: NKA in % and mnkr, and the
// net cost and invånare of the second derivation of the reference cost.
func AreaKPIs(areas []Area) []string {
	var out []string
	for _, a := range areas {
		out = append(out, a.PctKPI)
		if a.MnkrKPI != "" {
			out = append(out, a.MnkrKPI)
		}
		if a.NetCostKPI != "" {
			out = append(out, a.NetCostKPI)
			if a.PopulationKPI != "" {
				out = append(out, a.PopulationKPI)
			}
		}
	}
	return uniqueStrings(out)
}

// formatYears writes 2024 or 2022–2024.
func formatYears(from, to int) string {
	if from == to {
		return strconv.Itoa(from)
	}
	return fmt.Sprintf("%d–%d", from, to)
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ", ")
}
