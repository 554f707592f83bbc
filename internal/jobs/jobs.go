// Package jobs runs the jobs of a run — Kolada, the inbox of local
// extracts, the derived tables — in order, on one writable store, and records
// and logs each job's outcome. It knows nothing of sources: a job is anything
// with a name that writes the store given a context.
//
// A job must keep each of its writes in one transaction (store loads do), so
// that a job that fails leaves the store as it was plus the record of its
// failure: the runner goes on with the next job, and the writer publishes the
// result.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/nyckeltal/nyckeltal/internal/store"
)

// Job is one step of a run.
type Job interface {
	Name() string
	Run(ctx context.Context, st *store.Store) (Result, error)
}

// Pender is implemented by jobs that can tell cheaply, without the write lock
// and without copying the store, whether they have anything to do (the inbox:
// are files waiting?). A scheduled run whose main job has nothing pending is
// skipped.
type Pender interface {
	Pending(ctx context.Context) (bool, error)
}

// Preparer is implemented by jobs that read and check their input before
// the store is locked (the inbox: every file is read whole first), so that
// the write lock is held only while the store is written. The runner's
// caller calls Prepare on every job before it takes the lock; a job whose
// Prepare was not called prepares in Run.
type Preparer interface {
	Prepare(ctx context.Context) error
}

