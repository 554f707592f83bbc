package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.duckdb")
	s, err := Open(t.Context(), path, ReadWrite)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s, path
}

func f64(v float64) *float64 { return &v }
func i64(v int64) *int64     { return &v }

func obs(kpi, unit string, year int, value *float64) Observation {
	return Observation{Source: "kolada", IndicatorID: kpi, UnitKind: UnitMunicipality, UnitID: unit,
		Period: YearPeriod(year), Gender: GenderTotal, Regi: RegiAll, Value: value, Count: i64(1)}
}

// load stages the observations and scopes and commits them.
func load(t *testing.T, s *Store, mode string, rows []Observation, scopes ...Scope) LoadResult {
	t.Helper()
	l, err := s.BeginLoad(t.Context(), LoadSpec{Source: "kolada", Mode: mode})
	if err != nil {
		t.Fatalf("BeginLoad: %v", err)
	}
	for _, o := range rows {
		if err := l.Stage(o); err != nil {
			t.Fatalf("Stage: %v", err)
		}
	}
	for _, sc := range scopes {
		if err := l.StageScope(sc); err != nil {
			t.Fatalf("StageScope: %v", err)
		}
	}
	l.CountRead(int64(len(rows)))
	res, err := l.Commit(t.Context())
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	return res
}

type current struct {
	value  sql.NullFloat64
	loadID int64
}

