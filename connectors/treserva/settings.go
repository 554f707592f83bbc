package treserva

import (
	"fmt"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"github.com/nyckeltal/nyckeltal/internal/yearrange"
)

// Settings say how Treserva extracts are read and what is computed:
// [local.treserva] of nyckeltal.toml (sample.toml).
type Settings struct {
	// Years computed from an extract ("2023-2025"); empty: the year of the
	// extract date and the year before.
	Years string `toml:"years"`
	// Periods computed for every year: kvartal1 … kvartal4, delår, helår.
	Periods []string `toml:"periods"`
	// Insats texts (substrings, case- and accent-insensitive) of the two
	// groups of decisions; ExcludeInsats removes matches (LSS bostad for barn).
	SaboInsats    []string `toml:"sabo_insats"`
	BSSInsats     []string `toml:"bss_insats"`
	ExcludeInsats []string `toml:"exclude_insats"`
	// SaboMinAge: särskilt boende för äldre counts people of this age or
	// more on the day of the application (Kolada's U23401 does so).
	SaboMinAge int `toml:"sabo_min_age"`
	// Values of the beslut column.
	Granted  []string `toml:"granted"`
	Rejected []string `toml:"rejected"`
	// KeepDecisions stores the pseudonymised decision rows (personal data) in
	// treserva_decision; false keeps only the aggregated indicators.
	KeepDecisions bool `toml:"keep_decisions"`
	// ArchiveExtracts moves loaded extracts to the archive like other files;
	// false deletes them after a successful load (they hold personnummer).
	ArchiveExtracts bool `toml:"archive_extracts"`
	// Columns adds header spellings to the built-in aliases of each field.
	Columns Columns `toml:"columns"`
}

// Columns are extra header spellings per field of an extract.
type Columns struct {
	Personnummer              []string `toml:"personnummer"`
	Kon                       []string `toml:"kon"`
	Insats                    []string `toml:"insats"`
	Lagrum                    []string `toml:"lagrum"`
	Ansokningsdatum           []string `toml:"ansokningsdatum"`
	Beslutsdatum              []string `toml:"beslutsdatum"`
	Beslut                    []string `toml:"beslut"`
	ErbjudetInflyttningsdatum []string `toml:"erbjudet_inflyttningsdatum"`
	Verkstallighetsdatum      []string `toml:"verkstallighetsdatum"`
	Avslutsdatum              []string `toml:"avslutsdatum"`
	Utforare                  []string `toml:"utforare"`
	Regi                      []string `toml:"regi"`
	Enhet                     []string `toml:"enhet"`
}

// Periods are the period names of treserva.periods.
var Periods = []string{"kvartal1", "kvartal2", "kvartal3", "kvartal4", "delår", "helår"}

// DefaultSettings are [local.treserva]'s defaults.
func DefaultSettings() Settings {
	return Settings{
		Years:           "",
		Periods:         []string{"kvartal1", "delår", "helår"},
		SaboInsats:      []string{"särskilt boende", "säbo", "vård- och omsorgsboende", "äldreboende"},
		BSSInsats:       []string{"bostad med särskild service", "gruppbostad", "servicebostad"},
		ExcludeInsats:   []string{"barn"},
		SaboMinAge:      65,
		Granted:         []string{"bifall", "beviljad", "beviljat", "beviljas", "delvis bifall"},
		Rejected:        []string{"avslag", "avslås", "avslaget"},
		KeepDecisions:   true,
		ArchiveExtracts: true,
	}
}

// Problems lists what is wrong with the settings, each as a sentence that
// names its key (local.treserva…); none when they can be used.
func (s Settings) Problems() []string {
	var errs []string
	t := s
	if t.Years != "" {
		if _, err := yearrange.Parse(t.Years, time.Now()); err != nil {
			errs = append(errs, "local.treserva.years: "+err.Error())
		}
	}
	if len(t.Periods) == 0 {
		errs = append(errs, "local.treserva.periods is empty")
	}
	for _, p := range t.Periods {
		ok := false
		for _, known := range Periods {
			ok = ok || swedish.Fold(p) == swedish.Fold(known)
		}
		if !ok {
			errs = append(errs, fmt.Sprintf("local.treserva.periods: %q is not one of %s", p, strings.Join(Periods, ", ")))
		}
	}
	if len(t.SaboInsats) == 0 || len(t.BSSInsats) == 0 {
		errs = append(errs, "local.treserva.sabo_insats and bss_insats must name at least one insats each")
	}
	if len(t.Granted) == 0 || len(t.Rejected) == 0 {
		errs = append(errs, "local.treserva.granted and rejected must name at least one value each")
	}
	if t.SaboMinAge < 0 || t.SaboMinAge > 120 {
		errs = append(errs, fmt.Sprintf("local.treserva.sabo_min_age %d must be between 0 and 120", t.SaboMinAge))
	}
	return errs
}
