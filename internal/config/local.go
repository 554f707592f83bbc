package config

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/swedish"
)

// LocalConfig is [local]: the municipality's own files — WebFOCUS reports,
// Treserva extracts and long indicator files — and the inbox they arrive in.
type LocalConfig struct {
	// PseudonymKeyFile holds the key of the personnummer pseudonyms, outside
	// the database. $NYCKELTAL_PSEUDONYM_KEY_FILE overrides it.
	PseudonymKeyFile string `toml:"pseudonym_key_file"`
	// PersonnummerInText says what a personnummer or samordningsnummer in a
	// text field of a local file (outside Treserva's personnummer column)
	// does: "refuse" the file, naming line and column, or "mask" the field.
	PersonnummerInText string `toml:"personnummer_in_text"`
	// InboxDir has one directory per source: webfocus/, treserva/, indikatorer/.
	InboxDir    string `toml:"inbox_dir"`
	ArchiveDir  string `toml:"archive_dir"`
	RejectedDir string `toml:"rejected_dir"`
	// InboxSettle is how long an inbox file must have been left alone (its
	// size, modification and change times) before it is loaded: a file
	// still being copied is left for the next run.
	InboxSettle Duration `toml:"inbox_settle"`
	// InterimEndMonth is the last month of the delår (8: January–August).
	InterimEndMonth int `toml:"interim_end_month"`
	// MunicipalityUnits are enhet values that mean the whole municipality;
	// rows without an enhet mean it too.
	MunicipalityUnits []string `toml:"municipality_units"`

	Regi     LocalRegiConfig `toml:"regi"`
	Limits   LocalLimits     `toml:"limits"`
	WebFOCUS WebFOCUSConfig  `toml:"webfocus"`
	Treserva TreservaConfig  `toml:"treserva"`
}

// LocalLimits bound the work one local file may cause; a file beyond a
// limit is refused with its reason, quickly and before the store is locked.
type LocalLimits struct {
	MaxFileMB        int64 `toml:"max_file_mb"`        // the largest file read
	MaxRows          int   `toml:"max_rows"`           // rows of a table
	MaxCells         int64 `toml:"max_cells"`          // cells of a table, all rows together
	MaxColumns       int   `toml:"max_columns"`        // cells of one row
	MaxRowKB         int   `toml:"max_row_kb"`         // one row of text, one cell, one HTML or XML token
	MaxSharedStrings int   `toml:"max_shared_strings"` // shared strings of an XLSX workbook
	MaxUnpackedMB    int64 `toml:"max_unpacked_mb"`    // what an XLSX workbook unpacks to
	MaxNesting       int   `toml:"max_nesting"`        // nested HTML tables, nested XML elements
}

// LocalRegiConfig lists how files write egen regi and privat utförare.
type LocalRegiConfig struct {
	Egen   []string `toml:"egen"`
	Privat []string `toml:"privat"`
}

// WebFOCUSConfig maps the columns of WebFOCUS report exports.
type WebFOCUSConfig struct {
	// Headings of the dimension columns, matched case- and accent-insensitively
	// and ignoring spaces and punctuation.
	UnitColumns        []string `toml:"unit_columns"`
	PeriodColumns      []string `toml:"period_columns"`
	PeriodStartColumns []string `toml:"period_start_columns"`
	PeriodEndColumns   []string `toml:"period_end_columns"`
	GenderColumns      []string `toml:"gender_columns"`
	RegiColumns        []string `toml:"regi_columns"`
	// Indicators maps local indicator codes to the column headings that hold
	// them. An entry in a configuration file replaces the default entry of the
	// same code; columns = [] switches a default off.
	Indicators map[string]WebFOCUSIndicator `toml:"indicators"`
	// Layouts name the columns of exports without a heading row (HOLD FORMAT
	// COMMA or TAB): `--layout NAME`, or the one layout with the file's width.
	Layouts map[string][]string `toml:"layouts"`
}

// WebFOCUSIndicator is one indicator of WebFOCUS reports.
type WebFOCUSIndicator struct {
	Name    string   `toml:"name"`
	Unit    string   `toml:"unit"`
	Columns []string `toml:"columns"`
}

