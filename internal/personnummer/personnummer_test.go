package personnummer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var ref = time.Date(2024, 9, 10, 0, 0, 0, 0, time.UTC)

func TestParse(t *testing.T) {
	tests := []struct {
		in           string
		wantYear     int
		wantGender   string
		coordination bool
		wantErr      string
	}{
		{"19121212-1212", 1912, "M", false, ""},
		{"191212121212", 1912, "M", false, ""},
		{"121212-1212", 2012, "M", false, ""},
		{"121212+1212", 1912, "M", false, ""}, // "+": 100 or more
		{"1212121212", 2012, "M", false, ""},
		{"19400101-0018", 1940, "M", false, ""},
		{"19400101-0026", 1940, "K", false, ""},
		{"701063-2391", 1970, "M", true, ""}, // samordningsnummer: day 63 = 3rd
		{"19701063-2391", 1970, "M", true, ""},
		{" 19400101 0018 ", 1940, "M", false, ""},
		{"19400101-0017", 0, "", false, "wrong check digit"},
		{"19400231-0014", 0, "", false, "not a valid date of birth"},
		{"19401301-0014", 0, "", false, "not a valid date of birth"},
		{"194001010018-", 0, "", false, "separator in the wrong place"},
		{"1940-01-01-0018", 0, "", false, "not a number of 10 or 12 digits"},
		{"400101001", 0, "", false, "9 digits"},
		{"TF123456", 0, "", false, "not a number"},
		{"", 0, "", false, "empty"},
		{"20250101-0018", 0, "", false, "wrong check digit"},
		{"19400101+0018", 0, "", false, `"+" marks a person of 100 or more`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n, err := Parse(tt.in, ref)
			if tt.wantErr != "" {
				if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				if digits := strings.Trim(tt.in, " "); len(digits) >= 6 && strings.Contains(err.Error(), digits[:6]) {
					t.Fatalf("the error quotes the number: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n.BirthYear() != tt.wantYear || n.Gender() != tt.wantGender || n.Coordination() != tt.coordination {
				t.Fatalf("year %d gender %s coordination %v", n.BirthYear(), n.Gender(), n.Coordination())
			}
			if s := n.String(); strings.Contains(s, strings.TrimSpace(tt.in)[4:]) {
				t.Fatalf("String() shows the number: %s", s)
			}
		})
	}
}

func TestFuture(t *testing.T) {
	// A child born after the extract date cannot be in it.
	c, _ := CheckDigit("241231001")
	if _, err := Parse("20241231001"+string(c), ref); err == nil || !strings.Contains(err.Error(), "after the extract date") {
		t.Fatalf("err %v", err)
	}
}

func TestAgeOn(t *testing.T) {
	n, err := Parse("19400101-0018", ref)
	if err != nil {
		t.Fatal(err)
	}
	for day, want := range map[string]int{"2004-12-31": 64, "2005-01-01": 65, "2024-09-10": 84} {
		d, _ := time.Parse(time.DateOnly, day)
		if got := n.AgeOn(d); got != want {
			t.Errorf("age on %s: %d, want %d", day, got, want)
		}
	}
}

func TestMask(t *testing.T) {
	tests := map[string]string{
		"personnummer 19121212-1212 saknas":       "personnummer 1912****-**** saknas",
		"121212-1212;121212+1212;191212121212":    "12****-****;12****+****;1912********",
		"belopp 1 234,50 och datum 20240131":      "belopp 1 234,50 och datum 20240131",
		"ett ogiltigt 19121212-1213 maskas också": "ett ogiltigt 1912****-**** maskas också",
	}
	for in, want := range tests {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"19121212-1212": "1912****-****", "1212": "12**", "abc12x": "abc12x", "121212-12": "12****-**"} {
		if got := MaskField(in); got != want {
			t.Errorf("MaskField(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKey(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadKey(""); !errors.Is(err, ErrNoKey) {
		t.Fatalf("no key file: %v", err)
	}
	if _, err := LoadKey(filepath.Join(dir, "missing")); !errors.Is(err, ErrNoKey) {
		t.Fatalf("missing key file: %v", err)
	}
	short := filepath.Join(dir, "short")
	os.WriteFile(short, []byte("too short\n"), 0o600)
	if _, err := LoadKey(short); !errors.Is(err, ErrNoKey) || !strings.Contains(err.Error(), "at least 32") {
		t.Fatalf("short key: %v", err)
	}
	good := filepath.Join(dir, "good")
	os.WriteFile(good, []byte("q2JYzX0mL9u7f1cQWm1d2vRk8e3pT6yHsB0nA4gZxUo=\n"), 0o644)
	k, err := LoadKey(good)
	if err != nil {
		t.Fatal(err)
	}
	if k.Warning == "" {
		t.Fatal("no warning for a world-readable key file")
	}
	n, _ := Parse("19121212-1212", ref)
	m, _ := Parse("121212+1212", ref) // the same person written otherwise
	if k.Pseudonym(n) != k.Pseudonym(m) || len(k.Pseudonym(n)) != 32 {
		t.Fatal("one person, two pseudonyms")
	}
	other := NewKey([]byte("q2JYzX0mL9u7f1cQWm1d2vRk8e3pT6yHsB0nA4gZxUp="))
	if other.Pseudonym(n) == k.Pseudonym(n) || other.ID() == k.ID() {
		t.Fatal("pseudonyms do not depend on the key")
	}
	if strings.Contains(k.Pseudonym(n), "1912") {
		t.Fatal("pseudonym shows the number")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"19121212-1212", "121212+1212", "701063-2391", "", "------------", "1912121212121212", "19000229-0000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s, ref)
		if err != nil {
			if strings.Contains(err.Error(), s) && len(s) >= 10 {
				t.Fatalf("the error quotes the input: %v", err)
			}
			return
		}
		if len(n.digits) != 12 || (n.Gender() != "K" && n.Gender() != "M") {
			t.Fatalf("bad number %q", n.digits)
		}
		if got := Mask(s); strings.Contains(got, n.digits[4:]) {
			t.Fatalf("Mask leaves %q", got)
		}
	})
}
