package report

import (
	"bytes"
	"encoding/json"
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
	"github.com/nyckeltal/nyckeltal/transform/catalog"
	"github.com/nyckeltal/nyckeltal/transform/nka"
	"github.com/nyckeltal/nyckeltal/transform/tables"
)

// TestSharedSnapshotReport builds the built-in catalogue's tables and the
// report for Höör (1267) from the real Kolada snapshot (Källa: Kolada) in
// ../shared/kolada, served by the fake server and loaded by the connector. It
// skips without ../shared. The snapshot has the NKA family but no
// brukarbedömning and no costs per brukare: illustrative ones are added
// (addCostQuality) for kostnad och kvalitet. Expected figures (from data.json with python3): Höör's
// äldreomsorg NKA 2024 13.3558 % against the mean 7.084257142857142 of its
// seven peers in G176571, who rank it 6th of 8 (lower is better: Stenungsund,
// Älmhult, Hammarö, Kumla and Skurup are below it); the sparbeting of base
// year 2024 is 14 205 tkr (transform/nka's acceptance test).
func TestSharedSnapshotReport(t *testing.T) {
	dir := repo.Shared("kolada")
	if _, err := os.Stat(filepath.Join(dir, "data.json")); err != nil {
		t.Skip("no ../shared/kolada snapshot beside the repository")
	}
	day := time.Date(2026, 8, 16, 12, 0, 0, 0, time.UTC)
	ds, err := koladafake.LoadDir(dir, day.AddDate(0, 0, -1))
	if err != nil {
		t.Fatal(err)
	}
	addCostQuality(t, ds, filepath.Join(dir, "kpi_catalogue.json"), day.AddDate(0, 0, -1))
	ts := httptest.NewServer(koladafake.New(ds))
	defer ts.Close()
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "hoor.duckdb"), store.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := catalog.Load("")
	if err != nil {
		t.Fatal(err)
	}
	client := kolada.NewClient(kolada.ClientConfig{UserAgent: "nyckeltal-test", RateLimit: 10000, Timeout: 10 * time.Second,
		MaxAttempts: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond, Logger: zerolog.Nop()})
	kpis := append(append(nka.AreaKPIs(nka.BuiltinAreas), c.KoladaKPIs()...), nka.CostQualityKPIs()...)
	if _, err := kolada.Ingest(t.Context(), st, client, kolada.Options{BaseURL: ts.URL + "/v3", KPIs: kpis,
		Years: []int{2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025}, Groups: true, Catalogue: true, PerPage: 5000, Margin: time.Hour,
		Now: func() time.Time { return day }, Logger: zerolog.Nop()}); err != nil {
		t.Fatal(err)
	}
	eng := &nka.Engine{Store: st, Areas: nka.BuiltinAreas}
	profile, _ := nka.ParseProfile("even")
	r, err := (&Builder{Store: st, NKA: eng}).Build(t.Context(), Request{
		Tables:     tables.Request{Catalog: c, Municipality: "1267", HomeMunicipality: "1267", InterimEndMonth: 8},
		Sparbeting: nka.SparbetingRequest{Areas: []string{"aldreomsorg", "ifo"}, BaseYear: 2024, Comparator: nka.ComparatorMean, Profile: profile},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Sparbeting == nil || r.Sparbeting.TotalTkr == nil || *r.Sparbeting.TotalTkr != 14205 {
		t.Fatalf("sparbeting %+v, note %q", r.Sparbeting, r.SparbetingNote)
	}
	var nkaRow *tables.Row
	for _, it := range r.Tables.Indicators {
		if it.Indicator.Code != "2.3.01" {
			continue
		}
		for i := range it.Rows {
			if it.Rows[i].Period.Year == 2024 && it.Rows[i].Split.Kind == tables.Total {
				nkaRow = &it.Rows[i]
			}
		}
	}
	if nkaRow == nil || nkaRow.Value == nil || *nkaRow.Value != 13.3558 || nkaRow.Peers == nil ||
		nkaRow.Peers.GroupID != "G176571" || nkaRow.Peers.Rank != 6 || nkaRow.Peers.Of != 8 ||
		*nkaRow.Peers.Mean < 7.0842571 || *nkaRow.Peers.Mean > 7.0842572 {
		t.Fatalf("NKA äldreomsorg 2024: %+v %+v", nkaRow, nkaRow.Peers)
	}
	// the brukarbedömning added below (2024): särskilt boende Höör and 5 peers, hemtjänst Höör and 6
	for i, want := range []int{6, 7} {
		if sc := r.Scatters[i]; len(sc.Points) != want || sc.Year != 2024 {
			t.Fatalf("scatter %s: %d points in %d, want %d in 2024", sc.Def.Name, len(sc.Points), sc.Year, want)
		}
	}
	var page bytes.Buffer
	if err := r.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), `data-chart="nka-aldreomsorg"`) || !strings.Contains(page.String(), "14\u00a0205 tkr") {
		t.Fatal("the report of Höör lacks the äldreomsorg chart or the sparbeting")
	}
	// kostnad och kvalitet per verksamhet, hemtjänst per brukare 2024: Höör 312 500 against its peers' mean
	// (287 400 + 341 200 + 298 800 + 265 900 + 330 100 + 276 300 + 301 700) / 7 = 300 200 and median 298 800,
	// 312 500 / 300 200 − 1 = +4,1 %; the brukarbedömning särskilt boende over 5 of 7 (Skurup and Lekeberg none)
	cq := r.CostQuality
	if cq == nil || len(cq.Rows) != 7 || cq.Rows[1].KPI != "N21006" || cq.Rows[1].PeerMean == nil || *cq.Rows[1].PeerMean != 300200 {
		t.Fatalf("kostnad och kvalitet: %+v %s", cq, r.CostQualityNote)
	}
	for _, want := range []string{`id="verksamhet"`, "312\u00a0500", "300\u00a0200", "298\u00a0800", "4,1 %", "5 av 7",
		"Kostnad hemtjänst äldreomsorg, kr/hemtjänsttagare (N21006)", `id="berakning-aldreomsorg"`, "827 kr"} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("the report of Höör lacks %q", want)
		}
	}
}

