package nka

import (
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/testkit/repo"

	"github.com/rs/zerolog"

	"github.com/nyckeltal/nyckeltal/connectors/kolada"
	"github.com/nyckeltal/nyckeltal/connectors/kolada/koladafake"
	"github.com/nyckeltal/nyckeltal/internal/store"
)

// snapshotDay is the day the shared snapshot was taken: 2025 values are
// preliminary then (publication date 2026-09-30).
var snapshotDay = time.Date(2026, 8, 16, 12, 0, 0, 0, time.UTC)

// TestSharedSnapshotHoor is the acceptance test on real Kolada data (Källa:
// Kolada) served by the fake server and loaded by the real connector: Höör
// (1267), 2024, äldreomsorg and IFO. It skips without ../shared.
//
// The expected values were computed independently from
// ../shared/kolada/data.json and municipality_groups.json with python3
// (values of gender T; mean over the members with a value; statistics.median):
//
//	äldreomsorg, group G176571 "Liknande kommuner äldreomsorg, Höör, 2024":
//	  members Älmhult 3.0094, Skurup 9.5479, Stenungsund -13.3014, Vårgårda 18.3009,
//	          Hammarö 5.6534, Lekeberg 17.6943, Kumla 8.6853
//	  sum 49.5898 → mean 7.084257142857142; median 8.6853
//	  Höör N20900 13.3558 %, N20029 30.249796 mnkr
//	  reference cost 30.249796 / 0.133558 = 226.49183126431961 mnkr
//	  gap 13.3558 - 7.084257142857142 = 6.271542857142858 pp
//	  gap_mnkr 6.271542857142858 / 100 × 226.49183126431961 = 14.204532265669494
//	IFO, group G36535 "Liknande kommuner IFO, Höör, 2024":
//	  members Salem -22.6416, Östhammar -12.6625, Vimmerby 19.3173, Svalöv 8.183,
//	          Tranemo -6.9588, Gällivare 4.445, Kiruna 35.1323
//	  sum 24.8147 → mean 3.544957142857143; median 4.445
//	  Höör N30001 -20.7972 %, N30026 -14.519418 mnkr
//	  reference cost 69.81429230858001 mnkr; gap -24.342157142857143 pp
//	  gap_mnkr -16.994304741928172
//	sparbeting 2024 (mean): äldreomsorg 14 204.53 tkr + IFO max(-16 994.30, 0) = 0
//	  → 14 205 tkr, all of it in 2026 (base year + 2 up to the year before 2027)
//	övergripande 2024: the only group is of 2025 (G37411, the comma title), so
//	  it is used with a note; members' N00097 2024: 5.2753, 4.314, 9.5719, -3.322,
//	  1.8915, 4.6108, 2.9937 → mean 3.619314285714286; Höör -2.581.
func TestSharedSnapshotHoor(t *testing.T) {
	dir := repo.Shared("kolada")
	if _, err := os.Stat(filepath.Join(dir, "data.json")); err != nil {
		t.Skip("no ../shared/kolada snapshot beside the repository")
	}
	ds, err := koladafake.LoadDir(dir, snapshotDay.AddDate(0, 0, -1))
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
	client := kolada.NewClient(kolada.ClientConfig{UserAgent: "nyckeltal-test", RateLimit: 10000, Timeout: 10 * time.Second,
		MaxAttempts: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond, Logger: zerolog.Nop()})
	if _, err := kolada.Ingest(t.Context(), st, client, kolada.Options{BaseURL: ts.URL + "/v3", KPIs: AreaKPIs(BuiltinAreas),
		Years: []int{2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025}, Groups: true, PerPage: 5000, Margin: time.Hour,
		Now: func() time.Time { return snapshotDay }, Logger: zerolog.Nop()}); err != nil {
		t.Fatal(err)
	}
	e := &Engine{Store: st, Areas: BuiltinAreas}
	res, err := e.Gap(t.Context(), Query{Municipalities: []string{"1267"}, Areas: []string{"aldreomsorg", "ifo", "overgripande"}, Years: []int{2024}})
	if err != nil {
		t.Fatal(err)
	}
	near := func(name string, got *float64, want float64) {
		t.Helper()
		if got == nil || math.Abs(*got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	aldre, ifo, over := find(res.Rows, "aldreomsorg", 2024), find(res.Rows, "ifo", 2024), find(res.Rows, "overgripande", 2024)
	if aldre == nil || ifo == nil || over == nil {
		t.Fatalf("rows %+v", res.Rows)
	}
	if deref(aldre.PeerGroupID) != "G176571" || aldre.PeerCount != 7 || aldre.Municipality != "Höör" || aldre.Preliminary {
		t.Errorf("äldreomsorg row %+v", aldre)
	}
	near("äldreomsorg nka_pct", aldre.NKAPct, 13.3558)
	near("äldreomsorg peer mean", aldre.PeerMeanPct, 7.084257142857142)
	near("äldreomsorg peer median", aldre.PeerMedianPct, 8.6853)
	near("äldreomsorg reference cost", aldre.ReferenceCostMnkr, 226.49183126431961)
	near("äldreomsorg gap_pp", aldre.GapPP, 6.271542857142858)
	near("äldreomsorg gap_mnkr", aldre.GapMnkr, 14.204532265669494)

	if deref(ifo.PeerGroupID) != "G36535" || ifo.PeerCount != 7 || len(ifo.MissingPeers) != 0 {
		t.Errorf("IFO row %+v", ifo)
	}
	near("IFO peer mean", ifo.PeerMeanPct, 3.544957142857143)
	near("IFO peer median", ifo.PeerMedianPct, 4.445)
	near("IFO reference cost", ifo.ReferenceCostMnkr, 69.81429230858001)
	near("IFO gap_pp", ifo.GapPP, -24.342157142857143)
	near("IFO gap_mnkr", ifo.GapMnkr, -16.994304741928172)

	if deref(over.PeerGroupID) != "G37411" || !strings.Contains(over.Note, "gruppen från 2025 (G37411) används") || over.ReferenceCostMnkr != nil {
		t.Errorf("övergripande row %+v", over)
	}
	near("övergripande peer mean", over.PeerMeanPct, 3.619314285714286)

	s, err := e.Sparbeting(t.Context(), SparbetingRequest{Municipality: "1267", Areas: []string{"aldreomsorg", "ifo"}, BaseYear: 2024,
		Profile: Profile{Name: "even"}})
	if err != nil {
		t.Fatal(err)
	}
	if s.TotalTkr == nil || *s.TotalTkr != 14205 || !slices.Equal(tkrOnly(s.PerYear), []YearAmount{{Year: 2026, Tkr: 14205}}) || s.Preliminary ||
		!strings.Contains(strings.Join(s.Notes, "\n"), "glidbanan 2026: från basår + 2") {
		t.Fatalf("sparbeting %v %v preliminary %v notes %q", s.TotalTkr, s.PerYear, s.Preliminary, s.Notes)
	}
	// the README's worked example: 2023 has no earlier group, so the 2024 group is used and said
	r23, err := e.Gap(t.Context(), Query{Municipalities: []string{"1267"}, Areas: []string{"aldreomsorg"}, Years: []int{2023}})
	if err != nil || len(r23.Rows) != 1 || deref(r23.Rows[0].PeerGroupID) != "G176571" || deref(r23.Rows[0].GroupChoice) != "later_group" ||
		deref(r23.Rows[0].GroupChoiceText) != "ingen tidigare grupp: senare grupp används" {
		t.Fatalf("2023: %+v %v", r23, err)
	}
	near("äldreomsorg 2023 peer mean", r23.Rows[0].PeerMeanPct, 7.120257142857143)
	if r := find(res.Rows, "aldreomsorg", 2024); deref(r.GroupChoiceText) != "samma år" || r.PeerMembers != 7 || deref(r.ReferenceCostMethod) != ReferenceCostRatio {
		t.Errorf("2024 explanation: %+v", r)
	}

	// 2025 is preliminary relative to the snapshot day.
	rows, err := e.Gap(t.Context(), Query{Municipalities: []string{"1267"}, Areas: []string{"aldreomsorg"}, Years: []int{2025}})
	if err != nil || len(rows.Rows) != 1 || !rows.Rows[0].Preliminary || !strings.Contains(rows.Rows[0].Note, "preliminära") {
		t.Fatalf("2025: %+v %v", rows, err)
	}
}
