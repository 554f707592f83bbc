package nka

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
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

// Engine queries the NKA macros of a store with the configured areas.
type Engine struct {
	DB    *sql.DB
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

// GapRow is one municipality, area and year. The JSON keys are the ones of
// `nyckeltal gap --format json`; every figure comes with what it was made
// from: the group and why it was chosen, the comparator's value, the members
// counted and missing, how the reference cost was derived, the load.
type GapRow struct {
	MunicipalityID string   `json:"municipality_id"`
	Municipality   string   `json:"municipality"`
	Area           string   `json:"area"`
	Year           int      `json:"year"`
	NKAPct         *float64 `json:"nka_pct"`
	NKAMnkr        *float64 `json:"nka_mnkr"`
	PeerGroupID    *string  `json:"peer_group_id"`
	PeerGroupTitle *string  `json:"peer_group_title"`
	// PeerGroupYear is the year in the group's title.
	PeerGroupYear *int `json:"peer_group_year"`
	// GroupChoice says why the group was chosen for the year: same_year,
	// latest_earlier, later_group (no earlier group), no_year or override;
	// GroupChoiceText says it in Swedish.
	GroupChoice     *string `json:"group_choice"`
	GroupChoiceText *string `json:"group_choice_text"`
	// PeerMembers are the group's members (the municipality left out);
	// PeerCount those with a value; MissingPeers the others, by name.
	PeerMembers   int      `json:"peer_members"`
	PeerCount     int      `json:"peer_count"`
	PeerMeanPct   *float64 `json:"peer_mean_pct"`
	PeerMedianPct *float64 `json:"peer_median_pct"`
	Comparator    string   `json:"comparator"`
	// ComparatorPct is the value gap_pp is measured against.
	ComparatorPct     *float64 `json:"comparator_pct"`
	GapPP             *float64 `json:"gap_pp"`
	ReferenceCostMnkr *float64 `json:"reference_cost_mnkr"`
	// ReferenceCostMethod is ratio (nka_mnkr / nka_pct) or net_cost (net
	// cost − nka_mnkr, an estimate used where the ratio is unstable).
	ReferenceCostMethod *string `json:"reference_cost_method"`
	// ReferenceCostEstimated: the reference cost is the net-cost estimate.
	ReferenceCostEstimated bool `json:"reference_cost_estimated"`
	// The two derivations side by side, and the net cost behind the second.
	ReferenceCostRatioMnkr *float64 `json:"reference_cost_ratio_mnkr"`
	ReferenceCostNetMnkr   *float64 `json:"reference_cost_net_mnkr"`
	NetCostMnkr            *float64 `json:"net_cost_mnkr"`
	GapMnkr                *float64 `json:"gap_mnkr"`
	Preliminary            bool     `json:"preliminary"`
	MissingPeers           []string `json:"missing_peers"`
	// LoadID is the latest load that wrote a value behind the row.
	LoadID *int64 `json:"load_id"`
	Note   string `json:"note"`

	// Target (mean, median, pNN, share:X[:STAT]) and PeerTrend (hold,
	// linear:N) say what comparator_pct is; TargetYear is the year a trend
	// is projected to (and "hold" holds the level to).
	Target     string `json:"target"`
	PeerTrend  string `json:"peer_trend"`
	TargetYear *int   `json:"target_year"`
	// ComparatorGroup is the comparison set: the Liknande kommuner group
	// id, lanNN for a county, a Kolada group id, a group of one's own, or
	// riket; ComparatorGroupTitle its title (the county's name).
	ComparatorGroup      *string `json:"comparator_group"`
	ComparatorGroupTitle *string `json:"comparator_group_title"`
	// ComparatorMembers, ComparatorCount and ComparatorMissing are the
	// comparison set's members, those with a value and the others by name.
	ComparatorMembers int      `json:"comparator_members"`
	ComparatorCount   int      `json:"comparator_count"`
	ComparatorMissing []string `json:"comparator_missing"`
	// ComparatorStatPct is the target statistic of the set in the row's
	// year; ComparatorProjectedPct the same projected to TargetYear by the
	// trend over TrendFromYear–TrendToYear with TrendSlopePP per year.
	ComparatorStatPct      *float64 `json:"comparator_stat_pct"`
	TrendSlopePP           *float64 `json:"trend_slope_pp"`
	TrendFromYear          *int     `json:"trend_from_year"`
	TrendToYear            *int     `json:"trend_to_year"`
	ComparatorProjectedPct *float64 `json:"comparator_projected_pct"`
	// ComparatorText says what comparator_pct is, in Swedish words, with the
	// assumption about the peers' NKA.
	ComparatorText *string `json:"comparator_text"`
	// Population is invånare (N01951) of the year; GapKrPerInv the gap in
	// kronor per invånare.
	Population  *float64 `json:"population"`
	GapKrPerInv *float64 `json:"gap_kr_per_inv"`

	// ComparatorValues are the comparison set's members with their NKA %
	// of the year, and TrendPoints the statistic per year of a trend: what
	// `sparbeting --explain` writes out.
	ComparatorValues []MemberValue `json:"-"`
	TrendPoints      []TrendPoint  `json:"-"`
}

// MemberValue is a member of a comparison set and its NKA % (nil: none).
type MemberValue struct {
	ID     string
	Name   string
	NKAPct *float64
}

// TrendPoint is the comparison set's target statistic in a year of a trend.
type TrendPoint struct {
	Year             int
	Pct              *float64
	MembersWithValue int
}

// GapResult is the rows and what could not be given as a row.
type GapResult struct {
	Rows  []GapRow
	Notes []string
}

// asOfArg is the as_of argument of the macros (NULL for current values).
func asOfArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format("2006-01-02 15:04:05.999999Z07:00")
}

