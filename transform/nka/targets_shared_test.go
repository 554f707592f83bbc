package nka

import (
	"encoding/json"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/testkit/repo"

	"github.com/rs/zerolog"

	"github.com/nyckeltal/nyckeltal/connectors/kolada"
	"github.com/nyckeltal/nyckeltal/connectors/kolada/koladafake"
	"github.com/nyckeltal/nyckeltal/internal/store"
)

// hoorInvanare are illustrative invånare (N01951) of Höör, of its size but
// not SCB's figures: the snapshot holds no N01951. Other municipalities get
// illustrative values from their id (invanareOf).
var hoorInvanare = map[int]float64{2018: 16200, 2019: 16400, 2020: 16550, 2021: 16700, 2022: 16900, 2023: 17050, 2024: 17180, 2025: 17300}

func invanareOf(id string, year int) float64 {
	if id == "1267" {
		return hoorInvanare[year]
	}
	n := 0
	for _, c := range id {
		n = n*10 + int(c-'0')
	}
	return float64(8000 + (n%89)*400 + (year-2018)*50)
}

// costQualityValues are illustrative 2024 values, in Kolada's ranges, of the
// kostnad och kvalitet KPIs for Höör and the members of G176571 (the snapshot
// has none of them): Höör, Älmhult, Skurup, Stenungsund, Vårgårda, Hammarö,
// Lekeberg, Kumla. nil: no value.
var costQualityIDs = []string{"1267", "0765", "1264", "1415", "1442", "1761", "1814", "1881"}

var costQualityValues = map[string][]*float64{
	"N20048": {f(228400), f(236100), f(219800), f(251300), f(207600), f(244900), f(232700), f(226500)},
	"N21006": {f(312500), f(287400), f(341200), f(298800), f(265900), f(330100), f(276300), f(301700)},
	"N21024": {f(61200), f(58300), f(66800), f(49900), f(54700), f(63400), f(57100), f(60800)},
	"U21468": {f(86), f(89), f(84), f(91), f(88), nil, f(90), f(87)},
	"N23009": {f(912300), f(874600), f(951200), f(889900), f(842100), f(968400), f(901800), f(877300)},
	"N23001": {f(118400), f(109900), f(124300), f(131700), f(99800), f(115600), f(121200), f(112500)},
	"U23471": {f(79), f(83), nil, f(85), f(81), f(78), nil, f(84)},
}

// constructedGroup2025 is a 2025 äldreomsorg group of Höör that the snapshot
// does not have (Kumla replaced by Svedala), so that "liknande:2024" can be
// told apart from the year's own group.
var constructedGroup2025 = koladafake.Group{ID: "G176999", Title: "Liknande kommuner äldreomsorg, Höör, 2025",
	Members: []koladafake.Member{{ID: "0765"}, {ID: "1264"}, {ID: "1415"}, {ID: "1442"}, {ID: "1761"}, {ID: "1814"}, {ID: "1263"}}}

// catalogueKPIs reads the metadata of ids from Kolada's KPI catalogue.
func catalogueKPIs(t *testing.T, path string, ids []string) []json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var all []json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var out []json.RawMessage
	for _, raw := range all {
		var head struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(raw, &head) == nil && want[head.ID] {
			out = append(out, raw)
			delete(want, head.ID)
		}
	}
	if len(want) > 0 {
		t.Fatalf("the catalogue lacks %v", want)
	}
	return out
}

