package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// The reads of the NKA table macros (sql/views/040_nka.sql). The commands
// pass the areas (and the groups of their own) to the macros as JSON, so that
// they follow the configuration even before a writing command has updated
// nka_area; transform/nka turns the rows into gaps and sparbeting.

// NKAGapParams are the arguments of nka_gap and what of its rows to read.
type NKAGapParams struct {
	AsOf *time.Time // nil: the current values
	// Comparator is the normalised comparison set (mean, median, liknande,
	// liknande:YYYY, lan, riket, a group id or a group of one's own).
	Comparator string
	// GroupOverride uses these groups (area slug → group id) instead of the
	// automatic choice.
	GroupOverride map[string]string
	// Areas are every configured area: the group titles are matched
	// against all of them.
	Areas []NKAArea
	// Municipalities computes only these municipalities' rows; empty: all.
	Municipalities []string
	Target         string // "": the comparator's own
	PeerTrend      string
	TargetYear     int // 0: none
	OwnGroups      []NKAOwnGroupYear
	// Detail fills ComparatorValues and TrendPoints.
	Detail bool
	// Select are the areas (slugs) whose rows are read; Years the years
	// (empty: every year).
	Select []string
	Years  []int
}

// NKAOwnGroupYear is a comparison group of one's own with its members in
// one year (Year nil: every year), as nka_gap's own_groups_json takes it.
type NKAOwnGroupYear struct {
	Name    string   `json:"name"`
	Title   string   `json:"title"`
	Year    *int     `json:"year"`
	Members []string `json:"members"`
}

// NKAGapRow is one municipality, area and year of nka_gap. The JSON keys are
// the ones of `nyckeltal gap --format json`; every figure comes with what it
// was made from: the group and why it was chosen, the comparator's value,
// the members counted and missing, how the reference cost was derived, the
// load.
type NKAGapRow struct {
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
	Comparison
	// Population is invånare (N01951) of the year; GapKrPerInv the gap in
	// kronor per invånare.
	Population  *float64 `json:"population"`
	GapKrPerInv *float64 `json:"gap_kr_per_inv"`

	// ComparatorValues are the comparison set's members with their NKA %
	// of the year, and TrendPoints the statistic per year of a trend: what
	// `sparbeting --explain` writes out.
	ComparatorValues []NKAMemberValue `json:"-"`
	TrendPoints      []NKATrendPoint  `json:"-"`
}

// Comparison is the comparison set and the target statistic of a gap row;
// the sparbeting's areas carry the same (JSON: its fields inline).
type Comparison struct {
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
}

// NKAMemberValue is a member of a comparison set and its NKA % (nil: none).
type NKAMemberValue struct {
	ID     string
	Name   string
	NKAPct *float64
}

// NKATrendPoint is the comparison set's target statistic in a year of a trend.
type NKATrendPoint struct {
	Year             int
	Pct              *float64
	MembersWithValue int
}

// ReferenceCostNet is reference_cost_method's net-cost estimate (net cost −
// nka_mnkr), used where the ratio nka_mnkr / nka_pct is unstable.
const ReferenceCostNet = "net_cost"

// NKAGap reads the gap rows of p, ordered by municipality, area and year.
func (s *Store) NKAGap(ctx context.Context, p NKAGapParams) ([]NKAGapRow, error) {
	var targetArg, targetYear any // NULL: the comparator's own target; no target year
	if p.Target != "" {
		targetArg = p.Target
	}
	if p.TargetYear != 0 {
		targetYear = p.TargetYear
	}
	var munis any // NULL: every municipality
	if len(p.Municipalities) > 0 {
		munis = strings.Join(p.Municipalities, ",")
	}
	name := "NKAGap"
	if p.Detail {
		name = "NKAGapDetail"
	}
	out, err := scanRows(ctx, s.db, query(name), scanNKAGapRow,
		nkaAsOf(p.AsOf), p.Comparator, nkaGroupOverride(p.GroupOverride), nkaAreasJSON(p.Areas), munis, targetArg,
		p.PeerTrend, targetYear, nkaOwnGroupsJSON(p.OwnGroups), p.Detail, p.Select, int32sOrNull(p.Years))
	if err != nil {
		return nil, fmt.Errorf("computing NKA gaps: %w", err)
	}
	return out, nil
}

