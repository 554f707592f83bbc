package personnummer

import (
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want []string // the matched texts
	}{
		{"Boende 19121212-1212 Eken", []string{"19121212-1212"}},
		{"Handläggare 191212121212", []string{"191212121212"}},
		{"121212-1212", []string{"121212-1212"}},
		{"121212+1212", []string{"121212+1212"}},
		{"1212121212", []string{"1212121212"}},
		{"19121212 1212", []string{"19121212 1212"}},
		{"121212 1212", []string{"121212 1212"}},
		{"121212 - 1212", []string{"121212 - 1212"}},
		{"19121212–1212 (tankstreck)", []string{"19121212–1212"}},
		{"19121212\u00a01212", []string{"19121212\u00a01212"}},
		{"samordningsnummer 701063-2391 och 19701063-2391", []string{"701063-2391", "19701063-2391"}},
		{"två: 121212-1212;191212121212", []string{"121212-1212", "191212121212"}},
		{"ABC191212121212x", []string{"191212121212"}},
		// Not personnummer.
		{"19121212-1213", nil},                  // wrong check digit
		{"212000-0142 Norrköpings kommun", nil}, // organisationsnummer: month 20
		{"period 20240101-20241231", nil},       // the four digits continue
		{"belopp 1212121212,50 kr", nil},        // a decimal follows
		{"kvot 0,1212121212", nil},              // a decimal part
		{"1 234 567 890", nil},                  // grouped digits
		{"211212121212", nil},                   // no such century
		{"2024-01-31 14:05", nil},
		{"12121212121212", nil}, // 14 digits
		{"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, m := range Find(tt.text) {
				got = append(got, tt.text[m.Start:m.End])
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Fatalf("Find(%q) = %q, want %q", tt.text, got, tt.want)
			}
			if Contains(tt.text) != (len(tt.want) > 0) {
				t.Fatalf("Contains(%q) = %v", tt.text, !Contains(tt.text))
			}
			if masked := Mask(tt.text); Contains(masked) {
				t.Fatalf("Mask(%q) = %q still holds a personnummer", tt.text, masked)
			}
		})
	}
}

func TestMaskFoundKeepsTheRest(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Boende 19121212-1212 Eken": "Boende 1912****-**** Eken",
		"121212 - 1212 bor här":     "12**** - **** bor här",
		"period 20240101-20241231":  "period 20240101-20241231",
	} {
		if got := MaskFound(in); got != want {
			t.Errorf("MaskFound(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzFind(f *testing.F) {
	for _, s := range []string{"19121212-1212", "121212 - 1212", "a1212121212b", "20240101-20241231", "1,1212121212"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, m := range Find(s) {
			if m.Start < 0 || m.End > len(s) || m.Start >= m.End {
				t.Fatalf("match %+v out of %q", m, s)
			}
		}
		if Contains(Mask(s)) {
			t.Fatalf("Mask(%q) still holds a personnummer", s)
		}
	})
}

// hasTenDigits counts eight bytes at a time as counting byte by byte does.
func FuzzHasTenDigits(f *testing.F) {
	for _, s := range []string{"", "0123456789", "2023-04-05", "19121212-1212", "åäö/:09ÿ\x80\xb9\xb0 12345 6789 0", "0000000009///////"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		digits := 0
		for i := 0; i < len(s); i++ {
			if s[i] >= '0' && s[i] <= '9' {
				digits++
			}
		}
		if got := hasTenDigits(s); got != (digits >= 10) {
			t.Fatalf("hasTenDigits(%q) = %v with %d digits", s, got, digits)
		}
	})
}

func TestHasTenDigitsEveryByte(t *testing.T) {
	t.Parallel()
	for b := range 256 {
		for pad := range 8 {
			// ten of the byte after pad other bytes, in every lane of a word
			s := strings.Repeat("x", pad) + strings.Repeat(string([]byte{byte(b)}), 10) + "9"
			want := b >= '0' && b <= '9'
			if got := hasTenDigits(s); got != want {
				t.Fatalf("byte 0x%02X after %d: %v", b, pad, got)
			}
			if got := hasTenDigits(s[:len(s)-1] + "123456789"); !got && want {
				t.Fatalf("byte 0x%02X after %d, with nine digits after: false", b, pad)
			}
		}
	}
}

func BenchmarkHasTenDigits(b *testing.B) {
	cells := []string{"2023-04-05", "Vård- och omsorgskontoret", "Särskilt boende 17", "SoL 4 kap. 1 §", "Bifall", "K"}
	for b.Loop() {
		for _, c := range cells {
			hasTenDigits(c)
		}
	}
}
