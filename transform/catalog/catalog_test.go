package catalog

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/nyckeltal/nyckeltal/internal/testkit/repo"
)

// kpis is a small KPI catalogue with titles that share words.
var kpis = []KPIRef{
	{ID: "U23471", Title: "Brukarbedömning särskilt boende äldreomsorg - helhetssyn, andel (%)"},
	{ID: "U21468", Title: "Brukarbedömning hemtjänst äldreomsorg - helhetssyn, andel (%)"},
	{ID: "N20900", Title: "Nettokostnadsavvikelse äldreomsorg, (%)"},
	{ID: "N20029", Title: "Nettokostnadsavvikelse äldreomsorg, miljoner kronor"},
	{ID: "U23401", Title: "Väntetid i antal dagar från ansökningsdatum till första erbjudet inflyttningsdatum till särskilt boende, medelvärde"},
}

func TestBuiltinCatalogue(t *testing.T) {
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.Indicators); n < 50 || n > 70 {
		t.Fatalf("%d indicators; the uppdragsplan lists about 60", n)
	}
	local, kolada := 0, 0
	for _, ind := range c.Indicators {
		if ind.IsKolada() {
			kolada++
		} else {
			local++
		}
		if ind.Direction != Increase && ind.Direction != Decrease {
			t.Errorf("%s: direction %q", ind.Code, ind.Direction)
		}
	}
	if local < 20 || kolada < 25 {
		t.Fatalf("%d local and %d Kolada indicators", local, kolada)
	}
	// every id of the reading of the plan, its regi KPIs included, and no other
	want := map[string]bool{}
	for _, r := range planReading {
		for _, id := range []string{r.id, r.egen, r.privat} {
			if id != "" {
				want[id] = true
			}
		}
	}
	if got := c.KoladaKPIs(); len(got) != len(want) || !slices.IsSorted(got) {
		t.Fatalf("Kolada KPIs with ids: %v, want the %d of the plan's reading", got, len(want))
	}
	for _, id := range c.KoladaKPIs() {
		if !want[id] {
			t.Errorf("KoladaKPIs lists %s", id)
		}
	}
	if len(c.Malomraden) != 2 || len(c.Mal) != 7 || len(c.Scatters) != 2 {
		t.Fatalf("%d målområden, %d mål, %d scatters", len(c.Malomraden), len(c.Mal), len(c.Scatters))
	}
}

