package nka

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/nyckeltal/nyckeltal/transform/atgardsplan"
)

// What becomes of an åtgärdsplan's amount (PlanAmount.Status).
const (
	// PlanCounted: a lasting saving that lowers the budget frame, in a year
	// after the base year and before the target year: it counts against
	// the sparbeting.
	PlanCounted = "counted"
	// PlanOneOff: a one-off (engångs): it does not lower the cost level.
	PlanOneOff = "one_off"
	// PlanDeficit: it reduces a deficit (underskott), not the budget frame.
	PlanDeficit = "deficit"
	// PlanInOutcome: in the base year or before: already in the outcome the
	// gap is measured in ("counted" there, so not again).
	PlanInOutcome = "in_outcome"
	// PlanAfterTarget: from the target year on: after the sparbeting is to
	// be reached.
	PlanAfterTarget = "after_target"
)

// PlanYear compares one budget year of an åtgärdsplan with the glide path.
type PlanYear struct {
	Year     int   `json:"year"`
	GlideTkr int64 `json:"glide_tkr"`
	// PlannedTkr is every amount of the year; CountedTkr the lasting
	// budget-frame savings among them, which count against the glide path.
	PlannedTkr  float64  `json:"planned_tkr"`
	CoveragePct *float64 `json:"coverage_pct"` // counted / glide; NULL when the glide path asks nothing that year
	// RemainingTkr is what the plan still lacks that year (negative: more than asked).
	RemainingTkr float64 `json:"remaining_tkr"`
	CountedTkr   float64 `json:"counted_tkr"`
	OneOffTkr    float64 `json:"one_off_tkr"`
	DeficitTkr   float64 `json:"deficit_tkr"`
	// Cumulative: the glide path and the counted savings up to and
	// including the year; a lasting saving made early keeps counting.
	CumulativeGlideTkr   int64   `json:"cumulative_glide_tkr"`
	CumulativeCountedTkr float64 `json:"cumulative_counted_tkr"`
}

// PlanMeasure is one åtgärd with its own sum.
type PlanMeasure struct {
	No       string       `json:"lopnr"`
	Name     string       `json:"atgard"`
	PerYear  []PlanAmount `json:"per_year"`
	TotalTkr float64      `json:"total_tkr"`
	// CountedTkr is what of the measure counts against the sparbeting.
	CountedTkr float64 `json:"counted_tkr"`
}

// PlanAmount is an amount of a measure, with its kind and what becomes of it.
type PlanAmount struct {
	Year int     `json:"year"`
	Tkr  float64 `json:"tkr"`
	// Kind is varaktig or engångs; Reduces budgetram or underskott.
	Kind    string `json:"kind"`
	Reduces string `json:"reduces"`
	// Status is counted, one_off, deficit, in_outcome or after_target;
	// StatusText says it in Swedish.
	Status     string `json:"status"`
	StatusText string `json:"status_text"`
}

// PlanComparison sets an åtgärdsplan against the sparbeting's glide path.
type PlanComparison struct {
	File     string        `json:"file"`
	Measures []PlanMeasure `json:"measures"`
	PerYear  []PlanYear    `json:"per_year"`
	// PlannedTkr sums the plan over the years compared (PerYear: after the
	// base year, before the target year); PlanTotalTkr over all its years.
	PlannedTkr   float64 `json:"planned_tkr"`
	PlanTotalTkr float64 `json:"plan_total_tkr"`
	// CoveragePct is CountedTkr of the sparbeting; RemainingTkr what the
	// counted savings leave.
	CoveragePct  *float64 `json:"coverage_pct"`
	RemainingTkr *float64 `json:"remaining_tkr"`
	// StatedTotalTkr is the plan's printed total, when it has one.
	StatedTotalTkr *float64 `json:"stated_total_tkr"`
	Discrepancies  []string `json:"discrepancies"`
	Notes          []string `json:"notes"`

	// BaseYear is the sparbeting's base year: amounts after it count.
	BaseYear int `json:"base_year"`
	// CountedTkr: lasting budget-frame savings after the base year and
	// before the target year. The rest, apart: one-offs, deficit
	// reductions, amounts already in the base year's outcome, amounts from
	// the target year on.
	CountedTkr     float64 `json:"counted_tkr"`
	OneOffTkr      float64 `json:"one_off_tkr"`
	DeficitTkr     float64 `json:"deficit_tkr"`
	InOutcomeTkr   float64 `json:"in_outcome_tkr"`
	AfterTargetTkr float64 `json:"after_target_tkr"`
}