// addCostQuality gives the snapshot what it lacks for kostnad och kvalitet
// per verksamhet and kr per invånare: the KPIs' metadata from Kolada's
// catalogue, illustrative 2024 values in Kolada's ranges for Höör and the
// members of G176571 (Höör, Älmhult, Skurup, Stenungsund, Vårgårda, Hammarö,
// Lekeberg, Kumla; nil: none), and Höör's illustrative 17 180 invånare 2024
// (so the sparbeting 14 205 tkr is 14 205 000 / 17 180 = 827 kr per invånare).
func addCostQuality(t *testing.T, ds *koladafake.Dataset, catalogue string, changed time.Time) {
	t.Helper()
	recs, err := koladafake.ReadCatalogue(catalogue)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{nka.PopulationKPI: true}
	for _, k := range nka.CostQualityKPIs() {
		want[k] = true
	}
	for _, raw := range recs {
		var head struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(raw, &head) == nil && want[head.ID] {
			if err := ds.AddKPI(raw); err != nil {
				t.Fatal(err)
			}
		}
	}
	f := func(x float64) *float64 { return &x }
	ids := []string{"1267", "0765", "1264", "1415", "1442", "1761", "1814", "1881"}
	values := map[string][]*float64{
		"N20048": {f(228400), f(236100), f(219800), f(251300), f(207600), f(244900), f(232700), f(226500)},
		"N21006": {f(312500), f(287400), f(341200), f(298800), f(265900), f(330100), f(276300), f(301700)},
		"N21024": {f(61200), f(58300), f(66800), f(49900), f(54700), f(63400), f(57100), f(60800)},
		"U21468": {f(86), f(89), f(84), f(91), f(88), nil, f(90), f(87)},
		"N23009": {f(912300), f(874600), f(951200), f(889900), f(842100), f(968400), f(901800), f(877300)},
		"N23001": {f(118400), f(109900), f(124300), f(131700), f(99800), f(115600), f(121200), f(112500)},
		"U23471": {f(79), f(83), nil, f(85), f(81), f(78), nil, f(84)},
	}
	for kpi, vs := range values {
		for i, id := range ids {
			if vs[i] != nil {
				ds.Values[koladafake.Key{KPI: kpi, Unit: id, Year: 2024, Gender: "T"}] = &koladafake.Value{Value: vs[i], Count: 1, Changed: changed}
			}
		}
	}
	ds.Values[koladafake.Key{KPI: nka.PopulationKPI, Unit: "1267", Year: 2024, Gender: "T"}] = &koladafake.Value{Value: f(17180), Count: 1, Changed: changed}
}
