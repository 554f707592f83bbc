package cli

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/nyckeltal/nyckeltal/connectors/kolada/koladafake"
	"github.com/nyckeltal/nyckeltal/internal/testkit/repo"
)

// englishInHumanOutput are words of the English outputs of earlier
// versions that a controller, statistician or nämnd must not meet in what
// nyckeltal writes for people. Machine formats (JSON, RFC 4180 CSV) are not
// rendered here.
var englishInHumanOutput = regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{N}_])(compared|peers?|preliminary|glide path|NULL|values as stored|loads?|loaded|base year|target year|groups?|members?|areas?|counted|refused|nothing|unchanged|rows|values|written|without|verdict|tables|report|store|run ` + "`" + `nyckeltal|kör ` + "`" + `nyckeltal|failed|never|success|moved|problems|the|with|and|for|of|is|are|not|per cent|mean|built|ignored|found|missing|titles?|operating_area|matches|try|words)(?:[^\p{L}\p{N}_]|$)`)

// areaSlug are the slugs of the areas (flags, configuration, machine
// formats); a person reads the area's name.
var areaSlug = regexp.MustCompile(`(?:^|[^\p{L}\p{N}_])(aldreomsorg|ifo|forskola|overgripande)(?:[^\p{L}\p{N}_]|$)`)

// TestEveryHumanOutputIsSwedish renders every output a person reads of a
// store built as the demo builds it (the fake Kolada's demo data, the
// sample extracts through the inbox, a broken file among them) and finds no
// English word from a list and no area slug.
func TestEveryHumanOutputIsSwedish(t *testing.T) {
	h := serveHarness(t, koladafake.Synthetic(koladafake.DemoParams(testDay)), "9001", "2018-2025")
	h.withKey()
	outputs := map[string]string{}
	add := func(name, text string) { outputs[name] = text }

	add("ingest kolada", h.mustRun("ingest", "kolada"))
	inbox := filepath.Join(h.dir, "data", "inbox")
	for dir, files := range map[string][]string{"webfocus": {"sjukfranvaro_comt.csv", "verksamhet.xlsx"},
		"treserva": {"beslut_sabo_lss.csv"}, "indikatorer": {"ovriga_indikatorer.csv"}} {
		for _, f := range files {
			copyFile(t, sample(dir, f), filepath.Join(inbox, dir, f))
		}
	}
	if err := os.WriteFile(filepath.Join(inbox, "indikatorer", "trasig.csv"), []byte("indikator;period;värde\nX_A;2024-13;1\nX_A;2024;inget tal\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := h.run("--log-format", "console", "ingest", "inbox")
	if code != ExitData {
		t.Fatalf("ingest inbox: exit %d\n%s\n%s", code, out, errs)
	}
	add("ingest inbox", out+withoutLogLines(errs))
	report, err := os.ReadFile(filepath.Join(h.dir, "data", "rejected", "indikatorer", "trasig.csv.error.txt"))
	if err != nil {
		t.Fatal(err)
	}
	add("trasig.csv.error.txt", string(report))
	add("run", h.mustRun("--log-format", "json", "run"))
	add("status", h.mustRun("status"))

	// A comparison group of one's own, with a member the store has no value
	// for in every year: its notes reach gap, sparbeting and the explanation.
	var members []string
	for _, m := range h.ds.Municipalities {
		if m.Type == "K" && m.ID != "9001" && len(members) < 4 {
			members = append(members, m.ID)
		}
	}
	appendConfig(t, h, "\n[nka.groups.egna]\ntitle = \"Egna jämförelsekommuner\"\nmembers = [\""+strings.Join(members, `", "`)+"\"]\n")
	add("gap egen grupp", h.mustRun("gap", "--comparator", "egna"))
	add("sparbeting egen grupp explain", h.mustRun("sparbeting", "--base-year", "2023", "--comparator", "egna", "--explain", "aldreomsorg"))

	// The operator's outputs with results: the probe, the schedule, the
	// export, the key.
	add("kolada probe", h.mustRun("kolada", "probe"))
	add("kolada probe again", h.mustRun("kolada", "probe"))
	add("schedule --list", h.mustRun("schedule", "--list"))
	add("kpi search", h.mustRun("kpi", "search", "nettokostnadsavvikelse", "äldreomsorg"))
	if _, stderr, code := h.run("kpi", "search", "zzzz-inget-sådant"); code != 0 {
		t.Fatalf("kpi search without a hit exited %d: %s", code, stderr)
	} else {
		add("kpi search, no hit", stderr)
	}
	add("export parquet", h.mustRun("export", "parquet", "--out", "export"))
	add("key generate", h.mustRun("key", "generate", filepath.Join(t.TempDir(), "nyckel")))

	add("gap", h.mustRun("gap"))
	add("gap all", h.mustRun("gap", "--municipality", "all", "--year", "2024"))
	add("sparbeting", h.mustRun("sparbeting", "--base-year", "2023", "--start-year", "2024", "--plan", sample("atgardsplan-2024-2026.csv")))
	add("sparbeting explain", h.mustRun("sparbeting", "--base-year", "2023", "--explain", "aldreomsorg"))
	add("omräkning", h.mustRun("sparbeting", "--compare-base-years", "2022,2023", "--start-year", "2024"))
	for _, args := range [][]string{
		{"gap", "--out", "gap.xlsx"}, {"gap", "--out", "gap-excel.csv", "--excel"},
		{"sparbeting", "--base-year", "2023", "--plan", sample("atgardsplan-2024-2026.csv"), "--out", "sparbeting.xlsx"},
		{"sparbeting", "--base-year", "2023", "--out", "sparbeting-excel.csv", "--excel"},
		{"sparbeting", "--compare-base-years", "2022,2023", "--out", "omrakning.xlsx"},
		{"tables", "--out", "tabeller"},
		{"tables", "--out", "tabeller-excel", "--format", "csv", "--excel"},
		{"report", "--out", "rapport.html"},
	} {
		add(strings.Join(args, " "), h.mustRun(args...))
	}
	files := []string{"gap.xlsx", "gap-excel.csv", "sparbeting.xlsx", "sparbeting-excel.csv", "omrakning.xlsx", "rapport.html"}
	for _, dir := range []string{"tabeller", "tabeller-excel"} {
		entries, err := os.ReadDir(filepath.Join(h.dir, dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), ".") {
				files = append(files, filepath.Join(dir, e.Name()))
			}
		}
	}
	for _, name := range files {
		add(name, humanText(t, filepath.Join(h.dir, name)))
	}

	// The tables' fixture: indicators without an area, without a Kolada id,
	// with titles that fit several KPIs, own indicators without values.
	fx := fixtureHarness(t)
	add("fixture: tables", fx.mustRun("tables", "--catalog", testCatalog, "--out", "fx-tabeller"))
	add("fixture: report", fx.mustRun("report", "--catalog", testCatalog, "--out", "fx-rapport.html"))
	fxFiles := []string{"fx-rapport.html"}
	entries, err := os.ReadDir(filepath.Join(fx.dir, "fx-tabeller"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			fxFiles = append(fxFiles, filepath.Join("fx-tabeller", e.Name()))
		}
	}
	for _, name := range fxFiles {
		add("fixture: "+name, humanText(t, filepath.Join(fx.dir, name)))
	}

	// catalog resolve against the fixture's KPI catalogue: written, left
	// (several fit) and not found.
	src, err := os.ReadFile(repo.Path("transform", "catalog", "testdata", "resolve.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fx.dir, "katalog.toml"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	add("fixture: catalog resolve --dry-run", fx.mustRun("catalog", "resolve", "--catalog", "katalog.toml", "--dry-run"))
	add("fixture: catalog resolve", fx.mustRun("catalog", "resolve", "--catalog", "katalog.toml"))
	add("fixture: catalog resolve again", fx.mustRun("catalog", "resolve", "--catalog", "katalog.toml"))

	names := make([]string, 0, len(outputs))
	for name := range outputs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for i, line := range strings.Split(outputs[name], "\n") {
			line = withoutPathsAndCode(line)
			if strings.HasPrefix(name, "kolada probe") {
				line = quoted.ReplaceAllString(line, " ") // Kolada's own words and JSON, quoted
			}
			if m := englishInHumanOutput.FindStringSubmatch(line); m != nil {
				t.Errorf("%s:%d: English %q: %s", name, i+1, m[1], line)
			}
			if m := areaSlug.FindStringSubmatch(line); m != nil {
				t.Errorf("%s:%d: area slug %q: %s", name, i+1, m[1], line)
			}
		}
	}
}

// withoutLogLines drops the log lines of console mode (a log is English).
func withoutLogLines(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if regexp.MustCompile(`^\d\d:\d\d:\d\d (INF|WRN|ERR|DBG) `).MatchString(l) || strings.HasPrefix(l, "hint: ") || strings.HasPrefix(l, "nyckeltal: ") {
			continue // logs, the error and its hint are for the operator (English)
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}

var (
	quoted   = regexp.MustCompile(`"[^"]*"`)
	pathLike = regexp.MustCompile(`[\w./-]*/[\w./-]*|\S+\.(csv|xlsx|txt|html|md|toml)\b|--[a-z-]+|[a-z]+\.[a-z_]+( = \w+)?|<[^>]*>|https?://\S+`)
)

