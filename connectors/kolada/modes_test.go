package kolada

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nyckeltal/nyckeltal/connectors/kolada/koladafake"
	"github.com/nyckeltal/nyckeltal/internal/store"
)

// answerModes are the ways Kolada might answer where public evidence does
// not settle how it does (docs/KOLADA-API.md): every quirk of the fake alone,
// and combinations that meet (404 after a last page that has a next_url;
// next_url losing both parameters while never ending).
func answerModes(t *testing.T) map[string]koladafake.Quirks {
	modes := map[string]koladafake.Quirks{}
	for _, name := range append(koladafake.QuirkNames(),
		"404-no-data,empty-last-page",
		"empty-last-page,next-url-drops-from-date,next-url-drops-per-page",
		"all",
		"all,reject-groups") {
		q, err := koladafake.ParseQuirks(name)
		if err != nil {
			t.Fatal(err)
		}
		modes[name] = q
	}
	return modes
}

// loadsOf is what the scenario's loads said, per load.
type loadsOf []Result

// runScenario runs the same loads as every mode does and returns the store's
// dump and the loads' results:
//  1. a full load of every municipality (one KPI left out), small pages;
//  2. Kolada revises, nulls and deletes values: an incremental load whose
//     answer spans pages;
//  3. nothing changed in the KPIs asked for: an incremental load whose answer
//     is empty (the changes of 2 are of today, and from_date is a date);
//  4. listed municipalities and a group id, with the KPI left out before:
//     fetched whole for them, the rest as changes;
//  5. a value disappears: a --full load ends it.
func runScenario(t *testing.T, f *fixture, ds *koladafake.Dataset) (string, loadsOf) {
	t.Helper()
	var loads loadsOf
	o := f.options()
	o.PerPage = 7
	o.KPIs = allKPIs()[:len(allKPIs())-1] // all but U23401
	loads = append(loads, f.ingest(t, o))

	later := time.Now().Add(time.Hour)
	for i := range 10 {
		f.fake.SetValue("N20900", koladafake.FictionalID(i), 2024, "T", ptr(float64(i)-4.5), later)
	}
	f.fake.SetValue("N30001", koladafake.FictionalID(3), 2023, "T", nil, later)
	f.fake.DeleteValue("N28018", koladafake.FictionalID(4), 2024, "T", later)
	f.fake.DeleteValue("N28018", koladafake.FictionalID(5), 2025, "T", later)
	loads = append(loads, f.ingest(t, o))
	quiet := o
	quiet.KPIs = nil
	for _, k := range o.KPIs {
		if k != "N20900" && k != "N30001" && k != "N28018" {
			quiet.KPIs = append(quiet.KPIs, k)
		}
	}
	loads = append(loads, f.ingest(t, quiet))

	listed := o
	listed.KPIs = allKPIs()
	listed.Municipalities = []string{koladafake.FictionalID(0), ds.Groups[1].ID}
	loads = append(loads, f.ingest(t, listed))

	// Gone without a deletion mark: only a full refresh notices.
	f.fake.SetValue("N13020", koladafake.FictionalID(6), 2022, "T", ptr(1), snapshotDay.AddDate(0, 0, -40))
	f.fake.DeleteValue("N13020", koladafake.FictionalID(6), 2022, "T", snapshotDay.AddDate(0, 0, -40))
	full := o
	full.Full = true
	loads = append(loads, f.ingest(t, full))
	return storeDump(t, f.store), loads
}

// storeDump renders what a mode must not change: every version of every
// value with the load (by its place in the sequence) that began and ended it,
// the loads' counts, coverage, metadata, the group values computed from the
// members, and the NKA gap. Load ids and times are left out; requests and
// values set aside too, since a mode may cost more requests and send more
// rows — but a value lost, added or written by another load shows.
func storeDump(t *testing.T, st *store.Store) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`WITH l AS (SELECT load_id, row_number() OVER (ORDER BY load_id) AS n FROM load)
		 SELECT v.source, v.indicator_id, v.unit_kind, v.unit_id, v.period_type, v.period_start, v.year, v.gender, v.regi,
		        v.value, v.count, v.status, v.preliminary, f.n AS from_load, e.n AS to_load
		 FROM observation_version v JOIN l f ON f.load_id = v.valid_from_load LEFT JOIN l e ON e.load_id = v.valid_to_load
		 ORDER BY ALL`,
		`SELECT row_number() OVER (ORDER BY load_id), source, mode, status, rows_read, rows_inserted, rows_updated, rows_deleted
		 FROM load ORDER BY load_id`,
		`WITH l AS (SELECT load_id, row_number() OVER (ORDER BY load_id) AS n FROM load)
		 SELECT c.indicator_id, c.scope, c.year, l.n FROM load_coverage c JOIN l USING (load_id) ORDER BY ALL`,
		`SELECT kpi_id, title, publ_period, publication_date, raw FROM kpi ORDER BY ALL`,
		`SELECT municipality_id, title, type FROM municipality ORDER BY ALL`,
		`SELECT group_id, title FROM municipality_group ORDER BY ALL`,
		`SELECT group_id, member_id, member_title FROM municipality_group_member ORDER BY ALL`,
		`SELECT group_id, kpi_id, year, gender, round(value, 9), members_with_value, members, preliminary, note
		 FROM v_kolada_group_value ORDER BY ALL`,
		`SELECT municipality_id, area, year, round(nka_pct, 9), peer_group_id, peer_count, round(peer_mean_pct, 9),
		        round(gap_pp, 9), round(gap_mnkr, 9), preliminary, note
		 FROM v_nka_gap ORDER BY ALL`,
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
		n := 0
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, vals...)
			n++
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatalf("the dump query has no rows, so it compares nothing: %s", q)
		}
		b.WriteString("--\n")
	}
	return b.String()
}

