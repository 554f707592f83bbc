package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/nyckeltal/nyckeltal/internal/pipeline"
	"github.com/nyckeltal/nyckeltal/internal/schedule"
	"github.com/nyckeltal/nyckeltal/internal/store"
)

// A scheduled job that finds the store busy (someone runs an ingest by hand)
// tries again every busyRetryEvery for up to busyRetryFor.
const (
	busyRetryEvery = time.Minute
	busyRetryFor   = 30 * time.Minute
)

func newScheduleCmd(e *env) *cobra.Command {
	var once string
	var list bool
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
			switch {
			case list:
				return e.listSchedule(cmd.Context())
			case once != "":
				if _, ok := e.jobCatalog()[once]; !ok {
					return usageErrorf("--once %q: no such job; this nyckeltal has %s", once, strings.Join(e.jobNames(), ", "))
				}
				return e.runScheduled(cmd.Context(), once, store.TriggerOnce, true)
			}
			return e.serveSchedule(cmd.Context())
		},
	}
	cmd.Flags().StringVar(&once, "once", "", "run this job now (then the derived tables), and exit")
	cmd.Flags().BoolVar(&list, "list", false, "list the jobs with their next run times and last success")
	e.allowReadableKeyFlag(cmd, false)
	cmd.MarkFlagsMutuallyExclusive("once", "list")
	return cmd
}

func (e *env) jobNames() []string {
	var names []string
	for n := range e.jobCatalog() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// scheduleEntries returns the configured entries this build can run, and the
// names of those it cannot.
func (e *env) scheduleEntries() (runnable []schedule.Entry, missing []string, err error) {
	cfg, err := e.config()
	if err != nil {
		return nil, nil, err
	}
	entries, err := cfg.Schedule.Entries()
	if err != nil {
		return nil, nil, err
	}
	cat := e.jobCatalog()
	for _, en := range entries {
		if _, ok := cat[en.Name]; ok {
			runnable = append(runnable, en)
		} else {
			missing = append(missing, en.Name)
		}
	}
	return runnable, missing, nil
}

// runScheduled runs one firing: the job, then the follow-ups. A job that can
// tell it has nothing to do (the inbox, empty) costs no write.
func (e *env) runScheduled(ctx context.Context, name, trigger string, print bool) error {
	main, ok := e.jobCatalog()[name]
	if !ok {
		return fmt.Errorf("no job %q in this nyckeltal", name)
	}
	if p, ok := main.(pipeline.Pender); ok && trigger != store.TriggerOnce {
		pending, err := p.Pending(ctx)
		if err != nil {
			e.log.Warn().Err(err).Str("job", name).Msg("could not tell whether the job has work; running it")
		} else if !pending {
			e.log.Debug().Str("job", name).Msg("nothing to do")
			return nil
		}
	}
	return e.runJobs(ctx, trigger, e.jobsFor(append([]string{name}, followUps...)...), print)
}

// lastSuccess reads a job's last success from the published store; a store
// that does not exist yet (or is older) has none.
func (e *env) lastSuccess(ctx context.Context, job string) (time.Time, bool, error) {
	st, err := e.openReader(ctx)
	if errors.Is(err, store.ErrNoStore) || errors.Is(err, store.ErrSchemaTooOld) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, err
	}
	defer st.Close()
	return st.LastJobSuccess(ctx, job)
}

func (e *env) serveSchedule(ctx context.Context) error {
	entries, missing, err := e.scheduleEntries()
	if err != nil {
		return err
	}
	for _, m := range missing {
		e.log.Warn().Str("job", m).Strs("known", e.jobNames()).Msg("schedule.jobs names a job this nyckeltal does not have; it is not scheduled")
	}
	cfg, _ := e.config()
	d := &schedule.Daemon{
		Entries: entries,
		Run: func(ctx context.Context, name, trigger string) error {
			return e.runScheduled(ctx, name, trigger, false)
		},
		LastSuccess: e.lastSuccess,
		Retry:       func(err error) bool { return errors.Is(err, store.ErrStoreBusy) },
		RetryEvery:  busyRetryEvery,
		RetryFor:    busyRetryFor,
		StopTimeout: cfg.Schedule.StopTimeout.Duration,
		Now:         e.app.Now,
		Log:         e.log,
	}
	return d.Serve(ctx)
}

func (e *env) listSchedule(ctx context.Context) error {
	entries, missing, err := e.scheduleEntries()
	if err != nil {
		return err
	}
	cfg, _ := e.config()
	now := e.app.Now()
	loc, _ := cfg.Schedule.Location()
	fmt.Fprintf(e.app.Stdout, "Schedule (time zone %s, now %s):\n", cfg.Schedule.TimeZone, now.In(loc).Format("2006-01-02 15:04 MST"))
	tw := tabwriter.NewWriter(e.app.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tSPEC\tNEXT RUNS\tLAST SUCCESS\tDUE NOW")
	for _, en := range entries {
		var next []string
		for _, t := range en.Schedule.Upcoming(now, 3) {
			next = append(next, t.In(en.Schedule.Location).Format("Mon 2006-01-02 15:04 MST"))
		}
		last, ok, err := e.lastSuccess(ctx, en.Name)
		lastText, due := "never", "yes (catch-up)"
		switch {
		case err != nil:
			lastText, due = "unknown: "+err.Error(), "?"
		case ok:
			lastText = last.In(en.Schedule.Location).Format("2006-01-02 15:04 MST")
			due = "no"
			if en.Schedule.Missed(last, now) {
				due = "yes (catch-up)"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", en.Name, en.Schedule.Spec, strings.Join(next, ", "), lastText, due)
	}
	for _, m := range missing {
		fmt.Fprintf(tw, "%s\t%s\t(not in this nyckeltal: not scheduled)\t\t\n", m, cfg.Schedule.Jobs[m])
	}
	return tw.Flush()
}