// withoutPathsAndCode removes file paths, flags, configuration keys and
// markup from a line: they are names, not language.
func withoutPathsAndCode(line string) string { return pathLike.ReplaceAllString(line, " ") }

// humanText is what a person reads in a file: the text of a workbook's
// cells, sheet names and properties; the text of the others.
func humanText(t *testing.T, path string) string {
	t.Helper()
	if !strings.HasSuffix(path, ".xlsx") {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(path, ".html") {
			// The style sheet and the markup are code; the text is what a person reads.
			b = regexp.MustCompile(`(?s)<(style|script)[^>]*>.*?</(style|script)>`).ReplaceAll(b, nil)
			b = regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAll(b, []byte(" "))
		}
		return string(b)
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var b strings.Builder
	tag := regexp.MustCompile(`<[^>]*>`)
	sheetName := regexp.MustCompile(`<sheet [^>]*name="([^"]*)"`)
	for _, f := range zr.File {
		if !strings.HasPrefix(f.Name, "xl/sharedStrings") && !strings.HasPrefix(f.Name, "xl/worksheets/") &&
			f.Name != "xl/workbook.xml" && !strings.HasPrefix(f.Name, "docProps/") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(rc)
		_ = rc.Close()
		for _, m := range sheetName.FindAllStringSubmatch(string(raw), -1) {
			b.WriteString("sheet " + m[1] + "\n")
		}
		if f.Name == "xl/workbook.xml" {
			continue
		}
		text := tag.ReplaceAllString(strings.ReplaceAll(string(raw), "</", "\n</"), "")
		b.WriteString(text + "\n")
	}
	return b.String()
}

// appendConfig adds text to the harness's configuration file.
func appendConfig(t *testing.T, h *harness, text string) {
	t.Helper()
	path := filepath.Join(h.dir, "nyckeltal.toml")
	cfg, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(cfg, text...), 0o644); err != nil {
		t.Fatal(err)
	}
}
