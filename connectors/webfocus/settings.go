package webfocus

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/indicatorid"
	"github.com/nyckeltal/nyckeltal/internal/swedish"
)

// Settings map the columns of WebFOCUS report exports: [local.webfocus] of
// nyckeltal.toml (sample.toml).
type Settings struct {
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
	Indicators map[string]Indicator `toml:"indicators"`
	// Layouts name the columns of exports without a heading row (HOLD FORMAT
	// COMMA or TAB): `--layout NAME`, or the one layout with the file's width.
	Layouts map[string][]string `toml:"layouts"`
}

// Indicator is one indicator of WebFOCUS reports.
type Indicator struct {
	Name    string   `toml:"name"`
	Unit    string   `toml:"unit"`
	Columns []string `toml:"columns"`
}

// DefaultIndicators are the WebFOCUS indicators of the uppdragsplan.
func DefaultIndicators() map[string]Indicator {
	return map[string]Indicator{
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

// DefaultSettings are [local.webfocus]'s defaults.
func DefaultSettings() Settings {
	return Settings{
		UnitColumns:        []string{"Enhet", "Enhetsnamn", "Verksamhet", "Avdelning", "Kostnadsställe", "Arbetsplats", "Organisation"},
		PeriodColumns:      []string{"Period", "Tidsperiod", "Månad", "Kvartal", "Avser"},
		PeriodStartColumns: []string{"Från", "Fr o m", "Från datum", "Startdatum", "Periodstart"},
		PeriodEndColumns:   []string{"Till", "T o m", "Till datum", "Slutdatum", "Periodslut"},
		GenderColumns:      []string{"Kön"},
		RegiColumns:        []string{"Regi", "Regiform", "Driftsform"},
		Indicators:         DefaultIndicators(),
		Layouts:            map[string][]string{},
	}
}

// Problems lists what is wrong with the settings, each as a sentence that
// names its key (local.webfocus…); none when they can be used.
func (s Settings) Problems() []string {
	var errs []string
	seen := map[string]string{}
	claim := func(owner, heading string) {
		f := swedish.Fold(heading)
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
	w := s
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
		if err := indicatorid.CheckLocal(code); err != nil {
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
	return errs
}
