package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/connectors/kolada"
	"github.com/nyckeltal/nyckeltal/internal/app/inbox"
	"github.com/nyckeltal/nyckeltal/internal/jobs"
	"github.com/nyckeltal/nyckeltal/internal/schedule"
	"github.com/nyckeltal/nyckeltal/internal/store"
)

// The jobs of `nyckeltal run` and of the schedule daemon.
//
// RunOrder is the order of a full run. A scheduled entry named X runs job X
// and then the follow-ups, which recompute what depends on the data. Names
// missing from the job catalogue are skipped.
var (
	RunOrder  = []string{"kolada", "inbox", "derived"}
	followUps = []string{"derived"}
)

// A scheduled job that finds the store busy (someone runs an ingest by hand)
// tries again every busyRetryEvery for up to busyRetryFor.
const (
	busyRetryEvery = time.Minute
	busyRetryFor   = 30 * time.Minute
)

// jobCatalog lists the jobs this build has, by name. "derived" (the tables
// and the report) is there when tables.out_dir is set.
func (a *App) jobCatalog() map[string]jobs.Job {
	cat := map[string]jobs.Job{
		"kolada":      a.koladaJob("kolada", false),
		"kolada-full": a.koladaJob("kolada-full", true),
		"inbox":       &inboxJob{a: a},
	}
	if cfg, err := a.Config(); err == nil && cfg.Tables.OutDir != "" {
		cat["derived"] = derivedJob{a}
	}
	return cat
}

// HasJob reports whether this build has a job of that name.
func (a *App) HasJob(name string) bool {
	_, ok := a.jobCatalog()[name]
	return ok
}

// JobNames are the jobs this build has, sorted.
func (a *App) JobNames() []string {
	var names []string
	for n := range a.jobCatalog() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// JobsFor returns the jobs of the names this build has, in order, without
// repeats.
func (a *App) JobsFor(names ...string) []jobs.Job {
	cat := a.jobCatalog()
	var out []jobs.Job
	seen := map[string]bool{}
	for _, n := range names {
		if j, ok := cat[n]; ok && !seen[n] {
			out = append(out, j)
			seen[n] = true
		}
	}
	return out
}

// RunJobs runs list in one write session and publishes the result; on
// failure it notifies (notify.command). done, when set, is given the run's
// report once the run is published (or has failed), before the notice.
func (a *App) RunJobs(ctx context.Context, trigger string, list []jobs.Job, done func(jobs.Report)) error {
	// Job times are wall-clock facts, like the loads' times (the database
	// clock), whatever clock the use case was given.
	start := time.Now()
	runID := jobs.NewRunID(start)
	var rep jobs.Report
	// Jobs read and check their input (the inbox's files) before the store
	// is locked.
	if err := jobs.Prepare(ctx, list); err != nil {
		return err
	}
	err := a.WithUpdate(ctx, runID, func(u *store.Update) error {
		runner := jobs.Runner{Log: a.Log, Now: time.Now, OnJobStart: u.SetJob}
		rep = runner.Run(ctx, u.Store(), runID, trigger, list)
		return rep.Err()
	})
	if rep.RunID == "" {
		rep = jobs.Report{RunID: runID, Trigger: trigger}
	}
	if done != nil {
		done(rep)
	}
	outcome := "ok"
	if err != nil {
		outcome = "failed"
		a.notifyFailure(ctx, rep, err)
	}
	a.Log.Info().Str("run_id", runID).Str("trigger", trigger).Int("jobs", len(list)).
		Float64("duration_s", time.Since(start).Seconds()).Str("outcome", outcome).Msg("run finished")
	return err
}

// RunScheduled runs one firing: the job, then the follow-ups. A job that can
// tell it has nothing to do (the inbox, empty) costs no write.
func (a *App) RunScheduled(ctx context.Context, name, trigger string, done func(jobs.Report)) error {
	main, ok := a.jobCatalog()[name]
	if !ok {
		return fmt.Errorf("no job %q in this nyckeltal", name)
	}
	if p, ok := main.(jobs.Pender); ok && trigger != store.TriggerOnce {
		pending, err := p.Pending(ctx)
		if err != nil {
			a.Log.Warn().Err(err).Str("job", name).Msg("could not tell whether the job has work; running it")
		} else if !pending {
			a.Log.Debug().Str("job", name).Msg("nothing to do")
			return nil
		}
	}
	return a.RunJobs(ctx, trigger, a.JobsFor(append([]string{name}, followUps...)...), done)
}

// ScheduleEntries returns the configured entries this build can run, and the
// names of those it cannot.
func (a *App) ScheduleEntries() (runnable []schedule.Entry, missing []string, err error) {
	cfg, err := a.Config()
	if err != nil {
		return nil, nil, err
	}
	entries, err := cfg.Schedule.Entries()
	if err != nil {
		return nil, nil, err
	}
	cat := a.jobCatalog()
	for _, en := range entries {
		if _, ok := cat[en.Name]; ok {
			runnable = append(runnable, en)
		} else {
			missing = append(missing, en.Name)
		}
	}
	return runnable, missing, nil
}

// LastSuccess reads a job's last success from the published store; a store
// that does not exist yet (or is older) has none.
func (a *App) LastSuccess(ctx context.Context, job string) (time.Time, bool, error) {
	st, err := a.OpenReader(ctx)
	if errors.Is(err, store.ErrNoStore) || errors.Is(err, store.ErrSchemaTooOld) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, err
	}
	defer st.Close()
	return st.LastJobSuccess(ctx, job)
}

