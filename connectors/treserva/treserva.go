// Package treserva reads Treserva extracts of decisions about särskilt
// boende (SoL) and bostad med särskild service (LSS) and computes, per
// period, kön and regi, the waiting-time indicators of the uppdragsplan.
// Personnummer are replaced by keyed pseudonyms as they are read and never
// leave this package.
package treserva

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/yearrange"

	"github.com/nyckeltal/nyckeltal/connectors/ownfiles"
	"github.com/nyckeltal/nyckeltal/internal/personnummer"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"github.com/nyckeltal/nyckeltal/internal/tabular"
)

// Source is the source name of everything this connector writes.
const Source = "treserva"

// SourceSystem names Treserva in local_indicator.
const SourceSystem = "Treserva"

// The indicators computed from an extract.
const (
	SaboWaited3M     = "TRE_SABO_VANTAT_3M"
	BSSWaited3M      = "TRE_BSS_VANTAT_3M"
	SaboWaitDays     = "TRE_SABO_VANTETID_DAGAR"
	BSSWaitDays      = "TRE_BSS_VANTETID_DAGAR"
	SaboNotExecuted  = "TRE_SABO_EJ_VERKST_3M"
	BSSNotExecuted   = "TRE_BSS_EJ_VERKST_3M"
	groupSabo        = "sabo"
	groupBSS         = "bss"
	headerSearchRows = 10
)

// Indicators describes the codes, for local_indicator.
var Indicators = []store.LocalIndicator{
	{ID: SaboWaited3M, Title: "Antal personer som efter beviljad ansökan till särskilt boende för äldre (SoL) väntat mer än tre månader på en plats",
		Unit: "antal", Description: "Distinkta personer vars väntan från beslutsdatum passerade tre månader under perioden, de som fortfarande väntar vid periodens slut inräknade."},
	{ID: BSSWaited3M, Title: "Antal personer som efter beviljad ansökan till bostad med särskild service för vuxna (LSS) väntat mer än tre månader på en plats",
		Unit: "antal", Description: "Distinkta personer vars väntan från beslutsdatum passerade tre månader under perioden, de som fortfarande väntar vid periodens slut inräknade."},
	{ID: SaboWaitDays, Title: "Väntetid i antal dagar från ansökningsdatum till första erbjudet inflyttningsdatum till särskilt boende, medelvärde",
		Unit: "dagar", Description: "Kolada U23401:s definition, för bifallna ansökningar med beslut under perioden, 65 år och äldre vid ansökan."},
	{ID: BSSWaitDays, Title: "Väntetid i antal dagar från ansökningsdatum till första erbjudet inflyttningsdatum till bostad med särskild service (LSS), medelvärde",
		Unit: "dagar", Description: "Som U23401 men för bostad med särskild service för vuxna enligt LSS."},
	{ID: SaboNotExecuted, Title: "Ej verkställda beslut om särskilt boende (SoL) äldre än tre månader vid periodens slut",
		Unit: "antal", Description: "Bifallna beslut som vid periodens slut varken verkställts eller avslutats och vars beslutsdatum ligger mer än tre månader före."},
	{ID: BSSNotExecuted, Title: "Ej verkställda beslut om bostad med särskild service (LSS) äldre än tre månader vid periodens slut",
		Unit: "antal", Description: "Bifallna beslut som vid periodens slut varken verkställts eller avslutats och vars beslutsdatum ligger mer än tre månader före."},
}

// Options configure the reader.
type Options struct {
	Home       string
	Config     Settings
	Regi       ownfiles.RegiAliases
	InterimEnd time.Month
	// Key makes the pseudonyms; without it every extract is refused.
	Key *personnummer.Key
	// AsOf is the date the extract describes; zero: its latest event date.
	AsOf time.Time
	// Years overrides Config.Years.
	Years string
	// PersonnummerInText says what a personnummer outside its column does
	// (local.personnummer_in_text): refuse the file (default) or be masked.
	PersonnummerInText ownfiles.TextPolicy
	// Limits bound the work of one file (local.limits).
	Limits tabular.Limits
}

// Parser reads Treserva extracts.
type Parser struct {
	opts    Options
	aliases map[string]field
	granted map[string]bool
	refused map[string]bool
	periods []string
	// The configured insats texts, folded.
	excludeInsats, bssInsats, saboInsats []string
}

