package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	nyckeltal "github.com/nyckeltal/nyckeltal"
	"github.com/nyckeltal/nyckeltal/connectors/kolada/koladafake"
	"github.com/nyckeltal/nyckeltal/internal/config"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/testkit/golden"
)

var testDay = time.Date(2026, 8, 16, 12, 0, 0, 0, time.UTC)

type harness struct {
	t    *testing.T
	ds   *koladafake.Dataset
	fake *koladafake.Server
	dir  string
	db   string
	env  map[string]string
}

// newHarness serves a small fictional data set and points the CLI at it. The
// configuration is written to a file, as an operator would.
func newHarness(t *testing.T) *harness {
	t.Helper()
	ds := koladafake.Synthetic(koladafake.SynthParams{Municipalities: 10, Years: []int{2023, 2024, 2025},
		FocalMunicipalities: 1, Seed: 11, Now: testDay})
	return serveHarness(t, ds, "9001", "2023-2025")
}

// serveHarness serves ds and points the CLI at it, with home as the home
// municipality and years as kolada.years.
func serveHarness(t *testing.T, ds *koladafake.Dataset, home, years string) *harness {
	t.Helper()
	fake := koladafake.New(ds)
	ts := httptest.NewServer(fake)
	t.Cleanup(ts.Close)
	dir := t.TempDir()
	t.Chdir(dir)
	// The tests' inbox files are whole when put: no settle time.
	cfg := `home_municipality = "` + home + `"
local.inbox_settle = "0s"
[kolada]
years = "` + years + `"
rate_limit = 1000.0
retry_wait_min = "1ms"
retry_wait_max = "2ms"
max_attempts = 2
`
	if err := os.WriteFile(filepath.Join(dir, "nyckeltal.toml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, ds: ds, fake: fake, dir: dir, db: filepath.Join(dir, "data", "nyckeltal.duckdb"),
		env: map[string]string{"NYCKELTAL_KOLADA_URL": ts.URL + "/v3"}}
}

func (h *harness) run(args ...string) (string, string, int) {
	h.t.Helper()
	var out, errb bytes.Buffer
	app := &App{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return h.env[k] }, Now: func() time.Time { return testDay },
		IsTerminal: func(io.Writer) bool { return false }}
	code := app.Run(h.t.Context(), args)
	return out.String(), errb.String(), code
}