// planStatus decides what becomes of an amount of year: the base year's
// own budget year and earlier are in the outcome; from the target year on
// it is too late; in between a lasting budget-frame saving counts, and a
// one-off or a deficit reduction is shown apart.
func planStatus(s *Sparbeting, m atgardsplan.Measure, year int) (status, text string) {
	switch {
	case year == s.BaseYear:
		return PlanInOutcome, fmt.Sprintf("räknad: ingår redan i utfallet %d (basåret)", s.BaseYear)
	case year < s.BaseYear:
		return PlanInOutcome, fmt.Sprintf("räknad: ingår redan i utfallet %d (före basåret)", s.BaseYear)
	case year >= s.TargetYear:
		return PlanAfterTarget, fmt.Sprintf("räknas inte: från målåret %d", s.TargetYear)
	case m.KindOf(year) == atgardsplan.KindOneOff:
		return PlanOneOff, "räknas inte: engångs"
	case m.ReducesOf(year) == atgardsplan.ReducesDeficit:
		return PlanDeficit, "räknas inte: minskar underskott, inte budgetramen"
	}
	return PlanCounted, "räknas mot sparbetinget"
}

// ComparePlan sets plan against the sparbeting s and stores the result in
// s.Plan. Only lasting savings that lower the budget frame, from the year
// after the base year to the year before the target, count; the rest is
// shown apart, each with its reason.
func ComparePlan(s *Sparbeting, plan *atgardsplan.Plan, file string) *PlanComparison {
	pc := &PlanComparison{File: file, Measures: []PlanMeasure{}, PerYear: []PlanYear{},
		Discrepancies: plan.Discrepancies(), Notes: append([]string{}, plan.Notes...), BaseYear: s.BaseYear}
	if pc.Discrepancies == nil {
		pc.Discrepancies = []string{}
	}
	s.Plan = pc
	type yearSums struct{ planned, counted, oneOff, deficit float64 }
	byYear := map[int]*yearSums{}
	var inOutcome, oneOff, deficit, after []string
	for _, m := range plan.Measures {
		pm := PlanMeasure{No: m.No, Name: m.Name, PerYear: []PlanAmount{}, TotalTkr: m.Total()}
		years := make([]int, 0, len(m.Amounts))
		for y := range m.Amounts {
			years = append(years, y)
		}
		sort.Ints(years)
		for _, y := range years {
			v := m.Amounts[y]
			st, text := planStatus(s, m, y)
			pm.PerYear = append(pm.PerYear, PlanAmount{Year: y, Tkr: v, Kind: m.KindOf(y), Reduces: m.ReducesOf(y), Status: st, StatusText: text})
			if byYear[y] == nil {
				byYear[y] = &yearSums{}
			}
			ys := byYear[y]
			ys.planned += v
			if v == 0 {
				continue
			}
			what := fmt.Sprintf("%s %d (%s tkr)", measureName(m), y, atgardsplan.FormatTkr(v))
			switch st {
			case PlanCounted:
				ys.counted += v
				pm.CountedTkr += v
				pc.CountedTkr += v
			case PlanOneOff:
				ys.oneOff += v
				pc.OneOffTkr += v
				oneOff = append(oneOff, what)
			case PlanDeficit:
				ys.deficit += v
				pc.DeficitTkr += v
				deficit = append(deficit, what)
			case PlanInOutcome:
				pc.InOutcomeTkr += v
				inOutcome = append(inOutcome, what)
			case PlanAfterTarget:
				pc.AfterTargetTkr += v
				after = append(after, what)
			}
		}
		pc.Measures = append(pc.Measures, pm)
	}
	if plan.StatedTotal != nil {
		v := plan.StatedTotal.Tkr
		pc.StatedTotalTkr = &v
	}
	pc.PlanTotalTkr = plan.Total()

	// The years: every year after the base year up to the year before the
	// target that the glide path or the plan has.
	glide := map[int]int64{}
	for _, y := range s.PerYear {
		glide[y.Year] = y.Tkr
	}
	var cumGlide int64
	var cumCounted float64
	for y := s.BaseYear + 1; y < s.TargetYear; y++ {
		g, inPath := glide[y]
		ys := byYear[y]
		if !inPath && (ys == nil || ys.planned == 0) {
			continue
		}
		if ys == nil {
			ys = &yearSums{}
		}
		cumGlide += g
		cumCounted += ys.counted
		py := PlanYear{Year: y, GlideTkr: g, PlannedTkr: ys.planned, RemainingTkr: float64(g) - ys.counted, CountedTkr: ys.counted,
			OneOffTkr: ys.oneOff, DeficitTkr: ys.deficit, CumulativeGlideTkr: cumGlide, CumulativeCountedTkr: cumCounted}
		if g != 0 {
			c := ys.counted / float64(g) * 100
			py.CoveragePct = &c
		}
		pc.PlannedTkr += ys.planned
		pc.PerYear = append(pc.PerYear, py)
	}

	// Every amount that does not count, in words.
	if len(s.PerYear) > 0 && s.StartYear > s.BaseYear+1 {
		var early []string
		for y := s.BaseYear + 1; y < s.StartYear; y++ {
			if ys := byYear[y]; ys != nil && ys.counted != 0 {
				early = append(early, fmt.Sprintf("%d (%s tkr)", y, atgardsplan.FormatTkr(ys.counted)))
			}
		}
		if len(early) > 0 {
			pc.Notes = append(pc.Notes, fmt.Sprintf("varaktiga besparingar efter basåret %d men före glidbanan %s räknas mot sparbetinget: "+
				"de sänker kostnaden efter utfallet som avvikelsen mäts i: %s", s.BaseYear, formatYears(s.StartYear, s.TargetYear-1), strings.Join(early, ", ")))
		}
	}
	if len(inOutcome) > 0 {
		pc.Notes = append(pc.Notes, fmt.Sprintf("%s tkr ligger i basårets budgetår %d eller tidigare och räknas som redan gjorda: "+
			"de ingår i utfallet %d som avvikelsen mäts i, så de räknas inte en gång till: %s",
			atgardsplan.FormatTkr(pc.InOutcomeTkr), s.BaseYear, s.BaseYear, strings.Join(inOutcome, ", ")))
	}
	if len(oneOff) > 0 {
		pc.Notes = append(pc.Notes, fmt.Sprintf("%s tkr är engångsbelopp och sänker inte kostnadsnivån varaktigt; de räknas inte mot sparbetinget "+
			"och visas för sig: %s", atgardsplan.FormatTkr(pc.OneOffTkr), strings.Join(oneOff, ", ")))
	}
	if len(deficit) > 0 {
		pc.Notes = append(pc.Notes, fmt.Sprintf("%s tkr minskar ett underskott, inte budgetramen; de räknas inte mot sparbetinget "+
			"och visas för sig: %s", atgardsplan.FormatTkr(pc.DeficitTkr), strings.Join(deficit, ", ")))
	}
	if len(after) > 0 {
		pc.Notes = append(pc.Notes, fmt.Sprintf("%s tkr ligger från målåret %d och räknas inte: glidbanan slutar %d: %s",
			atgardsplan.FormatTkr(pc.AfterTargetTkr), s.TargetYear, s.TargetYear-1, strings.Join(after, ", ")))
	}
	if !plan.HasKinds() {
		pc.Notes = append(pc.Notes, "planen har ingen kolumn typ eller minskar: varje belopp räknas som en varaktig besparing som minskar budgetramen")
	}
	if s.TotalTkr == nil {
		pc.Notes = append(pc.Notes, "sparbetinget är okänt, så varken täckning eller vad som återstår kan anges")
		return pc
	}
	rem := float64(*s.TotalTkr) - pc.CountedTkr
	pc.RemainingTkr = &rem
	if *s.TotalTkr != 0 {
		c := pc.CountedTkr / float64(*s.TotalTkr) * 100
		pc.CoveragePct = &c
	}
	return pc
}

func measureName(m atgardsplan.Measure) string {
	if m.No != "" {
		return "åtgärd " + m.No
	}
	return strconv.Quote(m.Name)
}
