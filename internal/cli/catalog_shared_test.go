package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nyckeltal/nyckeltal/internal/app"

	"github.com/nyckeltal/nyckeltal/internal/testkit/repo"

	"github.com/nyckeltal/nyckeltal/connectors/kolada/koladafake"
	"github.com/nyckeltal/nyckeltal/transform/catalog"
)

// sharedKolada is ../shared/kolada beside the repository.
var sharedKolada = repo.Shared("kolada")

// newSharedHarness serves the real Kolada snapshot with Kolada's whole KPI
// catalogue (kpi_catalogue.json) and generated values, 2018–2025, for every
// KPI of the built-in catalogue, and points a fresh store at it with Höör
// (1267, whose "Liknande kommuner" groups the snapshot has) as the home
// municipality. It skips without ../shared.
func newSharedHarness(t *testing.T) (*harness, *catalog.Catalog) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(sharedKolada, "kpi_catalogue.json")); err != nil {
		t.Skip("no ../shared/kolada beside the repository")
	}
	ds, err := koladafake.LoadDir(sharedKolada, testDay.AddDate(0, 0, -1))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := koladafake.ReadCatalogue(filepath.Join(sharedKolada, "kpi_catalogue.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := ds.AddCatalogue(recs); err != nil {
		t.Fatal(err)
	}
	c, err := catalog.Load("")
	if err != nil {
		t.Fatal(err)
	}
	years := []int{2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025}
	if got := ds.GenerateValues(c.KoladaKPIs(), years, testDay.AddDate(0, 0, -1)); len(got) != len(c.KoladaKPIs()) {
		t.Fatalf("values generated for %d of the catalogue's %d KPIs", len(got), len(c.KoladaKPIs()))
	}
	return serveHarness(t, ds, "1267", "2018-2025"), c
}

// readDetail reads the machine CSV of the tables' målområden: per indicator
// code its rows, each a map of column to cell.
func readDetail(t *testing.T, dir string) map[string][]map[string]string {
	t.Helper()
	out := map[string][]map[string]string{}
	for _, name := range []string{"malomrade-1.csv", "malomrade-2.csv"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range recs[1:] {
			row := map[string]string{}
			for i, col := range recs[0] {
				row[col] = rec[i]
			}
			out[row["Kod"]] = append(out[row["Kod"]], row)
		}
	}
	return out
}

// TestFirstRunFillsThePlansKoladaIndicators is the acceptance test of the
// built-in catalogue: on a fresh store, `nyckeltal run` fetches every KPI the
// catalogue names without a manual step, and `nyckeltal tables` fills every
// Kolada indicator of the plan for the home municipality, every year, with
// the complements computed and the regi rows from Kolada's regi KPIs.
func TestFirstRunFillsThePlansKoladaIndicators(t *testing.T) {
	h, c := newSharedHarness(t)
	out := h.mustRun("run")
	if !strings.Contains(out, "kolada  ok") {
		t.Fatalf("run:\n%s", out)
	}
	status := h.mustRun("status")
	if !strings.Contains(status, "alla hämtade och med id") {
		t.Errorf("status names catalogue problems after the first run:\n%s", status)
	}
	h.mustRun("tables", "--out", "t", "--format", "csv", "--years", "2018-2025")
	rows := readDetail(t, filepath.Join(h.dir, "t"))
	value := func(kpi, unit string, year int, gender string) float64 {
		v := h.ds.Values[koladafake.Key{KPI: kpi, Unit: unit, Year: year, Gender: gender}]
		if v == nil || v.Value == nil {
			t.Fatalf("the fake has no %s %s %d %s", kpi, unit, year, gender)
		}
		return *v.Value
	}
	kolada := 0
	for _, ind := range c.Indicators {
		if !ind.IsKolada() {
			continue
		}
		kolada++
		byYear := map[string]map[string]string{}
		for _, r := range rows[ind.Code] {
			if r["Indelning"] == "Totalt" {
				byYear[r["Period"]] = r
			}
			for _, bad := range []string{"inte hämtat", "har inte hämtats", "id saknas", "känner inte till", "Kolada har inget värde"} {
				if strings.Contains(r["Anmärkning"], bad) {
					t.Errorf("%s %s %s: %q", ind.Code, r["Indelning"], r["Period"], r["Anmärkning"])
				}
			}
		}
		for y := 2018; y <= 2025; y++ {
			r, ok := byYear[strconv.Itoa(y)]
			if !ok || r["Värde"] == "" {
				t.Errorf("%s (%s) %d: no value for Höör: %v", ind.Code, ind.Source, y, rows[ind.Code])
				continue
			}
			got, err := strconv.ParseFloat(r["Värde"], 64)
			if err != nil {
				t.Fatal(err)
			}
			want := value(ind.Source, "1267", y, "T")
			if ind.Complement {
				want = 100 - want
				if !strings.Contains(r["Källa"], "100 − "+ind.Source+" (egen bearbetning)") {
					t.Errorf("%s: the complement's Källa %q", ind.Code, r["Källa"])
				}
			}
			if math.Abs(got-want) > 1e-6 {
				t.Errorf("%s %d: %v, want %v", ind.Code, y, got, want)
			}
		}
		splits := map[string]int{}
		for _, r := range rows[ind.Code] {
			splits[r["Indelning"]]++
		}
		if (splits["Kvinnor"] > 0) != ind.Has(catalog.ByGender) {
			t.Errorf("%s: kön rows %d, kön asked %v", ind.Code, splits["Kvinnor"], ind.Has(catalog.ByGender))
		}
		if (splits["Egen regi"] == 8) != (ind.RegiEgen != "") || (splits["Privat regi"] == 8) != (ind.RegiPrivat != "") {
			t.Errorf("%s: regi rows %v, regi KPIs %q %q", ind.Code, splits, ind.RegiEgen, ind.RegiPrivat)
		}
	}
	if kolada < 35 {
		t.Fatalf("only %d Kolada indicators in the built-in catalogue", kolada)
	}
}

