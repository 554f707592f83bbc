package cli

// The attacks of issue 11, tried as an attacker with the permissions of the
// account that runs nyckeltal would try them (docs/SECURITY.md). Each test
// failed on the code before the issue was fixed.

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/nyckeltal/nyckeltal/internal/testkit/repo"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"github.com/nyckeltal/nyckeltal/internal/personnummer"
	"github.com/nyckeltal/nyckeltal/internal/store"
)

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// TestSQLAttacksAreRefused: nothing an analyst's query does reaches a file —
// not the store, not the pseudonym key, not /etc — and each refusal says
// what was refused and why, with exit code 2 and a hint.
func TestSQLAttacksAreRefused(t *testing.T) {
	h := newHarness(t)
	h.withKey()
	h.mustRun("ingest", "kolada")
	key := h.env["NYCKELTAL_PSEUDONYM_KEY_FILE"]
	other := filepath.Join(h.dir, "other.duckdb")
	exported := filepath.Join(h.dir, "exported")
	storeSum, keySum := fileSum(t, h.db), fileSum(t, key)
	keyText, _ := os.ReadFile(key)
	q := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	tests := []struct{ name, query, want string }{
		{"COPY over the store", "COPY (SELECT 'x') TO " + q(h.db) + " (FORMAT csv)", "query refused: COPY"},
		{"COPY over the key", "COPY (SELECT 'x') TO " + q(key) + " (FORMAT csv)", "query refused"},
		{"read_text of the key", "SELECT * FROM read_text(" + q(key) + ")", "query refused: reading or writing files"},
		{"read_text of /etc/shadow", "SELECT * FROM read_text('/etc/shadow')", "query refused: reading or writing files"},
		{"read_csv of the key", "SELECT * FROM read_csv(" + q(key) + ")", "query refused: reading or writing files"},
		{"read_blob of the key", "SELECT * FROM read_blob(" + q(key) + ")", "query refused: reading or writing files"},
		{"read_parquet", "SELECT * FROM read_parquet('/tmp/x.parquet')", "query refused: reading or writing files"},
		{"read_json", "SELECT * FROM read_json('/etc/passwd')", "query refused: reading or writing files"},
		{"glob", "SELECT * FROM glob('/etc/*')", "query refused: reading or writing files"},
		{"sniff_csv", "SELECT * FROM sniff_csv(" + q(key) + ")", "query refused: reading or writing files"},
		{"ATTACH", "ATTACH " + q(other) + " AS o", "query refused: ATTACH"},
		{"CREATE TEMP TABLE", "CREATE TEMP TABLE t AS SELECT 1 AS a", "query refused: CREATE"},
		{"CREATE TEMP VIEW", "CREATE TEMP VIEW v AS SELECT 1 AS a", "query refused: CREATE"},
		{"CREATE MACRO", "CREATE TEMP MACRO m(x) AS x + 1", "query refused: CREATE"},
		{"INSTALL", "INSTALL httpfs", "query refused: INSTALL/LOAD"},
		{"LOAD", "LOAD httpfs", "query refused: INSTALL/LOAD"},
		{"EXPORT", "EXPORT DATABASE " + q(exported), "query refused"},
		{"SET external access", "SET enable_external_access = true", "query refused: SET"},
		{"RESET lock", "RESET lock_configuration", "query refused: SET"},
		{"a SELECT, then COPY", "SELECT 1; COPY (SELECT 'x') TO " + q(h.db) + " (FORMAT csv)", "query refused: several statements"},
		{"DELETE", "DELETE FROM load", "query refused: DELETE"},
		{"CALL", "CALL pragma_version()", "query refused: CALL/PRAGMA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, args := range [][]string{{"--log-format", "console", "sql", tt.query}, {"--log-format", "console", "sql", "--format", "json", tt.query}} {
				out, errs, code := h.run(args...)
				if code != ExitUsage || !strings.Contains(errs, tt.want) || !strings.Contains(errs, "hint: nyckeltal sql reads the store") {
					t.Fatalf("exit %d, want %d with %q\nstdout: %s\nstderr: %s", code, ExitUsage, tt.want, out, errs)
				}
				if strings.Contains(out+errs, strings.TrimSpace(string(keyText))) {
					t.Fatal("the key was printed")
				}
			}
		})
	}
	if fileSum(t, h.db) != storeSum || fileSum(t, key) != keySum {
		t.Fatal("the store or the key changed")
	}
	for _, p := range []string{other, exported} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s was written", p)
		}
	}
	// A query file and the analyses are checked the same way.
	f := filepath.Join(h.dir, "attack.sql")
	if err := os.WriteFile(f, []byte("COPY (SELECT 'x') TO "+q(h.db)+" (FORMAT csv);"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := h.run("--log-format", "console", "sql", "-f", f); code != ExitUsage || !strings.Contains(errs, "query refused: COPY") {
		t.Fatalf("-f: exit %d %s", code, errs)
	}
}

// TestAnalystQueriesStillWork: what an analyst does — views, table macros,
// CTEs, SHOW/DESCRIBE/SUMMARIZE, EXPLAIN — and every bundled analysis run on
// the locked reader.
func TestAnalystQueriesStillWork(t *testing.T) {
	h := fixtureHarness(t)
	for _, query := range []string{
		"SELECT count(*) FROM v_kolada_value",
		"SELECT count(*) FROM observation_as_of(TIMESTAMPTZ '2030-01-01 00:00:00+00')",
		"SELECT count(*) FROM nka_gap(comparator := 'median')",
		"SELECT area, year, gap_pp FROM v_nka_gap WHERE municipality_id = '9001' ORDER BY 1, 2 LIMIT 3",
		"WITH g AS (SELECT * FROM v_peer_group) SELECT count(DISTINCT group_id) FROM g",
		"FROM v_local_value SELECT count(*)",
		"SHOW TABLES", "DESCRIBE observation", "SUMMARIZE SELECT value FROM observation",
		"EXPLAIN SELECT * FROM v_nka", "PRAGMA show_tables",
		"SELECT * FROM pragma_table_info('kpi')",
		"SELECT strip_accents('Höör'), now() AT TIME ZONE 'Europe/Stockholm' IS NOT NULL",
	} {
		if _, errs, code := h.run("sql", "--format", "csv", query); code != ExitOK {
			t.Errorf("%s: exit %d\n%s", query, code, errs)
		}
	}
	names := analysisNames()
	if len(names) < 3 {
		t.Fatalf("analyses: %v", names)
	}
	for _, name := range names {
		if _, errs, code := h.run("sql", "--analysis", name); code != ExitOK {
			t.Errorf("analysis %s: exit %d\n%s", name, code, errs)
		}
	}
	// The other read paths run on the locked reader too.
	for _, args := range [][]string{{"gap", "--year", "2024"}, {"status"}, {"kpi", "search", "kostnad"},
		{"tables", "--catalog", testCatalog, "--out", "t"}, {"report", "--catalog", testCatalog, "--out", "r.html"},
		{"export", "parquet", "--out", "export"}} {
		if _, errs, code := h.run(args...); code != ExitOK {
			t.Errorf("%v: exit %d\n%s", args, code, errs)
		}
	}
}

// treservaWith returns the Treserva sample (Windows-1252) with line n's
// field of the given heading replaced.
func treservaWith(t *testing.T, edits map[int]map[string]string) []byte {
	t.Helper()
	raw, err := os.ReadFile(sample("treserva", "beslut_sabo_lss.csv"))
	if err != nil {
		t.Fatal(err)
	}
	text, _ := charmap.Windows1252.NewDecoder().Bytes(raw)
	lines := strings.Split(string(text), "\r\n")
	head := strings.Split(lines[0], ";")
	for n, fields := range edits {
		cells := strings.Split(lines[n-1], ";")
		for name, v := range fields {
			for j, h := range head {
				if h == name {
					cells[j] = v
				}
			}
		}
		lines[n-1] = strings.Join(cells, ";")
	}
	out, err := charmap.Windows1252.NewEncoder().Bytes([]byte(strings.Join(lines, "\r\n")))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// noPersonnummer fails when any text holds a personnummer in clear.
func noPersonnummer(t *testing.T, where, text string) {
	t.Helper()
	for _, m := range personnummer.Find(text) {
		t.Errorf("%s holds a personnummer in clear: %s", where, personnummer.MaskField(text[m.Start:m.End]))
	}
}

// scanWrittenFiles runs the personnummer scan over every file under dir
// but the inputs given and the inbox, and over every text of the store.
func scanWrittenFiles(t *testing.T, h *harness, inputs ...string) {
	t.Helper()
	skip := map[string]bool{}
	for _, p := range inputs {
		skip[p] = true
	}
	files := 0
	if err := filepath.Walk(h.dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || skip[path] || strings.Contains(path, string(filepath.Separator)+"inbox"+string(filepath.Separator)) ||
			strings.HasSuffix(path, ".duckdb") || strings.HasSuffix(path, ".wal") {
			return nil
		}
		if rel, _ := filepath.Rel(h.dir, path); strings.HasPrefix(rel, filepath.Join("data", "rejected")) &&
			!strings.HasSuffix(path, ".error.txt") && !strings.HasSuffix(path, ".refused-rows.csv") {
			return nil // a rejected file is the operator's own extract, kept private
		}
		b, _ := os.ReadFile(path)
		files++
		if strings.HasSuffix(path, ".xlsx") {
			f, err := excelize.OpenReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			for _, sh := range f.GetSheetList() {
				rows, _ := f.GetRows(sh)
				for _, r := range rows {
					noPersonnummer(t, path, strings.Join(r, "\t"))
				}
			}
			return nil
		}
		noPersonnummer(t, path, string(b))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatal("no files scanned")
	}
	// Every text column of every table and view of the store.
	out := h.mustRun("sql", "--format", "csv", `SELECT string_agg(table_name || '.' || column_name, ',') FROM information_schema.columns
		WHERE data_type = 'VARCHAR' AND table_schema = 'main'`)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, col := range strings.Split(strings.Trim(lines[len(lines)-1], `"`), ",") {
		tbl, c, _ := strings.Cut(col, ".")
		text := h.mustRun("sql", "--format", "csv", "SELECT \""+c+"\" FROM \""+tbl+"\"")
		noPersonnummer(t, "store "+col, text)
	}
}

// TestPersonnummerInFreeText: a personnummer outside the personnummer
// column — in any written form, in any local source — refuses the file
// with line and column named and the number masked; with
// local.personnummer_in_text = "mask" the field is masked. Nothing of it is
// stored, logged or exported.
func TestPersonnummerInFreeText(t *testing.T) {
	h := newHarness(t)
	h.withKey()
	h.mustRun("ingest", "kolada")
	var logs strings.Builder
	run := func(wantCode int, args ...string) string {
		t.Helper()
		out, errs, code := h.run(append([]string{"--log-format", "json", "--log-level", "debug"}, args...)...)
		logs.WriteString(out + errs)
		if code != wantCode {
			t.Fatalf("%v: exit %d, want %d\n%s%s", args, code, wantCode, out, errs)
		}
		return out + errs
	}
	tre := filepath.Join(h.dir, "beslut.csv")
	if err := os.WriteFile(tre, treservaWith(t, map[int]map[string]string{
		2: {"Enhet": "Boende 19121212-1212 Eken"},
		3: {"Utförare": "Handläggare 191212121212"},
	}), 0o600); err != nil {
		t.Fatal(err)
	}
	out := run(ExitData, "ingest", "treserva", tre)
	for _, want := range []string{`beslut.csv:2: kolumn M \"Enhet\": personnummer eller samordningsnummer (1912****-****)`,
		`beslut.csv:3: kolumn K \"Utförare\": personnummer eller samordningsnummer (1912********)`} {
		if !strings.Contains(out, want) {
			t.Errorf("the refusal lacks %s:\n%s", want, out)
		}
	}
	inputs := []string{tre}
	forms := []string{"19121212-1212", "121212-1212", "121212+1212", "191212121212", "1212121212", "19121212 1212", "121212 - 1212"}
	for i, form := range forms {
		for _, field := range []string{"namn", "enhet"} {
			ind := filepath.Join(h.dir, "ind-"+field+"-"+string(rune('a'+i))+".csv")
			inputs = append(inputs, ind)
			namn, enhet := "Nöjdhet", "Hemtjänst Norr"
			if field == "namn" {
				namn = "Nöjdhet " + form
			} else if form == "1212121212" {
				enhet = form // only the number: read as a number by the scan, caught as an enhet
			} else {
				enhet = "Hemtjänst " + form
			}
			if err := os.WriteFile(ind, []byte("indikator;namn;måttenhet;period;enhet;värde\nTEST_NOJD;"+namn+";procent;2024;"+enhet+";80\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if out := run(ExitData, "ingest", "indicators", ind); !strings.Contains(out, "personnummer eller samordningsnummer") {
				t.Errorf("%s in %s: %s", form, field, out)
			}
		}
	}
	wf := filepath.Join(h.dir, "rapport.csv")
	inputs = append(inputs, wf)
	if err := os.WriteFile(wf, []byte("\"Rapport för 19121212-1212\"\n\"Enhet\",\"Period\",\"Sjukfrånvaro totalt\"\n\"Norr\",\"2024-Q1\",7.2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := run(ExitData, "ingest", "webfocus", wf); !strings.Contains(out, "rapport.csv:1: kolumn A: personnummer") {
		t.Errorf("WebFOCUS title: %s", out)
	}
	if n := h.mustRun("sql", "--format", "csv", "SELECT count(*) FROM observation WHERE source <> 'kolada'"); n != "count_star()\n0\n" {
		t.Fatalf("a refused file was loaded: %s", n)
	}

	// Masked where the configuration says so.
	h.appendConfig("[local]\npersonnummer_in_text = \"mask\"\n")
	run(ExitOK, "ingest", "treserva", tre)
	run(ExitOK, "ingest", "indicators", inputs[1])
	if got := h.mustRun("sql", "--format", "csv", "SELECT enhet FROM treserva_decision WHERE enhet LIKE 'Boende%'"); got != "enhet\nBoende 1912****-**** Eken\n" {
		t.Fatalf("masked enhet: %q", got)
	}
	if got := h.mustRun("sql", "--format", "csv", "SELECT title FROM local_indicator WHERE indicator_id = 'TEST_NOJD'"); got != "title\nNöjdhet 1912****-****\n" {
		t.Fatalf("masked name: %q", got)
	}
	h.mustRun("export", "parquet", "--out", "export")
	h.mustRun("tables", "--out", "tabeller")
	h.mustRun("report", "--out", "rapport.html")
	noPersonnummer(t, "the logs and the output", logs.String())
	scanWrittenFiles(t, h, inputs...)
}

// TestWrongInboxFolderStaysPrivate: a Treserva extract dropped into the
// WebFOCUS folder is refused and moved as it is to rejected/webfocus/,
// 0600 in a directory 0700 whatever the umask, and copied nowhere.
func TestWrongInboxFolderStaysPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes do not say who can read a file on Windows")
	}
	old := setUmask(0)
	defer setUmask(old)
	h := newHarness(t)
	rejected := filepath.Join(h.dir, "data", "rejected", "webfocus")
	if err := os.MkdirAll(rejected, 0o777); err != nil { // left open by an earlier version
		t.Fatal(err)
	}
	in := filepath.Join(h.dir, "data", "inbox", "webfocus", "beslut.csv")
	copyFile(t, sample("treserva", "beslut_sabo_lss.csv"), in)
	_, errs, code := h.run("ingest", "inbox", "--skip-bad-rows")
	if code != ExitData {
		t.Fatalf("exit %d: %s", code, errs)
	}
	moved := filepath.Join(rejected, "beslut.csv")
	for path, want := range map[string]os.FileMode{rejected: 0o700, moved: 0o600, moved + ".error.txt": 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode().Perm(), want)
		}
	}
	if fileSum(t, moved) != fileSum(t, sample("treserva", "beslut_sabo_lss.csv")) {
		t.Fatal("the rejected file is not the file as it was")
	}
	// The extract's personnummer are in that one file and nowhere else.
	forms := samplePersonnummer(t)
	if err := filepath.Walk(h.dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || path == moved {
			return nil
		}
		b, _ := os.ReadFile(path)
		for _, f := range forms {
			if bytes.Contains(b, []byte(f)) {
				t.Errorf("%s holds a personnummer of the extract", path)
				break
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestKeyAttacks: keys that protect nothing and key files others can read
// are refused; key generate writes a good one and never overwrites.
func TestKeyAttacks(t *testing.T) {
	h := newHarness(t)
	key := filepath.Join(t.TempDir(), "k")
	h.env["NYCKELTAL_PSEUDONYM_KEY_FILE"] = key
	extract := sample("treserva", "beslut_sabo_lss.csv")
	for _, tt := range []struct {
		content string
		mode    os.FileMode
		want    string
	}{
		{strings.Repeat("A", 32), 0o600, "different characters"},
		{strings.Repeat(" ", 32), 0o600, "only whitespace"},
		{"q2JYzX0mL9u7f1cQWm1d2vRk8e3pT6yHsB0nA4gZxUo=", 0o644, "can be read or written by others"},
	} {
		if err := os.Remove(key); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		if err := os.WriteFile(key, []byte(tt.content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(key, tt.mode); err != nil {
			t.Fatal(err)
		}
		_, errs, code := h.run("--log-format", "console", "ingest", "treserva", extract)
		if code != ExitUsage || !strings.Contains(errs, "pseudonym key refused") || !strings.Contains(errs, tt.want) ||
			!strings.Contains(errs, "hint:") {
			t.Fatalf("key %q mode %v: exit %d\n%s", tt.content, tt.mode, code, errs)
		}
	}
	_, errs, code := h.run("--log-format", "console", "ingest", "--allow-readable-key", "treserva", extract)
	if code != ExitOK || !strings.Contains(errs, "accepted because of --allow-readable-key") {
		t.Fatalf("--allow-readable-key: exit %d\n%s", code, errs)
	}
	fresh := filepath.Join(t.TempDir(), "keys", "pseudonym.key")
	out := h.mustRun("key", "generate", fresh)
	if fi, err := os.Stat(fresh); err != nil || fi.Mode().Perm() != 0o600 || !strings.Contains(out, "Skrev en ny pseudonymnyckel") {
		t.Fatalf("key generate: %v %v %s", fi, err, out)
	}
	before := fileSum(t, fresh)
	if _, errs, code := h.run("--log-format", "console", "key", "generate", fresh); code != ExitUsage || !strings.Contains(errs, "never overwritten") {
		t.Fatalf("key generate over a key: exit %d %s", code, errs)
	}
	if fileSum(t, fresh) != before {
		t.Fatal("the key changed")
	}
	h.env["NYCKELTAL_PSEUDONYM_KEY_FILE"] = fresh
	h.mustRun("ingest", "treserva", "--force", extract)
}

// TestOutAttacks: --out never replaces the store, the key or the
// configuration, nor a file nyckeltal did not write (unless --force); it
// replaces its own files, and so does the nightly derived job.
func TestOutAttacks(t *testing.T) {
	h := fixtureHarness(t)
	h.withKey()
	key := h.env["NYCKELTAL_PSEUDONYM_KEY_FILE"]
	cfg := filepath.Join(h.dir, "nyckeltal.toml")
	foreign := filepath.Join(h.dir, "budget.xlsx")
	if err := os.WriteFile(foreign, []byte("someone's workbook"), 0o644); err != nil {
		t.Fatal(err)
	}
	sums := map[string][32]byte{h.db: fileSum(t, h.db), key: fileSum(t, key), cfg: fileSum(t, cfg), foreign: fileSum(t, foreign)}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "--catalog", testCatalog, "--out", key}, "is the pseudonym key"},
		{[]string{"report", "--catalog", testCatalog, "--force", "--out", key}, "is the pseudonym key"},
		{[]string{"gap", "--format", "csv", "--force", "--out", h.db}, "is the store"},
		{[]string{"gap", "--format", "csv", "--out", h.db + ".wal"}, "is the store"},
		{[]string{"sparbeting", "--format", "csv", "--out", cfg}, "is the configuration"},
		{[]string{"gap", "--out", foreign}, "nyckeltal did not write it"},
		{[]string{"export", "parquet", "--out", filepath.Dir(h.db)}, "holds " + h.db},
	} {
		_, errs, code := h.run(append([]string{"--log-format", "console"}, tt.args...)...)
		if code != ExitUsage || !strings.Contains(errs, tt.want) || !strings.Contains(errs, "hint:") {
			t.Errorf("%v: exit %d\n%s", tt.args, code, errs)
		}
	}
	for p, sum := range sums {
		if fileSum(t, p) != sum {
			t.Errorf("%s changed", p)
		}
	}
	// Its own files: replaced; edited ones: refused, unless --force.
	h.mustRun("report", "--catalog", testCatalog, "--out", "r.html")
	h.mustRun("report", "--catalog", testCatalog, "--out", "r.html")
	if err := os.WriteFile(filepath.Join(h.dir, "r.html"), []byte("edited by hand"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := h.run("report", "--catalog", testCatalog, "--out", "r.html"); code != ExitUsage || !strings.Contains(errs, "--force") {
		t.Fatalf("an edited report: exit %d %s", code, errs)
	}
	h.mustRun("report", "--catalog", testCatalog, "--out", "r.html", "--force")
	h.mustRun("report", "--catalog", testCatalog, "--out", "r.html")
	h.mustRun("gap", "--out", foreign, "--force")
	h.mustRun("gap", "--out", foreign)
	if err := os.MkdirAll(filepath.Join(h.dir, "t"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.dir, "t", "oversikt.csv"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := h.run("tables", "--catalog", testCatalog, "--out", "t"); code != ExitUsage || !strings.Contains(errs, "oversikt.csv exists") {
		t.Fatalf("tables over a foreign file: exit %d %s", code, errs)
	}
	if b, _ := os.ReadFile(filepath.Join(h.dir, "t", "oversikt.csv")); string(b) != "mine" {
		t.Fatal("a foreign file was replaced")
	}
	h.mustRun("tables", "--catalog", testCatalog, "--out", "t", "--force")
	h.mustRun("tables", "--catalog", testCatalog, "--out", "t")
}

// TestNightlyDerivedJobRegeneratesItsOwnFiles: two nights, the same files
// replaced; a file of someone else's in out_dir fails the job and is kept.
func TestNightlyDerivedJobRegeneratesItsOwnFiles(t *testing.T) {
	h := newHarness(t)
	h.appendConfig("[tables]\nout_dir = \"uppfoljning\"\nformats = [\"csv\", \"html\"]\n")
	for night := 1; night <= 2; night++ {
		if out, errs, code := h.run("run"); code != ExitOK || !strings.Contains(out, "derived  ok") {
			t.Fatalf("night %d: exit %d\n%s\n%s", night, code, out, errs)
		}
	}
	report := filepath.Join(h.dir, "uppfoljning", "rapport.html")
	if err := os.WriteFile(report, []byte("someone's page"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := h.run("run")
	if code == ExitOK || !strings.Contains(out+errs, "rapport.html exists") {
		t.Fatalf("the job replaced someone's file: exit %d\n%s\n%s", code, out, errs)
	}
	if b, _ := os.ReadFile(report); string(b) != "someone's page" {
		t.Fatal("someone's file was replaced")
	}
}

// TestSpreadsheetAndMarkupInjection: text from files that starts like a
// formula is neutralised in CSV and XLSX, numbers stay numbers, and
// Markdown and HTML show markup as text.
func TestSpreadsheetAndMarkupInjection(t *testing.T) {
	h := fixtureHarness(t)
	st, err := store.Open(t.Context(), h.db, store.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE local_indicator SET title = '<script>alert(1)</script>'`,
		`UPDATE municipality SET title = '@' || title WHERE municipality_id = '9001'`,
		`UPDATE municipality_group SET title = replace(title, 'Exempelköping', '@Exempelköping')`,
	} {
		if _, err := st.DB().ExecContext(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	// A catalogue whose names came from someone else's spreadsheet.
	cat, err := os.ReadFile(testCatalog)
	if err != nil {
		t.Fatal(err)
	}
	cat = bytes.Replace(cat, []byte(`name = "Nöjda med särskilt boende"`), []byte(`name = "=HYPERLINK(\"http://evil.example\",\"klicka\")"`), 1)
	cat = bytes.Replace(cat, []byte(`name = "Munhälsobedömning"`), []byte(`name = "-2+3+cmd|' /C calc'!A0 <img src=x onerror=alert(1)>"`), 1)
	catalogFile := filepath.Join(h.dir, "katalog.toml")
	if err := os.WriteFile(catalogFile, cat, 0o644); err != nil {
		t.Fatal(err)
	}
	h.mustRun("tables", "--catalog", catalogFile, "--out", "t")
	h.mustRun("gap", "--year", "2024", "--out", "gap.csv")
	h.mustRun("gap", "--year", "2024", "--out", "gap.xlsx")
	h.mustRun("sparbeting", "--out", "sparbeting.csv")
	if out := h.mustRun("sql", "--format", "csv", "SELECT title FROM municipality WHERE municipality_id = '9001'"); out != "title\n'@Exempelköping\n" {
		t.Errorf("sql --format csv: %q", out)
	}
	formulaLike := func(where, cell string) {
		if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
			if _, err := json.Number(strings.Replace(cell, ",", ".", 1)).Float64(); err != nil {
				t.Errorf("%s: cell %q starts like a formula", where, cell)
			}
		}
	}
	sawNeutralised, sawNegative := false, false
	for _, name := range []string{"t/oversikt.csv", "t/malomrade-1.csv", "t/malomrade-2.csv", "gap.csv", "sparbeting.csv"} {
		b, err := os.ReadFile(filepath.Join(h.dir, name))
		if err != nil {
			t.Fatal(err)
		}
		r := csv.NewReader(bytes.NewReader(b))
		r.FieldsPerRecord = -1
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, rec := range recs {
			for _, c := range rec {
				formulaLike(name, c)
				sawNeutralised = sawNeutralised || strings.HasPrefix(c, "'=HYPERLINK") || strings.HasPrefix(c, "'-2+3") ||
					c == "'@Exempelköping"
				sawNegative = sawNegative || (strings.HasPrefix(c, "-") && len(c) > 1 && c[1] >= '0' && c[1] <= '9')
			}
		}
	}
	if !sawNeutralised || !sawNegative {
		t.Errorf("neutralised %v, negative numbers %v", sawNeutralised, sawNegative)
	}
	for _, name := range []string{"t/oversikt.xlsx", "t/malomrade-1.xlsx", "gap.xlsx"} {
		f, err := excelize.OpenFile(filepath.Join(h.dir, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, sh := range f.GetSheetList() {
			rows, _ := f.GetRows(sh, excelize.Options{RawCellValue: true})
			for _, r := range rows {
				for _, c := range r {
					formulaLike(name, c)
				}
			}
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"t/oversikt.md", "t/malomrade-1.md", "t/malomrade-2.md", "t/oversikt.html", "t/malomrade-1.html", "t/malomrade-2.html"} {
		b, _ := os.ReadFile(filepath.Join(h.dir, name))
		if bytes.Contains(b, []byte("<script")) || bytes.Contains(b, []byte("<img")) {
			t.Errorf("%s passes <script> through", name)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(h.dir, "t", "malomrade-1.md")); !bytes.Contains(b, []byte("&lt;img src=x onerror=alert(1)&gt;")) {
		t.Error("the Markdown lost the text")
	}
	if b, _ := os.ReadFile(filepath.Join(h.dir, "t", "malomrade-1.html")); !bytes.Contains(b, []byte("&lt;img src=x onerror=alert(1)&gt;")) {
		t.Error("the HTML lost the text")
	}
}

// TestKoladaTextHasNoPersonnummer runs the personnummer scan over every
// text of the real Kolada snapshot and KPI catalogue (../shared/kolada):
// Kolada's own text must never trip it, or the scan would refuse for
// nothing. It skips without ../shared.
func TestKoladaTextHasNoPersonnummer(t *testing.T) {
	files, _ := filepath.Glob(repo.Shared("kolada", "*.json"))
	if len(files) == 0 {
		t.Skip("no ../shared/kolada snapshot beside the repository")
	}
	var walk func(v any, f func(string))
	walk = func(v any, f func(string)) {
		switch x := v.(type) {
		case string:
			f(x)
		case []any:
			for _, e := range x {
				walk(e, f)
			}
		case map[string]any:
			for k, e := range x {
				f(k)
				walk(e, f)
			}
		}
	}
	n := 0
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		walk(v, func(s string) {
			n++
			noPersonnummer(t, filepath.Base(p), s)
		})
	}
	if n < 100000 {
		t.Fatalf("only %d texts", n)
	}
}
