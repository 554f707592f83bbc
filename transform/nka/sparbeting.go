package nka

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/nyckeltal/nyckeltal/internal/numfmt"
	"math"
	"strings"
	"time"
)

// ErrBadYears marks base, start and target years that do not fit together.
var ErrBadYears = errors.New("invalid years")

// DefaultTargetYear is the budget year by which the municipality should be
// at its peers' level (seed 004: "inför budget 2027").
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
}

// SparbetingArea is one area's part. The JSON keys are those of
// `nyckeltal sparbeting --format json`.
type SparbetingArea struct {
	Area              string   `json:"area"`
	NKAPct            *float64 `json:"nka_pct"`
	PeerMeanPct       *float64 `json:"peer_mean_pct"`
	GapPP             *float64 `json:"gap_pp"`
	ReferenceCostMnkr *float64 `json:"reference_cost_mnkr"`
	GapMnkr           *float64 `json:"gap_mnkr"`
	// CountedTkr is what the area adds to the total: max(gap, 0) in tkr, or
	// the gap itself with Net. NULL when it cannot be known.
	CountedTkr *float64 `json:"counted_tkr"`

	Row GapRow `json:"-"`
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

	Municipality string     `json:"-"`
	StartYear    int        `json:"-"`
	Profile      string     `json:"-"`
	Net          bool       `json:"-"`
	AsOf         *time.Time `json:"-"`
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
	cmp, err := NormalizeComparator(req.Comparator)
	if err != nil {
		return nil, err
	}
	if req.TargetYear == 0 {
		req.TargetYear = DefaultTargetYear
	}
	s := &Sparbeting{MunicipalityID: req.Municipality, TargetYear: req.TargetYear, Comparator: cmp,
		Profile: req.Profile.Name, Net: req.Net, AsOf: req.AsOf, Areas: []SparbetingArea{}, PerYear: []YearAmount{}, Notes: []string{}}
	if s.Profile == "" {
		s.Profile = "even"
	}
	q := Query{Municipalities: []string{req.Municipality}, Areas: Slugs(areas), Comparator: cmp,
		GroupOverride: req.GroupOverride, AsOf: req.AsOf}
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
			s.Notes = append(s.Notes, fmt.Sprintf("base year %d: no year has final values for every area, so the latest one is used (give --base-year to choose)", y))
		} else {
			s.Notes = append(s.Notes, fmt.Sprintf("base year %d: the latest year with final values for every area (give --base-year to choose)", y))
		}
	}
	s.BaseYear = req.BaseYear
	if req.TargetYear <= req.BaseYear {
		return nil, fmt.Errorf("%w: target year %d must come after the base year %d", ErrBadYears, req.TargetYear, req.BaseYear)
	}
	if req.StartYear == 0 {
		req.StartYear = min(req.BaseYear+2, req.TargetYear-1)
	}
	if req.StartYear >= req.TargetYear {
		return nil, fmt.Errorf("%w: start year %d must come before the target year %d (the glide path runs from the start year to the year before the target)",
			ErrBadYears, req.StartYear, req.TargetYear)
	}
	s.StartYear = req.StartYear

	q.Years = []int{req.BaseYear}
	res, err := e.Gap(ctx, q)
	if err != nil {
		return nil, err
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
		sa := SparbetingArea{Area: a.Slug}
		if !ok {
			s.Notes = append(s.Notes, fmt.Sprintf("%s: no NKA values for %d in the store: its part is unknown", a.Slug, req.BaseYear))
			s.Areas = append(s.Areas, sa)
			known = false
			continue
		}
		sa.Row = r
		sa.NKAPct, sa.PeerMeanPct, sa.GapPP, sa.ReferenceCostMnkr, sa.GapMnkr = r.NKAPct, r.PeerMeanPct, r.GapPP, r.ReferenceCostMnkr, r.GapMnkr
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
			why := r.Note
			if why == "" {
				why = "no gap in mnkr"
			}
			s.Notes = append(s.Notes, fmt.Sprintf("%s %d: the gap in mnkr is unknown (%s), so the total is left NULL", a.Slug, req.BaseYear, why))
		}
		if sa.CountedTkr != nil {
			sum += *sa.CountedTkr
		}
		s.Areas = append(s.Areas, sa)
	}
	if known {
		total := int64(math.Round(sum))
		if req.Net && total < 0 {
			s.Notes = append(s.Notes, fmt.Sprintf("with --net the areas together lie %s tkr below the comparator: no sparbeting", numfmt.Group(-total, " ")))
			total = 0
		}
		s.TotalTkr = &total
		if s.PerYear, err = GlidePath(total, req.StartYear, req.TargetYear-1, req.Profile); err != nil {
			return nil, err
		}
	}
	if s.Preliminary {
		s.Notes = append(s.Notes, e.preliminaryNote(ctx, areas, req.BaseYear))
	}
	s.Sources, err = e.sources(ctx, areas, rows, req.AsOf)
	if err != nil {
		return nil, err
	}
	return s, nil
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
	var pub sql.NullTime
	_ = e.DB.QueryRowContext(ctx, `SELECT max(publication_date) FROM kpi WHERE list_contains(?, kpi_id)`, AreaKPIs(areas)).Scan(&pub)
	if pub.Valid {
		return fmt.Sprintf("%d includes preliminary values: Kolada publishes the final ones on %s; recompute then", year, pub.Time.Format(time.DateOnly))
	}
	return fmt.Sprintf("%d includes preliminary values: recompute when Kolada publishes the final ones", year)
}

// sources says where every figure came from, for the file and the table.
func (e *Engine) sources(ctx context.Context, areas []Area, rows map[string]GapRow, asOf *time.Time) ([]string, error) {
	out := []string{Label}
	kpis := AreaKPIs(areas)
	titles := map[string]string{}
	r, err := e.DB.QueryContext(ctx, `SELECT kpi_id, coalesce(title, '') FROM kpi WHERE list_contains(?, kpi_id)`, kpis)
	if err != nil {
		return nil, fmt.Errorf("reading KPI titles: %w", err)
	}
	for r.Next() {
		var id, t string
		if err := r.Scan(&id, &t); err != nil {
			r.Close()
			return nil, fmt.Errorf("reading KPI titles: %w", err)
		}
		titles[id] = t
	}
	r.Close()
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
		title := ""
		if row.PeerGroupTitle != nil {
			title = " " + *row.PeerGroupTitle
		}
		out = append(out, fmt.Sprintf("%s: peer group %s%s (%d members with a value)", a.Slug, *row.PeerGroupID, title, row.PeerCount))
	}
	if asOf != nil {
		out = append(out, "values as the store knew them at "+asOf.In(stockholm).Format(time.RFC3339)+" (--as-of)")
	} else {
		var id sql.NullInt64
		var at sql.NullTime
		if err := e.DB.QueryRowContext(ctx, `SELECT load_id, finished_at FROM load WHERE source = 'kolada' AND status = 'ok'
			ORDER BY load_id DESC LIMIT 1`).Scan(&id, &at); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("reading the last load: %w", err)
		}
		if id.Valid {
			out = append(out, fmt.Sprintf("values as stored by Kolada load %d of %s", id.Int64, at.Time.In(stockholm).Format(time.RFC3339)))
		}
	}
	return out, nil
}
