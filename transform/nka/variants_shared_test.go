package nka

// TestRandomisedSnapshotVariants builds randomised variants of the real
// Kolada snapshot in ../shared/kolada (Källa: Kolada) and checks `gap` and
// `sparbeting` against an independent computation, written here in plain Go
// from the README's rules and from what the generator put into the variant —
// never from the code under test. Each variant has:
//
//   - a random focal municipality, sometimes renamed to a name with a space or
//     a hyphen (Upplands Väsby, Malung-Sälen);
//   - its groups of every area in two group years, titled in every spelling
//     RKA has used (cycled over the trials), sometimes with a second group of
//     the same area and year published later (a higher group number), and
//     sometimes a group without a year besides them;
//   - groups of its own that cannot be used (an unreadable year, an unknown
//     area, text before "Liknande kommuner"), decoy groups of other
//     municipalities, and groups naming municipalities the store lacks;
//   - peers without a value;
//   - each area's net cost per invånare and invånare, made consistent with the
//     NKA figures (net cost = reference cost + NKA mnkr, whole kronor per
//     invånare as Kolada rounds), so that the two reference-cost derivations
//     must agree where both exist and the second stands in near NKA 0.
//
// NYCKELTAL_VARIANTS sets the number of variants (default 6) and
// NYCKELTAL_VARIANT_SEED the first seed; a failure names its seed.

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/testkit/repo"

	"github.com/rs/zerolog"
	"golang.org/x/text/encoding/charmap"

	"github.com/nyckeltal/nyckeltal/connectors/kolada"
	"github.com/nyckeltal/nyckeltal/connectors/kolada/koladafake"
	"github.com/nyckeltal/nyckeltal/internal/store"
)

// variantArea is what the generator knows of an area, written down
// independently of BuiltinAreas.
type variantArea struct {
	slug, pct, mnkr, net string
	words                []string // how group titles write it
}

var variantAreas = []variantArea{
	{"aldreomsorg", "N20900", "N20029", "N20014", []string{"äldreomsorg", "Äldreomsorg", "vård och omsorg om äldre"}},
	{"ifo", "N30001", "N30026", "N30005", []string{"IFO", "individ- och familjeomsorg"}},
	{"lss", "N28018", "N28021", "N28016", []string{"LSS"}},
	{"forskola", "N11024", "N11038", "N11031", []string{"förskola"}},
	{"fritidshem", "N13020", "N13032", "N13027", []string{"fritidshem"}},
	{"grundskola", "N15001", "N15045", "N15028", []string{"grundskola"}},
	{"gymnasieskola", "N17001", "N17030", "N17014", []string{"gymnasieskola"}},
	{"overgripande", "N00097", "", "", []string{"övergripande", "Kommunen, övergripande"}},
}

const invanare = "N01951"

// titleSpellings write a dated group's title; %[1]s area, %[2]s municipality, %[3]d year.
var titleSpellings = []string{
	"Liknande kommuner %[1]s, %[2]s, %[3]d",
	"Liknande kommuner, %[1]s, %[2]s, %[3]d",
	"Liknande kommuner - %[1]s - %[2]s - %[3]d",
	"Liknande kommuner – %[1]s – %[2]s – %[3]d",
	"Liknande kommuner: %[1]s, %[2]s, %[3]d",
	"Liknande kommuner %[1]s %[2]s %[3]d",
	"Liknande kommuner-%[1]s, %[2]s, %[3]d",
	"Liknande  kommuner  %[1]s ,  %[2]s ,%[3]d",
	"Liknande\u00a0kommuner\u00a0%[1]s,\u00a0%[2]s,\u00a0%[3]d",
	"LIKNANDE KOMMUNER %[1]s, %[2]s, %[3]d",
	"liknande kommuner %[1]s, %[2]s, %[3]d",
	"Liknande kommuner %[1]s, %[2]s, år %[3]d",
	"Liknande kommuner %[1]s, %[2]s (%[3]d)",
	"Liknande kommuner %[1]s, %[2]s, %[3]d.",
	"Liknande kommuner %[1]s %[3]d, %[2]s",
	"Liknande kommuner (%[1]s) %[2]s %[3]d",
	"Liknande kommuner %[1]s, %[2]s\u200b, %[3]d ",
	"Liknande kommuner %[1]s, %[2]s kommun, %[3]d",
}

