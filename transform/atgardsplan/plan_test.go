package atgardsplan

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/nyckeltal/nyckeltal/internal/testkit/golden"
	"github.com/nyckeltal/nyckeltal/internal/testkit/repo"
)

var seedSample = repo.Path("data", "samples", "atgardsplan-2024-2026.csv")

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in      string
		unit    Unit
		tkr     float64
		ok      bool
		wantErr bool
	}{
		{"1 605 000", UnitKr, 1605, true, false},
		{"1\u00a0605\u00a0000", UnitKr, 1605, true, false},
		{"1\u202f605\u202f000", UnitKr, 1605, true, false},
		{"1 750,5", UnitTkr, 1750.5, true, false},
		{"1.605.000", UnitKr, 1605, true, false},
		{"1.605.000,50", UnitKr, 1605.0005, true, false},
		{"1.5", UnitTkr, 1.5, true, false},
		{"13 149 tkr", UnitKr, 13149, true, false},
		{"2,5 mnkr", UnitTkr, 2500, true, false},
		{"2,5 Mkr", UnitTkr, 2500, true, false},
		{"100:-", UnitTkr, 0.1, true, false},
		{"550 000 kr", UnitTkr, 550, true, false},
		{"-400", UnitTkr, -400, true, false},
		{"−1 200", UnitTkr, -1200, true, false},
		{"0", UnitTkr, 0, true, false},
		{",5", UnitTkr, 0.5, true, false},
		{`"535 000"`, UnitKr, 535, true, false},
		{"-", UnitTkr, 0, false, false},
		{"–", UnitTkr, 0, false, false},
		{"", UnitTkr, 0, false, false},
		{"  ", UnitTkr, 0, false, false},
		{"5 35", UnitTkr, 0, false, true},
		{"1,2,3", UnitTkr, 0, false, true},
		{"12a", UnitTkr, 0, false, true},
		{"1e9", UnitTkr, 0, false, true},
		{"NaN", UnitTkr, 0, false, true},
		{"0x10", UnitTkr, 0, false, true},
		{"1.23.4", UnitTkr, 0, false, true},
	}
	for _, tt := range tests {
		a, ok, err := ParseAmount(tt.in, tt.unit)
		if (err != nil) != tt.wantErr || ok != tt.ok || math.Abs(a.Tkr-tt.tkr) > 1e-12 {
			t.Errorf("ParseAmount(%q, %s) = %v, %v, %v; want %v, %v, err %v", tt.in, tt.unit, a.Tkr, ok, err, tt.tkr, tt.ok, tt.wantErr)
		}
	}
	// The tolerance is half the last written digit: "13 149 tkr" ±0.5 tkr, "1 605 000" kr ±0.0005 tkr.
	if a, _, _ := ParseAmount("13 149 tkr", UnitKr); a.Tolerance != 0.5 {
		t.Errorf("tolerance of 13 149 tkr: %v", a.Tolerance)
	}
	if a, _, _ := ParseAmount("1 605 000", UnitKr); a.Tolerance != 0.0005 {
		t.Errorf("tolerance of 1 605 000 kr: %v", a.Tolerance)
	}
}

