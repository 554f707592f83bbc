package kolada

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/testkit/repo"

	"github.com/nyckeltal/nyckeltal/connectors/kolada/koladafake"
	"github.com/nyckeltal/nyckeltal/internal/store"
)

func TestFullLoadThenNothingNew(t *testing.T) {
	ds := smallSynthetic()
	f := newFixture(t, ds)

	first := f.ingest(t, f.options())
	want := datasetValues(ds)
	if first.Mode != "full" || first.Inserted != want || first.RowsRead != want {
		t.Fatalf("first load: mode %s, %d inserted, %d read; want full with %d", first.Mode, first.Inserted, first.RowsRead, want)
	}
	// 1 catalogue + 1 municipality + 1 groups page, and one data request:
	// 25 KPIs × 4 years fit one chunk and one page.
	if first.Requests != 4 {
		t.Errorf("first load made %d requests, want 4: %v", first.Requests, f.fake.Log())
	}
	versions := count(t, f.store, `SELECT count(*) FROM observation_version`)

	second := f.ingest(t, f.options())
	if second.Mode != "incremental" || second.Changed() {
		t.Fatalf("second load: mode %s, changed %+v; want an incremental no-op", second.Mode, second.LoadResult)
	}
	if got := count(t, f.store, `SELECT count(*) FROM observation_version`); got != versions {
		t.Fatalf("no-op load wrote history: %d versions, had %d", got, versions)
	}
	if second.FromDate == "" || !strings.Contains(strings.Join(f.fake.Log(), " "), "from_date="+second.FromDate) {
		t.Fatalf("incremental load did not ask with from_date %q", second.FromDate)
	}
	if n := count(t, f.store, `SELECT count(*) FROM municipality_group_member`); n != 8*7+7 {
		t.Fatalf("%d group members, want %d", n, 8*7+7)
	}
}

func TestPagingAndChunkingStayWithinLimits(t *testing.T) {
	ds := koladafake.Synthetic(koladafake.SynthParams{Municipalities: 9, Years: []int{2020, 2021, 2022, 2023, 2024},
		ExtraKPIs: 40, Seed: 3, Now: snapshotDay})
	f := newFixture(t, ds)
	o := f.options()
	o.KPIs = nil
	for i := 1; i <= 40; i++ {
		o.KPIs = append(o.KPIs, "X"+leftPad(i))
	}
	o.Years = []int{2020, 2021, 2022, 2023, 2024}
	o.Catalogue = false // so that /kpi/{ids} is chunked too
	o.PerPage = 37
	res := f.ingest(t, o)

	want := int64(40 * 9 * 5 * 3) // KPIs × municipalities × years × genders
	if res.Inserted != want {
		t.Fatalf("inserted %d, want %d", res.Inserted, want)
	}
	for _, uri := range f.fake.Log() {
		path := strings.SplitN(uri, "?", 2)[0]
		for _, seg := range strings.Split(path, "/") {
			if n := len(strings.Split(seg, ",")); n > MaxIDsPerSegment {
				t.Fatalf("request with %d ids in a segment: %s", n, uri)
			}
		}
		if strings.Contains(uri, "per_page=") && !strings.Contains(uri, "per_page=37") {
			t.Fatalf("request without the configured page size: %s", uri)
		}
	}
	// 40 KPIs → chunks of 25 and 15; 9 × 5 = 45 rows per KPI → 1125 and 675 rows, in pages of 37.
	wantData := (1125+36)/37 + (675+36)/37
	if data := countPrefix(f.fake.Log(), "/v3/data/"); data != wantData {
		t.Fatalf("%d data requests, want %d", data, wantData)
	}
}

func leftPad(i int) string {
	s := "0000" + string(rune('0'+i/10)) + string(rune('0'+i%10))
	return s[len(s)-5:]
}

