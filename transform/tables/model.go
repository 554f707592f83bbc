// Package tables builds the comparison tables of the indicator catalogue
// from the store — per indicator the value per period, the change against the
// period before with a verdict that follows the indicator's direction, the
// municipality against its "Liknande kommuner" and Riket, splits by kön,
// regi and enhet — and writes them as CSV (also for Swedish Excel), XLSX,
// Markdown and HTML: one file per målområde and an overview. The same store
// gives the same bytes, so two runs can be compared with diff.
package tables

import (
	"math"
	"strconv"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"github.com/nyckeltal/nyckeltal/transform/catalog"
)

// Label goes with every computed figure (change, verdict, peer mean, median
// and rank).
const Label = "Beräkningar: egen bearbetning."

// Verdict is how a change reads against the indicator's direction.
type Verdict string

// Verdicts. NoVerdict when the value or the one before is missing.
const (
	Improved  Verdict = "förbättring"
	Worsened  Verdict = "försämring"
	Unchanged Verdict = "oförändrad"
	NoVerdict Verdict = ""
)

// Judge compares cur with prev in the indicator's direction. Values that
// are equal at the decimals shown count as unchanged (a reader who sees 83,0
// twice must not read "försämring"); a missing value gives no verdict.
func Judge(dir catalog.Direction, prev, cur *float64, decimals int) Verdict {
	if prev == nil || cur == nil || math.IsNaN(*prev) || math.IsNaN(*cur) {
		return NoVerdict
	}
	p, c := roundTo(*prev, decimals), roundTo(*cur, decimals)
	switch {
	case p == c:
		return Unchanged
	case (c > p) == (dir == catalog.Increase):
		return Improved
	}
	return Worsened
}

func roundTo(x float64, decimals int) float64 {
	return swedish.Rounded(x, decimals) // rounded as shown
}

// Result is every table of one municipality.
type Result struct {
	MunicipalityID   string
	MunicipalityName string
	Catalog          *catalog.Catalog
	// Years are the years asked for (or every year with values), sorted.
	Years []int
	// DataAsOf is when the store's last successful load finished: the state
	// the tables describe (and the date written into XLSX files, so that the
	// same store gives the same bytes).
	DataAsOf time.Time
	// Indicators in catalogue order.
	Indicators []*IndicatorTable
}

// IndicatorTable is one indicator's rows.
type IndicatorTable struct {
	Indicator catalog.Indicator
	Malomrade catalog.Malomrade
	Mal       catalog.Mal
	// SourceID is the KPI id or local code; empty when the title is not
	// resolved yet.
	SourceID string
	// SourceName is how the source names the figure (the KPI's title, the
	// local indicator's name), if the store knows it.
	SourceName string
	// SourceSystem is who publishes it: Kolada, WebFOCUS, Treserva …
	SourceSystem string
	Kolada       bool
	// Groups are the peer groups the rows compare with, in year order.
	Groups []GroupUse
	Rows   []Row
	// Notes say what is missing or how to read the table.
	Notes []string
}

// GroupUse is a peer group and the years it is used for.
type GroupUse struct {
	ID, Title string
	From, To  int
}

// Name is "Title (ID)".
func (g GroupUse) Name() string { return g.Title + " (" + g.ID + ")" }

// SplitKind orders the splits of a table.
type SplitKind int

// Split kinds, in the order rows are shown.
const (
	Total SplitKind = iota
	Gender
	Regi
	Unit
)

// Split is the part of the whole a row describes.
type Split struct {
	Kind SplitKind
	// Key is the gender (K, M), regi (egen, privat) or enhet name.
	Key string
}

// Label is how tables name the split.
func (s Split) Label() string {
	switch s.Kind {
	case Gender:
		return map[string]string{"K": "Kvinnor", "M": "Män"}[s.Key]
	case Regi:
		return map[string]string{"egen": "Egen regi", "privat": "Privat regi"}[s.Key]
	case Unit:
		return "Enhet: " + s.Key
	}
	return "Totalt"
}