// TestBuiltinLocalCodes checks that the built-in catalogue names the local
// codes the connectors produce: the WebFOCUS defaults of the configuration,
// the Treserva indicators and the codes of the sample indicator file.
func TestBuiltinLocalCodes(t *testing.T) {
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{"TRE_SABO_VANTAT_3M": true, "TRE_BSS_VANTAT_3M": true}
	example, err := os.ReadFile(repo.Path("nyckeltal.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(example), "\n") {
		if code, ok := strings.CutPrefix(line, "[local.webfocus.indicators."); ok {
			known[strings.TrimSuffix(code, "]")] = true
		}
	}
	sample, err := os.ReadFile(repo.Path("data", "samples", "indikatorer", "ovriga_indikatorer.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(sample), "\n")[1:] {
		if code, _, ok := strings.Cut(line, ";"); ok {
			known[code] = true
		}
	}
	for _, ind := range c.Indicators {
		if IsLocalCode(ind.Source) && !known[ind.Source] {
			t.Errorf("%s: %s is produced by no connector or sample", ind.Code, ind.Source)
		}
	}
}

func TestInvalidCatalogues(t *testing.T) {
	base := `title = "x"
[[malomrade]]
id = "1"
name = "M"
[[mal]]
id = "1.1"
malomrade = "1"
name = "Mål"
`
	ind := func(extra string) string {
		return base + "[[indicator]]\ncode = \"1\"\nname = \"I\"\nmal = \"1.1\"\nunit = \"procent\"\n" + extra
	}
	tests := []struct{ name, text, want string }{
		{"unknown key", ind(`source = "N20900"` + "\ndirection = \"öka\"\nperiods = [\"helår\"]\nsorce = \"x\""), "unknown key(s) indicator.sorce"},
		{"bad direction", ind(`source = "N20900"` + "\ndirection = \"upp\"\nperiods = [\"helår\"]"), `direction "upp"`},
		{"no source", ind("direction = \"öka\"\nperiods = [\"helår\"]"), "give source"},
		{"bad source", ind(`source = "wf-x"` + "\ndirection = \"öka\"\nperiods = [\"helår\"]"), "neither a Kolada KPI id"},
		{"kolada delår", ind(`source = "N20900"` + "\ndirection = \"öka\"\nperiods = [\"delår\"]"), "Kolada publishes yearly values"},
		{"bad period", ind(`source = "WF_X"` + "\ndirection = \"öka\"\nperiods = [\"tertial\"]"), `period "tertial"`},
		{"unknown mål", strings.Replace(ind(`source = "WF_X"`+"\ndirection = \"öka\"\nperiods = [\"helår\"]"), `mal = "1.1"`, `mal = "9.9"`, 1), `mål "9.9" is not a [[mal]]`},
		{"bad breakdown", ind(`source = "WF_X"` + "\ndirection = \"öka\"\nperiods = [\"helår\"]\nbreakdowns = [\"ålder\"]"), `breakdown "ålder"`},
		{"syntax", base + "[[indicator]\n", "invalid indicator catalogue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.text), "test.toml")
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "test.toml") {
				t.Fatalf("error %v, want one naming test.toml with %q", err, tt.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	c, err := Parse([]byte(`title = "x"
[[malomrade]]
id = "1"
name = "M"
[[mal]]
id = "1.1"
malomrade = "1"
name = "Mål"
[[indicator]]
code = "1"
name = "I"
mal = "1.1"
source = "u23471"
direction = "Öka"
periods = ["Helår"]
breakdowns = ["Kön"]
`), "")
	if err != nil {
		t.Fatal(err)
	}
	ind := c.Indicators[0]
	if ind.Source != "U23471" || ind.Direction != Increase || ind.Periods[0] != Year || ind.Breakdowns[0] != ByGender || ind.Malomrade != "1" {
		t.Fatalf("%+v", ind)
	}
}

func TestResolve(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "resolve.toml"))
	if err != nil {
		t.Fatal(err)
	}
	res := c.Resolve(kpis)
	got := map[string]Resolution{}
	for _, r := range res {
		got[r.Entry+"/"+r.Field] = r
	}
	tests := []struct {
		key     string
		outcome Outcome
		id      string
		exact   bool
		cands   string
	}{
		{"A/source", Resolved, "U23471", false, ""},               // every word, one KPI
		{"B/source", Ambiguous, "", false, "U21468,U23471"},       // every word, two KPIs
		{"C/source", Resolved, "N20900", true, ""},                // exact, though N20029 shares its words
		{"D/source", NotFound, "", false, ""},                     // nothing
		{"Särskilt boende/quality", Resolved, "U23471", true, ""}, // exact, case aside
	}
	if len(res) != len(tests) {
		t.Fatalf("%d lookups: %+v", len(res), res)
	}
	for _, tt := range tests {
		r, ok := got[tt.key]
		if !ok {
			t.Fatalf("no lookup of %s", tt.key)
		}
		var ids []string
		for _, k := range r.Candidates {
			ids = append(ids, k.ID)
		}
		sort.Strings(ids)
		if r.Outcome != Ambiguous {
			ids = nil
		}
		if r.Outcome != tt.outcome || r.ID != tt.id || r.Exact != tt.exact || strings.Join(ids, ",") != tt.cands {
			t.Errorf("%s: %s %s exact %v candidates %v; want %s %s %v %s", tt.key, r.Outcome, r.ID, r.Exact, ids, tt.outcome, tt.id, tt.exact, tt.cands)
		}
	}
}

// tricky is a KPI catalogue with the traps of Kolada's: the top answer
// alone beside the two top answers, an osäkerhetstal, a medelvärde, a
// discontinued KPI, one for kommunal regi, one for regions, and the opposite
// wording.
var tricky = []KPIRef{
	{ID: "U21467", Title: "Brukarbedömning hemtjänst äldreomsorg - trygghet (mycket trygga), andel (%)",
		Description: `Antal personer som uppgett "Mycket tryggt" på frågan "Hur tryggt eller otryggt känns det att bo hemma med stöd av hemtjänstpersonalen?"`},
	{ID: "U21505", Title: "Brukarbedömning hemtjänst äldreomsorg - mycket eller ganska trygga, andel (%)",
		Description: `Antal personer som uppgett "Mycket tryggt" eller "Ganska tryggt" på frågan "Hur tryggt eller otryggt känns det att bo hemma med stöd från hemtjänsten?"`},
	{ID: "N21452", Title: "Osäkerhetstal - Brukarbedömning hemtjänst äldreomsorg - trygghet (mycket trygga), andel (%)"},
	{ID: "U21454", Title: "Brukarbedömning hemtjänst äldreomsorg - bemötande, förtroende och trygghet, medelvärde"},
	{ID: "U23481", Title: "Brukarbedömning särskilt boende äldreomsorg - besväras ofta av ensamhet, andel (%)",
		Description: `Antal personer som uppgett "Ja, ofta" på frågan "Händer det att du besväras av ensamhet?"`},
	{ID: "U28614", Title: "Brukarbedömning daglig verksamhet LSS - Brukaren trivs på sin dagliga verksamhet ibland, lägeskommun, andel (%) (-2024)"},
	{ID: "U28538", Title: "Brukarbedömning  daglig verksamhet LSS  - Brukaren trivs alltid på sin dagliga verksamhet, lägeskommun, andel (%)"},
	{ID: "N28718", Title: "Brukarbedömning daglig verksamhet LSS  - Brukaren trivs alltid på sin dagliga verksamhet, kommunal regi, andel (%)"},
	{ID: "N28686", Title: "Brukarbedömning daglig verksamhet LSS - Personalen pratar med brukaren om att kunna få ett arbete med lön, kommunal regi, andel (%)"},
	{ID: "U60531", Title: "Brukarbedömning hemtjänst äldreomsorg - besväras av ensamhet region, andel (%)", MunicipalityType: "L"},
	{ID: "U28631", Title: "Brukarbedömning Personlig assistans - Brukaren känner sig trygg med alla sina assistenter, lägeskommun, andel (%)"},
	{ID: "U28639", Title: "Brukarbedömning Personlig assistans - Brukaren trivs ibland med sina assistenter, andel (%)", Unpublished: true},
}

// TestResolveProposesNeverGuesses: an id is written only when one KPI fits
// clearly best and nothing speaks against it; otherwise a person chooses
// among candidates that name the fit first.
func TestResolveProposesNeverGuesses(t *testing.T) {
	tests := []struct {
		name, title, plan string
		complement        bool
		outcome           Outcome
		id                string // the id written, or the first candidate
		caveat            Caveat // a caveat of the first candidate
	}{
		{"the plan's answers decide", "Brukarbedömning hemtjänst äldreomsorg - trygghet",
			"Andel som upplever att det känns mycket/ganska tryggt att bo hemma med stöd från hemtjänsten", false, Resolved, "U21505", ""},
		{"without the answers: a person chooses", "Brukarbedömning hemtjänst äldreomsorg - trygghet",
			"Andel brukare som tycker att det känns tryggt", false, Ambiguous, "", ""},
		{"an osäkerhetstal only when asked for", "Osäkerhetstal hemtjänst trygghet", "", false, Resolved, "N21452", ""},
		{"a medelvärde only when asked for", "Brukarbedömning hemtjänst bemötande förtroende trygghet medelvärde", "", false, Resolved, "U21454", ""},
		{"all regi before kommunal regi", "Brukarbedömning daglig verksamhet LSS - trivs", "Andel brukare som trivs på sin dagliga verksamhet", false, Resolved, "U28538", ""},
		{"kommunal regi when asked for", "Brukarbedömning daglig verksamhet LSS - trivs, kommunal regi", "", false, Resolved, "N28718", ""},
		{"the opposite wording is never written", "Brukarbedömning särskilt boende äldreomsorg - besväras inte av ensamhet", "", false, Ambiguous, "U23481", OppositeSense},
		{"the opposite wording, marked as the complement", "Brukarbedömning särskilt boende äldreomsorg - besväras av ensamhet",
			"Andel som uppger att de inte besväras av ensamhet", true, Resolved, "U23481", ""},
		{"the same, not marked: a person chooses", "Brukarbedömning särskilt boende äldreomsorg - besväras av ensamhet",
			"Andel som uppger att de inte besväras av ensamhet", false, Ambiguous, "U23481", OppositeSense},
		{"regions only is never written", "Brukarbedömning hemtjänst besväras av ensamhet", "", false, Ambiguous, "U60531", RegionsOnly},
		{"one word short: proposed, not written", "Brukarbedömning personlig assistans LSS - trygg med assistenterna", "", false, Ambiguous, "U28631", MissingWord},
		{"discontinued: proposed, not written", "Brukarbedömning personlig assistans trivs ibland", "", false, Ambiguous, "U28639", Discontinued},
		{"nothing fits", "Väntetid till månen", "", false, NotFound, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Catalog{Indicators: []Indicator{{Code: "X", Name: tt.plan, KoladaTitle: tt.title, Complement: tt.complement}}}
			res := c.Resolve(tricky)
			if len(res) != 1 {
				t.Fatalf("%d lookups", len(res))
			}
			r := res[0]
			first := Candidate{}
			if len(r.Candidates) > 0 {
				first = r.Candidates[0]
			}
			switch {
			case r.Outcome != tt.outcome:
				t.Fatalf("%s (%s), want %s; candidates %+v", r.Outcome, r.Reason, tt.outcome, r.Candidates)
			case tt.outcome == Resolved && r.ID != tt.id:
				t.Fatalf("wrote %s, want %s", r.ID, tt.id)
			case tt.outcome == Ambiguous && r.ID != "":
				t.Fatalf("ambiguous, yet an id: %s", r.ID)
			case tt.outcome == Ambiguous && tt.id != "" && first.ID != tt.id:
				t.Fatalf("first candidate %s, want %s: %+v", first.ID, tt.id, r.Candidates)
			case tt.caveat != "" && !slices.Contains(first.Caveats, tt.caveat):
				t.Fatalf("first candidate's caveats %v, want %s", first.Caveats, tt.caveat)
			}
		})
	}
}

// TestRewrite writes the resolved ids into the file and keeps every other
// line as it was, with Unix and with Windows line endings.
func TestRewrite(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "resolve.toml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, crlf := range []bool{false, true} {
		text := src
		if crlf {
			text = bytes.ReplaceAll(src, []byte("\n"), []byte("\r\n"))
		}
		c, err := Parse(text, "resolve.toml")
		if err != nil {
			t.Fatal(err)
		}
		res := c.Resolve(kpis)
		titles := map[string]string{}
		for _, k := range kpis {
			titles[k.ID] = k.Title
		}
		out, err := Rewrite(text, c, res, titles)
		if err != nil {
			t.Fatal(err)
		}
		eol := "\n"
		if crlf {
			eol = "\r\n"
		}
		got, err := Parse(out, "resolve.toml")
		if err != nil {
			t.Fatal(err)
		}
		if got.Indicators[0].Source != "U23471" || got.Indicators[1].Source != "" || got.Indicators[2].Source != "N20900" ||
			got.Indicators[3].Source != "" || got.Scatters[0].Quality != "U23471" {
			t.Fatalf("ids after the rewrite: %+v / %+v", got.Indicators, got.Scatters)
		}
		before, after := strings.Split(string(text), eol), strings.Split(string(out), eol)
		if len(after) != len(before)+1 {
			t.Fatalf("%d lines became %d; one source line should have been added", len(before), len(after))
		}
		want := []string{
			`source = "U23471"   # Kolada KPI id: resolve fills it in`,         // the trailing comment kept
			`    source = "N20900"  # Nettokostnadsavvikelse äldreomsorg, (%)`, // added, indented like kolada_title
			`quality = "U23471"  # Brukarbedömning särskilt boende äldreomsorg - helhetssyn, andel (%)`,
			"# No source line: resolve adds one above kolada_title.",
		}
		for _, w := range want {
			if !strings.Contains(string(out), w+eol) {
				t.Errorf("crlf %v: the file lacks the line %q:\n%s", crlf, w, out)
			}
		}
		// every line of the original is still there, in order
		j := 0
		for _, line := range after {
			if j < len(before) && (line == before[j] || strings.Contains(before[j], "source = \"\"") || strings.Contains(before[j], "quality = \"\"")) {
				j++
			}
		}
		if j != len(before) {
			t.Errorf("crlf %v: only %d of %d original lines kept in order", crlf, j, len(before))
		}
	}
}

func TestRewriteRefusesWhatItCannotEdit(t *testing.T) {
	// an indicator written as an inline table has no line of its own to edit
	text := []byte(`title = "x"
malomrade = [{id = "1", name = "M"}]
mal = [{id = "1.1", malomrade = "1", name = "Mål"}]
indicator = [{code = "A", name = "I", mal = "1.1", kolada_title = "Nettokostnadsavvikelse äldreomsorg, (%)", unit = "procent", direction = "minska", periods = ["helår"]}]
`)
	c, err := Parse(text, "inline.toml")
	if err != nil {
		t.Fatal(err)
	}
	res := c.Resolve(kpis)
	if len(res) != 1 || res[0].Outcome != Resolved {
		t.Fatalf("%+v", res)
	}
	if _, err := Rewrite(text, c, res, nil); err == nil {
		t.Fatal("an inline table was edited blindly")
	}
}

// FuzzParse: any input is refused or read into a catalogue that passes its
// own checks, never a panic.
func FuzzParse(f *testing.F) {
	f.Add(Builtin)
	for _, name := range []string{"resolve.toml"} {
		if b, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b, "fuzz.toml")
		if err != nil {
			return
		}
		if errs := c.validate(); len(errs) > 0 {
			t.Fatalf("parsed but invalid: %v", errs)
		}
		res := c.Resolve(kpis)
		if _, err := Rewrite(b, c, res, nil); err != nil && len(res) > 0 {
			return // refused edits are fine; a panic is not
		}
	})
}