func countPrefix(log []string, prefix string) int {
	n := 0
	for _, l := range log {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

func TestFaultsEndWithTheSameDataAsACleanRun(t *testing.T) {
	clean := newFixture(t, smallSynthetic())
	o := clean.options()
	o.PerPage = 50
	clean.ingest(t, o)
	want := dump(t, clean.store)

	// make soak sets NYCKELTAL_SOAK to try many more seeds.
	seeds := 3
	if n, err := strconv.Atoi(os.Getenv("NYCKELTAL_SOAK")); err == nil && n > 0 {
		seeds = 3 * n
	}
	for seed := int64(1); seed <= int64(seeds); seed++ {
		t.Run(fmt.Sprintf("seed_%d", seed), func(t *testing.T) {
			f := newFixture(t, smallSynthetic())
			f.fake.SetFaults(koladafake.Faults{Seed: seed, Rate503: 0.1, Rate429: 0.1, RetryAfter: time.Second,
				RateTruncate: 0.1, RateReset: 0.1, RateSlow: 0.05, SlowDelay: 20 * time.Millisecond})
			o := f.options()
			o.PerPage = 50
			res := f.ingest(t, o)
			if got := dump(t, f.store); got != want {
				t.Fatalf("store after faults differs from a clean run's")
			}
			if res.Requests <= int64(res.Pages) {
				t.Fatalf("seed %d: %d requests for %d pages: no fault was injected", seed, res.Requests, res.Pages)
			}
		})
	}
}

func TestCancellationLeavesStoreUnchanged(t *testing.T) {
	f := newFixture(t, smallSynthetic())
	o := f.options()
	f.ingest(t, o)
	before := dump(t, f.store)

	for i := 0; i < 12; i++ {
		f.fake.SetValue("N20900", koladafake.FictionalID(i), 2025, "T", ptr(float64(100+i)), snapshotDay.Add(48*time.Hour))
	}
	ctx, cancel := context.WithCancel(t.Context())
	o.Full = true
	o.PerPage = 20
	o.Progress = func(p Progress) {
		if p.PagesDone == 5 {
			cancel()
		}
	}
	_, err := Ingest(ctx, f.store, f.client, o)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if after := dump(t, f.store); after != before {
		t.Fatal("a cancelled load changed the store")
	}
	last, err := f.store.LastLoad(t.Context(), Source, store.StatusFailed)
	if err != nil || last == nil {
		t.Fatalf("cancelled load not recorded as failed: %v", err)
	}
	if n := count(t, f.store, `SELECT count(*) FROM load WHERE status = 'running'`); n != 0 {
		t.Fatal("a load was left running")
	}
}

func ptr(v float64) *float64 { return &v }

func TestRevisionDeletionAndNull(t *testing.T) {
	f := newFixture(t, smallSynthetic())
	f.ingest(t, f.options())
	unit := koladafake.FictionalID(3)

	// Changes are dated by the real clock: from_date is computed from the
	// previous load's start in the database's clock.
	later := time.Now().Add(time.Hour)
	f.fake.SetValue("N20900", unit, 2024, "T", ptr(12.5), later)
	f.fake.SetValue("N30001", unit, 2024, "T", nil, later)
	f.fake.DeleteValue("N28018", unit, 2024, "T", later)
	res := f.ingest(t, f.options())
	if res.Mode != "incremental" || res.Updated != 2 || res.Deleted != 1 || res.Inserted != 0 {
		t.Fatalf("got %+v, want 2 updated and 1 deleted", res.LoadResult)
	}
	if n := count(t, f.store, `SELECT count(*) FROM observation_history WHERE indicator_id = 'N20900' AND unit_id = ? AND year = 2024`, unit); n != 2 {
		t.Fatalf("revision kept %d versions, want 2", n)
	}
	var value *float64
	if err := f.store.DB().QueryRowContext(t.Context(), `SELECT value FROM observation WHERE indicator_id = 'N30001' AND unit_id = ? AND year = 2024`, unit).Scan(&value); err != nil {
		t.Fatal(err)
	}
	if value != nil {
		t.Fatalf("a null value was stored as %v", *value)
	}
	if n := count(t, f.store, `SELECT count(*) FROM observation WHERE indicator_id = 'N28018' AND unit_id = ? AND year = 2024`, unit); n != 0 {
		t.Fatal("a deleted value is still current")
	}
}

func TestDoubleEncodedGroupTitleIsRepaired(t *testing.T) {
	ds := smallSynthetic()
	f := newFixture(t, ds)
	id := ds.Groups[0].ID
	f.fake.SetGroupTitle(id, "Liknande kommuner Ã¤ldreomsorg, HÃ¶Ã¶r, 2024")
	f.ingest(t, f.options())
	var title string
	if err := f.store.DB().QueryRowContext(t.Context(), `SELECT title FROM municipality_group WHERE group_id = ?`, id).Scan(&title); err != nil {
		t.Fatal(err)
	}
	if title != "Liknande kommuner äldreomsorg, Höör, 2024" {
		t.Fatalf("title stored as %q", title)
	}
}

func TestGivingUpNamesURLAndStatus(t *testing.T) {
	f := newFixture(t, smallSynthetic())
	f.fake.SetFaults(koladafake.Faults{FailFirst: 1000, FailStatus: http.StatusServiceUnavailable})
	_, err := Ingest(t.Context(), f.store, f.client, f.options())
	var re *RequestError
	if !errors.As(err, &re) || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("got %v, want a RequestError wrapping ErrUnavailable", err)
	}
	if re.Attempts != 8 || re.Status != 503 || !strings.Contains(err.Error(), f.base+"/kpi") {
		t.Fatalf("error does not name attempts, status and URL: %v", err)
	}
	if n := count(t, f.store, `SELECT count(*) FROM observation`); n != 0 {
		t.Fatal("a failed load left values")
	}
}

func TestRejectedRequestIsNotRetried(t *testing.T) {
	f := newFixture(t, smallSynthetic())
	ids := make([]string, 26)
	for i := range ids {
		ids[i] = "N00097"
	}
	_, err := f.client.Get(t.Context(), f.base+"/kpi/"+strings.Join(ids, ","))
	var re *RequestError
	if !errors.As(err, &re) || !errors.Is(err, ErrRejected) || re.Status != 422 || re.Attempts != 1 {
		t.Fatalf("got %v, want one attempt rejected with 422", err)
	}
}

func TestUnreachable(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	base := ts.URL + "/v3"
	ts.Close() // nothing listens there now
	c := NewClient(ClientConfig{UserAgent: "t", RateLimit: 1000, Timeout: time.Second, MaxAttempts: 2,
		RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	_, err := c.Get(t.Context(), base+"/kpi")
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), base+"/kpi") {
		t.Fatalf("got %v, want ErrUnreachable naming the URL", err)
	}
}

func TestPreliminaryValuesSettle(t *testing.T) {
	f := newFixture(t, smallSynthetic()) // publication date: 60 days after snapshotDay
	f.ingest(t, f.options())
	prelim := count(t, f.store, `SELECT count(*) FROM observation WHERE preliminary`)
	wantPrelim := count(t, f.store, `SELECT count(*) FROM observation WHERE year = 2025`)
	if prelim == 0 || prelim != wantPrelim {
		t.Fatalf("%d preliminary values, want all %d of 2025", prelim, wantPrelim)
	}
	o := f.options()
	o.Now = func() time.Time { return snapshotDay.AddDate(0, 3, 0) }
	res := f.ingest(t, o)
	if res.Settled != int(prelim) || res.Updated != prelim {
		t.Fatalf("settled %d, updated %d; want %d", res.Settled, res.Updated, prelim)
	}
	if n := count(t, f.store, `SELECT count(*) FROM observation WHERE preliminary`); n != 0 {
		t.Fatalf("%d values still preliminary after the publication date", n)
	}
}

func TestArchiveReplayReproducesTheLoad(t *testing.T) {
	f := newFixture(t, smallSynthetic())
	o := f.options()
	o.ArchiveDir = t.TempDir()
	o.PerPage = 100
	first := f.ingest(t, o)
	f.fake.SetValue("N20900", koladafake.FictionalID(2), 2024, "T", ptr(-3.5), time.Now().Add(time.Hour))
	f.ingest(t, o)
	want := dump(t, f.store)

	replayed, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "replay.duckdb"), store.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer replayed.Close()
	results, err := Replay(t.Context(), replayed, o.ArchiveDir, Options{})
	if err != nil {
		t.Fatalf("Replay: %v", err)
	}
	if len(results) != 2 || results[0].Inserted != first.Inserted || results[1].Updated != 1 {
		t.Fatalf("replay results: %+v", results)
	}
	if got := dump(t, replayed); got != want {
		t.Fatal("replayed store differs from the original")
	}

	// An archive whose load never finished is refused.
	dirs, _ := archiveDirs(o.ArchiveDir)
	if err := os.Remove(filepath.Join(dirs[0], "load.json")); err != nil {
		t.Fatal(err)
	}
	if _, err := Replay(t.Context(), replayed, dirs[0], Options{}); !errors.Is(err, ErrIncompleteArchive) {
		t.Fatalf("got %v, want ErrIncompleteArchive", err)
	}
}

