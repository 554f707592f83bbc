package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/yearrange"

	"github.com/spf13/cobra"

	"github.com/nyckeltal/nyckeltal/connectors/kolada"
	"github.com/nyckeltal/nyckeltal/internal/config"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"github.com/nyckeltal/nyckeltal/internal/version"
	"github.com/nyckeltal/nyckeltal/transform/nka"
)

func newIngestCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ingest",
		Short: "Load data from a source into the store",
		Long: `Load data from a source into the store. Each run is one load: it either
finishes and its values become current together, or it fails and leaves the
store as it was (the failed load is recorded with its error in the load table).
For the local sources (webfocus, treserva, indicators, inbox) each file is one load.`,
	}
	e.allowReadableKeyFlag(cmd, true)
	cmd.AddCommand(newIngestKoladaCmd(e))
	cmd.AddCommand(newIngestLocalCmds(e)...)
	return cmd
}

type koladaFlags struct {
	kpis, municipalities, years string
	ou, full                    bool
	archive, fromArchive        string
}

func newIngestKoladaCmd(e *env) *cobra.Command {
	var f koladaFlags
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
			return e.runIngestKolada(cmd.Context(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.kpis, "kpi", "", "KPI ids, comma-separated (default: kolada.kpis)")
	fl.StringVar(&f.municipalities, "municipality", "", "municipality ids, group ids (fetched as their members) or all, comma-separated (default: kolada.municipalities)")
	fl.StringVar(&f.years, "years", "", `years: 2018-2025, 2018- (to this year), 2024 or 2019,2021 (default: kolada.years)`)
	fl.BoolVar(&f.ou, "ou", false, "also fetch organisational units and their data, for KPIs that have OU data")
	fl.BoolVar(&f.full, "full", false, "refetch everything instead of changes only")
	fl.StringVar(&f.archive, "archive", "", "keep every raw answer page under this directory (default: kolada.archive_dir)")
	fl.StringVar(&f.fromArchive, "from-archive", "", "replay archived loads from this directory instead of asking Kolada")
	cmd.MarkFlagsMutuallyExclusive("archive", "from-archive")
	return cmd
}

// koladaOptions merges the configuration and the flags.
func (e *env) koladaOptions(f koladaFlags) (kolada.Options, error) {
	cfg, err := e.config()
	if err != nil {
		return kolada.Options{}, err
	}
	k := cfg.Kolada
	o := kolada.Options{
		BaseURL: k.BaseURL, Groups: k.Groups == "all", Catalogue: k.Catalogue == "all",
		Full: f.full, PerPage: k.PerPage, Margin: k.IncrementalMargin.Duration, ArchiveDir: k.ArchiveDir,
		Now: e.app.Now, Logger: e.log,
	}
	kpis := strings.Join(k.KPIs, ",")
	if f.kpis != "" {
		kpis = f.kpis
	} else {
		// the NKA areas' (a configured area's own, and each area's net cost
		// and invånare), kostnad och kvalitet per verksamhet's, and the
		// indicator catalogue's, for the tables and the report
		extra := e.nkaAreaKPIs()
		extra = append(extra, nka.CostQualityKPIs()...)
		extra = append(extra, e.catalogKPIs()...)
		if len(extra) > 0 {
			kpis += "," + strings.Join(extra, ",")
		}
	}
	if o.KPIs, err = config.ParseKPIs(kpis); err != nil {
		return o, usageErrorf("--kpi: %w", err)
	}
	munis := strings.Join(k.Municipalities, ",")
	if f.municipalities != "" {
		munis = f.municipalities
	}
	if o.Municipalities, err = config.ParseMunicipalities(munis); err != nil {
		return o, usageErrorf("--municipality: %w", err)
	}
	years := k.Years
	if f.years != "" {
		years = f.years
	}
	if o.Years, err = yearrange.Parse(years, e.app.Now()); err != nil {
		return o, usageErrorf("--years: %w", err)
	}
	if f.ou || k.OU {
		o.OUMunicipalities = k.OUMunicipalities
		if len(o.OUMunicipalities) == 0 {
			o.OUMunicipalities = []string{cfg.HomeMunicipality}
		}
	}
	if f.archive != "" {
		o.ArchiveDir = f.archive
	}
	return o, nil
}

func (e *env) koladaClient() (*kolada.Client, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	k := cfg.Kolada
	return kolada.NewClient(kolada.ClientConfig{
		UserAgent: version.UserAgent(), RateLimit: k.RateLimit, Timeout: k.Timeout.Duration,
		MaxAttempts: k.MaxAttempts, RetryWaitMin: k.RetryWaitMin.Duration, RetryWaitMax: k.RetryWaitMax.Duration,
		RetryAfterCap: k.RetryAfterCap.Duration, Logger: e.log,
	}), nil
}

func (e *env) runIngestKolada(ctx context.Context, f koladaFlags) error {
	opts, err := e.koladaOptions(f)
	if err != nil {
		return err
	}
	client, err := e.koladaClient()
	if err != nil {
		return err
	}
	if err := e.withWriter(ctx, func(st *store.Store) error { return e.ingestKolada(ctx, st, client, opts, f) }); err != nil {
		return err
	}
	e.printPublished(ctx)
	return nil
}

func (e *env) ingestKolada(ctx context.Context, st *store.Store, client *kolada.Client, opts kolada.Options, f koladaFlags) error {
	prog := newProgress(e)
	opts.Progress = prog.update
	start := time.Now()
	var results []kolada.Result
	var err error
	if f.fromArchive != "" {
		results, err = kolada.Replay(ctx, st, f.fromArchive, opts)
	} else {
		if f.kpis == "" {
			opts.KPIs = addKPIs(opts.KPIs, e.catalogTitleKPIs(ctx, st, client, opts.BaseURL))
		}
		var res kolada.Result
		res, err = kolada.Ingest(ctx, st, client, opts)
		results = []kolada.Result{res}
	}
	prog.done()
	for _, r := range results {
		e.logLoad(r.LoadResult, time.Since(start), err)
	}
	if err != nil {
		return fmt.Errorf("ingesting Kolada: %w", err)
	}
	for _, r := range results {
		printKoladaResult(e.app.Stdout, r)
	}
	head, lines, err := e.groupProblems(ctx, st)
	if err != nil {
		return err
	}
	if head != "" {
		fmt.Fprintln(e.app.Stdout, "  Varning: "+head)
		for _, l := range lines {
			fmt.Fprintln(e.app.Stdout, "    "+l)
		}
	}
	return nil
}

// addKPIs appends the ids of extra that kpis lacks.
func addKPIs(kpis, extra []string) []string {
	for _, id := range extra {
		if !slices.Contains(kpis, id) {
			kpis = append(kpis, id)
		}
	}
	return kpis
}

// maxProblemLines bounds the groups an ingest summary names one by one.
const maxProblemLines = 20

// groupProblems words the "Liknande kommuner" groups that are not used, for
// an ingest's summary: a heading (empty when there are none) and a line per
// group (at most maxProblemLines); each is also logged as a warning.
func (e *env) groupProblems(ctx context.Context, st *store.Store) (string, []string, error) {
	problems, err := st.NKAGroupProblems(ctx)
	if err != nil {
		return "", nil, err
	}
	var unread, superseded int
	var lines []string
	for _, p := range problems {
		if p.Problem == "superseded" {
			superseded++
		} else {
			unread++
		}
		who := p.Municipality
		if who == "" {
			who = "ingen känd kommun"
		}
		line := fmt.Sprintf("%s %q (%s): %s", p.GroupID, p.Title, who, p.Text)
		e.log.Warn().Str("group", p.GroupID).Str("title", p.Title).Str("problem", p.Problem).Str("municipality", p.MunicipalityID).
			Msg("a \"Liknande kommuner\" group is not used: " + p.Text)
		if len(lines) < maxProblemLines {
			lines = append(lines, line)
		}
	}
	if unread+superseded == 0 {
		return "", nil, nil
	}
	head := fmt.Sprintf("grupper \"Liknande kommuner\" som inte används: %d som inte kan läsas, inte nämner ett konfigurerat område "+
		"eller saknar år där andra har år; %d med en senare publicerad grupp för samma område, kommun och år (alla: SELECT * FROM v_nka_group_problem)",
		unread, superseded)
	if n := len(problems) - len(lines); n > 0 {
		lines = append(lines, fmt.Sprintf("… och %d till", n))
	}
	return head, lines, nil
}

// logLoad writes the one structured line per load that cron logs keep.
func (e *env) logLoad(r store.LoadResult, d time.Duration, err error) {
	if r.LoadID == 0 {
		return
	}
	outcome := "ok"
	if err != nil {
		outcome = "failed"
	}
	e.log.Info().Str("job", r.Source).Int64("load_id", r.LoadID).Str("mode", r.Mode).
		Int64("rows_read", r.RowsRead).Int64("rows_inserted", r.Inserted).Int64("rows_updated", r.Updated).
		Int64("rows_deleted", r.Deleted).Int64("requests", r.Requests).Float64("duration_s", d.Seconds()).
		Str("outcome", outcome).Msg("load finished")
}

func printKoladaResult(w io.Writer, r kolada.Result) {
	mode := r.Mode
	if r.FromDate != "" && r.Mode == "incremental" {
		mode += ", changes since " + r.FromDate
	}
	dur := r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond)
	fmt.Fprintf(w, "Kolada: load %d (%s) ok in %s\n", r.LoadID, mode, dur)
	fmt.Fprintf(w, "  %s values read: %s new, %s changed, %s ended; %s requests for %s pages\n",
		formatInt(r.RowsRead), formatInt(r.Inserted), formatInt(r.Updated), formatInt(r.Deleted),
		formatInt(r.Requests), formatInt(int64(r.Pages)))
	if r.Settled > 0 {
		fmt.Fprintf(w, "  %s values are no longer preliminary\n", formatInt(int64(r.Settled)))
	}
	for _, n := range r.Notes() {
		fmt.Fprintf(w, "  %s\n", n)
	}
	if r.Archive != "" {
		fmt.Fprintf(w, "  raw answers archived in %s\n", r.Archive)
	}
}

// printStoreLine is the one-line summary of a store. Its counts are cheap
// even for tens of millions of values.
func printStoreLine(ctx context.Context, w io.Writer, st *store.Store) error {
	s, err := st.Summary(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Store %s: %s current values, %s KPIs, %s municipalities, %s groups\n", st.Path(),
		formatInt(s.CurrentValues), formatInt(s.KPIs), formatInt(s.Municipalities), formatInt(s.Groups))
	return nil
}

// formatInt writes 13032 as "13 032", as Swedish readers expect.
func formatInt(n int64) string { return swedish.Group(n, " ") }

// progress draws "pages 12/15" on a terminal; nothing in JSON/cron mode.
type progress struct {
	w       io.Writer
	enabled bool
	last    time.Time
	drawn   bool
}

func newProgress(e *env) *progress {
	return &progress{w: e.app.Stderr, enabled: e.interactive()}
}

func (p *progress) update(pr kolada.Progress) {
	if !p.enabled || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.drawn = true
	fmt.Fprintf(p.w, "\r  pages %d/%d, %s values…", pr.PagesDone, pr.PagesKnown, formatInt(pr.Values))
}

func (p *progress) done() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
