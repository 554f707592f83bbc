package nka

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/swedish"
)

// AreaChange splits how an area's gap moved between two base years into what
// moved it. With gap = (own − comparator) / 100 × reference cost:
//
//	own NKA        (own₂ − own₁) / 100 × ref₁
//	peers' NKA     −(cmp₂ − cmp₁) / 100 × ref₁
//	reference cost gap₂ / 100 × (ref₂ − ref₁)
//
// and the three add up to the change exactly.
type AreaChange struct {
	Area             string   `json:"area"`
	FromBaseYear     int      `json:"from_base_year"`
	ToBaseYear       int      `json:"to_base_year"`
	FromGapTkr       *float64 `json:"from_gap_tkr"`
	ToGapTkr         *float64 `json:"to_gap_tkr"`
	ChangeTkr        *float64 `json:"change_tkr"`
	OwnNKATkr        *float64 `json:"own_nka_tkr"`
	PeersNKATkr      *float64 `json:"peers_nka_tkr"`
	ReferenceCostTkr *float64 `json:"reference_cost_tkr"`
	FromCountedTkr   *float64 `json:"from_counted_tkr"`
	ToCountedTkr     *float64 `json:"to_counted_tkr"`
	Note             string   `json:"note"`
}

// TotalChange is how the total moved between two base years.
type TotalChange struct {
	FromBaseYear int    `json:"from_base_year"`
	ToBaseYear   int    `json:"to_base_year"`
	FromTotalTkr *int64 `json:"from_total_tkr"`
	ToTotalTkr   *int64 `json:"to_total_tkr"`
	ChangeTkr    *int64 `json:"change_tkr"`
}

// Omrakning is the sparbeting recomputed for several base years, side by side.
type Omrakning struct {
	MunicipalityID string        `json:"municipality_id"`
	Municipality   string        `json:"municipality"`
	TargetYear     int           `json:"target_year"`
	Comparator     string        `json:"comparator"`
	BaseYears      []*Sparbeting `json:"base_years"`
	Changes        []AreaChange  `json:"changes"`
	TotalChanges   []TotalChange `json:"total_changes"`
	Preliminary    bool          `json:"preliminary"`
	Sources        []string      `json:"sources"`
}

// CompareBaseYears computes the sparbeting for each base year (in order) and
// how it moved from one to the next.
func (e *Engine) CompareBaseYears(ctx context.Context, req SparbetingRequest, years []int) (*Omrakning, error) {
	if len(years) < 2 {
		return nil, fmt.Errorf("%w: give at least two base years to compare, like 2022,2023", ErrBadYears)
	}
	years = append([]int(nil), years...)
	sort.Ints(years)
	o := &Omrakning{MunicipalityID: req.Municipality, Changes: []AreaChange{}, TotalChanges: []TotalChange{}}
	seenSource := map[string]bool{}
	for _, y := range years {
		r := req
		r.BaseYear = y
		// Each base year keeps its own default start year, as when it was decided.
		s, err := e.Sparbeting(ctx, r)
		if err != nil {
			return nil, fmt.Errorf("base year %d: %w", y, err)
		}
		o.BaseYears = append(o.BaseYears, s)
		o.TargetYear, o.Comparator, o.Municipality = s.TargetYear, s.Comparator, s.Municipality
		o.Preliminary = o.Preliminary || s.Preliminary
		for _, src := range s.Sources {
			if !seenSource[src] {
				seenSource[src] = true
				o.Sources = append(o.Sources, src)
			}
		}
	}
	// the label and KPIs first, then every base year's peer groups, then where the values came from
	sort.SliceStable(o.Sources, func(i, j int) bool { return sourceRank(o.Sources[i]) < sourceRank(o.Sources[j]) })
	for i := 1; i < len(o.BaseYears); i++ {
		a, b := o.BaseYears[i-1], o.BaseYears[i]
		for k := range b.Areas {
			o.Changes = append(o.Changes, splitChange(a.BaseYear, b.BaseYear, a.Areas[k], b.Areas[k]))
		}
		tc := TotalChange{FromBaseYear: a.BaseYear, ToBaseYear: b.BaseYear, FromTotalTkr: a.TotalTkr, ToTotalTkr: b.TotalTkr}
		if a.TotalTkr != nil && b.TotalTkr != nil {
			d := *b.TotalTkr - *a.TotalTkr
			tc.ChangeTkr = &d
		}
		o.TotalChanges = append(o.TotalChanges, tc)
	}
	return o, nil
}

func tkr(mnkr *float64) *float64 {
	if mnkr == nil {
		return nil
	}
	v := *mnkr * 1000
	return &v
}

func splitChange(fromYear, toYear int, a, b SparbetingArea) AreaChange {
	c := AreaChange{Area: b.Area, FromBaseYear: fromYear, ToBaseYear: toYear,
		FromGapTkr: tkr(a.GapMnkr), ToGapTkr: tkr(b.GapMnkr), FromCountedTkr: a.CountedTkr, ToCountedTkr: b.CountedTkr}
	own1, own2 := a.Row.NKAPct, b.Row.NKAPct
	cmp1, cmp2 := a.Row.ComparatorPct, b.Row.ComparatorPct
	ref1, ref2 := a.Row.ReferenceCostMnkr, b.Row.ReferenceCostMnkr
	var missing []string
	for _, m := range []struct {
		p    *float64
		what string
		year int
	}{{own1, "egen NKA", fromYear}, {cmp1, "jämförelsevärde", fromYear}, {ref1, "referenskostnad", fromYear},
		{own2, "egen NKA", toYear}, {cmp2, "jämförelsevärde", toYear}, {ref2, "referenskostnad", toYear}} {
		if m.p == nil {
			missing = append(missing, fmt.Sprintf("%s %d", m.what, m.year))
		}
	}
	if len(missing) > 0 {
		c.Note = "värde saknas för " + swedish.JoinAnd(missing) + ": förändringen kan inte delas upp"
		return c
	}
	gap2 := *own2 - *cmp2
	ownPart := (*own2 - *own1) / 100 * *ref1 * 1000
	peerPart := -(*cmp2 - *cmp1) / 100 * *ref1 * 1000
	refPart := gap2 / 100 * (*ref2 - *ref1) * 1000
	change := (gap2/100**ref2 - (*own1-*cmp1)/100**ref1) * 1000
	c.ChangeTkr, c.OwnNKATkr, c.PeersNKATkr, c.ReferenceCostTkr = &change, &ownPart, &peerPart, &refPart
	g1, g2 := a.Row.PeerGroupID, b.Row.PeerGroupID
	if g1 != nil && g2 != nil && *g1 != *g2 {
		c.Note = fmt.Sprintf("gruppen liknande kommuner byttes från %s till %s (RKA matchade om): en del av jämförelsens förändring", *g1, *g2)
	}
	return c
}

func sourceRank(s string) int {
	switch {
	case s == Label:
		return 0
	case strings.HasPrefix(s, "Kolada:"):
		return 1
	case strings.HasPrefix(s, "values "):
		return 3
	}
	return 2
}
