package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nyckeltal/nyckeltal/internal/testkit/repo"

	"golang.org/x/text/encoding/charmap"

	"github.com/nyckeltal/nyckeltal/internal/store"
)

var samplesDir = repo.Path("data", "samples")

func sample(parts ...string) string { return filepath.Join(append([]string{samplesDir}, parts...)...) }

// withKey gives the harness a pseudonym key file outside the store's directory.
func (h *harness) withKey() {
	h.t.Helper()
	key := filepath.Join(h.t.TempDir(), "pseudonym.key")
	if err := os.WriteFile(key, []byte("dGhpcyBpcyBhIHRlc3Qga2V5LCBub3QgYSByZWFsIG9uZQ==\n"), 0o600); err != nil {
		h.t.Fatal(err)
	}
	h.env["NYCKELTAL_PSEUDONYM_KEY_FILE"] = key
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestIngestLocalFiles(t *testing.T) {
	h := newHarness(t)
	h.withKey()
	wf, _ := filepath.Glob(sample("webfocus", "*"))
	out := h.mustRun(append([]string{"ingest", "webfocus"}, wf...)...)
	for _, want := range []string{"(COMT): laddning", "(DFIX ; with header): laddning", "(EXL2K): laddning", "(XLSX): laddning"} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	h.mustRun("ingest", "treserva", sample("treserva", "beslut_sabo_lss.csv"))
	h.mustRun("ingest", "indicators", sample("indikatorer", "ovriga_indikatorer.csv"))

	csv := h.mustRun("sql", "--format", "csv", `SELECT source, count(DISTINCT indicator_id) AS indicators,
		bool_and(title IS NOT NULL) AS named, bool_and(source_note LIKE 'Källa: %') AS noted
		FROM v_local_value GROUP BY source ORDER BY source`)
	if csv != "source,indicators,named,noted\nindicators,9,true,true\ntreserva,6,true,true\nwebfocus,16,true,true\n" {
		t.Fatalf("local values:\n%s", csv)
	}
	// Every default WebFOCUS indicator of the uppdragsplan arrived from the samples.
	if out := h.mustRun("sql", "--format", "csv", `SELECT count(*) FROM local_indicator WHERE source_system = 'WebFOCUS'`); out != "count_star()\n16\n" {
		t.Fatalf("WebFOCUS indicators: %s", out)
	}
	// The same file again is a no-op.
	out = h.mustRun("ingest", "indicators", sample("indikatorer", "ovriga_indikatorer.csv"))
	if !strings.Contains(out, "oförändrad, samma fil laddades av laddning") {
		t.Fatalf("second load: %s", out)
	}
	// A dry run reads and prints, and touches nothing.
	loads := h.mustRun("sql", "--format", "csv", "SELECT count(*) FROM load")
	out = h.mustRun("ingest", "webfocus", "--dry-run", sample("webfocus", "timanstallda_dfix.txt"))
	if !strings.Contains(out, "WF_TIMANST_TIMMAR\tlocal_unit:Hemtjänst Norr\t2024 kvartal 1\tT\talla\t5021") {
		t.Fatalf("dry run:\n%s", out)
	}
	if h.mustRun("sql", "--format", "csv", "SELECT count(*) FROM load") != loads {
		t.Fatal("a dry run wrote a load")
	}
}

func TestRefusedFileExitCode(t *testing.T) {
	h := newHarness(t)
	bad := filepath.Join(h.dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("\"Enhet\",\"Period\",\"Sjukfrånvaro totalt\"\n\"Norr\",\"2024-Q1\",7.2\n\"Söder\",\"2024-Q1\",\"7,2,1\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := h.run("--log-format", "console", "ingest", "webfocus", bad)
	if code != ExitData || !strings.Contains(errs, `bad.csv:3: kolumn C "Sjukfrånvaro totalt": "7,2,1" är inget tal`) ||
		!strings.Contains(errs, "hint: correct the file") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	if got := h.mustRun("sql", "--format", "csv", "SELECT status, rows_refused, count(*) OVER () AS n FROM load"); got != "status,rows_refused,n\nfailed,1,1\n" {
		t.Fatalf("load table: %s", got)
	}
	if got := h.mustRun("sql", "--format", "csv", "SELECT count(*) FROM observation"); got != "count_star()\n0\n" {
		t.Fatalf("a refused file loaded values: %s", got)
	}
	out = h.mustRun("ingest", "webfocus", "--skip-bad-rows", bad)
	if !strings.Contains(out, "1 felaktiga rader avvisade (--skip-bad-rows) och skrivna till data/rejected/webfocus/bad.csv.") {
		t.Fatalf("--skip-bad-rows:\n%s", out)
	}
}

func TestTreservaWithoutKey(t *testing.T) {
	h := newHarness(t)
	_, errs, code := h.run("ingest", "treserva", sample("treserva", "beslut_sabo_lss.csv"))
	if code != ExitUsage || !strings.Contains(errs, "no pseudonym key") || !strings.Contains(errs, "key generate") {
		t.Fatalf("exit %d: %s", code, errs)
	}
}

// samplePersonnummer are the personnummer of the Treserva sample in every
// form they could be stored in.
func samplePersonnummer(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(sample("treserva", "beslut_sabo_lss.csv"))
	if err != nil {
		t.Fatal(err)
	}
	text, err := charmap.Windows1252.NewDecoder().Bytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var out []string
	for _, line := range strings.Split(string(text), "\n")[1:] {
		pnr := strings.TrimSpace(strings.SplitN(line, ";", 2)[0])
		if pnr == "" {
			continue
		}
		digits := regexp.MustCompile(`\D`).ReplaceAllString(pnr, "")
		last10 := digits[len(digits)-10:]
		for _, form := range []string{pnr, digits, last10, last10[:6] + "-" + last10[6:], last10[:6] + "+" + last10[6:]} {
			if !seen[form] {
				seen[form] = true
				out = append(out, form)
			}
		}
	}
	if len(out) < 40 {
		t.Fatalf("only %d personnummer forms in the sample", len(out))
	}
	return out
}

// TestNoPersonnummerStoredOrLogged loads the Treserva sample (directly, with
// bad rows, and through the inbox) with JSON logs, then searches the
// database file, every text value in it, the logs, the output, the
// quarantine and the rejected reports for the sample's personnummer.
func TestNoPersonnummerStoredOrLogged(t *testing.T) {
	h := newHarness(t)
	h.withKey()
	var logs strings.Builder
	run := func(wantCode int, args ...string) {
		out, errs, code := h.run(append([]string{"--log-format", "json", "--log-level", "debug"}, args...)...)
		logs.WriteString(out + errs)
		if code != wantCode {
			t.Fatalf("%v: exit %d, want %d\n%s%s", args, code, wantCode, out, errs)
		}
	}
	run(ExitOK, "ingest", "treserva", sample("treserva", "beslut_sabo_lss.csv"))

	// A copy with broken rows: a wrong check digit and a bad date, refused
	// and then quarantined.
	raw, _ := os.ReadFile(sample("treserva", "beslut_sabo_lss.csv"))
	lines := strings.Split(string(raw), "\r\n")
	lines[1] = lines[1][:len(lines[1])-1] // drop a character from the end: enhet text changes, harmless
	pnr := strings.SplitN(lines[2], ";", 2)[0]
	lines[2] = strings.Replace(lines[2], pnr, pnr[:len(pnr)-1]+string("0123456789"[(int(pnr[len(pnr)-1]-'0')+1)%10]), 1)
	lines[3] = strings.Replace(lines[3], ";2023-01-15;", ";15/01/2023;", 1)
	bad := filepath.Join(h.dir, "beslut_fel.csv")
	if err := os.WriteFile(bad, []byte(strings.Join(lines, "\r\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	run(ExitData, "ingest", "treserva", bad)
	run(ExitOK, "ingest", "treserva", "--skip-bad-rows", bad)
	// The same rows with one more line end: other bytes, so not a no-op.
	if err := os.MkdirAll(filepath.Join(h.dir, "data", "inbox", "treserva"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.dir, "data", "inbox", "treserva", "beslut_fel2.csv"), []byte(strings.Join(lines, "\r\n")+"\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	run(ExitData, "ingest", "inbox")

	forms := samplePersonnummer(t)
	var texts []string
	if err := filepath.Walk(h.dir, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && !strings.Contains(path, "inbox") && path != bad &&
			!strings.HasPrefix(filepath.Base(path), "beslut_fel2") {
			b, _ := os.ReadFile(path)
			texts = append(texts, path+"\n"+string(b))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// Files derived from the bad file (quarantine, .error.txt) must be masked;
	// the rejected extract itself is the operator's own file and is kept.
	rejected, _ := filepath.Glob(filepath.Join(h.dir, "data", "rejected", "treserva", "*"))
	for _, p := range rejected {
		if strings.HasSuffix(p, ".error.txt") || strings.HasSuffix(p, ".refused-rows.csv") {
			b, _ := os.ReadFile(p)
			texts = append(texts, p+"\n"+string(b))
		}
	}
	if len(rejected) < 3 {
		t.Fatalf("expected the rejected extract, its .error.txt and a quarantine CSV, got %v", rejected)
	}
	texts = append(texts, "logs\n"+logs.String())
	texts = append(texts, "database values\n"+allText(t, h.db))
	for _, text := range texts {
		for _, f := range forms {
			if strings.Contains(text, f) {
				t.Fatalf("personnummer form %q found in %s", f, strings.SplitN(text, "\n", 2)[0])
			}
		}
	}
	// The check can fail: the sample's own bytes contain them.
	if !strings.Contains(string(raw), forms[0]) {
		t.Fatal("the search would not find a personnummer")
	}
	var found int
	for _, l := range strings.Split(logs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["job"] == "treserva" {
			found++
		}
	}
	if found < 3 {
		t.Fatalf("only %d JSON log lines of treserva loads: the logs were not captured", found)
	}
}

// allText is every text value of every table of the store, one a line.
func allText(t *testing.T, path string) string {
	t.Helper()
	st, err := store.Open(t.Context(), path, store.ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := st.DB().Query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, tbl := range tables {
		r, err := st.DB().Query(fmt.Sprintf(`SELECT * FROM "%s"`, tbl))
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := r.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for r.Next() {
			if err := r.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				fmt.Fprintf(&b, "%v\n", v)
			}
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(b.String(), "Särskilt boende") {
		t.Fatal("the store holds no decisions: nothing was searched")
	}
	return b.String()
}

func TestInbox(t *testing.T) {
	h := newHarness(t)
	h.withKey()
	inbox := filepath.Join(h.dir, "data", "inbox")
	copyFile(t, sample("webfocus", "sjukfranvaro_comt.csv"), filepath.Join(inbox, "webfocus", "sjukfranvaro_comt.csv"))
	copyFile(t, sample("webfocus", "verksamhet.xlsx"), filepath.Join(inbox, "webfocus", "verksamhet.xlsx"))
	copyFile(t, sample("treserva", "beslut_sabo_lss.csv"), filepath.Join(inbox, "treserva", "beslut.csv"))
	copyFile(t, sample("indikatorer", "ovriga_indikatorer.csv"), filepath.Join(inbox, "indikatorer", "ovriga.csv"))
	if err := os.WriteFile(filepath.Join(inbox, "indikatorer", "trasig.csv"), []byte("indikator;period;värde\nX_A;2024;inget tal\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(inbox, "webfocus", "halvfärdig.csv.part"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}

	out, errs, code := h.run("--log-format", "console", "ingest", "inbox")
	if code != ExitData || !strings.Contains(out, "Inkorgen data/inbox: 4 laddade, 0 redan laddade, 1 avvisade, 0 kvar till nästa körning") ||
		!strings.Contains(errs, `trasig.csv:2: kolumn C "värde": "inget tal" är inget tal`) {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	for _, p := range []string{"archive/webfocus/sjukfranvaro_comt.csv", "archive/webfocus/verksamhet.xlsx", "archive/treserva/beslut.csv",
		"archive/indikatorer/ovriga.csv", "rejected/indikatorer/trasig.csv", "rejected/indikatorer/trasig.csv.error.txt",
		"inbox/webfocus/halvfärdig.csv.part"} {
		if _, err := os.Stat(filepath.Join(h.dir, "data", p)); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	report, _ := os.ReadFile(filepath.Join(h.dir, "data", "rejected", "indikatorer", "trasig.csv.error.txt"))
	if !strings.Contains(string(report), "inget av filen laddades") || !strings.Contains(string(report), "--skip-bad-rows") {
		t.Fatalf("error report:\n%s", report)
	}
	if fi, _ := os.Stat(filepath.Join(h.dir, "data", "archive", "treserva")); fi.Mode().Perm() != 0o700 {
		t.Fatalf("the archive of extracts with personnummer is %v", fi.Mode().Perm())
	}

	// Nothing new: a quiet, successful run.
	out = h.mustRun("ingest", "inbox")
	if !strings.Contains(out, "0 laddade, 0 redan laddade, 0 avvisade") {
		t.Fatalf("second run:\n%s", out)
	}
	// The same file dropped again is archived beside the first, unchanged.
	copyFile(t, sample("webfocus", "verksamhet.xlsx"), filepath.Join(inbox, "webfocus", "verksamhet.xlsx"))
	out = h.mustRun("ingest", "inbox")
	if !strings.Contains(out, "0 laddade, 1 redan laddade") || !strings.Contains(out, "archive/webfocus/verksamhet-2.xlsx") {
		t.Fatalf("third run:\n%s", out)
	}
}

// `nyckeltal run` takes the inbox as its second job and moves the file only
// once the run is published.
func TestRunLoadsTheInbox(t *testing.T) {
	h := newHarness(t)
	inbox := filepath.Join(h.dir, "data", "inbox")
	copyFile(t, sample("indikatorer", "ovriga_indikatorer.csv"), filepath.Join(inbox, "indikatorer", "ovriga.csv"))
	out := h.mustRun("run")
	if !strings.Contains(out, "inbox   ok") || !strings.Contains(out, ": 1 laddade, 0 redan laddade, 0 avvisade") {
		t.Fatalf("run output:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(h.dir, "data", "archive", "indikatorer", "ovriga.csv")); err != nil {
		t.Fatalf("the loaded file was not archived: %v", err)
	}
	if n := h.mustRun("sql", "--format", "csv", "SELECT count(*) > 0 FROM observation WHERE source = 'indicators'"); !strings.Contains(n, "true") {
		t.Fatalf("no indicator values after the run: %s", n)
	}
}
