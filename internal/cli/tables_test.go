package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nyckeltal/nyckeltal/internal/testkit/repo"

	"github.com/nyckeltal/nyckeltal/internal/outpath"

	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/testkit/tablesfixture"
	"github.com/nyckeltal/nyckeltal/transform/catalog"
	"github.com/nyckeltal/nyckeltal/transform/tables"
)

var testCatalog = repo.Path("transform", "tables", "testdata", "catalog.toml")

// fixtureHarness points the CLI at the tables' fixture store (Exempelköping
// with brukarbedömningar and local values), as a read-only analyst would.
func fixtureHarness(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t)
	h.db = tablesfixture.Build(t, t.TempDir())
	h.env["NYCKELTAL_DB"] = h.db
	return h
}

func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == outpath.ManifestName {
			continue // the record of what nyckeltal wrote (internal/outpath)
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

func TestTablesAndReportCommands(t *testing.T) {
	h := fixtureHarness(t)
	out := h.mustRun("tables", "--catalog", testCatalog, "--out", "t1")
	for _, want := range []string{"Tabeller för Exempelköping (9001)", "målområde 2: 1 förbättring, 2 försämring, 1 oförändrad, 0 utan bedömning, 2 utan värden",
		"1 indikatorer från Kolada saknar Kolada-id", filepath.Join("t1", "malomrade-2.xlsx")} {
		if !strings.Contains(out, want) {
			t.Errorf("tables output lacks %q:\n%s", want, out)
		}
	}
	first := readDir(t, filepath.Join(h.dir, "t1"))
	if len(first) != 12 {
		t.Fatalf("%d files", len(first))
	}
	// the same store twice: the same bytes, workbooks included
	h.mustRun("tables", "--catalog", testCatalog, "--out", "t2")
	for name, b := range readDir(t, filepath.Join(h.dir, "t2")) {
		if !bytes.Equal(b, first[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
	// --excel and --format; --years; a municipality by name
	h.mustRun("tables", "--catalog", testCatalog, "--out", "t3", "--format", "csv", "--excel", "--years", "2024-2025", "--municipality", "Exempelköping")
	csv := readDir(t, filepath.Join(h.dir, "t3"))
	if len(csv) != 3 || !bytes.HasPrefix(csv["malomrade-1.csv"], []byte("\ufeffKod;")) || bytes.Contains(csv["malomrade-1.csv"], []byte(";Totalt;2023;")) ||
		!bytes.Contains(csv["malomrade-1.csv"], []byte(";Totalt;2024;")) {
		t.Fatalf("Excel CSV of 2024–2025: %d files\n%.400s", len(csv), csv["malomrade-1.csv"])
	}

	h.mustRun("report", "--catalog", testCatalog, "--out", "rapport.html")
	page, err := os.ReadFile(filepath.Join(h.dir, "rapport.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<!DOCTYPE html>", "Sparbeting mot liknande kommuner", `data-chart="scatter-1"`, tables.Label} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("the report lacks %q", want)
		}
	}

	for _, tt := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"tables"}, ExitUsage, "--out DIR"},
		{[]string{"tables", "--out", "x", "--format", "pdf"}, ExitUsage, `unknown table format`},
		{[]string{"tables", "--out", "x", "--catalog", "nope.toml"}, ExitUsage, "nope.toml does not exist"},
		{[]string{"tables", "--out", "x", "--municipality", "Ingenstans"}, ExitUsage, "Ingenstans"},
		{[]string{"report"}, ExitUsage, "--out FILE.html"},
	} {
		_, errs, code := h.run(tt.args...)
		if code != tt.code || !strings.Contains(errs, tt.msg) {
			t.Errorf("%v: exit %d, stderr %s", tt.args, code, errs)
		}
	}
	bad := filepath.Join(h.dir, "bad.toml")
	b, _ := os.ReadFile(testCatalog)
	if err := os.WriteFile(bad, bytes.Replace(b, []byte(`area = "aldreomsorg"`), []byte(`area = "aldreomsorgen"`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := h.run("tables", "--out", "x", "--catalog", bad); code != ExitUsage || !strings.Contains(errs, `aldreomsorgen`) || !strings.Contains(errs, "is not an NKA area") {
		t.Errorf("unknown area: exit %d, %s", code, errs)
	}
}

func TestCatalogCommands(t *testing.T) {
	h := fixtureHarness(t)
	if out := h.mustRun("catalog", "example"); out != string(catalog.Builtin) {
		t.Fatal("catalog example does not print the built-in catalogue")
	}
	show := h.mustRun("catalog", "show", "--format", "csv")
	if n := strings.Count(show, "\n"); n != 1+65 || !strings.Contains(show, "1.1.06,1,1.1,öka,helår,\"kön,regi\",U23471,aldreomsorg,") {
		t.Fatalf("catalog show: %d lines\n%.500s", n, show)
	}

	// resolve a copy of the catalogue of the catalog package's tests against the store's KPIs
	src, err := os.ReadFile(repo.Path("transform", "catalog", "testdata", "resolve.toml"))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(h.dir, "katalog.toml")
	if err := os.WriteFile(file, src, 0o640); err != nil {
		t.Fatal(err)
	}
	dry := h.mustRun("catalog", "resolve", "--catalog", file, "--dry-run")
	if after, _ := os.ReadFile(file); !bytes.Equal(after, src) || !strings.Contains(dry, "Skulle skrivas (--dry-run): 3") {
		t.Fatalf("--dry-run changed the file or said:\n%s", dry)
	}
	out := h.mustRun("catalog", "resolve", "--catalog", file)
	for _, want := range []string{"Skrivna: 3", "indikator A (source)", "U23471", "Inte skrivna: flera nyckeltal passar", "indikator B (source)",
		"U21468  Brukarbedömning hemtjänst äldreomsorg - helhetssyn, andel (%)", "Inget nyckeltal passar", `"Väntetid till månen"`} {
		if !strings.Contains(out, want) {
			t.Errorf("resolve output lacks %q:\n%s", want, out)
		}
	}
	c, err := catalog.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if c.Indicators[0].Source != "U23471" || c.Indicators[1].Source != "" || c.Indicators[2].Source != "N20900" || c.Scatters[0].Quality != "U23471" {
		t.Fatalf("after resolve: %+v", c.Indicators)
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v", fi.Mode())
	}
	edited, _ := os.ReadFile(file)
	if !bytes.Contains(edited, []byte("# No source line: resolve adds one above kolada_title.")) {
		t.Error("a comment was lost")
	}
	if again := h.mustRun("catalog", "resolve", "--catalog", file); !strings.Contains(again, "Inte skrivna: flera nyckeltal passar") || strings.Contains(again, "Skrivna") {
		t.Errorf("a second resolve:\n%s", again)
	}
	// --remote asks the (fake) Kolada API for its whole KPI catalogue
	remote := filepath.Join(h.dir, "remote.toml")
	if err := os.WriteFile(remote, src, 0o644); err != nil {
		t.Fatal(err)
	}
	rout := h.mustRun("catalog", "resolve", "--catalog", remote, "--remote", "--dry-run")
	if !strings.Contains(rout, "i Kolada:s nyckeltalskatalog (http") || !strings.Contains(rout, "N20900  Nettokostnadsavvikelse äldreomsorg, (%)  [exakt titel]") {
		t.Errorf("resolve --remote:\n%s", rout)
	}
	if _, errs, code := h.run("catalog", "resolve"); code != ExitUsage || !strings.Contains(errs, "built-in catalogue cannot be written") {
		t.Errorf("resolve of the built-in: exit %d %s", code, errs)
	}
}

func TestExportParquet(t *testing.T) {
	h := fixtureHarness(t)
	out := h.mustRun("export", "parquet", "--out", "export")
	if !strings.Contains(out, "observation") || !strings.Contains(out, "source, year") {
		t.Fatalf("export output:\n%s", out)
	}
	dir := filepath.Join(h.dir, "export")
	var manifest store.Export
	b, err := os.ReadFile(filepath.Join(dir, store.ExportManifest))
	if err != nil || json.Unmarshal(b, &manifest) != nil {
		t.Fatalf("manifest: %v\n%s", err, b)
	}
	for _, p := range []string{"observation/source=kolada/year=2024", "observation/source=webfocus/year=2023", "v_nka_gap/year=2025", "kpi.parquet"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	// the export reads back as the store: same rows per source and year, same values
	// The Parquet files are read back by a scratch store of the test's own
	// (a writer may read files; readers may not).
	scratch, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "scratch.duckdb"), store.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer scratch.Close()
	ctx := context.Background()
	q := `SELECT source, year, count(*), sum(coalesce(value, 0))::DECIMAL(18,4)::VARCHAR FROM %s GROUP BY ALL ORDER BY ALL`
	read := func(st *store.Store, from string) string {
		rows, err := st.DB().QueryContext(ctx, strings.Replace(q, "%s", from, 1))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var sb strings.Builder
		for rows.Next() {
			var src string
			var year, n int64
			var sum string
			if err := rows.Scan(&src, &year, &n, &sum); err != nil {
				t.Fatal(err)
			}
			sb.WriteString(src + " " + itoa64(year) + " " + itoa64(n) + " " + sum + "\n")
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return sb.String()
	}
	got := read(scratch, "read_parquet('"+dir+"/observation/**/*.parquet', hive_partitioning = true)")
	st, err := store.Open(ctx, h.db, store.ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	want := read(st, "observation")
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if got != want || got == "" {
		t.Fatalf("the export reads back differently:\n%s\nstore:\n%s", got, want)
	}
	for _, tb := range manifest.Tables {
		if tb.Name == "observation" && !strings.Contains(tb.Read, "hive_partitioning") {
			t.Errorf("manifest read hint: %q", tb.Read)
		}
	}
	// again into the same directory: replaced; into someone else's: refused
	h.mustRun("export", "parquet", "--out", "export")
	other := filepath.Join(h.dir, "mine")
	if err := os.MkdirAll(other, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, "keep.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := h.run("export", "parquet", "--out", other); code != ExitUsage || !strings.Contains(errs, "not an earlier export") {
		t.Fatalf("export into a foreign directory: exit %d %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(other, "keep.txt")); err != nil {
		t.Fatal("a file of the foreign directory was touched")
	}
	if matches, _ := filepath.Glob(filepath.Join(h.dir, ".export.export-*")); len(matches) > 0 {
		t.Fatalf("leftovers: %v", matches)
	}
}

func itoa64(n int64) string { return strings.TrimSpace(formatInt(n)) }

// TestRunDerivedJob: with tables.out_dir set, `nyckeltal run` regenerates the
// tables and the report after its loads, and they appear once it publishes.
func TestRunDerivedJob(t *testing.T) {
	h := newHarness(t)
	h.appendConfig("[tables]\nout_dir = \"uppfoljning\"\nformats = [\"csv\", \"html\"]\n")
	out, errs, code := h.run("run")
	if code != ExitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "derived  ok") {
		t.Fatalf("run output:\n%s", out)
	}
	dir := filepath.Join(h.dir, "uppfoljning")
	for _, f := range []string{"rapport.html", "tabeller/oversikt.csv", "tabeller/malomrade-2.html"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, ".derived-*")); len(matches) > 0 {
		t.Errorf("leftovers: %v", matches)
	}
	if j := jobStatus(h.status(), "derived"); j == nil || j.LastSuccess == nil {
		t.Fatalf("status has no success of derived: %+v", j)
	}
}