// spell writes a title in spelling i; every fifth is also double UTF-8 encoded.
func spell(i int, area, name string, year int) string {
	if strings.HasSuffix(titleSpellings[i%len(titleSpellings)], "kommun, %[3]d") && !strings.HasSuffix(name, "s") {
		name += "s" // Höörs kommun
	}
	s := fmt.Sprintf(titleSpellings[i%len(titleSpellings)], area, name, year)
	switch {
	case strings.HasPrefix(titleSpellings[i%len(titleSpellings)], "LIKNANDE"):
		s = strings.ToUpper(s)
	case strings.HasPrefix(titleSpellings[i%len(titleSpellings)], "liknande"):
		s = strings.ToLower(s)
	}
	if i%5 == 4 {
		s = doubleEncode(s)
	}
	return s
}

// doubleEncode mangles s as a UTF-8 text read as Windows-1252 and written as UTF-8 again.
func doubleEncode(s string) string {
	out, err := charmap.Windows1252.NewDecoder().String(s)
	if err != nil {
		panic(err)
	}
	return out
}

// renames are real municipality names the snapshot does not hold.
var renames = []string{"Upplands Väsby", "Malung-Sälen", "Dals-Ed", "Upplands-Bro", "Lilla Nordstan"}

// namesNotInStore name municipalities the store does not have (decoys).
var namesNotInStore = []string{"Tranås", "Vetlanda", "Mjölby", "Nybro"}

type genGroup struct {
	id, title string
	area      string // slug; "" when none
	year      int    // 0: none
	members   []string
	// expected fate: "" used (a candidate), else the status v_nka_group_problem gives
	status string
	focal  bool // seems to name the focal municipality
}

type variant struct {
	seed     int64
	ds       *koladafake.Dataset
	focal    string
	names    map[string]string // id → title
	groups   []genGroup
	prelim   map[string]func(year int) bool
	areaYear map[string][]int // area → years with values
}

func (v *variant) value(kpi, unit string, year int) *float64 {
	x, ok := v.ds.Values[koladafake.Key{KPI: kpi, Unit: unit, Year: year, Gender: "T"}]
	if !ok || x.Deleted {
		return nil
	}
	return x.Value
}

func TestRandomisedSnapshotVariants(t *testing.T) {
	dir := repo.Shared("kolada")
	if _, err := os.Stat(filepath.Join(dir, "data.json")); err != nil {
		t.Skip("no ../shared/kolada snapshot beside the repository")
	}
	catalogue := netCostCatalogue(t, filepath.Join(dir, "kpi_catalogue.json"))
	n, seed := 6, int64(20260816)
	if s := os.Getenv("NYCKELTAL_VARIANTS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	if s := os.Getenv("NYCKELTAL_VARIANT_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	for i := 0; i < n; i++ {
		s := seed + int64(i)
		t.Run(fmt.Sprintf("seed %d", s), func(t *testing.T) {
			v := makeVariant(t, dir, catalogue, s, i)
			checkVariant(t, v)
		})
	}
}

// netCostCatalogue reads the metadata of the net-cost KPIs and invånare
// from Kolada's KPI catalogue (the snapshot has no values of them).
func netCostCatalogue(t *testing.T, path string) []json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var all []json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{invanare: true}
	for _, a := range variantAreas {
		if a.net != "" {
			want[a.net] = true
		}
	}
	var out []json.RawMessage
	for _, raw := range all {
		var head struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(raw, &head) == nil && want[head.ID] {
			out = append(out, raw)
		}
	}
	if len(out) != len(want) {
		t.Fatalf("the catalogue has %d of the %d net-cost KPIs", len(out), len(want))
	}
	return out
}