func currentValues(t *testing.T, s *Store) map[string]current {
	t.Helper()
	rows, err := s.DB().QueryContext(t.Context(), `SELECT indicator_id || '/' || unit_id || '/' || year, value, load_id FROM observation`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]current{}
	for rows.Next() {
		var k string
		var c current
		if err := rows.Scan(&k, &c.value, &c.loadID); err != nil {
			t.Fatal(err)
		}
		out[k] = c
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func countRows(t *testing.T, s *Store, q string) int64 {
	t.Helper()
	var n int64
	if err := s.DB().QueryRowContext(t.Context(), q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestMergeLifecycle(t *testing.T) {
	s, _ := openTemp(t)
	base := []Observation{
		obs("N20900", "0581", 2023, f64(1.5)),
		obs("N20900", "0581", 2024, f64(-2.25)),
		obs("N20900", "1267", 2024, nil),
	}

	first := load(t, s, "full", base)
	if first.Inserted != 3 || first.Updated != 0 || first.Deleted != 0 {
		t.Fatalf("first load: got %+v, want 3 inserted", first)
	}

	second := load(t, s, "full", base)
	if second.Changed() {
		t.Fatalf("identical second load changed something: %+v", second)
	}
	if n := countRows(t, s, `SELECT count(*) FROM observation_version`); n != 3 {
		t.Fatalf("identical second load wrote history: %d versions, want 3", n)
	}

	cur := currentValues(t, s)
	if c := cur["N20900/1267/2024"]; c.value.Valid {
		t.Fatalf("NULL value came back as %v", c.value.Float64)
	}
	if c := cur["N20900/0581/2024"]; c.loadID != first.LoadID {
		t.Fatalf("unchanged row names load %d, want the load that wrote it (%d)", c.loadID, first.LoadID)
	}

	revised := []Observation{obs("N20900", "0581", 2024, f64(-2.5))}
	third := load(t, s, "incremental", revised)
	if third.Updated != 1 || third.Inserted != 0 {
		t.Fatalf("revision: got %+v, want 1 updated", third)
	}
	cur = currentValues(t, s)
	if c := cur["N20900/0581/2024"]; c.value.Float64 != -2.5 || c.loadID != third.LoadID {
		t.Fatalf("revised value: got %+v", c)
	}
	if n := countRows(t, s, `SELECT count(*) FROM observation_history WHERE unit_id = '0581' AND year = 2024`); n != 2 {
		t.Fatalf("revision kept %d versions, want 2", n)
	}

	// As of the moment between the first and the third load, the old value holds.
	var asOf float64
	err := s.DB().QueryRowContext(t.Context(), `SELECT value FROM observation_as_of(?::TIMESTAMPTZ)
		WHERE unit_id = '0581' AND year = 2024`, second.FinishedAt).Scan(&asOf)
	if err != nil || asOf != -2.25 {
		t.Fatalf("as-of value: got %v, %v; want -2.25", asOf, err)
	}

	gone := obs("N20900", "0581", 2023, nil)
	gone.Deleted = true
	fourth := load(t, s, "incremental", []Observation{gone})
	if fourth.Deleted != 1 {
		t.Fatalf("isdeleted: got %+v, want 1 deleted", fourth)
	}
	if _, ok := currentValues(t, s)["N20900/0581/2023"]; ok {
		t.Fatal("deleted value is still current")
	}
	if n := countRows(t, s, `SELECT count(*) FROM observation_history WHERE unit_id = '0581' AND year = 2023`); n != 1 {
		t.Fatalf("deleted value lost its history: %d versions", n)
	}
}

func TestScopeRefreshEndsMissingValues(t *testing.T) {
	s, _ := openTemp(t)
	load(t, s, "full", []Observation{
		obs("N20900", "0581", 2024, f64(1)),
		obs("N20900", "1267", 2024, f64(2)),
		obs("N30001", "1267", 2024, f64(3)),
	})
	res := load(t, s, "full", []Observation{obs("N20900", "0581", 2024, f64(1))},
		Scope{Source: "kolada", IndicatorID: "N20900", UnitKind: UnitMunicipality, PeriodType: PeriodYear, Year: 2024})
	if res.Deleted != 1 || res.Inserted+res.Updated != 0 {
		t.Fatalf("refresh: got %+v, want exactly 1 deleted", res)
	}
	cur := currentValues(t, s)
	if _, ok := cur["N20900/1267/2024"]; ok {
		t.Fatal("value missing from a full refresh is still current")
	}
	if _, ok := cur["N30001/1267/2024"]; !ok {
		t.Fatal("value outside the refreshed scope was ended")
	}
}

func TestFailedLoadLeavesNoTrace(t *testing.T) {
	s, _ := openTemp(t)
	load(t, s, "full", []Observation{obs("N20900", "0581", 2024, f64(1))})
	before := currentValues(t, s)

	ctx, cancel := context.WithCancel(t.Context())
	l, err := s.BeginLoad(ctx, LoadSpec{Source: "kolada", Mode: "full"})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Stage(obs("N20900", "0581", 2024, f64(99))); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := l.Fail(ctx, context.Canceled); err != nil {
		t.Fatalf("Fail with a cancelled context: %v", err)
	}
	after := currentValues(t, s)
	if after["N20900/0581/2024"] != before["N20900/0581/2024"] {
		t.Fatalf("failed load changed current data: %+v", after)
	}
	last, err := s.LastLoad(t.Context(), "kolada", StatusFailed)
	if err != nil || last == nil || last.ID != l.ID() || last.Error == "" {
		t.Fatalf("failed load not recorded with its error: %+v, %v", last, err)
	}
}

func TestCommitCancelledRollsBack(t *testing.T) {
	s, _ := openTemp(t)
	load(t, s, "full", []Observation{obs("N20900", "0581", 2024, f64(1))})
	ctx, cancel := context.WithCancel(t.Context())
	l, err := s.BeginLoad(ctx, LoadSpec{Source: "kolada", Mode: "full"})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Stage(obs("N20900", "0581", 2024, f64(2))); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := l.Commit(ctx); err == nil {
		t.Fatal("Commit with a cancelled context succeeded")
	}
	if v := currentValues(t, s)["N20900/0581/2024"].value.Float64; v != 1 {
		t.Fatalf("cancelled commit changed the value to %v", v)
	}
	if n := countRows(t, s, `SELECT count(*) FROM load WHERE status = 'running'`); n != 0 {
		t.Fatalf("%d loads left running", n)
	}
}

func TestAbandonedLoadIsFailedAtNextOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "abandoned.duckdb")
	s, err := Open(t.Context(), path, ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(t.Context(), `INSERT INTO load (source, mode, started_at, status) VALUES ('kolada', 'full', now(), 'running')`); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(t.Context(), path, ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := countRows(t, s, `SELECT count(*) FROM load WHERE status = 'failed' AND error LIKE 'interrupted%'`); n != 1 {
		t.Fatalf("abandoned load not marked failed (%d)", n)
	}
}

func TestValidateRejects(t *testing.T) {
	good := obs("N20900", "0581", 2024, f64(1))
	tests := []struct {
		name   string
		mutate func(*Observation)
	}{
		{"gender", func(o *Observation) { o.Gender = "X" }},
		{"regi", func(o *Observation) { o.Regi = "kommunal" }},
		{"unit kind", func(o *Observation) { o.UnitKind = "county" }},
		{"period type", func(o *Observation) { o.Period.Type = "week" }},
		{"empty unit", func(o *Observation) { o.UnitID = "" }},
		{"end before start", func(o *Observation) { o.Period.End = o.Period.Start.AddDate(0, 0, -1) }},
	}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid observation rejected: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := good
			tt.mutate(&o)
			if err := o.Validate(); !errors.Is(err, ErrInvalidObservation) {
				t.Fatalf("got %v, want ErrInvalidObservation", err)
			}
		})
	}
}

func TestPeriods(t *testing.T) {
	d := func(s string) time.Time { v, _ := time.Parse(time.DateOnly, s); return v }
	tests := []struct {
		name       string
		p          Period
		start, end string
	}{
		{"year", YearPeriod(2024), "2024-01-01", "2024-12-31"},
		{"q1", QuarterPeriod(2024, 1), "2024-01-01", "2024-03-31"},
		{"q4", QuarterPeriod(2024, 4), "2024-10-01", "2024-12-31"},
		{"february leap", MonthPeriod(2024, time.February), "2024-02-01", "2024-02-29"},
		{"delår augusti", InterimPeriod(2024, time.August), "2024-01-01", "2024-08-31"},
		{"delår december", InterimPeriod(2024, time.December), "2024-01-01", "2024-12-31"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.p.Start.Equal(d(tt.start)) || !tt.p.End.Equal(d(tt.end)) || tt.p.Year != 2024 {
				t.Fatalf("got %s..%s year %d", tt.p.Start.Format(time.DateOnly), tt.p.End.Format(time.DateOnly), tt.p.Year)
			}
		})
	}
}