// ServeSchedule runs the configured jobs on their schedules until ctx ends.
func (a *App) ServeSchedule(ctx context.Context) error {
	entries, missing, err := a.ScheduleEntries()
	if err != nil {
		return err
	}
	for _, m := range missing {
		a.Log.Warn().Str("job", m).Strs("known", a.JobNames()).Msg("schedule.jobs names a job this nyckeltal does not have; it is not scheduled")
	}
	cfg, _ := a.Config()
	d := &schedule.Daemon{
		Entries: entries,
		Run: func(ctx context.Context, name, trigger string) error {
			return a.RunScheduled(ctx, name, trigger, nil)
		},
		LastSuccess: a.LastSuccess,
		Retry:       func(err error) bool { return errors.Is(err, store.ErrStoreBusy) },
		RetryEvery:  busyRetryEvery,
		RetryFor:    busyRetryFor,
		StopTimeout: cfg.Schedule.StopTimeout.Duration,
		Now:         a.Now,
		Log:         a.Log,
	}
	return d.Serve(ctx)
}

// inboxJob loads the inbox of local extracts. It is pending only when a
// complete file waits, so that its frequent schedule costs nothing while the
// inbox is empty; its files are read and checked (Prepare) before the store
// is locked, and inbox moves them once the run is published.
type inboxJob struct {
	a     *App
	batch *inbox.Batch
	err   error
}

func (*inboxJob) Name() string { return "inbox" }

func (j *inboxJob) options() (inbox.Options, error) {
	cfg, err := j.a.Config()
	if err != nil {
		return inbox.Options{}, err
	}
	opts, err := inbox.FromConfig(cfg, j.a.SourceOptions())
	if err != nil {
		return opts, &UsageError{Err: err}
	}
	opts.Now = j.a.Now
	return opts, nil
}

func (j *inboxJob) Pending(context.Context) (bool, error) {
	opts, err := j.options()
	if err != nil {
		return false, err
	}
	return inbox.Pending(opts)
}

// Prepare reads and checks the inbox's complete files, without the store.
func (j *inboxJob) Prepare(ctx context.Context) error {
	opts, err := j.options()
	if err != nil {
		j.err = err
		return err
	}
	j.batch, j.err = inbox.Prepare(ctx, opts)
	return j.err
}

