package tabular

import (
	"errors"
	"strings"
	"testing"
)

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		ok      bool
		wantErr bool
	}{
		{"7,2", 7.2, true, false},
		{"7.2", 7.2, true, false},
		{"1 234,5", 1234.5, true, false},
		{"1\u00a0234,5", 1234.5, true, false},
		{"1\u202f234\u202f567", 1234567, true, false},
		{"12 345.67", 12345.67, true, false},
		{"-3,1", -3.1, true, false},
		{"\u22123,1", -3.1, true, false},
		{"7,2 %", 7.2, true, false},
		{"7,2%", 7.2, true, false},
		{",5", 0.5, true, false},
		{"7.2E-2", 0.072, true, false},
		{"  42  ", 42, true, false},
		{".", 0, false, false},
		{"", 0, false, false},
		{"..", 0, false, false},
		{"1.234,5", 0, false, true},
		{"1,2,3", 0, false, true},
		{"12 34", 0, false, true},
		{"7x2", 0, false, true},
		{"-", 0, false, true},
		{"1e999", 0, false, true},
		{"NaN", 0, false, true},
	}
	for _, tt := range tests {
		got, ok, err := ParseNumber(tt.in)
		if (err != nil) != tt.wantErr || ok != tt.ok || got != tt.want {
			t.Errorf("ParseNumber(%q) = %v, %v, %v; want %v, %v, err %v", tt.in, got, ok, err, tt.want, tt.ok, tt.wantErr)
		}
	}
}

