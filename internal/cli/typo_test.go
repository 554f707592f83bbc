package cli

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestEveryCommandRefusesATypo walks the whole command tree: an unknown
// subcommand or a stray argument is a usage error (exit 2) with a hint,
// never help and exit 0 (a crontab line with a typo would "succeed" every
// night and load nothing). A group suggests the name meant.
func TestEveryCommandRefusesATypo(t *testing.T) {
	h := newHarness(t)
	var walk func(c *cobra.Command)
	var paths [][]string
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			return
		}
		paths = append(paths, strings.Fields(c.CommandPath())[1:])
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	root := newRootCmd(&factory{io: &App{}})
	walk(root)
	if len(paths) < 25 {
		t.Fatalf("walked %d commands only", len(paths))
	}
	for _, path := range paths {
		cmd, _, err := root.Find(path)
		if err != nil {
			t.Fatal(err)
		}
		// A stray argument: one more than the command takes. Commands that
		// take any number of files get one that does not exist, which is a
		// usage error too.
		stray := []string{"zzqx"}
		for cmd.Args != nil && cmd.Args(cmd, stray) == nil && len(stray) < 3 {
			stray = append(stray, "zzqy")
		}
		if len(stray) == 3 && !strings.Contains(cmd.Use, "FILE…") {
			continue // free text (kpi search): every word is part of it
		}
		for _, logFormat := range []string{"console", "json"} {
			args := append(append([]string{"--log-format", logFormat}, path...), stray...)
			out, errs, code := h.run(args...)
			if code != ExitUsage || !strings.Contains(errs, "hint") {
				t.Errorf("nyckeltal %s: exit %d, want %d with a hint\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, ExitUsage, out, errs)
			}
			if logFormat == "json" && !onlyJSONLines(errs) {
				t.Errorf("nyckeltal %s: stderr is not JSON log lines:\n%s", strings.Join(args, " "), errs)
			}
		}
		if subs := cmd.Commands(); len(subs) > 0 {
			name := subs[0].Name()
			typo := name[:len(name)-1] + "q" // kolada → koladq
			for _, logFormat := range []string{"console", "json"} {
				args := append(append([]string{"--log-format", logFormat}, path...), typo)
				_, errs, code := h.run(args...)
				if code != ExitUsage || !strings.Contains(strings.ToLower(errs), "did you mean") || !strings.Contains(errs, name) {
					t.Errorf("nyckeltal %s: exit %d, want %d with \"did you mean %s\"\n%s", strings.Join(args, " "), code, ExitUsage, name, errs)
				}
				if logFormat == "json" && !onlyJSONLines(errs) {
					t.Errorf("nyckeltal %s: stderr is not JSON log lines:\n%s", strings.Join(args, " "), errs)
				}
			}
		}
		// A flag nyckeltal does not know fails before the command runs; in
		// JSON log mode it is still a JSON line.
		args := append(append([]string{"--log-format", "json"}, path...), "--zzqx")
		if _, errs, code := h.run(args...); code != ExitUsage || !onlyJSONLines(errs) || !strings.Contains(errs, `"hint"`) {
			t.Errorf("nyckeltal %s: exit %d, want %d and a JSON line with a hint\n%s", strings.Join(args, " "), code, ExitUsage, errs)
		}
	}
}

// TestMistakesAreRefusedWithWhatToDo: names as people type them, years the
// store does not have, a --db in a directory that does not exist, an --out
// nyckeltal cannot write.
func TestMistakesAreRefusedWithWhatToDo(t *testing.T) {
	h := newHarness(t)
	h.mustRun("ingest", "kolada")
	var name string
	for _, m := range h.ds.Municipalities {
		if m.ID == "9001" {
			name = m.Title // the home municipality
		}
	}
	folded := strings.NewReplacer("ö", "o", "ä", "a", "å", "a", "Ö", "O", "Ä", "A", "Å", "A").Replace(strings.ToLower(name))
	for _, m := range []string{name, folded, strings.ToUpper(name)} {
		if out := h.mustRun("gap", "--municipality", m, "--area", "aldreomsorg"); !strings.Contains(out, name+" (9001)") {
			t.Errorf("gap --municipality %s:\n%s", m, out)
		}
	}
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"part of several names", []string{"gap", "--municipality", "köping"}, ExitUsage, []string{"did you mean", name + " (9001)", "hint: "}},
		{"base year without values", []string{"sparbeting", "--base-year", "2017"}, ExitData, []string{"it has values for 2023–2025", "hint: choose one of the years"}},
		{"year without values", []string{"gap", "--year", "2017"}, ExitData, []string{"it has values for 2023–2025", "hint: choose one of the years"}},
		{"--db in a missing directory", []string{"--db", "saknas/x.duckdb", "status"}, ExitUsage, []string{"saknas does not exist", "hint: "}},
		{"--out of an unknown kind", []string{"gap", "--out", "x.ods"}, ExitUsage, []string{".ods is not a format", ".xlsx", "hint: "}},
	}
	for _, tt := range tests {
		out, errs, code := h.run(append([]string{"--log-format", "console"}, tt.args...)...)
		for _, w := range tt.want {
			if code != tt.code || !strings.Contains(errs, w) {
				t.Errorf("%s: exit %d (want %d), stderr lacks %q:\n%s%s", tt.name, code, tt.code, w, out, errs)
			}
		}
	}
	if _, errs, code := h.run("--db", "ny/x.duckdb", "migrate"); code != ExitOK || !strings.Contains(errs, "migrate creates it") {
		t.Errorf("migrate into a new directory: exit %d\n%s", code, errs)
	}
	// The home municipality of the configuration, missing from the store.
	if err := os.WriteFile("hemma.toml", []byte("home_municipality = \"9999\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := h.run("--config", "hemma.toml", "--db", h.db, "gap"); code != ExitUsage || !strings.Contains(errs, "home_municipality of hemma.toml") {
		t.Errorf("a home municipality missing from the store: exit %d\n%s", code, errs)
	}
}

// onlyJSONLines is true when every line of s is a JSON object (a log line).
func onlyJSONLines(s string) bool {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for _, l := range lines {
		if !json.Valid([]byte(l)) || !strings.HasPrefix(l, "{") {
			return false
		}
	}
	return len(lines) > 0 && lines[0] != ""
}
