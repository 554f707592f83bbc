package personnummer

import (
	"errors"
	"fmt"
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
		{"19400101-0017", 0, "", false, "fel kontrollsiffra"},
		{"19400231-0014", 0, "", false, "inget giltigt födelsedatum"},
		{"19401301-0014", 0, "", false, "inget giltigt födelsedatum"},
		{"194001010018-", 0, "", false, "skiljetecken på fel plats"},
		{"1940-01-01-0018", 0, "", false, "inte 10 eller 12 siffror"},
		{"400101001", 0, "", false, "9 siffror"},
		{"TF123456", 0, "", false, "inte 10 eller 12 siffror"},
		{"", 0, "", false, "tomt"},
		{"20250101-0018", 0, "", false, "fel kontrollsiffra"},
		{"19400101+0018", 0, "", false, `"+" betecknar en person som är 100 år eller äldre`},
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
	if _, err := Parse("20241231001"+string(c), ref); err == nil || !strings.Contains(err.Error(), "efter uttagets datum") {
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
	if _, err := LoadKey("", KeyOptions{}); !errors.Is(err, ErrNoKey) {
		t.Fatalf("no key file: %v", err)
	}
	if _, err := LoadKey(filepath.Join(dir, "missing"), KeyOptions{}); !errors.Is(err, ErrNoKey) {
		t.Fatalf("missing key file: %v", err)
	}
	good := filepath.Join(dir, "good")
	if err := os.WriteFile(good, []byte("q2JYzX0mL9u7f1cQWm1d2vRk8e3pT6yHsB0nA4gZxUo=\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := LoadKey(good, KeyOptions{})
	if err != nil || k.Warning != "" {
		t.Fatal(err, k.Warning)
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

// The attacks of issue 11: keys that protect nothing are refused, and a key
// file others can read is refused unless accepted explicitly.
func TestKeyRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name, content string
		mode          os.FileMode
		opts          KeyOptions
		want          string // in the error; "" = accepted
	}{
		{"short", "too short\n", 0o600, KeyOptions{}, "at least 32"},
		{"32 A", strings.Repeat("A", 32), 0o600, KeyOptions{}, "different characters"},
		{"32 spaces", strings.Repeat(" ", 32) + "\n", 0o600, KeyOptions{}, "only whitespace"},
		{"tabs and spaces", strings.Repeat(" \t", 20), 0o600, KeyOptions{}, "only whitespace"},
		{"a repeated piece", strings.Repeat("0123456789abcdef", 2), 0o600, KeyOptions{}, "repeats a piece of 16"},
		{"one character too often", "aaaaaaaaaaaaaaaaaaaabcdefghijklmn", 0o600, KeyOptions{}, "too often"},
		{"world-readable", "q2JYzX0mL9u7f1cQWm1d2vRk8e3pT6yHsB0nA4gZxUo=", 0o644, KeyOptions{}, "can be read or written by others"},
		{"group-readable", "q2JYzX0mL9u7f1cQWm1d2vRk8e3pT6yHsB0nA4gZxUo=", 0o640, KeyOptions{}, "--allow-readable-key"},
		{"world-readable, accepted", "q2JYzX0mL9u7f1cQWm1d2vRk8e3pT6yHsB0nA4gZxUo=", 0o644, KeyOptions{AllowReadable: true}, ""},
		{"hex", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", 0o600, KeyOptions{}, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !ownerOnlyModes && tt.mode&0o077 != 0 {
				t.Skip("file modes do not say who can read a file here")
			}
			path := filepath.Join(dir, fmt.Sprintf("key%d", i))
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			k, err := LoadKey(path, tt.opts)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if (tt.mode&0o077 != 0) != (k.Warning != "") {
					t.Fatalf("warning %q for mode %v", k.Warning, tt.mode)
				}
				return
			}
			if !errors.Is(err, ErrBadKey) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want ErrBadKey with %q", err, tt.want)
			}
			if len(tt.content) >= 8 && strings.TrimSpace(tt.content) != "" && strings.Contains(err.Error(), strings.TrimSpace(tt.content)[:8]) {
				t.Fatalf("the error shows the key: %v", err)
			}
		})
	}
}

// Not parallel: it sets the process's umask, under which the key and its
// directory must still be exactly 600 and 700.
func TestGenerateKey(t *testing.T) {
	if !ownerOnlyModes {
		t.Skip("file modes do not say who can read a file here")
	}
	dir := t.TempDir()
	old := syscallUmask(0)
	defer syscallUmask(old)
	path := filepath.Join(dir, "new", "pseudonym.key")
	if err := GenerateKey(path); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", fi.Mode().Perm(), err)
	}
	if di, _ := os.Stat(filepath.Dir(path)); di.Mode().Perm() != 0o700 {
		t.Fatalf("directory mode %v", di.Mode().Perm())
	}
	k, err := LoadKey(path, KeyOptions{})
	if err != nil || k.Warning != "" {
		t.Fatalf("the generated key is refused: %v %q", err, k.Warning)
	}
	before, _ := os.ReadFile(path)
	if err := GenerateKey(path); !errors.Is(err, ErrKeyExists) {
		t.Fatalf("overwrote the key: %v", err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Fatal("the key changed")
	}
	other := filepath.Join(dir, "other.key")
	if err := GenerateKey(other); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(other); string(b) == string(before) {
		t.Fatal("two keys alike")
	}
}

func TestPseudonymsAsBytes(t *testing.T) {
	k := NewKey([]byte("a test key of more than thirty-two bytes, not secret"))
	ps := k.Pseudonyms()
	for _, s := range []string{"19121212-1212", "20000229-0005", "121212+1212"} {
		n, err := Parse(s, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			continue
		}
		if got, want := PseudonymHex(ps.Of(n)), k.Pseudonym(n); got != want {
			t.Fatalf("%s: %s, want %s", Mask(s), got, want)
		}
	}
}