func makeVariant(t *testing.T, dir string, catalogue []json.RawMessage, seed int64, trial int) *variant {
	t.Helper()
	rng := rand.New(rand.NewSource(seed))
	ds, err := koladafake.LoadDir(dir, snapshotDay.AddDate(0, 0, -1))
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range catalogue {
		if err := ds.AddKPI(raw); err != nil {
			t.Fatal(err)
		}
	}
	v := &variant{seed: seed, ds: ds, names: map[string]string{}, prelim: map[string]func(int) bool{}, areaYear: map[string][]int{}}
	var ids []string
	for _, m := range ds.Municipalities {
		if m.ID != "0000" {
			ids = append(ids, m.ID)
		}
	}
	sort.Strings(ids)
	v.focal = ids[rng.Intn(len(ids))]
	for i := range ds.Municipalities {
		m := &ds.Municipalities[i]
		if m.ID == v.focal && rng.Intn(2) == 0 {
			m.Title = renames[rng.Intn(len(renames))]
		}
		v.names[m.ID] = m.Title
	}
	focalName := v.names[v.focal]
	// preliminary, by the rule of the README: the year at or after publ_period
	// while today is before publication_date
	for _, raw := range ds.KPIs {
		var k struct {
			ID          string `json:"id"`
			PublPeriod  string `json:"publ_period"`
			Publication string `json:"publication_date"`
		}
		if err := json.Unmarshal(raw, &k); err != nil {
			t.Fatal(err)
		}
		publ, _ := strconv.Atoi(k.PublPeriod)
		pub, err := time.Parse(time.DateOnly, k.Publication)
		day := time.Date(snapshotDay.Year(), snapshotDay.Month(), snapshotDay.Day(), 0, 0, 0, 0, time.UTC)
		before := err == nil && day.Before(pub)
		v.prelim[k.ID] = func(y int) bool { return publ > 0 && y >= publ && before }
	}

	// some peers lose their value
	for k := range ds.Values {
		if k.Unit != v.focal && rng.Float64() < 0.06 {
			delete(ds.Values, k)
		}
	}
	// invånare and net cost per invånare, consistent with the NKA figures
	for _, id := range ids {
		base := 8000 + rng.Float64()*90000
		for y := 2018; y <= 2025; y++ {
			inv := math.Round(base * (1 + 0.006*float64(y-2018)))
			ds.Values[koladafake.Key{KPI: invanare, Unit: id, Year: y, Gender: "T"}] = &koladafake.Value{Value: &inv, Count: 1, Changed: snapshotDay.AddDate(0, 0, -1)}
		}
		for _, a := range variantAreas {
			if a.net == "" {
				continue
			}
			refs := map[int]float64{}
			var stable []float64
			for y := 2018; y <= 2025; y++ {
				pct, mnkr := v.value(a.pct, id, y), v.value(a.mnkr, id, y)
				if pct != nil && mnkr != nil && math.Abs(*pct) >= 0.5 {
					refs[y] = *mnkr / (*pct / 100)
					stable = append(stable, refs[y])
				}
			}
			for y := 2018; y <= 2025; y++ {
				mnkr := v.value(a.mnkr, id, y)
				if mnkr == nil || v.value(a.pct, id, y) == nil || len(stable) == 0 || rng.Float64() < 0.05 {
					continue // sometimes no net cost: the reference cost may stay unknown
				}
				ref, ok := refs[y]
				if !ok { // near 0: a reference cost between the stable years'
					ref = mean(stable)
				}
				inv := *v.value(invanare, id, y)
				krPerInv := math.Round((ref + *mnkr) * 1e6 / inv)
				ds.Values[koladafake.Key{KPI: a.net, Unit: id, Year: y, Gender: "T"}] = &koladafake.Value{Value: &krPerInv, Count: 1, Changed: snapshotDay.AddDate(0, 0, -1)}
			}
		}
	}

	// the groups: the snapshot's are replaced by generated ones
	ds.Groups = nil
	next := 500000 + rng.Intn(1000)
	newID := func() string { next += 1 + rng.Intn(50); return "G" + strconv.Itoa(next) }
	members := func() []string {
		var out []string
		for _, i := range rng.Perm(len(ids)) {
			if ids[i] != v.focal {
				out = append(out, ids[i])
			}
			if len(out) == 7 {
				break
			}
		}
		return out
	}
	add := func(g genGroup) {
		v.groups = append(v.groups, g)
		kg := koladafake.Group{ID: g.id, Title: g.title}
		for _, m := range g.members {
			kg.Members = append(kg.Members, koladafake.Member{ID: m, Title: v.names[m]})
		}
		ds.Groups = append(ds.Groups, kg)
	}
	k := trial * 17
	for _, a := range variantAreas {
		y1 := 2018 + rng.Intn(7)
		y2 := y1 + 1 + rng.Intn(2025-y1)
		for _, y := range []int{y1, y2} {
			word := a.words[rng.Intn(len(a.words))]
			k++
			g := genGroup{id: newID(), title: spell(k, word, focalName, y), area: a.slug, year: y, members: members(), focal: true}
			if y == y2 && rng.Intn(4) == 0 {
				// a second group of the same area, municipality and year, published later
				g.status = "superseded"
				add(g)
				k++
				g = genGroup{id: newID(), title: spell(k, word, focalName, y), area: a.slug, year: y, members: members(), focal: true}
			}
			add(g)
		}
		if rng.Intn(5) == 0 {
			add(genGroup{id: newID(), title: fmt.Sprintf("Liknande kommuner %s, %s", a.words[0], focalName), area: a.slug,
				members: members(), status: "yearless_unused", focal: true})
		}
		// decoys: another municipality's group of the area
		other := ids[rng.Intn(len(ids))]
		if other != v.focal {
			k++
			add(genGroup{id: newID(), title: spell(k, a.words[0], v.names[other], 2018+rng.Intn(8)), area: a.slug, members: members()})
		}
	}
	// groups of the focal municipality that cannot be used
	area := variantAreas[rng.Intn(len(variantAreas))]
	add(genGroup{id: newID(), title: fmt.Sprintf("Liknande kommuner %s, %s, 20%dx", area.words[0], focalName, rng.Intn(10)),
		area: area.slug, members: members(), status: "unreadable", focal: true})
	add(genGroup{id: newID(), title: fmt.Sprintf("Liknande kommuner hemtjänst, %s, 2024", focalName), members: members(),
		status: "area_unknown", focal: true})
	if rng.Intn(2) == 0 {
		add(genGroup{id: newID(), title: fmt.Sprintf("RKA: Liknande kommuner %s, %s, 2023", area.words[0], focalName), members: members(),
			status: "unreadable", focal: true})
	}
	// groups naming municipalities the store lacks, and a group that is no peer group
	add(genGroup{id: newID(), title: spell(rng.Intn(len(titleSpellings)), "IFO", namesNotInStore[rng.Intn(len(namesNotInStore))], 2024),
		members: members(), status: "unreadable"})
	add(genGroup{id: newID(), title: "Kommungruppsindelning 2017: Pendlingskommun nära större stad", members: members()})

	for _, a := range variantAreas {
		seen := map[int]bool{}
		for key := range ds.Values {
			if (key.KPI == a.pct || (a.mnkr != "" && key.KPI == a.mnkr)) && !seen[key.Year] {
				seen[key.Year] = true
				v.areaYear[a.slug] = append(v.areaYear[a.slug], key.Year)
			}
		}
		sort.Ints(v.areaYear[a.slug])
	}
	return v
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// expectedRow is the independent computation of one gap row.
type expectedRow struct {
	group                   string
	groupYear               int
	choice                  string
	members, count          int
	missing                 []string
	pct, mnkr, mean, median *float64
	cmp, gap, ref, gapMnkr  *float64
	estimated               bool
	prelim                  bool
}

func fp(x float64) *float64 { return &x }

// chosen is the README's rule: the group of the latest year ≤ Y, else the
// earliest later one; of two groups of one year, the later published (the
// higher number, all stored by one load); a group without a year only when
// there is no other.
func (v *variant) chosen(area string, year int) *genGroup {
	var best *genGroup
	for i := range v.groups {
		g := &v.groups[i]
		if !g.focal || g.area != area || g.status != "" || g.year == 0 {
			continue
		}
		if best == nil {
			best = g
			continue
		}
		better := false
		switch {
		case g.year <= year && best.year > year:
			better = true
		case g.year <= year && best.year <= year:
			better = g.year > best.year
		case g.year > year && best.year > year:
			better = g.year < best.year
		}
		if better {
			best = g
		}
	}
	return best
}

func (v *variant) expect(a variantArea, year int, comparator string) expectedRow {
	g := v.chosen(a.slug, year)
	e := expectedRow{group: g.id, groupYear: g.year, members: len(g.members), missing: []string{}}
	switch {
	case g.year == year:
		e.choice = "same_year"
	case g.year < year:
		e.choice = "latest_earlier"
	default:
		e.choice = "later_group"
	}
	e.pct = v.value(a.pct, v.focal, year)
	if a.mnkr != "" {
		e.mnkr = v.value(a.mnkr, v.focal, year)
	}
	e.prelim = (e.pct != nil && v.prelim[a.pct](year)) || (e.mnkr != nil && v.prelim[a.mnkr](year))
	var xs []float64
	for _, m := range g.members {
		if x := v.value(a.pct, m, year); x != nil {
			xs = append(xs, *x)
			e.prelim = e.prelim || v.prelim[a.pct](year)
		} else {
			e.missing = append(e.missing, v.names[m])
		}
	}
	sort.Strings(e.missing)
	e.count = len(xs)
	if len(xs) > 0 {
		e.mean, e.median = fp(mean(xs)), fp(median(xs))
	}
	switch comparator {
	case ComparatorMean:
		e.cmp = e.mean
	case ComparatorMedian:
		e.cmp = e.median
	case ComparatorRiket:
		e.cmp = fp(0)
	}
	if e.pct != nil && e.cmp != nil {
		e.gap = fp(*e.pct - *e.cmp)
	}
	// the reference cost: Kolada's quotient where |NKA %| ≥ 0.5 and the signs
	// agree, else net cost × invånare − NKA mnkr
	if e.pct != nil && e.mnkr != nil {
		if *e.pct != 0 && math.Abs(*e.pct) >= 0.5 && math.Signbit(*e.pct) == math.Signbit(*e.mnkr) {
			e.ref = fp(*e.mnkr / (*e.pct / 100))
		} else if net, inv := v.value(a.net, v.focal, year), v.value(invanare, v.focal, year); a.net != "" && net != nil && inv != nil {
			e.ref, e.estimated = fp(*net**inv/1e6-*e.mnkr), true
			e.prelim = e.prelim || v.prelim[a.net](year) || v.prelim[invanare](year)
		}
	}
	if e.gap != nil && e.ref != nil {
		e.gapMnkr = fp(*e.gap / 100 * *e.ref)
	}
	return e
}

func sameNum(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return math.Abs(*a-*b) <= 1e-9*math.Max(1, math.Abs(*b))
}

func checkVariant(t *testing.T, v *variant) {
	ts := httptest.NewServer(koladafake.New(v.ds))
	defer ts.Close()
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "variant.duckdb"), store.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	client := kolada.NewClient(kolada.ClientConfig{UserAgent: "nyckeltal-test", RateLimit: 10000, Timeout: 10 * time.Second,
		MaxAttempts: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond, Logger: zerolog.Nop()})
	if _, err := kolada.Ingest(t.Context(), st, client, kolada.Options{BaseURL: ts.URL + "/v3", KPIs: AreaKPIs(BuiltinAreas),
		Years: []int{2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025}, Groups: true, PerPage: 5000, Margin: time.Hour,
		Now: func() time.Time { return snapshotDay }, Logger: zerolog.Nop()}); err != nil {
		t.Fatal(err)
	}
	e := &Engine{Store: st, Areas: BuiltinAreas}
	rng := rand.New(rand.NewSource(v.seed))
	comparator := []string{ComparatorMean, ComparatorMean, ComparatorMedian, ComparatorRiket}[rng.Intn(4)]
	t.Logf("focal %s %q, comparator %s, %d groups", v.focal, v.names[v.focal], comparator, len(v.groups))

	res, err := e.Gap(t.Context(), Query{Municipalities: []string{v.focal}, Comparator: comparator})
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]GapRow{}
	for _, r := range res.Rows {
		rows[r.Area+"/"+strconv.Itoa(r.Year)] = r
	}
	want := 0
	for _, a := range variantAreas {
		for _, y := range v.areaYear[a.slug] {
			want++
			r, ok := rows[a.slug+"/"+strconv.Itoa(y)]
			if !ok {
				t.Errorf("%s %d: no row", a.slug, y)
				continue
			}
			x := v.expect(a, y, comparator)
			got := []*float64{r.NKAPct, r.NKAMnkr, r.PeerMeanPct, r.PeerMedianPct, r.ComparatorPct, r.GapPP, r.ReferenceCostMnkr, r.GapMnkr}
			exp := []*float64{x.pct, x.mnkr, x.mean, x.median, x.cmp, x.gap, x.ref, x.gapMnkr}
			for i := range got {
				if !sameNum(got[i], exp[i]) {
					t.Errorf("%s %d: pct, mnkr, mean, median, comparator, gap, ref, gap_mnkr = %s, want %s\nnote: %s", a.slug, y,
						nums(got), nums(exp), r.Note)
					break
				}
			}
			if deref(r.PeerGroupID) != x.group || r.PeerGroupYear == nil || *r.PeerGroupYear != x.groupYear ||
				deref(r.GroupChoice) != x.choice || r.PeerMembers != x.members || r.PeerCount != x.count ||
				!slices.Equal(r.MissingPeers, x.missing) || r.ReferenceCostEstimated != x.estimated || r.Preliminary != x.prelim {
				t.Errorf("%s %d: group %s (%v, %s) members %d/%d missing %v estimated %v prelim %v;\n want %s (%d, %s) %d/%d %v %v %v",
					a.slug, y, deref(r.PeerGroupID), r.PeerGroupYear, deref(r.GroupChoice), r.PeerCount, r.PeerMembers, r.MissingPeers,
					r.ReferenceCostEstimated, r.Preliminary, x.group, x.groupYear, x.choice, x.count, x.members, x.missing, x.estimated, x.prelim)
			}
			// both derivations agree where both exist: net cost per invånare is rounded to whole kronor
			if r.ReferenceCostRatioMnkr != nil && r.ReferenceCostNetMnkr != nil {
				inv := *v.value(invanare, v.focal, y)
				if d := math.Abs(*r.ReferenceCostRatioMnkr - *r.ReferenceCostNetMnkr); d > 0.5*inv/1e6+1e-9 {
					t.Errorf("%s %d: the derivations differ by %v mnkr: %v and %v", a.slug, y, d, *r.ReferenceCostRatioMnkr, *r.ReferenceCostNetMnkr)
				}
			}
			v.checkNotes(t, a.slug, y, r)
		}
	}
	if len(res.Rows) != want {
		t.Errorf("%d rows, want %d", len(res.Rows), want)
	}
	v.checkProblems(t, e)
	v.checkSparbeting(t, e, rng, comparator)
}