func scanNKAGapRow(rows *sql.Rows) (NKAGapRow, error) {
	var r NKAGapRow
	var pct, mnkr, mean, median, cmpPct, gap, ref, refRatio, refNet, net, gapMnkr sql.NullFloat64
	var gid, gtitle, choice, choiceText, method sql.NullString
	var gyear sql.NullInt32
	var load sql.NullInt64
	var missing, cmpMissing, cmpValues, trendPoints any
	var tyear, tfrom, tto sql.NullInt32
	var cgroup, ctitle, ctext sql.NullString
	var cstat, slope, projected, population, krPerInv sql.NullFloat64
	err := rows.Scan(&r.MunicipalityID, &r.Municipality, &r.Area, &r.Year, &pct, &mnkr, &gid, &gtitle, &gyear, &choice, &choiceText,
		&r.PeerMembers, &r.PeerCount, &mean, &median, &r.Comparator, &cmpPct, &gap, &ref, &method, &refRatio, &refNet, &net,
		&gapMnkr, &r.Preliminary, &missing, &load, &r.Note, &r.Target, &r.PeerTrend, &tyear, &cgroup, &ctitle,
		&r.ComparatorMembers, &r.ComparatorCount, &cmpMissing, &cstat, &slope, &tfrom, &tto, &projected, &ctext,
		&population, &krPerInv, &cmpValues, &trendPoints)
	if err != nil {
		return r, fmt.Errorf("reading NKA gaps: %w", err)
	}
	r.TargetYear, r.TrendFromYear, r.TrendToYear = intPtr(tyear), intPtr(tfrom), intPtr(tto)
	r.ComparatorGroup, r.ComparatorGroupTitle, r.ComparatorText = stringPtr(cgroup), stringPtr(ctitle), stringPtr(ctext)
	r.ComparatorStatPct, r.TrendSlopePP, r.ComparatorProjectedPct = floatPtr(cstat), floatPtr(slope), floatPtr(projected)
	r.Population, r.GapKrPerInv = floatPtr(population), floatPtr(krPerInv)
	r.ComparatorMissing = stringList(cmpMissing)
	r.ComparatorValues = memberValues(cmpValues)
	r.TrendPoints = trendPointList(trendPoints)
	r.NKAPct, r.NKAMnkr, r.PeerMeanPct, r.PeerMedianPct = floatPtr(pct), floatPtr(mnkr), floatPtr(mean), floatPtr(median)
	r.GapPP, r.ReferenceCostMnkr, r.GapMnkr, r.ComparatorPct = floatPtr(gap), floatPtr(ref), floatPtr(gapMnkr), floatPtr(cmpPct)
	r.ReferenceCostRatioMnkr, r.ReferenceCostNetMnkr, r.NetCostMnkr = floatPtr(refRatio), floatPtr(refNet), floatPtr(net)
	r.PeerGroupID, r.PeerGroupTitle, r.GroupChoice, r.GroupChoiceText = stringPtr(gid), stringPtr(gtitle), stringPtr(choice), stringPtr(choiceText)
	r.ReferenceCostMethod = stringPtr(method)
	r.ReferenceCostEstimated = method.Valid && method.String == ReferenceCostNet
	r.PeerGroupYear = intPtr(gyear)
	if load.Valid {
		r.LoadID = &load.Int64
	}
	r.MissingPeers = stringList(missing)
	return r, nil
}

func memberValues(v any) []NKAMemberValue {
	var out []NKAMemberValue
	list, _ := v.([]any)
	for _, x := range list {
		m, ok := x.(map[string]any)
		if !ok {
			continue
		}
		mv := NKAMemberValue{}
		mv.ID, _ = m["member_id"].(string)
		mv.Name, _ = m["member"].(string)
		if f, ok := m["nka_pct"].(float64); ok {
			mv.NKAPct = &f
		}
		out = append(out, mv)
	}
	return out
}

