package treserva

import (
	"fmt"
	"sort"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/config"
	"github.com/nyckeltal/nyckeltal/internal/fold"
	"github.com/nyckeltal/nyckeltal/internal/localfile"
	"github.com/nyckeltal/nyckeltal/internal/store"
)

// ThreeMonthsAfter is the day three calendar months after a decision, the
// same day number, or the month's last day when that month is shorter
// (31 January → 30 April; 30 November → 28 or 29 February). A wait that has
// not ended on this day has lasted more than three months.
func ThreeMonthsAfter(d time.Time) time.Time {
	first := time.Date(d.Year(), d.Month()+3, 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(d.Day(), last), 0, 0, 0, 0, time.UTC)
}

// waitEnd is when the wait for a place ended: the first of erbjudet
// inflyttningsdatum, verkställighetsdatum and avslutsdatum; nil while waiting.
func (d *decision) waitEnd() *time.Time {
	var end *time.Time
	for _, t := range []*time.Time{d.offered, d.executed, d.ended} {
		if t != nil && (end == nil || t.Before(*end)) {
			end = t
		}
	}
	return end
}

// waitedOverThreeMonthsIn: the wait passed three months and some day after
// that mark, up to and including the day it ended, lies in the period — the
// person got a place during the period after more than three months, or was
// still waiting at its end after more than three months.
func (d *decision) waitedOverThreeMonthsIn(p store.Period) bool {
	if !d.granted {
		return false
	}
	first := ThreeMonthsAfter(d.decided).AddDate(0, 0, 1) // the first day beyond three months
	last := p.End
	if end := d.waitEnd(); end != nil && end.Before(last) {
		last = *end
	}
	if first.Before(p.Start) {
		first = p.Start
	}
	return !first.After(last)
}

// notExecutedOverThreeMonthsAt: granted, decided by day, neither executed
// nor ended by day, and decided more than three months before it.
func (d *decision) notExecutedOverThreeMonthsAt(day time.Time) bool {
	if !d.granted || d.decided.After(day) {
		return false
	}
	if (d.executed != nil && !d.executed.After(day)) || (d.ended != nil && !d.ended.After(day)) {
		return false
	}
	return ThreeMonthsAfter(d.decided).Before(day)
}

// periodsFor lists the periods to compute: the configured kinds in the
// configured years, those that had ended by the extract date.
func (p *Parser) periodsFor(asOf time.Time) ([]store.Period, error) {
	years := []int{asOf.Year() - 1, asOf.Year()}
	if p.opts.Years != "" {
		var err error
		if years, err = config.ParseYears(p.opts.Years, asOf); err != nil {
			return nil, err
		}
	}
	var out []store.Period
	for _, y := range years {
		for _, kind := range p.periods {
			var per store.Period
			switch kind {
			case fold.Key("kvartal1"), fold.Key("kvartal2"), fold.Key("kvartal3"), fold.Key("kvartal4"):
				per = store.QuarterPeriod(y, int(kind[len(kind)-1]-'0'))
			case fold.Key("delår"):
				per = store.InterimPeriod(y, p.opts.InterimEnd)
			case fold.Key("helår"):
				per = store.YearPeriod(y)
			default:
				return nil, fmt.Errorf("unknown period %q in local.treserva.periods", kind)
			}
			if !per.End.After(asOf) {
				out = append(out, per)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.Before(out[j].Start)
		}
		return out[i].End.Before(out[j].End)
	})
	return out, nil
}

// split is one kön × regi cell of the output.
type split struct{ gender, regi string }

func (p *Parser) splits(ds []decision) []split {
	regis := []string{store.RegiAll}
	for _, d := range ds {
		if d.regi != "" {
			regis = append(regis, store.RegiEgen, store.RegiPrivat)
			break
		}
	}
	var out []split
	for _, g := range []string{store.GenderTotal, store.GenderWomen, store.GenderMen} {
		for _, r := range regis {
			out = append(out, split{g, r})
		}
	}
	return out
}

func (s split) has(d *decision) bool {
	return (s.gender == store.GenderTotal || s.gender == d.gender) && (s.regi == store.RegiAll || s.regi == d.regi)
}

// compute adds every indicator for every period and split. Counts are 0
// when nobody counts; a mean without any decision is missing (NULL), and is
// preliminary while decisions of the period still wait for an offer.
func (p *Parser) compute(out *localfile.Parsed, ds []decision, periods []store.Period) {
	splits := p.splits(ds)
	groups := []struct {
		group, waited, days, notExecuted string
	}{{groupSabo, SaboWaited3M, SaboWaitDays, SaboNotExecuted}, {groupBSS, BSSWaited3M, BSSWaitDays, BSSNotExecuted}}
	for _, per := range periods {
		for _, g := range groups {
			var in []*decision
			for i := range ds {
				if ds[i].group == g.group {
					in = append(in, &ds[i])
				}
			}
			for _, s := range splits {
				people := map[string]bool{}
				notExecuted := int64(0)
				var sum float64
				var n int64
				pending := false
				for _, d := range in {
					if !s.has(d) {
						continue
					}
					if d.waitedOverThreeMonthsIn(per) {
						people[d.person] = true
					}
					if d.notExecutedOverThreeMonthsAt(per.End) {
						notExecuted++
					}
					if d.granted && !d.decided.Before(per.Start) && !d.decided.After(per.End) {
						switch {
						case d.offered != nil && d.application != nil:
							sum += float64(d.offered.Sub(*d.application).Hours() / 24)
							n++
						case d.offered == nil && d.ended == nil && d.executed == nil:
							pending = true // not offered yet: the mean will change
						}
					}
				}
				waited, ne := float64(len(people)), float64(notExecuted)
				var mean *float64
				if n > 0 {
					m := sum / float64(n)
					mean = &m
				}
				out.Observations = append(out.Observations,
					p.obs(g.waited, per, s, &waited, nil, false),
					p.obs(g.notExecuted, per, s, &ne, nil, false),
					p.obs(g.days, per, s, mean, &n, pending))
			}
		}
	}
}

func (p *Parser) obs(code string, per store.Period, s split, v *float64, count *int64, preliminary bool) store.Observation {
	var c *int64
	if count != nil {
		n := *count
		c = &n
	}
	return store.Observation{Source: Source, IndicatorID: code, UnitKind: store.UnitMunicipality, UnitID: p.opts.Home,
		Period: per, Gender: s.gender, Regi: s.regi, Value: v, Count: c, Preliminary: preliminary}
}