// New prepares the header aliases.
func New(opts Options) (*Parser, error) {
	if opts.Home == "" {
		return nil, fmt.Errorf("treserva: no home municipality")
	}
	if opts.InterimEnd == 0 {
		opts.InterimEnd = time.August
	}
	p := &Parser{opts: opts, aliases: map[string]field{}, granted: map[string]bool{}, refused: map[string]bool{},
		excludeInsats: foldAll(opts.Config.ExcludeInsats), bssInsats: foldAll(opts.Config.BSSInsats),
		saboInsats: foldAll(opts.Config.SaboInsats)}
	for f, names := range builtinAliases {
		for _, n := range names {
			p.aliases[swedish.Fold(n)] = f
		}
	}
	for f, names := range extraAliases(opts.Config.Columns) {
		for _, n := range names {
			p.aliases[swedish.Fold(n)] = f
		}
	}
	for _, v := range opts.Config.Granted {
		p.granted[swedish.FoldWords(v)] = true
	}
	for _, v := range opts.Config.Rejected {
		p.refused[swedish.FoldWords(v)] = true
	}
	for _, per := range opts.Config.Periods {
		p.periods = append(p.periods, swedish.Fold(per))
	}
	years := opts.Config.Years
	if opts.Years != "" {
		years = opts.Years
	}
	if years != "" {
		if _, err := yearrange.Parse(years, time.Now()); err != nil {
			return nil, fmt.Errorf("treserva years: %w", err)
		}
	}
	p.opts.Years = years
	return p, nil
}

// Source is "treserva".
func (p *Parser) Source() string { return Source }

// field is a column of the extract.
type field int

const (
	fPersonnummer field = iota
	fKon
	fInsats
	fLagrum
	fAnsokan
	fBeslutsdatum
	fBeslut
	fErbjudet
	fVerkstalld
	fAvslut
	fUtforare
	fRegi
	fEnhet
	numFields // how many fields there are
)

var fieldNames = map[field]string{fPersonnummer: "personnummer", fKon: "kön", fInsats: "insats", fLagrum: "lagrum",
	fAnsokan: "ansökningsdatum", fBeslutsdatum: "beslutsdatum", fBeslut: "beslut", fErbjudet: "erbjudet inflyttningsdatum",
	fVerkstalld: "verkställighetsdatum", fAvslut: "avslutsdatum", fUtforare: "utförare", fRegi: "regi", fEnhet: "enhet"}

// builtinAliases are the documented default layout and its usual variants;
// headings are compared case- and accent-insensitively, without spaces and
// punctuation.
var builtinAliases = map[field][]string{
	fPersonnummer: {"Personnummer", "Pnr", "Personnr", "Persnr", "Person nr", "Personnummer/samordningsnummer", "Samordningsnummer", "Personid"},
	fKon:          {"Kön", "Kon", "Gender"},
	fInsats:       {"Insats", "Insatstyp", "Beviljad insats", "Biståndsinsats", "Insats/bistånd", "Ärendetyp"},
	fLagrum:       {"Lagrum", "Lag", "Paragraf", "Lagrum SoL/LSS"},
	fAnsokan:      {"Ansökningsdatum", "Ansökandatum", "Ansökan datum", "Datum ansökan", "Ansökan inkom", "Inkommen"},
	fBeslutsdatum: {"Beslutsdatum", "Beslut datum", "Datum beslut", "Beslutsdat"},
	fBeslut:       {"Beslut", "Beslutstyp", "Utfall", "Beslut bifall/avslag", "Bifall/avslag", "Beslutsutfall"},
	fErbjudet:     {"Erbjudet inflyttningsdatum", "Erbjudet datum", "Erbjuden inflyttning", "Första erbjudna inflyttningsdatum", "Erbjudandedatum", "Erbjudet inflyttningsdatum (första)"},
	fVerkstalld:   {"Verkställighetsdatum", "Verkställt datum", "Verkställd", "Datum verkställighet", "Verkställt"},
	fAvslut:       {"Avslutsdatum", "Avslutat datum", "Avslut datum", "Slutdatum", "Avslutad"},
	fUtforare:     {"Utförare", "Utförarnamn"},
	fRegi:         {"Regi", "Regiform", "Driftsform"},
	fEnhet:        {"Enhet", "Boende", "Enhet/boende", "Verksamhet"},
}

func extraAliases(c Columns) map[field][]string {
	return map[field][]string{fPersonnummer: c.Personnummer, fKon: c.Kon, fInsats: c.Insats, fLagrum: c.Lagrum,
		fAnsokan: c.Ansokningsdatum, fBeslutsdatum: c.Beslutsdatum, fBeslut: c.Beslut, fErbjudet: c.ErbjudetInflyttningsdatum,
		fVerkstalld: c.Verkstallighetsdatum, fAvslut: c.Avslutsdatum, fUtforare: c.Utforare, fRegi: c.Regi, fEnhet: c.Enhet}
}

// requiredFields must be present; one of fErbjudet and fVerkstalld too.
var requiredFields = []field{fPersonnummer, fInsats, fBeslutsdatum, fBeslut}

func sortedFields(m map[field]int) []field {
	out := make([]field, 0, len(m))
	for f := range m {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func listFields(fs []field) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = fieldNames[f]
	}
	return strings.Join(names, ", ")
}
