// Package catalog reads the indicator catalogue: the indicators of an
// uppdragsplan with their målområde and mål, where their values come from (a
// Kolada KPI or a local indicator code), the direction that counts as an
// improvement, the periods they are reported for and the breakdowns wanted.
// `nyckeltal tables` and `nyckeltal report` show what it lists.
//
// Vård- och omsorgsnämndens uppdragsplan 2024 is built in
// (uppdragsplan-2024.toml, printed by `nyckeltal catalog example`). Kolada
// indicators may be named by title; Resolve and Rewrite put the ids into the
// file (`nyckeltal catalog resolve`).
package catalog

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/indicatorid"

	"github.com/BurntSushi/toml"

	"github.com/nyckeltal/nyckeltal/internal/swedish"
)

// Builtin is the built-in catalogue: Vård- och omsorgsnämndens uppdragsplan 2024.
//
//go:embed uppdragsplan-2024.toml
var Builtin []byte

// BuiltinName names the built-in catalogue in messages and outputs.
const BuiltinName = "uppdragsplan-2024.toml (inbyggd)"

// ErrInvalid marks a catalogue that cannot be used; the message says why.
var ErrInvalid = errors.New("invalid indicator catalogue")

// Direction says which way an indicator improves.
type Direction string

// The two directions of the uppdragsplan ("Mål: Öka / Minska").
const (
	Increase Direction = "öka"
	Decrease Direction = "minska"
)

// Period is a reporting period of the year.
type Period string

// Periods, in the order of the year (kvartal 1 = 1 January–31 March; the
// delår runs from 1 January to the end of local.interim_end_month).
const (
	Quarter1 Period = "kvartal1"
	Quarter2 Period = "kvartal2"
	Quarter3 Period = "kvartal3"
	Quarter4 Period = "kvartal4"
	Interim  Period = "delår"
	Year     Period = "helår"
)

// PeriodOrder sorts periods within a year as a report reads them.
var PeriodOrder = []Period{Quarter1, Quarter2, Interim, Quarter3, Quarter4, Year}

// Label is how tables name a period: "kvartal 1", "delår", "helår".
func (p Period) Label() string {
	if q, ok := strings.CutPrefix(string(p), "kvartal"); ok {
		return "kvartal " + q
	}
	return string(p)
}

// Quarter returns 1–4 for a quarter, else 0.
func (p Period) Quarter() int {
	switch p {
	case Quarter1:
		return 1
	case Quarter2:
		return 2
	case Quarter3:
		return 3
	case Quarter4:
		return 4
	}
	return 0
}

// Breakdown is a split the tables show besides the total.
type Breakdown string

// The breakdowns of the uppdragsplan ("uppdelat på kön och uppdelat mellan
// egen regi och privat utförare", "uppdelad efter de olika verksamhetsområdena").
const (
	ByGender Breakdown = "kön"
	ByRegi   Breakdown = "regi"
	ByUnit   Breakdown = "verksamhetsområde"
)

// Catalog is a whole catalogue file.
type Catalog struct {
	Title        string      `toml:"title"`
	Organisation string      `toml:"organisation"`
	Malomraden   []Malomrade `toml:"malomrade"`
	Mal          []Mal       `toml:"mal"`
	Indicators   []Indicator `toml:"indicator"`
	Scatters     []Scatter   `toml:"scatter"`

	// File is where it was read from; empty for the built-in catalogue.
	File string `toml:"-"`
}

// Malomrade is a målområde.
type Malomrade struct {
	ID   string `toml:"id"`
	Name string `toml:"name"`
}

// Mal is a mål of a målområde.
type Mal struct {
	ID        string `toml:"id"`
	Malomrade string `toml:"malomrade"`
	Name      string `toml:"name"`
}

// Indicator is one entry of the catalogue.
type Indicator struct {
	Code      string `toml:"code"`
	Name      string `toml:"name"`
	Malomrade string `toml:"malomrade"`
	Mal       string `toml:"mal"`
	// Source is a Kolada KPI id or a local indicator code; empty until
	// resolved from KoladaTitle.
	Source       string      `toml:"source"`
	KoladaTitle  string      `toml:"kolada_title"`
	SourceSystem string      `toml:"source_system"`
	Unit         string      `toml:"unit"`
	Direction    Direction   `toml:"direction"`
	Periods      []Period    `toml:"periods"`
	Breakdowns   []Breakdown `toml:"breakdowns"`
	// Area is the NKA area whose "Liknande kommuner" group the indicator is
	// compared with; empty: no peer comparison.
	Area     string `toml:"area"`
	Decimals *int   `toml:"decimals"`
	Note     string `toml:"note"`

	// Complement says that the plan's indicator is the complement of the
	// Kolada KPI: the tables show 100 − its value (the plan's "inte besväras
	// av ensamhet" from Kolada's "besväras ofta av ensamhet"), labelled as
	// egen bearbetning. The direction is the plan's, for the complement.
	Complement bool `toml:"complement"`
	// RegiEgen and RegiPrivat are Kolada KPIs of the same figure for
	// kommunal regi and for privat (enskild) regi, shown as the rows "Egen
	// regi" and "Privat regi" beside the total.
	RegiEgen   string `toml:"regi_egen"`
	RegiPrivat string `toml:"regi_privat"`
	// PreviousSource is the KPI Kolada published the same figure under
	// before it renamed it; the tables use it for the years up to
	// PreviousUntil in which Source has no value, and say so.
	PreviousSource string `toml:"previous_source"`
	PreviousUntil  int    `toml:"previous_until"`
}

