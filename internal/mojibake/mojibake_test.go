package mojibake

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

func TestRepair(t *testing.T) {
	for _, s := range []string{"Höör", "Liknande kommuner – äldreomsorg, Malung-Sälen, 2024", "Åmål\u00a0„citat“", "plain", ""} {
		once, _ := charmap.Windows1252.NewDecoder().String(s)
		twice, _ := charmap.Windows1252.NewDecoder().String(once)
		for _, mangled := range []string{s, once, twice} {
			if got := Repair(mangled); got != s {
				t.Errorf("Repair(%q) = %q, want %q", mangled, got, s)
			}
		}
	}
	for _, s := range []string{"Ã", "â", "Â", "Åre"} {
		if got := Repair(s); got != s {
			t.Errorf("Repair(%q) = %q: text that is not mangled changed", s, got)
		}
	}
}

// FuzzRepair: text without the marks is never changed, valid text stays valid.
func FuzzRepair(f *testing.F) {
	for _, s := range []string{"HÃ¶Ã¶r", "â€“", "Höör", "\xff", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Repair(s)
		if !strings.ContainsAny(s, Marks) && got != s {
			t.Fatalf("%q changed to %q", s, got)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("%q became invalid: %q", s, got)
		}
	})
}
