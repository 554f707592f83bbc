// Package nka computes nettokostnadsavvikelse (NKA) gaps against "Liknande
// kommuner" and the sparbeting they size.
//
// The per-row computation (NKA per municipality, area and year; the peer
// groups and which one applies to a year; peer mean and median; gap in
// percentage points and mnkr) lives once, set-based, in the table macros of
// sql/views/040_nka.sql, which also back the analysts' views v_nka,
// v_peer_group and v_nka_gap. This package queries them with typed results
// and does what is not a per-row computation: validating and resolving the
// request (areas, comparator, --group overrides, --as-of), the sparbeting
// with its glide path, the omräkning between base years, and the comparison
// with an åtgärdsplan.
package nka

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/indicatorid"

	"github.com/nyckeltal/nyckeltal/internal/grouptitle"
	"github.com/nyckeltal/nyckeltal/internal/store"
)

// Label goes on every table and file that holds a computed figure.
const Label = "Källa: Kolada (RKA). Beräkningar: egen bearbetning."

// DefaultMinAbsPct is the |NKA %| below which the implied reference cost
// nka_mnkr / (nka_pct / 100) is not computed. Kolada rounds NKA % to four
// decimals; at 0.5 % that is a relative error of at most 0.01 %, while a
// percentage printed with one decimal would already be off by 10 %.
const DefaultMinAbsPct = 0.5

// PopulationKPI is Kolada's invånare totalt (31/12), by which the areas'
// net cost per invånare becomes mnkr.
const PopulationKPI = "N01951"

// Area is a verksamhet with its Kolada NKA key figures, the words its
// "Liknande kommuner" group titles name it by, and its net cost per
// invånare (the second derivation of the reference cost).
type Area struct {
	Slug    string `json:"area"`
	Title   string `json:"title"`
	PctKPI  string `json:"pct_kpi"`
	MnkrKPI string `json:"mnkr_kpi"` // empty: Kolada has no mnkr figure
	// NetCostKPI is the area's net cost in kr per invånare; empty: none.
	NetCostKPI string `json:"net_cost_kpi"`
	// PopulationKPI turns NetCostKPI into mnkr (PopulationKPI unless set).
	PopulationKPI string  `json:"population_kpi"`
	GroupTitle    string  `json:"group_title"`
	MinAbsPct     float64 `json:"min_abs_pct"`
	SortOrder     int     `json:"sort_order"`
}

