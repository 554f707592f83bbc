package catalog

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/nyckeltal/nyckeltal/internal/testkit/repo"
)

// planReading is the built-in catalogue's Kolada ids as read from the text of
// Vård- och omsorgsnämndens uppdragsplan 2024 (../shared/documents) against
// the titles and descriptions of Kolada's KPI catalogue
// (../shared/kolada/kpi_catalogue.json), written down by hand, apart from
// the resolver: indicator code → the KPI, its kommunal-regi and enskild-regi
// KPIs, whether the plan's figure is 100 − the KPI, whether kön is asked for
// (exactly when Kolada divides the KPI by kön), how the resolver should come
// out on the entry's kolada_title and name (resolved to this id, or
// ambiguous with it among the candidates, where the plan's words allow more
// than one reading), and why.
var planReading = []struct {
	code, id, egen, privat string
	complement, kon        bool
	resolve                Outcome
	why                    string
}{
	{"1.1.02a", "U21452", "", "", false, false, Resolved, "the plan's footnote: aktuell genomförandeplan in hemtjänst för äldre; Socialstyrelsen's enhetsundersökning counts hemtjänsttagare 65+"},
	{"1.1.02b", "U20443", "", "", false, false, Resolved, "the same in särskilt boende för äldre"},
	{"1.1.02c", "U28143", "", "", false, false, Resolved, "LSS daglig verksamhet: the share of brukare (personer, as the plan says), not of enheter (U28132)"},
	{"1.1.02d", "U28129", "", "", false, false, Resolved, "LSS bostad med särskild service för vuxna: brukare, not enheter (U28112)"},
	{"1.1.04", "U23461", "", "", false, true, Resolved, `säbo, "Ja, alltid" or "Ja, oftast" to hänsyn till åsikter och önskemål: the plan's alltid/oftast`},
	{"1.1.05", "U23521", "", "", false, true, Resolved, `säbo "Mycket tryggt" or "Ganska tryggt": the plan's mycket/ganska; U23464 counts "Mycket tryggt" alone`},
	{"1.1.06", "U23471", "U23458", "U23443", false, true, Resolved, `säbo helhetssyn, "Mycket nöjd" or "Ganska nöjd"; Kolada has it for kommunal and enskild regi`},
	{"1.1.07", "U21463", "", "", false, true, Resolved, `hemtjänst, "Ja, alltid" or "Oftast" to hänsyn till åsikter och önskemål`},
	{"1.1.08", "U21505", "", "", false, true, Resolved, `hemtjänst "Mycket tryggt" or "Ganska tryggt"; U21467 counts "Mycket tryggt" alone`},
	{"1.1.09", "U21468", "U21443", "U21438", false, true, Resolved, "hemtjänst helhetssyn, mycket or ganska nöjd; kommunal and enskild regi"},
	{"1.1.11", "U28538", "N28718", "", false, true, Resolved, `daglig verksamhet LSS, the answer "Ja" to "Trivs du i din dagliga verksamhet?"; kommunal regi beside it`},
	{"1.1.12", "U28634", "", "", false, true, Resolved, `personlig assistans, "Ja" to "Kan du göra det du vill med hjälp av dina assistenter?"`},
	{"1.1.13", "U28631", "", "", false, true, Resolved, `personlig assistans, "Alla" to "Känner du dig trygg med dina assistenter?": the plan's "alla sina assistenter"`},
	{"1.1.15", "U28522", "N28728", "", false, true, Resolved, `gruppbostad LSS, "Alla" to "Känner du dig trygg med personalen?"`},
	{"1.1.16", "U26424", "N28712", "", false, true, Resolved, `boendestöd SoL, "Alla" to "Känner du dig trygg med personalen?"`},
	{"1.2.02", "U21465", "", "", false, true, Resolved, `hemtjänst, "Ja, alltid" or "oftast" to "meddela dig i förväg om tillfälliga förändringar"`},
	{"1.2.03", "U23462", "", "", false, true, Resolved, "the same in särskilt boende"},
	{"1.2.04", "U28532", "N28721", "", false, true, Resolved, `daglig verksamhet LSS, "Ja" to "Får du bestämma om saker som är viktiga?"`},
	{"1.2.05", "U28525", "N28737", "", false, true, Resolved, "servicebostad LSS, the same question hemma"},
	{"1.2.06", "U28644", "N28736", "", false, true, Ambiguous, `servicebostad LSS, "Alla" to "Förstår personalen hemma vad du säger?"; "Personalen pratar så brukaren förstår" (U28528) shares the words`},
	{"1.2.07", "U28641", "N28733", "", false, true, Ambiguous, "the same in gruppbostad LSS (not U28521)"},
	{"1.3.01", "U23468", "", "", false, true, Resolved, `Kolada's "måltidsmiljö": "Ja, alltid" or "Oftast" to "Upplever du att måltiderna … är en trevlig stund på dagen?"`},
	{"1.3.02", "U23470", "", "", false, true, Resolved, `"Mycket nöjda" or "Ganska nöjda" with "de aktiviteter som erbjuds på ditt äldreboende"`},
	{"1.3.03", "U23481", "", "", true, true, Resolved, `the plan's "inte besväras" is 100 − Kolada's "Ja, ofta" (the only säbo ensamhet share; ambiguous about "Ja, ibland", said in the note)`},
	{"1.3.04", "U01421", "", "", true, true, Ambiguous, `100 − the share 65+ with hemtjänst besvärade (svåra or lätta besvär) is those not besvärade at all; U21478 ("svåra besvär" alone) shares the words`},
	{"1.3.09a", "U26421", "N28711", "", false, true, Resolved, `boendestöd SoL, "Ja" to "Får du den hjälp du vill ha hemma?"`},
	{"1.3.09b", "U28619", "", "", false, true, Resolved, `personlig assistans, "Ja" to "Får du den hjälp du vill ha av dina assistenter?"`},
	{"1.3.10", "U28567", "", "", false, true, Resolved, `"bostad med särskild service" as in LSS: boende LSS totalt (gruppbostad and servicebostad), "Alla"; the SoL reading would be U26417`},
	{"1.3.11", "U28538", "N28718", "", false, true, Resolved, `as 1.1.11: "som svarat ja"`},
	{"1.4.01", "U21463", "", "", false, true, Resolved, "as 1.1.07"},
	{"1.4.02", "U23461", "", "", false, true, Resolved, "as 1.1.04"},
	{"1.4.03", "U23520", "", "", false, true, Ambiguous, `"bemöter … på ett bra sätt" without the answers: "Ja, alltid" or "Oftast" as the plan's other questions; U23463 counts "Ja, alltid" alone`},
	{"1.4.04", "U21504", "", "", false, true, Ambiguous, "the same in hemtjänst (not U21466)"},
	{"1.4.05", "U23521", "", "", false, true, Ambiguous, `"tryggt" without the answers: as 1.1.05, mycket or ganska`},
	{"1.4.06", "U21505", "", "", false, true, Ambiguous, "as 1.1.08"},
	{"2.3.01", "N20900", "", "", false, false, Resolved, "nettokostnadsavvikelse äldreomsorg, procent"},
	{"2.3.02", "N28018", "", "", false, false, Resolved, `"Nettokostnad LSS, procent" read as the nettokostnadsavvikelse for LSS in per cent`},
	{"2.3.03", "N20011", "", "", false, false, Ambiguous, `"Nettokostnad kronor/invånare" without a verksamhet: the nämnd's whole area, äldre och funktionsnedsättning (SoL, LSS, SFB)`},
}