func (j *inboxJob) Run(ctx context.Context, st *store.Store) (jobs.Result, error) {
	opts, err := j.options()
	if err != nil {
		return jobs.Result{}, err
	}
	if j.batch == nil && j.err == nil {
		// The prepared batch or the error is what Run goes on with; the
		// error is kept in j.err.
		_ = j.Prepare(ctx)
	}
	batch, prepErr := j.batch, j.err
	j.batch, j.err = nil, nil
	if batch == nil {
		return jobs.Result{}, fmt.Errorf("processing the inbox: %w", prepErr)
	}
	res, err := batch.Load(ctx, st)
	err = errors.Join(prepErr, err)
	var loads []store.LoadResult
	for _, fr := range res.Files {
		loads = append(loads, fr.Load)
	}
	r := jobs.FromLoads(loads...)
	r.Summary = res.Summary(opts.InboxDir)
	switch {
	case err != nil:
		return r, fmt.Errorf("processing the inbox: %w", err)
	case res.Refused > 0:
		return r, FilesRefused("%d file(s) of the inbox refused; they go to %s with a .error.txt each", res.Refused, opts.RejectedDir)
	}
	return r, nil
}

// koladaJob is `ingest kolada` as a job: the configured set, changes only
// (or everything when full). It probes Kolada (`kolada probe`) first when no
// probe of its base URL is stored, and again after a failure the probe could
// explain; when that probe finds Kolada answering otherwise than before, the
// load is tried once more, following the new findings. A probe that fails
// does not fail the job; it is logged and said in the job's summary.
func (a *App) koladaJob(name string, full bool) jobs.Job {
	return jobs.Func{JobName: name, Fn: func(ctx context.Context, st *store.Store) (jobs.Result, error) {
		opts, err := a.KoladaOptions(KoladaRequest{Full: full})
		if err != nil {
			return jobs.Result{}, err
		}
		client, err := a.KoladaClient()
		if err != nil {
			return jobs.Result{}, err
		}
		opts.KPIs = addKPIs(opts.KPIs, a.catalogTitleKPIs(ctx, st, client, opts.BaseURL))
		var notes []string
		before, err := st.LatestKoladaProbe(ctx, strings.TrimSuffix(opts.BaseURL, "/"))
		if err != nil {
			return jobs.Result{}, err
		}
		if before == nil {
			if _, note := a.probeInJob(ctx, st, client, kolada.TriggerFirstRun, nil); note != "" {
				notes = append(notes, note)
			}
		}
		res, err := a.koladaJobLoad(ctx, st, client, opts)
		if err != nil && ctx.Err() == nil && kolada.ProbeCouldExplain(err) {
			prev, perr := st.LatestKoladaProbe(ctx, strings.TrimSuffix(opts.BaseURL, "/"))
			if perr != nil {
				return jobs.FromLoads(res.LoadResult), errors.Join(err, perr)
			}
			probe, note := a.probeInJob(ctx, st, client, kolada.TriggerAfterFailure, prev)
			if note != "" {
				notes = append(notes, note)
			}
			if probe != nil && probe.Answer(kolada.BehaviourNoData) != prev.Answer(kolada.BehaviourNoData) {
				a.Log.Warn().Err(err).Msg("Kolada answers otherwise than probed before; loading once more, following the new probe")
				notes = append(notes, fmt.Sprintf("laddning %d misslyckades (%v); laddades igen efter avläsningen", res.LoadID, Shorten(err.Error(), 120)))
				res, err = a.koladaJobLoad(ctx, st, client, opts)
			}
		}
		r := jobs.FromLoads(res.LoadResult)
		if err != nil {
			if len(notes) > 0 {
				err = fmt.Errorf("%w (%s)", err, strings.Join(notes, "; "))
			}
			return r, fmt.Errorf("ingesting Kolada: %w", err)
		}
		mode := res.Mode
		if res.Mode == "incremental" {
			mode = "ändringar"
			if res.FromDate != "" {
				mode += " sedan " + res.FromDate
			}
		}
		r.Summary = fmt.Sprintf("Kolada-laddning %d (%s): %s värden lästa, %s nya, %s ändrade, %s avslutade; %s anrop",
			res.LoadID, mode, FormatInt(res.RowsRead), FormatInt(res.Inserted), FormatInt(res.Updated),
			FormatInt(res.Deleted), FormatInt(res.Requests))
		if all := append(notes, res.Notes()...); len(all) > 0 {
			r.Summary += "; " + strings.Join(all, "; ")
		}
		if head, _, err := a.groupProblems(ctx, st); err != nil {
			return r, err
		} else if head != "" {
			r.Summary += "; varning: " + head
		}
		return r, nil
	}}
}

