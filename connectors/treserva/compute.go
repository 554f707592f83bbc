package treserva

import (
	"fmt"
	"sort"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/yearrange"

	"github.com/nyckeltal/nyckeltal/connectors/ownfiles"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/swedish"
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
// inflyttningsdatum, verkställighetsdatum and avslutsdatum; noDate while
// waiting.
func (d *decision) waitEnd() int32 {
	end := noDate
	for _, t := range [3]int32{d.offered, d.executed, d.ended} {
		if t != noDate && (end == noDate || t < end) {
			end = t
		}
	}
	return end
}

// waitedOverThreeMonthsIn: the wait passed three months and some day after
// that mark, up to and including the day it ended, lies in the period — the
// person got a place during the period after more than three months, or was
// still waiting at its end after more than three months. mark is
// threeMonthsAfterDay(d.decided).
func (d *decision) waitedOverThreeMonths(mark, start, end int32) bool {
	if !d.granted {
		return false
	}
	first := mark + 1 // the first day beyond three months
	last := end
	if e := d.waitEnd(); e != noDate && e < last {
		last = e
	}
	first = max(first, start)
	return first <= last
}

// notExecutedOverThreeMonths: granted, decided by day, neither executed
// nor ended by day, and decided more than three months before it.
func (d *decision) notExecutedOverThreeMonths(mark, day int32) bool {
	if !d.granted || d.decided > day {
		return false
	}
	if (d.executed != noDate && d.executed <= day) || (d.ended != noDate && d.ended <= day) {
		return false
	}
	return mark < day
}

// waitedOverThreeMonthsIn and notExecutedOverThreeMonthsAt are the rules
// on times, for tests.
func (d *decision) waitedOverThreeMonthsIn(p store.Period) bool {
	return d.waitedOverThreeMonths(threeMonthsAfterDay(d.decided), dayOf(p.Start), dayOf(p.End))
}

func (d *decision) notExecutedOverThreeMonthsAt(day time.Time) bool {
	return d.notExecutedOverThreeMonths(threeMonthsAfterDay(d.decided), dayOf(day))
}

// periodsFor lists the periods to compute: the configured kinds in the
// configured years, those that had ended by the extract date.
func (p *Parser) periodsFor(asOf time.Time) ([]store.Period, error) {
	years := []int{asOf.Year() - 1, asOf.Year()}
	if p.opts.Years != "" {
		var err error
		if years, err = yearrange.Parse(p.opts.Years, asOf); err != nil {
			return nil, err
		}
	}
	var out []store.Period
	for _, y := range years {
		for _, kind := range p.periods {
			var per store.Period
			switch kind {
			case swedish.Fold("kvartal1"), swedish.Fold("kvartal2"), swedish.Fold("kvartal3"), swedish.Fold("kvartal4"):
				per = store.QuarterPeriod(y, int(kind[len(kind)-1]-'0'))
			case swedish.Fold("delår"):
				per = store.InterimPeriod(y, p.opts.InterimEnd)
			case swedish.Fold("helår"):
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

func splits(hasRegi bool) []split {
	regis := []string{store.RegiAll}
	if hasRegi {
		regis = append(regis, store.RegiEgen, store.RegiPrivat)
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
	return (s.gender == store.GenderTotal || s.gender[0] == d.gender) && (s.regi == store.RegiAll || s.regi == regiName(d.regi))
}

// tally sums one period, group and split.
type tally struct {
	people      int64
	last        [16]byte // the last person counted (decisions come sorted by person)
	counted     bool
	notExecuted int64
	sum         float64
	n           int64
	pending     bool
}

// span is a period as day numbers.
type span struct{ start, end int32 }

// parallelCount is the number of decisions from which compute counts in
// two halves side by side.
var parallelCount = 1 << 15 // a variable for the test of the two halves

// countDecisions counts decisions (indexes, sorted by person) into
// tallies[period][group][split].
func countDecisions(ds *decisions, order []int32, spans []span, sp []split) [][2][]tally {
	tallies := make([][2][]tally, len(spans))
	for i := range tallies {
		for g := range 2 {
			tallies[i][g] = make([]tally, len(sp))
		}
	}
	// The splits a decision is in depend only on its kön and regi: found
	// once for each pair.
	inSplits := map[[2]byte][]int{}
	// The decisions come in the order of people, from all over their
	// chunks: they are copied a block at a time — a short loop whose reads
	// from memory the processor makes side by side — and then counted.
	var block [64]decision
	for from := 0; from < len(order); from += len(block) {
		n := min(len(block), len(order)-from)
		for k := range n {
			block[k] = *ds.at(order[from+k])
		}
		for k := range n {
			d := &block[k]
			g := 0
			if d.group == gBSS {
				g = 1
			}
			in, ok := inSplits[[2]byte{d.gender, d.regi}]
			if !ok {
				for k, s := range sp {
					if s.has(d) {
						in = append(in, k)
					}
				}
				inSplits[[2]byte{d.gender, d.regi}] = in
			}
			mark := threeMonthsAfterDay(d.decided)
			for pi, per := range spans {
				waited := d.waitedOverThreeMonths(mark, per.start, per.end)
				notExecuted := d.notExecutedOverThreeMonths(mark, per.end)
				decidedIn := d.granted && d.decided >= per.start && d.decided <= per.end
				for _, k := range in {
					t := &tallies[pi][g][k]
					if waited && (!t.counted || t.last != d.person) {
						t.people++
						t.last, t.counted = d.person, true
					}
					if notExecuted {
						t.notExecuted++
					}
					if decidedIn {
						switch {
						case d.offered != noDate && d.application != noDate:
							t.sum += float64(d.offered - d.application)
							t.n++
						case d.offered == noDate && d.ended == noDate && d.executed == noDate:
							t.pending = true // not offered yet: the mean will change
						}
					}
				}
			}
		}
	}
	return tallies
}

// compute makes every indicator for every period and split. Counts are 0
// when nobody counts; a mean without any decision is missing (NULL), and is
// preliminary while decisions of the period still wait for an offer. order
// lists the decisions by person (mergeDuplicates): a person is counted once
// per tally by comparing with the last person counted.
func (p *Parser) compute(ds *decisions, order []int32, periods []store.Period, hasRegi bool) *ownfiles.Values {
	sp := splits(hasRegi)
	groups := []struct {
		group                     byte
		waited, days, notExecuted string
	}{{gSabo, SaboWaited3M, SaboWaitDays, SaboNotExecuted}, {gBSS, BSSWaited3M, BSSWaitDays, BSSNotExecuted}}
	spans := make([]span, len(periods))
	for i, per := range periods {
		spans[i] = span{dayOf(per.Start), dayOf(per.End)}
	}
	// A big extract is counted in two halves side by side (the machine has
	// two cores), split between two people so that each person is counted
	// in one half only; the halves' tallies are then added. The sums are of
	// whole days, exact in a float64, so the order of adding changes
	// nothing.
	var tallies [][2][]tally
	if len(order) < parallelCount {
		tallies = countDecisions(ds, order, spans, sp)
	} else {
		mid := len(order) / 2
		for mid < len(order) && ds.at(order[mid]).person == ds.at(order[mid-1]).person {
			mid++
		}
		var second [][2][]tally
		done := make(chan struct{})
		go func() {
			defer close(done)
			second = countDecisions(ds, order[mid:], spans, sp)
		}()
		tallies = countDecisions(ds, order[:mid], spans, sp)
		<-done
		for pi := range tallies {
			for g := range tallies[pi] {
				for k := range tallies[pi][g] {
					t, u := &tallies[pi][g][k], second[pi][g][k]
					t.people += u.people
					t.notExecuted += u.notExecuted
					t.sum += u.sum
					t.n += u.n
					t.pending = t.pending || u.pending
				}
			}
		}
	}
	v := ownfiles.NewValues(Source)
	home := v.Unit(store.UnitMunicipality, p.opts.Home)
	for pi, per := range periods {
		perIdx := v.Period(per)
		for g, grp := range groups {
			for k, s := range sp {
				t := tallies[pi][g][k]
				key := ownfiles.Key{Unit: home, Period: perIdx, Gender: v.Label(s.gender), Regi: v.Label(s.regi)}
				key.Indicator = v.Indicator(grp.waited)
				v.Add(key, float64(t.people))
				key.Indicator = v.Indicator(grp.notExecuted)
				v.Add(key, float64(t.notExecuted))
				mean := ownfiles.Missing
				if t.n > 0 {
					mean = t.sum / float64(t.n)
				}
				key.Indicator = v.Indicator(grp.days)
				v.AddCounted(key, mean, t.n, t.pending)
			}
		}
	}
	return v
}