// Prepare calls Prepare on every job that is a Preparer. A job's error is
// kept for its Run to report, so that one job's trouble does not stop the
// others; only a cancelled context stops Prepare.
func Prepare(ctx context.Context, jobs []Job) error {
	for _, j := range jobs {
		if p, ok := j.(Preparer); ok {
			if err := p.Prepare(ctx); err != nil && ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	return nil
}

// Result is what a job did.
type Result struct {
	LoadIDs     []int64
	RowsRead    int64
	RowsWritten int64 // new, changed and ended versions, or rows of derived tables
	Requests    int64
	// Summary is one line for people, printed by `nyckeltal run`.
	Summary string
}

// FromLoads sums load results into a job result.
func FromLoads(lrs ...store.LoadResult) Result {
	var r Result
	for _, l := range lrs {
		if l.LoadID != 0 {
			r.LoadIDs = append(r.LoadIDs, l.LoadID)
		}
		r.RowsRead += l.RowsRead
		r.RowsWritten += l.Inserted + l.Updated + l.Deleted
		r.Requests += l.Requests
	}
	return r
}

// Func makes a Job of a function.
type Func struct {
	JobName string
	Fn      func(ctx context.Context, st *store.Store) (Result, error)
}

// Name is the job's name.
func (f Func) Name() string { return f.JobName }

// Run runs the function.
func (f Func) Run(ctx context.Context, st *store.Store) (Result, error) { return f.Fn(ctx, st) }

// Outcome is how one job went.
type Outcome struct {
	Job string
	Result
	Started  time.Time
	Finished time.Time
	Err      error
}

// OK reports whether the job succeeded.
func (o Outcome) OK() bool { return o.Err == nil }

// Report is a whole run.
type Report struct {
	RunID    string
	Trigger  string
	Outcomes []Outcome
	// NotRun are the jobs a cancellation kept from starting.
	NotRun []string
}

// Err is nil when every job ran and succeeded, else a *JobsFailedError.
func (r Report) Err() error {
	var failed []Outcome
	for _, o := range r.Outcomes {
		if !o.OK() {
			failed = append(failed, o)
		}
	}
	if len(failed) == 0 && len(r.NotRun) == 0 {
		return nil
	}
	return &JobsFailedError{RunID: r.RunID, Failed: failed, NotRun: r.NotRun, Total: len(r.Outcomes) + len(r.NotRun)}
}

// JobsFailedError says which jobs of a run failed. errors.Is and errors.As see
// each job's own error, so the exit code follows the first cause.
type JobsFailedError struct {
	RunID  string
	Failed []Outcome
	NotRun []string
	Total  int
}

// Error names the jobs that failed, not their errors: each job's error is
// said once, in its own log line (and the run's report, and job_run), so
// that the run's error does not repeat them.
func (e *JobsFailedError) Error() string {
	var parts []string
	if len(e.Failed) > 0 {
		names := make([]string, len(e.Failed))
		for i, o := range e.Failed {
			names[i] = o.Job
		}
		parts = append(parts, "failed: "+strings.Join(names, ", "))
	}
	if len(e.NotRun) > 0 {
		parts = append(parts, "not run: "+strings.Join(e.NotRun, ", "))
	}
	return fmt.Sprintf("run %s: %d of %d jobs did not succeed: %s", e.RunID, len(e.Failed)+len(e.NotRun), e.Total, strings.Join(parts, "; "))
}

// Unwrap returns each failed job's error.
func (e *JobsFailedError) Unwrap() []error {
	var errs []error
	for _, o := range e.Failed {
		errs = append(errs, o.Err)
	}
	if len(e.NotRun) > 0 && len(errs) == 0 {
		errs = append(errs, context.Canceled)
	}
	return errs
}

// Runner runs jobs in order.
type Runner struct {
	Log zerolog.Logger
	Now func() time.Time
	// OnJobStart is told each job's name before it runs (the writer names it
	// in its lock holder file).
	OnJobStart func(job string)
}

// Run runs jobs in order on st. A failed job does not stop the next; a
// cancelled context does. Every job that ran is recorded in job_run and
// logged as one line.
func (r *Runner) Run(ctx context.Context, st *store.Store, runID, trigger string, jobs []Job) Report {
	now := r.Now
	if now == nil {
		now = time.Now
	}
	rep := Report{RunID: runID, Trigger: trigger}
	for i, j := range jobs {
		if ctx.Err() != nil {
			for _, rest := range jobs[i:] {
				rep.NotRun = append(rep.NotRun, rest.Name())
			}
			r.Log.Warn().Str("run_id", runID).Strs("jobs", rep.NotRun).Msg("run interrupted; these jobs were not started")
			break
		}
		if r.OnJobStart != nil {
			r.OnJobStart(j.Name())
		}
		o := Outcome{Job: j.Name(), Started: now()}
		before, berr := st.MaxLoadID(ctx)
		o.Result, o.Err = j.Run(ctx, st)
		o.Finished = now()
		if o.Err != nil && ctx.Err() != nil {
			o.Err = fmt.Errorf("stopped before it finished (Ctrl-C, SIGTERM or shutdown): %w", o.Err)
		}
		if berr == nil {
			o.Result = withLoads(ctx, st, before, o.Result)
		}
		if rerr := st.RecordJobRun(ctx, jobRun(runID, trigger, o)); rerr != nil {
			o.Err = errors.Join(o.Err, rerr)
		}
		r.logOutcome(runID, trigger, o)
		rep.Outcomes = append(rep.Outcomes, o)
	}
	return rep
}

// withLoads completes a job's result from the loads it wrote (ids above
// before), so that every job — a failed one too — names its loads and counts
// without having to report them itself.
func withLoads(ctx context.Context, st *store.Store, before int64, r Result) Result {
	loads, err := st.LoadsAfter(context.WithoutCancel(ctx), before)
	if err != nil || len(loads) == 0 {
		return r
	}
	var sum Result
	for _, l := range loads {
		sum.LoadIDs = append(sum.LoadIDs, l.ID)
		sum.RowsRead += l.RowsRead
		sum.RowsWritten += l.Inserted + l.Updated + l.Deleted
		sum.Requests += l.Requests
	}
	r.LoadIDs = sum.LoadIDs
	if r.RowsRead == 0 && r.RowsWritten == 0 && r.Requests == 0 {
		r.RowsRead, r.RowsWritten, r.Requests = sum.RowsRead, sum.RowsWritten, sum.Requests
	}
	return r
}

func jobRun(runID, trigger string, o Outcome) store.JobRun {
	jr := store.JobRun{RunID: runID, Job: o.Job, Trigger: trigger, Status: store.StatusOK,
		StartedAt: o.Started, FinishedAt: o.Finished, LoadIDs: o.LoadIDs, RowsRead: o.RowsRead,
		RowsWritten: o.RowsWritten, Requests: o.Requests}
	if o.Err != nil {
		jr.Status = store.StatusFailed
		jr.Error = o.Err.Error()
	}
	return jr
}

// logOutcome writes the one line per job that cron logs and monitoring keep.
func (r *Runner) logOutcome(runID, trigger string, o Outcome) {
	ev := r.Log.Info()
	outcome := "ok"
	if o.Err != nil {
		ev = r.Log.Error().Err(o.Err)
		outcome = "failed"
		if errors.Is(o.Err, context.Canceled) {
			outcome = "cancelled"
		}
	}
	var loadID int64
	if len(o.LoadIDs) > 0 {
		loadID = o.LoadIDs[len(o.LoadIDs)-1]
	}
	ev.Str("run_id", runID).Str("job", o.Job).Str("trigger", trigger).Int64("load_id", loadID).
		Ints64("load_ids", o.LoadIDs).Int64("rows_read", o.RowsRead).Int64("rows_written", o.RowsWritten).
		Int64("requests", o.Requests).Float64("duration_s", o.Finished.Sub(o.Started).Seconds()).
		Str("outcome", outcome).Msg("job finished")
}

// NewRunID names a run: its start in UTC and a few random characters, so
// that ids sort by time and never collide between hosts.
func NewRunID(now time.Time) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}
