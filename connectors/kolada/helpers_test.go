package kolada

import (
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/nyckeltal/nyckeltal/connectors/kolada/koladafake"
	"github.com/nyckeltal/nyckeltal/internal/store"
)

// snapshotDay is the day the synthetic and the shared snapshot data are "from".
var snapshotDay = time.Date(2026, 8, 16, 12, 0, 0, 0, time.UTC)

type fixture struct {
	fake   *koladafake.Server
	base   string
	store  *store.Store
	client *Client
}

func newFixture(t *testing.T, ds *koladafake.Dataset) *fixture {
	t.Helper()
	fake := koladafake.New(ds)
	ts := httptest.NewServer(fake)
	t.Cleanup(ts.Close)
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "k.duckdb"), store.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	return &fixture{fake: fake, base: ts.URL + "/v3", store: st, client: fastClient()}
}

// fastClient retries quickly so fault tests take milliseconds.
func fastClient() *Client {
	return NewClient(ClientConfig{UserAgent: "nyckeltal-test", RateLimit: 10000, Timeout: 2 * time.Second,
		MaxAttempts: 8, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond,
		RetryAfterCap: 10 * time.Millisecond, Logger: zerolog.Nop()})
}

func smallSynthetic() *koladafake.Dataset {
	return koladafake.Synthetic(koladafake.SynthParams{Municipalities: 12, Years: []int{2022, 2023, 2024, 2025},
		FocalMunicipalities: 1, Seed: 7, Now: snapshotDay})
}

func (f *fixture) options() Options {
	return Options{
		BaseURL: f.base, KPIs: allKPIs(), Years: []int{2022, 2023, 2024, 2025},
		Groups: true, Catalogue: true, PerPage: 5000, Margin: 24 * time.Hour,
		Now: func() time.Time { return snapshotDay }, Logger: zerolog.Nop(),
	}
}

func allKPIs() []string {
	var out []string
	for _, a := range koladafake.Areas {
		out = append(out, a.PctKPI)
		if a.MnkrKPI != "" {
			out = append(out, a.MnkrKPI)
		}
		if k := koladafake.NetCostKPIs[a.Slug]; k != "" {
			out = append(out, k)
		}
	}
	return append(out, "N01951", "U23401")
}

func (f *fixture) ingest(t *testing.T, o Options) Result {
	t.Helper()
	res, err := Ingest(t.Context(), f.store, f.client, o)
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	return res
}

// dump renders the current observations and metadata as sorted text, so two
// stores can be compared for equality.
func dump(t *testing.T, st *store.Store) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT indicator_id, unit_kind, unit_id, year, gender, regi, value, count, status, preliminary
		 FROM observation ORDER BY ALL`,
		`SELECT kpi_id, title, publ_period, publication_date FROM kpi ORDER BY ALL`,
		`SELECT municipality_id, title, type FROM municipality ORDER BY ALL`,
		`SELECT group_id, title FROM municipality_group ORDER BY ALL`,
		`SELECT group_id, member_id, member_title FROM municipality_group_member ORDER BY ALL`,
	} {
		rows, err := st.DB().QueryContext(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, vals...)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		b.WriteString("--\n")
	}
	return b.String()
}

func count(t *testing.T, st *store.Store, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := st.DB().QueryRowContext(t.Context(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// datasetValues counts the values a dataset holds that are not deleted.
func datasetValues(ds *koladafake.Dataset) int64 {
	var n int64
	for _, v := range ds.Values {
		if !v.Deleted {
			n++
		}
	}
	return n
}

// probeOptions ask about what the small synthetic data set has: N20900 of
// the first fictional municipality in 2024.
func (f *fixture) probeOptions() ProbeOptions {
	return ProbeOptions{BaseURL: f.base, KPI: "N20900", Municipality: koladafake.FictionalID(0), Year: 2024,
		Now: func() time.Time { return snapshotDay }}
}