// koladaJobLoad is one Kolada load of a job, with progress on a terminal.
func (a *App) koladaJobLoad(ctx context.Context, st *store.Store, client *kolada.Client, opts kolada.Options) (kolada.Result, error) {
	prog := a.progress()
	opts.Progress = prog.Update
	defer prog.Done()
	return kolada.Ingest(ctx, st, client, opts)
}

// probeInJob probes Kolada and stores the findings. It returns the probe (nil
// when it failed) and a note for the job's summary.
func (a *App) probeInJob(ctx context.Context, st *store.Store, client *kolada.Client, trigger string, prev *store.KoladaProbe) (*store.KoladaProbe, string) {
	po, err := a.ProbeOptions(trigger)
	if err != nil {
		return nil, "ingen avläsning av Kolada: " + err.Error()
	}
	probe, err := kolada.Probe(ctx, client, po)
	if err == nil {
		err = st.SaveKoladaProbe(ctx, probe)
	}
	if err != nil {
		a.Log.Warn().Err(err).Str("trigger", trigger).Msg("probing Kolada failed; the load goes ahead with what was known")
		return nil, "avläsningen av Kolada misslyckades: " + Shorten(err.Error(), 120)
	}
	var changed []string
	for _, f := range probe.Findings {
		if prev != nil && prev.Answer(f.Behaviour) != f.Answer {
			changed = append(changed, fmt.Sprintf("%s %s (var %s)", f.Behaviour, f.Answer, OrDash(prev.Answer(f.Behaviour))))
		}
	}
	ev := a.Log.Info().Str("trigger", trigger).Int64("probe_id", probe.ID).Int64("requests", probe.Requests)
	for _, f := range probe.Findings {
		ev = ev.Str(f.Behaviour, f.Answer)
	}
	ev.Msg("probed Kolada")
	note := fmt.Sprintf("läste av hur Kolada svarar (%s, avläsning %d)", probeTriggerText(trigger), probe.ID)
	if len(changed) > 0 {
		note += ": " + strings.Join(changed, ", ")
	}
	return probe, note
}

// probeTriggerText says for people why a run probed Kolada.
func probeTriggerText(trigger string) string {
	switch trigger {
	case kolada.TriggerFirstRun:
		return "första körningen"
	case kolada.TriggerAfterFailure:
		return "efter ett fel"
	}
	return trigger
}

// FailureSummary is what notify.command reads on stdin (format json).
type FailureSummary struct {
	RunID    string       `json:"run_id"`
	Trigger  string       `json:"trigger"`
	Host     string       `json:"host"`
	Store    string       `json:"store"`
	ExitCode int          `json:"exit_code"`
	Error    string       `json:"error"`
	Hint     string       `json:"hint,omitempty"`
	Jobs     []JobSummary `json:"jobs"`
}

