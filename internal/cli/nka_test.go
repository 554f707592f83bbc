package cli

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/nyckeltal/nyckeltal/internal/testkit/repo"

	"github.com/xuri/excelize/v2"

	"github.com/nyckeltal/nyckeltal/transform/nka"
)

// loadTime hides the commit time of a load, which differs per run.
var loadTime = regexp.MustCompile(`Kolada-laddning (\d+), \d{4}-\d\d-\d\d \d\d:\d\d CES?T`)

func stable(s string) string { return loadTime.ReplaceAllString(s, "Kolada-laddning $1, TIME") }

var seedPlan = repo.Path("data", "samples", "atgardsplan-2024-2026.csv")

// TestNKACommands runs the read-only NKA commands against one ingested store.
func TestNKACommands(t *testing.T) {
	h := newHarness(t)
	h.mustRun("ingest", "kolada")
	t.Run("gap outputs", func(t *testing.T) { testGapOutputs(t, h) })
	t.Run("gap files and xlsx", func(t *testing.T) { testGapFileFormatsAndXLSX(t, h) })
	t.Run("sparbeting outputs", func(t *testing.T) { testSparbetingOutputs(t, h) })
	t.Run("exit codes", func(t *testing.T) { testNKAExitCodes(t, h) })
}

func testGapOutputs(t *testing.T, h *harness) {
	args := []string{"gap", "--area", "aldreomsorg,ifo,overgripande"}
	checkGolden(t, "gap_9001.txt", h.mustRun(args...))
	checkGolden(t, "gap_9001.csv", h.mustRun(append(args, "--format", "csv")...))
	js := h.mustRun(append(args, "--format", "json")...)
	checkGolden(t, "gap_9001.json", js)

	var rows []map[string]any
	if err := json.Unmarshal([]byte(js), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 9 { // three areas, 2023–2025
		t.Fatalf("%d rows", len(rows))
	}
	for _, r := range rows {
		keys := make([]string, 0, len(r))
		for k := range r {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		want := slices.Clone(gapJSONKeys)
		sort.Strings(want)
		if !slices.Equal(keys, want) {
			t.Fatalf("JSON keys %v, want exactly %v", keys, want)
		}
		if !strings.HasSuffix(r["note"].(string), nka.Label) {
			t.Fatalf("note without the source label: %q", r["note"])
		}
		if r["year"].(float64) == 2025 && r["preliminary"] != true {
			t.Fatalf("2025 is preliminary on the test day: %v", r)
		}
	}
	// every municipality at once: Exempelköping is the only one with groups
	all := h.mustRun("gap", "--municipality", "all", "--format", "csv", "--year", "2024")
	if n := strings.Count(all, "\n"); n != 1+8 {
		t.Fatalf("--municipality all: %d lines\n%s", n, all)
	}
}

func testGapFileFormatsAndXLSX(t *testing.T, h *harness) {
	out := filepath.Join(h.dir, "gap.xlsx")
	h.mustRun("gap", "--municipality", "Exempelköping", "--year", "2024-2025", "--out", out)
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	label, _ := f.GetCellValue(sheet, "A2")
	header, _ := f.GetCellValue(sheet, "A5")
	area, _ := f.GetCellValue(sheet, "A6")
	if label != nka.Label || header != "Område" || area != "Äldreomsorg" {
		t.Fatalf("sheet %s: A2 %q A5 %q A6 %q", sheet, label, header, area)
	}
	// CSV and JSON files by extension, written whole
	for _, name := range []string{"gap.csv", "gap.json"} {
		p := filepath.Join(h.dir, name)
		h.mustRun("gap", "--area", "ifo", "--out", p)
		b, err := os.ReadFile(p)
		if err != nil || !strings.Contains(string(b), nka.Label) {
			t.Fatalf("%s: %v\n%s", name, err, b)
		}
	}
	if matches, _ := filepath.Glob(filepath.Join(h.dir, ".gap*tmp")); len(matches) > 0 {
		t.Fatalf("temporary files left: %v", matches)
	}
}

func testSparbetingOutputs(t *testing.T, h *harness) {
	copyFile(t, seedPlan, filepath.Join(h.dir, "plan.csv"))
	// Against riket: Exempelköping's IFO 2024 lies 3.66 % above; äldreomsorg is below and counts 0.
	args := []string{"sparbeting", "--base-year", "2024", "--comparator", "riket", "--start-year", "2025", "--target-year", "2028", "--plan", "plan.csv"}
	checkGolden(t, "sparbeting_9001.txt", stable(h.mustRun(args...)))
	checkGolden(t, "sparbeting_9001.csv", stable(h.mustRun(append(args, "--format", "csv", "--profile", "front")...)))
	js := stable(h.mustRun(append(args, "--format", "json")...))
	checkGolden(t, "sparbeting_9001.json", js)
	var doc map[string]any
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"municipality_id", "base_year", "target_year", "comparator", "areas", "total_tkr", "per_year", "preliminary", "sources"} {
		if _, ok := doc[k]; !ok {
			t.Fatalf("sparbeting JSON lacks %q", k)
		}
	}
	var areaKeys []string
	for k := range doc["areas"].([]any)[0].(map[string]any) {
		areaKeys = append(areaKeys, k)
	}
	sort.Strings(areaKeys)
	if want := []string{"area", "comparator_count", "comparator_group", "comparator_group_title", "comparator_members", "comparator_missing",
		"comparator_pct", "comparator_projected_pct", "comparator_stat_pct", "comparator_text", "counted_kr_per_inv", "counted_tkr",
		"gap_kr_per_inv", "gap_mnkr", "gap_pp", "group_choice", "group_choice_text", "load_id",
		"missing_peers", "nka_pct", "note", "peer_count", "peer_group_id", "peer_group_title", "peer_group_year", "peer_mean_pct",
		"peer_median_pct", "peer_members", "population", "preliminary", "reference_cost_estimated", "reference_cost_method", "reference_cost_mnkr",
		"reference_cost_net_mnkr", "reference_cost_ratio_mnkr", "trend_from_year", "trend_slope_pp", "trend_to_year"}; !slices.Equal(areaKeys, want) {
		t.Fatalf("area keys %v, want %v", areaKeys, want)
	}
	var sum float64
	for _, y := range doc["per_year"].([]any) {
		sum += y.(map[string]any)["tkr"].(float64)
	}
	if sum != doc["total_tkr"].(float64) {
		t.Fatalf("glide path sums to %v, total %v", sum, doc["total_tkr"])
	}
	if !strings.Contains(js, "13\u00a0149 tkr") || doc["sources"].([]any)[0] != nka.Label {
		t.Fatal("the plan's printed total or the label is missing")
	}

	checkGolden(t, "omrakning_9001.txt", stable(h.mustRun("sparbeting", "--compare-base-years", "2023,2024", "--start-year", "2025")))
	var o nka.Omrakning
	if err := json.Unmarshal([]byte(h.mustRun("sparbeting", "--compare-base-years", "2023,2024", "--format", "json")), &o); err != nil {
		t.Fatal(err)
	}
	if len(o.BaseYears) != 2 || len(o.Changes) != 2 {
		t.Fatalf("omräkning %+v", o)
	}
	out := filepath.Join(h.dir, "spar.xlsx")
	h.mustRun("sparbeting", "--base-year", "2024", "--plan", seedPlan, "--out", out)
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"Sparbeting 2024", "Glidbana 2024", "Åtgärdsplan", "Plan mot glidbana"}) {
		t.Fatalf("sheets %v", got)
	}
}