// Scatter is a "kostnad och kvalitet" chart of the report.
type Scatter struct {
	Name         string `toml:"name"`
	Area         string `toml:"area"`
	Cost         string `toml:"cost"`
	CostTitle    string `toml:"cost_title"`
	Quality      string `toml:"quality"`
	QualityTitle string `toml:"quality_title"`
}

var (
	codeRe   = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z._-]{0,39}$`)
	areaSlug = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)
)

// IsKoladaID reports whether s is shaped like a Kolada KPI id (N20900).
func IsKoladaID(s string) bool { return indicatorid.IsKolada(s) }

// IsLocalCode reports whether s is a local indicator code (WF_SJUKFRANVARO_TOTALT):
// capitals, digits and _, never shaped like a Kolada id.
func IsLocalCode(s string) bool { return indicatorid.IsLocal(s) }

// IsKolada reports whether the indicator's values come from Kolada: its
// source is a KPI id, or it is named by a Kolada title still to be resolved.
func (i Indicator) IsKolada() bool {
	return IsKoladaID(i.Source) || (i.Source == "" && i.KoladaTitle != "")
}

// Has reports whether the indicator asks for a breakdown.
func (i Indicator) Has(b Breakdown) bool {
	for _, x := range i.Breakdowns {
		if x == b {
			return true
		}
	}
	return false
}

// DecimalsShown is the number of decimals tables show: the entry's, else 0
// for counts and 1 for everything else.
func (i Indicator) DecimalsShown() int {
	if i.Decimals != nil {
		return *i.Decimals
	}
	if swedish.Fold(i.Unit) == "antal" {
		return 0
	}
	return 1
}

// Load reads the catalogue at path; "" is the built-in one.
func Load(path string) (*Catalog, error) {
	if path == "" {
		return Parse(Builtin, "")
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s does not exist (print the built-in one with `nyckeltal catalog example`)", ErrInvalid, path)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the catalogue: %w", err)
	}
	return Parse(b, path)
}

// Parse decodes and checks a catalogue; file names it in errors ("" for the
// built-in one). Unknown keys are errors, as in the configuration.
func Parse(b []byte, file string) (*Catalog, error) {
	name := file
	if name == "" {
		name = BuiltinName
	}
	var c Catalog
	md, err := toml.Decode(string(b), &c)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %w", ErrInvalid, name, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		sort.Strings(keys)
		return nil, fmt.Errorf("%w %s: unknown key(s) %s (see `nyckeltal catalog example` for the keys there are)",
			ErrInvalid, name, strings.Join(keys, ", "))
	}
	c.File = file
	c.normalize()
	if errs := c.validate(); len(errs) > 0 {
		more := ""
		if len(errs) > 20 {
			more = fmt.Sprintf(" (and %d more)", len(errs)-20)
			errs = errs[:20]
		}
		return nil, fmt.Errorf("%w %s: %s%s", ErrInvalid, name, strings.Join(errs, "; "), more)
	}
	return &c, nil
}

func (c *Catalog) normalize() {
	c.Title = strings.TrimSpace(c.Title)
	if c.Title == "" {
		c.Title = "Indikatorer"
	}
	for i := range c.Indicators {
		ind := &c.Indicators[i]
		ind.Code = strings.TrimSpace(ind.Code)
		ind.Name = strings.TrimSpace(ind.Name)
		ind.Source = strings.ToUpper(strings.TrimSpace(ind.Source))
		ind.KoladaTitle = strings.TrimSpace(ind.KoladaTitle)
		ind.Area = strings.TrimSpace(ind.Area)
		ind.RegiEgen = strings.ToUpper(strings.TrimSpace(ind.RegiEgen))
		ind.RegiPrivat = strings.ToUpper(strings.TrimSpace(ind.RegiPrivat))
		ind.PreviousSource = strings.ToUpper(strings.TrimSpace(ind.PreviousSource))
		switch swedish.Fold(string(ind.Direction)) {
		case "oka":
			ind.Direction = Increase
		case "minska":
			ind.Direction = Decrease
		}
		for j, p := range ind.Periods {
			ind.Periods[j] = normalizePeriod(p)
		}
		for j, b := range ind.Breakdowns {
			switch swedish.Fold(string(b)) {
			case "kon", "gender":
				ind.Breakdowns[j] = ByGender
			case "regi":
				ind.Breakdowns[j] = ByRegi
			case "verksamhetsomrade", "enhet":
				ind.Breakdowns[j] = ByUnit
			}
		}
		if ind.Malomrade == "" {
			if m, ok := c.mal(ind.Mal); ok {
				ind.Malomrade = m.Malomrade
			}
		}
	}
	for i := range c.Scatters {
		s := &c.Scatters[i]
		s.Cost = strings.ToUpper(strings.TrimSpace(s.Cost))
		s.Quality = strings.ToUpper(strings.TrimSpace(s.Quality))
		s.CostTitle = strings.TrimSpace(s.CostTitle)
		s.QualityTitle = strings.TrimSpace(s.QualityTitle)
	}
}

func normalizePeriod(p Period) Period {
	switch k := swedish.Fold(string(p)); k {
	case "helar", "ar", "year":
		return Year
	case "delar", "interim":
		return Interim
	default:
		if q, ok := strings.CutPrefix(k, "kvartal"); ok && len(q) == 1 && q >= "1" && q <= "4" {
			return Period("kvartal" + q)
		}
	}
	return p
}

func (c *Catalog) mal(id string) (Mal, bool) {
	for _, m := range c.Mal {
		if m.ID == id {
			return m, true
		}
	}
	return Mal{}, false
}

// MalByID finds a mål.
func (c *Catalog) MalByID(id string) (Mal, bool) { return c.mal(id) }

// MalomradeByID finds a målområde.
func (c *Catalog) MalomradeByID(id string) (Malomrade, bool) {
	for _, m := range c.Malomraden {
		if m.ID == id {
			return m, true
		}
	}
	return Malomrade{}, false
}

// IndicatorsOf lists a målområde's indicators in catalogue order.
func (c *Catalog) IndicatorsOf(malomrade string) []Indicator {
	var out []Indicator
	for _, ind := range c.Indicators {
		if ind.Malomrade == malomrade {
			out = append(out, ind)
		}
	}
	return out
}

// KoladaKPIs lists the Kolada KPI ids the catalogue names (indicators and
// scatters), sorted, so that the Kolada load can fetch them.
func (c *Catalog) KoladaKPIs() []string {
	seen := map[string]bool{}
	add := func(id string) {
		if IsKoladaID(id) {
			seen[id] = true
		}
	}
	for _, ind := range c.Indicators {
		add(ind.Source)
		if IsKoladaID(ind.Source) {
			add(ind.RegiEgen)
			add(ind.RegiPrivat)
			add(ind.PreviousSource)
		}
	}
	for _, s := range c.Scatters {
		add(s.Cost)
		add(s.Quality)
	}
	out := make([]string, 0, len(seen))
	for id := range seen {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func (c *Catalog) validate() []string {
	var errs []string
	add := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if len(c.Malomraden) == 0 {
		add("no [[malomrade]]")
	}
	if len(c.Indicators) == 0 {
		add("no [[indicator]]")
	}
	areas := map[string]bool{}
	for _, m := range c.Malomraden {
		switch {
		case strings.TrimSpace(m.ID) == "":
			add("a [[malomrade]] without id")
		case areas[m.ID]:
			add("målområde %q twice", m.ID)
		case strings.TrimSpace(m.Name) == "":
			add("målområde %q has no name", m.ID)
		}
		areas[m.ID] = true
	}
	mals := map[string]bool{}
	for _, m := range c.Mal {
		switch {
		case strings.TrimSpace(m.ID) == "":
			add("a [[mal]] without id")
		case mals[m.ID]:
			add("mål %q twice", m.ID)
		case !areas[m.Malomrade]:
			add("mål %q: målområde %q is not a [[malomrade]]", m.ID, m.Malomrade)
		case strings.TrimSpace(m.Name) == "":
			add("mål %q has no name", m.ID)
		}
		mals[m.ID] = true
	}
	codes := map[string]bool{}
	for n, ind := range c.Indicators {
		where := fmt.Sprintf("indicator %q", ind.Code)
		if ind.Code == "" {
			where = fmt.Sprintf("indicator number %d", n+1)
		}
		switch {
		case ind.Code == "":
			add("%s has no code", where)
		case !codeRe.MatchString(ind.Code):
			add("%s: a code is letters, digits, '.', '_' or '-' (like 1.1.04)", where)
		case codes[ind.Code]:
			add("%s twice", where)
		}
		codes[ind.Code] = true
		if ind.Name == "" {
			add("%s has no name", where)
		}
		if m, ok := c.mal(ind.Mal); !ok {
			add("%s: mål %q is not a [[mal]]", where, ind.Mal)
		} else if ind.Malomrade != m.Malomrade {
			add("%s: mål %s belongs to målområde %s, not %q", where, m.ID, m.Malomrade, ind.Malomrade)
		}
		switch {
		case ind.Source == "" && ind.KoladaTitle == "":
			add("%s: give source (a Kolada KPI id or a local code) or kolada_title", where)
		case ind.Source != "" && !IsKoladaID(ind.Source) && !IsLocalCode(ind.Source):
			add("%s: source %q is neither a Kolada KPI id (like U23471) nor a local code (capitals, digits and _, like WF_SJUKFRANVARO_TOTALT)", where, ind.Source)
		case IsLocalCode(ind.Source) && ind.KoladaTitle != "":
			add("%s: kolada_title goes with Kolada sources, not the local code %s", where, ind.Source)
		}
		if ind.Direction != Increase && ind.Direction != Decrease {
			add("%s: direction %q: use \"öka\" or \"minska\"", where, ind.Direction)
		}
		if len(ind.Periods) == 0 {
			add("%s: no periods (like [\"delår\", \"helår\"])", where)
		}
		seen := map[Period]bool{}
		for _, p := range ind.Periods {
			switch {
			case !validPeriod(p):
				add("%s: period %q: use kvartal1 … kvartal4, delår or helår", where, p)
			case seen[p]:
				add("%s: period %s twice", where, p)
			case ind.IsKolada() && p != Year:
				add("%s: Kolada publishes yearly values: periods = [\"helår\"], not %s", where, p)
			}
			seen[p] = true
		}
		for _, b := range ind.Breakdowns {
			if b != ByGender && b != ByRegi && b != ByUnit {
				add("%s: breakdown %q: use kön, regi or verksamhetsområde", where, b)
			}
		}
		if ind.Area != "" && !areaSlug.MatchString(ind.Area) {
			add("%s: area %q: an NKA area slug like aldreomsorg or lss", where, ind.Area)
		}
		if ind.Decimals != nil && (*ind.Decimals < 0 || *ind.Decimals > 6) {
			add("%s: decimals %d: 0 to 6", where, *ind.Decimals)
		}
		for _, f := range []struct{ key, id string }{{"regi_egen", ind.RegiEgen}, {"regi_privat", ind.RegiPrivat}, {"previous_source", ind.PreviousSource}} {
			switch {
			case f.id == "":
			case !ind.IsKolada():
				add("%s: %s goes with Kolada sources, not %s", where, f.key, ind.Source)
			case !IsKoladaID(f.id):
				add("%s: %s %q is not a Kolada KPI id (like N28712)", where, f.key, f.id)
			}
		}
		switch {
		case ind.Complement && !ind.IsKolada():
			add("%s: complement (100 − the value) goes with Kolada sources, not %s", where, ind.Source)
		case ind.Complement && swedish.Fold(ind.Unit) != "procent":
			add("%s: complement (100 − the value) needs unit \"procent\", not %q", where, ind.Unit)
		}
		switch {
		case ind.PreviousSource != "" && (ind.PreviousUntil < 1990 || ind.PreviousUntil > 2100):
			add("%s: previous_source needs previous_until, the last year it is used for (like 2023)", where)
		case ind.PreviousSource == "" && ind.PreviousUntil != 0:
			add("%s: previous_until without previous_source", where)
		}
	}
	for n, s := range c.Scatters {
		where := fmt.Sprintf("scatter %q", s.Name)
		if s.Name == "" {
			where = fmt.Sprintf("scatter number %d", n+1)
			add("%s has no name", where)
		}
		for _, f := range []struct{ key, id, title string }{{"cost", s.Cost, s.CostTitle}, {"quality", s.Quality, s.QualityTitle}} {
			switch {
			case f.id == "" && f.title == "":
				add("%s: give %s (a Kolada KPI id) or %s_title", where, f.key, f.key)
			case f.id != "" && !IsKoladaID(f.id):
				add("%s: %s %q is not a Kolada KPI id (like N20900)", where, f.key, f.id)
			}
		}
		if s.Area != "" && !areaSlug.MatchString(s.Area) {
			add("%s: area %q: an NKA area slug like aldreomsorg", where, s.Area)
		}
	}
	return errs
}

func validPeriod(p Period) bool {
	for _, q := range PeriodOrder {
		if p == q {
			return true
		}
	}
	return false
}
