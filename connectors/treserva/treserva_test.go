package treserva

import (
	"bytes"
	"cmp"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/nyckeltal/nyckeltal/connectors/ownfiles"
	"github.com/nyckeltal/nyckeltal/internal/personnummer"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/testkit/golden"
	"github.com/nyckeltal/nyckeltal/internal/testkit/samplegen"
)

var testKey = personnummer.NewKey([]byte("a test key of more than thirty-two bytes, not secret"))

func options(mod func(*Options)) Options {
	o := Options{Home: "9001", Config: DefaultSettings(), InterimEnd: time.August, Key: testKey,
		Regi: ownfiles.DefaultConfiguredRegi()}
	if mod != nil {
		mod(&o)
	}
	return o
}

func parse(t *testing.T, data []byte, mod func(*Options)) (*ownfiles.Parsed, error) {
	t.Helper()
	p, err := New(options(mod))
	if err != nil {
		t.Fatal(err)
	}
	return p.Parse(t.Context(), "extract.csv", data)
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.CheckString(t, filepath.Join("testdata", name), got)
}

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func day(s string) int32 {
	if s == "" {
		return noDate
	}
	return dayOf(date(s))
}

func TestThreeMonthsAfter(t *testing.T) {
	for in, want := range map[string]string{
		"2024-01-15": "2024-04-15",
		"2024-01-31": "2024-04-30", // April has 30 days
		"2023-11-30": "2024-02-29", // leap year
		"2022-11-30": "2023-02-28",
		"2024-10-31": "2025-01-31",
		"2024-12-01": "2025-03-01",
	} {
		if got := ThreeMonthsAfter(date(in)).Format(time.DateOnly); got != want {
			t.Errorf("ThreeMonthsAfter(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestWaitRules(t *testing.T) {
	q1 := store.QuarterPeriod(2024, 1)
	year := store.YearPeriod(2024)
	tests := []struct {
		name                              string
		decided, offered, executed, ended string
		granted                           bool
		period                            store.Period
		waited                            bool
		notExecutedAtEnd                  bool
	}{
		{"offered exactly at three months: not more", "2023-12-15", "2024-03-15", "2024-03-15", "", true, q1, false, false},
		{"offered a day after three months", "2023-12-15", "2024-03-16", "2024-03-20", "", true, q1, true, false},
		{"offered but not moved in: still not verkställt", "2023-12-15", "2024-03-16", "", "", true, q1, true, true},
		{"still waiting at the end of the period", "2023-12-15", "", "", "", true, q1, true, true},
		{"passed three months after the period", "2024-01-15", "", "", "", true, q1, false, false},
		{"mark inside, offered after the period", "2023-11-20", "2024-06-01", "2024-06-01", "", true, q1, true, true},
		{"waited long, but all before the period", "2023-06-01", "2023-11-01", "2023-11-02", "", true, q1, false, false},
		{"a rejected application never waits", "2023-06-01", "", "", "", false, year, false, false},
		{"ended (died) before three months", "2024-02-01", "", "", "2024-03-20", true, year, false, false},
		{"ended after more than three months", "2024-02-01", "", "", "2024-06-20", true, year, true, false},
		{"31 January: the mark is 30 April", "2024-01-31", "2024-04-30", "2024-05-02", "", true, year, false, false},
		{"31 January, offered 1 May", "2024-01-31", "2024-05-01", "2024-05-02", "", true, year, true, false},
		{"decided in the last days of the year", "2024-12-20", "", "", "", true, year, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decision{decided: day(tt.decided), offered: day(tt.offered), executed: day(tt.executed),
				ended: day(tt.ended), granted: tt.granted}
			if got := d.waitedOverThreeMonthsIn(tt.period); got != tt.waited {
				t.Errorf("waited over three months in %s: %v, want %v", ownfiles.Label(tt.period), got, tt.waited)
			}
			if got := d.notExecutedOverThreeMonthsAt(tt.period.End); got != tt.notExecutedAtEnd {
				t.Errorf("not executed over three months at %s: %v, want %v", tt.period.End.Format(time.DateOnly), got, tt.notExecutedAtEnd)
			}
		})
	}
}

func readSample(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(samplePath)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSample(t *testing.T) {
	got, err := parse(t, readSample(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Problems) > 0 || got.Format != "Treserva CSV" || got.Params["encoding"] != "Windows-1252" {
		t.Fatalf("problems %v, format %s, params %v", got.Problems, got.Format, got.Params)
	}
	for o := range got.Values.All() {
		if err := o.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	checkGolden(t, "sample.golden", ownfiles.Describe(got))

	// The same extract in UTF-8 with a BOM reads the same.
	text, err := charmap.Windows1252.NewDecoder().Bytes(readSample(t))
	if err != nil {
		t.Fatal(err)
	}
	again, err := parse(t, append([]byte("\uFEFF"), text...), nil)
	if err != nil {
		t.Fatal(err)
	}
	if ownfiles.Describe(again) != ownfiles.Describe(got) {
		t.Fatal("UTF-8 with BOM reads differently from Windows-1252")
	}
}

// TestSampleAgainstDayByDay recomputes the counts of the sample by walking
// every day of every period, independently of the interval arithmetic.
func TestSampleAgainstDayByDay(t *testing.T) {
	p, err := New(options(nil))
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Parse(t.Context(), "extract.csv", readSample(t))
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]float64{}
	for o := range got.Values.All() {
		if o.Value != nil {
			byKey[o.IndicatorID+"|"+ownfiles.Label(o.Period)+"|"+o.Gender+"|"+o.Regi] = *o.Value
		}
	}
	people := map[string][]store.Decision{}
	for d := range got.Decisions.All() {
		people[d.Person] = append(people[d.Person], d)
	}
	checked := 0
	for key, v := range byKey {
		parts := strings.Split(key, "|")
		code, label, gender, regi := parts[0], parts[1], parts[2], parts[3]
		if code != SaboWaited3M && code != BSSWaited3M {
			continue
		}
		group := map[string]string{SaboWaited3M: groupSabo, BSSWaited3M: groupBSS}[code]
		var per store.Period
		for _, y := range []int{2023, 2024} {
			for _, cand := range []store.Period{store.QuarterPeriod(y, 1), store.InterimPeriod(y, time.August), store.YearPeriod(y)} {
				if ownfiles.Label(cand) == label {
					per = cand
				}
			}
		}
		want := 0
		for _, ds := range people {
			counted := false
			for _, d := range ds {
				if d.InsatsGroup != group || !d.Granted || (gender != "T" && d.Gender != gender) || (regi != "alla" && d.Regi != regi) {
					continue
				}
				mark := ThreeMonthsAfter(d.Decision)
				for day := per.Start; !day.After(per.End); day = day.AddDate(0, 0, 1) {
					waiting := true
					for _, end := range []*time.Time{d.Offered, d.Executed, d.Ended} {
						if end != nil && end.Before(day) { // on the day of the offer the person still counts
							waiting = false
						}
					}
					if waiting && day.After(mark) {
						counted = true
						break
					}
				}
			}
			if counted {
				want++
			}
		}
		if float64(want) != v {
			t.Errorf("%s: computed %v, day by day %d", key, v, want)
		}
		checked++
	}
	if checked < 20 {
		t.Fatalf("only %d values checked", checked)
	}
}

func TestRefusedRows(t *testing.T) {
	header := "Personnummer;Insats;Lagrum;Ansökningsdatum;Beslutsdatum;Beslut;Erbjudet inflyttningsdatum;Verkställighetsdatum\n"
	good := "19400101-0018;Särskilt boende;SoL;2024-01-02;2024-01-20;Bifall;2024-02-01;2024-02-05\n"
	tests := []struct {
		name, row, want string
		fileErr         bool
	}{
		{"fel kontrollsiffra", "19400101-0017;Särskilt boende;SoL;2024-01-02;2024-01-20;Bifall;;\n", "fel kontrollsiffra", false},
		{"impossible date", "19400231-0014;Särskilt boende;SoL;2024-01-02;2024-01-20;Bifall;;\n", "inget giltigt födelsedatum", false},
		{"date format", "19400101-0018;Särskilt boende;SoL;2024-01-02;20/01/2024;Bifall;;\n", "skriv datum som ÅÅÅÅ-MM-DD", false},
		{"unknown beslut", "19400101-0018;Särskilt boende;SoL;2024-01-02;2024-01-20;Kanske;;\n", "varken bifall eller avslag", false},
		{"insats and lagrum disagree", "19400101-0018;Särskilt boende;LSS 9 § 9;2024-01-02;2024-01-20;Bifall;;\n", "hör inte ihop med lagrum", false},
		{"decision before application", "19400101-0018;Särskilt boende;SoL;2024-02-02;2024-01-20;Bifall;;\n", "före ansökningsdatum", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse(t, []byte(header+good+tt.row), func(o *Options) { o.AsOf = date("2024-12-31") })
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Problems) != 1 || got.Problems[0].Line != 3 || !strings.Contains(got.Problems[0].Reason, tt.want) {
				t.Fatalf("problems %v, want one on line 3 with %q", got.Problems, tt.want)
			}
			pnr := strings.SplitN(tt.row, ";", 2)[0]
			digits := strings.ReplaceAll(pnr, "-", "")
			for _, s := range append([]string{got.Problems[0].String()}, got.Refused[0].Cells...) {
				if strings.Contains(s, pnr) || strings.Contains(s, digits) || strings.Contains(s, digits[2:]) {
					t.Fatalf("a personnummer leaked into %q", s)
				}
			}
		})
	}
	for _, tt := range []struct{ name, text, want string }{
		{"missing beslutsdatum", "Personnummer;Insats;Beslut;Verkställighetsdatum\n", "obligatoriska kolumner saknas: beslutsdatum"},
		{"no end of wait", "Personnummer;Insats;Beslutsdatum;Beslut\n", "behöver erbjudet inflyttningsdatum eller verkställighetsdatum"},
		{"not an extract", "Namn;Ålder\nA;3\n", "inget Treserva-uttag"},
		{"comma separated", "Personnummer,Insats,Beslutsdatum,Beslut\n", "hittade inget kolumnavgränsningstecken"},
		{"no decision that counts", "Personnummer;Insats;Beslutsdatum;Beslut;Verkställighetsdatum\n19400101-0018;Hemtjänst;2024-01-20;Bifall;2024-01-22\n",
			"inga beslut om särskilt boende"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(t, []byte(tt.text), nil)
			if !errors.Is(err, ownfiles.ErrRefused) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want a refusal with %q", err, tt.want)
			}
		})
	}
}