// snapshotWithExtras loads the real snapshot (Källa: Kolada) with the
// illustrative invånare, kostnad och kvalitet values and the constructed
// 2025 group above, ingested by the real connector. It skips without ../shared.
func snapshotWithExtras(t *testing.T) *Engine {
	t.Helper()
	dir := repo.Shared("kolada")
	if _, err := os.Stat(filepath.Join(dir, "data.json")); err != nil {
		t.Skip("no ../shared/kolada snapshot beside the repository")
	}
	changed := snapshotDay.AddDate(0, 0, -1)
	ds, err := koladafake.LoadDir(dir, changed)
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range catalogueKPIs(t, filepath.Join(dir, "kpi_catalogue.json"), append([]string{PopulationKPI}, CostQualityKPIs()...)) {
		if err := ds.AddKPI(raw); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range ds.Municipalities {
		if m.ID == "0000" {
			continue
		}
		for y := 2018; y <= 2025; y++ {
			v := invanareOf(m.ID, y)
			ds.Values[koladafake.Key{KPI: PopulationKPI, Unit: m.ID, Year: y, Gender: "T"}] = &koladafake.Value{Value: &v, Count: 1, Changed: changed}
		}
	}
	for kpi, vs := range costQualityValues {
		for i, id := range costQualityIDs {
			if vs[i] != nil {
				ds.Values[koladafake.Key{KPI: kpi, Unit: id, Year: 2024, Gender: "T"}] = &koladafake.Value{Value: vs[i], Count: 1, Changed: changed}
			}
		}
		// Höör also in 2023, so that the latest year is the one shown
		old := *vs[0] * 0.97
		ds.Values[koladafake.Key{KPI: kpi, Unit: "1267", Year: 2023, Gender: "T"}] = &koladafake.Value{Value: &old, Count: 1, Changed: changed}
	}
	ds.Groups = append(ds.Groups, constructedGroup2025)
	ts := httptest.NewServer(koladafake.New(ds))
	t.Cleanup(ts.Close)
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "hoor.duckdb"), store.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	client := kolada.NewClient(kolada.ClientConfig{UserAgent: "nyckeltal-test", RateLimit: 10000, Timeout: 10 * time.Second,
		MaxAttempts: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond, Logger: zerolog.Nop()})
	if _, err := kolada.Ingest(t.Context(), st, client, kolada.Options{BaseURL: ts.URL + "/v3",
		KPIs: append(AreaKPIs(BuiltinAreas), CostQualityKPIs()...), Years: []int{2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025},
		Groups: true, PerPage: 5000, Margin: time.Hour, Now: func() time.Time { return snapshotDay }, Logger: zerolog.Nop()}); err != nil {
		t.Fatal(err)
	}
	return &Engine{Store: st, Areas: BuiltinAreas}
}

