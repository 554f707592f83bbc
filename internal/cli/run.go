package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/nyckeltal/nyckeltal/internal/app"
	"github.com/nyckeltal/nyckeltal/internal/jobs"
	"github.com/nyckeltal/nyckeltal/internal/store"
)

// runOptions are the options of `nyckeltal run` (it has none of its own).
type runOptions struct{}

func newRunCmd(f *factory) *cobra.Command {
	opts := &runOptions{}
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
			return runRun(cmd.Context(), opts, f)
		},
	}
	f.allowReadableKeyFlag(cmd, false)
	return cmd
}

func runRun(ctx context.Context, _ *runOptions, f *factory) error {
	return f.app.RunJobs(ctx, store.TriggerRun, f.app.JobsFor(app.RunOrder...), f.printRun(ctx))
}

// printRun prints a run's report and the published store, once the run
// is published.
func (f *factory) printRun(ctx context.Context) func(jobs.Report) {
	return func(rep jobs.Report) {
		printRunReport(f.stdout, rep)
		f.printPublished(ctx)
	}
}

func printRunReport(w *output, rep jobs.Report) {
	if len(rep.Outcomes) == 0 && len(rep.NotRun) == 0 {
		return
	}
	fmt.Fprintf(w, "Körning %s (%s):\n", rep.RunID, rep.Trigger)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, o := range rep.Outcomes {
		status, text := "ok", o.Summary
		if !o.OK() {
			status, text = "MISSLYCKADES", app.Shorten(o.Err.Error(), 160)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", o.Job, status, durationText(o.Finished.Sub(o.Started)), text)
	}
	for _, n := range rep.NotRun {
		fmt.Fprintf(tw, "  %s\tej kört\t\tavbröts innan det startade\n", n)
	}
	_ = tw.Flush() // a failed write stays in w, which the command returns
}

// printPublished summarises the published store, as a reader sees it now.
func (f *factory) printPublished(ctx context.Context) {
	st, err := f.app.OpenReader(context.WithoutCancel(ctx))
	if err != nil {
		return
	}
	defer st.Close()
	// A store line that cannot be read is left out: the command's work is
	// done and published.
	_ = printStoreLine(ctx, f.stdout, st)
}
