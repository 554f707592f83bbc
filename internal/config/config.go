// Package config loads nyckeltal's TOML configuration. Without a file the
// built-in defaults apply; they are identical to nyckeltal.example.toml, which
// a test keeps true.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/transform/nka"

	"github.com/nyckeltal/nyckeltal/internal/yearrange"

	"github.com/nyckeltal/nyckeltal/internal/indicatorid"

	"github.com/BurntSushi/toml"
)

// ErrInvalid marks a configuration that cannot be used; the message says why.
var ErrInvalid = errors.New("invalid configuration")

// Config is the whole configuration file.
type Config struct {
	// HomeMunicipality is the municipality that commands use when none is given.
	HomeMunicipality string         `toml:"home_municipality"`
	Store            StoreConfig    `toml:"store"`
	Kolada           KoladaConfig   `toml:"kolada"`
	Local            LocalConfig    `toml:"local"`
	Schedule         ScheduleConfig `toml:"schedule"`
	Notify           NotifyConfig   `toml:"notify"`
	NKA              NKAConfig      `toml:"nka"`
	Tables           TablesConfig   `toml:"tables"`

	// File is the path the configuration was read from; empty for defaults.
	File string `toml:"-"`
}

// StoreConfig says where the DuckDB file lives.
type StoreConfig struct {
	Path string `toml:"path"`
	// MemoryLimit caps DuckDB's memory in writing commands ("1GB"); beyond it
	// DuckDB spills to disk. Empty leaves DuckDB's default (80 % of RAM).
	MemoryLimit string `toml:"memory_limit"`
}

// KoladaConfig is the Kolada v3 connector's configuration.
type KoladaConfig struct {
	BaseURL string `toml:"base_url"`
	// KPIs are the key figures fetched by `ingest kolada` without --kpi.
	KPIs []string `toml:"kpis"`
	// Municipalities are fetched for; ["all"] asks for every municipality in
	// one request per KPI chunk, which is also what peer comparisons need.
	// A group id (G…) stands for its members.
	Municipalities []string `toml:"municipalities"`
	// Years: "2018-2025", "2018-" (to the current year), "2024" or "2019,2021".
	Years string `toml:"years"`
	// Groups: "all" fetches every municipality group (the "Liknande kommuner"
	// peer groups among them); "none" skips them.
	Groups string `toml:"groups"`
	// Catalogue: "all" keeps the whole KPI catalogue for `kpi search`;
	// "configured" only the KPIs above.
	Catalogue string `toml:"catalogue"`
	// OU fetches organisational-unit data for KPIs that have it, for the
	// municipalities in OUMunicipalities (default: the home municipality).
	OU               bool     `toml:"ou"`
	OUMunicipalities []string `toml:"ou_municipalities"`

	PerPage           int      `toml:"per_page"`
	RateLimit         float64  `toml:"rate_limit"`
	Timeout           Duration `toml:"timeout"`
	MaxAttempts       int      `toml:"max_attempts"`
	RetryWaitMin      Duration `toml:"retry_wait_min"`
	RetryWaitMax      Duration `toml:"retry_wait_max"`
	RetryAfterCap     Duration `toml:"retry_after_cap"`
	IncrementalMargin Duration `toml:"incremental_margin"`
	// ArchiveDir, when set, keeps every raw answer page of every load.
	ArchiveDir string `toml:"archive_dir"`
}

// Duration is a time.Duration written as "30s" or "1h30m" in TOML.
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("duration %q: write it like 30s, 5m or 1h30m", string(b))
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration back.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// DefaultKoladaURL is Kolada's v3 API.
const DefaultKoladaURL = "https://api.kolada.se/v3"

// DefaultKPIs is the nettokostnadsavvikelse family of the built-in NKA areas
// (transform/nka.BuiltinAreas: the total first, then each area's NKA in %
// and mnkr, then each area's net cost per invånare, then invånare), with
// väntetid till särskilt boende and kostnad och kvalitet per verksamhet
// (nka.CostQualityMeasures). Made from those lists, so that the areas are
// defined once.
var DefaultKPIs = defaultKPIs()

func defaultKPIs() []string {
	var total, pairs, netCosts []string
	for _, a := range nka.BuiltinAreas {
		if a.MnkrKPI == "" { // the total (exkl. LSS): an NKA % only
			total = append(total, a.PctKPI)
			continue
		}
		pairs = append(pairs, a.PctKPI, a.MnkrKPI)
		if a.NetCostKPI != "" {
			netCosts = append(netCosts, a.NetCostKPI)
		}
	}
	out := append(append(total, pairs...), netCosts...)
	out = append(out, nka.PopulationKPI, "U23401") // invånare totalt; väntetid till särskilt boende, dagar
	return append(out, nka.CostQualityKPIs()...)
}