func TestNKAAsOf(t *testing.T) {
	h := newHarness(t)
	h.mustRun("ingest", "kolada")
	before := h.mustRun("gap", "--area", "ifo", "--year", "2024", "--format", "csv")
	// Kolada revises Exempelköping's IFO 2024; a later load records it.
	v := 99.0
	h.fake.SetValue("N30001", "9001", 2024, "T", &v, testDay)
	h.mustRun("ingest", "kolada", "--full")
	after := h.mustRun("gap", "--area", "ifo", "--year", "2024", "--format", "csv")
	if before == after || !strings.Contains(after, ",99,") {
		t.Fatalf("the revision did not arrive:\n%s", after)
	}
	var first string
	if out := h.mustRun("sql", "--format", "csv", "SELECT strftime(finished_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ') FROM load WHERE load_id = 1"); true {
		first = strings.TrimSpace(strings.Split(out, "\n")[1])
	}
	asOf := h.mustRun("gap", "--area", "ifo", "--year", "2024", "--format", "csv", "--as-of", first)
	if asOf != before {
		t.Fatalf("--as-of the first load:\n%s\nwant\n%s", asOf, before)
	}
	_, errs, code := h.run("gap", "--as-of", "2001-01-01")
	if code != ExitData || !strings.Contains(errs, "first successful load") {
		t.Fatalf("as-of before any load: exit %d %s", code, errs)
	}
}

