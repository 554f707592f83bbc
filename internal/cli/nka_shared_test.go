package cli

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nyckeltal/nyckeltal/connectors/kolada/koladafake"
	"github.com/nyckeltal/nyckeltal/transform/nka"
)

// hoorInvanare are illustrative invånare (N01951) of Höör, of its size but
// not SCB's figures: the snapshot holds no N01951 (transform/nka's tests use
// the same). Other municipalities get illustrative values from their id.
var hoorInvanare = map[int]float64{2018: 16200, 2019: 16400, 2020: 16550, 2021: 16700, 2022: 16900, 2023: 17050, 2024: 17180, 2025: 17300}

func illustrativeInvanare(id string, year int) float64 {
	if id == "1267" {
		return hoorInvanare[year]
	}
	n := 0
	for _, c := range id {
		n = n*10 + int(c-'0')
	}
	return float64(8000 + (n%89)*400 + (year-2018)*50)
}

// newSnapshotHarness serves the real Kolada snapshot (Källa: Kolada) with
// Kolada's KPI catalogue and the illustrative invånare above, with Höör
// (1267) as the home municipality, comparison groups of its own in the
// configuration and in a groups file, and the sample åtgärdsplan as
// plan.csv. It skips without ../shared.
func newSnapshotHarness(t *testing.T) *harness {
	t.Helper()
	if _, err := os.Stat(filepath.Join(sharedKolada, "kpi_catalogue.json")); err != nil {
		t.Skip("no ../shared/kolada beside the repository")
	}
	changed := testDay.AddDate(0, 0, -1)
	ds, err := koladafake.LoadDir(sharedKolada, changed)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := koladafake.ReadCatalogue(filepath.Join(sharedKolada, "kpi_catalogue.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := ds.AddCatalogue(recs); err != nil {
		t.Fatal(err)
	}
	for _, m := range ds.Municipalities {
		if m.ID == "0000" {
			continue
		}
		for y := 2018; y <= 2025; y++ {
			v := illustrativeInvanare(m.ID, y)
			ds.Values[koladafake.Key{KPI: nka.PopulationKPI, Unit: m.ID, Year: y, Gender: "T"}] = &koladafake.Value{Value: &v, Count: 1, Changed: changed}
		}
	}
	h := serveHarness(t, ds, "1267", "2018-2025")
	cfg, err := os.ReadFile(filepath.Join(h.dir, "nyckeltal.toml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg = append(cfg, []byte(`
[nka]
groups_file = "grupper.csv"

[nka.groups.skane_sma]
title = "Små kommuner i Skåne"
members = ["1214", "Bjuv", "1265", "Hörby", "1270"]
`)...)
	if err := os.WriteFile(filepath.Join(h.dir, "nyckeltal.toml"), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	groups := "grupp;år;kommun;titel\n" +
		"# the group the plan was decided against: three members in 2022, five from 2024\n" +
		"beslut;2022;Svalöv;Beslutad jämförelse 2022\n" +
		"beslut;2022;1260;\n" +
		"beslut;2022;Sjöbo;\n" +
		"beslut;2024;1214;\n" +
		"beslut;2024;1260;\n" +
		"beslut;2024;1265;\n" +
		"beslut;2024;1266;\n" +
		"beslut;2024;1270;\n"
	if err := os.WriteFile(filepath.Join(h.dir, "grupper.csv"), []byte(groups), 0o644); err != nil {
		t.Fatal(err)
	}
	copyFile(t, seedPlan, filepath.Join(h.dir, "plan.csv"))
	h.mustRun("ingest", "kolada")
	return h
}

// TestSnapshotComparatorsTargetsAndPlan runs gap and sparbeting on the real
// snapshot with the new comparison sets, targets, trends, kr per invånare,
// the explanation and the sample plan, against goldens and figures computed
// independently with python3 from ../shared/kolada/data.json:
//
//	Höör 2023 against the 25th percentile of the 32 other municipalities of
//	Skåne (h = 31 × 0.25 = 7.75):
//	  äldreomsorg x8 −10.5539, x9 −10.0281 → −10.15955; Höör −0.722 % and
//	    −1.541784 mnkr → reference cost 213.54349030470914 mnkr; gap
//	    9.43755 pp → 20 153.273669252078 tkr
//	  IFO x8 −14.7601, x9 −13.3094 → −13.672075; Höör −9.7858 %, −6.069383
//	    mnkr → 62.022348709354375 mnkr; gap 3.886275 pp → 2 410.3590323044614 tkr
//	  sparbeting 22 563.63 → 22 564 tkr, 2025 and 2026 11 282 each;
//	  1 323.40 kr per invånare (illustrative 17 050 invånare)
//	the sample plan, base year 2023: counted 2 360 (2024) + 3 900 + 2 480 =
//	  8 740 tkr, coverage 8 740 / 22 564 = 38.73 %, remaining 13 824 tkr;
//	  engångs 1 859, underskott 2 950
//	own group skane_sma 2024 (Svalöv 23.2838, Bjuv −1.6103, Sjöbo −0.3275,
//	  Hörby 3.034, Tomelilla −17.0981): mean 1.45638; the groups file's
//	  "beslut" 2022 (Svalöv, Bjuv, Sjöbo) 17.296366666666668
func TestSnapshotComparatorsTargetsAndPlan(t *testing.T) {
	h := newSnapshotHarness(t)
	checkGolden(t, "explain_hoor_aldreomsorg_2024.txt", h.mustRun("sparbeting", "--base-year", "2024", "--explain", "aldreomsorg"))
	checkGolden(t, "explain_hoor_aldreomsorg_2024_trend.txt", h.mustRun("sparbeting", "--base-year", "2024", "--target", "share:0.5",
		"--peer-trend", "linear:3", "--explain", "Äldreomsorg"))
	checkGolden(t, "gap_hoor_lan_median.txt", h.mustRun("gap", "--area", "aldreomsorg,ifo", "--year", "2024", "--comparator", "lan",
		"--target", "median"))
	checkGolden(t, "gap_hoor_beslut.csv", h.mustRun("gap", "--area", "aldreomsorg", "--year", "2022-2024", "--comparator", "beslut",
		"--format", "csv"))
	args := []string{"sparbeting", "--base-year", "2023", "--comparator", "lan", "--target", "p25", "--plan", "plan.csv"}
	checkGolden(t, "sparbeting_hoor_2023_lan_p25_plan.txt", stable(h.mustRun(args...)))

	var s struct {
		TotalTkr      int64   `json:"total_tkr"`
		TotalKrPerInv float64 `json:"total_kr_per_inv"`
		Target        string  `json:"target"`
		Assumption    string  `json:"assumption"`
		Areas         []struct {
			CountedTkr     float64 `json:"counted_tkr"`
			ComparatorPct  float64 `json:"comparator_pct"`
			ComparatorText string  `json:"comparator_text"`
		} `json:"areas"`
		PerYear []struct {
			Year int   `json:"year"`
			Tkr  int64 `json:"tkr"`
		} `json:"per_year"`
		Plan struct {
			CountedTkr   float64 `json:"counted_tkr"`
			OneOffTkr    float64 `json:"one_off_tkr"`
			DeficitTkr   float64 `json:"deficit_tkr"`
			CoveragePct  float64 `json:"coverage_pct"`
			RemainingTkr float64 `json:"remaining_tkr"`
			Notes        []string
		} `json:"plan"`
	}
	if err := json.Unmarshal([]byte(h.mustRun(append(args, "--format", "json")...)), &s); err != nil {
		t.Fatal(err)
	}
	near := func(name string, got, want, tol float64) {
		t.Helper()
		if math.Abs(got-want) > tol {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if s.TotalTkr != 22564 || len(s.PerYear) != 2 || s.PerYear[0].Tkr != 11282 || s.PerYear[1].Tkr != 11282 || s.Target != "p25" {
		t.Fatalf("sparbeting %+v", s)
	}
	near("äldreomsorg counted", s.Areas[0].CountedTkr, 20153.273669252078, 1e-6)
	near("IFO counted", s.Areas[1].CountedTkr, 2410.3590323044614, 1e-6)
	near("äldreomsorg comparator", s.Areas[0].ComparatorPct, -10.15955, 1e-9)
	near("IFO comparator", s.Areas[1].ComparatorPct, -13.672075, 1e-9)
	near("kr/inv", s.TotalKrPerInv, 22564e3/17050, 1e-6)
	near("plan counted", s.Plan.CountedTkr, 8740, 1e-9)
	near("plan one-off", s.Plan.OneOffTkr, 1859, 1e-9)
	near("plan deficit", s.Plan.DeficitTkr, 2950, 1e-9)
	near("coverage", s.Plan.CoveragePct, 8740.0/22564*100, 1e-6)
	near("remaining", s.Plan.RemainingTkr, 22564-8740, 1e-9)
	if !strings.Contains(s.Areas[0].ComparatorText, "25:e percentilen för övriga kommuner i Skåne län 2023, antaget oförändrat till 2027") ||
		!strings.Contains(s.Assumption, "ligger kvar på 2023 års nivå till 2027") {
		t.Errorf("comparator text %q, assumption %q", s.Areas[0].ComparatorText, s.Assumption)
	}
	if strings.Contains(strings.Join(s.Plan.Notes, "\n"), "outside the glide path") {
		t.Errorf("the 2024 measures are dropped: %q", s.Plan.Notes)
	}

	// groups of one's own, from the configuration and from the groups file
	var rows []map[string]any
	if err := json.Unmarshal([]byte(h.mustRun("gap", "--area", "aldreomsorg", "--year", "2024", "--comparator", "skane_sma", "--format", "json")), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0]["comparator_group"] != "skane_sma" || rows[0]["comparator_count"].(float64) != 5 {
		t.Fatalf("skane_sma: %v", rows)
	}
	near("skane_sma mean", rows[0]["comparator_pct"].(float64), 1.45638, 1e-6)
	if err := json.Unmarshal([]byte(h.mustRun("gap", "--area", "aldreomsorg", "--year", "2022", "--comparator", "beslut", "--format", "json")), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0]["comparator_count"].(float64) != 3 || rows[0]["comparator_group_title"] != "Beslutad jämförelse 2022" {
		t.Fatalf("beslut 2022: %v", rows)
	}
	near("beslut 2022 mean", rows[0]["comparator_pct"].(float64), 17.296366666666668, 1e-6)

	// a comparator nobody defined, a bad target: usage errors with a hint
	for _, bad := range [][]string{{"gap", "--comparator", "nosuch"}, {"sparbeting", "--target", "p100"}, {"sparbeting", "--peer-trend", "linear:1"},
		{"sparbeting", "--explain", "lss"}} {
		out, errOut, code := h.run(bad...)
		if code != ExitUsage || !strings.Contains(errOut, `"hint":"`) {
			t.Errorf("%v: exit %d\n%s%s", bad, code, out, errOut)
		}
	}
}