// TestSeedSample: Åtgärdsplan 2024–2026, vård- och socialavdelningen, as transcribed. Its rows, summed by
// hand (tkr):
//
//	2024: 535 + 1 750 + 1 200 + 110 + 1 000 + 100 + 1 859 + 465 + 0 + 150 = 7 169
//	2025: 535 + 750 + 600 + 440 + 1 000 + 465 + 110                        = 3 900
//	2026: 535 + 600 + 440 + 465 + 440                                      = 2 480
//	total                                                                  = 13 549
//
// while the plan prints "Summa 13 149 tkr": 400 tkr less than its rows.
func TestSeedSample(t *testing.T) {
	p := parseFile(t, seedSample)
	want := map[int]float64{2024: 7169, 2025: 3900, 2026: 2480}
	for y, v := range want {
		if got := p.YearTotals()[y]; got != v {
			t.Errorf("%d: %v tkr, want %v", y, got, v)
		}
	}
	if p.Total() != 13549 || len(p.Measures) != 10 || p.Format != "wide" {
		t.Fatalf("total %v, %d measures, %s", p.Total(), len(p.Measures), p.Format)
	}
	if p.StatedTotal == nil || p.StatedTotal.Tkr != 13149 {
		t.Fatalf("stated total %+v", p.StatedTotal)
	}
	d := strings.Join(p.Discrepancies(), "\n")
	for _, s := range []string{"planens tryckta totalsumma 13\u00a0149 tkr", "de summerar till 13\u00a0549 tkr (skillnad 400 tkr)",
		"åtgärd 2 (Bemanning utifrån nyckeltal SÄBO): summakolumnen är \"-\" men åren summerar till 2\u00a0500 tkr"} {
		if !strings.Contains(d, s) {
			t.Errorf("discrepancies lack %q:\n%s", s, d)
		}
	}
	// The columns Typ and Minskar: 7 is a one-off; 2 and 3 reduce the 2023
	// deficit with their 2024 amounts and the budget frame after it.
	kinds := map[string][3]string{} // löpnr → kind 2024, reduces 2024, reduces 2025
	for _, m := range p.Measures {
		kinds[m.No] = [3]string{m.KindOf(2024), m.ReducesOf(2024), m.ReducesOf(2025)}
	}
	for no, want := range map[string][3]string{
		"1": {KindLasting, ReducesFrame, ReducesFrame}, "2": {KindLasting, ReducesDeficit, ReducesFrame},
		"3": {KindLasting, ReducesDeficit, ReducesFrame}, "7": {KindOneOff, ReducesFrame, ReducesFrame},
		"10": {KindLasting, ReducesFrame, ReducesFrame},
	} {
		if kinds[no] != want {
			t.Errorf("åtgärd %s: %v, want %v", no, kinds[no], want)
		}
	}
	if !p.HasKinds() {
		t.Error("the sample's Typ and Minskar columns are not read")
	}
	// The rows whose printed totals agree are not reported.
	if strings.Contains(d, "åtgärd 1 ") || strings.Contains(d, "åtgärd 10 ") {
		t.Errorf("agreeing totals reported:\n%s", d)
	}
}

func parseFile(t *testing.T, path string) *Plan {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	p, err := Parse(fh)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return p
}

// summary is what the golden files hold: the plan as read, and the checks.
func summary(p *Plan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "format %s, %d measures, years %v\n", p.Format, len(p.Measures), p.Years())
	for _, m := range p.Measures {
		years := make([]int, 0, len(m.Amounts))
		for y := range m.Amounts {
			years = append(years, y)
		}
		sort.Ints(years)
		fmt.Fprintf(&b, "  %s %q line %d:", m.No, m.Name, m.Line)
		for _, y := range years {
			fmt.Fprintf(&b, " %d=%s", y, FormatTkr(m.Amounts[y]))
			if p.HasKinds() {
				fmt.Fprintf(&b, " (%s, %s)", m.KindOf(y), m.ReducesOf(y))
			}
		}
		fmt.Fprintf(&b, " sum=%s\n", FormatTkr(m.Total()))
	}
	totals := p.YearTotals()
	for _, y := range p.Years() {
		fmt.Fprintf(&b, "year %d: %s tkr\n", y, FormatTkr(totals[y]))
	}
	fmt.Fprintf(&b, "total: %s tkr\n", FormatTkr(p.Total()))
	for _, d := range p.Discrepancies() {
		fmt.Fprintf(&b, "discrepancy: %s\n", d)
	}
	for _, n := range p.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	return b.String()
}

func TestParseGolden(t *testing.T) {
	for _, name := range []string{"long.csv", "bom_comma.csv", "cp1252.csv", "tabs.tsv", "kinds_long.csv"} {
		t.Run(name, func(t *testing.T) {
			got := summary(parseFile(t, filepath.Join("testdata", name)))
			golden.CheckString(t, filepath.Join("testdata", strings.TrimSuffix(name, filepath.Ext(name))+".golden"), got)
		})
	}
}

