package localfile

import (
	"github.com/nyckeltal/nyckeltal/internal/store"
)

// ScopesFor declares what a file delivers whole: for every indicator, unit
// (an enhet or the municipality) and period among its observations, all the
// values of that slice, every kön and regi split. Loading a corrected file
// therefore replaces its values and ends splits it no longer has, while
// units and periods it does not mention are left alone — so two reports that
// each cover some of the enheter can be loaded side by side.
func ScopesFor(obs []store.Observation) []store.Scope {
	seen := map[store.Scope]bool{}
	var out []store.Scope
	for _, o := range obs {
		sc := store.Scope{Source: o.Source, IndicatorID: o.IndicatorID, UnitKind: o.UnitKind, UnitID: o.UnitID,
			PeriodType: o.Period.Type, Year: o.Period.Year, PeriodStart: o.Period.Start}
		if !seen[sc] {
			seen[sc] = true
			out = append(out, sc)
		}
	}
	sortScopes(out)
	return out
}
