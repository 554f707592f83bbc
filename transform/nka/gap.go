package nka

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
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

// Comparators besides a group id.
const (
	ComparatorMean   = "mean"
	ComparatorMedian = "median"
	ComparatorRiket  = "riket"
)

var groupIDPattern = regexp.MustCompile(`^G\d+$`)

// NormalizeComparator validates a comparator and returns its canonical form:
// mean, median, riket, or an upper-case group id.
func NormalizeComparator(c string) (string, error) {
	c = strings.TrimSpace(c)
	switch strings.ToLower(c) {
	case "", ComparatorMean:
		return ComparatorMean, nil
	case ComparatorMedian:
		return ComparatorMedian, nil
	case ComparatorRiket:
		return ComparatorRiket, nil
	}
	if g := strings.ToUpper(c); groupIDPattern.MatchString(g) {
		return g, nil
	}
	return "", fmt.Errorf("%w %q: use mean, median, riket or a group id like G36535", ErrBadComparator, c)
}

// Engine queries the NKA macros of a store with the configured areas.
type Engine struct {
	DB    *sql.DB
	Areas []Area // every configured area (the group titles are matched against all of them)
}

// Query selects gap rows.
type Query struct {
	Municipalities []string // ids; empty: every municipality
	Areas          []string // slugs; empty: every area
	Years          []int    // empty: every year
	Comparator     string   // mean (default), median, riket or a group id
	// GroupOverride uses these groups (area slug → group id) instead of the
	// automatic choice.
	GroupOverride map[string]string
	// AsOf computes with the values as the store knew them then.
	AsOf *time.Time
}

