package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/nyckeltal/nyckeltal/internal/store"
)

var errSource = errors.New("the source is down")

// loadJob writes one load of a value, or fails it with err.
func loadJob(name string, value float64, err error) Job {
	return Func{JobName: name, Fn: func(ctx context.Context, st *store.Store) (Result, error) {
		l, berr := st.BeginLoad(ctx, store.LoadSpec{Source: name, Mode: "file"})
		if berr != nil {
			return Result{}, berr
		}
		o := store.Observation{Source: name, IndicatorID: "X1", UnitKind: store.UnitMunicipality, UnitID: "0581",
			Period: store.YearPeriod(2025), Gender: store.GenderTotal, Regi: store.RegiAll, Value: &value}
		if serr := l.Stage(o); serr != nil {
			return Result{}, serr
		}
		l.CountRead(1)
		if err != nil {
			return Result{}, errors.Join(err, l.Fail(ctx, err))
		}
		_, cerr := l.Commit(ctx)
		return Result{Summary: name + " done"}, cerr
	}}
}

func TestRunnerRunsEveryJobRecordsAndLogs(t *testing.T) {
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "p.duckdb"), store.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var logs bytes.Buffer
	var started []string
	r := Runner{Log: zerolog.New(&logs), OnJobStart: func(j string) { started = append(started, j) }}
	rep := r.Run(t.Context(), st, "run-1", store.TriggerRun, []Job{
		loadJob("a", 1, nil), loadJob("b", 2, errSource), loadJob("c", 3, nil),
	})
	if strings.Join(started, ",") != "a,b,c" {
		t.Fatalf("started %v: a failed job must not stop the next", started)
	}
	err = rep.Err()
	var jf *JobsFailedError
	if !errors.As(err, &jf) || len(jf.Failed) != 1 || jf.Failed[0].Job != "b" || !errors.Is(err, errSource) {
		t.Fatalf("report error %v: want job b failed, wrapping its cause", err)
	}
	runs, err := st.RunJobs(t.Context(), "run-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 3 {
		t.Fatalf("%d job runs recorded, want 3", len(runs))
	}
	for i, want := range []struct {
		job, status string
		load        int64
	}{{"a", "ok", 1}, {"b", "failed", 2}, {"c", "ok", 3}} {
		r := runs[i]
		if r.Job != want.job || r.Status != want.status || len(r.LoadIDs) != 1 || r.LoadIDs[0] != want.load || r.RowsRead != 1 {
			t.Fatalf("job run %d: %+v, want %+v", i, r, want)
		}
	}
	if !strings.Contains(runs[1].Error, "the source is down") {
		t.Fatalf("failed job's error: %q", runs[1].Error)
	}
	// One JSON line per job with the fields cron logs are searched by.
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d log lines, want one per job:\n%s", len(lines), logs.String())
	}
	for i, line := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"run_id", "job", "load_id", "rows_read", "rows_written", "requests", "duration_s", "outcome"} {
			if _, ok := m[k]; !ok {
				t.Fatalf("log line %d lacks %s: %s", i, k, line)
			}
		}
		if m["load_id"] != float64(i+1) {
			t.Fatalf("log line %d names load %v", i, m["load_id"])
		}
	}
	if !strings.Contains(lines[1], `"outcome":"failed"`) || !strings.Contains(lines[1], `"level":"error"`) {
		t.Fatalf("the failed job's line: %s", lines[1])
	}
}

func TestRunnerStopsStartingJobsWhenCancelled(t *testing.T) {
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "p.duckdb"), store.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx, cancel := context.WithCancel(t.Context())
	cancelling := Func{JobName: "a", Fn: func(ctx context.Context, st *store.Store) (Result, error) {
		cancel()
		return Result{}, ctx.Err()
	}}
	rep := (&Runner{Log: zerolog.Nop(), Now: time.Now}).Run(ctx, st, "run-2", store.TriggerSchedule, []Job{cancelling, loadJob("b", 1, nil)})
	if len(rep.Outcomes) != 1 || len(rep.NotRun) != 1 || rep.NotRun[0] != "b" {
		t.Fatalf("report %+v", rep)
	}
	if !errors.Is(rep.Err(), context.Canceled) {
		t.Fatalf("a cancelled run's error %v does not say so", rep.Err())
	}
	runs, _ := st.RunJobs(t.Context(), "run-2")
	if len(runs) != 1 || runs[0].Status != store.StatusFailed {
		t.Fatalf("the cancelled job is not recorded as failed: %+v", runs)
	}
}

func TestNewRunIDSortsByTime(t *testing.T) {
	a := NewRunID(time.Date(2026, 8, 16, 2, 0, 0, 0, time.UTC))
	b := NewRunID(time.Date(2026, 8, 16, 2, 0, 1, 0, time.UTC))
	if !strings.HasPrefix(a, "20260816T020000Z-") || a >= b {
		t.Fatalf("run ids %s, %s", a, b)
	}
}