func TestGroupIDsAreFetchedAsTheirMembers(t *testing.T) {
	ds := smallSynthetic()
	f := newFixture(t, ds)
	g := ds.Groups[0]
	o := f.options()
	o.KPIs = []string{"N20900"}
	o.Municipalities = []string{g.ID}
	o.Groups = false // the group itself is still fetched, as metadata
	res := f.ingest(t, o)
	if len(res.Groups) != 1 || res.Groups[0] != g.ID {
		t.Fatalf("result names groups %v, want %s", res.Groups, g.ID)
	}
	for _, uri := range f.fake.Log() {
		if strings.HasPrefix(uri, "/v3/data/") && strings.Contains(uri, "/G") {
			t.Fatalf("a group id was asked for as data: %s", uri)
		}
	}
	if n := count(t, f.store, `SELECT count(*) FROM observation WHERE unit_kind = 'group'`); n != 0 {
		t.Fatalf("%d group values stored; group values are computed from members", n)
	}
	if n := count(t, f.store, `SELECT count(DISTINCT unit_id) FROM observation`); n != int64(len(g.Members)) {
		t.Fatalf("values of %d units stored, want the group's %d members", n, len(g.Members))
	}
	if n := count(t, f.store, `SELECT count(*) FROM municipality_group_member WHERE group_id = ?`, g.ID); n != int64(len(g.Members)) {
		t.Fatalf("%d members of the group stored, want %d", n, len(g.Members))
	}
	var mean float64
	var with, members int64
	err := f.store.DB().QueryRowContext(t.Context(), `SELECT value, members_with_value, members FROM v_kolada_group_value
		WHERE group_id = ? AND kpi_id = 'N20900' AND year = 2024 AND gender = 'T'`, g.ID).Scan(&mean, &with, &members)
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, m := range g.Members {
		sum += *ds.Values[koladafake.Key{KPI: "N20900", Unit: m.ID, Year: 2024, Gender: "T"}].Value
	}
	if diff := mean - sum/float64(len(g.Members)); diff > 1e-9 || diff < -1e-9 || with != members || members != int64(len(g.Members)) {
		t.Fatalf("group mean %v over %d of %d, members' mean %v over %d", mean, with, members, sum/float64(len(g.Members)), len(g.Members))
	}

	// An unknown group is refused before anything is loaded.
	o.Municipalities = []string{"G999999999"}
	if _, err := Ingest(t.Context(), f.store, f.client, o); !errors.Is(err, ErrUnknownGroup) {
		t.Fatalf("got %v, want ErrUnknownGroup", err)
	}
}

