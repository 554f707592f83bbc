package config

import (
	"fmt"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/yearrange"
)

// TablesConfig is [tables]: the indicator catalogue, the comparison tables
// of `nyckeltal tables` and the report of `nyckeltal report`, and what
// `nyckeltal run` regenerates after its loads.
type TablesConfig struct {
	// Catalog is the indicator catalogue (TOML); "" is the built-in
	// uppdragsplan 2024.
	Catalog string `toml:"catalog"`
	// Years the tables show: "" every year with values, or "2019-2024".
	Years string `toml:"years"`
	// Formats `nyckeltal tables` writes without --format.
	Formats []string `toml:"formats"`
	// Excel writes CSV for Swedish Excel (";", decimal comma, BOM).
	Excel bool `toml:"excel"`
	// OutDir, when set, makes `nyckeltal run` (the job "derived") write the
	// home municipality's tables to OutDir/tabeller/ and its report to
	// OutDir/rapport.html.
	OutDir string `toml:"out_dir"`
}

// DefaultTables is the built-in [tables] section.
func DefaultTables() TablesConfig {
	return TablesConfig{Formats: []string{"csv", "xlsx", "md", "html"}}
}

var tableFormats = map[string]bool{"csv": true, "xlsx": true, "md": true, "html": true}

func (t TablesConfig) validate() []string {
	var errs []string
	if len(t.Formats) == 0 {
		errs = append(errs, "tables.formats is empty (use csv, xlsx, md and/or html)")
	}
	for _, f := range t.Formats {
		if !tableFormats[f] {
			errs = append(errs, fmt.Sprintf("tables.formats: %q is not csv, xlsx, md or html", f))
		}
	}
	if t.Years != "" {
		if _, err := yearrange.Parse(t.Years, time.Now()); err != nil {
			errs = append(errs, "tables.years: "+err.Error())
		}
	}
	return errs
}
