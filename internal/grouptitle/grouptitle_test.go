package grouptitle

import (
	"strings"
	"testing"
	"unicode/utf8"
)

var testMunicipalities = []Municipality{
	{"0000", "Riket", "L"},
	{"0114", "Upplands Väsby", "K"},
	{"0139", "Upplands-Bro", "K"},
	{"0305", "Håbo", "K"},
	{"0643", "Habo", "K"},
	{"1231", "Burlöv", "K"},
	{"1256", "Östra Göinge", "K"},
	{"1267", "Höör", "K"},
	{"1266", "Hörby", "K"},
	{"1462", "Lilla Edet", "K"},
	{"2023", "Malung-Sälen", "K"},
	{"0009", "Gotland", "L"}, // a region of the same name as the kommun: the kommun wins
	{"0980", "Gotland", "K"},
	{"1715", "Kil", "K"},
}

func TestRead(t *testing.T) {
	r := NewReader(testMunicipalities)
	type want struct {
		area, areaKey, name, id, named string
		year                           int
		problem                        Problem
	}
	ok := func(areaKey, id string, year int) want { return want{areaKey: areaKey, id: id, named: id, year: year} }
	tests := []struct {
		title string
		want  want
	}{
		// the spellings RKA has used
		{"Liknande kommuner äldreomsorg, Höör, 2024", want{area: "äldreomsorg", areaKey: "aldreomsorg", name: "Höör", id: "1267", named: "1267", year: 2024}},
		{"Liknande kommuner, övergripande, Höör, 2025", ok("overgripande", "1267", 2025)},
		{"Liknande kommuner, äldreomsorg, Burlöv, 2024", ok("aldreomsorg", "1231", 2024)},
		{"Liknande kommuner - äldreomsorg - Burlöv - 2024", ok("aldreomsorg", "1231", 2024)},
		{"Liknande kommuner – äldreomsorg – Burlöv – 2024", ok("aldreomsorg", "1231", 2024)},
		{"Liknande kommuner: äldreomsorg, Burlöv, 2024", ok("aldreomsorg", "1231", 2024)},
		{"Liknande kommuner:äldreomsorg,Burlöv,2024", ok("aldreomsorg", "1231", 2024)},
		{"Liknande kommuner-äldreomsorg, Burlöv, 2024", ok("aldreomsorg", "1231", 2024)},
		{"Liknande kommuner äldreomsorg Burlöv 2024", ok("aldreomsorg", "1231", 2024)},
		{"Liknande kommuner äldreomsorg, Burlöv 2024", ok("aldreomsorg", "1231", 2024)},
		{"Liknande kommuner äldreomsorg, Burlöv, år 2024", ok("aldreomsorg", "1231", 2024)},
		{"Liknande kommuner äldreomsorg, Burlöv (2024)", ok("aldreomsorg", "1231", 2024)},
		{"Liknande kommuner äldreomsorg, Burlöv, 2024.", ok("aldreomsorg", "1231", 2024)},
		// spaces, case, encoding
		{"  Liknande  kommuner   äldreomsorg ,  Burlöv ,2024 ", ok("aldreomsorg", "1231", 2024)},
		{"Liknande\u00a0kommuner\u00a0äldreomsorg,\u00a0Burlöv,\u202f2024", ok("aldreomsorg", "1231", 2024)},
		{"Liknande\tkommuner äldreomsorg,\nBurlöv, 2024", ok("aldreomsorg", "1231", 2024)},
		{"LIKNANDE KOMMUNER ÄLDREOMSORG, BURLÖV, 2024", ok("aldreomsorg", "1231", 2024)},
		{"liknande kommuner äldreomsorg, burlöv, 2024", ok("aldreomsorg", "1231", 2024)},
		{"Liknande kommuner Ã¤ldreomsorg, BurlÃ¶v, 2024", ok("aldreomsorg", "1231", 2024)},
		{"Liknande kommuner Ã¤ldreomsorg,Â\u00a0HÃ¶Ã¶r, 2024", ok("aldreomsorg", "1267", 2024)},
		{"Liknande kommuner Ã¤ldreomsorg, HÃƒÂ¶ÃƒÂ¶r, 2024", ok("aldreomsorg", "1267", 2024)},            // mangled twice
		{"Liknande kommuner a\u0308ldreomsorg, Ho\u0308o\u0308r, 2024", ok("aldreomsorg", "1267", 2024)}, // decomposed letters
		// the areas as Kolada writes them
		{"Liknande kommuner IFO, Höör, 2024", ok("ifo", "1267", 2024)},
		{"Liknande kommuner individ- och familjeomsorg, Höör, 2024", ok("individ och familjeomsorg", "1267", 2024)},
		{"Liknande kommuner Individ- och Familjeomsorg Höör 2024", ok("individ och familjeomsorg", "1267", 2024)},
		{"Liknande kommuner LSS, Höör, 2024", ok("lss", "1267", 2024)},
		{"Liknande kommuner förskola, Höör, 2024", ok("forskola", "1267", 2024)},
		{"Liknande kommuner fritidshem, Höör, 2024", ok("fritidshem", "1267", 2024)},
		{"Liknande kommuner grundskola, Höör, 2024", ok("grundskola", "1267", 2024)},
		{"Liknande kommuner grundskola F-9, Höör, 2024", ok("grundskola f 9", "1267", 2024)},
		{"Liknande kommuner gymnasieskola, Höör, 2024", ok("gymnasieskola", "1267", 2024)},
		{"Liknande kommuner förskola inkl. öppen förskola, Höör, 2024", ok("forskola inkl oppen forskola", "1267", 2024)},
		{"Liknande kommuner Kommunen, övergripande, Höör, 2024", ok("kommunen overgripande", "1267", 2024)},
		// municipality names with spaces and hyphens; the longest known name wins
		{"Liknande kommuner IFO, Upplands Väsby, 2022", ok("ifo", "0114", 2022)},
		{"Liknande kommuner IFO Upplands Väsby 2022", ok("ifo", "0114", 2022)},
		{"Liknande kommuner LSS, Malung-Sälen, 2023", ok("lss", "2023", 2023)},
		{"Liknande kommuner LSS, Malung - Sälen, 2023", ok("lss", "2023", 2023)},
		{"Liknande kommuner LSS Malung-Sälen 2023", ok("lss", "2023", 2023)},
		{"Liknande kommuner LSS, Upplands-Bro, 2023", ok("lss", "0139", 2023)},
		{"Liknande kommuner förskola Östra Göinge 2024", ok("forskola", "1256", 2024)},
		{"Liknande kommuner förskola, Lilla Edet, 2024", ok("forskola", "1462", 2024)},
		{"Liknande kommuner fritidshem, Kil, 2024", ok("fritidshem", "1715", 2024)},
		{"Liknande kommuner äldreomsorg, Håbo, 2024", ok("aldreomsorg", "0305", 2024)},
		{"Liknande kommuner äldreomsorg, Habo, 2024", ok("aldreomsorg", "0643", 2024)},
		{"Liknande kommuner äldreomsorg, Gotland, 2024", ok("aldreomsorg", "0980", 2024)},
		// the municipality as "X kommun", the year before it
		{"Liknande kommuner äldreomsorg, Höörs kommun, 2024", ok("aldreomsorg", "1267", 2024)},
		{"Liknande kommuner äldreomsorg, Burlövs kommun", ok("aldreomsorg", "1231", 0)},
		{"Liknande kommuner äldreomsorg 2024, Höör", ok("aldreomsorg", "1267", 2024)},
		{"Liknande kommuner grundskola F-9, Höör", ok("grundskola f 9", "1267", 0)},
		// the year missing
		{"Liknande kommuner grundskola, Höör", ok("grundskola", "1267", 0)},
		{"Liknande kommuner grundskola Höör", ok("grundskola", "1267", 0)},
		{"Liknande kommuner grundskola, Höör,", ok("grundskola", "1267", 0)},
		// read, but the area is one the configuration may not know: matched later
		{"Liknande kommuner hemtjänst, Höör, 2024", ok("hemtjanst", "1267", 2024)},

		// what cannot be read, with the municipality it seems to name
		{"Liknande kommuner äldreomsorg, Höör, 20244", want{area: "äldreomsorg", areaKey: "aldreomsorg", name: "Höör", id: "1267", named: "1267", problem: YearUnreadable}},
		{"Liknande kommuner äldreomsorg, Höör, 2024/25", want{area: "äldreomsorg", areaKey: "aldreomsorg", name: "Höör", id: "1267", named: "1267", problem: YearUnreadable}},
		{"Liknande kommuner äldreomsorg, Höör, '24", want{area: "äldreomsorg", areaKey: "aldreomsorg", name: "Höör", id: "1267", named: "1267", problem: YearUnreadable}},
		{"Liknande kommuner äldreomsorg, Staffanstorp, 2024", want{area: "äldreomsorg", areaKey: "aldreomsorg", name: "Staffanstorp", year: 2024, problem: MunicipalityUnknown}},
		{"Liknande kommuner äldreomsorg, Hoor, 2024", want{area: "äldreomsorg", areaKey: "aldreomsorg", name: "Hoor", named: "1267", year: 2024, problem: MunicipalityUnknown}},
		{"Liknande kommuner äldreomsorg, Hobo, 2024", want{area: "äldreomsorg", areaKey: "aldreomsorg", name: "Hobo", year: 2024, problem: MunicipalityUnknown}},
		{"Liknande kommuner äldreomsorg Staffanstorp 2024", want{year: 2024, problem: MunicipalityUnreadable}},
		{"Liknande kommuner äldreomsorg 2024", want{year: 2024, problem: MunicipalityUnreadable}},
		{"Liknande kommuner, Höör, 2024", want{name: "Höör", id: "1267", named: "1267", year: 2024, problem: AreaMissing}},
		{"Liknande kommuner 2024", want{year: 2024, problem: AreaMissing}},
		{"Liknande kommuner", want{problem: AreaMissing}},
		{"RKA: Liknande kommuner äldreomsorg, Höör, 2024", want{named: "1267", problem: Prefix}},
		{"LiknandeKommuner äldreomsorg, Höör, 2024", want{named: "1267", problem: Prefix}},
		{"Kommuner liknande Höör", want{}}, // does not say "Liknande kommuner": not a peer group
	}
	for _, tt := range tests {
		got, says := r.Read(tt.title)
		if tt.want == (want{}) {
			if says {
				t.Errorf("%q: read as a peer group: %+v", tt.title, got)
			}
			continue
		}
		if !says {
			t.Errorf("%q: not seen as a peer group", tt.title)
			continue
		}
		w := tt.want
		if w.problem == None && w.name == "" {
			w.area, w.name = "", ""
		}
		if got.AreaKey != w.areaKey || got.MunicipalityID != w.id || got.NamedMunicipalityID != w.named ||
			got.Year != w.year || got.Problem != w.problem || (w.area != "" && got.AreaText != w.area) ||
			(w.name != "" && got.MunicipalityName != w.name) {
			t.Errorf("%q:\n got %+v\nwant %+v", tt.title, got, w)
		}
		if (got.Problem == None) != (got.Detail == "") {
			t.Errorf("%q: problem %q with detail %q", tt.title, got.Problem, got.Detail)
		}
	}
}