// TestBuiltinIDsFollowThePlan checks the built-in catalogue's Kolada entries
// against planReading: the same ids, regi KPIs, complements and kön, and no
// Kolada entry that the reading does not cover.
func TestBuiltinIDsFollowThePlan(t *testing.T) {
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]Indicator{}
	for _, ind := range c.Indicators {
		byCode[ind.Code] = ind
		if ind.IsKolada() && !slices.ContainsFunc(planReading, func(r struct {
			code, id, egen, privat string
			complement, kon        bool
			resolve                Outcome
			why                    string
		}) bool {
			return r.code == ind.Code
		}) {
			t.Errorf("%s (%s) is a Kolada entry the reading of the plan does not cover", ind.Code, ind.Source)
		}
	}
	for _, r := range planReading {
		ind, ok := byCode[r.code]
		switch {
		case !ok:
			t.Errorf("%s: not in the built-in catalogue", r.code)
		case ind.Source != r.id || ind.RegiEgen != r.egen || ind.RegiPrivat != r.privat || ind.Complement != r.complement:
			t.Errorf("%s: source %s, regi %q/%q, complement %v; the plan reads %s, %q/%q, %v (%s)",
				r.code, ind.Source, ind.RegiEgen, ind.RegiPrivat, ind.Complement, r.id, r.egen, r.privat, r.complement, r.why)
		case ind.Has(ByGender) != r.kon:
			t.Errorf("%s: kön asked %v, want %v (Kolada divides %s by kön: %v)", r.code, ind.Has(ByGender), r.kon, r.id, r.kon)
		case ind.Has(ByRegi) != (r.egen != "" || r.privat != ""):
			t.Errorf("%s: the regi breakdown goes with the regi KPIs", r.code)
		case ind.KoladaTitle == "":
			t.Errorf("%s: no kolada_title to check the resolver with", r.code)
		}
	}
}