func (h *harness) mustRun(args ...string) string {
	h.t.Helper()
	out, errs, code := h.run(args...)
	if code != ExitOK {
		h.t.Fatalf("nyckeltal %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.CheckString(t, filepath.Join(testdataDir(t), name), got)
}

// testdataDir is the package's testdata, found before t.Chdir moved away.
var packageDir, _ = os.Getwd()

func testdataDir(*testing.T) string { return filepath.Join(packageDir, "testdata") }

// configuredValues counts the values of the default KPIs the fake holds.
func (h *harness) configuredValues() int64 {
	var n int64
	for k, v := range h.ds.Values {
		if !v.Deleted && slices.Contains(config.DefaultKPIs, k.KPI) {
			n++
		}
	}
	return n
}

func TestIngestTwiceThenQuery(t *testing.T) {
	h := newHarness(t)
	n := formatInt(h.configuredValues())
	out := h.mustRun("ingest", "kolada")
	for _, want := range []string{"Kolada: laddning 1 (full) ok", n + " värden lästa: " + n + " nya, 0 ändrade, 0 avslutade", "Databas data/nyckeltal.duckdb: " + n + " aktuella värden"} {
		if !strings.Contains(out, want) {
			t.Fatalf("first ingest output lacks %q:\n%s", want, out)
		}
	}
	out = h.mustRun("ingest", "kolada")
	if !strings.Contains(out, "(ändringar sedan") || !strings.Contains(out, ": 0 nya, 0 ändrade, 0 avslutade") {
		t.Fatalf("second ingest was not an incremental no-op:\n%s", out)
	}

	csv := h.mustRun("sql", "--format", "csv", `SELECT kpi_id, municipality_id, municipality, year, value, preliminary
		FROM v_kolada_value WHERE kpi_id = 'N20900' AND municipality_id = '9001' ORDER BY year`)
	checkGolden(t, "sql_n20900.csv", csv)

	hits := h.mustRun("kpi", "search", "nettokostnadsavvikelse", "aldreomsorg")
	checkGolden(t, "kpi_search.txt", hits)

	var st store.Status
	if err := json.Unmarshal([]byte(h.mustRun("status", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Sources) != 1 || st.Sources[0].CurrentValues != h.configuredValues() || st.Sources[0].LastSuccess == nil || st.Sources[0].AgeHours == nil {
		t.Fatalf("status: %+v", st)
	}
	if text := h.mustRun("status"); !strings.Contains(text, "kolada  "+n) {
		t.Fatalf("status text:\n%s", text)
	}
}

func TestSQLIsReadOnly(t *testing.T) {
	h := newHarness(t)
	h.mustRun("ingest", "kolada")
	_, errs, code := h.run("sql", "DELETE FROM load")
	if code != ExitUsage || !strings.Contains(errs, "read-only") {
		t.Fatalf("a write through sql: exit %d, %s", code, errs)
	}
	if out := h.mustRun("sql", "--format", "json", "SELECT count(*) AS loads FROM load"); !strings.Contains(out, `"loads": 1`) {
		t.Fatalf("load table changed or JSON wrong: %s", out)
	}
	if out := h.mustRun("sql", "--analysis", "freshness"); !strings.Contains(out, "N20900") {
		t.Fatalf("analysis output: %s", out)
	}
}

func TestExitCodes(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name     string
		setup    func()
		args     []string
		want     int
		inStderr string
	}{
		{"unknown flag", nil, []string{"ingest", "kolada", "--kpis", "N20900"}, ExitUsage, "unknown flag"},
		{"unknown command", nil, []string{"ingets"}, ExitUsage, "unknown command"},
		{"bad years", nil, []string{"ingest", "kolada", "--years", "2025-2018"}, ExitUsage, "runs backwards"},
		{"bad kpi", nil, []string{"ingest", "kolada", "--kpi", "äldreomsorg"}, ExitUsage, "kpi search"},
		{"no store yet", nil, []string{"status"}, ExitData, "run `nyckeltal ingest kolada`"},
		{"config file missing", nil, []string{"--config", "nope.toml", "status"}, ExitUsage, "does not exist"},
		{"network down", func() { h.env["NYCKELTAL_KOLADA_URL"] = "http://127.0.0.1:1/v3" }, []string{"ingest", "kolada"}, ExitNetwork, "NYCKELTAL_KOLADA_URL"},
		{"server failing", func() {
			h.fake.SetFaults(koladafake.Faults{FailFirst: 100, FailStatus: http.StatusBadGateway})
		}, []string{"ingest", "kolada"}, ExitNetwork, "last status 502"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			saved := h.env["NYCKELTAL_KOLADA_URL"]
			defer func() { h.env["NYCKELTAL_KOLADA_URL"] = saved; h.fake.SetFaults(koladafake.Faults{}) }()
			if tt.setup != nil {
				tt.setup()
			}
			_, errs, code := h.run(tt.args...)
			if code != tt.want || !strings.Contains(errs, tt.inStderr) {
				t.Fatalf("exit %d (want %d), stderr:\n%s", code, tt.want, errs)
			}
			if lines := strings.Count(strings.TrimSpace(errs), "\n") + 1; lines > 8 {
				t.Fatalf("error report is %d lines; it should be short:\n%s", lines, errs)
			}
		})
	}
	if _, err := os.Stat(h.db); err == nil {
		// The failed loads ran against a created store: it must hold no values.
		out := h.mustRun("sql", "--format", "csv", "SELECT count(*) FROM observation")
		if strings.TrimSpace(out) != "count_star()\n0" {
			t.Fatalf("failed loads left values: %s", out)
		}
	}
}

func TestJSONErrorLineForCron(t *testing.T) {
	h := newHarness(t)
	h.env["NYCKELTAL_KOLADA_URL"] = "http://127.0.0.1:1/v3"
	_, errs, code := h.run("--log-format", "json", "ingest", "kolada")
	if code != ExitNetwork {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	var last map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
		t.Fatalf("last stderr line is not JSON: %q", lines[len(lines)-1])
	}
	if last["level"] != "error" || last["exit_code"] != float64(ExitNetwork) || !strings.Contains(last["error"].(string), "127.0.0.1:1") {
		t.Fatalf("error line: %v", last)
	}
}

func TestSchemaTooNewIsRefused(t *testing.T) {
	h := newHarness(t)
	h.mustRun("migrate")
	st, err := store.Open(t.Context(), h.db, store.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().Exec(`INSERT INTO schema_migration (version, name, checksum) VALUES (999, 'future', 'x')`); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"status"}, {"ingest", "kolada"}} {
		_, errs, code := h.run(args...)
		if code != ExitData || !strings.Contains(errs, "schema version 999") {
			t.Fatalf("%v: exit %d, %s", args, code, errs)
		}
	}
}

func TestConfigCommands(t *testing.T) {
	h := newHarness(t)
	if out := h.mustRun("config", "example"); out != nyckeltal.ExampleConfig {
		t.Fatal("config example does not print nyckeltal.example.toml")
	}
	out := h.mustRun("config", "show")
	if !strings.Contains(out, `home_municipality = "9001"`) || !strings.Contains(out, "# from nyckeltal.toml") {
		t.Fatalf("config show:\n%s", out)
	}
}

func TestFormatInt(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1 000", 13032: "13 032", -1234567: "-1 234 567"} {
		if got := formatInt(in); got != want {
			t.Errorf("formatInt(%d) = %q, want %q", in, got, want)
		}
	}
}