func TestAreaKey(t *testing.T) {
	tests := map[string]string{
		"Liknande kommuner äldreomsorg":     "aldreomsorg",
		"Liknande kommuner, övergripande":   "overgripande",
		"liknande kommuner: IFO":            "ifo",
		"individ- och familjeomsorg":        "individ och familjeomsorg",
		"Individ-och familjeomsorg":         "individ och familjeomsorg",
		"Ã¤ldreomsorg":                      "aldreomsorg",
		"förskola inkl. öppen förskola":     "forskola inkl oppen forskola",
		"grundskola F-9":                    "grundskola f 9",
		"Liknande kommuner":                 "",
		"  Liknande\u00a0kommuner  LSS ":    "lss",
		"Liknande kommuner - gymnasieskola": "gymnasieskola",
	}
	for in, want := range tests {
		if got := AreaKey(in); got != want {
			t.Errorf("AreaKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNameKey(t *testing.T) {
	for _, pair := range [][2]string{{"Malung-Sälen", "Malung - Sälen"}, {"Upplands Väsby", "upplands  väsby"}, {"HÖÖR", "höör"}} {
		if NameKey(pair[0]) != NameKey(pair[1]) {
			t.Errorf("%q and %q differ: %q, %q", pair[0], pair[1], NameKey(pair[0]), NameKey(pair[1]))
		}
	}
	if NameKey("Håbo") == NameKey("Habo") {
		t.Error("Håbo and Habo are two municipalities")
	}
}

// FuzzRead: whatever the title, reading it does not panic, a title read
// without a problem names a known municipality and an area, a year is
// between 1900 and 2099, and a problem always comes with its explanation.
func FuzzRead(f *testing.F) {
	for _, s := range []string{"Liknande kommuner äldreomsorg, Höör, 2024", "Liknande kommuner, övergripande, Höör, 2025",
		"Liknande kommuner - IFO - Upplands Väsby", "Liknande kommuner", "liknande kommuner-", "Liknande kommuner ,,, 2024",
		"Liknande kommuner Ã¤ldreomsorg, HÃ¶Ã¶r, 2024", "Liknande kommuner LSS Malung-Sälen 1899", "x\x00y, 2020", "\xff"} {
		f.Add(s)
	}
	r := NewReader(testMunicipalities)
	f.Fuzz(func(t *testing.T, title string) {
		rd, says := r.Read(title)
		if !says {
			if rd != (Reading{}) {
				t.Fatalf("%q: not a peer group but read as %+v", title, rd)
			}
			return
		}
		if !utf8.ValidString(rd.Text) || !utf8.ValidString(rd.AreaText) || !utf8.ValidString(rd.MunicipalityName) {
			t.Fatalf("%q: invalid UTF-8 in %+v", title, rd)
		}
		if (rd.Problem == None) != (rd.Detail == "") {
			t.Fatalf("%q: problem %q, detail %q", title, rd.Problem, rd.Detail)
		}
		if rd.Year != 0 && (rd.Year < 1900 || rd.Year > 2099) && rd.Problem != YearUnreadable {
			t.Fatalf("%q: year %d", title, rd.Year)
		}
		if rd.Problem == None && (rd.MunicipalityID == "" || rd.AreaKey == "" || rd.NamedMunicipalityID != rd.MunicipalityID) {
			t.Fatalf("%q: read without a problem but %+v", title, rd)
		}
		if strings.ContainsAny(rd.MunicipalityName, ",;:") {
			t.Fatalf("%q: municipality %q holds a separator", title, rd.MunicipalityName)
		}
	})
}