// TestComparatorsTargetsAndTrendsOnTheSnapshot checks the comparison sets,
// targets and peer trends on real values of Höör's äldreomsorg (Källa:
// Kolada). The expected figures were computed independently with python3
// from ../shared/kolada/data.json (values of gender T):
//
//	Höör 2024: N20900 13.3558 %, N20029 30.249796 mnkr → reference cost
//	  30.249796 / 0.133558 = 226.49183126431961 mnkr
//	lan (the 32 other municipalities of Skåne, ids 12xx): mean of their
//	  N20900 2024 = −1.411684375; gap 14.767484375 pp, 33.44714579260977 mnkr;
//	  median −0.02305
//	p25 of G176571 2024, sorted −13.3014, 3.0094, 5.6534, 8.6853, 9.5479,
//	  17.6943, 18.3009: h = 6 × 0.25 = 1.5 → 3.0094 + 0.5 × (5.6534 − 3.0094)
//	  = 4.3314; gap 9.0244 pp, 20.43952882061726 mnkr
//	share:0.5 of the gap to the mean 7.084257142857142: 13.3558 − 0.5 ×
//	  (13.3558 − 7.084257142857142) = 10.220028571428571; gap
//	  3.135771428571429 pp, 7.102266132834747 mnkr
//	linear:3 to 2027, the members' means 2022–2024 6.056728571428572,
//	  7.120257142857143, 7.084257142857142: mean year 2023, mean
//	  6.753747619047618, slope (7.084257142857142 − 6.056728571428572) / 2 =
//	  0.5137642857142852 pp per year → 2027: 6.753747619047618 + 4 ×
//	  0.5137642857142852 = 8.80880476190476; gap 4.54699523809524 pp,
//	  10.298572782263319 mnkr
//	liknande:2024 in 2025: G176571's members' mean 2025 = 5.297385714285714,
//	  where the year's own (constructed) group G176999 gives 2.769914285714286
//	own group skane_sma (Svalöv 23.2838, Bjuv −1.6103, Sjöbo −0.3275, Hörby
//	  3.034, Tomelilla −17.0981) 2024: mean 1.45638; its per-year variant
//	  (2022: Svalöv, Bjuv, Sjöbo; 2024: all five) gives 17.296366666666668
//	  for 2022, 16.6452 for 2023 (the 2022 list) and 1.45638 for 2024
//	kr/inv (illustrative invånare 17 180 in 2024): gap against the mean
//	  14.204532265669494 mnkr × 10⁶ / 17 180 = 826.806302...; the sparbeting
//	  14 205 tkr × 1 000 / 17 180 = 826.833527...
func TestComparatorsTargetsAndTrendsOnTheSnapshot(t *testing.T) {
	e := snapshotWithExtras(t)
	e.OwnGroups = []OwnGroup{
		{Name: "skane_sma", Title: "Små kommuner i Skåne", Members: map[int][]string{0: {"1214", "1260", "1265", "1266", "1270"}}},
		{Name: "beslut", Title: "Beslutad jämförelse", Members: map[int][]string{2022: {"1214", "1260", "1265"}, 2024: {"1214", "1260", "1265", "1266", "1270"}}},
	}
	const ref = 226.49183126431961
	tests := []struct {
		name                     string
		q                        Query
		year                     int
		comparator, gap, gapMnkr float64
		members, count           int
		group, textHas, target   string
	}{
		{"lan mean", Query{Comparator: "lan"}, 2024, -1.411684375, 14.767484375, 33.44714579260977, 32, 32, "lan12", "övriga kommuner i Skåne län", "mean"},
		{"län median", Query{Comparator: "län", Target: "median"}, 2024, -0.02305, 13.37885, 13.37885 / 100 * ref, 32, 32, "lan12", "medianen för övriga kommuner i Skåne län", "median"},
		{"p25", Query{Target: "p25"}, 2024, 4.3314, 9.0244, 20.43952882061726, 7, 7, "G176571", "25:e percentilen för liknande kommuner (G176571) 2024", "p25"},
		{"share", Query{Target: "share:0.5"}, 2024, 10.220028571428571, 3.135771428571429, 7.102266132834747, 7, 7, "G176571", "50 % av avståndet till medelvärdet", "share:0.5"},
		{"linear:3", Query{PeerTrend: "linear:3", TargetYear: 2027}, 2024, 8.80880476190476, 4.54699523809524, 10.298572782263319, 7, 7, "G176571",
			"framskrivet till 2027 med linjär trend över 3 år (2022–2024)", "mean"},
		{"hold", Query{TargetYear: 2027}, 2024, 7.084257142857142, 6.271542857142858, 14.204532265669494, 7, 7, "G176571", "2024, antaget oförändrat till 2027", "mean"},
		{"liknande:2024 in 2025", Query{Comparator: "liknande:2024"}, 2025, 5.297385714285714, 2.0234 - 5.297385714285714, math.NaN(), 7, 7, "G176571",
			"liknande kommuner enligt gruppen för 2024 (G176571) 2025", "mean"},
		{"the 2025 group in 2025", Query{}, 2025, 2.769914285714286, 2.0234 - 2.769914285714286, math.NaN(), 7, 7, "G176999", "(G176999) 2025", "mean"},
		{"own group", Query{Comparator: "skane_sma"}, 2024, 1.45638, 13.3558 - 1.45638, (13.3558 - 1.45638) / 100 * ref, 5, 5, "skane_sma",
			"den egna jämförelsegruppen skane_sma (Små kommuner i Skåne)", "mean"},
		{"own group per year 2022", Query{Comparator: "beslut"}, 2022, 17.296366666666668, math.NaN(), math.NaN(), 3, 3, "beslut", "beslut", "mean"},
		{"own group per year 2023", Query{Comparator: "beslut"}, 2023, 16.6452, math.NaN(), math.NaN(), 3, 3, "beslut", "beslut", "mean"},
		{"own group per year 2024", Query{Comparator: "beslut"}, 2024, 1.45638, math.NaN(), math.NaN(), 5, 5, "beslut", "beslut", "mean"},
	}
	near := func(t *testing.T, name string, got *float64, want float64) {
		t.Helper()
		if math.IsNaN(want) {
			return
		}
		if got == nil || math.Abs(*got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.q
			q.Municipalities, q.Areas, q.Years = []string{"1267"}, []string{"aldreomsorg"}, []int{tt.year}
			rows := gapRows(t, e, q)
			if len(rows) != 1 {
				t.Fatalf("%d rows", len(rows))
			}
			r := rows[0]
			near(t, "comparator_pct", r.ComparatorPct, tt.comparator)
			near(t, "gap_pp", r.GapPP, tt.gap)
			near(t, "gap_mnkr", r.GapMnkr, tt.gapMnkr)
			if r.ComparatorMembers != tt.members || r.ComparatorCount != tt.count || deref(r.ComparatorGroup) != tt.group ||
				!strings.Contains(deref(r.ComparatorText), tt.textHas) || r.Target != tt.target {
				t.Errorf("members %d count %d group %s text %q target %s", r.ComparatorMembers, r.ComparatorCount, deref(r.ComparatorGroup),
					deref(r.ComparatorText), r.Target)
			}
			// the peers' mean and median are always the year's Liknande kommuner group's
			if tt.year == 2024 {
				near(t, "peer_mean_pct", r.PeerMeanPct, 7.084257142857142)
			}
		})
	}

	// the trend's points and slope, as explain shows them
	rows := gapRows(t, e, Query{Municipalities: []string{"1267"}, Areas: []string{"aldreomsorg"}, Years: []int{2024}, PeerTrend: "linear:3",
		TargetYear: 2027, Detail: true})
	r := rows[0]
	if len(r.TrendPoints) != 3 || r.TrendPoints[0].Year != 2022 || r.TrendPoints[2].MembersWithValue != 7 {
		t.Fatalf("trend points %+v", r.TrendPoints)
	}
	near(t, "trend 2022", r.TrendPoints[0].Pct, 6.056728571428572)
	near(t, "trend 2023", r.TrendPoints[1].Pct, 7.120257142857143)
	near(t, "slope", r.TrendSlopePP, 0.5137642857142852)
	near(t, "comparator_stat_pct", r.ComparatorStatPct, 7.084257142857142)
	if *r.TrendFromYear != 2022 || *r.TrendToYear != 2024 {
		t.Errorf("trend years %d–%d", *r.TrendFromYear, *r.TrendToYear)
	}

	// kr per invånare
	rows = gapRows(t, e, Query{Municipalities: []string{"1267"}, Areas: []string{"aldreomsorg"}, Years: []int{2024}})
	near(t, "population", rows[0].Population, 17180)
	near(t, "gap_kr_per_inv", rows[0].GapKrPerInv, 14.204532265669494e6/17180)
	s, err := e.Sparbeting(t.Context(), SparbetingRequest{Municipality: "1267", Areas: []string{"aldreomsorg", "ifo"}, BaseYear: 2024,
		Profile: Profile{Name: "even"}})
	if err != nil {
		t.Fatal(err)
	}
	if *s.TotalTkr != 14205 {
		t.Fatalf("total %d", *s.TotalTkr)
	}
	near(t, "total_kr_per_inv", s.TotalKrPerInv, 14205e3/17180)
	near(t, "2026 kr_per_inv", s.PerYear[0].KrPerInv, 14205e3/17180)
	near(t, "äldreomsorg counted_kr_per_inv", s.Areas[0].CountedKrPerInv, 14204.532265669494e3/17180)
	near(t, "IFO counted_kr_per_inv", s.Areas[1].CountedKrPerInv, 0)
	if !strings.Contains(s.Assumption, "ligger kvar på 2024 års nivå till 2027") {
		t.Errorf("assumption %q", s.Assumption)
	}

	// the same sparbeting with a target and a trend: äldreomsorg 10 298.572782263319 tkr, IFO below
	s, err = e.Sparbeting(t.Context(), SparbetingRequest{Municipality: "1267", Areas: []string{"aldreomsorg", "ifo"}, BaseYear: 2024,
		Profile: Profile{Name: "even"}, PeerTrend: "linear:3"})
	if err != nil {
		t.Fatal(err)
	}
	if *s.TotalTkr != 10299 || s.PeerTrend != "linear:3" || !strings.Contains(s.Assumption, "linjära trend (minsta kvadrat) över de 3 åren 2022–2024 fram till 2027") {
		t.Fatalf("total %d trend %s assumption %q", *s.TotalTkr, s.PeerTrend, s.Assumption)
	}
	// and closing half of it: 10 298.572782263319 / 2 = 5 149.286391131659 → 5 149 tkr
	s, err = e.Sparbeting(t.Context(), SparbetingRequest{Municipality: "1267", Areas: []string{"aldreomsorg", "ifo"}, BaseYear: 2024,
		Profile: Profile{Name: "even"}, PeerTrend: "linear:3", Target: "share:0.5"})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "share of the trend", s.Areas[0].CountedTkr, 5149.286391131659)
	if *s.TotalTkr != 5149 || !strings.Contains(s.Assumption, "sluta 50 % av avståndet till medelvärdet för liknande kommuner") {
		t.Fatalf("total %d assumption %q", *s.TotalTkr, s.Assumption)
	}
}

