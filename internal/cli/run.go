package cli

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/nyckeltal/nyckeltal/internal/pipeline"
	"github.com/nyckeltal/nyckeltal/internal/store"
)

func newRunCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "run",
		Short: "The nightly run: every configured job in order, then publish",
		Long: `Run every configured job in order — 1. Kolada, changes only; 2. the inbox of
local extracts; 3. the derived tables — in one working copy of the store, then
publish it: the store file is replaced in one step, so analysts who have it open
keep their view and the next query that opens it sees the whole run.

A job that fails does not stop the next one and leaves its own data as it was;
its failure is recorded (see ` + "`nyckeltal status`" + `) and published with the rest.
The exit code is 0 only when every job succeeded; otherwise it is that of the
first failure (4 for Kolada unreachable, 3 for bad data …), and notify.command
runs when configured. A second writer started meanwhile exits at once with
code 5. Killed at any moment (kill -9, power cut), the run leaves the published
store exactly as it was; the next writer cleans up and records the interruption.

Each job writes one log line (JSON when not on a terminal) with run_id, job,
load_id, rows_read, rows_written, requests, duration_s and outcome.

This is what ` + "`make run`" + `, cron and the Windows Task Scheduler call; the daemon
` + "`nyckeltal schedule`" + ` runs the same jobs on their own schedules.`,
		Example: `  nyckeltal run
  nyckeltal --log-format json run >> /var/log/nyckeltal.log 2>&1   # in cron
  nyckeltal status --json | jq '.jobs'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.runJobs(cmd.Context(), store.TriggerRun, e.jobsFor(runOrder...), true)
		},
	}
	e.allowReadableKeyFlag(cmd, false)
	return cmd
}

// runJobs runs jobs in one write session and publishes the result; on
// failure it notifies. print writes the report to stdout.
func (e *env) runJobs(ctx context.Context, trigger string, jobs []pipeline.Job, print bool) error {
	// Job times are wall-clock facts, like the loads' times (the database
	// clock), whatever clock the command was given.
	start := time.Now()
	runID := pipeline.NewRunID(start)
	var rep pipeline.Report
	// Jobs read and check their input (the inbox's files) before the store
	// is locked.
	if err := pipeline.Prepare(ctx, jobs); err != nil {
		return err
	}
	err := e.withUpdate(ctx, runID, func(u *store.Update) error {
		runner := pipeline.Runner{Log: e.log, Now: time.Now, OnJobStart: u.SetJob}
		rep = runner.Run(ctx, u.Store(), runID, trigger, jobs)
		return rep.Err()
	})
	if rep.RunID == "" {
		rep = pipeline.Report{RunID: runID, Trigger: trigger}
	}
	if print {
		printRunReport(e.app.Stdout, rep)
		e.printPublished(ctx)
	}
	outcome := "ok"
	if err != nil {
		outcome = "failed"
		e.notifyFailure(ctx, rep, err)
	}
	e.log.Info().Str("run_id", runID).Str("trigger", trigger).Int("jobs", len(jobs)).
		Float64("duration_s", time.Since(start).Seconds()).Str("outcome", outcome).Msg("run finished")
	return err
}

func printRunReport(w io.Writer, rep pipeline.Report) {
	if len(rep.Outcomes) == 0 && len(rep.NotRun) == 0 {
		return
	}
	fmt.Fprintf(w, "Run %s (%s):\n", rep.RunID, rep.Trigger)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, o := range rep.Outcomes {
		status, text := "ok", o.Summary
		if !o.OK() {
			status, text = "FAILED", truncateText(o.Err.Error(), 160)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", o.Job, status, o.Finished.Sub(o.Started).Round(time.Millisecond), text)
	}
	for _, n := range rep.NotRun {
		fmt.Fprintf(tw, "  %s\tnot run\t\tinterrupted before it started\n", n)
	}
	tw.Flush()
}

// printPublished summarises the published store, as a reader sees it now.
func (e *env) printPublished(ctx context.Context) {
	st, err := e.openReader(context.WithoutCancel(ctx))
	if err != nil {
		return
	}
	defer st.Close()
	_ = printStoreLine(ctx, e.app.Stdout, st)
}