// TestKindCells reads the typ and minskar cells of the wide layout: one
// word for every year, or words per year and range.
func TestKindCells(t *testing.T) {
	tests := []struct {
		kind, reduces string
		want          map[int][2]string // year → kind, reduces
	}{
		{"", "", map[int][2]string{2024: {KindLasting, ReducesFrame}, 2025: {KindLasting, ReducesFrame}}},
		{"engångs", "", map[int][2]string{2024: {KindOneOff, ReducesFrame}, 2026: {KindOneOff, ReducesFrame}}},
		{"Engångsåtgärd", "Underskottet", map[int][2]string{2025: {KindOneOff, ReducesDeficit}}},
		{"", "2024: underskott", map[int][2]string{2024: {KindLasting, ReducesDeficit}, 2025: {KindLasting, ReducesFrame}}},
		{"2025–2026: engångs", "underskott, 2026: budgetram", map[int][2]string{2024: {KindLasting, ReducesDeficit},
			2025: {KindOneOff, ReducesDeficit}, 2026: {KindOneOff, ReducesFrame}}},
		{"varaktig / 2024: engång", "ram", map[int][2]string{2024: {KindOneOff, ReducesFrame}, 2025: {KindLasting, ReducesFrame}}},
	}
	for _, tt := range tests {
		text := fmt.Sprintf("löpnr;åtgärd;2024;2025;2026;typ;minskar\n1;A;1;2;3;\"%s\";\"%s\"\n", tt.kind, tt.reduces)
		p, err := Parse(strings.NewReader(text))
		if err != nil {
			t.Fatalf("%q %q: %v", tt.kind, tt.reduces, err)
		}
		m := p.Measures[0]
		for y, w := range tt.want {
			if got := [2]string{m.KindOf(y), m.ReducesOf(y)}; got != w {
				t.Errorf("%q %q, %d: %v, want %v", tt.kind, tt.reduces, y, got, w)
			}
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"bad number", "löpnr;åtgärd;2024;2025\n1;Minska övertid;535;5 35\n", "rad 2, kolumn 2025: inget belopp"},
		{"no year columns", "löpnr;åtgärd;beskrivning\n1;A;text\n", "rad 1: första raden ska vara en rubrikrad"},
		{"empty", "# only a comment\n\n", "filen är tom"},
		{"header only", "löpnr;åtgärd;2024\n", "inga åtgärder"},
		{"bad year", "löpnr;åtgärd;år;belopp_tkr\n1;A;tjugo;5\n", "rad 2, kolumn år: \"tjugo\" är inget år"},
		{"no measure name", "löpnr;åtgärd;2024\n;;5\n", "rad 2: en åtgärd utan löpnr och åtgärd"},
		{"no name columns", "år;belopp\n2024;5\n", "varken en kolumn åtgärd eller löpnr"},
		{"unknown kind", "löpnr;åtgärd;2024;typ\n1;A;5;tillfälligt\n", "rad 2, kolumn typ: \"tillfälligt\": skriv varaktig eller engångs"},
		{"unknown reduces", "löpnr;åtgärd;2024;minskar\n1;A;5;2024: resultat\n", "skriv budgetram eller underskott"},
		{"bad kind year", "löpnr;åtgärd;2024;minskar\n1;A;5;tjugo: underskott\n", "\"tjugo\" är inget år"},
		{"bad kind range", "löpnr;åtgärd;2024;minskar\n1;A;5;2026-2024: underskott\n", "är inget intervall av år"},
	}
	for _, tt := range tests {
		_, err := Parse(strings.NewReader(tt.text))
		if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v; want ErrInvalid containing %q", tt.name, err, tt.want)
		}
	}
	if _, err := Parse(strings.NewReader(strings.Repeat("x", MaxSize+1))); err == nil {
		t.Error("an oversized file accepted")
	}
}

// FuzzParse: any input either parses or fails with ErrInvalid; a parsed
// plan's per-year sums add up to its total, and every amount is finite.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.*")
	files = append(files, seedSample)
	for _, p := range files {
		if strings.HasSuffix(p, ".golden") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(strings.NewReader(string(b)))
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error without ErrInvalid: %v", err)
			}
			return
		}
		var sum float64
		for _, v := range p.YearTotals() {
			sum += v
		}
		total := p.Total()
		if math.IsNaN(total) || math.IsInf(total, 0) || math.Abs(sum-total) > 1e-6*math.Max(1, math.Abs(total)) {
			t.Fatalf("year sums %v, total %v", sum, total)
		}
		_ = p.Discrepancies()
		if len(p.Measures) == 0 {
			t.Fatal("a plan without measures parsed")
		}
		for _, m := range p.Measures {
			for y := range m.Amounts {
				if k, r := m.KindOf(y), m.ReducesOf(y); (k != KindLasting && k != KindOneOff) || (r != ReducesFrame && r != ReducesDeficit) {
					t.Fatalf("%s %d: kind %q reduces %q", m.Name, y, k, r)
				}
			}
		}
	})
}

// FuzzParseAmount: no panic; a parsed amount is finite and its text, read
// again, gives the same amount.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"1 605 000", "1 750,5", "13 149 tkr", "-", "1.605.000,50", "2,5 mnkr", "100:-", "−1 200", "\u00a0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, ok, err := ParseAmount(s, UnitKr)
		if err != nil || !ok {
			return
		}
		if math.IsNaN(a.Tkr) || math.IsInf(a.Tkr, 0) || a.Tolerance <= 0 {
			t.Fatalf("%q → %+v", s, a)
		}
		again, ok2, err2 := ParseAmount(a.Text, UnitKr)
		if err2 != nil || !ok2 || again.Tkr != a.Tkr {
			t.Fatalf("%q → %v, again %v", s, a.Tkr, again.Tkr)
		}
	})
}