func trendPointList(v any) []NKATrendPoint {
	var out []NKATrendPoint
	list, _ := v.([]any)
	for _, x := range list {
		m, ok := x.(map[string]any)
		if !ok {
			continue
		}
		p := NKATrendPoint{Year: anyInt(m["year"]), MembersWithValue: anyInt(m["members_with_value"])}
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

// NKAValue is one row of nka_values: a municipality's NKA in an area and
// year, and how its reference cost was derived.
type NKAValue struct {
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

// NKAValues reads a municipality's NKA values of an area, by year (years
// empty: every year).
func (s *Store) NKAValues(ctx context.Context, asOf *time.Time, areas []NKAArea, municipality, area string, years []int) ([]NKAValue, error) {
	out, err := scanRows(ctx, s.db, query("NKAValues"), func(rows *sql.Rows) (NKAValue, error) {
		var v NKAValue
		var pct, mnkr, ref, refRatio, refNet, net sql.NullFloat64
		var method sql.NullString
		var load sql.NullInt64
		if err := rows.Scan(&v.MunicipalityID, &v.Municipality, &v.Area, &v.Year, &pct, &mnkr, &ref, &method, &refRatio, &refNet, &net,
			&v.Preliminary, &load, &v.Note); err != nil {
			return v, err
		}
		v.NKAPct, v.NKAMnkr, v.ReferenceCostMnkr = floatPtr(pct), floatPtr(mnkr), floatPtr(ref)
		v.ReferenceCostRatioMnkr, v.ReferenceCostNetMnkr, v.NetCostMnkr = floatPtr(refRatio), floatPtr(refNet), floatPtr(net)
		v.ReferenceCostMethod = stringPtr(method)
		if load.Valid {
			v.LoadID = &load.Int64
		}
		return v, nil
	}, nkaAsOf(asOf), nkaAreasJSON(areas), municipality, area, int32sOrNull(years))
	if err != nil {
		return nil, fmt.Errorf("reading NKA values: %w", err)
	}
	return out, nil
}

// NKAGroupProblemsOf lists the groups (nka_group_problems) that seem to name
// one of municipalities (every municipality when empty) but are not used,
// and why; a municipality "" lists those that name no municipality the
// store knows. Status is set: unreadable, area_unknown, superseded or
// yearless_unused.
func (s *Store) NKAGroupProblemsOf(ctx context.Context, asOf *time.Time, areas []NKAArea, municipalities []string) ([]NKAGroupProblem, error) {
	var munis any
	if len(municipalities) > 0 {
		munis = municipalities
	}
	out, err := scanRows(ctx, s.db, query("NKAGroupProblemsOf"), func(rows *sql.Rows) (NKAGroupProblem, error) {
		var p NKAGroupProblem
		return p, rows.Scan(&p.GroupID, &p.Title, &p.Status, &p.Problem, &p.Text, &p.MunicipalityID, &p.Municipality, &p.Area)
	}, nkaAsOf(asOf), nkaAreasJSON(areas), munis)
	if err != nil {
		return nil, fmt.Errorf("reading the groups not used: %w", err)
	}
	if out == nil {
		out = []NKAGroupProblem{}
	}
	return out, nil
}

// NKAGroupArea returns the area a group's title names, and false when it
// names none (a group of one's own) or the group is not a peer group.
func (s *Store) NKAGroupArea(ctx context.Context, areas []NKAArea, groupID string) (string, bool, error) {
	var area sql.NullString
	err := s.db.QueryRowContext(ctx, query("NKAGroupArea"), nkaAreasJSON(areas), groupID).Scan(&area)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", false, fmt.Errorf("reading the area of group %s: %w", groupID, err)
	}
	return area.String, area.Valid, nil
}

// NKAMember is a municipality of a peer group.
type NKAMember struct {
	ID   string
	Name string
}

// NKAGroupMembers lists a peer group's members, by id.
func (s *Store) NKAGroupMembers(ctx context.Context, asOf *time.Time, areas []NKAArea, groupID string) ([]NKAMember, error) {
	out, err := scanRows(ctx, s.db, query("NKAGroupMembers"), func(rows *sql.Rows) (NKAMember, error) {
		var m NKAMember
		return m, rows.Scan(&m.ID, &m.Name)
	}, nkaAsOf(asOf), nkaAreasJSON(areas), groupID)
	if err != nil {
		return nil, fmt.Errorf("reading the members of %s: %w", groupID, err)
	}
	if out == nil {
		out = []NKAMember{}
	}
	return out, nil
}

// NKAObservation is a municipality's yearly value of a KPI as the NKA
// macros see it (nka_observation).
type NKAObservation struct {
	KPI         string
	Unit        string
	Year        int
	Value       *float64
	Preliminary bool
}

// NKAObservations reads the municipalities' yearly values of kpis.
func (s *Store) NKAObservations(ctx context.Context, asOf *time.Time, kpis []string) ([]NKAObservation, error) {
	out, err := scanRows(ctx, s.db, query("NKAObservations"), func(rows *sql.Rows) (NKAObservation, error) {
		var o NKAObservation
		return o, rows.Scan(&o.KPI, &o.Unit, &o.Year, &o.Value, &o.Preliminary)
	}, nkaAsOf(asOf), kpis)
	if err != nil {
		return nil, fmt.Errorf("reading kostnad och kvalitet: %w", err)
	}
	return out, nil
}

// nkaAsOf is the as_of argument of the macros (NULL for current values).
func nkaAsOf(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format("2006-01-02 15:04:05.999999Z07:00")
}

func nkaGroupOverride(m map[string]string) any {
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

// nkaAreasJSON is the areas_json argument of the table macros: nka_area rows.
func nkaAreasJSON(areas []NKAArea) string {
	type row struct {
		Area          string   `json:"area"`
		Title         string   `json:"title"`
		PctKPI        string   `json:"pct_kpi"`
		MnkrKPI       string   `json:"mnkr_kpi"`
		NetCostKPI    string   `json:"net_cost_kpi"`
		PopulationKPI string   `json:"population_kpi"`
		GroupTitle    string   `json:"group_title"`
		MinAbsPct     float64  `json:"min_abs_pct"`
		SortOrder     int      `json:"sort_order"`
		GroupKeys     []string `json:"group_keys"`
	}
	rows := make([]row, len(areas))
	for i, a := range areas {
		rows[i] = row{a.Area, a.Title, a.PctKPI, a.MnkrKPI, a.NetCostKPI, a.PopulationKPI, a.GroupTitle, a.MinAbsPct,
			a.SortOrder, a.GroupKeys}
	}
	b, err := json.Marshal(rows)
	if err != nil {
		panic(err) // plain strings and numbers always encode
	}
	return string(b)
}

// nkaOwnGroupsJSON is the own_groups_json argument of nka_gap.
func nkaOwnGroupsJSON(groups []NKAOwnGroupYear) any {
	if len(groups) == 0 {
		return nil
	}
	b, err := json.Marshal(groups)
	if err != nil {
		panic(err) // strings and numbers always encode
	}
	return string(b)
}

// int32sOrNull is a list argument of INTEGER; NULL when empty.
func int32sOrNull(xs []int) any {
	if len(xs) == 0 {
		return nil
	}
	out := make([]int32, len(xs))
	for i, x := range xs {
		out[i] = int32(x)
	}
	return out
}

func intPtr(n sql.NullInt32) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int32)
	return &v
}

func stringPtr(n sql.NullString) *string {
	if !n.Valid {
		return nil
	}
	v := n.String
	return &v
}

func floatPtr(n sql.NullFloat64) *float64 {
	if !n.Valid {
		return nil
	}
	v := n.Float64
	return &v
}
