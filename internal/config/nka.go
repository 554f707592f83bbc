package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/indicatorid"
)

// NKAConfig is the [nka] section: the nettokostnadsavvikelse comparison
// against liknande kommuner (`nyckeltal gap`) and the sparbeting it sizes.
type NKAConfig struct {
	// Comparator: mean, median, riket, liknande, liknande:YYYY (the
	// Liknande kommuner group of that year, for every later year), lan
	// (the county), a Kolada group id (like G36535) or the name of a group
	// of one's own (Groups, GroupsFile).
	Comparator string `toml:"comparator"`
	// Target: "" (the comparator's own: the median for median, else the
	// mean), mean, median, pNN (a percentile) or share:X (close the share X
	// of the gap to the mean; share:X:median to the median).
	Target string `toml:"target"`
	// PeerTrend: hold (the comparison set's NKA stays at the base year's
	// level) or linear:N (it follows its trend over the last N years).
	PeerTrend string `toml:"peer_trend"`
	// Groups are comparison groups of one's own, keyed by name
	// ([nka.groups.skane_sma]); GroupsFile is a CSV of grupp;år;kommun with
	// more of them.
	Groups     map[string]NKAGroupConfig `toml:"groups"`
	GroupsFile string                    `toml:"groups_file"`
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

// NKAGroupConfig is a comparison group of one's own: its members (ids or
// names) for every year, or per year (Years, keyed "2022").
type NKAGroupConfig struct {
	Title   string              `toml:"title"`
	Members []string            `toml:"members"`
	Years   map[string][]string `toml:"years"`
}

// SparbetingConfig holds the defaults of `nyckeltal sparbeting`.
type SparbetingConfig struct {
	Areas      []string `toml:"areas"`
	TargetYear int      `toml:"target_year"`
	// Profile: even, front, or weights per budget year like "50,30,20".
	Profile string `toml:"profile"`
	// Plan is an åtgärdsplan (CSV) that `nyckeltal report` sets against
	// the glide path; "" for none.
	Plan string `toml:"plan"`
}

// DefaultNKA is the built-in [nka] section.
func DefaultNKA() NKAConfig {
	return NKAConfig{
		Comparator:   "mean",
		Target:       "",
		PeerTrend:    "hold",
		Groups:       map[string]NKAGroupConfig{},
		MinAbsNKAPct: 0.5,
		Sparbeting: SparbetingConfig{
			Areas:      []string{"aldreomsorg", "ifo"},
			TargetYear: 2027,
			Profile:    "even",
		},
	}
}

var (
	comparatorPattern = regexp.MustCompile(`^(?i:mean|median|riket|liknande|liknande:(?:19|20)\d{2}|lan|län|G\d+)$`)
	groupNamePattern  = regexp.MustCompile(`^[a-zåäö][a-zåäö0-9_-]*$`)
	targetPattern     = regexp.MustCompile(`^(?i:|mean|median|p[1-9]\d?|share:(?:0?[.,]\d+|1|1[.,]0*)(?::(?:mean|median|p[1-9]\d?))?)$`)
	peerTrendPattern  = regexp.MustCompile(`^(?i:hold|linear:(?:[2-9]|[12]\d|30))$`)
)

// validate checks what can be checked without the built-in areas (those
// live in transform/nka, which resolves the overrides and reports the rest).
func (n NKAConfig) validate() []string {
	var errs []string
	_, own := n.Groups[strings.ToLower(n.Comparator)]
	switch {
	case comparatorPattern.MatchString(n.Comparator) || own:
	case n.GroupsFile != "" && groupNamePattern.MatchString(strings.ToLower(n.Comparator)):
		// a group of the groups file, checked when it is read
	default:
		errs = append(errs, fmt.Sprintf("nka.comparator %q must be mean, median, riket, liknande, liknande:2022, lan, "+
			"a group id like G36535 or the name of a group in [nka.groups]", n.Comparator))
	}
	if !targetPattern.MatchString(strings.ReplaceAll(n.Target, " ", "")) {
		errs = append(errs, fmt.Sprintf("nka.target %q must be \"\" (the comparator's own), mean, median, p25 (a percentile) or share:0.5", n.Target))
	}
	if !peerTrendPattern.MatchString(strings.ReplaceAll(n.PeerTrend, " ", "")) {
		errs = append(errs, fmt.Sprintf("nka.peer_trend %q must be hold or linear:N (N from 2 to 30 years)", n.PeerTrend))
	}
	for name, g := range n.Groups {
		switch {
		case !groupNamePattern.MatchString(name) || comparatorPattern.MatchString(name) || strings.HasPrefix(name, "liknande"):
			errs = append(errs, fmt.Sprintf("nka.groups.%s: name a group with lower-case letters, digits, - or _, and not like a built-in comparator", name))
		case len(g.Members) > 0 && len(g.Years) > 0:
			errs = append(errs, fmt.Sprintf("nka.groups.%s: give members or years, not both", name))
		case len(g.Members) == 0 && len(g.Years) == 0:
			errs = append(errs, fmt.Sprintf("nka.groups.%s has no members", name))
		}
		for y, ms := range g.Years {
			if yy, err := strconv.Atoi(y); err != nil || yy < 1900 || yy > 2100 {
				errs = append(errs, fmt.Sprintf("nka.groups.%s.years: %q is not a year", name, y))
			} else if len(ms) == 0 {
				errs = append(errs, fmt.Sprintf("nka.groups.%s.years.%s has no members", name, y))
			}
		}
	}
	if n.MinAbsNKAPct < 0 {
		errs = append(errs, "nka.min_abs_nka_pct must be 0 or more")
	}
	for slug, a := range n.Areas {
		for name, p := range map[string]*string{"pct_kpi": a.PctKPI, "mnkr_kpi": a.MnkrKPI, "net_cost_kpi": a.NetCostKPI} {
			if p == nil || (name != "pct_kpi" && *p == "") {
				continue
			}
			if !indicatorid.IsKolada(strings.ToUpper(*p)) {
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
