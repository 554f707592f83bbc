package fold

import "testing"

func TestKey(t *testing.T) {
	for in, want := range map[string]string{
		"Sjukfrånvaro, <15 dagar (%)": "sjukfranvarolt15dagar",
		"SJUKFRANVARO_LT15_DAGAR":     "sjukfranvarolt15dagar",
		"ÅÄÖ åäö É ü":                 "aaoaaoeu",
		"varav >60 dagar":             "varavgt60dagar",
		"Kön":                         "kon",
		"Ærø ß":                       "ærøß",
		"":                            "",
	} {
		if got := Key(in); got != want {
			t.Errorf("Key(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Words("  Privat  Utförare/LOV "); got != "privat utforare lov" {
		t.Errorf("Words: %q", got)
	}
}

func BenchmarkKey(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Key("Sjukfrånvaro, <15 dagar (%)")
	}
}