// TestOtherLayout: headings of another layout, matched case- and
// accent-insensitively, and one mapped in the configuration.
func TestOtherLayout(t *testing.T) {
	b, err := os.ReadFile("testdata/alias_layout.csv")
	if err != nil {
		t.Fatal(err)
	}
	_, err = parse(t, b, nil)
	if !errors.Is(err, ownfiles.ErrRefused) || !strings.Contains(err.Error(), "obligatoriska kolumner saknas: beslutsdatum") {
		t.Fatalf("without the mapping: %v", err)
	}
	got, err := parse(t, b, func(o *Options) {
		o.Config.Columns.Beslutsdatum = []string{"Beslut fattat"}
		o.AsOf = date("2024-06-30")
	})
	if err != nil || len(got.Problems) > 0 || got.Decisions.Len() != 2 {
		t.Fatalf("%v %v %d decisions", err, got.Problems, got.Decisions.Len())
	}
	groups := map[string]string{}
	for d := range got.Decisions.All() {
		groups[d.Gender] = d.InsatsGroup + "/" + d.Regi
	}
	if groups["M"] != "sabo/egen" || groups["K"] != "bss/" {
		t.Fatalf("decisions: %v", groups)
	}
	// The LSS decision of November 2023 still waits at the end of kvartal 1 2024.
	found := false
	for o := range got.Values.All() {
		if o.IndicatorID == BSSWaited3M && ownfiles.Label(o.Period) == "2024 kvartal 1" && o.Gender == "T" && o.Regi == "alla" {
			found = true
			if *o.Value != 1 {
				t.Fatalf("%s = %v, want 1", BSSWaited3M, *o.Value)
			}
		}
	}
	if !found {
		t.Fatal("no value for 2024 kvartal 1")
	}
}