// TestFirstRunResolvesTitlesWhenCertain: a catalogue whose Kolada entries
// are named by title only. The first run looks the titles up in Kolada's own
// catalogue, fetches the KPI of a title one KPI clearly fits, and leaves a
// title several fit to a person: `status` and the tables' notes name it.
func TestFirstRunResolvesTitlesWhenCertain(t *testing.T) {
	h, _ := newSharedHarness(t)
	// 1.1.08 ("mycket/ganska tryggt": one KPI fits clearly best) and 1.4.06
	// ("tryggt": two fit) by title only
	src := strings.ReplaceAll(string(catalog.Builtin), `source = "U21505"`, `source = ""`)
	if strings.Count(string(catalog.Builtin), `source = "U21505"`) != 2 {
		t.Fatal("the built-in catalogue should name U21505 twice")
	}
	file := filepath.Join(h.dir, "katalog.toml")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	h.appendConfig("[tables]\ncatalog = \"katalog.toml\"\n")
	h.mustRun("run")
	fetched := h.mustRun("sql", "--format", "csv", `SELECT count(*) FROM observation WHERE indicator_id = 'U21505'`)
	if strings.TrimSpace(fetched) == "count_star()\n0" {
		t.Fatal("the KPI of the title that one KPI fits was not fetched")
	}
	var st struct {
		Catalog app.CatalogStatus `json:"catalog"`
	}
	if err := json.Unmarshal([]byte(h.mustRun("status", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Catalog.Problems) != 1 || st.Catalog.Problems[0].Entry != "1.4.06" || st.Catalog.Problems[0].Problem != "ambiguous" ||
		!strings.Contains(st.Catalog.Problems[0].Text, "U21505") {
		t.Fatalf("status: %+v", st.Catalog)
	}
	h.mustRun("tables", "--out", "t", "--format", "csv")
	rows := readDetail(t, filepath.Join(h.dir, "t"))
	chosen := rows["1.1.08"]
	if len(chosen) == 0 || chosen[0]["Värde"] == "" || !strings.Contains(chosen[0]["Anmärkning"], "valdes automatiskt") {
		t.Errorf("1.1.08: %v", chosen)
	}
	left := rows["1.4.06"]
	if len(left) != 1 || left[0]["Värde"] != "" || !strings.Contains(left[0]["Anmärkning"], "passar flera nyckeltal i Kolada") {
		t.Errorf("1.4.06: %v", left)
	}
}
