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
	"github.com/nyckeltal/nyckeltal/internal/swedish"
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
	fmt.Fprintf(w, "Databas %s: %s, schemaversion %d\n", s.Path, formatBytes(s.SizeBytes), s.SchemaVersion)
	fmt.Fprintf(w, "Metadata: %s nyckeltal, %s kommuner, %s grupper (%s medlemmar), %s organisatoriska enheter\n\n",
		formatInt(s.KPIs), formatInt(s.Municipalities), formatInt(s.Groups), formatInt(s.GroupMembers), formatInt(s.OUs))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KÄLLA\tAKTUELLA VÄRDEN\tVERSIONER\tINDIKATORER\tSENAST LYCKAD\tÅLDER\tSENAST MISSLYCKAD")
	for _, src := range s.Sources {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", src.Source, formatInt(src.CurrentValues), formatInt(src.Versions),
			formatInt(src.Indicators), loadWhen(src.LastSuccess), ageText(src.AgeHours), failureText(src.LastFailure, src.LastSuccess))
	}
	if len(s.Sources) == 0 {
		fmt.Fprintln(tw, "(inga laddningar än)")
	}
	_ = tw.Flush() // a failed write stays in w, which the command returns
	printOperations(w, s)
	if len(s.RecentLoads) == 0 {
		return
	}
	fmt.Fprintln(w, "\nSenaste laddningar:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LADDNING\tKÄLLA\tSÄTT\tUTFALL\tSTARTAD\tTID\tLÄSTA\tNYA\tÄNDRADE\tAVSLUTADE\tANROP\tFEL")
	for _, l := range s.RecentLoads {
		dur := "—"
		if l.FinishedAt != nil {
			dur = durationText(l.FinishedAt.Sub(l.StartedAt))
		}
		mode := loadModeText(l.Mode)
		if l.FileName != "" {
			mode += " " + truncateText(l.FileName, 40)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l.ID, l.Source, mode, loadStatusText(l.Status),
			swedish.Time(l.StartedAt), dur, formatInt(l.RowsRead), formatInt(l.Inserted),
			formatInt(l.Updated), formatInt(l.Deleted), formatInt(l.Requests), truncateText(l.Error, 80))
	}
	_ = tw.Flush() // a failed write stays in w, which the command returns
}

// loadModeText and loadStatusText name a load's mode and status in Swedish
// (the JSON keeps the stored English values).
func loadModeText(mode string) string {
	if sv, ok := map[string]string{"full": "full", "incremental": "ändringar", "archive": "arkiv", "file": "fil"}[mode]; ok {
		return sv
	}
	return mode
}

func loadStatusText(status string) string {
	if sv, ok := map[string]string{"ok": "ok", "failed": "misslyckad", "running": "pågår", "interrupted": "avbruten"}[status]; ok {
		return sv
	}
	return status
}

// durationText writes a duration for people: "0,6 s", "12 s", "3 min".
func durationText(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return swedish.Number(d.Seconds(), 1) + " s"
	case d < 2*time.Minute:
		return swedish.Number(d.Seconds(), 0) + " s"
	}
	return swedish.Number(d.Minutes(), 0) + " min"
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
		return "aldrig"
	}
	return fmt.Sprintf("%s (laddning %d)", swedish.Time(loadEnd(l)), l.ID)
}

func loadEnd(l *store.LoadInfo) time.Time {
	if l.FinishedAt != nil {
		return *l.FinishedAt
	}
	return l.StartedAt
}

// failureText is the last failure, and whether a later success resolved it.
func failureText(l, success *store.LoadInfo) string {
	if l == nil {
		return "—"
	}
	if success != nil && loadEnd(success).After(loadEnd(l)) {
		return fmt.Sprintf("%s (åtgärdat: lyckades %s efter)", loadWhen(l), swedish.Time(loadEnd(success)))
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
	return fmt.Sprintf("%.0f dygn", d.Hours()/24)
}

func truncateText(s string, n int) string { return app.Shorten(s, n) }

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return swedish.Number(float64(n)/(1<<30), 1) + " GiB"
	case n >= 1<<20:
		return swedish.Number(float64(n)/(1<<20), 1) + " MiB"
	case n >= 1<<10:
		return swedish.Number(float64(n)/(1<<10), 1) + " KiB"
	}
	return fmt.Sprintf("%d byte", n)
}

// printOperations shows the jobs of runs and the schedule, the newest error
// (and whether a later success resolved it), and a writer at work.
func printOperations(w *output, s *store.Status) {
	if len(s.Jobs) > 0 {
		fmt.Fprintln(w, "\nJobb (nyckeltal run, schedule):")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "JOBB\tSENAST LYCKAD\tÅLDER\tSENAST MISSLYCKAD")
		for _, j := range s.Jobs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", j.Job, jobWhen(j.LastSuccess), ageText(j.AgeHours), jobFailureText(j.LastFailure, j.LastSuccess))
		}
		_ = tw.Flush() // a failed write stays in w, which the command returns
	}
	if e := s.LastError; e != nil {
		what := e.Job
		if what == "" {
			what = fmt.Sprintf("%s laddning %d", e.Source, e.LoadID)
		}
		fmt.Fprintf(w, "\nSenaste fel: %s, %s: %s\n", swedish.Time(e.At), what, truncateText(e.Error, 200))
		if after := successAfter(s, e); after != nil {
			fmt.Fprintf(w, "  åtgärdat: %s lyckades %s efter felet\n", what, swedish.Time(*after))
		}
	}
	if s.Writer != nil {
		fmt.Fprintf(w, "\nSkrivare: %s (arbetar nu, eller avbröts och nästa skrivare städar upp)\n", s.Writer)
	}
	if s.UnpublishedSince != nil {
		fmt.Fprintf(w, "\nOpublicerad: en färdig körning från %s väntar på att ersätta databasen; stäng programmen som håller den öppen\n",
			swedish.Time(*s.UnpublishedSince))
	}
}

// successAfter is when the job or source of the last error last succeeded,
// if that was after the error.
func successAfter(s *store.Status, e *store.LastError) *time.Time {
	var t *time.Time
	if e.Job != "" {
		for _, j := range s.Jobs {
			if j.Job == e.Job && j.LastSuccess != nil {
				t = &j.LastSuccess.FinishedAt
			}
		}
	} else {
		for _, src := range s.Sources {
			if src.Source == e.Source && src.LastSuccess != nil {
				end := loadEnd(src.LastSuccess)
				t = &end
			}
		}
	}
	if t == nil || !t.After(e.At) {
		return nil
	}
	return t
}

func jobWhen(r *store.JobRun) string {
	if r == nil {
		return "aldrig"
	}
	return fmt.Sprintf("%s (%s)", swedish.Time(r.FinishedAt), r.Trigger)
}

func jobFailureText(r, success *store.JobRun) string {
	if r == nil {
		return "—"
	}
	if success != nil && success.FinishedAt.After(r.FinishedAt) {
		return fmt.Sprintf("%s (åtgärdat: lyckades %s efter)", jobWhen(r), swedish.Time(success.FinishedAt))
	}
	return jobWhen(r) + ": " + truncateText(r.Error, 60)
}