func testNKAExitCodes(t *testing.T, h *harness) {
	bad := filepath.Join(h.dir, "bad-plan.csv")
	if err := os.WriteFile(bad, []byte("löpnr;åtgärd;2024\n1;A;12 34\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args     []string
		want     int
		inStderr string
	}{
		{[]string{"gap", "--area", "hemtjanst"}, ExitUsage, "the areas are aldreomsorg"},
		{[]string{"gap", "--municipality", "9999"}, ExitUsage, "not in the store's municipality table"},
		{[]string{"gap", "--comparator", "average"}, ExitUsage, "use mean, median, riket"},
		{[]string{"gap", "--comparator", "G1"}, ExitUsage, "G1: not in the store"},
		{[]string{"gap", "--group", "G1"}, ExitUsage, "v_peer_group"},
		{[]string{"gap", "--format", "xlsx"}, ExitUsage, "--out FILE.xlsx"},
		{[]string{"gap", "--as-of", "last year"}, ExitUsage, "write a date"},
		{[]string{"sparbeting", "--profile", "1,2"}, ExitUsage, "2 weights for 1 budget years"},
		{[]string{"sparbeting", "--base-year", "2024", "--target-year", "2024"}, ExitUsage, "must come after the base year"},
		{[]string{"sparbeting", "--plan", bad}, ExitData, "rad 2, kolumn 2024"},
		{[]string{"sparbeting", "--plan", "nope.csv"}, ExitUsage, "no such file"},
		{[]string{"sparbeting", "--compare-base-years", "2024"}, ExitUsage, "at least two base years"},
	}
	for _, tt := range tests {
		_, errs, code := h.run(tt.args...)
		if code != tt.want || !strings.Contains(errs, tt.inStderr) {
			t.Errorf("%v: exit %d (want %d), stderr:\n%s", tt.args, code, tt.want, errs)
		}
	}
}

// The configuration's areas reach the analysts' views at the next write.
func TestConfiguredAreasReachTheViews(t *testing.T) {
	h := newHarness(t)
	h.mustRun("ingest", "kolada")
	cfg, _ := os.ReadFile(filepath.Join(h.dir, "nyckeltal.toml"))
	cfg = append(cfg, []byte("[nka.areas.ifo]\ntitle = \"IFO (egen rubrik)\"\nmin_abs_nka_pct = 2.0\n")...)
	if err := os.WriteFile(filepath.Join(h.dir, "nyckeltal.toml"), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	// a reader follows the configuration at once (and warns that the views do not yet)
	_, errs, code := h.run("gap", "--area", "ifo")
	if code != ExitOK || !strings.Contains(errs, "nka_area differs") {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	h.mustRun("migrate")
	out := h.mustRun("sql", "--format", "csv", "SELECT title, min_abs_pct FROM nka_area WHERE area = 'ifo'")
	if !strings.Contains(out, "IFO (egen rubrik),2") {
		t.Fatalf("nka_area after migrate:\n%s", out)
	}
	if _, errs, _ := h.run("gap", "--area", "ifo"); strings.Contains(errs, "nka_area differs") {
		t.Fatalf("still warns after the write: %s", errs)
	}
}

// A "Liknande kommuner" group whose title cannot be read is said in the
// ingest summary, the analysts' view, and the notes of gap (every format),
// sparbeting, tables and the report of the municipality it seems to name.
func TestUnreadableGroupIsSaidEverywhere(t *testing.T) {
	h := newHarness(t)
	h.mustRun("ingest", "kolada")
	const bad = "Liknande kommuner, äldreomsorg, Exempelköping, 20x4"
	h.fake.SetGroupTitle("G100002", bad)
	out := h.mustRun("ingest", "kolada")
	if !strings.Contains(out, "Varning: grupper \"Liknande kommuner\" som inte används: 1 som inte kan läsas") ||
		!strings.Contains(out, `G100002 "`+bad+`" (Exempelköping): året "20x4" kan inte läsas`) {
		t.Fatalf("ingest summary:\n%s", out)
	}
	view := h.mustRun("sql", "--format", "csv", "SELECT group_id, status, problem, municipality_id, area FROM v_nka_group_problem")
	if !strings.Contains(view, "G100002,unreadable,year_unreadable,9001,aldreomsorg") {
		t.Fatalf("v_nka_group_problem:\n%s", view)
	}
	// 2024 now uses the 2022 group, and every format says why and names the unread group
	for _, format := range []string{"table", "csv", "json"} {
		gap := h.mustRun("gap", "--area", "aldreomsorg", "--year", "2024", "--format", format)
		for _, want := range []string{"G100001", "senaste tidigare", "G100002", "kan inte läsas"} {
			if !strings.Contains(gap, want) {
				t.Errorf("gap --format %s lacks %q:\n%s", format, want, gap)
			}
		}
	}
	spar := h.mustRun("sparbeting", "--base-year", "2024", "--areas", "aldreomsorg", "--format", "json")
	if !strings.Contains(spar, `äldreomsorg 2024: gruppen från 2022 (G100001) används: den senaste tidigare; grupp G100002`) {
		t.Errorf("sparbeting notes:\n%s", spar)
	}
	h.mustRun("tables", "--catalog", testCatalog, "--out", "t", "--format", "md")
	md, err := os.ReadFile(filepath.Join(h.dir, "t", "malomrade-1.md"))
	if err != nil {
		t.Fatal(err)
	}
	all := string(md)
	for _, f := range []string{"malomrade-2.md", "malomrade-3.md"} {
		b, _ := os.ReadFile(filepath.Join(h.dir, "t", f))
		all += string(b)
	}
	if !strings.Contains(all, `Grupp G100002 "`+bad+`" används inte`) {
		t.Errorf("the tables do not name the unread group")
	}
	h.mustRun("report", "--catalog", testCatalog, "--out", "rapport.html")
	page, err := os.ReadFile(filepath.Join(h.dir, "rapport.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "Grupp G100002 &#34;"+bad+"&#34; används inte") {
		t.Errorf("the report does not name the unread group")
	}
}

// --comparator median: the JSON carries the value gap_pp is measured against.
func TestGapJSONCanBeChecked(t *testing.T) {
	h := newHarness(t)
	h.mustRun("ingest", "kolada")
	var rows []nka.GapRow
	if err := json.Unmarshal([]byte(h.mustRun("gap", "--comparator", "median", "--format", "json")), &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.GapPP == nil {
			continue
		}
		if r.ComparatorPct == nil || *r.ComparatorPct != *r.PeerMedianPct || math.Abs(*r.NKAPct-*r.ComparatorPct-*r.GapPP) > 2e-6 {
			t.Fatalf("%s %d: nka %v − comparator %v ≠ gap %v", r.Area, r.Year, r.NKAPct, r.ComparatorPct, *r.GapPP)
		}
	}
}