// GroupKeys are the normalised words a group title may name the area by:
// those of group_title without "Liknande kommuner" (the configuration's
// way) and those of the area's title (Kolada's way: IFO is also "individ-
// och familjeomsorg"). They are compared with grouptitle.AreaKey of the
// title's area.
func (a Area) GroupKeys() []string {
	var out []string
	for _, s := range append([]string{a.GroupTitle, a.Title}, builtinGroupWords[a.Slug]...) {
		if k := grouptitle.AreaKey(s); k != "" && !containsString(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// builtinGroupWords are other ways Kolada writes a built-in area: the
// operating area of N00097 ("Kommunen, övergripande"), the verksamhet's
// name in the kostnadsutjämning ("vård och omsorg om äldre").
var builtinGroupWords = map[string][]string{
	"aldreomsorg":  {"vård och omsorg om äldre"},
	"overgripande": {"Kommunen, övergripande", "totalt"},
}

func containsString(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// BuiltinAreas are the eight NKA areas Kolada publishes: their one
// definition. Every writer writes them, with the configuration's overrides,
// into nka_area (which the views read) before anything else
// (app.SyncNKAAreas), and the configuration's default Kolada KPIs are made
// from them (config.DefaultKPIs). The rows the migrations 0004 and 0006
// seeded into nka_area once are history: a writer replaces them before its
// store is published. The net-cost KPIs are Kolada's "Nettokostnad …,
// kr/inv" of the same verksamhet as the NKA (LSS: N28016 also holds
// assistansersättning enligt SFB; its estimate is to be read with that in
// mind, beside the other derivation where both exist).
var BuiltinAreas = []Area{
	{"aldreomsorg", "äldreomsorg", "N20900", "N20029", "N20014", PopulationKPI, "Liknande kommuner äldreomsorg", DefaultMinAbsPct, 1},
	{"ifo", "individ- och familjeomsorg", "N30001", "N30026", "N30005", PopulationKPI, "Liknande kommuner IFO", DefaultMinAbsPct, 2},
	{"lss", "LSS", "N28018", "N28021", "N28016", PopulationKPI, "Liknande kommuner LSS", DefaultMinAbsPct, 3},
	{"forskola", "förskola inkl. öppen förskola", "N11024", "N11038", "N11031", PopulationKPI, "Liknande kommuner förskola", DefaultMinAbsPct, 4},
	{"fritidshem", "fritidshem inkl. öppen fritidsverksamhet", "N13020", "N13032", "N13027", PopulationKPI, "Liknande kommuner fritidshem", DefaultMinAbsPct, 5},
	{"grundskola", "grundskola F-9", "N15001", "N15045", "N15028", PopulationKPI, "Liknande kommuner grundskola", DefaultMinAbsPct, 6},
	{"gymnasieskola", "gymnasieskola", "N17001", "N17030", "N17014", PopulationKPI, "Liknande kommuner gymnasieskola", DefaultMinAbsPct, 7},
	{"overgripande", "totalt (exkl. LSS)", "N00097", "", "", "", "Liknande kommuner, övergripande", DefaultMinAbsPct, 8},
}

// AreaOverride changes or adds an area; nil fields keep the built-in value.
type AreaOverride struct {
	Title      *string
	PctKPI     *string
	MnkrKPI    *string // "" removes the mnkr figure
	NetCostKPI *string // "" removes the net-cost figure
	GroupTitle *string
	MinAbsPct  *float64
}

// ErrInvalidArea marks an area definition that cannot be used.
var ErrInvalidArea = errors.New("invalid NKA area")

var (
	slugPattern = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)
)

// ResolveAreas applies overrides to the built-in areas: an override of a
// built-in slug changes the fields it sets; a new slug adds an area, which
// must then set pct_kpi and group_title. minAbsPct applies to every area that
// does not set its own.
func ResolveAreas(minAbsPct float64, overrides map[string]AreaOverride) ([]Area, error) {
	if minAbsPct < 0 {
		return nil, fmt.Errorf("%w: min_abs_nka_pct %v must be 0 or more", ErrInvalidArea, minAbsPct)
	}
	areas := make([]Area, len(BuiltinAreas))
	copy(areas, BuiltinAreas)
	for i := range areas {
		areas[i].MinAbsPct = minAbsPct
	}
	slugs := make([]string, 0, len(overrides))
	for s := range overrides {
		slugs = append(slugs, s)
	}
	sort.Strings(slugs)
	var errs []string
	for _, slug := range slugs {
		o := overrides[slug]
		i := indexOfArea(areas, slug)
		if i < 0 {
			if !slugPattern.MatchString(slug) {
				errs = append(errs, fmt.Sprintf("area %q: use lower-case letters, digits, - or _ (like aldreomsorg)", slug))
				continue
			}
			areas = append(areas, Area{Slug: slug, Title: slug, MinAbsPct: minAbsPct, SortOrder: len(areas) + 1})
			i = len(areas) - 1
		}
		a := &areas[i]
		if o.Title != nil {
			a.Title = *o.Title
		}
		if o.PctKPI != nil {
			a.PctKPI = strings.ToUpper(strings.TrimSpace(*o.PctKPI))
		}
		if o.MnkrKPI != nil {
			a.MnkrKPI = strings.ToUpper(strings.TrimSpace(*o.MnkrKPI))
		}
		if o.NetCostKPI != nil {
			a.NetCostKPI = strings.ToUpper(strings.TrimSpace(*o.NetCostKPI))
		}
		a.PopulationKPI = ""
		if a.NetCostKPI != "" {
			a.PopulationKPI = PopulationKPI
		}
		if o.GroupTitle != nil {
			a.GroupTitle = strings.TrimSpace(*o.GroupTitle)
		}
		if o.MinAbsPct != nil {
			a.MinAbsPct = *o.MinAbsPct
		}
		if !indicatorid.IsKolada(a.PctKPI) {
			errs = append(errs, fmt.Sprintf("area %s: pct_kpi %q is not a Kolada KPI id (like N20900)", slug, a.PctKPI))
		}
		if a.MnkrKPI != "" && !indicatorid.IsKolada(a.MnkrKPI) {
			errs = append(errs, fmt.Sprintf("area %s: mnkr_kpi %q is not a Kolada KPI id (like N20029; \"\" for none)", slug, a.MnkrKPI))
		}
		if a.NetCostKPI != "" && !indicatorid.IsKolada(a.NetCostKPI) {
			errs = append(errs, fmt.Sprintf("area %s: net_cost_kpi %q is not a Kolada KPI id (like N20014; \"\" for none)", slug, a.NetCostKPI))
		}
		if grouptitle.AreaKey(a.GroupTitle) == "" {
			errs = append(errs, fmt.Sprintf("area %s: group_title %q names no area (the words its \"Liknande kommuner\" group titles name it by, like \"Liknande kommuner äldreomsorg\")", slug, a.GroupTitle))
		}
		if a.MinAbsPct < 0 {
			errs = append(errs, fmt.Sprintf("area %s: min_abs_nka_pct must be 0 or more", slug))
		}
	}
	// a group title must name one area only
	owner := map[string]string{}
	for _, a := range areas {
		for _, k := range a.GroupKeys() {
			if prev, ok := owner[k]; ok && prev != a.Slug {
				errs = append(errs, fmt.Sprintf("areas %s and %s are both named %q in group titles: give them different group_title and title", prev, a.Slug, k))
				continue
			}
			owner[k] = a.Slug
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrInvalidArea, strings.Join(errs, "; "))
	}
	return areas, nil
}

func indexOfArea(areas []Area, slug string) int {
	for i, a := range areas {
		if a.Slug == slug {
			return i
		}
	}
	return -1
}

// StoreAreas are areas as the store's nka_area rows (and the macros'
// areas_json argument) hold them.
func StoreAreas(areas []Area) []store.NKAArea {
	out := make([]store.NKAArea, len(areas))
	for i, a := range areas {
		out[i] = store.NKAArea{Area: a.Slug, Title: a.Title, PctKPI: a.PctKPI, MnkrKPI: a.MnkrKPI, NetCostKPI: a.NetCostKPI,
			PopulationKPI: a.PopulationKPI, GroupTitle: a.GroupTitle, GroupKeys: a.GroupKeys(), MinAbsPct: a.MinAbsPct,
			SortOrder: a.SortOrder}
	}
	return out
}

// NormalizeSlug maps what a person types to a slug: "Äldreomsorg" and
// "äldreomsorg" both give "aldreomsorg", "IFO" gives "ifo".
func NormalizeSlug(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.NewReplacer("å", "a", "ä", "a", "ö", "o", "é", "e", " ", "").Replace(s)
}

// SelectAreas picks areas by slug, in the order given; empty picks all.
func SelectAreas(all []Area, slugs []string) ([]Area, error) {
	if len(slugs) == 0 {
		return all, nil
	}
	var out []Area
	seen := map[string]bool{}
	for _, s := range slugs {
		n := NormalizeSlug(s)
		i := indexOfArea(all, n)
		if i < 0 {
			return nil, fmt.Errorf("%w: no area %q; the areas are %s", ErrUnknownArea, s, strings.Join(Slugs(all), ", "))
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, all[i])
		}
	}
	return out, nil
}

// Slugs lists the areas' slugs.
func Slugs(areas []Area) []string {
	out := make([]string, len(areas))
	for i, a := range areas {
		out[i] = a.Slug
	}
	return out
}

// AreaBySlug finds an area.
func AreaBySlug(areas []Area, slug string) (Area, bool) {
	if i := indexOfArea(areas, slug); i >= 0 {
		return areas[i], true
	}
	return Area{}, false
}
