package swedish

import "testing"

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Sjukfrånvaro, <15 dagar (%)": "sjukfranvarolt15dagar",
		"SJUKFRANVARO_LT15_DAGAR":     "sjukfranvarolt15dagar",
		"ÅÄÖ åäö É ü":                 "aaoaaoeu",
		"varav >60 dagar":             "varavgt60dagar",
		"Kön":                         "kon",
		"Ærø ß":                       "ærøß",
		"":                            "",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
	if got := FoldWords("  Privat  Utförare/LOV "); got != "privat utforare lov" {
		t.Errorf("Words: %q", got)
	}
}

func BenchmarkFold(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Fold("Sjukfrånvaro, <15 dagar (%)")
	}
}
