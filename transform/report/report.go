// Package report writes the report controllers and statisticians hand on
// each quarter: one self-contained HTML file with the sparbeting against
// liknande kommuner, the nettokostnadsavvikelse of every area against the
// peers' mean and median, "kostnad och kvalitet" for särskilt boende and
// hemtjänst, and the indicator tables of the catalogue. It loads nothing
// from anywhere (no script, font or style outside the file; a
// Content-Security-Policy forbids it), works offline and prints on A4.
package report

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/transform/atgardsplan"
	"github.com/nyckeltal/nyckeltal/transform/catalog"
	"github.com/nyckeltal/nyckeltal/transform/nka"
	"github.com/nyckeltal/nyckeltal/transform/tables"
)

// Reader is what the report reads of the store besides the tables and the
// NKA engine; *store.Store implements it.
type Reader interface {
	tables.Reader
	KPITitles(ctx context.Context, ids []string) (map[string]string, error)
	CostQualityPairs(ctx context.Context, cost, quality string) ([]store.CostQualityPoint, error)
}

// Builder reads the store.
type Builder struct {
	Store Reader
	NKA   *nka.Engine
}

// areaTitle names an NKA area for people ("äldreomsorg").
func (b *Builder) areaTitle(slug string) string {
	if a, ok := nka.AreaBySlug(b.NKA.Areas, slug); ok {
		return a.Title
	}
	return slug
}

// Request says what to report on.
type Request struct {
	Tables tables.Request
	// Sparbeting is the sparbeting to size (its Municipality is set from
	// Tables.Municipality).
	Sparbeting nka.SparbetingRequest
	// Plan is an åtgärdsplan to set against the glide path (nil: none);
	// PlanFile names it.
	Plan     *atgardsplan.Plan
	PlanFile string
}

// Report is everything the page shows.
type Report struct {
	Tables *tables.Result
	// Sparbeting is nil when it cannot be sized; SparbetingNote says why.
	Sparbeting     *nka.Sparbeting
	SparbetingNote string
	// Explanations are the calculation of each area of the sparbeting,
	// step by step (`sparbeting --explain`), in the order of its areas.
	Explanations []Explanation
	Trends       []Trend
	Scatters     []Scatter
	// CostQuality is kostnad och kvalitet per verksamhet (nil when it
	// cannot be given; CostQualityNote says why).
	CostQuality     *nka.CostQuality
	CostQualityNote string
}

// Explanation is one area's calculation in words.
type Explanation struct {
	Area, Title, Text string
}

// Trend is an area's NKA over the years against the peers.
type Trend struct {
	Area  nka.Area
	Rows  []nka.GapRow
	Notes []string
}

// Scatter is one "kostnad och kvalitet" chart.
type Scatter struct {
	Def                     catalog.Scatter
	Year                    int
	CostTitle, QualityTitle string
	Points                  []Point
	Group                   *nka.PeerGroup
	Notes                   []string
}

// Point is one municipality in a scatter.
type Point struct {
	ID, Name string
	Cost     float64
	Quality  float64
	Kind     string // own, peer, other
	Prelim   bool
}