// TreservaConfig says how Treserva extracts are read and what is computed.
type TreservaConfig struct {
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
	Columns TreservaColumns `toml:"columns"`
}

// TreservaColumns are extra header spellings per field of an extract.
type TreservaColumns struct {
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

// TreservaPeriods are the period names of treserva.periods.
var TreservaPeriods = []string{"kvartal1", "kvartal2", "kvartal3", "kvartal4", "delår", "helår"}

// DefaultWebFOCUSIndicators are the WebFOCUS indicators of the uppdragsplan.
func DefaultWebFOCUSIndicators() map[string]WebFOCUSIndicator {
	return map[string]WebFOCUSIndicator{
		"WF_SJUKFRANVARO_TOTALT": {Name: "Sjukfrånvaro totalt", Unit: "procent",
			Columns: []string{"Sjukfrånvaro totalt", "Total sjukfrånvaro", "Sjukfrånvaro %", "SJUKFRANVARO_TOT"}},
		"WF_SJUKFRANVARO_LT15": {Name: "Sjukfrånvaro totalt, varav <15 dagar", Unit: "procent",
			Columns: []string{"Sjukfrånvaro <15 dagar", "varav <15 dagar", "Sjukfrånvaro dag 1-14", "SJUKFRANVARO_LT15"}},
		"WF_SJUKFRANVARO_15_60": {Name: "Sjukfrånvaro totalt, varav 15–60 dagar", Unit: "procent",
			Columns: []string{"Sjukfrånvaro 15-60 dagar", "varav 15-60 dagar", "Sjukfrånvaro dag 15-60", "SJUKFRANVARO_15_60"}},
		"WF_SJUKFRANVARO_GT60": {Name: "Sjukfrånvaro totalt, varav >60 dagar", Unit: "procent",
			Columns: []string{"Sjukfrånvaro >60 dagar", "varav >60 dagar", "Sjukfrånvaro dag 61-", "SJUKFRANVARO_GT60"}},
		"WF_TIMANST_ARSARBETARE": {Name: "Årsarbetad tid för timanställda", Unit: "årsarbetare",
			Columns: []string{"Årsarbetad tid för timanställda", "Årsarbetad tid timanställda", "Timanställda årsarbetare", "TIMANST_ARSARB"}},
		"WF_TIMANST_TIMMAR": {Name: "Antal timmar för timanställda", Unit: "timmar",
			Columns: []string{"Antal timmar för timanställda", "Antal timmar timanställda", "Timanställda timmar", "TIMANST_TIMMAR"}},
		"WF_TIMANST_ANDEL": {Name: "Timanställda, andel av totalt antal årsarbetare", Unit: "procent",
			Columns: []string{"Timanställda, andel av totalt antal årsarbetare", "Andel timanställda", "Timanställda andel av årsarbetare", "TIMANST_ANDEL"}},
		"WF_PERSONALOMSATTNING": {Name: "Personalomsättning, andel av tillsvidareanställda som slutat och ersatts", Unit: "procent",
			Columns: []string{"Personalomsättning", "Personalomsättning %", "PERSONALOMS"}},
		"WF_PERSONALRORLIGHET": {Name: "Personalrörlighet, andel som slutat på egen begäran", Unit: "procent",
			Columns: []string{"Personalrörlighet", "Personalrörlighet %", "Slutat egen begäran %", "PERSONALRORL"}},
		"WF_NYANST_SLUTAT_2AR": {Name: "Andel nyanställda med tillsvidareanställning som slutat inom två år", Unit: "procent",
			Columns: []string{"Nyanställda slutat inom två år", "Nyanställda slutat inom 2 år", "Andel nyanställda som slutat inom två år", "NYANST_SLUTAT_2AR"}},
		"WF_UNDERSKOTERSKOR": {Name: "Antal personer med yrkestiteln undersköterska", Unit: "antal",
			Columns: []string{"Antal undersköterskor", "Undersköterskor", "Antal personer undersköterska", "ANTAL_USK"}},
		"WF_UPPFOLJDA_ARENDEN": {Name: "Andel uppföljda ärenden inom myndighetsutövningen", Unit: "procent",
			Columns: []string{"Andel uppföljda ärenden", "Uppföljda ärenden %", "UPPFOLJDA_ARENDEN"}},
		"WF_AVVIKELSER_12V": {Name: "Andel avvikelser avslutade och uppföljda inom 12 veckor", Unit: "procent",
			Columns: []string{"Andel avvikelser avslutade inom 12 veckor", "Avvikelser avslutade och uppföljda inom 12 veckor", "Avslutade inom 12 veckor %", "AVVIK_12V"}},
		"WF_KAMEROR_NATT": {Name: "Antal kameror för digitala besök nattetid inom ordinärt boende", Unit: "antal",
			Columns: []string{"Antal kameror", "Kameror digitala besök nattetid", "Antal kameror nattetid", "KAMEROR_NATT"}},
		"WF_TRYGGHETSLARM_FORENKLAD": {Name: "Antal beslut om förenklad handläggning av trygghetslarm", Unit: "antal",
			Columns: []string{"Beslut förenklad handläggning trygghetslarm", "Förenklad handläggning trygghetslarm", "Antal beslut förenklad handläggning", "TRYGGHETSLARM_FORENKL"}},
		"WF_KRINGTID_LOV": {Name: "Kringtid för hemtjänst LOV", Unit: "procent",
			Columns: []string{"Kringtid LOV", "Kringtid hemtjänst LOV", "Kringtid %", "KRINGTID_LOV"}},
	}
}

// DefaultLocal is the [local] section's defaults.
func DefaultLocal() LocalConfig {
	return LocalConfig{
		PersonnummerInText: "refuse",
		InboxDir:           "data/inbox",
		ArchiveDir:         "data/archive",
		RejectedDir:        "data/rejected",
		InboxSettle:        Duration{60 * time.Second},
		InterimEndMonth:    8,
		MunicipalityUnits:  []string{"Vård- och omsorgskontoret", "Hela kommunen"},
		Limits: LocalLimits{MaxFileMB: 2048, MaxRows: 20_000_000, MaxCells: 400_000_000, MaxColumns: 16_384,
			MaxRowKB: 1024, MaxSharedStrings: 2_000_000, MaxUnpackedMB: 2048, MaxNesting: 64},
		Regi: LocalRegiConfig{
			Egen:   []string{"egen", "egen regi", "kommunal", "kommunal regi"},
			Privat: []string{"privat", "privat regi", "privat utförare", "extern", "extern utförare", "enskild", "LOV", "entreprenad"},
		},
		WebFOCUS: WebFOCUSConfig{
			UnitColumns:        []string{"Enhet", "Enhetsnamn", "Verksamhet", "Avdelning", "Kostnadsställe", "Arbetsplats", "Organisation"},
			PeriodColumns:      []string{"Period", "Tidsperiod", "Månad", "Kvartal", "Avser"},
			PeriodStartColumns: []string{"Från", "Fr o m", "Från datum", "Startdatum", "Periodstart"},
			PeriodEndColumns:   []string{"Till", "T o m", "Till datum", "Slutdatum", "Periodslut"},
			GenderColumns:      []string{"Kön"},
			RegiColumns:        []string{"Regi", "Regiform", "Driftsform"},
			Indicators:         DefaultWebFOCUSIndicators(),
			Layouts:            map[string][]string{},
		},
		Treserva: TreservaConfig{
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
		},
	}
}

// localCode is what a local indicator code may look like.
var localCode = regexp.MustCompile(`^[A-Z][A-Z0-9_]{1,39}$`)

// ValidLocalCode checks a local indicator code: capitals, digits and _, up
// to 40 characters, and not shaped like a Kolada id (a letter and five digits).
func ValidLocalCode(code string) error {
	if !localCode.MatchString(code) {
		return fmt.Errorf("%q is not a local indicator code (capital letters, digits and _, like WF_SJUKFRANVARO_TOTALT)", code)
	}
	if kpiID.MatchString(code) {
		return fmt.Errorf("%q looks like a Kolada KPI id; local codes must not, so that the two are never confused", code)
	}
	return nil
}

func foldHeading(s string) string { return swedish.Fold(s) }

func (c *LocalConfig) validate() []string {
	var errs []string
	if c.InterimEndMonth < 2 || c.InterimEndMonth > 11 {
		errs = append(errs, fmt.Sprintf("local.interim_end_month %d must be a month from 2 to 11 (8: the delår runs January–August)", c.InterimEndMonth))
	}
	if p := c.PersonnummerInText; p != "refuse" && p != "mask" {
		errs = append(errs, fmt.Sprintf("local.personnummer_in_text %q: use \"refuse\" or \"mask\"", p))
	}
	if c.InboxSettle.Duration < 0 {
		errs = append(errs, "local.inbox_settle must not be negative")
	}
	lim := c.Limits
	for name, v := range map[string]int64{"max_file_mb": lim.MaxFileMB, "max_rows": int64(lim.MaxRows), "max_cells": lim.MaxCells,
		"max_columns": int64(lim.MaxColumns), "max_row_kb": int64(lim.MaxRowKB), "max_shared_strings": int64(lim.MaxSharedStrings),
		"max_unpacked_mb": lim.MaxUnpackedMB, "max_nesting": int64(lim.MaxNesting)} {
		if v <= 0 {
			errs = append(errs, fmt.Sprintf("local.limits.%s must be positive", name))
		}
	}
	for name, dir := range map[string]string{"inbox_dir": c.InboxDir, "archive_dir": c.ArchiveDir, "rejected_dir": c.RejectedDir} {
		if dir == "" {
			errs = append(errs, "local."+name+" is empty")
		}
	}
	seen := map[string]string{}
	claim := func(owner, heading string) {
		f := foldHeading(heading)
		if f == "" {
			errs = append(errs, fmt.Sprintf("local.webfocus: %s has an empty column heading", owner))
			return
		}
		if other, ok := seen[f]; ok && other != owner {
			errs = append(errs, fmt.Sprintf("local.webfocus: the heading %q belongs to both %s and %s", heading, other, owner))
			return
		}
		seen[f] = owner
	}
	w := c.WebFOCUS
	for _, d := range []struct {
		name string
		cols []string
	}{{"unit_columns", w.UnitColumns}, {"period_columns", w.PeriodColumns}, {"period_start_columns", w.PeriodStartColumns},
		{"period_end_columns", w.PeriodEndColumns}, {"gender_columns", w.GenderColumns}, {"regi_columns", w.RegiColumns}} {
		for _, h := range d.cols {
			claim(d.name, h)
		}
	}
	codes := make([]string, 0, len(w.Indicators))
	for code := range w.Indicators {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		ind := w.Indicators[code]
		if err := ValidLocalCode(code); err != nil {
			errs = append(errs, "local.webfocus.indicators: "+err.Error())
		}
		if len(ind.Columns) > 0 && strings.TrimSpace(ind.Name) == "" {
			errs = append(errs, fmt.Sprintf("local.webfocus.indicators.%s has no name", code))
		}
		for _, h := range ind.Columns {
			claim("indicator "+code, h)
		}
	}
	for name, cols := range w.Layouts {
		if len(cols) < 2 {
			errs = append(errs, fmt.Sprintf("local.webfocus.layouts.%s names %d columns; a layout needs at least two", name, len(cols)))
		}
	}
	t := c.Treserva
	if t.Years != "" {
		if _, err := ParseYears(t.Years, time.Now()); err != nil {
			errs = append(errs, "local.treserva.years: "+err.Error())
		}
	}
	if len(t.Periods) == 0 {
		errs = append(errs, "local.treserva.periods is empty")
	}
	for _, p := range t.Periods {
		ok := false
		for _, known := range TreservaPeriods {
			ok = ok || foldHeading(p) == foldHeading(known)
		}
		if !ok {
			errs = append(errs, fmt.Sprintf("local.treserva.periods: %q is not one of %s", p, strings.Join(TreservaPeriods, ", ")))
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
