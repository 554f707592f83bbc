package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/nyckeltal/nyckeltal/connectors/kolada"
	"github.com/nyckeltal/nyckeltal/internal/app"
	"github.com/nyckeltal/nyckeltal/internal/store"
)

func newIngestCmd(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ingest",
		Short: "Load data from a source into the store",
		Long: `Load data from a source into the store. Each run is one load: it either
finishes and its values become current together, or it fails and leaves the
store as it was (the failed load is recorded with its error in the load table).
For the local sources (webfocus, treserva, indicators, inbox) each file is one load.`,
	}
	f.allowReadableKeyFlag(cmd, true)
	cmd.AddCommand(newIngestKoladaCmd(f))
	cmd.AddCommand(newIngestLocalCmds(f)...)
	return cmd
}

// ingestKoladaOptions are the options of `nyckeltal ingest kolada`.
type ingestKoladaOptions struct {
	app.KoladaRequest
}

func newIngestKoladaCmd(f *factory) *cobra.Command {
	opts := &ingestKoladaOptions{}
	cmd := &cobra.Command{
		Use:   "kolada",
		Short: "Fetch Kolada key figures (incremental after the first run)",
		Long: `Fetch Kolada v3 key figures, municipalities and municipality groups (the
"Liknande kommuner" peer groups among them) into the store.

Without flags it fetches what the configuration names (kolada.kpis for every
municipality, the years in kolada.years). The first run fetches everything; later
runs ask Kolada only for values changed since the last successful load (with a
day's margin) and fetch whole anything never fetched before, such as a KPI just
added to the configuration. --full refetches everything and ends values Kolada no
longer has.

Requests are planned to be few: up to 25 KPIs and 25 years per request and 5000
rows per page, for all municipalities at once. They are rate limited
(kolada.rate_limit), retried with backoff on 429, 5xx, broken answers and
connection errors, and a value that did not change writes nothing.

Values may be shown with "Källa: Kolada". Anything computed from them is your
own work ("egen bearbetning av data från Kolada").`,
		Example: `  nyckeltal ingest kolada
  nyckeltal ingest kolada --kpi N20900,N20029 --years 2019-2025
  nyckeltal ingest kolada --municipality 0581,1267 --full
  nyckeltal ingest kolada --archive data/kolada-archive     # keep the raw answers
  nyckeltal ingest kolada --from-archive data/kolada-archive # replay them, offline`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runIngestKolada(cmd.Context(), opts, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.KPIs, "kpi", "", "KPI ids, comma-separated (default: kolada.kpis)")
	fl.StringVar(&opts.Municipalities, "municipality", "", "municipality ids, group ids (fetched as their members) or all, comma-separated (default: kolada.municipalities)")
	fl.StringVar(&opts.Years, "years", "", `years: 2018-2025, 2018- (to this year), 2024 or 2019,2021 (default: kolada.years)`)
	fl.BoolVar(&opts.OU, "ou", false, "also fetch organisational units and their data, for KPIs that have OU data")
	fl.BoolVar(&opts.Full, "full", false, "refetch everything instead of changes only")
	fl.StringVar(&opts.Archive, "archive", "", "keep every raw answer page under this directory (default: kolada.archive_dir)")
	fl.StringVar(&opts.FromArchive, "from-archive", "", "replay archived loads from this directory instead of asking Kolada")
	cmd.MarkFlagsMutuallyExclusive("archive", "from-archive")
	return cmd
}

func runIngestKolada(ctx context.Context, opts *ingestKoladaOptions, f *factory) error {
	err := f.app.IngestKolada(ctx, opts.KoladaRequest, app.KoladaEvents{
		Loaded: func(results []kolada.Result) {
			for _, r := range results {
				printKoladaResult(f.stdout, r)
			}
		},
		GroupProblems: func(head string, lines []string) {
			if head == "" {
				return
			}
			fmt.Fprintln(f.stdout, "  Varning: "+head)
			for _, l := range lines {
				fmt.Fprintln(f.stdout, "    "+l)
			}
		},
	})
	if err != nil {
		return err
	}
	f.printPublished(ctx)
	return nil
}

func printKoladaResult(w *output, r kolada.Result) {
	mode := loadModeText(r.Mode)
	if r.FromDate != "" && r.Mode == "incremental" {
		mode += " sedan " + r.FromDate
	}
	fmt.Fprintf(w, "Kolada: laddning %d (%s) ok på %s\n", r.LoadID, mode, durationText(r.FinishedAt.Sub(r.StartedAt)))
	fmt.Fprintf(w, "  %s värden lästa: %s nya, %s ändrade, %s avslutade; %s anrop för %s sidor\n",
		formatInt(r.RowsRead), formatInt(r.Inserted), formatInt(r.Updated), formatInt(r.Deleted),
		formatInt(r.Requests), formatInt(int64(r.Pages)))
	if r.Settled > 0 {
		fmt.Fprintf(w, "  %s värden är inte längre preliminära\n", formatInt(int64(r.Settled)))
	}
	for _, n := range r.Notes() {
		fmt.Fprintf(w, "  %s\n", n)
	}
	if r.Archive != "" {
		fmt.Fprintf(w, "  Koladas svar arkiverade i %s\n", r.Archive)
	}
}

// printStoreLine is the one-line summary of a store. Its counts are cheap
// even for tens of millions of values.
func printStoreLine(ctx context.Context, w *output, st *store.Store) error {
	s, err := st.Summary(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Databas %s: %s aktuella värden, %s nyckeltal, %s kommuner, %s grupper\n", st.Path(),
		formatInt(s.CurrentValues), formatInt(s.KPIs), formatInt(s.Municipalities), formatInt(s.Groups))
	return nil
}

// formatInt writes 13032 as "13 032", as Swedish readers expect.
func formatInt(n int64) string { return app.FormatInt(n) }

// progress draws "pages 12/15" on a terminal; nothing in JSON/cron mode.
type progress struct {
	w       *output
	enabled bool
	last    time.Time
	drawn   bool
}

func newProgress(f *factory) *progress {
	return &progress{w: f.stderr, enabled: f.interactive()}
}

// Update draws the pages done, at most ten times a second.
func (p *progress) Update(pr kolada.Progress) {
	if !p.enabled || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.drawn = true
	fmt.Fprintf(p.w, "\r  pages %d/%d, %s values…", pr.PagesDone, pr.PagesKnown, formatInt(pr.Values))
}

// Done clears the line.
func (p *progress) Done() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