// Defaults returns the built-in configuration.
func Defaults() Config {
	return Config{
		HomeMunicipality: "0581",
		Store:            StoreConfig{Path: "data/nyckeltal.duckdb", MemoryLimit: "512MB"},
		Kolada: KoladaConfig{
			BaseURL:           DefaultKoladaURL,
			KPIs:              append([]string(nil), DefaultKPIs...),
			Municipalities:    []string{"all"},
			Years:             "2018-",
			Groups:            "all",
			Catalogue:         "all",
			OUMunicipalities:  []string{},
			PerPage:           5000,
			RateLimit:         5,
			Timeout:           Duration{60 * time.Second},
			MaxAttempts:       6,
			RetryWaitMin:      Duration{1 * time.Second},
			RetryWaitMax:      Duration{30 * time.Second},
			RetryAfterCap:     Duration{2 * time.Minute},
			IncrementalMargin: Duration{24 * time.Hour},
		},
		Local:    DefaultLocal(),
		Schedule: defaultSchedule(),
		Notify:   defaultNotify(),
		NKA:      DefaultNKA(),
		Tables:   DefaultTables(),
	}
}

// DefaultFile is read when no --config is given and it exists.
const DefaultFile = "nyckeltal.toml"

// Load reads the configuration: path when given, else $NYCKELTAL_CONFIG, else
// ./nyckeltal.toml when present, else the defaults. Environment overrides
// (NYCKELTAL_KOLADA_URL) apply last. Relative paths in a file are relative to
// the file's directory, so cron can run from anywhere.
func Load(path string, getenv func(string) string) (Config, error) {
	explicit := path != ""
	if path == "" {
		path = getenv("NYCKELTAL_CONFIG")
		explicit = path != ""
	}
	if path == "" {
		if _, err := os.Stat(DefaultFile); err == nil {
			path = DefaultFile
		}
	}
	cfg := Defaults()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			if explicit && errors.Is(err, os.ErrNotExist) {
				return Config{}, fmt.Errorf("%w: config file %s does not exist (copy nyckeltal.example.toml to start one)", ErrInvalid, path)
			}
			return Config{}, fmt.Errorf("reading config: %w", err)
		}
		if cfg, err = Parse(b); err != nil {
			return Config{}, fmt.Errorf("%s: %w", path, err)
		}
		cfg.File = path
		cfg.resolvePaths(filepath.Dir(path))
	}
	if u := getenv("NYCKELTAL_KOLADA_URL"); u != "" {
		cfg.Kolada.BaseURL = u
	}
	if k := getenv("NYCKELTAL_PSEUDONYM_KEY_FILE"); k != "" {
		cfg.Local.PseudonymKeyFile = k
	}
	if err := cfg.Validate(); err != nil {
		if cfg.File != "" {
			return Config{}, fmt.Errorf("%s: %w", cfg.File, err)
		}
		return Config{}, err
	}
	return cfg, nil
}

