package webfocus

import (
	"strings"
	"testing"
)

// trimSpace is strings.TrimSpace, its shortcut included.
func FuzzTrimSpace(f *testing.F) {
	for _, s := range []string{"", " ", "Enhet 1", " Enhet 1", "Enhet 1\t", "\u00a0Enhet\u00a0", "x\u0085", "\x7f", "a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := trimSpace(s), strings.TrimSpace(s); got != want {
			t.Fatalf("trimSpace(%q) = %q, want %q", s, got, want)
		}
	})
}