func TestGroupValuesOfEarlierVersionsAreEnded(t *testing.T) {
	ds := smallSynthetic()
	f := newFixture(t, ds)
	g := ds.Groups[0]
	// What an earlier version stored: the group's mean as a group unit.
	l, err := f.store.BeginLoad(t.Context(), store.LoadSpec{Source: Source, Mode: "full"})
	if err != nil {
		t.Fatal(err)
	}
	for _, y := range []int{2023, 2024} {
		if err := l.Stage(store.Observation{Source: Source, IndicatorID: "N20900", UnitKind: store.UnitGroup, UnitID: g.ID,
			Period: store.YearPeriod(y), Gender: "T", Regi: store.RegiAll, Value: ptr(1.5)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	res := f.ingest(t, f.options())
	if res.GroupValuesEnded != 2 || !strings.Contains(strings.Join(res.Notes(), "\n"), "2 gruppvärden") {
		t.Fatalf("ended %d group values, notes %q; want 2 said", res.GroupValuesEnded, res.Notes())
	}
	if n := count(t, f.store, `SELECT count(*) FROM observation WHERE unit_kind = 'group'`); n != 0 {
		t.Fatalf("%d group values still current", n)
	}
	if n := count(t, f.store, `SELECT count(*) FROM observation_history WHERE unit_kind = 'group' AND valid_to_load IS NOT NULL`); n != 2 {
		t.Fatalf("%d ended group values in the history, want 2", n)
	}
}

func TestNewKPIIsFetchedWholeInAnIncrementalLoad(t *testing.T) {
	f := newFixture(t, smallSynthetic())
	o := f.options()
	o.KPIs = []string{"N20900"}
	f.ingest(t, o)
	o.KPIs = []string{"N20900", "N30001"}
	res := f.ingest(t, o)
	if res.Mode != "incremental" || res.Inserted != 12*4 {
		t.Fatalf("got mode %s with %d inserted, want the new KPI's 48 values", res.Mode, res.Inserted)
	}
}

// TestSharedSnapshot is the acceptance test on real Kolada data (Källa:
// Kolada) served through the fake. It skips without ../shared.
func TestSharedSnapshot(t *testing.T) {
	dir := repo.Shared("kolada")
	if _, err := os.Stat(filepath.Join(dir, "data.json")); err != nil {
		t.Skip("no ../shared/kolada snapshot beside the repository")
	}
	ds, err := koladafake.LoadDir(dir, snapshotDay.AddDate(0, 0, -1))
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, ds)
	o := f.options()
	o.KPIs = []string{"N00097", "N11024", "N11038", "N13020", "N13032", "N15001", "N15045", "N17001", "N17030",
		"N20900", "N20029", "N30001", "N30026", "N28018", "N28021", "N15027", "N15033", "N15428", "N15507", "N11008",
		"N11102", "N03001", "N03106", "N00901", "U23401"}
	o.Years = []int{2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025}
	first := f.ingest(t, o)
	if first.Inserted != 13032 {
		t.Fatalf("loaded %d values, want all 13 032", first.Inserted)
	}
	if n := count(t, f.store, `SELECT count(*) FROM municipality_group`); n != 8 {
		t.Fatalf("%d groups, want 8", n)
	}
	if n := count(t, f.store, `SELECT count(*) FROM (SELECT group_id FROM municipality_group_member GROUP BY ALL HAVING count(*) = 7)`); n != 8 {
		t.Fatalf("%d groups with 7 members, want 8", n)
	}
	// 2025 is preliminary on the snapshot's day: its publication date is 2026-09-30.
	if n := count(t, f.store, `SELECT count(*) FROM observation WHERE year = 2025 AND indicator_id = 'N20900' AND NOT preliminary`); n != 0 {
		t.Fatalf("%d N20900 values of 2025 not marked preliminary", n)
	}
	second := f.ingest(t, o)
	if second.Changed() {
		t.Fatalf("second run changed %+v", second.LoadResult)
	}
	// Höör's äldreomsorg NKA for 2024 as in the snapshot.
	var v float64
	if err := f.store.DB().QueryRowContext(t.Context(), `SELECT value FROM observation WHERE indicator_id = 'N20900'
		AND unit_id = '1267' AND year = 2024`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if want := *ds.Values[koladafake.Key{KPI: "N20900", Unit: "1267", Year: 2024, Gender: "T"}].Value; v != want {
		t.Fatalf("Höör N20900 2024 = %v, snapshot says %v", v, want)
	}
	// Every group's value is the unweighted mean of its members' values.
	for _, g := range ds.Groups {
		var sum float64
		var n int64
		for _, m := range g.Members {
			if mv, ok := ds.Values[koladafake.Key{KPI: "N00097", Unit: m.ID, Year: 2024, Gender: "T"}]; ok && mv.Value != nil {
				sum += *mv.Value
				n++
			}
		}
		var mean float64
		var with int64
		if err := f.store.DB().QueryRowContext(t.Context(), `SELECT value, members_with_value FROM v_kolada_group_value
			WHERE group_id = ? AND kpi_id = 'N00097' AND year = 2024 AND gender = 'T'`, g.ID).Scan(&mean, &with); err != nil {
			t.Fatalf("%s: %v", g.ID, err)
		}
		if with != n || math.Abs(mean-sum/float64(n)) > 1e-9 {
			t.Fatalf("%s (%s): %v over %d members, want %v over %d", g.ID, g.Title, mean, with, sum/float64(n), n)
		}
	}
}

func TestOrganisationalUnits(t *testing.T) {
	ds := smallSynthetic()
	if err := ds.AddKPI([]byte(`{"id":"N15033","title":"Elever/lärare (heltidstjänst) i grundskola åk 1-9","has_ou_data":true,"publ_period":"2025","publication_date":"2026-04-08"}`)); err != nil {
		t.Fatal(err)
	}
	home := koladafake.FictionalID(0)
	for i, id := range []string{"V15E900100101", "V15E900100102", "V15E900100103"} {
		ds.OUs = append(ds.OUs, koladafake.OU{ID: id, Municipality: home, Title: "Skola " + string(rune('A'+i))})
		for _, y := range []int{2024, 2025} {
			v := 11.5 + float64(i)
			ds.Values[koladafake.Key{KPI: "N15033", Unit: id, Year: y, Gender: "T", OU: true}] = &koladafake.Value{Value: &v, Count: 1, Changed: snapshotDay}
		}
	}
	ds.OUs = append(ds.OUs, koladafake.OU{ID: "V15E900200101", Municipality: koladafake.FictionalID(1), Title: "Skola i en annan kommun"})
	f := newFixture(t, ds)
	o := f.options()
	o.KPIs = append(o.KPIs, "N15033")
	o.OUMunicipalities = []string{home}
	f.ingest(t, o)
	if n := count(t, f.store, `SELECT count(*) FROM ou`); n != 3 {
		t.Fatalf("%d OUs stored, want the home municipality's 3", n)
	}
	if n := count(t, f.store, `SELECT count(*) FROM observation WHERE unit_kind = 'ou' AND indicator_id = 'N15033'`); n != 6 {
		t.Fatalf("%d OU values, want 6", n)
	}
	for _, uri := range f.fake.Log() {
		if strings.HasPrefix(uri, "/v3/oudata/") && !strings.Contains(uri, "/kpi/N15033/ou/") {
			t.Fatalf("OU data asked for a KPI without OU data: %s", uri)
		}
	}
	if second := f.ingest(t, o); second.Changed() {
		t.Fatalf("second run changed %+v", second.LoadResult)
	}
}