func nums(ps []*float64) string {
	var out []string
	for _, p := range ps {
		out = append(out, num(p))
	}
	return strings.Join(out, ", ")
}

// checkNotes: a row names every group that seems to be the focal
// municipality's of its area (or of no known area) but is not used, the
// passed-over group of a conflict, and the groups that name no municipality.
func (v *variant) checkNotes(t *testing.T, area string, year int, r GapRow) {
	chosen := v.chosen(area, year)
	for _, g := range v.groups {
		switch {
		case !g.focal && g.status == "unreadable":
			if !strings.Contains(r.Note, "kan inte knytas till någon kommun") {
				t.Errorf("%s %d: the note does not say that some groups name no municipality: %q", area, year, r.Note)
			}
		case !g.focal || g.status == "":
		case g.status == "superseded":
			if g.area == area && g.year == chosen.year && !strings.Contains(r.Note, g.id) {
				t.Errorf("%s %d: the note does not name the passed-over %s: %q", area, year, g.id, r.Note)
			}
		case g.area == "" || g.area == area:
			if !strings.Contains(r.Note, g.id) {
				t.Errorf("%s %d: the note does not name %s %q (%s): %q", area, year, g.id, g.title, g.status, r.Note)
			}
		}
	}
}

// checkProblems: every group that cannot be used is reported, with the
// focal municipality where it seems to name it, and no group that is used.
func (v *variant) checkProblems(t *testing.T, e *Engine) {
	problems, err := e.GroupProblems(t.Context(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]GroupProblem{}
	for _, p := range problems {
		got[p.GroupID] = p
	}
	for _, g := range v.groups {
		p, reported := got[g.id]
		switch {
		case g.status == "" && reported:
			t.Errorf("%s %q is used but reported: %+v", g.id, g.title, p)
		case g.status != "" && !reported:
			t.Errorf("%s %q (%s) is not reported", g.id, g.title, g.status)
		case g.status != "" && p.Status != g.status:
			t.Errorf("%s %q: status %s, want %s (%s)", g.id, g.title, p.Status, g.status, p.Text)
		case g.status != "" && g.focal && p.MunicipalityID != v.focal:
			t.Errorf("%s %q: attributed to %q, want %s", g.id, g.title, p.MunicipalityID, v.focal)
		}
	}
	if len(got) != len(problems) {
		t.Errorf("a group reported twice: %+v", problems)
	}
}

// checkSparbeting sizes a random sparbeting and computes it independently:
// per area max(gap_mnkr, 0) in tkr (0 at or below the comparator even when
// the reference cost is unknown; otherwise unknown makes the total unknown),
// the total rounded to whole tkr, spread from base year + 2 (at most the
// year before the target) to the year before the target, the parts whole
// tkr by largest remainders.
func (v *variant) checkSparbeting(t *testing.T, e *Engine, rng *rand.Rand, comparator string) {
	base := 2019 + rng.Intn(7)
	target := base + 1 + rng.Intn(4)
	var areas []variantArea
	for _, i := range rng.Perm(7)[:1+rng.Intn(3)] {
		areas = append(areas, variantAreas[i])
	}
	profile := []string{"even", "front"}[rng.Intn(2)]
	p, _ := ParseProfile(profile)
	s, err := e.Sparbeting(t.Context(), SparbetingRequest{Municipality: v.focal, Areas: slugsOf(areas), BaseYear: base,
		Comparator: comparator, TargetYear: target, Profile: p})
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	known := true
	for i, a := range areas {
		x := v.expect(a, base, comparator)
		var counted *float64
		switch {
		case x.gapMnkr != nil:
			counted = fp(math.Max(*x.gapMnkr*1000, 0))
		case x.gap != nil && *x.gap <= 0:
			counted = fp(0)
		default:
			known = false
		}
		if counted != nil {
			sum += *counted
		}
		got := s.Areas[i]
		if got.Area != a.slug || !sameNum(got.CountedTkr, counted) || !sameNum(got.GapMnkr, x.gapMnkr) || deref(got.PeerGroupID) != x.group ||
			!sameNum(got.ComparatorPct, x.cmp) || got.ReferenceCostEstimated != x.estimated {
			t.Errorf("sparbeting %d %s: counted %s gap %s group %s comparator %s estimated %v; want %s %s %s %s %v", base, a.slug,
				num(got.CountedTkr), num(got.GapMnkr), deref(got.PeerGroupID), num(got.ComparatorPct), got.ReferenceCostEstimated,
				num(counted), num(x.gapMnkr), x.group, num(x.cmp), x.estimated)
		}
		if got.Note != "" && !strings.Contains(strings.Join(s.Notes, "\n"), got.Note) {
			t.Errorf("sparbeting %d: the notes lack %s's %q", base, a.slug, got.Note)
		}
	}
	if !known {
		if s.TotalTkr != nil || len(s.PerYear) != 0 {
			t.Errorf("sparbeting %d %v: total %v per year %v, want unknown", base, slugsOf(areas), s.TotalTkr, s.PerYear)
		}
		return
	}
	total := int64(math.Round(sum))
	start := min(base+2, target-1)
	var want []YearAmount
	n := target - start
	weights := make([]float64, n)
	var wsum float64
	for i := range weights {
		weights[i] = 1
		if profile == "front" {
			weights[i] = float64(n - i)
		}
		wsum += weights[i]
	}
	type rem struct {
		i int
		r float64
	}
	var rems []rem
	var given int64
	for i := range weights {
		share := float64(total) * weights[i] / wsum
		want = append(want, YearAmount{Year: start + i, Tkr: int64(math.Floor(share))})
		given += int64(math.Floor(share))
		rems = append(rems, rem{i, share - math.Floor(share)})
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for k := 0; given < total; k++ {
		want[rems[k].i].Tkr++
		given++
	}
	if s.TotalTkr == nil || *s.TotalTkr != total || !slices.Equal(tkrOnly(s.PerYear), want) {
		t.Errorf("sparbeting %d→%d %v %s: total %v per year %v; want %d %v", base, target, slugsOf(areas), profile, s.TotalTkr, s.PerYear, total, want)
	}
	if base+2 > target-1 && !strings.Contains(strings.Join(s.Notes, "\n"), "lämnar alltså inget budgetår") {
		t.Errorf("sparbeting %d→%d: the emptied glide path is not stated: %q", base, target, s.Notes)
	}
}

func slugsOf(areas []variantArea) []string {
	var out []string
	for _, a := range areas {
		out = append(out, a.slug)
	}
	return out
}
