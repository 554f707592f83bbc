package config

import (
	"fmt"
	"regexp"
	"strings"
)

// NKAConfig is the [nka] section: the nettokostnadsavvikelse comparison
// against liknande kommuner (`nyckeltal gap`) and the sparbeting it sizes.
type NKAConfig struct {
	// Comparator: mean, median, riket or a group id (like G36535).
	Comparator string `toml:"comparator"`
	// MinAbsNKAPct: below this |NKA %| the reference cost implied by
	// NKA mnkr / (NKA % / 100) is too unstable to use and is left NULL.
	MinAbsNKAPct float64 `toml:"min_abs_nka_pct"`
	// Areas change a built-in area or add one, keyed by slug
	// ([nka.areas.aldreomsorg]); unset fields keep the built-in value.
	Areas      map[string]NKAAreaConfig `toml:"areas"`
	Sparbeting SparbetingConfig         `toml:"sparbeting"`
}

// NKAAreaConfig overrides or defines one area. nil keeps the built-in value.
type NKAAreaConfig struct {
	Title   *string `toml:"title"`
	PctKPI  *string `toml:"pct_kpi"`
	MnkrKPI *string `toml:"mnkr_kpi"` // "" for an area without an mnkr figure
	// NetCostKPI is the area's net cost in kr per invånare, for the second
	// derivation of the reference cost ("" for none).
	NetCostKPI   *string  `toml:"net_cost_kpi"`
	GroupTitle   *string  `toml:"group_title"`
	MinAbsNKAPct *float64 `toml:"min_abs_nka_pct"`
}

// SparbetingConfig holds the defaults of `nyckeltal sparbeting`.
type SparbetingConfig struct {
	Areas      []string `toml:"areas"`
	TargetYear int      `toml:"target_year"`
	// Profile: even, front, or weights per budget year like "50,30,20".
	Profile string `toml:"profile"`
}

// DefaultNKA is the built-in [nka] section.
func DefaultNKA() NKAConfig {
	return NKAConfig{
		Comparator:   "mean",
		MinAbsNKAPct: 0.5,
		Sparbeting: SparbetingConfig{
			Areas:      []string{"aldreomsorg", "ifo"},
			TargetYear: 2027,
			Profile:    "even",
		},
	}
}

var comparatorPattern = regexp.MustCompile(`^(?i:mean|median|riket|G\d+)$`)

// validate checks what can be checked without the built-in areas (those
// live in transform/nka, which resolves the overrides and reports the rest).
func (n NKAConfig) validate() []string {
	var errs []string
	if !comparatorPattern.MatchString(n.Comparator) {
		errs = append(errs, fmt.Sprintf("nka.comparator %q must be mean, median, riket or a group id like G36535", n.Comparator))
	}
	if n.MinAbsNKAPct < 0 {
		errs = append(errs, "nka.min_abs_nka_pct must be 0 or more")
	}
	for slug, a := range n.Areas {
		for name, p := range map[string]*string{"pct_kpi": a.PctKPI, "mnkr_kpi": a.MnkrKPI, "net_cost_kpi": a.NetCostKPI} {
			if p == nil || (name != "pct_kpi" && *p == "") {
				continue
			}
			if !kpiID.MatchString(strings.ToUpper(*p)) {
				errs = append(errs, fmt.Sprintf("nka.areas.%s.%s %q is not a Kolada KPI id (like N20900)", slug, name, *p))
			}
		}
		if a.MinAbsNKAPct != nil && *a.MinAbsNKAPct < 0 {
			errs = append(errs, fmt.Sprintf("nka.areas.%s.min_abs_nka_pct must be 0 or more", slug))
		}
	}
	if len(n.Sparbeting.Areas) == 0 {
		errs = append(errs, "nka.sparbeting.areas is empty (the seed's are [\"aldreomsorg\", \"ifo\"])")
	}
	if n.Sparbeting.TargetYear < 1900 || n.Sparbeting.TargetYear > 2100 {
		errs = append(errs, fmt.Sprintf("nka.sparbeting.target_year %d is not a year", n.Sparbeting.TargetYear))
	}
	return errs
}
