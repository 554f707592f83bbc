package swedish

import (
	"errors"
	"math"
	"testing"
)

// FuzzParseNumber: whatever a file holds, ParseNumber returns a finite
// number or a NumberError, never a panic; and a number it reads, written
// for people at its own decimals, reads back as the value shown.
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"12", "7,2", "1 605 000", "1\u00a0750,5", "\u22121,5", "–3", "+4", "12,5 %", "1.5e3",
		"1.234,5", "7,2,1", "1 23", "", ",", "inget tal", "1e999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, dec, err := ParseNumber(s)
		if err != nil {
			var ne *NumberError
			if !errors.As(err, &ne) {
				t.Fatalf("%q: %T %v", s, err, err)
			}
			return
		}
		if math.IsNaN(v) || math.IsInf(v, 0) || dec < 0 {
			t.Fatalf("%q: %v with %d decimals", s, v, dec)
		}
		if math.Abs(v) > 1e15 || dec > 6 {
			return // beyond what a figure for people shows exactly
		}
		shown := Number(v, dec)
		back, _, err := ParseNumber(shown)
		if err != nil || back != Rounded(v, dec) {
			t.Fatalf("%q → %v → %q → %v (%v), want %v", s, v, shown, back, err, Rounded(v, dec))
		}
	})
}