// GapRow is one municipality, area and year. The JSON keys are the ones of
// `nyckeltal gap --format json`.
type GapRow struct {
	MunicipalityID    string   `json:"municipality_id"`
	Municipality      string   `json:"municipality"`
	Area              string   `json:"area"`
	Year              int      `json:"year"`
	NKAPct            *float64 `json:"nka_pct"`
	NKAMnkr           *float64 `json:"nka_mnkr"`
	PeerGroupID       *string  `json:"peer_group_id"`
	PeerGroupTitle    *string  `json:"peer_group_title"`
	PeerCount         int      `json:"peer_count"`
	PeerMeanPct       *float64 `json:"peer_mean_pct"`
	PeerMedianPct     *float64 `json:"peer_median_pct"`
	Comparator        string   `json:"comparator"`
	GapPP             *float64 `json:"gap_pp"`
	ReferenceCostMnkr *float64 `json:"reference_cost_mnkr"`
	GapMnkr           *float64 `json:"gap_mnkr"`
	Preliminary       bool     `json:"preliminary"`
	MissingPeers      []string `json:"missing_peers"`
	Note              string   `json:"note"`

	// PeerGroupYear is the year in the group's title.
	PeerGroupYear *int `json:"-"`
	// ComparatorPct is the value gap_pp is measured against.
	ComparatorPct *float64 `json:"-"`
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
	peer_group_id, peer_group_title, peer_count, peer_mean_pct, peer_median_pct, comparator, gap_pp,
	reference_cost_mnkr, gap_mnkr, preliminary, missing_peers, coalesce(note, ''), peer_group_year, comparator_pct`

// Gap computes the gap rows of q, ordered by municipality, area and year.
func (e *Engine) Gap(ctx context.Context, q Query) (*GapResult, error) {
	areas, err := SelectAreas(e.Areas, q.Areas)
	if err != nil {
		return nil, err
	}
	cmp, err := NormalizeComparator(q.Comparator)
	if err != nil {
		return nil, err
	}
	if groupIDPattern.MatchString(cmp) {
		if _, err := e.groupTitle(ctx, cmp); err != nil {
			return nil, fmt.Errorf("comparator: %w", err)
		}
	}
	if err := e.checkAsOf(ctx, q.AsOf); err != nil {
		return nil, err
	}
	var munis any // NULL: every municipality
	if len(q.Municipalities) > 0 {
		munis = strings.Join(q.Municipalities, ",")
	}
	where := []string{"list_contains(?, area)"}
	args := []any{asOfArg(q.AsOf), cmp, overrideArg(q.GroupOverride), areasJSON(e.Areas), munis, Slugs(areas)}
	if len(q.Years) > 0 {
		where = append(where, "list_contains(?, year)")
		args = append(args, int32s(q.Years))
	}
	rows, err := e.DB.QueryContext(ctx, `SELECT `+gapColumns+`
		FROM nka_gap(as_of := ?, comparator := ?, group_override := ?, areas_json := ?, municipalities := ?)
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
		if err := e.fillUncovered(ctx, q, areas, cmp, res); err != nil {
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
	var pct, mnkr, mean, median, gap, ref, gapMnkr, cmpPct sql.NullFloat64
	var gid, gtitle sql.NullString
	var gyear sql.NullInt32
	var missing any
	err := sc.Scan(&r.MunicipalityID, &r.Municipality, &r.Area, &r.Year, &pct, &mnkr, &gid, &gtitle, &r.PeerCount,
		&mean, &median, &r.Comparator, &gap, &ref, &gapMnkr, &r.Preliminary, &missing, &r.Note, &gyear, &cmpPct)
	if err != nil {
		return r, err
	}
	r.NKAPct, r.NKAMnkr, r.PeerMeanPct, r.PeerMedianPct = fptr(pct), fptr(mnkr), fptr(mean), fptr(median)
	r.GapPP, r.ReferenceCostMnkr, r.GapMnkr, r.ComparatorPct = fptr(gap), fptr(ref), fptr(gapMnkr), fptr(cmpPct)
	if gid.Valid {
		r.PeerGroupID = &gid.String
	}
	if gtitle.Valid {
		r.PeerGroupTitle = &gtitle.String
	}
	if gyear.Valid {
		y := int(gyear.Int32)
		r.PeerGroupYear = &y
	}
	r.MissingPeers = []string{}
	if list, ok := missing.([]any); ok {
		for _, m := range list {
			if s, ok := m.(string); ok {
				r.MissingPeers = append(r.MissingPeers, s)
			}
		}
	}
	return r, nil
}

func fptr(n sql.NullFloat64) *float64 {
	if !n.Valid {
		return nil
	}
	v := n.Float64
	return &v
}

// fillUncovered adds, for an explicitly asked municipality, rows for the
// areas it has no peer group of: its own figures with the reason, so that a
// missing comparison is visible rather than silently absent.
func (e *Engine) fillUncovered(ctx context.Context, q Query, areas []Area, cmp string, res *GapResult) error {
	covered := map[string]bool{}
	for _, r := range res.Rows {
		covered[r.MunicipalityID+"/"+r.Area] = true
	}
	for _, m := range q.Municipalities {
		var empty []string
		for _, a := range areas {
			if covered[m+"/"+a.Slug] {
				continue
			}
			own, err := e.values(ctx, q.AsOf, m, a.Slug, q.Years)
			if err != nil {
				return err
			}
			if len(own) == 0 {
				empty = append(empty, a.Slug)
				continue
			}
			why := fmt.Sprintf("no %q group for %s in the store, so no comparison", a.GroupTitle, m)
			for _, v := range own {
				r := GapRow{MunicipalityID: m, Municipality: v.Municipality, Area: a.Slug, Year: v.Year,
					NKAPct: v.NKAPct, NKAMnkr: v.NKAMnkr, ReferenceCostMnkr: v.ReferenceCostMnkr,
					Comparator: cmp, Preliminary: v.Preliminary, MissingPeers: []string{}, Note: why}
				if cmp == ComparatorRiket && v.NKAPct != nil {
					// riket needs no peers: NKA is measured against it by construction
					g, zero := *v.NKAPct, 0.0
					r.GapPP, r.ComparatorPct = &g, &zero
					if v.ReferenceCostMnkr != nil {
						gm := g / 100 * *v.ReferenceCostMnkr
						r.GapMnkr = &gm
					}
				}
				if v.Note != "" {
					r.Note += "; " + v.Note
				}
				res.Rows = append(res.Rows, r)
			}
		}
		if len(empty) > 0 {
			when := ""
			if len(q.Years) > 0 {
				when = " for " + joinInts(q.Years)
			}
			res.Notes = append(res.Notes, fmt.Sprintf("%s has no NKA values%s in the store for %s (and so no comparison)", m, when, strings.Join(empty, ", ")))
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
	MunicipalityID    string
	Municipality      string
	Area              string
	Year              int
	NKAPct            *float64
	NKAMnkr           *float64
	ReferenceCostMnkr *float64
	Preliminary       bool
	Note              string
}

func (e *Engine) values(ctx context.Context, asOf *time.Time, municipality, area string, years []int) ([]Value, error) {
	q := `SELECT municipality_id, coalesce(municipality, municipality_id), area, year, nka_pct, nka_mnkr,
		reference_cost_mnkr, preliminary, coalesce(reference_cost_note, '')
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
		var pct, mnkr, ref sql.NullFloat64
		if err := rows.Scan(&v.MunicipalityID, &v.Municipality, &v.Area, &v.Year, &pct, &mnkr, &ref, &v.Preliminary, &v.Note); err != nil {
			return nil, fmt.Errorf("reading NKA values: %w", err)
		}
		v.NKAPct, v.NKAMnkr, v.ReferenceCostMnkr = fptr(pct), fptr(mnkr), fptr(ref)
		out = append(out, v)
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
		err = e.DB.QueryRowContext(ctx, `SELECT a.area FROM nka_areas(areas_json := ?) a
			WHERE strpos(lower(nka_group_title_parts(?).prefix), lower(a.group_title)) > 0
			ORDER BY length(a.group_title) DESC, a.area LIMIT 1`, areasJSON(e.Areas), title).Scan(&area)
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

// AreaKPIs lists the Kolada KPIs behind areas, for source lines.
func AreaKPIs(areas []Area) []string {
	var out []string
	for _, a := range areas {
		out = append(out, a.PctKPI)
		if a.MnkrKPI != "" {
			out = append(out, a.MnkrKPI)
		}
	}
	return slices.Compact(out)
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
