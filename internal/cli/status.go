package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/nyckeltal/nyckeltal/internal/app"
	"github.com/nyckeltal/nyckeltal/internal/store"
)

// statusOptions are the options of `nyckeltal status`.
type statusOptions struct {
	json   bool
	recent int
}

func newStatusCmd(f *factory) *cobra.Command {
	opts := &statusOptions{}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show what the store holds, the latest loads and how fresh each source is",
		Long: `Show the store's size and schema version, per source the current values, the
last successful and the last failed load with its error, the age of the newest
data (freshness), per job of ` + "`nyckeltal run`" + ` and the schedule daemon the last
success and the last failure, the newest error, a writer at work, and the latest
loads. It opens the store read-only, so it never waits for a running load and
never needs the write lock.

It also checks the indicator catalogue (tables.catalog, else the built-in
uppdragsplan) against the store: Kolada titles without a certain id, KPIs not
fetched yet, ids Kolada does not know and KPIs Kolada publishes for regions
only, each with the entry it belongs to.

--json is meant for monitoring: exit code 0 and a stable document with
age_hours per source, jobs[].last_success and jobs[].last_failure, last_error,
writer, size_bytes and catalog.problems (see docs/OPERATIONS.md).`,
		Example: `  nyckeltal status
  nyckeltal status --json | jq '.sources[] | {source, age_hours}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runStatus(cmd.Context(), opts, f)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print JSON for monitoring")
	cmd.Flags().IntVar(&opts.recent, "loads", 10, "how many recent loads to list")
	return cmd
}

func runStatus(ctx context.Context, opts *statusOptions, f *factory) error {
	r, err := f.app.Status(ctx, opts.recent)
	if err != nil {
		return err
	}
	if opts.json {
		enc := json.NewEncoder(f.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	printStatus(f.stdout, r.Status)
	printCatalogStatus(f.stdout, r.Catalog, r.CatalogErr)
	return nil
}

func printStatus(w *output, s *store.Status) {
	fmt.Fprintf(w, "Store %s: %s, schema version %d\n", s.Path, formatBytes(s.SizeBytes), s.SchemaVersion)
	fmt.Fprintf(w, "Metadata: %s KPIs, %s municipalities, %s groups (%s members), %s organisational units\n\n",
		formatInt(s.KPIs), formatInt(s.Municipalities), formatInt(s.Groups), formatInt(s.GroupMembers), formatInt(s.OUs))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tCURRENT VALUES\tVERSIONS\tINDICATORS\tLAST SUCCESS\tAGE\tLAST FAILURE")
	for _, src := range s.Sources {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", src.Source, formatInt(src.CurrentValues), formatInt(src.Versions),
			formatInt(src.Indicators), loadWhen(src.LastSuccess), ageText(src.AgeHours), failureText(src.LastFailure))
	}
	if len(s.Sources) == 0 {
		fmt.Fprintln(tw, "(no loads yet)")
	}
	_ = tw.Flush() // a failed write stays in w, which the command returns
	printOperations(w, s)
	if len(s.RecentLoads) == 0 {
		return
	}
	fmt.Fprintln(w, "\nRecent loads:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LOAD\tSOURCE\tMODE\tSTATUS\tSTARTED\tDURATION\tREAD\tNEW\tCHANGED\tENDED\tREQUESTS\tERROR")
	for _, l := range s.RecentLoads {
		dur := "—"
		if l.FinishedAt != nil {
			dur = l.FinishedAt.Sub(l.StartedAt).Round(100 * time.Millisecond).String()
		}
		mode := l.Mode
		if l.FileName != "" {
			mode += " " + truncateText(l.FileName, 40)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l.ID, l.Source, mode, l.Status,
			l.StartedAt.Local().Format("2006-01-02 15:04"), dur, formatInt(l.RowsRead), formatInt(l.Inserted),
			formatInt(l.Updated), formatInt(l.Deleted), formatInt(l.Requests), truncateText(l.Error, 80))
	}
	_ = tw.Flush() // a failed write stays in w, which the command returns
}

// printCatalogStatus lists the catalogue's Kolada entries the tables cannot
// fill, in Swedish, as the tables' notes say it.
func printCatalogStatus(w *output, cs *app.CatalogStatus, err error) {
	if err != nil {
		fmt.Fprintf(w, "\nIndikatorkatalogen kan inte läsas: %v\n", err)
		return
	}
	if cs == nil {
		return
	}
	fmt.Fprintf(w, "\nIndikatorkatalog %s: %d nyckeltal från Kolada", cs.Catalog, cs.KoladaKPIs)
	if len(cs.Problems) == 0 {
		fmt.Fprintln(w, ", alla hämtade och med id")
		return
	}
	fmt.Fprintf(w, "; %d att åtgärda:\n", len(cs.Problems))
	// KPIs not fetched, or unknown to Kolada, are one line each kind: a new
	// store, or a server without them, would otherwise list dozens.
	grouped := map[string][]string{}
	for _, p := range cs.Problems {
		if p.Problem == "not_fetched" || p.Problem == "unknown_to_kolada" {
			grouped[p.Problem] = append(grouped[p.Problem], p.KPI)
			continue
		}
		fmt.Fprintf(w, "  %s: %s\n", p.Entry, p.Text)
	}
	for _, g := range []struct{ problem, text string }{
		{"not_fetched", "har inte hämtats från Kolada än; det görs vid nästa körning (`nyckeltal run`)"},
		{"unknown_to_kolada", "finns inte i Kolada:s nyckeltalskatalog; kontrollera id:na i katalogen"},
	} {
		if ids := grouped[g.problem]; len(ids) > 0 {
			sort.Strings(ids)
			fmt.Fprintf(w, "  %d nyckeltal %s: %s\n", len(ids), g.text, strings.Join(ids, ", "))
		}
	}
}

func loadWhen(l *store.LoadInfo) string {
	if l == nil {
		return "never"
	}
	t := l.StartedAt
	if l.FinishedAt != nil {
		t = *l.FinishedAt
	}
	return fmt.Sprintf("%s (load %d)", t.Local().Format("2006-01-02 15:04"), l.ID)
}

func failureText(l *store.LoadInfo) string {
	if l == nil {
		return "—"
	}
	return loadWhen(l) + ": " + truncateText(l.Error, 60)
}

func ageText(h *float64) string {
	if h == nil {
		return "—"
	}
	d := time.Duration(*h * float64(time.Hour))
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%.0f h", d.Hours())
	}
	return fmt.Sprintf("%.0f days", d.Hours()/24)
}

func truncateText(s string, n int) string { return app.Shorten(s, n) }

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// printOperations shows the jobs of runs and the schedule, the newest error,
// and a writer at work.
func printOperations(w *output, s *store.Status) {
	if len(s.Jobs) > 0 {
		fmt.Fprintln(w, "\nJobs (nyckeltal run, schedule):")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "JOB\tLAST SUCCESS\tAGE\tLAST FAILURE")
		for _, j := range s.Jobs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", j.Job, jobWhen(j.LastSuccess), ageText(j.AgeHours), jobFailureText(j.LastFailure))
		}
		_ = tw.Flush() // a failed write stays in w, which the command returns
	}
	if s.LastError != nil {
		what := s.LastError.Job
		if what == "" {
			what = fmt.Sprintf("%s load %d", s.LastError.Source, s.LastError.LoadID)
		}
		fmt.Fprintf(w, "\nLast error: %s, %s: %s\n", s.LastError.At.Local().Format("2006-01-02 15:04"), what, truncateText(s.LastError.Error, 200))
	}
	if s.Writer != nil {
		fmt.Fprintf(w, "\nWriter: %s (running now, or it was killed and the next writer cleans up)\n", s.Writer)
	}
	if s.UnpublishedSince != nil {
		fmt.Fprintf(w, "\nUnpublished: a finished run from %s waits to replace the store; close the programs that hold it open\n",
			s.UnpublishedSince.Local().Format("2006-01-02 15:04"))
	}
}

func jobWhen(r *store.JobRun) string {
	if r == nil {
		return "never"
	}
	return fmt.Sprintf("%s (%s)", r.FinishedAt.Local().Format("2006-01-02 15:04"), r.Trigger)
}

func jobFailureText(r *store.JobRun) string {
	if r == nil {
		return "—"
	}
	return jobWhen(r) + ": " + truncateText(r.Error, 60)
}