// Parse decodes a TOML document over the defaults. Unknown keys are errors,
// because a misspelt key would otherwise be silently ignored.
func Parse(b []byte) (Config, error) {
	cfg := Defaults()
	md, err := toml.Decode(string(b), &cfg)
	if err != nil {
		return Config{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		sort.Strings(keys)
		return Config{}, fmt.Errorf("%w: unknown key(s) %s (see nyckeltal.example.toml for the keys there are)", ErrInvalid, strings.Join(keys, ", "))
	}
	return cfg, nil
}

func (c *Config) resolvePaths(dir string) {
	rel := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	c.Store.Path = rel(c.Store.Path)
	c.Kolada.ArchiveDir = rel(c.Kolada.ArchiveDir)
	c.Local.PseudonymKeyFile = rel(c.Local.PseudonymKeyFile)
	c.Local.InboxDir = rel(c.Local.InboxDir)
	c.Local.ArchiveDir = rel(c.Local.ArchiveDir)
	c.Local.RejectedDir = rel(c.Local.RejectedDir)
	c.Tables.Catalog = rel(c.Tables.Catalog)
	c.NKA.GroupsFile = rel(c.NKA.GroupsFile)
	c.NKA.Sparbeting.Plan = rel(c.NKA.Sparbeting.Plan)
	c.Tables.OutDir = rel(c.Tables.OutDir)
}

var (
	municipalityID = regexp.MustCompile(`^\d{4}$`)
	retiredAPI     = regexp.MustCompile(`/v[12]/?$`)
)

// Validate checks values that would otherwise fail late, mid-load.
func (c *Config) Validate() error {
	var errs []string
	if !municipalityID.MatchString(c.HomeMunicipality) {
		errs = append(errs, fmt.Sprintf("home_municipality %q is not a four-digit municipality id (Norrköping is 0581)", c.HomeMunicipality))
	}
	if c.Store.Path == "" {
		errs = append(errs, "store.path is empty")
	}
	k := c.Kolada
	if !strings.HasPrefix(k.BaseURL, "http://") && !strings.HasPrefix(k.BaseURL, "https://") {
		errs = append(errs, fmt.Sprintf("kolada.base_url %q must start with http:// or https://", k.BaseURL))
	}
	if retiredAPI.MatchString(k.BaseURL) {
		errs = append(errs, fmt.Sprintf("kolada.base_url %q is Kolada's retired v1/v2 API, shut down in 2026; use the v3 API, %s",
			k.BaseURL, DefaultKoladaURL))
	}
	if _, err := ParseKPIs(strings.Join(k.KPIs, ",")); err != nil {
		errs = append(errs, "kolada.kpis: "+err.Error())
	}
	if _, err := ParseMunicipalities(strings.Join(k.Municipalities, ",")); err != nil {
		errs = append(errs, "kolada.municipalities: "+err.Error())
	}
	if _, err := yearrange.Parse(k.Years, time.Now()); err != nil {
		errs = append(errs, "kolada.years: "+err.Error())
	}
	if k.Groups != "all" && k.Groups != "none" {
		errs = append(errs, fmt.Sprintf("kolada.groups %q must be \"all\" or \"none\"", k.Groups))
	}
	if k.Catalogue != "all" && k.Catalogue != "configured" {
		errs = append(errs, fmt.Sprintf("kolada.catalogue %q must be \"all\" or \"configured\"", k.Catalogue))
	}
	if k.PerPage < 1 || k.PerPage > 5000 {
		errs = append(errs, fmt.Sprintf("kolada.per_page %d must be between 1 and 5000 (Kolada answers 422 above 5000)", k.PerPage))
	}
	if k.RateLimit <= 0 {
		errs = append(errs, "kolada.rate_limit must be above 0 requests per second")
	}
	if k.MaxAttempts < 1 {
		errs = append(errs, "kolada.max_attempts must be at least 1")
	}
	if k.Timeout.Duration <= 0 {
		errs = append(errs, "kolada.timeout must be positive")
	}
	if k.RetryWaitMin.Duration <= 0 || k.RetryWaitMax.Duration < k.RetryWaitMin.Duration {
		errs = append(errs, "kolada.retry_wait_min must be positive and at most retry_wait_max")
	}
	for _, m := range k.OUMunicipalities {
		if !municipalityID.MatchString(m) {
			errs = append(errs, fmt.Sprintf("kolada.ou_municipalities: %q is not a four-digit municipality id", m))
		}
	}
	errs = append(errs, c.Local.validate()...)
	errs = append(errs, c.Schedule.validate()...)
	errs = append(errs, c.Notify.validate()...)
	errs = append(errs, c.NKA.validate()...)
	errs = append(errs, c.Tables.validate()...)
	if len(errs) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalid, strings.Join(errs, "; "))
	}
	return nil
}

// ParseKPIs splits "N20900,N20029" into validated KPI ids.
func ParseKPIs(s string) ([]string, error) {
	ids := splitList(s)
	if len(ids) == 0 {
		return nil, errors.New("no KPI ids")
	}
	for i, id := range ids {
		id = strings.ToUpper(id)
		if !indicatorid.IsKolada(id) {
			return nil, fmt.Errorf("%q is not a Kolada KPI id (a letter and five digits, like N20900; find ids with `nyckeltal kpi search`)", id)
		}
		ids[i] = id
	}
	return dedupe(ids), nil
}

// ParseMunicipalities splits "0581,1267" or "all" (returned as nil). Group
// ids (G…) are allowed: the Kolada connector fetches them as their members,
// and v_kolada_group_value computes the group's unweighted mean.
func ParseMunicipalities(s string) ([]string, error) {
	ids := splitList(s)
	if len(ids) == 0 {
		return nil, errors.New("no municipality ids (use all for every municipality)")
	}
	if len(ids) == 1 && strings.EqualFold(ids[0], "all") {
		return nil, nil
	}
	for i, id := range ids {
		id = strings.ToUpper(id)
		if strings.EqualFold(id, "all") {
			return nil, errors.New("all cannot be combined with municipality ids")
		}
		if !municipalityID.MatchString(id) && !indicatorid.IsKoladaGroup(id) {
			return nil, fmt.Errorf("%q is not a municipality id (four digits, like 0581) or a group id (like G36535)", id)
		}
		ids[i] = id
	}
	return dedupe(ids), nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func dedupe(ids []string) []string {
	seen := map[string]bool{}
	out := ids[:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
