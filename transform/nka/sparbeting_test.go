package nka

import (
	"math"
	"math/rand"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/nyckeltal/nyckeltal/internal/testkit/repo"

	"github.com/nyckeltal/nyckeltal/transform/atgardsplan"
)

// sparWorld mirrors Åtgärdsplan 2024–2026, vård- och socialavdelningen: äldreomsorg and IFO above their peers in the
// base year. Hand-computed figures are in the tests.
func sparWorld() world {
	return world{
		municipalities: [][2]string{{"1001", "Alfa"}, {"1002", "Beta"}, {"1003", "Gamma"}, {"1004", "Delta"}},
		groups: []groupDef{
			{"G1", "Liknande kommuner äldreomsorg, Alfa, 2022", []string{"1002", "1003", "1004"}},
			{"G2", "Liknande kommuner IFO, Alfa, 2022", []string{"1002", "1003"}},
		},
		values: []val{
			// 2022: äldreomsorg 6 % / 12.3 mnkr → ref 205; peers 2, 3, 7 → mean 4; gap 2 → 4.1 mnkr.
			//       IFO 12 % / 6 mnkr → ref 50; peers 4, 6 → mean 5; gap 7 → 3.5 mnkr.
			{"N20900", "1001", 2022, f(6), false}, {"N20029", "1001", 2022, f(12.3), false},
			{"N20900", "1002", 2022, f(2), false}, {"N20900", "1003", 2022, f(3), false}, {"N20900", "1004", 2022, f(7), false},
			{"N30001", "1001", 2022, f(12), false}, {"N30026", "1001", 2022, f(6), false},
			{"N30001", "1002", 2022, f(4), false}, {"N30001", "1003", 2022, f(6), false},
			// 2023: äldreomsorg 5 % / 10.5 → ref 210; peers 2.5, 3.5, 6 → mean 4; gap 1 → 2.1 mnkr.
			//       IFO 10 % / 5.5 → ref 55; peers 6, 8 → mean 7; gap 3 → 1.65 mnkr.
			{"N20900", "1001", 2023, f(5), false}, {"N20029", "1001", 2023, f(10.5), false},
			{"N20900", "1002", 2023, f(2.5), false}, {"N20900", "1003", 2023, f(3.5), false}, {"N20900", "1004", 2023, f(6), false},
			{"N30001", "1001", 2023, f(10), false}, {"N30026", "1001", 2023, f(5.5), false},
			{"N30001", "1002", 2023, f(6), false}, {"N30001", "1003", 2023, f(8), false},
			// 2024: äldreomsorg 3 % / 6.3 → ref 210; peers 4, 4, 4; gap −1 → −2.1 mnkr.
			//       IFO 9 % / 4.5 → ref 50; peers 5, 5; gap 4 → 2 mnkr.
			{"N20900", "1001", 2024, f(3), false}, {"N20029", "1001", 2024, f(6.3), false},
			{"N20900", "1002", 2024, f(4), false}, {"N20900", "1003", 2024, f(4), false}, {"N20900", "1004", 2024, f(4), false},
			{"N30001", "1001", 2024, f(9), false}, {"N30026", "1001", 2024, f(4.5), false},
			{"N30001", "1002", 2024, f(5), false}, {"N30001", "1003", 2024, f(5), false},
			// 2025: äldreomsorg only, preliminary
			{"N20900", "1001", 2025, f(8), true}, {"N20029", "1001", 2025, f(17.6), true},
			{"N20900", "1002", 2025, f(4), true},
		},
	}
}

