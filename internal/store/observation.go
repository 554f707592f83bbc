package store

import (
	"errors"
	"fmt"
	"time"
)

// UnitKind says what an observation's unit id names.
type UnitKind string

// The unit kinds of the observation table.
const (
	UnitMunicipality UnitKind = "municipality" // a kommun, a region, or Riket (0000)
	UnitGroup        UnitKind = "group"        // a Kolada municipality group (its unweighted mean)
	UnitOU           UnitKind = "ou"           // a Kolada organisational unit
	UnitLocal        UnitKind = "local_unit"   // an enhet of the municipality's own systems
)

// PeriodType is the kind of period a value covers.
type PeriodType string

// The period types of the observation table.
const (
	PeriodYear    PeriodType = "year"
	PeriodInterim PeriodType = "interim" // delår: from 1 January to the end of a month
	PeriodQuarter PeriodType = "quarter"
	PeriodMonth   PeriodType = "month"
)

// Regi values: Kolada does not split by regi; local sources may.
const (
	RegiAll     = "alla"
	RegiEgen    = "egen"
	RegiPrivat  = "privat"
	GenderTotal = "T"
	GenderWomen = "K"
	GenderMen   = "M"
)

// Period is a reporting period with inclusive start and end dates.
type Period struct {
	Type  PeriodType
	Start time.Time
	End   time.Time
	Year  int
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// YearPeriod is a calendar year.
func YearPeriod(year int) Period {
	return Period{Type: PeriodYear, Start: date(year, 1, 1), End: date(year, 12, 31), Year: year}
}

// QuarterPeriod is quarter q (1–4) of year.
func QuarterPeriod(year, q int) Period {
	start := date(year, time.Month(3*(q-1)+1), 1)
	return Period{Type: PeriodQuarter, Start: start, End: start.AddDate(0, 3, -1), Year: year}
}

// MonthPeriod is one calendar month.
func MonthPeriod(year int, m time.Month) Period {
	start := date(year, m, 1)
	return Period{Type: PeriodMonth, Start: start, End: start.AddDate(0, 1, -1), Year: year}
}

// InterimPeriod is a delår: 1 January to the last day of endMonth (usually
// August, sometimes April or June).
func InterimPeriod(year int, endMonth time.Month) Period {
	return Period{Type: PeriodInterim, Start: date(year, 1, 1), End: date(year, endMonth+1, 1).AddDate(0, 0, -1), Year: year}
}

// Observation is one value of one indicator for one unit, period, gender and regi.
type Observation struct {
	Source      string
	IndicatorID string
	UnitKind    UnitKind
	UnitID      string
	Period      Period
	Gender      string
	Regi        string
	Value       *float64 // nil is a missing value, never 0
	Count       *int64
	Status      string
	Preliminary bool
	// Deleted ends the current version of this key (Kolada's isdeleted).
	Deleted bool
}

// ErrInvalidObservation is returned when an observation cannot be stored.
var ErrInvalidObservation = errors.New("invalid observation")

// Validate checks the fields the observation table constrains.
func (o *Observation) Validate() error {
	bad := func(field, val string) error {
		return fmt.Errorf("%w: %s %q (indicator %s, unit %s)", ErrInvalidObservation, field, val, o.IndicatorID, o.UnitID)
	}
	switch {
	case o.Source == "":
		return bad("source", o.Source)
	case o.IndicatorID == "":
		return bad("indicator id", o.IndicatorID)
	case o.UnitID == "":
		return bad("unit id", o.UnitID)
	}
	switch o.UnitKind {
	case UnitMunicipality, UnitGroup, UnitOU, UnitLocal:
	default:
		return bad("unit kind", string(o.UnitKind))
	}
	switch o.Period.Type {
	case PeriodYear, PeriodInterim, PeriodQuarter, PeriodMonth:
	default:
		return bad("period type", string(o.Period.Type))
	}
	if o.Period.Start.IsZero() || o.Period.End.Before(o.Period.Start) {
		return bad("period", o.Period.Start.Format(time.DateOnly)+".."+o.Period.End.Format(time.DateOnly))
	}
	switch o.Gender {
	case GenderTotal, GenderWomen, GenderMen:
	default:
		return bad("gender", o.Gender)
	}
	switch o.Regi {
	case RegiAll, RegiEgen, RegiPrivat:
	default:
		return bad("regi", o.Regi)
	}
	return nil
}

// Scope declares that a load delivers the whole of a slice of the data: when
// the load commits, current values inside the scope that it did not deliver
// are ended. UnitID "" covers every unit of the kind; a zero PeriodStart
// covers every period of the type in the year (a file of quarter 1 sets it, so
// that it does not end quarter 2).
type Scope struct {
	Source      string
	IndicatorID string
	UnitKind    UnitKind
	UnitID      string
	PeriodType  PeriodType
	Year        int
	PeriodStart time.Time
}

// Coverage records that a load fetched an indicator for a unit scope and
// year in full or incrementally, so the next load may ask for changes only.
type Coverage struct {
	Source      string
	IndicatorID string
	Scope       string
	Year        int
}