// JobSummary is one job of a FailureSummary.
type JobSummary struct {
	Job         string  `json:"job"`
	Outcome     string  `json:"outcome"`
	LoadIDs     []int64 `json:"load_ids,omitempty"`
	RowsRead    int64   `json:"rows_read"`
	RowsWritten int64   `json:"rows_written"`
	Requests    int64   `json:"requests"`
	DurationS   float64 `json:"duration_s"`
	Error       string  `json:"error,omitempty"`
}

func (a *App) summarize(rep jobs.Report, err error) FailureSummary {
	host, _ := os.Hostname()
	path, _ := a.DBPath()
	var code int
	var hint string
	if a.Describe != nil {
		code, hint = a.Describe(err)
	}
	s := FailureSummary{RunID: rep.RunID, Trigger: rep.Trigger, Host: host, Store: path,
		ExitCode: code, Error: err.Error(), Hint: hint, Jobs: []JobSummary{}}
	for _, o := range rep.Outcomes {
		js := JobSummary{Job: o.Job, Outcome: "ok", LoadIDs: o.LoadIDs, RowsRead: o.RowsRead,
			RowsWritten: o.RowsWritten, Requests: o.Requests, DurationS: o.Finished.Sub(o.Started).Seconds()}
		if o.Err != nil {
			js.Outcome, js.Error = "failed", o.Err.Error()
		}
		s.Jobs = append(s.Jobs, js)
	}
	for _, n := range rep.NotRun {
		s.Jobs = append(s.Jobs, JobSummary{Job: n, Outcome: "not run"})
	}
	return s
}

// Text is the summary as the mail of a failed run reads.
func (s FailureSummary) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "nyckeltal: run %s (%s) on %s failed (exit code %d).\n\n", s.RunID, s.Trigger, s.Host, s.ExitCode)
	fmt.Fprintf(&b, "Error: %s\n", s.Error)
	if s.Hint != "" {
		fmt.Fprintf(&b, "Hint: %s\n", s.Hint)
	}
	if len(s.Jobs) > 0 {
		b.WriteString("\nJobs:\n")
		for _, j := range s.Jobs {
			fmt.Fprintf(&b, "  %-12s %-8s %6.1fs", j.Job, j.Outcome, j.DurationS)
			if j.Error != "" {
				fmt.Fprintf(&b, "  %s", j.Error)
			}
			b.WriteString("\n")
		}
	}
	fmt.Fprintf(&b, "\nStore: %s. A failed job leaves its previous data in place; `nyckeltal status` shows the details.\n", s.Store)
	return b.String()
}

// notifyFailure runs notify.command, when configured, with the summary on
// stdin. Its own failure is logged, never returned: the run's error is the
// news.
func (a *App) notifyFailure(ctx context.Context, rep jobs.Report, runErr error) {
	cfg, err := a.Config()
	if err != nil || len(cfg.Notify.Command) == 0 {
		return
	}
	s := a.summarize(rep, runErr)
	var input []byte
	if cfg.Notify.Format == "json" {
		input, _ = json.MarshalIndent(s, "", "  ")
	} else {
		input = []byte(s.Text())
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.Notify.Timeout.Duration)
	defer cancel()
	cmd := exec.CommandContext(cctx, cfg.Notify.Command[0], cfg.Notify.Command[1:]...)
	cmd.Stdin = bytes.NewReader(input)
	cmd.Env = append(os.Environ(), "NYCKELTAL_RUN_ID="+s.RunID, fmt.Sprintf("NYCKELTAL_EXIT_CODE=%d", s.ExitCode))
	out, err := cmd.CombinedOutput()
	if err != nil {
		if errors.Is(cctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("stopped after %s: %w", cfg.Notify.Timeout.Duration, err)
		}
		a.Log.Error().Err(err).Strs("command", cfg.Notify.Command).Str("output", Shorten(string(out), 500)).
			Msg("notify.command failed")
		return
	}
	a.Log.Info().Strs("command", cfg.Notify.Command).Str("run_id", s.RunID).Msg("failure notified")
}