func sparbeting(t *testing.T, e *Engine, req SparbetingRequest) *Sparbeting {
	t.Helper()
	if req.Municipality == "" {
		req.Municipality = "1001"
	}
	if req.Areas == nil {
		req.Areas = []string{"aldreomsorg", "ifo"}
	}
	s, err := e.Sparbeting(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func counted(s *Sparbeting) []string {
	var out []string
	for _, a := range s.Areas {
		out = append(out, num(a.CountedTkr))
	}
	return out
}

func TestSparbetingHandComputed(t *testing.T) {
	e, _ := engineFor(t, sparWorld())
	even, _ := ParseProfile("even")
	front, _ := ParseProfile("front")
	weights, _ := ParseProfile("50,30,20")
	tests := []struct {
		name    string
		req     SparbetingRequest
		counted []string
		total   int64
		perYear []YearAmount
		noteHas string
	}{
		// 4.1 mnkr + 3.5 mnkr = 7 600 tkr over 2024–2026: 2 533.33 each; the tkr
		// left over by the floors goes to the earliest year.
		{"seed-like, even", SparbetingRequest{BaseYear: 2022, Profile: even}, []string{"4100", "3500"}, 7600,
			[]YearAmount{{Year: 2024, Tkr: 2534}, {Year: 2025, Tkr: 2533}, {Year: 2026, Tkr: 2533}}, ""},
		// front 3:2:1: 3 800, 2 533.33, 1 266.67 → the leftover tkr to 2026 (largest remainder).
		{"front", SparbetingRequest{BaseYear: 2022, Profile: front}, []string{"4100", "3500"}, 7600,
			[]YearAmount{{Year: 2024, Tkr: 3800}, {Year: 2025, Tkr: 2533}, {Year: 2026, Tkr: 1267}}, ""},
		{"weights", SparbetingRequest{BaseYear: 2022, Profile: weights}, []string{"4100", "3500"}, 7600,
			[]YearAmount{{Year: 2024, Tkr: 3800}, {Year: 2025, Tkr: 2280}, {Year: 2026, Tkr: 1520}}, ""},
		// 2024: äldreomsorg below its peers counts 0; IFO 2 000 tkr; start year 2026.
		{"below peers counts 0", SparbetingRequest{BaseYear: 2024, Profile: even}, []string{"0", "2000"}, 2000,
			[]YearAmount{{Year: 2026, Tkr: 2000}}, ""},
		// --net: −2 100 + 2 000 = −100: no sparbeting.
		{"net", SparbetingRequest{BaseYear: 2024, Profile: even, Net: true}, []string{"-2100", "2000"}, 0,
			[]YearAmount{{Year: 2026, Tkr: 0}}, "under jämförelsen: inget sparbeting"},
		// default base year: 2025 has preliminary äldreomsorg values and no IFO, so 2024.
		{"default base year", SparbetingRequest{Profile: even, StartYear: 2025}, []string{"0", "2000"}, 2000,
			[]YearAmount{{Year: 2025, Tkr: 1000}, {Year: 2026, Tkr: 1000}}, "basår 2024: det senaste året med slutliga värden"},
		{"target 2030", SparbetingRequest{BaseYear: 2022, TargetYear: 2030, StartYear: 2025, Profile: even}, []string{"4100", "3500"}, 7600,
			[]YearAmount{{Year: 2025, Tkr: 1520}, {Year: 2026, Tkr: 1520}, {Year: 2027, Tkr: 1520}, {Year: 2028, Tkr: 1520}, {Year: 2029, Tkr: 1520}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sparbeting(t, e, tt.req)
			if !slices.Equal(counted(s), tt.counted) || s.TotalTkr == nil || *s.TotalTkr != tt.total || !slices.Equal(tkrOnly(s.PerYear), tt.perYear) {
				t.Fatalf("counted %v total %v per year %v; want %v %d %v", counted(s), s.TotalTkr, s.PerYear, tt.counted, tt.total, tt.perYear)
			}
			if tt.noteHas != "" && !strings.Contains(strings.Join(s.Notes, "\n"), tt.noteHas) {
				t.Fatalf("notes %v lack %q", s.Notes, tt.noteHas)
			}
			if s.Sources[0] != Label || !strings.Contains(strings.Join(s.Sources, "\n"), `G1 "Liknande kommuner äldreomsorg, Alfa, 2022"`) {
				t.Fatalf("sources %v", s.Sources)
			}
		})
	}
}

func TestSparbetingUnknownIsNull(t *testing.T) {
	e, _ := engineFor(t, sparWorld())
	// 2025: IFO has no values at all, so the total cannot be known.
	s := sparbeting(t, e, SparbetingRequest{BaseYear: 2025, StartYear: 2026, Profile: Profile{Name: "even"}})
	if s.TotalTkr != nil || len(s.PerYear) != 0 || !s.Preliminary {
		t.Fatalf("total %v per year %v preliminary %v", s.TotalTkr, s.PerYear, s.Preliminary)
	}
	// äldreomsorg 2025: 8 − 4 = 4 pp of 17.6 / 0.08 = 220 → 8.8 mnkr.
	if got := counted(s); got[0] != "8800" || got[1] != "NULL" {
		t.Fatalf("counted %v", got)
	}
	if !strings.Contains(strings.Join(s.Notes, "\n"), "individ- och familjeomsorg") || !strings.Contains(strings.Join(s.Notes, "\n"), "preliminära") {
		t.Fatalf("notes %v", s.Notes)
	}
	for _, bad := range []SparbetingRequest{
		{BaseYear: 2022, TargetYear: 2022},
		{BaseYear: 2022, StartYear: 2027},
		{BaseYear: 2022, Areas: []string{"hemtjanst"}},
		{BaseYear: 2022, Comparator: "avg"},
	} {
		bad.Municipality = "1001"
		if bad.Areas == nil {
			bad.Areas = []string{"ifo"}
		}
		if _, err := e.Sparbeting(t.Context(), bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestCompareBaseYearsSplitsTheChange(t *testing.T) {
	e, _ := engineFor(t, sparWorld())
	o, err := e.CompareBaseYears(t.Context(), SparbetingRequest{Municipality: "1001", Areas: []string{"aldreomsorg", "ifo"},
		Profile: Profile{Name: "even"}}, []int{2023, 2022})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.BaseYears) != 2 || o.BaseYears[0].BaseYear != 2022 || len(o.Changes) != 2 {
		t.Fatalf("omräkning %+v", o)
	}
	// äldreomsorg: 4 100 → 2 100 tkr = −2 000: own (5 − 6) % of 205 = −2 050;
	// peers 4 → 4: 0; reference cost 1 % of (210 − 205) = +50.
	// IFO: 3 500 → 1 650 = −1 850: own (10 − 12) % of 50 = −1 000;
	// peers −(7 − 5) % of 50 = −1 000; reference cost 3 % of (55 − 50) = +150.
	want := map[string][4]string{"aldreomsorg": {"-2000", "-2050", "0", "50"}, "ifo": {"-1850", "-1000", "-1000", "150"}}
	for _, c := range o.Changes {
		w := want[c.Area]
		got := [4]string{num(c.ChangeTkr), num(c.OwnNKATkr), num(c.PeersNKATkr), num(c.ReferenceCostTkr)}
		if got != w {
			t.Errorf("%s: change, own, peers, ref = %v, want %v", c.Area, got, w)
		}
		if math.Abs(*c.OwnNKATkr+*c.PeersNKATkr+*c.ReferenceCostTkr-*c.ChangeTkr) > 1e-9 {
			t.Errorf("%s: the parts do not add up to the change", c.Area)
		}
	}
	if tc := o.TotalChanges[0]; *tc.FromTotalTkr != 7600 || *tc.ToTotalTkr != 3750 || *tc.ChangeTkr != -3850 {
		t.Fatalf("total change %+v", tc)
	}
	if _, err := e.CompareBaseYears(t.Context(), SparbetingRequest{Municipality: "1001", Areas: []string{"ifo"}}, []int{2022}); err == nil {
		t.Fatal("one base year accepted")
	}
}

// TestGlidePathSumsToTotal: for any total, span and profile the years' whole
// tkr add up to the total, and none is negative for a positive total.
func TestGlidePathSumsToTotal(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	profiles := []Profile{{Name: "even"}, {Name: "front"}}
	for i := 0; i < 2000; i++ {
		total := rng.Int63n(100000000) - 1000
		years := 1 + rng.Intn(8)
		p := profiles[rng.Intn(2)]
		if rng.Intn(3) == 0 {
			ws := make([]float64, years)
			for k := range ws {
				ws[k] = float64(rng.Intn(5))
			}
			ws[rng.Intn(years)] += 0.5
			p = Profile{Name: "weights", Weights: ws}
		}
		path, err := GlidePath(total, 2024, 2024+years-1, p)
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		for k, y := range path {
			sum += y.Tkr
			if y.Year != 2024+k || (total > 0 && y.Tkr < 0) {
				t.Fatalf("%d over %d years (%v): %v", total, years, p, path)
			}
			if p.Weights != nil && p.Weights[k] == 0 && y.Tkr != 0 {
				t.Fatalf("a year of weight 0 got %d: %v %v", y.Tkr, p.Weights, path)
			}
		}
		if sum != total {
			t.Fatalf("%d over %d years (%v) sums to %d: %v", total, years, p, sum, path)
		}
	}
	if _, err := GlidePath(100, 2024, 2026, Profile{Name: "1,2", Weights: []float64{1, 2}}); err == nil {
		t.Fatal("two weights for three years accepted")
	}
	for _, bad := range []string{"0,0", "a,b", "-1,2", "steep"} {
		if _, err := ParseProfile(bad); err == nil {
			t.Errorf("profile %q accepted", bad)
		}
	}
}

// TestComparePlanWithTheSampleAtgardsplan sets the sample plan (data/samples) against
// sparWorld's sparbeting for three base years. The plan's rows by hand (tkr),
// with the columns Typ and Minskar: 2024 7 169 planned, of it 1 859 engångs
// (åtgärd 7) and 1 750 + 1 200 = 2 950 underskott (åtgärd 2 and 3), so
// 7 169 − 1 859 − 2 950 = 2 360 counted; 2025 3 900 and 2026 2 480, all
// counted. Counted in all: 2 360 + 3 900 + 2 480 = 8 740.
func TestComparePlanWithTheSampleAtgardsplan(t *testing.T) {
	e, _ := engineFor(t, sparWorld())
	fh, err := os.Open(repo.Path("data", "samples", "atgardsplan-2024-2026.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	plan, err := atgardsplan.Parse(fh)
	if err != nil {
		t.Fatal(err)
	}
	type yr struct {
		year                     int
		glide                    int64
		planned, counted, remain float64
		cumGlide                 int64
		cumCounted               float64
		coverage                 string // "" for none
	}
	tests := []struct {
		base      int
		total     int64
		years     []yr
		counted   float64
		coverage  float64
		remaining float64
		inOutcome float64
		notesHave []string
		notesLack []string
	}{
		// base 2022: 7 600 tkr over 2024–2026 (2 534, 2 533, 2 533).
		{2022, 7600, []yr{
			{2024, 2534, 7169, 2360, 2534 - 2360, 2534, 2360, "93.133385951"}, // 2 360 / 2 534
			{2025, 2533, 3900, 3900, 2533 - 3900, 5067, 6260, "153.967627319"},
			{2026, 2533, 2480, 2480, 53, 7600, 8740, "97.907619424"},
		}, 8740, 8740.0 / 7600 * 100, 7600 - 8740, 0,
			[]string{"1 859 tkr är engångsbelopp", "åtgärd 7 2024 (1 859 tkr)", "2 950 tkr minskar ett underskott",
				"åtgärd 2 2024 (1 750 tkr), åtgärd 3 2024 (1 200 tkr)"},
			[]string{"outside the glide path", "redan gjorda"}},
		// base 2023: äldreomsorg 2.1 + IFO 1.65 mnkr = 3 750 tkr over 2025–2026 (1 875 each);
		// the 2024 measures come after the base year and count, before the glide path.
		{2023, 3750, []yr{
			{2024, 0, 7169, 2360, -2360, 0, 2360, ""},
			{2025, 1875, 3900, 3900, 1875 - 3900, 1875, 6260, "208"},
			{2026, 1875, 2480, 2480, 1875 - 2480, 3750, 8740, "132.266666667"},
		}, 8740, 8740.0 / 3750 * 100, 3750 - 8740, 0,
			[]string{"efter basåret 2023 men före glidbanan 2025–2026 räknas mot sparbetinget", "2024 (2 360 tkr)"},
			[]string{"outside the glide path", "redan gjorda"}},
		// base 2024: IFO 2 mnkr (äldreomsorg below its peers counts 0) = 2 000 tkr in 2026;
		// the 2024 column is the base year's own budget year: already in the outcome.
		{2024, 2000, []yr{
			{2025, 0, 3900, 3900, -3900, 0, 3900, ""},
			{2026, 2000, 2480, 2480, -480, 2000, 6380, "124"},
		}, 6380, 6380.0 / 2000 * 100, 2000 - 6380, 7169,
			[]string{"7 169 tkr ligger i basårets budgetår 2024 eller tidigare och räknas som redan gjorda", "åtgärd 7 2024 (1 859 tkr)"},
			[]string{"engångsbelopp", "underskott"}},
	}
	for _, tt := range tests {
		s := sparbeting(t, e, SparbetingRequest{BaseYear: tt.base, Profile: Profile{Name: "even"}})
		if s.TotalTkr == nil || *s.TotalTkr != tt.total {
			t.Fatalf("base %d: total %v, want %d", tt.base, s.TotalTkr, tt.total)
		}
		pc := ComparePlan(s, plan, "atgardsplan-2024-2026.csv")
		if len(pc.PerYear) != len(tt.years) {
			t.Fatalf("base %d: years %+v", tt.base, pc.PerYear)
		}
		for i, w := range tt.years {
			g := pc.PerYear[i]
			cov := ""
			if g.CoveragePct != nil {
				cov = num(g.CoveragePct)
			}
			if g.Year != w.year || g.GlideTkr != w.glide || g.PlannedTkr != w.planned || g.CountedTkr != w.counted ||
				g.RemainingTkr != w.remain || g.CumulativeGlideTkr != w.cumGlide || g.CumulativeCountedTkr != w.cumCounted || cov != w.coverage {
				t.Errorf("base %d: year %+v (coverage %s), want %+v", tt.base, g, cov, w)
			}
		}
		if pc.CountedTkr != tt.counted || math.Abs(*pc.CoveragePct-tt.coverage) > 1e-9 || *pc.RemainingTkr != tt.remaining ||
			pc.InOutcomeTkr != tt.inOutcome || pc.BaseYear != tt.base {
			t.Errorf("base %d: counted %v coverage %v remaining %v in outcome %v", tt.base, pc.CountedTkr, *pc.CoveragePct, *pc.RemainingTkr, pc.InOutcomeTkr)
		}
		notes := strings.ReplaceAll(strings.Join(pc.Notes, "\n"), "\u00a0", " ") // thousands are separated by no-break spaces
		for _, n := range tt.notesHave {
			if !strings.Contains(notes, n) {
				t.Errorf("base %d: notes lack %q:\n%s", tt.base, n, notes)
			}
		}
		for _, n := range tt.notesLack {
			if strings.Contains(notes, n) {
				t.Errorf("base %d: notes have %q:\n%s", tt.base, n, notes)
			}
		}
		if pc.StatedTotalTkr == nil || *pc.StatedTotalTkr != 13149 || !strings.Contains(strings.Join(pc.Discrepancies, "\n"), "13\u00a0149 tkr") {
			t.Fatalf("stated total %v, discrepancies %v", pc.StatedTotalTkr, pc.Discrepancies)
		}
		if s.Plan != pc {
			t.Fatal("the comparison is not kept with the sparbeting")
		}
	}
	// every amount is accounted for exactly once
	s := sparbeting(t, e, SparbetingRequest{BaseYear: 2022, Profile: Profile{Name: "even"}})
	pc := ComparePlan(s, plan, "plan.csv")
	if sum := pc.CountedTkr + pc.OneOffTkr + pc.DeficitTkr + pc.InOutcomeTkr + pc.AfterTargetTkr; sum != pc.PlanTotalTkr || sum != 13549 {
		t.Fatalf("the parts sum to %v, the plan to %v", sum, pc.PlanTotalTkr)
	}
}

// FuzzProfileGlidePath: a --profile that parses spreads any total over as
// many years as it has weights, in whole tkr that add up to the total.
func FuzzProfileGlidePath(f *testing.F) {
	for _, s := range []string{"even", "front", "50,30,20", "1", "0,1", "0.5, 0.25", "1e3,1"} {
		f.Add(s, int64(12357), 3)
	}
	f.Fuzz(func(t *testing.T, profile string, total int64, years int) {
		p, err := ParseProfile(profile)
		if err != nil {
			return
		}
		if p.Weights != nil {
			years = len(p.Weights)
		}
		if years < 1 || years > 50 || total > 1e12 || total < -1e12 {
			return
		}
		path, err := GlidePath(total, 2024, 2024+years-1, p)
		if err != nil {
			t.Fatalf("%q over %d years: %v", profile, years, err)
		}
		var sum int64
		for _, y := range path {
			sum += y.Tkr
		}
		if sum != total || len(path) != years {
			t.Fatalf("%q: %d over %d years gives %v", profile, total, years, path)
		}
	})
}

// The rule from base year to budget years is stated, and what it does when
// the outcome comes too late for any budget year before the target.
func TestGlidePathRuleIsStated(t *testing.T) {
	e, _ := engineFor(t, sparWorld())
	s := sparbeting(t, e, SparbetingRequest{BaseYear: 2024, TargetYear: 2028, Profile: Profile{Name: "even"}})
	if !slices.Equal(tkrOnly(s.PerYear), []YearAmount{{Year: 2026, Tkr: 1000}, {Year: 2027, Tkr: 1000}}) ||
		!strings.Contains(strings.Join(s.Notes, "\n"), "glidbanan 2026–2027: från basår + 2 (utfallet 2024 publiceras 2025 och påverkar tidigast budget 2026)") {
		t.Fatalf("2024 → 2028: %v %q", s.PerYear, s.Notes)
	}
	// base 2025, target 2027: 2025 + 2 is the target itself
	s = sparbeting(t, e, SparbetingRequest{BaseYear: 2025, TargetYear: 2027, Areas: []string{"aldreomsorg"}, Profile: Profile{Name: "even"}})
	if len(s.PerYear) != 1 || s.PerYear[0].Year != 2026 ||
		!strings.Contains(strings.Join(s.Notes, "\n"), "utfallet 2025 publiceras 2026 och påverkar tidigast budget 2027, som inte ligger före målåret 2027") {
		t.Fatalf("2025 → 2027: %v %q", s.PerYear, s.Notes)
	}
	// an explicit start year needs no rule
	s = sparbeting(t, e, SparbetingRequest{BaseYear: 2024, StartYear: 2025, Profile: Profile{Name: "even"}})
	if strings.Contains(strings.Join(s.Notes, "\n"), "glidbanan") {
		t.Fatalf("notes %q", s.Notes)
	}
}
