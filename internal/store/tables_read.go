package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// YearValue is a municipality's yearly value of a Kolada KPI (regi alla).
type YearValue struct {
	Indicator   string
	Unit        string
	Year        int
	Gender      string
	Value       *float64
	Preliminary bool
}

// KoladaYearValues reads every municipality's yearly values of the KPIs ids.
func (s *Store) KoladaYearValues(ctx context.Context, ids []string) ([]YearValue, error) {
	out, err := scanRows(ctx, s.db, query("KoladaYearValues"), func(rows *sql.Rows) (YearValue, error) {
		var v YearValue
		return v, rows.Scan(&v.Indicator, &v.Unit, &v.Year, &v.Gender, &v.Value, &v.Preliminary)
	}, ids)
	if err != nil {
		return nil, fmt.Errorf("reading Kolada values: %w", err)
	}
	return out, nil
}

// LocalValue is a value of a local indicator with its period and split.
type LocalValue struct {
	Indicator              string
	UnitKind, UnitID       string
	PeriodType             string
	PeriodStart, PeriodEnd time.Time
	Year                   int
	Gender, Regi           string
	Value                  *float64
	Preliminary            bool
}

// LocalValues reads the local indicators codes of the home municipality and
// of its enheter.
func (s *Store) LocalValues(ctx context.Context, codes []string, home string) ([]LocalValue, error) {
	out, err := scanRows(ctx, s.db, query("LocalValues"), func(rows *sql.Rows) (LocalValue, error) {
		var v LocalValue
		return v, rows.Scan(&v.Indicator, &v.UnitKind, &v.UnitID, &v.PeriodType, &v.PeriodStart, &v.PeriodEnd, &v.Year,
			&v.Gender, &v.Regi, &v.Value, &v.Preliminary)
	}, codes, home)
	if err != nil {
		return nil, fmt.Errorf("reading local values: %w", err)
	}
	return out, nil
}

// LocalIndicators reads the titles, units and source systems of the local
// indicators codes (ID, Title, Unit and SourceSystem are set).
func (s *Store) LocalIndicators(ctx context.Context, codes []string) ([]LocalIndicator, error) {
	out, err := scanRows(ctx, s.db, query("LocalIndicatorInfo"), func(rows *sql.Rows) (LocalIndicator, error) {
		var li LocalIndicator
		return li, rows.Scan(&li.ID, &li.Title, &li.Unit, &li.SourceSystem)
	}, codes)
	if err != nil {
		return nil, fmt.Errorf("reading local indicators: %w", err)
	}
	return out, nil
}

// CostQualityPoint is a municipality's cost and quality in a year.
type CostQualityPoint struct {
	MunicipalityID, Municipality string
	Year                         int
	Cost, Quality                float64
	Preliminary                  bool
}

// CostQualityPairs reads every municipality's (not Riket's) values of the
// KPIs cost and quality in the years it has both, by year and id.
func (s *Store) CostQualityPairs(ctx context.Context, cost, quality string) ([]CostQualityPoint, error) {
	out, err := scanRows(ctx, s.db, query("CostQualityPairs"), func(rows *sql.Rows) (CostQualityPoint, error) {
		var p CostQualityPoint
		return p, rows.Scan(&p.MunicipalityID, &p.Municipality, &p.Year, &p.Cost, &p.Quality, &p.Preliminary)
	}, quality, cost)
	if err != nil {
		return nil, fmt.Errorf("reading cost and quality: %w", err)
	}
	return out, nil
}
