package nka

import (
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/nyckeltal/nyckeltal/connectors/kolada"
	"github.com/nyckeltal/nyckeltal/connectors/kolada/koladafake"
	"github.com/nyckeltal/nyckeltal/internal/store"
)

// ingestSynthetic loads a synthetic data set through the fake Kolada server
// and the real connector, as `nyckeltal ingest kolada` would.
func ingestSynthetic(tb testing.TB, p koladafake.SynthParams) *store.Store {
	tb.Helper()
	ds := koladafake.Synthetic(p)
	ts := httptest.NewServer(koladafake.New(ds))
	defer ts.Close()
	st, err := store.Open(tb.Context(), filepath.Join(tb.TempDir(), "synth.duckdb"), store.ReadWrite)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := st.Close(); err != nil {
			tb.Error(err)
		}
	})
	kpis := AreaKPIs(BuiltinAreas)
	client := kolada.NewClient(kolada.ClientConfig{UserAgent: "nyckeltal-test", RateLimit: 10000, Timeout: 10 * time.Second,
		MaxAttempts: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond, Logger: zerolog.Nop()})
	_, err = kolada.Ingest(tb.Context(), st, client, kolada.Options{BaseURL: ts.URL + "/v3", KPIs: kpis, Years: p.Years,
		Groups: true, Catalogue: false, PerPage: 5000, Margin: time.Hour, Now: func() time.Time { return p.Now }, Logger: zerolog.Nop()})
	if err != nil {
		tb.Fatal(err)
	}
	return st
}

// BenchmarkGapAll is `nyckeltal gap --municipality all` on 290 municipalities,
// 8 areas and 10 years, each municipality with its peer groups:
//
//	go test ./transform/nka -run '^$' -bench GapAll
func BenchmarkGapAll(b *testing.B) {
	st := ingestSynthetic(b, koladafake.SynthParams{Municipalities: 290, Years: []int{2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025},
		FocalMunicipalities: -1, Seed: 1, Now: testDay})
	e := &Engine{Store: st, Areas: BuiltinAreas}
	b.ResetTimer()
	for b.Loop() {
		res, err := e.Gap(b.Context(), Query{})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Rows) != 290*8*10 {
			b.Fatalf("%d rows, want %d", len(res.Rows), 290*8*10)
		}
	}
}
