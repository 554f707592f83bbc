package nka

import (
	"math"
	"math/rand"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/store"
)

// smallWorld is hand-checkable: Alfa (1001) with two generations of
// äldreomsorg groups, an IFO group, an övergripande group in the comma
// variant, and a group of its own (G99) to compare with.
func smallWorld() world {
	return world{
		municipalities: [][2]string{{"0000", "Riket"}, {"1001", "Alfa"}, {"1002", "Beta"}, {"1003", "Gamma"},
			{"1004", "Delta"}, {"1005", "Epsilon"}, {"1006", "Zeta"}},
		groups: []groupDef{
			{"G10", "Liknande kommuner äldreomsorg, Alfa, 2022", []string{"1002", "1003", "1004", "1005"}},
			// RKA lists Alfa in its own group here: it must not count as its own peer
			{"G11", "Liknande kommuner äldreomsorg, Alfa, 2024", []string{"1001", "1002", "1003", "1006"}},
			{"G12", "Liknande kommuner IFO, Alfa, 2024", []string{"1002", "1003"}},
			{"G13", "Liknande kommuner, övergripande, Alfa, 2025", []string{"1002", "1004"}},
			{"G20", "Liknande kommuner äldreomsorg, Beta, 2024", []string{"1001", "1003"}},
			{"G99", "Skånes kommuner", []string{"1003", "1004", "1006"}},
		},
		values: []val{
			// äldreomsorg N20900 (%), N20029 (mnkr)
			{"N20900", "1001", 2021, f(10), false}, {"N20029", "1001", 2021, f(20), false},
			{"N20900", "1002", 2021, f(4), false}, {"N20900", "1003", 2021, f(6), false},
			{"N20900", "1004", 2021, f(8), false}, {"N20900", "1005", 2021, nil, false},
			{"N20900", "1001", 2022, f(5), false}, {"N20029", "1001", 2022, f(10), false},
			{"N20900", "1002", 2022, f(2), false}, {"N20900", "1003", 2022, f(3), false},
			{"N20900", "1004", 2022, f(7), false},
			{"N20900", "1001", 2023, f(-3), false}, {"N20029", "1001", 2023, f(-6.3), false},
			{"N20900", "1002", 2023, f(-1), false}, {"N20900", "1003", 2023, f(1), false},
			{"N20900", "1004", 2023, f(3), false},
			{"N20900", "1001", 2024, f(0.2), false}, {"N20029", "1001", 2024, f(0.5), false},
			{"N20900", "1002", 2024, f(1), false}, {"N20900", "1003", 2024, f(3), false}, {"N20900", "1006", 2024, f(5), false},
			{"N20900", "1001", 2025, f(3), true}, {"N20029", "1001", 2025, f(6.6), true},
			{"N20900", "1002", 2025, f(1), true}, {"N20900", "1003", 2025, f(2), false}, {"N20900", "1006", 2025, nil, false},
			// IFO N30001, N30026
			{"N30001", "1001", 2024, f(10), false}, {"N30026", "1001", 2024, f(-5), false},
			{"N30001", "1002", 2024, f(20), false}, {"N30001", "1003", 2024, f(30), false},
			{"N30001", "1002", 2025, f(7), false},
			// övergripande N00097 (no mnkr figure)
			{"N00097", "1001", 2025, f(1), true}, {"N00097", "1002", 2025, f(2), false}, {"N00097", "1004", 2025, f(4), false},
		},
	}
}

func engineFor(t *testing.T, w world) (*Engine, *store.Store) {
	t.Helper()
	st := newStore(t)
	w.load(t, st)
	return &Engine{Store: st, Areas: BuiltinAreas}, st
}