// sharedKPIs reads Kolada's KPI catalogue of ../shared, or skips.
func sharedKPIs(t *testing.T) (map[string]sharedKPI, []KPIRef) {
	t.Helper()
	b, err := os.ReadFile(repo.Shared("kolada", "kpi_catalogue.json"))
	if err != nil {
		t.Skip("no ../shared/kolada/kpi_catalogue.json beside the repository")
	}
	var recs []sharedKPI
	if err := json.Unmarshal(b, &recs); err != nil {
		t.Fatal(err)
	}
	byID := map[string]sharedKPI{}
	refs := make([]KPIRef, 0, len(recs))
	for _, k := range recs {
		byID[k.ID] = k
		refs = append(refs, KPIRef{ID: k.ID, Title: k.Title, Description: k.Description, MunicipalityType: k.MunicipalityType,
			Unpublished: k.PublPeriod == nil})
	}
	return byID, refs
}

type sharedKPI struct {
	ID                string  `json:"id"`
	Title             string  `json:"title"`
	Description       string  `json:"description"`
	MunicipalityType  string  `json:"municipality_type"`
	IsDividedByGender bool    `json:"is_divided_by_gender"`
	PublPeriod        *string `json:"publ_period"`
}

// TestBuiltinIDsInKolada checks every Kolada id of the built-in catalogue
// against Kolada's catalogue: it exists, is published for municipalities and
// still published, kön is asked for exactly when Kolada divides it by kön,
// and the comment beside it is its exact title.
func TestBuiltinIDsInKolada(t *testing.T) {
	byID, _ := sharedKPIs(t)
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	check := func(where, id string) (sharedKPI, bool) {
		k, ok := byID[id]
		switch {
		case !ok:
			t.Errorf("%s: %s is not in Kolada's KPI catalogue", where, id)
		case k.MunicipalityType == "L":
			t.Errorf("%s: Kolada publishes %s for regions only", where, id)
		case k.PublPeriod == nil || discontinuedTitle.MatchString(k.Title):
			t.Errorf("%s: Kolada no longer publishes %s (%s)", where, id, k.Title)
		}
		return k, ok
	}
	for _, ind := range c.Indicators {
		if !IsKoladaID(ind.Source) {
			continue
		}
		if k, ok := check(ind.Code, ind.Source); ok && ind.Has(ByGender) != k.IsDividedByGender {
			t.Errorf("%s: kön asked %v, but Kolada divides %s by kön: %v", ind.Code, ind.Has(ByGender), ind.Source, k.IsDividedByGender)
		}
		for _, id := range []string{ind.RegiEgen, ind.RegiPrivat} {
			if id != "" {
				check(ind.Code, id)
			}
		}
	}
	for _, s := range c.Scatters {
		check(s.Name, s.Cost)
		check(s.Name, s.Quality)
	}
	// every `key = "ID"  # title` line: the title is Kolada's, to the byte
	idLine := regexp.MustCompile(`^(?:source|regi_egen|regi_privat|previous_source|cost|quality) = "[A-Z]\d{5}"`)
	line := regexp.MustCompile(`^(?:source|regi_egen|regi_privat|previous_source|cost|quality) = "([A-Z]\d{5})"  # (.*)$`)
	n := 0
	for _, l := range strings.Split(string(Builtin), "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			if idLine.MatchString(l) {
				t.Errorf("a Kolada id without its title as a comment: %s", l)
			}
			continue
		}
		n++
		if k := byID[m[1]]; k.Title != m[2] {
			t.Errorf("%s: comment %q, Kolada's title %q", m[1], m[2], k.Title)
		}
	}
	if n < len(planReading) {
		t.Fatalf("%d titled ids, fewer than the %d entries read", n, len(planReading))
	}
}

// TestResolveBuiltinAgainstKolada runs the resolver over the built-in
// catalogue's titles, ids removed, against Kolada's whole KPI catalogue: it
// must come out as planReading says, and never write an id the reading does
// not choose.
func TestResolveBuiltinAgainstKolada(t *testing.T) {
	_, refs := sharedKPIs(t)
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	for i := range c.Indicators {
		if IsKoladaID(c.Indicators[i].Source) {
			c.Indicators[i].Source = ""
		}
	}
	want := map[string]int{}
	for i, r := range planReading {
		want[r.code] = i
	}
	res := c.Resolve(refs)
	if len(res) != len(planReading) {
		t.Fatalf("%d lookups for %d entries", len(res), len(planReading))
	}
	for _, r := range res {
		w := planReading[want[r.Entry]]
		var ids []string
		for _, k := range r.Candidates {
			ids = append(ids, k.ID)
		}
		top := ids
		if len(top) > 4 {
			top = top[:4]
		}
		switch {
		case r.Outcome == Resolved && r.ID != w.id:
			t.Errorf("%s %q: resolved to %s, the plan reads %s (%s)", r.Entry, r.Title, r.ID, w.id, w.why)
		case r.Outcome != w.resolve:
			t.Errorf("%s %q: %s (%s), want %s; candidates %v", r.Entry, r.Title, r.Outcome, r.Reason, w.resolve, top)
		case r.Outcome == Ambiguous && !slices.Contains(ids[:min(2, len(ids))], w.id):
			t.Errorf("%s %q: %s is not among the first two candidates %v", r.Entry, r.Title, w.id, top)
		}
	}
}
