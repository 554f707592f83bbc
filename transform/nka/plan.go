package nka

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nyckeltal/nyckeltal/transform/atgardsplan"
)

// PlanYear compares one budget year of an åtgärdsplan with the glide path.
type PlanYear struct {
	Year        int      `json:"year"`
	GlideTkr    int64    `json:"glide_tkr"`
	PlannedTkr  float64  `json:"planned_tkr"`
	CoveragePct *float64 `json:"coverage_pct"` // NULL when the glide path asks nothing that year
	// RemainingTkr is what the plan still lacks (negative: more than asked).
	RemainingTkr float64 `json:"remaining_tkr"`
}

// PlanMeasure is one åtgärd with its own sum.
type PlanMeasure struct {
	No       string       `json:"lopnr"`
	Name     string       `json:"atgard"`
	PerYear  []PlanAmount `json:"per_year"`
	TotalTkr float64      `json:"total_tkr"`
}

// PlanAmount is an amount of a measure.
type PlanAmount struct {
	Year int     `json:"year"`
	Tkr  float64 `json:"tkr"`
}

// PlanComparison sets an åtgärdsplan against the sparbeting's glide path.
type PlanComparison struct {
	File     string        `json:"file"`
	Measures []PlanMeasure `json:"measures"`
	PerYear  []PlanYear    `json:"per_year"`
	// PlannedTkr sums the plan over the glide path's years; PlanTotalTkr
	// over all its years.
	PlannedTkr   float64  `json:"planned_tkr"`
	PlanTotalTkr float64  `json:"plan_total_tkr"`
	CoveragePct  *float64 `json:"coverage_pct"`
	RemainingTkr *float64 `json:"remaining_tkr"`
	// StatedTotalTkr is the plan's printed total, when it has one.
	StatedTotalTkr *float64 `json:"stated_total_tkr"`
	Discrepancies  []string `json:"discrepancies"`
	Notes          []string `json:"notes"`
}

// ComparePlan sets plan against the glide path of s and stores the result in s.Plan.
func ComparePlan(s *Sparbeting, plan *atgardsplan.Plan, file string) *PlanComparison {
	pc := &PlanComparison{File: file, Measures: []PlanMeasure{}, PerYear: []PlanYear{},
		Discrepancies: plan.Discrepancies(), Notes: append([]string{}, plan.Notes...)}
	if pc.Discrepancies == nil {
		pc.Discrepancies = []string{}
	}
	s.Plan = pc
	for _, m := range plan.Measures {
		pm := PlanMeasure{No: m.No, Name: m.Name, PerYear: []PlanAmount{}, TotalTkr: m.Total()}
		years := make([]int, 0, len(m.Amounts))
		for y := range m.Amounts {
			years = append(years, y)
		}
		sort.Ints(years)
		for _, y := range years {
			pm.PerYear = append(pm.PerYear, PlanAmount{Year: y, Tkr: m.Amounts[y]})
		}
		pc.Measures = append(pc.Measures, pm)
	}
	if plan.StatedTotal != nil {
		v := plan.StatedTotal.Tkr
		pc.StatedTotalTkr = &v
	}
	pc.PlanTotalTkr = plan.Total()
	planned := plan.YearTotals()
	inPath := map[int]bool{}
	for _, y := range s.PerYear {
		inPath[y.Year] = true
		py := PlanYear{Year: y.Year, GlideTkr: y.Tkr, PlannedTkr: planned[y.Year], RemainingTkr: float64(y.Tkr) - planned[y.Year]}
		if y.Tkr != 0 {
			c := planned[y.Year] / float64(y.Tkr) * 100
			py.CoveragePct = &c
		}
		pc.PerYear = append(pc.PerYear, py)
		pc.PlannedTkr += planned[y.Year]
	}
	var outside []string
	for _, y := range plan.Years() {
		if !inPath[y] && planned[y] != 0 {
			outside = append(outside, fmt.Sprintf("%d (%s tkr)", y, atgardsplan.FormatTkr(planned[y])))
		}
	}
	if len(outside) > 0 {
		pc.Notes = append(pc.Notes, fmt.Sprintf("plan amounts outside the glide path %s are not counted in the coverage: %s",
			formatYears(s.StartYear, s.TargetYear-1), strings.Join(outside, ", ")))
	}
	if s.TotalTkr == nil {
		pc.Notes = append(pc.Notes, "the sparbeting is unknown, so neither coverage nor what remains can be given")
		return pc
	}
	rem := float64(*s.TotalTkr) - pc.PlannedTkr
	pc.RemainingTkr = &rem
	if *s.TotalTkr != 0 {
		c := pc.PlannedTkr / float64(*s.TotalTkr) * 100
		pc.CoveragePct = &c
	}
	return pc
}
