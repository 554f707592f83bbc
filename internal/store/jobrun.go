package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/version"
)

// JobRun is one job of a run, as recorded in job_run.
type JobRun struct {
	ID          int64     `json:"job_run_id"`
	RunID       string    `json:"run_id"`
	Job         string    `json:"job"`
	Trigger     string    `json:"trigger"`
	Status      string    `json:"status"`
	StartedAt   time.Time `json:"started_at"`
	FinishedAt  time.Time `json:"finished_at"`
	LoadIDs     []int64   `json:"load_ids,omitempty"`
	RowsRead    int64     `json:"rows_read"`
	RowsWritten int64     `json:"rows_written"`
	Requests    int64     `json:"requests"`
	Error       string    `json:"error,omitempty"`
	Host        string    `json:"host,omitempty"`
	PID         int       `json:"pid,omitempty"`
}

// Job triggers.
const (
	TriggerRun       = "run"       // nyckeltal run
	TriggerSchedule  = "schedule"  // the daemon, at a scheduled time
	TriggerCatchUp   = "catch-up"  // the daemon, at start, for a run missed while it was down
	TriggerOnce      = "once"      // nyckeltal schedule --once
	TriggerRecovered = "recovered" // recorded by the next writer for one that was killed
)

// RecordJobRun writes one finished job. It works even when ctx is cancelled:
// a cancelled job's record is part of stopping cleanly.
func (s *Store) RecordJobRun(ctx context.Context, r JobRun) error {
	if s.mode != ReadWrite {
		return errors.New("recording job run: store is open read-only")
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if r.Host == "" {
		r.Host, _ = os.Hostname()
	}
	if r.PID == 0 {
		r.PID = os.Getpid()
	}
	var loadIDs any
	if len(r.LoadIDs) > 0 {
		loadIDs = r.LoadIDs
	}
	_, err := s.db.ExecContext(ctx, query("RecordJobRun"), r.RunID, r.Job, r.Trigger, r.StartedAt, r.FinishedAt, r.Status, loadIDs, r.RowsRead, r.RowsWritten,
		r.Requests, nullString(r.Error), r.Host, r.PID, version.String())
	if err != nil {
		return fmt.Errorf("recording job run %s/%s: %w", r.RunID, r.Job, err)
	}
	return nil
}

// RecordInterrupted records that the writer h was killed before it published:
// its job failed, and nothing it did is in the store.
func (s *Store) RecordInterrupted(ctx context.Context, h Holder) error {
	job := h.Job
	if job == "" {
		job = h.Command
	}
	return s.RecordJobRun(ctx, JobRun{
		RunID: h.RunID, Job: job, Trigger: TriggerRecovered, Status: StatusFailed,
		StartedAt: h.Since, FinishedAt: time.Now(), Host: h.Host, PID: h.PID,
		Error: fmt.Sprintf("interrupted: %s ended without finishing (killed, or the machine stopped); nothing it wrote was published", h),
	})
}

// LastJobSuccess returns when the last successful run of job started, and
// false when it never succeeded.
func (s *Store) LastJobSuccess(ctx context.Context, job string) (time.Time, bool, error) {
	var t sql.NullTime
	err := s.db.QueryRowContext(ctx, query("LastJobSuccess"), job).Scan(&t)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("reading the last success of job %s: %w", job, err)
	}
	return t.Time, t.Valid, nil
}

func scanJobRun(sc *sql.Rows) (JobRun, error) {
	var r JobRun
	var ids duckList
	err := sc.Scan(&r.ID, &r.RunID, &r.Job, &r.Trigger, &r.Status, &r.StartedAt, &r.FinishedAt, &ids,
		&r.RowsRead, &r.RowsWritten, &r.Requests, &r.Error, &r.Host, &r.PID)
	r.LoadIDs = ids
	return r, err
}

// duckList scans a DuckDB BIGINT[] into []int64.
type duckList []int64

func (l *duckList) Scan(v any) error {
	*l = nil
	items, ok := v.([]any)
	if !ok {
		if v == nil {
			return nil
		}
		return fmt.Errorf("scanning a list: got %T", v)
	}
	for _, it := range items {
		n, ok := it.(int64)
		if !ok {
			return fmt.Errorf("scanning a list item: got %T", it)
		}
		*l = append(*l, n)
	}
	return nil
}

// JobStatus is one job's last success and last failure.
type JobStatus struct {
	Job         string  `json:"job"`
	LastSuccess *JobRun `json:"last_success,omitempty"`
	LastFailure *JobRun `json:"last_failure,omitempty"`
	// AgeHours is the time since the last success finished.
	AgeHours *float64 `json:"age_hours,omitempty"`
}

// JobStatuses returns every job that ever ran, by name.
func (s *Store) JobStatuses(ctx context.Context, now time.Time) ([]JobStatus, error) {
	runs, err := scanRows(ctx, s.db, query("JobStatuses"), scanJobRun)
	if err != nil {
		return nil, fmt.Errorf("reading job runs: %w", err)
	}
	var out []JobStatus
	for _, r := range runs {
		if len(out) == 0 || out[len(out)-1].Job != r.Job {
			out = append(out, JobStatus{Job: r.Job})
		}
		js := &out[len(out)-1]
		if r.Status == StatusOK {
			js.LastSuccess = &r
			age := now.Sub(r.FinishedAt).Hours()
			js.AgeHours = &age
		} else {
			js.LastFailure = &r
		}
	}
	return out, nil
}

// RunJobs returns the job runs of one run, in order.
func (s *Store) RunJobs(ctx context.Context, runID string) ([]JobRun, error) {
	out, err := scanRows(ctx, s.db, query("RunJobs"), scanJobRun, runID)
	if err != nil {
		return nil, fmt.Errorf("reading run %s: %w", runID, err)
	}
	return out, nil
}

// MaxLoadID is the newest load's id, 0 when there is none.
func (s *Store) MaxLoadID(ctx context.Context) (int64, error) {
	var id sql.NullInt64
	if err := s.db.QueryRowContext(ctx, query("MaxLoadID")).Scan(&id); err != nil {
		return 0, fmt.Errorf("reading the newest load: %w", err)
	}
	return id.Int64, nil
}

// LoadsAfter returns the loads with an id above id, oldest first: what a job
// that began when id was the newest load wrote.
func (s *Store) LoadsAfter(ctx context.Context, id int64) ([]LoadInfo, error) {
	return s.queryLoads(ctx, "LoadsAfter", id)
}
