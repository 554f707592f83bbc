//go:build unix

package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/store"
)

// Years of the Kolada-scale data set: ten, as the issue asks.
var benchYears = []int{2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025}

const benchMunicipalities = 290

// KoladaFigures are the ingest measurements.
type KoladaFigures struct {
	KPIs   int
	Values int64
	Rows   int64 // rows of Kolada's answers: one per KPI, municipality and year

	Connector   measured // full load through the connector, fake served over loopback
	Native      measured // DuckDB's read_json over the same pages saved as files
	Incremental measured // the next night, with nothing new

	Requests    int64 // requests of the full load, retries included
	MinRequests int64 // ceil(rows / 5000) + one page per metadata route
	Rewritten   int64 // versions the incremental load wrote (want 0)
}

// runKolada measures a full load of about cfg.Values values and the night
// after it.
func runKolada(ctx context.Context, cfg Config, dir string) (*KoladaFigures, error) {
	perKPI := int64(benchMunicipalities * len(benchYears) * 3)
	kpis := int((cfg.Values + perKPI - 1) / perKPI)
	f := &KoladaFigures{KPIs: kpis, Values: int64(kpis) * perKPI, Rows: int64(kpis) * benchMunicipalities * int64(len(benchYears))}

	base, stop, err := startFake(ctx, cfg, dir, "--generated", strconv.Itoa(kpis), "--municipalities", strconv.Itoa(benchMunicipalities))
	if err != nil {
		return nil, err
	}
	defer stop()

	ids := make([]string, kpis)
	for i := range ids {
		ids[i] = fmt.Sprintf("X%05d", i+1)
	}
	conf := filepath.Join(dir, "kolada.toml")
	db := filepath.Join(dir, "kolada.duckdb")
	if err := writeConfig(conf, db, ids); err != nil {
		return nil, err
	}
	// The pages the native reader gets: the same answers, saved as files
	// before anything is measured.
	pagesDir := filepath.Join(dir, "pages")
	if err := savePages(ctx, base, ids, pagesDir); err != nil {
		return nil, err
	}

	env := []string{"NYCKELTAL_KOLADA_URL=" + base}
	nyk := cfg.Bin("nyckeltal")
	if f.Connector, err = runMeasured(ctx, env, nyk, "--config", conf, "--log-format", "json", "ingest", "kolada"); err != nil {
		return nil, err
	}
	full, err := lastLoad(ctx, db)
	if err != nil {
		return nil, err
	}
	if full.Inserted != f.Values {
		return nil, fmt.Errorf("the full load inserted %d values, the generator served %d", full.Inserted, f.Values)
	}
	f.Requests = full.Requests
	f.MinRequests = (f.Rows+4999)/5000 + 3 // /kpi, /municipality and /municipality_groups: one page each
	if f.Incremental, err = runMeasured(ctx, env, nyk, "--config", conf, "--log-format", "json", "ingest", "kolada"); err != nil {
		return nil, err
	}
	inc, err := lastLoad(ctx, db)
	if err != nil {
		return nil, err
	}
	f.Rewritten = inc.Inserted + inc.Updated + inc.Deleted
	if f.Native, err = runMeasured(ctx, nil, cfg.Self, "native", "--pages", pagesDir, "--db", filepath.Join(dir, "native.duckdb")); err != nil {
		return nil, err
	}
	return f, nil
}

// startFake runs bin/kolada-fake and returns its base URL.
func startFake(ctx context.Context, cfg Config, dir string, args ...string) (string, func(), error) {
	urlFile := filepath.Join(dir, "kolada-url-"+strconv.FormatInt(time.Now().UnixNano(), 36))
	fake := execCommand(ctx, cfg.Bin("kolada-fake"), append(args, "--url-file", urlFile)...)
	if err := fake.Start(); err != nil {
		return "", nil, fmt.Errorf("starting the fake Kolada: %w", err)
	}
	stop := func() { _ = fake.Process.Kill(); _ = fake.Wait() }
	for i := 0; i < 600; i++ {
		if b, err := os.ReadFile(urlFile); err == nil && len(b) > 0 {
			return strings.TrimSpace(string(b)), stop, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	return "", nil, fmt.Errorf("the fake Kolada did not start within 30 s")
}

func writeConfig(path, db string, kpis []string) error {
	quoted := make([]string, len(kpis))
	for i, k := range kpis {
		quoted[i] = strconv.Quote(k)
	}
	text := fmt.Sprintf(`[store]
path = %q

[kolada]
kpis = [%s]
years = "%d-%d"
rate_limit = 100000.0
`, db, strings.Join(quoted, ", "), benchYears[0], benchYears[len(benchYears)-1])
	return os.WriteFile(path, []byte(text), 0o644)
}

// savePages fetches the data answers the connector will ask for (25 KPIs
// and all years a request, 5000 rows a page) and saves each page as a file.
func savePages(ctx context.Context, base string, kpis []string, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	years := make([]string, len(benchYears))
	for i, y := range benchYears {
		years[i] = strconv.Itoa(y)
	}
	n := 0
	for i := 0; i < len(kpis); i += 25 {
		chunk := kpis[i:min(i+25, len(kpis))]
		url := fmt.Sprintf("%s/data/kpi/%s/year/%s?per_page=5000", base, strings.Join(chunk, ","), strings.Join(years, ","))
		for url != "" {
			body, err := get(ctx, url)
			if err != nil {
				return err
			}
			n++
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%06d.json", n)), body, 0o644); err != nil {
				return err
			}
			var page struct {
				NextURL *string `json:"next_url"`
			}
			if err := json.Unmarshal(body, &page); err != nil {
				return fmt.Errorf("page %s: %w", url, err)
			}
			url = ""
			if page.NextURL != nil {
				url = *page.NextURL
			}
		}
	}
	return nil
}

func get(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

func lastLoad(ctx context.Context, db string) (*store.LoadInfo, error) {
	st, err := store.Open(ctx, db, store.ReadOnly)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	loads, err := st.Loads(ctx, 1)
	if err != nil {
		return nil, fmt.Errorf("reading the last load of %s: %w", db, err)
	}
	if len(loads) == 0 {
		return nil, fmt.Errorf("reading the last load of %s: there is none", db)
	}
	if loads[0].Status != store.StatusOK {
		return nil, fmt.Errorf("load %d of %s: %s %s", loads[0].ID, db, loads[0].Status, loads[0].Error)
	}
	return &loads[0], nil
}

// Native loads the pages in dir with DuckDB's own JSON reader into a new
// store at db and checkpoints it, as the connector's load ends checkpointed
// too: the yardstick.
func Native(ctx context.Context, pagesDir, db string) (int64, error) {
	st, err := store.Open(ctx, db, store.ReadWrite)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	return st.InsertKoladaPagesNatively(ctx, filepath.Join(pagesDir, "*.json"))
}