// TestCostQualityOnTheSnapshot: kostnad och kvalitet per verksamhet for Höör
// 2024 against G176571, on the illustrative values above (the snapshot has
// none), computed independently with python3 (mean over the members with a
// value; statistics.median):
//
//	N20048 228 400 vs mean 231 271.42857142858 (7), median 232 700, −1.241583791463341 %
//	N21006 312 500 vs 300 200 (7), median 298 800, +4.097268487674888 %
//	N21024  61 200 vs  58 714.28571428572 (7), median 58 300, +4.233576642335768 %
//	U21468      86 vs  88.16666666666667 (6 of 7: Hammarö none), median 88.5
//	N23009 912 300 vs 900 757.1428571428 (7), median 889 900
//	N23001 118 400 vs 116 428.57142857143 (7), median 115 600
//	U23471      79 vs  82.2 (5 of 7: Skurup, Lekeberg none), median 83
func TestCostQualityOnTheSnapshot(t *testing.T) {
	e := snapshotWithExtras(t)
	cq, err := e.CostQuality(t.Context(), "1267", "mean", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		own, mean, median float64
		count             int
		missing           string
	}{
		"N20048": {228400, 231271.42857142858, 232700, 7, ""},
		"N21006": {312500, 300200, 298800, 7, ""},
		"N21024": {61200, 58714.28571428572, 58300, 7, ""},
		"U21468": {86, 88.16666666666667, 88.5, 6, "Hammarö"},
		"N23009": {912300, 900757.1428571428, 889900, 7, ""},
		"N23001": {118400, 116428.57142857143, 115600, 7, ""},
		"U23471": {79, 82.2, 83, 5, "Lekeberg, Skurup"},
	}
	if len(cq.Rows) != len(want) || cq.Municipality != "Höör" || cq.Gap == nil || cq.Gap.Year != 2024 {
		t.Fatalf("rows %d municipality %s gap %+v", len(cq.Rows), cq.Municipality, cq.Gap)
	}
	for _, r := range cq.Rows {
		w := want[r.KPI]
		if r.Year != 2024 || r.Own == nil || *r.Own != w.own || r.PeerCount != w.count || r.Members != 7 ||
			strings.Join(r.MissingPeers, ", ") != w.missing {
			t.Errorf("%s: year %d own %v count %d/%d missing %v", r.KPI, r.Year, r.Own, r.PeerCount, r.Members, r.MissingPeers)
			continue
		}
		if math.Abs(*r.PeerMean-w.mean) > 1e-9 || math.Abs(*r.PeerMedian-w.median) > 1e-9 ||
			math.Abs(*r.DiffPct-(w.own/w.mean-1)*100) > 1e-9 {
			t.Errorf("%s: mean %v median %v diff %v", r.KPI, *r.PeerMean, *r.PeerMedian, *r.DiffPct)
		}
		if r.KPITitle == "" {
			t.Errorf("%s has no title", r.KPI)
		}
	}
	if !strings.Contains(cq.Rows[4].Notes[0], "annat boende") {
		t.Errorf("N23009 note %v", cq.Rows[4].Notes)
	}
}