// Build gathers the report.
func (b *Builder) Build(ctx context.Context, req Request) (*Report, error) {
	tb := &tables.Builder{Store: b.Store, NKA: b.NKA}
	t, err := tb.Build(ctx, req.Tables)
	if err != nil {
		return nil, err
	}
	r := &Report{Tables: t}
	m := req.Tables.Municipality
	sreq := req.Sparbeting
	sreq.Municipality = m
	if s, err := b.NKA.Sparbeting(ctx, sreq); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		r.SparbetingNote = "Sparbetinget kan inte beräknas: " + err.Error() + "."
	} else {
		r.Sparbeting = s
		if req.Plan != nil {
			nka.ComparePlan(s, req.Plan, req.PlanFile)
		}
		for _, a := range s.Areas {
			text, err := b.NKA.Explain(ctx, s, a.Area)
			if err != nil {
				return nil, err
			}
			title := a.Area
			if ar, ok := nka.AreaBySlug(b.NKA.Areas, a.Area); ok {
				title = ar.Title
			}
			r.Explanations = append(r.Explanations, Explanation{Area: a.Area, Title: title, Text: text})
		}
	}
	if cq, err := b.NKA.CostQuality(ctx, m, sreq.Comparator, req.Tables.Years, nil); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		r.CostQualityNote = "Kostnad och kvalitet per verksamhet kan inte visas: " + err.Error() + "."
	} else {
		r.CostQuality = cq
	}
	gap, err := b.NKA.Gap(ctx, nka.Query{Municipalities: []string{m}, Comparator: nka.ComparatorMean})
	if err != nil && !errors.Is(err, nka.ErrNoData) {
		return nil, err
	}
	problems, err := b.NKA.GroupProblems(ctx, []string{m, ""}, nil)
	if err != nil {
		return nil, err
	}
	nameless := 0
	for _, p := range problems {
		if p.MunicipalityID == "" {
			nameless++
		}
	}
	for _, a := range b.NKA.Areas {
		tr := Trend{Area: a}
		if gap != nil {
			for _, row := range gap.Rows {
				if row.Area == a.Slug && (len(req.Tables.Years) == 0 || contains(req.Tables.Years, row.Year)) {
					tr.Rows = append(tr.Rows, row)
				}
			}
		}
		if len(tr.Rows) == 0 {
			tr.Notes = append(tr.Notes, fmt.Sprintf("Inga värden för nettokostnadsavvikelse %s (%s) i databasen.", a.Title, a.PctKPI))
		}
		for _, p := range problems {
			if p.MunicipalityID != "" && (p.Area == "" || p.Area == a.Slug) {
				tr.Notes = append(tr.Notes, capitalize(p.Note())+".")
			}
		}
		if nameless > 0 {
			tr.Notes = append(tr.Notes, nka.NamelessNote(nameless)+".")
		}
		r.Trends = append(r.Trends, tr)
	}
	for _, def := range t.Catalog.Scatters { // with the ids of titles resolved for certain

		sc, err := b.scatter(ctx, def, m, req.Tables.Years)
		if err != nil {
			return nil, err
		}
		r.Scatters = append(r.Scatters, sc)
	}
	return r, nil
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// scatter picks the latest year (of years, when given) in which the
// municipality has both values (else the latest year in which any has both)
// and places every municipality of that year.
func (b *Builder) scatter(ctx context.Context, def catalog.Scatter, m string, years []int) (Scatter, error) {
	sc := Scatter{Def: def}
	if def.Cost == "" || def.Quality == "" {
		sc.Notes = append(sc.Notes, "Kostnad eller kvalitet saknar Kolada-id i indikatorkatalogen.")
		return sc, nil
	}
	titles, err := b.Store.KPITitles(ctx, []string{def.Cost, def.Quality})
	if err != nil {
		return sc, err
	}
	sc.CostTitle, sc.QualityTitle = orID(titles[def.Cost], def.Cost), orID(titles[def.Quality], def.Quality)
	pairs, err := b.Store.CostQualityPairs(ctx, def.Cost, def.Quality)
	if err != nil {
		return sc, err
	}
	byYear := map[int][]Point{}
	ownYears := map[int]bool{}
	for _, pair := range pairs {
		if len(years) > 0 && !contains(years, pair.Year) {
			continue
		}
		p := Point{ID: pair.MunicipalityID, Name: pair.Municipality, Cost: pair.Cost, Quality: pair.Quality, Prelim: pair.Preliminary}
		byYear[pair.Year] = append(byYear[pair.Year], p)
		if p.ID == m {
			ownYears[pair.Year] = true
		}
	}
	for y := range byYear {
		if ownYears[y] && y > sc.Year {
			sc.Year = y
		}
	}
	if sc.Year == 0 {
		for y, ps := range byYear {
			if len(ps) >= 3 && y > sc.Year {
				sc.Year = y
			}
		}
		if sc.Year == 0 {
			sc.Notes = append(sc.Notes, fmt.Sprintf("Inga år där kommunerna har värden för både %s och %s i databasen.", def.Cost, def.Quality))
			return sc, nil
		}
		sc.Notes = append(sc.Notes, fmt.Sprintf("Kommunen saknar värden för både kostnad och kvalitet; diagrammet visar övriga kommuner %d.", sc.Year))
	}
	peers := map[string]bool{}
	if def.Area != "" {
		groups, err := b.NKA.PeerGroups(ctx, m, def.Area, nil)
		if err != nil {
			return sc, err
		}
		if g, ok := groups[sc.Year]; ok {
			sc.Group = &g
			for _, mem := range g.Members {
				peers[mem.ID] = true
			}
		} else {
			sc.Notes = append(sc.Notes, fmt.Sprintf("Ingen grupp liknande kommuner för %s %d.", b.areaTitle(def.Area), sc.Year))
		}
	}
	for _, p := range byYear[sc.Year] {
		switch {
		case p.ID == m:
			p.Kind = "own"
		case peers[p.ID]:
			p.Kind = "peer"
		default:
			p.Kind = "other"
		}
		sc.Points = append(sc.Points, p)
	}
	if sc.Group != nil {
		have := map[string]bool{}
		for _, p := range sc.Points {
			have[p.ID] = true
		}
		var missing []string
		for _, mem := range sc.Group.Members {
			if !have[mem.ID] {
				missing = append(missing, mem.Name)
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			sc.Notes = append(sc.Notes, fmt.Sprintf("Utan värden %d: %s.", sc.Year, strings.Join(missing, ", ")))
		}
	}
	return sc, nil
}

func orID(title, id string) string {
	if title == "" {
		return id
	}
	return title + " (" + id + ")"
}
