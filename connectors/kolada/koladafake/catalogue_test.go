package koladafake

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/testkit/repo"
)

func TestCatalogueAndGeneratedValues(t *testing.T) {
	now := time.Date(2026, 8, 16, 0, 0, 0, 0, time.UTC)
	ds := Synthetic(SynthParams{Municipalities: 3, Years: []int{2024}, Seed: 1, Now: now})
	before := len(ds.KPIs)
	recs := []json.RawMessage{
		json.RawMessage(`{"id":"N20900","title":"Nettokostnadsavvikelse äldreomsorg, (%)","municipality_type":"K","is_divided_by_gender":false,"description":"verklig"}`),
		json.RawMessage(`{"id":"U21505","title":"Brukarbedömning hemtjänst äldreomsorg - mycket eller ganska trygga, andel (%)","municipality_type":"K","is_divided_by_gender":true}`),
		json.RawMessage(`{"id":"U21452","title":"Enhetsundersökningen, äldreomsorg - Hemtjänsttagare med aktuell genomförandeplan, äldreomsorg, andel (%)","municipality_type":"K","is_divided_by_gender":false}`),
		json.RawMessage(`{"id":"U60531","title":"Brukarbedömning hemtjänst äldreomsorg - besväras av ensamhet region, andel (%)","municipality_type":"L","is_divided_by_gender":true}`),
	}
	if err := ds.AddCatalogue(recs); err != nil {
		t.Fatal(err)
	}
	if len(ds.KPIs) != before+3 {
		t.Fatalf("%d KPIs after adding 3 new and replacing 1 of %d", len(ds.KPIs), before)
	}
	if m, _ := ds.Meta("N20900"); m.Title != "Nettokostnadsavvikelse äldreomsorg, (%)" {
		t.Fatalf("N20900 not replaced: %+v", m)
	}
	got := ds.GenerateValues([]string{"U21505", "U21452", "U60531", "X99999"}, []int{2023, 2024}, now)
	if !slices.Equal(got, []string{"U21505", "U21452"}) {
		t.Fatalf("generated for %v; regions-only and unknown KPIs get none", got)
	}
	units := len(ds.Municipalities) // Riket and three municipalities
	count := map[string]int{}
	for k, v := range ds.Values {
		if k.KPI == "U21505" || k.KPI == "U21452" || k.KPI == "U60531" {
			count[k.KPI+"/"+k.Gender]++
			if *v.Value < 40 || *v.Value > 99 {
				t.Errorf("%v = %v, outside 40–99", k, *v.Value)
			}
		}
	}
	want := map[string]int{"U21505/T": 2 * units, "U21505/K": 2 * units, "U21505/M": 2 * units, "U21452/T": 2 * units}
	if len(count) != len(want) {
		t.Fatalf("values per KPI and kön: %v, want %v", count, want)
	}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%s: %d values, want %d", k, count[k], n)
		}
	}
	again := Synthetic(SynthParams{Municipalities: 3, Years: []int{2024}, Seed: 1, Now: now})
	_ = again.AddCatalogue(recs)
	again.GenerateValues([]string{"U21505"}, []int{2023}, now)
	k := Key{KPI: "U21505", Unit: "9001", Year: 2023, Gender: "K"}
	if *again.Values[k].Value != *ds.Values[k].Value {
		t.Fatal("generated values differ between two runs")
	}

	ts := httptest.NewServer(New(ds))
	defer ts.Close()
	if _, body := get(t, ts.URL+"/v3/kpi?title=trygga"); body["count"].(float64) != 1 {
		t.Fatalf("title search in the catalogue: %v", body)
	}
	if _, body := get(t, ts.URL+"/v3/data/kpi/U21505/municipality/9001/year/2024"); body["count"].(float64) != 1 {
		t.Fatalf("generated data: %v", body)
	}
}

// TestSharedCatalogue serves Kolada's whole KPI catalogue, when ../shared is there.
func TestSharedCatalogue(t *testing.T) {
	path := repo.Shared("kolada", "kpi_catalogue.json")
	if _, err := os.Stat(path); err != nil {
		t.Skip("../shared/kolada/kpi_catalogue.json is not there")
	}
	recs, err := ReadCatalogue(path)
	if err != nil {
		t.Fatal(err)
	}
	ds := NewDataset()
	if err := ds.AddCatalogue(recs); err != nil {
		t.Fatal(err)
	}
	if len(ds.KPIs) != 6099 {
		t.Fatalf("%d KPIs, want Kolada's 6 099", len(ds.KPIs))
	}
	if m, ok := ds.Meta("U23521"); !ok || !m.IsDividedByGender || m.MunicipalityType != "K" {
		t.Fatalf("U23521: %+v", m)
	}
}