// firstDiff shows where two dumps part, for the failure message.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) && i < len(g); i++ {
		if w[i] != g[i] {
			return fmt.Sprintf("line %d:\n want %s\n got  %s", i+1, w[i], g[i])
		}
	}
	return fmt.Sprintf("want %d lines, got %d", len(w), len(g))
}

// TestEveryAnswerModeEndsWithTheSameStore is the acceptance test of the
// connector against the ways Kolada might answer: the same loads through
// every mode of the fake end with the same store as through the plain one,
// and each load says what it set aside, restored or counted.
func TestEveryAnswerModeEndsWithTheSameStore(t *testing.T) {
	t.Parallel()
	plainDS := smallSynthetic()
	plain := newFixture(t, plainDS)
	want, plainLoads := runScenario(t, plain, plainDS)
	for i, l := range plainLoads {
		if notes := l.Notes(); len(notes) > 0 && !(i == 3 && len(notes) == 1) {
			t.Fatalf("plain load %d has notes: %q", i+1, notes)
		}
	}
	if plainLoads[1].Updated+plainLoads[1].Deleted != 13 || plainLoads[2].RowsRead != 0 || plainLoads[3].Inserted == 0 ||
		plainLoads[4].Deleted != 1 {
		t.Fatalf("the scenario does not do what it says: load 3 %+v, load 5 %+v", plainLoads[2].LoadResult, plainLoads[4].LoadResult)
	}

	faulty := koladafake.Faults{Seed: 5, Rate503: 0.05, Rate429: 0.05, RetryAfter: time.Second, RateTruncate: 0.05, RateReset: 0.05}
	for name, q := range answerModes(t) {
		for _, faults := range []bool{false, true} {
			if faults && name != "all" {
				continue // every quirk at once, with faults on top
			}
			if faults {
				name += "+faults"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				ds := smallSynthetic()
				f := newFixture(t, ds)
				f.fake.SetQuirks(q)
				if faults {
					f.fake.SetFaults(faulty)
				}
				got, loads := runScenario(t, f, ds)
				if got != want {
					t.Fatalf("the store after mode %s (faults %v) differs from the plain mode's: %s", q, faults, firstDiff(want, got))
				}
				checkModeNotes(t, q, loads, f.store)
			})
		}
	}
}

// checkModeNotes: what a mode changed is said, never silent.
func checkModeNotes(t *testing.T, q koladafake.Quirks, loads loadsOf, st *store.Store) {
	t.Helper()
	var setAside int64
	var notFound, emptyNext, restored int
	for _, l := range loads {
		setAside += l.SetAside.Total()
		notFound += l.NotFound
		emptyNext += l.EmptyWithNext
		restored += len(l.Restored)
		if (l.SetAside.Total() > 0 || l.NotFound > 0 || l.EmptyWithNext > 0 || len(l.Restored) > 0) && len(l.Notes()) == 0 {
			t.Fatalf("load %d changed something but has no note: %+v", l.LoadID, l)
		}
	}
	if q.ExtraUnits {
		if setAside == 0 {
			t.Fatal("rows of units not asked for were not counted")
		}
		if n := count(t, st, `SELECT sum(rows_skipped) FROM load`); n != setAside {
			t.Fatalf("load.rows_skipped sums to %d, the loads set aside %d", n, setAside)
		}
	}
	if q.NotFoundForNoData && notFound == 0 {
		t.Fatal("no 404 was counted as no data")
	}
	if q.EmptyLastPage && !q.NotFoundForNoData && emptyNext == 0 {
		t.Fatal("no empty page with a next_url was counted")
	}
	if (q.DropFromDate || q.DropPerPage) && restored == 0 {
		t.Fatal("no next_url parameter was counted as restored")
	}
}

// TestAnswerModesAfterAProbe: the probe finds each mode's answers, stores
// them, and the connector, following them, still ends with the same store.
func TestAnswerModesAfterAProbe(t *testing.T) {
	t.Parallel()
	plainDS := smallSynthetic()
	plain := newFixture(t, plainDS)
	want, _ := runScenario(t, plain, plainDS)
	for _, name := range []string{"404-no-data", "all", "all,reject-groups"} {
		q, _ := koladafake.ParseQuirks(name)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ds := smallSynthetic()
			f := newFixture(t, ds)
			f.fake.SetQuirks(q)
			probe, err := Probe(t.Context(), f.client, f.probeOptions())
			if err != nil {
				t.Fatal(err)
			}
			if err := f.store.SaveKoladaProbe(t.Context(), probe); err != nil {
				t.Fatal(err)
			}
			got, loads := runScenario(t, f, ds)
			if got != want {
				t.Fatalf("after a probe, the store of mode %s differs from the plain mode's: %s", q, firstDiff(want, got))
			}
			if q.NotFoundForNoData && !loads[2].NoDataAs404 {
				t.Fatal("the load did not follow the probe's finding that no data is a 404")
			}
		})
	}
}