// PeriodKey is a year and a period of it.
type PeriodKey struct {
	Year   int
	Period catalog.Period
}

// Label is "2024" for a helår, else "2024 delår", "2024 kvartal 1".
func (p PeriodKey) Label() string {
	if p.Period == catalog.Year {
		return strconv.Itoa(p.Year)
	}
	return strconv.Itoa(p.Year) + " " + p.Period.Label()
}

func (p PeriodKey) less(q PeriodKey) bool {
	if p.Year != q.Year {
		return p.Year < q.Year
	}
	return periodRank(p.Period) < periodRank(q.Period)
}

func periodRank(p catalog.Period) int {
	for i, q := range catalog.PeriodOrder {
		if q == p {
			return i
		}
	}
	return len(catalog.PeriodOrder)
}

// Row is one split and period of an indicator.
type Row struct {
	Split       Split
	Period      PeriodKey
	Value       *float64
	Preliminary bool
	// Previous is the value of the same period the year before; Change is
	// Value − Previous (percentage points for percentages).
	Previous *float64
	Change   *float64
	Verdict  Verdict
	// Peers compares with the area's "Liknande kommuner" (Kolada only).
	Peers *PeerStats
	// Riket is Kolada's value for the whole country (0000).
	Riket *float64
	Note  string
}

// PeerStats is the municipality against its peer group in one period.
type PeerStats struct {
	GroupID    string
	GroupTitle string
	// Members of the group; WithValue of them have a value.
	Members   int
	WithValue int
	// Mean (unweighted, as Kolada computes group values) and median of the
	// members with a value; NULL when none has one.
	Mean, Median *float64
	// Rank of the municipality among itself and the members with a value, 1
	// the best in the indicator's direction; ties share the better rank.
	// Zero when the municipality has no value. Of is how many were ranked.
	Rank, Of int
}

// Latest returns the total's last row with a value, else the last row.
func (t *IndicatorTable) Latest() *Row {
	var last *Row
	for i := range t.Rows {
		r := &t.Rows[i]
		if r.Split.Kind != Total {
			continue
		}
		if r.Value != nil {
			last = r
		} else if last == nil || last.Value == nil {
			last = r
		}
	}
	return last
}

// SourceLabel names the source of the row's values: "Kolada (RKA), U23471",
// "WebFOCUS, WF_SJUKFRANVARO_TOTALT".
func (t *IndicatorTable) SourceLabel() string {
	system := t.SourceSystem
	if t.Kolada {
		system = "Kolada (RKA)"
	}
	switch {
	case t.SourceID == "":
		return system + ", id saknas"
	case t.Indicator.Complement:
		return system + ", 100 − " + t.SourceID + " (egen bearbetning)"
	}
	return system + ", " + t.SourceID
}

// SourceNote is the Källa cell of machine formats: the source with the label
// of the computed columns.
func (t *IndicatorTable) SourceNote() string {
	return "Källa: " + t.SourceLabel() + ". " + Label
}

// Counts sums the verdicts of the latest rows of some indicators.
type Counts struct {
	Improved, Worsened, Unchanged, NoVerdict, NoData int
}

// Summarize counts the verdicts of the indicators' latest periods.
func Summarize(ts []*IndicatorTable) Counts {
	var c Counts
	for _, t := range ts {
		r := t.Latest()
		switch {
		case r == nil || r.Value == nil:
			c.NoData++
		case r.Verdict == Improved:
			c.Improved++
		case r.Verdict == Worsened:
			c.Worsened++
		case r.Verdict == Unchanged:
			c.Unchanged++
		default:
			c.NoVerdict++
		}
	}
	return c
}

// Of lists the tables of a målområde.
func (r *Result) Of(malomrade string) []*IndicatorTable {
	var out []*IndicatorTable
	for _, t := range r.Indicators {
		if t.Malomrade.ID == malomrade {
			out = append(out, t)
		}
	}
	return out
}