func TestDates(t *testing.T) {
	for in, want := range map[string]string{"2024-01-31": "2024-01-31", "20240131": "2024-01-31", "2024-01-31 00:00:00": "2024-01-31"} {
		got, err := ParseDate(in)
		if err != nil || got.Format("2006-01-02") != want {
			t.Errorf("ParseDate(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"2024-02-30", "20241301", "31/01/2024", "2024-1-31", ""} {
		if _, err := ParseDate(bad); !errors.Is(err, ErrDate) {
			t.Errorf("ParseDate(%q) accepted", bad)
		}
	}
	if _, err := ParseISODate("20240131"); err == nil {
		t.Error("ParseISODate takes only ÅÅÅÅ-MM-DD")
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Sjukfrånvaro, <15 dagar (%)": "sjukfranvarolt15dagar",
		"SJUKFRANVARO_LT15_DAGAR":     "sjukfranvarolt15dagar",
		"Ärende ÖVRIGT é":             "arendeovrigte",
		"varav >60 dagar":             "varavgt60dagar",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
	if got := FoldWords("  Privat  Utförare "); got != "privat utforare" {
		t.Errorf("FoldWords: %q", got)
	}
}

func TestRead(t *testing.T) {
	tests := []struct {
		name, in string
		kind     string
		enc      string
		delim    rune
		rows     [][]string
	}{
		{"comma quoted", "\"a\",\"b, c\"\n1,2\n", KindDelimited, EncUTF8, ',', [][]string{{"a", "b, c"}, {"1", "2"}}},
		{"semicolon with decimal comma", "a;b\n1,5;2,5\n3,5;4,5\n", KindDelimited, EncUTF8, ';', [][]string{{"a", "b"}, {"1,5", "2,5"}, {"3,5", "4,5"}}},
		{"tab", "a\tb\n1\t2\n", KindDelimited, EncUTF8, '\t', [][]string{{"a", "b"}, {"1", "2"}}},
		{"BOM", "\xEF\xBB\xBFå;ö\n1;2\n", KindDelimited, EncUTF8BOM, ';', [][]string{{"å", "ö"}, {"1", "2"}}},
		{"Windows-1252", "\xe5;\xf6\n1;2\n", KindDelimited, EncWindows1252, ';', [][]string{{"å", "ö"}, {"1", "2"}}},
		{"UTF-16LE", "\xff\xfea\x00;\x00b\x00\n\x001\x00;\x002\x00\n\x00", KindDelimited, EncUTF16LE, ';', [][]string{{"a", "b"}, {"1", "2"}}},
		{"html with spans", `<html><table><tr><td colspan=2>T</td><td rowspan=2>R</td></tr><tr><td>a</td><td x:num="0.5">50%</td></tr></table></html>`,
			KindHTML, EncUTF8, 0, [][]string{{"T", "", "R"}, {"a", "50", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read([]byte(tt.in), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got.Format.Kind != tt.kind || got.Format.Encoding != tt.enc || got.Format.Delimiter != tt.delim {
				t.Fatalf("format %+v", got.Format)
			}
			var rows [][]string
			for _, r := range got.Rows {
				rows = append(rows, r.Cells)
			}
			if len(rows) != len(tt.rows) {
				t.Fatalf("rows %q", rows)
			}
			for i := range rows {
				if strings.Join(rows[i], "|") != strings.Join(tt.rows[i], "|") {
					t.Fatalf("row %d: %q, want %q", i, rows[i], tt.rows[i])
				}
			}
		})
	}
}

func TestReadLines(t *testing.T) {
	got, err := Read([]byte("a;b\n\"x\ny\";2\nc;3\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Rows[2].Line != 4 {
		t.Fatalf("a row after a quoted line break starts on line %d, want 4", got.Rows[2].Line)
	}
}

func TestRefused(t *testing.T) {
	for in, want := range map[string]string{
		"":                                   "filen är tom",
		"one column\nonly\n":                 "hittade inget kolumnavgränsningstecken",
		"a;b\n\x81;2\n":                      "varken UTF-8 eller Windows-1252",
		"a;b\nÃ¶;2\n":                        "konverterats till UTF-8 två gånger",
		"a;b\n\x00;2\n":                      "NUL-byte",
		"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1":   "binär arbetsbok från Excel",
		"PK\x03\x04garbage":                  "ingen läsbar XLSX",
		"<html><body>no table</body></html>": "inga tabellrader",
	} {
		_, err := Read([]byte(in), Options{})
		if !errors.Is(err, ErrUnreadable) || !strings.Contains(err.Error(), want) {
			t.Errorf("Read(%q): %v, want %q", in, err, want)
		}
	}
	var te *Error
	_, err := Read([]byte("a;b\n1;2\nx\x81;3\n"), Options{})
	if !errors.As(err, &te) || te.Line != 3 || te.Column != 2 {
		t.Fatalf("position of a bad byte: %v", err)
	}
	if _, err := Read([]byte("a;b\n\xe5;2\n"), Options{Encoding: "utf-8"}); err == nil {
		t.Fatal("--encoding utf-8 accepted Windows-1252")
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte("\"a\",\"b\"\n1,2\n"))
	f.Add([]byte("a;b\n1,5;2\n"))
	f.Add([]byte("<table><tr><td colspan=3 rowspan=2>x</td></tr></table>"))
	f.Add([]byte("\xff\xfea\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tbl, err := Read(data, Options{MaxRows: 10000})
		if err != nil {
			if !errors.Is(err, ErrUnreadable) {
				t.Fatalf("an error that is not ErrUnreadable: %v", err)
			}
			return
		}
		for _, r := range tbl.Rows {
			if r.Line < 1 {
				t.Fatalf("line %d", r.Line)
			}
		}
	})
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"7,2", "1 234,5", "-3.1e4", ".", "1\u00a0234"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok, err := ParseNumber(s)
		if err == nil && ok && (v != v) {
			t.Fatalf("NaN from %q", s)
		}
	})
}

// The fast path reads exactly what the general one does.
func FuzzPlainDecimal(f *testing.F) {
	for _, s := range []string{"7,2", "12", "-3.14", ".5", "5.", "0", "123456789012345", "1234567890123456", "-", ",", "0,000001", "9,1%", "7 %", "%", " %", "5  %"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fast, ok := plainDecimal(s)
		if !ok {
			return
		}
		slow, sok, err := parseNumber(s)
		if err != nil || !sok || slow != fast {
			t.Fatalf("%q: fast %v, general %v %v %v", s, fast, slow, sok, err)
		}
	})
}

func FuzzCellText(f *testing.F) {
	for _, s := range []string{"Hemtjänst Norr", " a  b ", "a\u00a0b", "a\tb", "x\u2009y", "7,2 %"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := strings.Join(strings.Fields(strings.ReplaceAll(s, "\u00a0", " ")), " ")
		if got := cellText([]byte(s)); got != want {
			t.Fatalf("cellText(%q) = %q, want %q", s, got, want)
		}
	})
}
