package nka

import (
	"math"
	"math/rand"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/nyckeltal/nyckeltal/transform/atgardsplan"
)

// sparWorld mirrors seed 004: äldreomsorg and IFO above their peers in the
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
			[]YearAmount{{2024, 2534}, {2025, 2533}, {2026, 2533}}, ""},
		// front 3:2:1: 3 800, 2 533.33, 1 266.67 → the leftover tkr to 2026 (largest remainder).
		{"front", SparbetingRequest{BaseYear: 2022, Profile: front}, []string{"4100", "3500"}, 7600,
			[]YearAmount{{2024, 3800}, {2025, 2533}, {2026, 1267}}, ""},
		{"weights", SparbetingRequest{BaseYear: 2022, Profile: weights}, []string{"4100", "3500"}, 7600,
			[]YearAmount{{2024, 3800}, {2025, 2280}, {2026, 1520}}, ""},
		// 2024: äldreomsorg below its peers counts 0; IFO 2 000 tkr; start year 2026.
		{"below peers counts 0", SparbetingRequest{BaseYear: 2024, Profile: even}, []string{"0", "2000"}, 2000,
			[]YearAmount{{2026, 2000}}, ""},
		// --net: −2 100 + 2 000 = −100: no sparbeting.
		{"net", SparbetingRequest{BaseYear: 2024, Profile: even, Net: true}, []string{"-2100", "2000"}, 0,
			[]YearAmount{{2026, 0}}, "under jämförelsen: inget sparbeting"},
		// default base year: 2025 has preliminary äldreomsorg values and no IFO, so 2024.
		{"default base year", SparbetingRequest{Profile: even, StartYear: 2025}, []string{"0", "2000"}, 2000,
			[]YearAmount{{2025, 1000}, {2026, 1000}}, "basår 2024: det senaste året med slutliga värden"},
		{"target 2030", SparbetingRequest{BaseYear: 2022, TargetYear: 2030, StartYear: 2025, Profile: even}, []string{"4100", "3500"}, 7600,
			[]YearAmount{{2025, 1520}, {2026, 1520}, {2027, 1520}, {2028, 1520}, {2029, 1520}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sparbeting(t, e, tt.req)
			if !slices.Equal(counted(s), tt.counted) || s.TotalTkr == nil || *s.TotalTkr != tt.total || !slices.Equal(s.PerYear, tt.perYear) {
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
	if !strings.Contains(strings.Join(s.Notes, "\n"), "ifo") || !strings.Contains(strings.Join(s.Notes, "\n"), "preliminära") {
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

func TestComparePlanWithSeedSample(t *testing.T) {
	e, _ := engineFor(t, sparWorld())
	s := sparbeting(t, e, SparbetingRequest{BaseYear: 2022, Profile: Profile{Name: "even"}})
	fh, err := os.Open("../../data/samples/atgardsplan-2024-2026.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	plan, err := atgardsplan.Parse(fh)
	if err != nil {
		t.Fatal(err)
	}
	pc := ComparePlan(s, plan, "atgardsplan-2024-2026.csv")
	// glide 2 534 / 2 533 / 2 533 against the plan's own sums 7 169 / 3 900 / 2 480 tkr.
	wantYears := []PlanYear{
		{Year: 2024, GlideTkr: 2534, PlannedTkr: 7169, RemainingTkr: 2534 - 7169},
		{Year: 2025, GlideTkr: 2533, PlannedTkr: 3900, RemainingTkr: 2533 - 3900},
		{Year: 2026, GlideTkr: 2533, PlannedTkr: 2480, RemainingTkr: 53},
	}
	for i, w := range wantYears {
		g := pc.PerYear[i]
		if g.Year != w.Year || g.GlideTkr != w.GlideTkr || math.Abs(g.PlannedTkr-w.PlannedTkr) > 1e-9 || math.Abs(g.RemainingTkr-w.RemainingTkr) > 1e-9 ||
			math.Abs(*g.CoveragePct-w.PlannedTkr/float64(w.GlideTkr)*100) > 1e-9 {
			t.Errorf("year %+v, want %+v", g, w)
		}
	}
	// 13 549 planned of 7 600: 178.3 %, 5 949 tkr more than asked.
	if math.Abs(pc.PlannedTkr-13549) > 1e-9 || math.Abs(*pc.RemainingTkr+5949) > 1e-9 || math.Abs(*pc.CoveragePct-13549.0/7600*100) > 1e-9 {
		t.Fatalf("plan totals %+v", pc)
	}
	if pc.StatedTotalTkr == nil || *pc.StatedTotalTkr != 13149 || !strings.Contains(strings.Join(pc.Discrepancies, "\n"), "13 149 tkr") {
		t.Fatalf("stated total %v, discrepancies %v", pc.StatedTotalTkr, pc.Discrepancies)
	}
	if s.Plan != pc {
		t.Fatal("the comparison is not kept with the sparbeting")
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
	if !slices.Equal(s.PerYear, []YearAmount{{2026, 1000}, {2027, 1000}}) ||
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
