package cli

import (
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
		}
		if subs := cmd.Commands(); len(subs) > 0 {
			name := subs[0].Name()
			typo := name[:len(name)-1] + "q" // kolada → koladq
			args := append(append([]string{}, path...), typo)
			_, errs, code := h.run(args...)
			if code != ExitUsage || !strings.Contains(strings.ToLower(errs), "did you mean") || !strings.Contains(errs, name) {
				t.Errorf("nyckeltal %s: exit %d, want %d with \"did you mean %s\"\n%s", strings.Join(args, " "), code, ExitUsage, name, errs)
			}
		}
	}
}