func TestMetadataUpsertIsIdempotent(t *testing.T) {
	s, _ := openTemp(t)
	pub := time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC)
	stageMeta := func(title string) {
		l, err := s.BeginLoad(t.Context(), LoadSpec{Source: "kolada", Mode: "full"})
		if err != nil {
			t.Fatal(err)
		}
		must := func(err error) {
			if err != nil {
				t.Fatal(err)
			}
		}
		must(l.StageKPI(KPI{ID: "N20900", Title: title, PublicationDate: &pub, PublPeriod: "2025", Raw: `{"id":"N20900","title":"` + title + `"}`}))
		must(l.StageMunicipality(Municipality{ID: "1267", Title: "Höör", Type: "K"}))
		must(l.StageGroup(Group{ID: "G1", Title: "Liknande kommuner IFO, Höör, 2024", Members: []GroupMember{{ID: "0128", Title: "Salem"}, {ID: "1214", Title: "Svalöv"}}}))
		if _, err := l.Commit(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	stageMeta("Nettokostnadsavvikelse äldreomsorg, (%)")
	first := countRows(t, s, `SELECT max(updated_load) FROM kpi`)
	stageMeta("Nettokostnadsavvikelse äldreomsorg, (%)")
	if got := countRows(t, s, `SELECT max(updated_load) FROM kpi`); got != first {
		t.Fatalf("unchanged KPI was rewritten by load %d", got)
	}
	stageMeta("Nettokostnadsavvikelse äldreomsorg (%)")
	if got := countRows(t, s, `SELECT max(updated_load) FROM kpi`); got == first {
		t.Fatal("changed KPI title was not written")
	}
	if n := countRows(t, s, `SELECT count(*) FROM municipality_group_member WHERE group_id = 'G1'`); n != 2 {
		t.Fatalf("group has %d members, want 2", n)
	}
}

func TestMigrationsUpgradeAndRefuse(t *testing.T) {
	ms, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "old.duckdb")

	// A file written by a binary that knew only the first migration.
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	old := &Store{db: db, path: path, mode: ReadWrite}
	if err := old.migrateWith(t.Context(), ms[:1]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(t.Context(), `INSERT INTO municipality VALUES ('0581', 'Norrköping', 'K', NULL)`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := Open(t.Context(), path, ReadWrite)
	if err != nil {
		t.Fatalf("upgrading an old file: %v", err)
	}
	if v, _ := s.SchemaVersion(t.Context()); v != LatestSchemaVersion() {
		t.Fatalf("schema version %d after upgrade, want %d", v, LatestSchemaVersion())
	}
	if n := countRows(t, s, `SELECT count(*) FROM municipality`); n != 1 {
		t.Fatal("upgrade lost data")
	}
	// A newer binary wrote version len+1: this binary must refuse it.
	if _, err := s.DB().ExecContext(t.Context(), `INSERT INTO schema_migration (version, name, checksum) VALUES (?, 'future', 'x')`, LatestSchemaVersion()+1); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []Mode{ReadWrite, ReadOnly} {
		if _, err := Open(t.Context(), path, mode); !errors.Is(err, ErrSchemaTooNew) {
			t.Fatalf("mode %d: got %v, want ErrSchemaTooNew", mode, err)
		}
	}
}

func TestReadOnlyNeedsExistingCurrentStore(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(t.Context(), filepath.Join(dir, "missing.duckdb"), ReadOnly); !errors.Is(err, ErrNoStore) {
		t.Fatalf("missing store: got %v, want ErrNoStore", err)
	}
	path := filepath.Join(dir, "v0.duckdb")
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE x (a INT)`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(t.Context(), path, ReadOnly); !errors.Is(err, ErrSchemaTooOld) {
		t.Fatalf("old store read-only: got %v, want ErrSchemaTooOld", err)
	}
}

func TestReadMigrationsRejectsGapsAndDuplicates(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"gap": {
			"migrations/0001_init.sql":  {Data: []byte("SELECT 1;")},
			"migrations/0003_later.sql": {Data: []byte("SELECT 1;")},
		},
		"duplicate": {
			"migrations/0001_init.sql": {Data: []byte("SELECT 1;")},
			"migrations/0002_a.sql":    {Data: []byte("SELECT 1;")},
			"migrations/0002_b.sql":    {Data: []byte("SELECT 1;")},
		},
		"bad name": {"migrations/1_init.sql": {Data: []byte("SELECT 1;")}},
	} {
		if _, err := readMigrations(fsys); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestParseQueryBlocks(t *testing.T) {
	out := map[string]string{}
	err := parseQueryBlocks("x.sql", "-- header\n-- name: A\nSELECT 1;\n\n-- name: B\nSELECT 2;\nSELECT 3;\n", out)
	if err != nil {
		t.Fatal(err)
	}
	if out["A"] != "SELECT 1;" || out["B"] != "SELECT 2;\nSELECT 3;" || len(out) != 2 {
		t.Fatalf("got %q", out)
	}
	if err := parseQueryBlocks("y.sql", "-- name: A\nSELECT 4;", out); err == nil {
		t.Fatal("a duplicate query name was accepted")
	}
}

func TestSearchKPIsIgnoresCaseAndAccents(t *testing.T) {
	s, _ := openTemp(t)
	l, err := s.BeginLoad(t.Context(), LoadSpec{Source: "kolada", Mode: "full"})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []KPI{
		{ID: "N20900", Title: "Nettokostnadsavvikelse äldreomsorg, (%)"},
		{ID: "U23401", Title: "Väntetid i antal dagar till särskilt boende"},
		{ID: "N00097", Title: "Nettokostnadsavvikelse totalt (exkl. LSS), andel (%)"},
	} {
		if err := l.StageKPI(k); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		want []string
	}{
		{"aldreomsorg", []string{"N20900"}},
		{"NETTOKOSTNADSAVVIKELSE", []string{"N00097", "N20900"}},
		{"nettokostnad lss", []string{"N00097"}},
		{"vantetid boende", []string{"U23401"}},
		{"100%", nil},
	}
	for _, tt := range tests {
		got, err := s.SearchKPIs(t.Context(), tt.text, 10)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, k := range got {
			ids = append(ids, k.ID)
		}
		if len(ids) != len(tt.want) || (len(ids) > 0 && ids[0] != tt.want[0]) {
			t.Errorf("%q: got %v, want %v", tt.text, ids, tt.want)
		}
	}
}

func TestDuplicateKeysInOneLoadLastWins(t *testing.T) {
	s, _ := openTemp(t)
	res := load(t, s, "full", []Observation{
		obs("N20900", "0581", 2024, f64(1)),
		obs("N20900", "1267", 2024, f64(5)),
		obs("N20900", "0581", 2024, f64(2)),
	})
	if res.Inserted != 2 {
		t.Fatalf("inserted %d, want 2 keys", res.Inserted)
	}
	if v := currentValues(t, s)["N20900/0581/2024"].value.Float64; v != 2 {
		t.Fatalf("value %v, want the last staged (2)", v)
	}
	if n := countRows(t, s, `SELECT count(*) FROM observation_version`); n != 2 {
		t.Fatalf("%d versions, want 2", n)
	}
}

func TestRestageAsFinalYieldsToDeliveredValues(t *testing.T) {
	s, _ := openTemp(t)
	p1, p2 := obs("N20900", "0581", 2025, f64(1)), obs("N20900", "1267", 2025, f64(2))
	p1.Preliminary, p2.Preliminary = true, true
	load(t, s, "full", []Observation{p1, p2})

	l, err := s.BeginLoad(t.Context(), LoadSpec{Source: "kolada", Mode: "incremental"})
	if err != nil {
		t.Fatal(err)
	}
	revised := obs("N20900", "0581", 2025, f64(1.5)) // delivered again, final and revised
	if err := l.Stage(revised); err != nil {
		t.Fatal(err)
	}
	pairs, err := l.PreliminaryPairs(t.Context(), "kolada")
	if err != nil || len(pairs) != 1 {
		t.Fatalf("pairs %v, %v", pairs, err)
	}
	n, err := l.RestageAsFinal(t.Context(), "kolada", pairs[0])
	if err != nil || n != 1 {
		t.Fatalf("restaged %d (%v), want only the key not delivered", n, err)
	}
	res, err := l.Commit(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if res.Updated != 2 || res.Inserted != 0 {
		t.Fatalf("got %+v, want 2 updated", res)
	}
	cur := currentValues(t, s)
	if cur["N20900/0581/2025"].value.Float64 != 1.5 || cur["N20900/1267/2025"].value.Float64 != 2 {
		t.Fatalf("values after settling: %+v", cur)
	}
	if n := countRows(t, s, `SELECT count(*) FROM observation WHERE preliminary`); n != 0 {
		t.Fatalf("%d values still preliminary", n)
	}
}