func TestNoKeyNoLoad(t *testing.T) {
	_, err := parse(t, readSample(t), func(o *Options) { o.Key = nil })
	if !errors.Is(err, personnummer.ErrNoKey) || errors.Is(err, ownfiles.ErrRefused) {
		t.Fatalf("err %v, want ErrNoKey (a configuration problem, not a bad file)", err)
	}
}

func TestPseudonymsDependOnTheKey(t *testing.T) {
	a, err := parse(t, readSample(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := parse(t, readSample(t), func(o *Options) { o.Key = personnummer.NewKey([]byte("another key, also more than thirty-two bytes")) })
	if err != nil {
		t.Fatal(err)
	}
	da, db := slices.Collect(a.Decisions.All()), slices.Collect(b.Decisions.All())
	if da[0].Person == db[0].Person || da[0].KeyID == db[0].KeyID {
		t.Fatal("pseudonyms do not depend on the key")
	}
	if ownfiles.Describe(a) != ownfiles.Describe(b) {
		t.Fatal("the indicators depend on the key")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("Personnummer;Insats;Beslutsdatum;Beslut;Verkställighetsdatum\n19400101-0018;Särskilt boende;2024-01-20;Bifall;\n"))
	if b, err := os.ReadFile(samplePath); err == nil {
		f.Add(b)
	}
	files, _ := filepath.Glob("testdata/*.csv")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	p, err := New(options(nil))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := p.Parse(t.Context(), "fuzz", data)
		if err != nil {
			if got != nil {
				t.Fatal("an error with partial data")
			}
			return
		}
		for o := range got.Values.All() {
			if err := o.Validate(); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestDayArithmetic(t *testing.T) {
	for d := civilDay(1899, 1, 1); d < civilDay(2101, 1, 1); d++ {
		tm := timeOf(d)
		if y, m, dd := civilDate(d); y != tm.Year() || m != int(tm.Month()) || dd != tm.Day() || dayOf(tm) != d ||
			civilDay(y, m, dd) != d {
			t.Fatalf("day %d: %d-%d-%d, time %s", d, y, m, dd, tm)
		}
		if got, want := threeMonthsAfterDay(d), dayOf(ThreeMonthsAfter(tm)); got != want {
			t.Fatalf("three months after %s: %s, want %s", tm, timeOf(got), timeOf(want))
		}
	}
}

// sortByPerson orders decisions as comparing them where they lie does:
// by person, group, beslutsdatum and line.
func FuzzSortByPerson(f *testing.F) {
	f.Add([]byte{1, 1, 1, 2, 1, 1, 1, 1, 0, 2, 2, 1, 7, 0x80, 3, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		ds := &decisions{}
		for i := 0; len(data) >= 4; i++ {
			d := decision{line: int32(2 * (i + 1)), group: 1 + data[1]&1, decided: int32(int8(data[2])) * 1000}
			d.person[data[0]&15] = data[3] & 3 // a few people, differing in any byte
			if data[0]&16 != 0 {
				d.decided = noDate
			}
			ds.add(d)
			data = data[4:]
		}
		order := make([]int32, ds.n)
		for i := range order {
			order[i] = int32(i)
		}
		want := slices.Clone(order)
		slices.SortFunc(want, func(i, j int32) int {
			a, b := ds.at(i), ds.at(j)
			if c := bytes.Compare(a.person[:], b.person[:]); c != 0 {
				return c
			}
			switch {
			case a.group != b.group:
				return int(a.group) - int(b.group)
			case a.decided != b.decided:
				return cmp.Compare(a.decided, b.decided)
			}
			return cmp.Compare(a.line, b.line)
		})
		sortByPerson(ds, order)
		if !slices.Equal(order, want) {
			t.Fatalf("order %v, want %v", order, want)
		}
	})
}

// radixSortKeys sorts as comparing by hi and index does, also where many
// keys share a hi or some of its bytes (passes it skips).
func FuzzRadixSortKeys(f *testing.F) {
	f.Add(uint64(1), uint16(300), uint8(0), uint8(0))
	f.Add(uint64(2), uint16(5000), uint8(0xF0), uint8(7))
	f.Add(uint64(3), uint16(256), uint8(0xFF), uint8(0))
	f.Add(uint64(4), uint16(10), uint8(0x0F), uint8(3))
	f.Fuzz(func(t *testing.T, seed uint64, n uint16, zeroBytes, fewPeople uint8) {
		rng := rand.New(rand.NewPCG(seed, 5))
		keys := make([]personKey, n)
		for i := range keys {
			hi := rng.Uint64()
			if fewPeople > 0 {
				hi = rng.Uint64N(uint64(fewPeople)) << (8 * (fewPeople & 7)) // many keys per hi
			}
			for b := range 8 {
				if zeroBytes&(1<<b) != 0 {
					hi &^= 0xFF << (8 * b)
				}
			}
			keys[i] = personKey{hi: hi, i: int32(i)}
		}
		want := slices.Clone(keys)
		slices.SortFunc(want, func(a, b personKey) int {
			if a.hi != b.hi {
				return cmp.Compare(a.hi, b.hi)
			}
			return cmp.Compare(a.i, b.i)
		})
		radixSortKeys(keys)
		if !slices.Equal(keys, want) {
			t.Fatalf("radix order differs from comparison order (n=%d)", n)
		}
	})
}

// ageOn on day numbers is the age time.Time's calendar gives, and a date of
// birth on a day before the reference day needs no CheckOn (settle skips
// it): CheckOn finds nothing wrong with it.
func FuzzDayChecks(f *testing.F) {
	f.Add(int32(-9000), int32(19000), int64(19000*86400+3600))
	f.Add(int32(-25567), int32(-25567+36525), int64(-86400))
	f.Add(int32(11016), int32(11016+365*100), int64(0))
	f.Fuzz(func(t *testing.T, birth, at int32, refUnix int64) {
		const lo, hi = -80000, 80000 // 1750..2189
		if birth < lo || birth > hi || at < lo || at > hi || refUnix < lo*86400 || refUnix > hi*86400 {
			return
		}
		b, a := timeOf(birth), timeOf(at)
		want := a.Year() - b.Year()
		if a.Month() < b.Month() || (a.Month() == b.Month() && a.Day() < b.Day()) {
			want--
		}
		if got := ageOn(birth, at); got != want {
			t.Fatalf("ageOn(%v, %v) = %d, want %d", b, a, got, want)
		}
		ref := time.Unix(refUnix, 0).UTC()
		if ref.Unix() >= 0 && birth < dayOf(ref) {
			if err := personnummer.CheckOn(b, false, ref); err != nil {
				t.Fatalf("birth %v before the day of %v: CheckOn says %v", b, ref, err)
			}
		}
	})
}

// Counting a big extract in two halves gives what counting it in one does.
func TestComputeInHalves(t *testing.T) {
	data, err := samplegen.TreservaExtract(10_000_000)
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(options(nil))
	if err != nil {
		t.Fatal(err)
	}
	halves, err := p.Parse(t.Context(), "stor.csv", data)
	if err != nil {
		t.Fatal(err)
	}
	if n := halves.Decisions.Len(); n < parallelCount {
		t.Fatalf("%d decisions: too few for two halves", n)
	}
	defer func(n int) { parallelCount = n }(parallelCount)
	parallelCount = math.MaxInt
	whole, err := p.Parse(t.Context(), "stor.csv", data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(halves.Values.List(), whole.Values.List()) {
		t.Fatal("the values counted in two halves differ from those counted in one")
	}
}