func gapRows(t *testing.T, e *Engine, q Query) []GapRow {
	t.Helper()
	res, err := e.Gap(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	return res.Rows
}

func find(rows []GapRow, area string, year int) *GapRow {
	for i := range rows {
		if rows[i].Area == area && rows[i].Year == year {
			return &rows[i]
		}
	}
	return nil
}

// num writes a figure rounded to 1e-9, so hand-computed decimals compare
// exactly ("8.4", not 8.400000000000002).
func num(p *float64) string {
	if p == nil {
		return "NULL"
	}
	v := math.Round(*p*1e9) / 1e9
	if v == 0 {
		v = 0
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func strconvI(i int) string { return strconv.Itoa(i) }

// TestGapHandComputed checks every figure against values worked out by hand
// (the derivation is in the comment of each case).
func TestGapHandComputed(t *testing.T) {
	e, _ := engineFor(t, smallWorld())
	rows := gapRows(t, e, Query{Municipalities: []string{"1001"}})
	type want struct {
		area                                       string
		year                                       int
		pct, mnkr, mean, median, gap, ref, gapMnkr string
		group                                      string
		count                                      int
		missing                                    []string
		prelim                                     bool
		noteHas                                    []string
	}
	tests := []want{
		// 2021: no group of 2021 or earlier → the 2022 group G10. Peers 4, 6, 8 (Epsilon NULL):
		// mean 6, median 6; gap 10 − 6 = 4 pp; ref 20 / 0.10 = 200; 4 % of 200 = 8 mnkr.
		{"aldreomsorg", 2021, "10", "20", "6", "6", "4", "200", "8", "G10", 3, []string{"Epsilon"}, false,
			[]string{"ingen grupp från 2021 eller tidigare: gruppen från 2022 (G10) används", "över 3 av 4"}},
		// 2022: G10, peers 2, 3, 7 (Epsilon has no row): mean 4, median 3; gap 1; ref 10 / 0.05 = 200; 2 mnkr.
		{"aldreomsorg", 2022, "5", "10", "4", "3", "1", "200", "2", "G10", 3, []string{"Epsilon"}, false, nil},
		// 2023: still G10 (latest ≤ 2023). Peers −1, 1, 3: mean 1; gap −4; ref −6.3 / −0.03 = 210; −8.4 mnkr.
		{"aldreomsorg", 2023, "-3", "-6.3", "1", "1", "-4", "210", "-8.4", "G10", 3, []string{"Epsilon"}, false, nil},
		// 2024: G11 without Alfa itself: peers 1, 3, 5: mean 3; gap −2.8; |0.2| < 0.5 → ref NULL, gap_mnkr NULL.
		{"aldreomsorg", 2024, "0.2", "0.5", "3", "3", "-2.8", "NULL", "NULL", "G11", 3, []string{}, false,
			[]string{"för nära 0"}},
		// 2025: G11, peers 1 (prel), 2, Zeta NULL: mean 1.5; gap 1.5; ref 6.6 / 0.03 = 220; 3.3 mnkr; preliminary.
		{"aldreomsorg", 2025, "3", "6.6", "1.5", "1.5", "1.5", "220", "3.3", "G11", 2, []string{"Zeta"}, true,
			[]string{"innehåller preliminära värden"}},
		// IFO 2024: peers 20, 30: mean 25; gap −15; % and mnkr disagree in sign → ref NULL.
		{"ifo", 2024, "10", "-5", "25", "25", "-15", "NULL", "NULL", "G12", 2, []string{}, false, []string{"olika tecken"}},
		// IFO 2025: Alfa has no value → NULL gap; peers: Beta 7 only.
		{"ifo", 2025, "NULL", "NULL", "7", "7", "NULL", "NULL", "NULL", "G12", 1, []string{"Gamma"}, false,
			[]string{"inget värde för NKA % för Alfa 2025"}},
		// övergripande 2025 (comma title variant): peers 2, 4: mean 3; gap −2; no mnkr figure.
		{"overgripande", 2025, "1", "NULL", "3", "3", "-2", "NULL", "NULL", "G13", 2, []string{}, true,
			[]string{"ingen NKA i mnkr"}},
	}
	if len(rows) != len(tests) {
		t.Fatalf("%d rows, want %d: %+v", len(rows), len(tests), rows)
	}
	for _, w := range tests {
		r := find(rows, w.area, w.year)
		if r == nil {
			t.Errorf("no row %s %d", w.area, w.year)
			continue
		}
		got := []string{num(r.NKAPct), num(r.NKAMnkr), num(r.PeerMeanPct), num(r.PeerMedianPct), num(r.GapPP), num(r.ReferenceCostMnkr), num(r.GapMnkr)}
		exp := []string{w.pct, w.mnkr, w.mean, w.median, w.gap, w.ref, w.gapMnkr}
		if !reflect.DeepEqual(got, exp) {
			t.Errorf("%s %d: pct, mnkr, mean, median, gap, ref, gap_mnkr = %v, want %v", w.area, w.year, got, exp)
		}
		if r.PeerGroupID == nil || *r.PeerGroupID != w.group || r.PeerCount != w.count || !slices.Equal(r.MissingPeers, w.missing) || r.Preliminary != w.prelim {
			t.Errorf("%s %d: group %v count %d missing %v prelim %v; want %s %d %v %v", w.area, w.year, deref(r.PeerGroupID),
				r.PeerCount, r.MissingPeers, r.Preliminary, w.group, w.count, w.missing, w.prelim)
		}
		for _, s := range w.noteHas {
			if !strings.Contains(r.Note, s) {
				t.Errorf("%s %d: note %q lacks %q", w.area, w.year, r.Note, s)
			}
		}
		if r.Municipality != "Alfa" || r.Comparator != "mean" {
			t.Errorf("%s %d: municipality %q comparator %q", w.area, w.year, r.Municipality, r.Comparator)
		}
	}
}

func deref(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

func TestGapComparators(t *testing.T) {
	e, _ := engineFor(t, smallWorld())
	tests := []struct {
		comparator, wantName string
		gap, gapMnkr         string
		noteHas              string
	}{
		// 2022: Alfa 5, peers 2, 3, 7, ref 200.
		{"median", "median", "2", "4", ""}, // 5 − 3
		{"RIKET", "riket", "5", "10", ""},  // 5 − 0
		{"g99", "G99", "0", "0", "jämförelse gruppen G99 (Skånes kommuner): 2 av 3 med värde (värde saknas: Zeta)"}, // members Gamma 3, Delta 7 (Zeta none): mean 5
	}
	for _, tt := range tests {
		rows := gapRows(t, e, Query{Municipalities: []string{"1001"}, Areas: []string{"aldreomsorg"}, Years: []int{2022}, Comparator: tt.comparator})
		if len(rows) != 1 {
			t.Fatalf("%s: %d rows", tt.comparator, len(rows))
		}
		r := rows[0]
		if r.Comparator != tt.wantName || num(r.GapPP) != tt.gap || num(r.GapMnkr) != tt.gapMnkr || !strings.Contains(r.Note, tt.noteHas) {
			t.Errorf("%s: comparator %s gap %s gap_mnkr %s note %q", tt.comparator, r.Comparator, num(r.GapPP), num(r.GapMnkr), r.Note)
		}
		if num(r.PeerMeanPct) != "4" {
			t.Errorf("%s: the peer mean must not depend on the comparator: %s", tt.comparator, num(r.PeerMeanPct))
		}
	}
	for _, bad := range []string{"average", "G", "1267", "G12x"} {
		if _, err := e.Gap(t.Context(), Query{Comparator: bad}); err == nil {
			t.Errorf("comparator %q accepted", bad)
		}
	}
	if _, err := e.Gap(t.Context(), Query{Comparator: "G404"}); err == nil || !strings.Contains(err.Error(), "G404") {
		t.Errorf("a comparator group not in the store: %v", err)
	}
}

func TestGroupOverride(t *testing.T) {
	e, _ := engineFor(t, smallWorld())
	ov, err := e.ResolveGroupOverride(t.Context(), []string{"g10"}, nil)
	if err != nil || ov["aldreomsorg"] != "G10" {
		t.Fatalf("override %v %v", ov, err)
	}
	rows := gapRows(t, e, Query{Municipalities: []string{"1001"}, Areas: []string{"aldreomsorg"}, Years: []int{2024}, GroupOverride: ov})
	// 2024 with G10 instead of G11: peers Beta 1, Gamma 3 (Delta, Epsilon none): mean 2.
	if len(rows) != 1 || deref(rows[0].PeerGroupID) != "G10" || num(rows[0].PeerMeanPct) != "2" || !strings.Contains(rows[0].Note, "angiven för hand") {
		t.Fatalf("override rows %+v", rows)
	}
	// A group whose title names no area needs exactly one area.
	if _, err := e.ResolveGroupOverride(t.Context(), []string{"G99"}, nil); err == nil {
		t.Fatal("G99 without an area accepted")
	}
	ov, err = e.ResolveGroupOverride(t.Context(), []string{"G99"}, []string{"ifo"})
	if err != nil || ov["ifo"] != "G99" {
		t.Fatalf("G99 for ifo: %v %v", ov, err)
	}
	rows = gapRows(t, e, Query{Municipalities: []string{"1001"}, Areas: []string{"ifo"}, Years: []int{2024}, GroupOverride: ov})
	// IFO 2024 against G99: Gamma 30 only → mean 30; gap 10 − 30 = −20.
	if len(rows) != 1 || num(rows[0].GapPP) != "-20" || rows[0].PeerCount != 1 {
		t.Fatalf("G99 rows %+v", rows)
	}
	if _, err := e.ResolveGroupOverride(t.Context(), []string{"G10", "G11"}, nil); err == nil {
		t.Fatal("two groups for one area accepted")
	}
	if _, err := e.ResolveGroupOverride(t.Context(), []string{"G777"}, nil); err == nil {
		t.Fatal("an unknown group accepted")
	}
}

func TestSeveralGroupYearsAndFallback(t *testing.T) {
	e, _ := engineFor(t, smallWorld())
	rows := gapRows(t, e, Query{Municipalities: []string{"1001"}, Areas: []string{"aldreomsorg"}})
	want := map[int]string{2021: "G10", 2022: "G10", 2023: "G10", 2024: "G11", 2025: "G11"}
	for _, r := range rows {
		if deref(r.PeerGroupID) != want[r.Year] {
			t.Errorf("%d uses %s, want %s", r.Year, deref(r.PeerGroupID), want[r.Year])
		}
		later := strings.Contains(r.Note, "eller tidigare: gruppen från")
		if later != (r.Year == 2021) {
			t.Errorf("%d: note %q", r.Year, r.Note)
		}
	}
	// Beta has only a 2024 group: every earlier year falls back to it, with a note.
	rows = gapRows(t, e, Query{Municipalities: []string{"1002"}, Areas: []string{"aldreomsorg"}, Years: []int{2022}})
	if len(rows) != 1 || deref(rows[0].PeerGroupID) != "G20" || !strings.Contains(rows[0].Note, "gruppen från 2024 (G20) används") {
		t.Fatalf("Beta 2022: %+v", rows)
	}
}

func TestUncoveredAreasAreShown(t *testing.T) {
	e, _ := engineFor(t, smallWorld())
	res, err := e.Gap(t.Context(), Query{Municipalities: []string{"1003"}, Areas: []string{"aldreomsorg", "lss"}, Years: []int{2022}})
	if err != nil {
		t.Fatal(err)
	}
	// Gamma has no group: its own figures with the reason, never a silent gap.
	if len(res.Rows) != 1 || res.Rows[0].PeerGroupID != nil || res.Rows[0].GapPP != nil || num(res.Rows[0].NKAPct) != "3" ||
		!strings.Contains(res.Rows[0].Note, "ingen grupp \"Liknande kommuner\" för äldreomsorg och Gamma") {
		t.Fatalf("rows %+v", res.Rows)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "LSS") {
		t.Fatalf("notes %v", res.Notes)
	}
	// Against riket no peers are needed.
	rows := gapRows(t, e, Query{Municipalities: []string{"1003"}, Areas: []string{"aldreomsorg"}, Years: []int{2022}, Comparator: "riket"})
	if len(rows) != 1 || num(rows[0].GapPP) != "3" {
		t.Fatalf("riket rows %+v", rows)
	}
}

// TestPropertyAtPeerMeanGapIsZero: with the own NKA exactly at the peers'
// mean, gap_pp and gap_mnkr are 0, whatever the values (multiples of 0.25,
// so that the mean is exact in floating point).
func TestPropertyAtPeerMeanGapIsZero(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	w := world{}
	peers := map[string]int{}
	for round := 0; round < 8; round++ {
		// each round: a focal municipality with its own group and peers
		focal := strconvI(1001 + round)
		w.municipalities = append(w.municipalities, [2]string{focal, "Fokus " + focal})
		n := 1 + rng.Intn(7)
		g := groupDef{id: "G" + focal, title: "Liknande kommuner IFO, Fokus " + focal + ", 2024"}
		var sum float64
		for i := 0; i < n; i++ {
			id := strconvI(2000 + 10*round + i)
			w.municipalities = append(w.municipalities, [2]string{id, "Peer " + id})
			g.members = append(g.members, id)
			v := float64(rng.Intn(400)-200) / 4
			sum += v
			w.values = append(w.values, val{"N30001", id, 2024, f(v), false})
		}
		// a member with only a NULL value does not enter the mean
		empty := strconvI(2000 + 10*round + 9)
		w.municipalities = append(w.municipalities, [2]string{empty, "Tom " + empty})
		g.members = append(g.members, empty)
		w.values = append(w.values, val{"N30001", empty, 2024, nil, false})
		mean := sum / float64(n)
		if math.Abs(mean) < DefaultMinAbsPct {
			mean, sum = 0.5, 0 // keep the reference cost defined: every peer at 0.5
			for i := range w.values[len(w.values)-n-1 : len(w.values)-1] {
				w.values[len(w.values)-n-1+i].value = f(0.5)
			}
		}
		w.groups = append(w.groups, g)
		w.values = append(w.values, val{"N30001", focal, 2024, f(mean), false}, val{"N30026", focal, 2024, f(mean / 100 * 80), false})
		peers[focal] = n
	}
	e, _ := engineFor(t, w)
	rows := gapRows(t, e, Query{Areas: []string{"ifo"}})
	checked := 0
	for _, r := range rows {
		n, isFocal := peers[r.MunicipalityID]
		if !isFocal {
			continue
		}
		checked++
		if r.GapPP == nil || *r.GapPP != 0 || r.GapMnkr == nil || *r.GapMnkr != 0 || r.PeerCount != n {
			t.Errorf("%s at its peers' mean %v: gap_pp %s, gap_mnkr %s, %d peers (want %d)", r.MunicipalityID, num(r.NKAPct), num(r.GapPP), num(r.GapMnkr), r.PeerCount, n)
		}
	}
	if checked != len(peers) {
		t.Fatalf("checked %d focal municipalities of %d", checked, len(peers))
	}
}

// TestPropertyMemberWithoutValueChangesNothing: adding a member that has no
// value (no row, or a NULL) leaves every figure as it was; only the list of
// members missing a value grows.
func TestPropertyMemberWithoutValueChangesNothing(t *testing.T) {
	base := smallWorld()
	e1, _ := engineFor(t, base)
	before := gapRows(t, e1, Query{Municipalities: []string{"1001"}})

	more := smallWorld()
	more.municipalities = append(more.municipalities, [2]string{"1007", "Eta"}, [2]string{"1008", "Theta"})
	for i := range more.groups {
		if strings.HasPrefix(more.groups[i].title, "Liknande") && strings.Contains(more.groups[i].title, "Alfa") {
			more.groups[i].members = append(more.groups[i].members, "1007", "1008")
		}
	}
	for _, y := range []int{2021, 2022, 2023, 2024, 2025} {
		more.values = append(more.values, val{"N20900", "1008", y, nil, false}) // Theta: NULL; Eta: no row at all
	}
	e2, _ := engineFor(t, more)
	after := gapRows(t, e2, Query{Municipalities: []string{"1001"}})
	if len(before) != len(after) {
		t.Fatalf("%d rows before, %d after", len(before), len(after))
	}
	for i := range before {
		b, a := before[i], after[i]
		if !reflect.DeepEqual([]string{num(b.NKAPct), num(b.PeerMeanPct), num(b.PeerMedianPct), num(b.GapPP), num(b.GapMnkr), num(b.ReferenceCostMnkr)},
			[]string{num(a.NKAPct), num(a.PeerMeanPct), num(a.PeerMedianPct), num(a.GapPP), num(a.GapMnkr), num(a.ReferenceCostMnkr)}) ||
			b.PeerCount != a.PeerCount || b.Preliminary != a.Preliminary {
			t.Errorf("%s %d changed:\n before %+v\n after  %+v", b.Area, b.Year, b, a)
		}
		if !slices.Contains(a.MissingPeers, "Eta") || !slices.Contains(a.MissingPeers, "Theta") {
			t.Errorf("%s %d: missing peers %v lack Eta and Theta", a.Area, a.Year, a.MissingPeers)
		}
	}
}

func TestAsOfReproducesEarlierValues(t *testing.T) {
	e, st := engineFor(t, smallWorld())
	var first time.Time
	if err := st.DB().QueryRow(`SELECT finished_at FROM load WHERE load_id = 1`).Scan(&first); err != nil {
		t.Fatal(err)
	}
	// A second load revises Alfa 2022 (5 → 6 %, 10 → 12 mnkr) and brings a
	// new IFO group of 2025.
	revised := world{
		municipalities: smallWorld().municipalities,
		groups:         []groupDef{{"G14", "Liknande kommuner IFO, Alfa, 2025", []string{"1003"}}},
		values:         []val{{"N20900", "1001", 2022, f(6), false}, {"N20029", "1001", 2022, f(12), false}},
	}
	revised.load(t, st)

	now := gapRows(t, e, Query{Municipalities: []string{"1001"}, Years: []int{2022, 2025}})
	then := gapRows(t, e, Query{Municipalities: []string{"1001"}, Years: []int{2022, 2025}, AsOf: &first})
	// now: 6 − 4 = 2 pp of 200 → 4 mnkr; then: 5 − 4 = 1 pp → 2 mnkr.
	if r := find(now, "aldreomsorg", 2022); num(r.GapMnkr) != "4" {
		t.Errorf("current gap_mnkr %s, want 4", num(r.GapMnkr))
	}
	if r := find(then, "aldreomsorg", 2022); num(r.GapMnkr) != "2" {
		t.Errorf("as-of gap_mnkr %s, want 2", num(r.GapMnkr))
	}
	// IFO 2025: now the 2025 group G14, then only G12 existed.
	if r := find(now, "ifo", 2025); deref(r.PeerGroupID) != "G14" {
		t.Errorf("current IFO 2025 group %s", deref(r.PeerGroupID))
	}
	if r := find(then, "ifo", 2025); deref(r.PeerGroupID) != "G12" {
		t.Errorf("as-of IFO 2025 group %s", deref(r.PeerGroupID))
	}
	early := first.Add(-time.Hour)
	if _, err := e.Gap(t.Context(), Query{AsOf: &early}); err == nil {
		t.Fatal("as-of before the first load accepted")
	}
}

func TestResolveAreas(t *testing.T) {
	s := func(v string) *string { return &v }
	areas, err := ResolveAreas(1, map[string]AreaOverride{
		"aldreomsorg":  {GroupTitle: s("Liknande kommuner äldreomsorg (ny)")},
		"overgripande": {MnkrKPI: s("")},
		"hemtjanst":    {PctKPI: s("n21999"), GroupTitle: s("Liknande kommuner hemtjänst")},
	})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := AreaBySlug(areas, "aldreomsorg")
	if a.GroupTitle != "Liknande kommuner äldreomsorg (ny)" || a.PctKPI != "N20900" || a.MinAbsPct != 1 {
		t.Errorf("override lost built-in fields: %+v", a)
	}
	h, ok := AreaBySlug(areas, "hemtjanst")
	if !ok || h.PctKPI != "N21999" || h.MnkrKPI != "" || h.SortOrder != 9 {
		t.Errorf("new area %+v", h)
	}
	for name, o := range map[string]map[string]AreaOverride{
		"new area without kpi":   {"x": {GroupTitle: s("Liknande x")}},
		"new area without group": {"x": {PctKPI: s("N12345")}},
		"bad kpi":                {"ifo": {MnkrKPI: s("30026")}},
		"bad slug":               {"Äldre omsorg": {PctKPI: s("N12345"), GroupTitle: s("y")}},
	} {
		if _, err := ResolveAreas(0.5, o); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if got, err := SelectAreas(BuiltinAreas, []string{"Äldreomsorg", "IFO"}); err != nil || !slices.Equal(Slugs(got), []string{"aldreomsorg", "ifo"}) {
		t.Errorf("SelectAreas: %v %v", Slugs(got), err)
	}
	if _, err := SelectAreas(BuiltinAreas, []string{"hemtjanst"}); err == nil || !strings.Contains(err.Error(), "aldreomsorg, ifo") {
		t.Errorf("unknown area: %v", err)
	}
}

// The views answer like the commands when nka_area holds the same areas.
func TestViewsAgreeWithEngine(t *testing.T) {
	e, st := engineFor(t, smallWorld())
	rows := gapRows(t, e, Query{})
	var n int
	var sum float64
	if err := st.DB().QueryRow(`SELECT count(*), sum(gap_mnkr) FROM v_nka_gap`).Scan(&n, &sum); err != nil {
		t.Fatal(err)
	}
	var want float64
	for _, r := range rows {
		if r.GapMnkr != nil {
			want += *r.GapMnkr
		}
	}
	if n != len(rows) || math.Abs(sum-want) > 1e-9 {
		t.Fatalf("v_nka_gap: %d rows, sum %v; engine: %d rows, sum %v", n, sum, len(rows), want)
	}
	var groups, members int
	if err := st.DB().QueryRow(`SELECT count(DISTINCT group_id), count(*) FROM v_peer_group`).Scan(&groups, &members); err != nil {
		t.Fatal(err)
	}
	// G10 4, G11 3 (Alfa left out), G12 2, G13 2, G20 2 (Beta's: Alfa, Gamma); G99 names no area.
	if groups != 5 || members != 13 {
		t.Fatalf("v_peer_group: %d groups, %d members", groups, members)
	}
	var ref *float64
	if err := st.DB().QueryRow(`SELECT reference_cost_mnkr FROM v_nka WHERE municipality_id = '1001' AND area = 'aldreomsorg' AND year = 2023`).Scan(&ref); err != nil || num(ref) != "210" {
		t.Fatalf("v_nka reference cost %s %v", num(ref), err)
	}
}

// TestReferenceCostNearZeroByHand: Hässleholm's IFO 2022 in the snapshot has
// NKA 0.0456 % and 0.114656 mnkr, below the 0.5 % where the quotient is
// trusted. With a net cost of 4 755 kr/inv and 52 900 invånare (values made
// up for the test, consistent with a reference cost of about 251.4 mnkr):
//
//	net cost        4 755 × 52 900 / 10⁶ = 251.5395 mnkr
//	reference cost  251.5395 − 0.114656 = 251.424844 mnkr (estimated)
//	peers           −2.5, 1.5, −2.0 → mean −1.0; gap 0.0456 − (−1.0) = 1.0456 pp
//	gap_mnkr        1.0456 / 100 × 251.424844 = 2.628898168… mnkr
//
// The quotient 0.114656 / 0.000456 = 251.438596… is not used (nor shown).
// In 2023 (NKA 2.2383 %, 6.040317 mnkr) both derivations exist and are shown
// side by side: quotient 269.861815 mnkr, net cost 5 215 kr/inv × 52 900 −
// 6.040317 = 269.833183 mnkr.
func TestReferenceCostNearZeroByHand(t *testing.T) {
	w := world{
		municipalities: [][2]string{{"1293", "Hässleholm"}, {"1002", "Beta"}, {"1003", "Gamma"}, {"1004", "Delta"}},
		groups:         []groupDef{{"G50", "Liknande kommuner IFO, Hässleholm, 2022", []string{"1002", "1003", "1004"}}},
		values: []val{
			{"N30001", "1293", 2022, f(0.0456), false}, {"N30026", "1293", 2022, f(0.114656), false},
			{"N30005", "1293", 2022, f(4755), false}, {"N01951", "1293", 2022, f(52900), false},
			{"N30001", "1002", 2022, f(-2.5), false}, {"N30001", "1003", 2022, f(1.5), false}, {"N30001", "1004", 2022, f(-2.0), false},
			{"N30001", "1293", 2023, f(2.2383), false}, {"N30026", "1293", 2023, f(6.040317), false},
			{"N30005", "1293", 2023, f(5215), false}, {"N01951", "1293", 2023, f(52900), false},
			{"N30001", "1002", 2023, f(1), false},
		},
	}
	e, _ := engineFor(t, w)
	rows := gapRows(t, e, Query{Municipalities: []string{"1293"}, Areas: []string{"ifo"}})
	r22, r23 := find(rows, "ifo", 2022), find(rows, "ifo", 2023)
	if r22 == nil || r23 == nil {
		t.Fatalf("rows %+v", rows)
	}
	if num(r22.NetCostMnkr) != "251.5395" || num(r22.ReferenceCostMnkr) != "251.424844" || num(r22.ReferenceCostNetMnkr) != "251.424844" ||
		r22.ReferenceCostRatioMnkr != nil || !r22.ReferenceCostEstimated || deref(r22.ReferenceCostMethod) != ReferenceCostNet ||
		num(r22.GapPP) != "1.0456" || num(r22.GapMnkr) != "2.628898169" {
		t.Errorf("2022: net %s ref %s (net %s, ratio %s) estimated %v gap %s gap_mnkr %s", num(r22.NetCostMnkr), num(r22.ReferenceCostMnkr),
			num(r22.ReferenceCostNetMnkr), num(r22.ReferenceCostRatioMnkr), r22.ReferenceCostEstimated, num(r22.GapPP), num(r22.GapMnkr))
	}
	if !strings.Contains(r22.Note, "NKA 0,0456 % ligger för nära 0") || !strings.Contains(r22.Note, "uppskattad som nettokostnad (N30005 kr/inv × N01951") {
		t.Errorf("2022 note %q", r22.Note)
	}
	if num(r23.ReferenceCostMnkr) != num(r23.ReferenceCostRatioMnkr) || r23.ReferenceCostEstimated ||
		math.Abs(*r23.ReferenceCostRatioMnkr-269.861815) > 1e-6 || num(r23.ReferenceCostNetMnkr) != "269.833183" {
		t.Errorf("2023: ref %s ratio %s net %s", num(r23.ReferenceCostMnkr), num(r23.ReferenceCostRatioMnkr), num(r23.ReferenceCostNetMnkr))
	}
	// the sparbeting counts the estimate, and says so
	s, err := e.Sparbeting(t.Context(), SparbetingRequest{Municipality: "1293", Areas: []string{"ifo"}, BaseYear: 2022, Profile: Profile{Name: "even"}})
	if err != nil {
		t.Fatal(err)
	}
	if s.TotalTkr == nil || *s.TotalTkr != 2629 || !s.Areas[0].ReferenceCostEstimated ||
		!strings.Contains(strings.Join(s.Notes, "\n"), "individ- och familjeomsorg 2022: NKA 0,0456 % ligger för nära 0") ||
		!strings.Contains(strings.Join(s.Sources, "\n"), "N30005") {
		t.Fatalf("sparbeting %v estimated %v notes %q sources %q", s.TotalTkr, s.Areas[0].ReferenceCostEstimated, s.Notes, s.Sources)
	}
	// without a net cost the reference cost stays unknown, and so does the sparbeting
	w.values = w.values[:2]
	w.values = append(w.values, val{"N30001", "1002", 2022, f(-2.5), false})
	e2, _ := engineFor(t, w)
	r := gapRows(t, e2, Query{Municipalities: []string{"1293"}, Areas: []string{"ifo"}})[0]
	if r.ReferenceCostMnkr != nil || r.ReferenceCostEstimated || !strings.Contains(r.Note, "inget värde för nettokostnad N30005 eller invånare N01951") {
		t.Fatalf("without net cost: %+v", r)
	}
}

// variantWorld spells its groups as RKA has over the years, with a conflict,
// a group without a year, and groups that cannot be used.
func variantWorld() world {
	return world{
		municipalities: [][2]string{{"1001", "Alfa"}, {"1002", "Beta"}, {"1003", "Gamma"}, {"1004", "Delta"},
			{"0114", "Upplands Väsby"}, {"2023", "Malung-Sälen"}},
		groups: []groupDef{
			// two groups of one area, municipality and year: the higher number is the later one
			{"G30", "Liknande kommuner, äldreomsorg, Alfa, 2024", []string{"1002", "1003"}},
			{"G31", "LIKNANDE KOMMUNER - ÄLDREOMSORG - ALFA - 2024", []string{"1003", "1004"}},
			{"G32", "Liknande kommuner: individ- och familjeomsorg Alfa 2022", []string{"1002", "1003"}},
			{"G33", "Liknande kommuner\u00a0IFO,  Upplands Väsby", []string{"1002"}},
			{"G34", "Liknande kommuner LSS, Alfa, 20x4", []string{"1002"}},
			{"G35", "Liknande kommuner hemtjänst, Alfa, 2024", []string{"1002"}},
			{"G36", "Liknande kommuner fritidshem, Staffanstorp, 2024", []string{"1002"}},
			{"G37", "Liknande kommuner äldreomsorg, Alfa", []string{"1002"}},
			{"G38", "Liknande kommuner Ã¤ldreomsorg, Malung - SÃ¤len, 2023", []string{"1001", "1004"}},
			{"G39", "Kommungruppsindelning 2017: pendlingskommun", []string{"1002"}},
		},
		values: []val{
			{"N20900", "1001", 2024, f(4), false}, {"N20029", "1001", 2024, f(8), false},
			{"N20900", "1002", 2024, f(1), false}, {"N20900", "1003", 2024, f(2), false}, {"N20900", "1004", 2024, f(6), false},
			{"N30001", "1001", 2023, f(3), false}, {"N30001", "1002", 2023, f(5), false}, {"N30001", "1003", 2023, f(7), false},
			{"N30001", "0114", 2024, f(1), false},
			{"N28018", "1001", 2024, f(2), false},
			{"N20900", "2023", 2023, f(3), false}, {"N20900", "1001", 2023, f(1), false}, {"N20900", "1004", 2023, f(2), false},
		},
	}
}

func TestGroupTitleVariantsConflictsAndProblems(t *testing.T) {
	e, st := engineFor(t, variantWorld())
	rows := gapRows(t, e, Query{Municipalities: []string{"1001"}})
	aldre, ifo, lss := find(rows, "aldreomsorg", 2024), find(rows, "ifo", 2023), find(rows, "lss", 2024)
	if aldre == nil || ifo == nil || lss == nil {
		t.Fatalf("rows %+v", rows)
	}
	// the conflict: G31 (published later) is used and the note says so; peers Gamma 2, Delta 6 → mean 4
	if deref(aldre.PeerGroupID) != "G31" || deref(aldre.GroupChoice) != "same_year" || num(aldre.PeerMeanPct) != "4" ||
		!strings.Contains(aldre.Note, "2 grupper för samma område, kommun och år (G30, G31): G31 används, den som Kolada publicerade senast") {
		t.Errorf("äldreomsorg 2024: %s %s mean %s note %q", deref(aldre.PeerGroupID), deref(aldre.GroupChoice), num(aldre.PeerMeanPct), aldre.Note)
	}
	// unused groups of Alfa: in the notes of the rows of their area, or of every area when the area is unknown
	for _, want := range []string{`grupp G35 "Liknande kommuner hemtjänst, Alfa, 2024" används inte: området "hemtjänst"`,
		`grupp G37 "Liknande kommuner äldreomsorg, Alfa" används inte: titeln saknar år`, "1 grupp \"Liknande kommuner\" kan inte knytas till någon kommun"} {
		if !strings.Contains(aldre.Note, want) {
			t.Errorf("äldreomsorg note %q lacks %q", aldre.Note, want)
		}
	}
	if strings.Contains(aldre.Note, "G34") || !strings.Contains(lss.Note, `grupp G34 "Liknande kommuner LSS, Alfa, 20x4" används inte: året "20x4" kan inte läsas`) ||
		!strings.Contains(lss.Note, "G35") || strings.Contains(lss.Note, "G37") || lss.PeerGroupID != nil {
		t.Errorf("G34 belongs to LSS only: äldreomsorg %q, LSS %q", aldre.Note, lss.Note)
	}
	// IFO spelt out, no commas: the 2022 group for 2023
	if deref(ifo.PeerGroupID) != "G32" || deref(ifo.GroupChoice) != "latest_earlier" || num(ifo.GapPP) != "-3" {
		t.Errorf("IFO 2023: %s %s gap %s", deref(ifo.PeerGroupID), deref(ifo.GroupChoice), num(ifo.GapPP))
	}
	// a group without a year, the municipality's only one
	r := gapRows(t, e, Query{Municipalities: []string{"0114"}, Areas: []string{"ifo"}, Years: []int{2024}})
	if len(r) != 1 || deref(r[0].PeerGroupID) != "G33" || deref(r[0].GroupChoice) != "no_year" || !strings.Contains(r[0].Note, "saknar år") {
		t.Errorf("Upplands Väsby: %+v", r)
	}
	// double UTF-8 and a spaced hyphen in the name
	r = gapRows(t, e, Query{Municipalities: []string{"2023"}, Areas: []string{"aldreomsorg"}, Years: []int{2023}})
	if len(r) != 1 || deref(r[0].PeerGroupID) != "G38" || num(r[0].PeerMeanPct) != "1.5" {
		t.Errorf("Malung-Sälen: %+v", r)
	}
	// every unused group, for analysts
	type problem struct{ group, status, problem, municipality string }
	var got []problem
	rs, err := st.DB().Query(`SELECT group_id, status, problem, coalesce(municipality_id, '') FROM v_nka_group_problem ORDER BY group_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rs.Next() {
		var p problem
		if err := rs.Scan(&p.group, &p.status, &p.problem, &p.municipality); err != nil {
			t.Fatal(err)
		}
		got = append(got, p)
	}
	if err := rs.Close(); err != nil {
		t.Fatal(err)
	}
	want := []problem{{"G30", "superseded", "superseded", "1001"}, {"G34", "unreadable", "year_unreadable", "1001"},
		{"G35", "area_unknown", "area_unknown", "1001"}, {"G36", "unreadable", "municipality_unknown", ""},
		{"G37", "yearless_unused", "yearless_unused", "1001"}}
	if !slices.Equal(got, want) {
		t.Errorf("v_nka_group_problem:\n got %v\nwant %v", got, want)
	}
	// the sparbeting carries the notes of the rows it sums
	s, err := e.Sparbeting(t.Context(), SparbetingRequest{Municipality: "1001", Areas: []string{"aldreomsorg"}, BaseYear: 2024, Profile: Profile{Name: "even"}})
	if err != nil {
		t.Fatal(err)
	}
	notes := strings.Join(s.Notes, "\n")
	for _, want := range []string{"äldreomsorg 2024: ", "G31 används, den som Kolada publicerade senast", "G35", "G37"} {
		if !strings.Contains(notes, want) {
			t.Errorf("sparbeting notes lack %q:\n%s", want, notes)
		}
	}
}

// A group stored by a later load is the later publication, whatever its number.
func TestConflictLaterLoadWins(t *testing.T) {
	e, st := engineFor(t, world{
		municipalities: [][2]string{{"1001", "Alfa"}, {"1002", "Beta"}, {"1003", "Gamma"}},
		groups:         []groupDef{{"G900", "Liknande kommuner IFO, Alfa, 2024", []string{"1002"}}},
		values:         []val{{"N30001", "1001", 2024, f(1), false}, {"N30001", "1002", 2024, f(2), false}, {"N30001", "1003", 2024, f(4), false}},
	})
	world{municipalities: [][2]string{{"1001", "Alfa"}, {"1002", "Beta"}, {"1003", "Gamma"}},
		groups: []groupDef{{"G800", "Liknande kommuner, IFO, Alfa, 2024", []string{"1003"}}}}.load(t, st)
	r := gapRows(t, e, Query{Municipalities: []string{"1001"}, Areas: []string{"ifo"}})
	if len(r) != 1 || deref(r[0].PeerGroupID) != "G800" || num(r[0].PeerMeanPct) != "4" || !strings.Contains(r[0].Note, "(G800, G900): G800 används") {
		t.Fatalf("rows %+v", r)
	}
}

// The configuration names an area by its words: case, punctuation and
// spacing do not matter, and two areas may not share them.
func TestConfiguredGroupTitleMatchedOnWords(t *testing.T) {
	s := func(v string) *string { return &v }
	areas, err := ResolveAreas(0.5, map[string]AreaOverride{"aldreomsorg": {GroupTitle: s("LIKNANDE KOMMUNER:  Äldre-omsorg")}})
	if err != nil {
		t.Fatal(err)
	}
	w := variantWorld()
	w.groups = append(w.groups, groupDef{"G40", "Liknande kommuner äldre omsorg, Beta, 2024", []string{"1003"}})
	_, st := engineFor(t, w)
	e := &Engine{Store: st, Areas: areas}
	r := gapRows(t, e, Query{Municipalities: []string{"1002"}, Areas: []string{"aldreomsorg"}, Years: []int{2024}})
	if len(r) != 1 || deref(r[0].PeerGroupID) != "G40" {
		t.Fatalf("rows %+v", r)
	}
	if _, err := ResolveAreas(0.5, map[string]AreaOverride{"hemtjanst": {PctKPI: s("N21999"), GroupTitle: s("Liknande kommuner IFO")}}); err == nil ||
		!strings.Contains(err.Error(), `both named "ifo"`) {
		t.Fatalf("two areas named ifo: %v", err)
	}
	if _, err := ResolveAreas(0.5, map[string]AreaOverride{"ifo": {GroupTitle: s("Liknande kommuner")}}); err == nil {
		t.Fatal("a group_title that names no area accepted")
	}
}
