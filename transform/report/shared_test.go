package report

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/nyckeltal/nyckeltal/catalog"
	"github.com/nyckeltal/nyckeltal/connectors/kolada"
	"github.com/nyckeltal/nyckeltal/connectors/kolada/koladafake"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/transform/nka"
	"github.com/nyckeltal/nyckeltal/transform/tables"
)

// TestSharedSnapshotReport builds the built-in catalogue's tables and the
// report for Höör (1267) from the real Kolada snapshot (Källa: Kolada) in
// ../shared/kolada, served by the fake server and loaded by the connector. It
// skips without ../shared. The snapshot has the NKA family but no
// brukarbedömning, so the NKA rows and charts have values and the scatters say
// that there are none. Expected figures (from data.json with python3): Höör's
// äldreomsorg NKA 2024 13.3558 % against the mean 7.084257142857142 of its
// seven peers in G176571, who rank it 6th of 8 (lower is better: Stenungsund,
// Älmhult, Hammarö, Kumla and Skurup are below it); the sparbeting of base
// year 2024 is 14 205 tkr (transform/nka's acceptance test).
func TestSharedSnapshotReport(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "kolada")
	if _, err := os.Stat(filepath.Join(dir, "data.json")); err != nil {
		t.Skip("no ../shared/kolada snapshot beside the repository")
	}
	day := time.Date(2026, 8, 16, 12, 0, 0, 0, time.UTC)
	ds, err := koladafake.LoadDir(dir, day.AddDate(0, 0, -1))
	if err != nil {
		t.Fatal(err)
	}
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
	kpis := append(nka.AreaKPIs(nka.BuiltinAreas), c.KoladaKPIs()...)
	if _, err := kolada.Ingest(t.Context(), st, client, kolada.Options{BaseURL: ts.URL + "/v3", KPIs: kpis,
		Years: []int{2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025}, Groups: true, Catalogue: true, PerPage: 5000, Margin: time.Hour,
		Now: func() time.Time { return day }, Logger: zerolog.Nop()}); err != nil {
		t.Fatal(err)
	}
	eng := &nka.Engine{DB: st.DB(), Areas: nka.BuiltinAreas}
	profile, _ := nka.ParseProfile("even")
	r, err := (&Builder{DB: st.DB(), NKA: eng}).Build(t.Context(), Request{
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
	for _, sc := range r.Scatters {
		if len(sc.Points) != 0 || len(sc.Notes) == 0 {
			t.Fatalf("the snapshot has no brukarbedömning, yet scatter %s has %d points", sc.Def.Name, len(sc.Points))
		}
	}
	var page bytes.Buffer
	if err := r.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), `data-chart="nka-aldreomsorg"`) || !strings.Contains(page.String(), "14\u00a0205 tkr") {
		t.Fatal("the report of Höör lacks the äldreomsorg chart or the sparbeting")
	}
}
