package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/swedish"
)

// scheduleOptions are the options of `nyckeltal schedule`.
type scheduleOptions struct {
	once string
	list bool
}

func newScheduleCmd(f *factory) *cobra.Command {
	opts := &scheduleOptions{}
	cmd := &cobra.Command{
		Use:   "schedule",
		Short: "Run the jobs on their schedules (a daemon); --list shows them, --once runs one now",
		Long: `Run the jobs of [schedule.jobs] on their cron schedules until stopped. The
defaults: kolada (changes only) every night at 02:00, the inbox every 15 minutes,
kolada-full on Sunday at 03:00, in Europe/Stockholm time. Each firing runs its job
and then the derived tables, in one working copy of the store that is published
when they end — the same as ` + "`nyckeltal run`" + `, one firing at a time. A firing
that comes while the previous one of the same job still runs is skipped; a panic
is logged and the daemon goes on.

The daemon remembers nothing itself: each job's last success is in the store
(table job_run). At start, a job whose last success is older than its schedule
allows — the server was down at 02:00 — runs at once.

SIGTERM or SIGINT (Ctrl-C): no new firing starts, the running one is cancelled
(its load is recorded as failed, nothing half-written is published) and the
daemon exits 0 once it has stopped, or 1 after schedule.stop_timeout.

--list prints each job's spec, its next runs and its last success; --once JOB
runs one job now, exactly as the daemon would, and exits with its outcome.
Examples for cron, systemd and the Windows Task Scheduler are in schedules/.`,
		Example: `  nyckeltal schedule                       # the daemon; see schedules/nyckeltal-schedule.service
  nyckeltal schedule --list
  nyckeltal schedule --once kolada-full`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSchedule(cmd.Context(), opts, f)
		},
	}
	cmd.Flags().StringVar(&opts.once, "once", "", "run this job now (then the derived tables), and exit")
	cmd.Flags().BoolVar(&opts.list, "list", false, "list the jobs with their next run times and last success")
	f.allowReadableKeyFlag(cmd, false)
	cmd.MarkFlagsMutuallyExclusive("once", "list")
	return cmd
}

func runSchedule(ctx context.Context, opts *scheduleOptions, f *factory) error {
	switch {
	case opts.list:
		return f.listSchedule(ctx)
	case opts.once != "":
		if !f.app.HasJob(opts.once) {
			return usageErrorf("--once %q: no such job; this nyckeltal has %s", opts.once, strings.Join(f.app.JobNames(), ", "))
		}
		return f.app.RunScheduled(ctx, opts.once, store.TriggerOnce, f.printRun(ctx))
	}
	return f.app.ServeSchedule(ctx)
}

func (f *factory) listSchedule(ctx context.Context) error {
	entries, missing, err := f.app.ScheduleEntries()
	if err != nil {
		return err
	}
	cfg, _ := f.app.Config()
	now := f.io.Now()
	loc, _ := cfg.Schedule.Location()
	fmt.Fprintf(f.stdout, "Schema (tidszon %s, nu %s):\n", cfg.Schedule.TimeZone, now.In(loc).Format("2006-01-02 15:04 MST"))
	tw := tabwriter.NewWriter(f.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "JOBB\tSCHEMA\tNÄSTA KÖRNINGAR\tSENAST LYCKAD\tSKA KÖRAS NU")
	for _, en := range entries {
		var next []string
		for _, t := range en.Schedule.Upcoming(now, 3) {
			next = append(next, swedish.DayTime(t, en.Schedule.Location))
		}
		last, ok, err := f.app.LastSuccess(ctx, en.Name)
		lastText, due := "aldrig", "ja (ikapp)"
		switch {
		case err != nil:
			lastText, due = "okänd: "+err.Error(), "?"
		case ok:
			lastText = last.In(en.Schedule.Location).Format("2006-01-02 15:04 MST")
			due = "nej"
			if en.Schedule.Missed(last, now) {
				due = "ja (ikapp)"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", en.Name, en.Schedule.Spec, strings.Join(next, ", "), lastText, due)
	}
	for _, m := range missing {
		fmt.Fprintf(tw, "%s\t%s\t(finns inte i denna version av nyckeltal: schemaläggs inte)\t\t\n", m, cfg.Schedule.Jobs[m])
	}
	return tw.Flush()
}