func overrideArg(m map[string]string) any {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, ",")
}

const gapColumns = `municipality_id, coalesce(municipality, municipality_id), area, year, nka_pct, nka_mnkr,
	peer_group_id, peer_group_title, peer_group_year, group_choice, group_choice_text, peer_members, peer_count,
	peer_mean_pct, peer_median_pct, comparator, comparator_pct, gap_pp, reference_cost_mnkr, reference_cost_method,
	reference_cost_ratio_mnkr, reference_cost_net_mnkr, net_cost_mnkr, gap_mnkr, preliminary, missing_peers, load_id,
	coalesce(note, ''), target, peer_trend, target_year, comparator_group, comparator_group_title, comparator_members,
	comparator_count, comparator_missing, comparator_stat_pct, trend_slope_pp, trend_from_year, trend_to_year,
	comparator_projected_pct, comparator_text, population, gap_kr_per_inv`

// detailColumns are the comparison set's members with their values and the
// trend's points: read only when asked (Query.Detail), since turning the
// lists into Go values costs more than the rest of a whole country's rows.
const (
	detailColumns   = `, comparator_values, trend_points`
	noDetailColumns = `, NULL, NULL`
)

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
	if groupIDPattern.MatchString(cmp) {
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
	var targetArg, targetYear any // NULL: the comparator's own target; no target year
	if target != "" {
		targetArg = target
	}
	if q.TargetYear != 0 {
		targetYear = q.TargetYear
	}
	var munis any // NULL: every municipality
	if len(q.Municipalities) > 0 {
		munis = strings.Join(q.Municipalities, ",")
	}
	where := []string{"list_contains(?, area)"}
	args := []any{asOfArg(q.AsOf), cmp, overrideArg(q.GroupOverride), areasJSON(e.Areas), munis, targetArg, trend, targetYear,
		ownGroupsJSON(e.OwnGroups), q.Detail, Slugs(areas)}
	if len(q.Years) > 0 {
		where = append(where, "list_contains(?, year)")
		args = append(args, int32s(q.Years))
	}
	cols := gapColumns + noDetailColumns
	if q.Detail {
		cols = gapColumns + detailColumns
	}
	rows, err := e.DB.QueryContext(ctx, `SELECT `+cols+`
		FROM nka_gap(as_of := ?, comparator := ?, group_override := ?, areas_json := ?, municipalities := ?,
		             target := ?, peer_trend := ?, target_year := ?, own_groups_json := ?, detail := ?)
		WHERE `+strings.Join(where, " AND ")+`
		ORDER BY municipality_id, sort_order, year`, args...)
	if err != nil {
		return nil, fmt.Errorf("computing NKA gaps: %w", err)
	}
	defer rows.Close()
	res := &GapResult{}
	for rows.Next() {
		r, err := scanGap(rows)
		if err != nil {
			return nil, fmt.Errorf("reading NKA gaps: %w", err)
		}
		res.Rows = append(res.Rows, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("computing NKA gaps: %w", err)
	}
	if len(q.Municipalities) > 0 {
		if err := e.fillUncovered(ctx, q, areas, cmp, target, trend, res); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func int32s(xs []int) []int32 {
	out := make([]int32, len(xs))
	for i, x := range xs {
		out[i] = int32(x)
	}
	return out
}

type scanner interface{ Scan(...any) error }

func scanGap(sc scanner) (GapRow, error) {
	var r GapRow
	var pct, mnkr, mean, median, cmpPct, gap, ref, refRatio, refNet, net, gapMnkr sql.NullFloat64
	var gid, gtitle, choice, choiceText, method sql.NullString
	var gyear sql.NullInt32
	var load sql.NullInt64
	var missing, cmpMissing, cmpValues, trendPoints any
	var tyear, tfrom, tto sql.NullInt32
	var cgroup, ctitle, ctext sql.NullString
	var cstat, slope, projected, population, krPerInv sql.NullFloat64
	err := sc.Scan(&r.MunicipalityID, &r.Municipality, &r.Area, &r.Year, &pct, &mnkr, &gid, &gtitle, &gyear, &choice, &choiceText,
		&r.PeerMembers, &r.PeerCount, &mean, &median, &r.Comparator, &cmpPct, &gap, &ref, &method, &refRatio, &refNet, &net,
		&gapMnkr, &r.Preliminary, &missing, &load, &r.Note, &r.Target, &r.PeerTrend, &tyear, &cgroup, &ctitle,
		&r.ComparatorMembers, &r.ComparatorCount, &cmpMissing, &cstat, &slope, &tfrom, &tto, &projected, &ctext,
		&population, &krPerInv, &cmpValues, &trendPoints)
	if err != nil {
		return r, err
	}
	r.TargetYear, r.TrendFromYear, r.TrendToYear = iptr(tyear), iptr(tfrom), iptr(tto)
	r.ComparatorGroup, r.ComparatorGroupTitle, r.ComparatorText = sptr(cgroup), sptr(ctitle), sptr(ctext)
	r.ComparatorStatPct, r.TrendSlopePP, r.ComparatorProjectedPct = fptr(cstat), fptr(slope), fptr(projected)
	r.Population, r.GapKrPerInv = fptr(population), fptr(krPerInv)
	r.ComparatorMissing = stringList(cmpMissing)
	r.ComparatorValues = memberValues(cmpValues)
	r.TrendPoints = trendPointList(trendPoints)
	r.NKAPct, r.NKAMnkr, r.PeerMeanPct, r.PeerMedianPct = fptr(pct), fptr(mnkr), fptr(mean), fptr(median)
	r.GapPP, r.ReferenceCostMnkr, r.GapMnkr, r.ComparatorPct = fptr(gap), fptr(ref), fptr(gapMnkr), fptr(cmpPct)
	r.ReferenceCostRatioMnkr, r.ReferenceCostNetMnkr, r.NetCostMnkr = fptr(refRatio), fptr(refNet), fptr(net)
	r.PeerGroupID, r.PeerGroupTitle, r.GroupChoice, r.GroupChoiceText = sptr(gid), sptr(gtitle), sptr(choice), sptr(choiceText)
	r.ReferenceCostMethod = sptr(method)
	r.ReferenceCostEstimated = method.Valid && method.String == ReferenceCostNet
	if gyear.Valid {
		y := int(gyear.Int32)
		r.PeerGroupYear = &y
	}
	if load.Valid {
		r.LoadID = &load.Int64
	}
	r.MissingPeers = stringList(missing)
	return r, nil
}

func stringList(v any) []string {
	out := []string{}
	if list, ok := v.([]any); ok {
		for _, m := range list {
			if s, ok := m.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func memberValues(v any) []MemberValue {
	var out []MemberValue
	list, _ := v.([]any)
	for _, x := range list {
		m, ok := x.(map[string]any)
		if !ok {
			continue
		}
		mv := MemberValue{}
		mv.ID, _ = m["member_id"].(string)
		mv.Name, _ = m["member"].(string)
		if f, ok := m["nka_pct"].(float64); ok {
			mv.NKAPct = &f
		}
		out = append(out, mv)
	}
	return out
}

func trendPointList(v any) []TrendPoint {
	var out []TrendPoint
	list, _ := v.([]any)
	for _, x := range list {
		m, ok := x.(map[string]any)
		if !ok {
			continue
		}
		p := TrendPoint{Year: anyInt(m["year"]), MembersWithValue: anyInt(m["members_with_value"])}
		if f, ok := m["pct"].(float64); ok {
			p.Pct = &f
		}
		out = append(out, p)
	}
	return out
}

func anyInt(v any) int {
	switch x := v.(type) {
	case int32:
		return int(x)
	case int64:
		return int(x)
	case int:
		return x
	}
	return 0
}

func iptr(n sql.NullInt32) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int32)
	return &v
}

// How a reference cost was derived (reference_cost_method).
const (
	// ReferenceCostRatio: nka_mnkr / (nka_pct / 100), Kolada's own two figures.
	ReferenceCostRatio = "ratio"
	// ReferenceCostNet: net cost − nka_mnkr, an estimate where the ratio is unstable.
	ReferenceCostNet = "net_cost"
)

func sptr(n sql.NullString) *string {
	if !n.Valid {
		return nil
	}
	v := n.String
	return &v
}

func fptr(n sql.NullFloat64) *float64 {
	if !n.Valid {
		return nil
	}
	v := n.Float64
	return &v
}

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
				empty = append(empty, a.Slug)
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
					Comparator: cmp, Preliminary: v.Preliminary, MissingPeers: []string{}, ComparatorMissing: []string{},
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
			res.Notes = append(res.Notes, fmt.Sprintf("%s har inga NKA-värden%s i databasen för %s (och därför ingen jämförelse)", m, when, strings.Join(empty, ", ")))
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

// Value is one row of v_nka.
type Value struct {
	MunicipalityID         string
	Municipality           string
	Area                   string
	Year                   int
	NKAPct                 *float64
	NKAMnkr                *float64
	ReferenceCostMnkr      *float64
	ReferenceCostMethod    *string
	ReferenceCostRatioMnkr *float64
	ReferenceCostNetMnkr   *float64
	NetCostMnkr            *float64
	Preliminary            bool
	LoadID                 *int64
	Note                   string
}

func (e *Engine) values(ctx context.Context, asOf *time.Time, municipality, area string, years []int) ([]Value, error) {
	q := `SELECT municipality_id, coalesce(municipality, municipality_id), area, year, nka_pct, nka_mnkr,
		reference_cost_mnkr, reference_cost_method, reference_cost_ratio_mnkr, reference_cost_net_mnkr, net_cost_mnkr,
		preliminary, load_id, coalesce(reference_cost_note, '')
		FROM nka_values(as_of := ?, areas_json := ?) WHERE municipality_id = ? AND area = ?`
	args := []any{asOfArg(asOf), areasJSON(e.Areas), municipality, area}
	if len(years) > 0 {
		q += ` AND list_contains(?, year)`
		args = append(args, int32s(years))
	}
	rows, err := e.DB.QueryContext(ctx, q+` ORDER BY year`, args...)
	if err != nil {
		return nil, fmt.Errorf("reading NKA values: %w", err)
	}
	defer rows.Close()
	var out []Value
	for rows.Next() {
		var v Value
		var pct, mnkr, ref, refRatio, refNet, net sql.NullFloat64
		var method sql.NullString
		var load sql.NullInt64
		if err := rows.Scan(&v.MunicipalityID, &v.Municipality, &v.Area, &v.Year, &pct, &mnkr, &ref, &method, &refRatio, &refNet, &net,
			&v.Preliminary, &load, &v.Note); err != nil {
			return nil, fmt.Errorf("reading NKA values: %w", err)
		}
		v.NKAPct, v.NKAMnkr, v.ReferenceCostMnkr = fptr(pct), fptr(mnkr), fptr(ref)
		v.ReferenceCostRatioMnkr, v.ReferenceCostNetMnkr, v.NetCostMnkr = fptr(refRatio), fptr(refNet), fptr(net)
		v.ReferenceCostMethod = sptr(method)
		if load.Valid {
			v.LoadID = &load.Int64
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// GroupProblem is a "Liknande kommuner" group that is not used, and why (a
// row of nka_group_problems): its title cannot be read or names no
// configured area, another group of the same municipality, area and year
// was published later, or it has no year while groups with years exist.
type GroupProblem struct {
	GroupID string
	Title   string
	// Status: unreadable, area_unknown, superseded or yearless_unused.
	Status string
	// Problem is the stable key of the reason; Text says it in Swedish.
	Problem string
	Text    string
	// MunicipalityID is the municipality the title seems to name ("": none).
	MunicipalityID string
	Municipality   string
	// Area is the area its words name ("": unknown).
	Area string
}

// Note says the problem in a sentence for an output's notes.
func (p GroupProblem) Note() string {
	return fmt.Sprintf("grupp %s \"%s\" används inte: %s", p.GroupID, p.Title, p.Text)
}

// NamelessNote says that n groups name no municipality the store knows (so
// that they may be anyone's, the municipality's own included).
func NamelessNote(n int) string {
	if n == 1 {
		return "1 grupp \"Liknande kommuner\" kan inte knytas till någon kommun (se v_nka_group_problem)"
	}
	return fmt.Sprintf("%d grupper \"Liknande kommuner\" kan inte knytas till någon kommun (se v_nka_group_problem)", n)
}

// GroupProblems lists the groups that seem to name one of municipalities
// (every municipality when empty) but are not used, and why; a municipality
// "" lists those that name no municipality the store knows.
func (e *Engine) GroupProblems(ctx context.Context, municipalities []string, asOf *time.Time) ([]GroupProblem, error) {
	var munis any
	if len(municipalities) > 0 {
		munis = municipalities
	}
	rows, err := e.DB.QueryContext(ctx, `SELECT group_id, group_title, status, problem, coalesce(problem_text, ''),
		coalesce(municipality_id, ''), coalesce(municipality, ''), coalesce(area, '')
		FROM nka_group_problems(as_of := ?, areas_json := ?)
		WHERE ?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], coalesce(municipality_id, ''))
		ORDER BY municipality_id NULLS FIRST, status = 'superseded', group_id`,
		asOfArg(asOf), areasJSON(e.Areas), munis, munis)
	if err != nil {
		return nil, fmt.Errorf("reading the groups not used: %w", err)
	}
	defer rows.Close()
	out := []GroupProblem{}
	for rows.Next() {
		var p GroupProblem
		if err := rows.Scan(&p.GroupID, &p.Title, &p.Status, &p.Problem, &p.Text, &p.MunicipalityID, &p.Municipality, &p.Area); err != nil {
			return nil, fmt.Errorf("reading the groups not used: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ResolveMunicipality accepts a four-digit id or a name ("Höör") and returns
// the id and name as the store has them.
func (e *Engine) ResolveMunicipality(ctx context.Context, idOrName string) (id, name string, err error) {
	s := strings.TrimSpace(idOrName)
	err = e.DB.QueryRowContext(ctx, `SELECT municipality_id, title FROM municipality
		WHERE municipality_id = ? OR lower(title) = lower(?)
		ORDER BY municipality_id = ? DESC, coalesce(type, 'K') = 'K' DESC LIMIT 1`, s, s, s).Scan(&id, &name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", fmt.Errorf("%w %q: not in the store's municipality table (ids are four digits, like 1267 for Höör)", ErrUnknownMunicipality, s)
	}
	if err != nil {
		return "", "", fmt.Errorf("looking up municipality %q: %w", s, err)
	}
	return id, name, nil
}

func (e *Engine) groupTitle(ctx context.Context, id string) (string, error) {
	var title string
	err := e.DB.QueryRowContext(ctx, `SELECT title FROM municipality_group WHERE group_id = ?`, id).Scan(&title)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("%w %s: not in the store (list them with: nyckeltal sql \"SELECT DISTINCT group_id, group_title FROM v_peer_group\")", ErrUnknownGroup, id)
	}
	if err != nil {
		return "", fmt.Errorf("looking up group %s: %w", id, err)
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
		if !groupIDPattern.MatchString(id) {
			return nil, fmt.Errorf("%w %q: a group id looks like G36535", ErrUnknownGroup, raw)
		}
		title, err := e.groupTitle(ctx, id)
		if err != nil {
			return nil, err
		}
		var area sql.NullString
		err = e.DB.QueryRowContext(ctx, `SELECT area FROM nka_groups(areas_json := ?) WHERE group_id = ?`,
			areasJSON(e.Areas), id).Scan(&area)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("reading the area of group %s: %w", id, err)
		}
		slug := area.String
		if !area.Valid {
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
	var first sql.NullTime
	if err := e.DB.QueryRowContext(ctx, `SELECT min(finished_at) FROM load WHERE status = 'ok'`).Scan(&first); err != nil {
		return fmt.Errorf("reading load history: %w", err)
	}
	if !first.Valid || first.Time.After(*asOf) {
		when := "no successful load yet"
		if first.Valid {
			when = "the first successful load finished " + first.Time.Format(time.RFC3339)
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
	d, err := time.ParseInLocation(time.DateOnly, s, stockholm)
	if err != nil {
		return time.Time{}, fmt.Errorf("--as-of %q: write a date (2025-06-01) or a time (2025-06-01T12:00:00+02:00)", s)
	}
	return d.AddDate(0, 0, 1), nil
}

var stockholm = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
}()

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
