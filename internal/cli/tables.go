package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/yearrange"

	"github.com/spf13/cobra"

	"github.com/nyckeltal/nyckeltal/connectors/kolada"
	"github.com/nyckeltal/nyckeltal/internal/outpath"
	"github.com/nyckeltal/nyckeltal/internal/pipeline"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/transform/atgardsplan"
	"github.com/nyckeltal/nyckeltal/transform/catalog"
	"github.com/nyckeltal/nyckeltal/transform/nka"
	"github.com/nyckeltal/nyckeltal/transform/report"
	"github.com/nyckeltal/nyckeltal/transform/tables"
)

// catalogPath is --catalog, else tables.catalog; "" is the built-in one.
func (e *env) catalogPath(flag string) (string, error) {
	if strings.TrimSpace(flag) != "" {
		return flag, nil
	}
	cfg, err := e.config()
	if err != nil {
		return "", err
	}
	return cfg.Tables.Catalog, nil
}

func (e *env) loadCatalog(flag string) (*catalog.Catalog, error) {
	p, err := e.catalogPath(flag)
	if err != nil {
		return nil, err
	}
	return catalog.Load(p)
}

// catalogKPIs are the Kolada KPIs of the configured catalogue, which the
// Kolada load fetches besides kolada.kpis so that the tables have their
// values. A catalogue that cannot be read is said in the log and skipped:
// it must not stop the night's load.
func (e *env) catalogKPIs() []string {
	c, err := e.loadCatalog("")
	if err != nil {
		e.log.Warn().Err(err).Msg("the indicator catalogue cannot be read, so its Kolada KPIs are not fetched; fix tables.catalog")
		return nil
	}
	return c.KoladaKPIs()
}

// tablesRequest resolves the flags the tables and the report share.
type tablesFlags struct {
	municipality, years, catalog string
}

func (e *env) tablesRequest(ctx context.Context, eng *nka.Engine, f tablesFlags) (tables.Request, error) {
	cfg, err := e.config()
	if err != nil {
		return tables.Request{}, err
	}
	c, err := e.loadCatalog(f.catalog)
	if err != nil {
		return tables.Request{}, err
	}
	id, _, err := e.resolveMunicipality(ctx, eng, f.municipality)
	if err != nil {
		return tables.Request{}, err
	}
	req := tables.Request{Catalog: c, Municipality: id, HomeMunicipality: cfg.HomeMunicipality,
		InterimEndMonth: cfg.Local.InterimEndMonth}
	years := cfg.Tables.Years
	if strings.TrimSpace(f.years) != "" {
		years = f.years
	}
	if strings.TrimSpace(years) != "" {
		if req.Years, err = yearrange.Parse(years, e.app.Now()); err != nil {
			return req, usageErrorf("--years: %w", err)
		}
	}
	return req, nil
}

func newTablesCmd(e *env) *cobra.Command {
	var f tablesFlags
	var out, formats string
	var excel bool
	cmd := &cobra.Command{
		Use:   "tables --out DIR [--municipality ID] [--years 2019-2024] [--catalog FILE] [--format csv,xlsx,md,html] [--excel]",
		Short: "Write the comparison tables of the indicator catalogue: one file per målområde and an overview",
		Long: `Write the tables statisticians and controllers report every quarter (kvartal 1,
delår, helår) from the store: for every indicator of the catalogue (the
uppdragsplan, or --catalog FILE)

  the value per year or period, with * on preliminary values
  the change against the same period the year before, and a verdict that
    follows the indicator's direction (öka/minska): förbättring, försämring
    or oförändrad (values equal at the decimals shown)
  the municipality against its "Liknande kommuner" of the indicator's area
    (the group nyckeltal gap uses that year, named): mean, median and rank
  the value for Riket (Kolada's 0000)
  splits by kön where the source has them, by egen regi / privat and by enhet
    for local sources
  the source, and "egen bearbetning" on every computed column

Files in DIR: oversikt.EXT (one row per indicator, its latest period) and
malomrade-N.EXT (one row per indicator, split and period; for md and html a
table per indicator). CSV is RFC 4180 (",", decimal point) unless --excel: ";",
decimal comma and a UTF-8 byte order mark, as Swedish Excel opens it by a
double click. XLSX has number formats and frozen headings. The same store gives
byte-identical files, so two runs can be compared with diff.

Missing data is a dash with a note saying why, never 0: Kolada has no value
for the municipality and year, the KPI has not been fetched yet, Kolada does
not publish it for municipalities, or the catalogue names it by a title that
fits several KPIs (listed). A title one KPI clearly fits is used, and said;
` + "`nyckeltal catalog resolve`" + ` writes the ids into the file. Complements
(100 − a Kolada KPI) are labelled egen bearbetning; regi rows of Kolada
indicators come from Kolada's kommunal-regi and enskild-regi KPIs.`,
		Example: `  nyckeltal tables --out out/tabeller
  nyckeltal tables --municipality 1267 --years 2019-2024 --out out/hoor --format xlsx,html
  nyckeltal tables --catalog katalog.toml --out out/tabeller --format csv --excel`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if strings.TrimSpace(out) == "" || out == "-" {
				return usageErrorf("--out DIR: the tables are several files (an overview and one per målområde); give a directory")
			}
			cfg, err := e.config()
			if err != nil {
				return err
			}
			fs, err := tables.ParseFormats(formats, cfg.Tables.Formats)
			if err != nil {
				return &UsageError{Err: err}
			}
			if !cmd.Flags().Changed("excel") {
				excel = cfg.Tables.Excel
			}
			ctx := cmd.Context()
			eng, st, err := e.nkaEngine(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			req, err := e.tablesRequest(ctx, eng, f)
			if err != nil {
				return err
			}
			start := time.Now()
			res, err := (&tables.Builder{Store: st, NKA: eng}).Build(ctx, req)
			if err != nil {
				return err
			}
			if err := e.checkTableFiles(res, out, fs, false); err != nil {
				return err
			}
			files, err := res.WriteFiles(out, fs, tables.CSVOptions{Excel: excel})
			if err != nil {
				return err
			}
			if err := outpath.Record(files...); err != nil {
				return err
			}
			e.log.Debug().Dur("took", time.Since(start)).Int("files", len(files)).Msg("tables written")
			return e.printTablesSummary(res, files)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.municipality, "municipality", "", "municipality id or name (default: home_municipality of the configuration)")
	fl.StringVar(&f.years, "years", "", "years to show: 2019-2024, 2019- or 2022,2024 (default: tables.years, else every year with values)")
	fl.StringVar(&f.catalog, "catalog", "", "the indicator catalogue (default: tables.catalog, else the built-in uppdragsplan)")
	fl.StringVar(&out, "out", "", "the directory to write the files into (created when missing)")
	fl.BoolVar(&e.forceOut, "force", false, forceOutHelp)
	fl.StringVar(&formats, "format", "", "csv, xlsx, md and/or html, comma-separated (default: tables.formats, all four)")
	fl.BoolVar(&excel, "excel", false, "CSV for Swedish Excel: \";\", decimal comma, UTF-8 with BOM (default: tables.excel)")
	return cmd
}

func (e *env) printTablesSummary(res *tables.Result, files []string) error {
	w := e.app.Stdout
	fmt.Fprintf(w, "Tables for %s (%s), %s, years %s:\n", res.MunicipalityName, res.MunicipalityID, res.Catalog.Title, res.YearsText())
	for _, m := range res.Catalog.Malomraden {
		c := tables.Summarize(res.Of(m.ID))
		fmt.Fprintf(w, "  målområde %s: %d förbättring, %d försämring, %d oförändrad, %d without a verdict, %d without values\n",
			m.ID, c.Improved, c.Worsened, c.Unchanged, c.NoVerdict, c.NoData)
	}
	unresolved := 0
	for _, t := range res.Indicators {
		if t.Kolada && t.SourceID == "" {
			unresolved++
		}
	}
	if unresolved > 0 {
		fmt.Fprintf(w, "  %d Kolada indicators have no KPI id: their titles fit no KPI, or several (their notes list them; `nyckeltal catalog resolve` too)\n", unresolved)
	}
	for _, f := range files {
		fmt.Fprintln(w, f)
	}
	return nil
}

func newReportCmd(e *env) *cobra.Command {
	var f tablesFlags
	var out, comparator, target, peerTrend, plan string
	var baseYear int
	cmd := &cobra.Command{
		Use:   "report --out FILE.html [--municipality ID] [--years 2019-2024] [--catalog FILE] [--base-year Y]",
		Short: "Write the report: sparbeting, NKA against liknande kommuner, kostnad och kvalitet, the indicator tables",
		Long: `Write one self-contained HTML file for the municipality:

  the sparbeting against liknande kommuner (as nyckeltal sparbeting, with the
    areas, target year, profile and comparator of [nka.sparbeting] and [nka])
  per area, the nettokostnadsavvikelse over the years against the peers' mean
    and median (line charts)
  the calculation of each area step by step, every figure with its source
    (as sparbeting --explain), and the åtgärdsplan against the glide path
    (--plan or nka.sparbeting.plan: lasting budget-frame savings counted,
    one-offs and deficit reductions apart)
  "kostnad och kvalitet" for särskilt boende and hemtjänst: every
    municipality's cost (NKA äldreomsorg) against the brukare's helhetssyn
    (brukarbedömning, U23471 and U21468), the peers and the municipality
    itself highlighted (the [[scatter]] entries of the catalogue)
  kostnad och kvalitet per verksamhet: for äldreomsorg, hemtjänst and
    särskilt boende the cost per brukare and per invånare 80+ beside the
    brukarbedömning helhetssyn, against the comparison set (N20048, N21006,
    N21024, U21468, N23009, N23001, U23471), beside the NKA gap
  the indicator tables of the catalogue (as nyckeltal tables)

The file loads nothing from anywhere — no script, font or style outside it —
so it works offline, can be mailed or put on an intranet as it is, and prints
on A4. Missing data is said in a note, never drawn as 0. The same store gives
the same bytes.`,
		Example: `  nyckeltal report --out rapport.html
  nyckeltal report --municipality Höör --years 2019-2025 --out hoor.html
  nyckeltal report --base-year 2023 --catalog katalog.toml --out rapport-2023.html`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if strings.TrimSpace(out) == "" {
				return usageErrorf("--out FILE.html: where to write the report")
			}
			ctx := cmd.Context()
			eng, st, err := e.nkaEngine(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			req, err := e.tablesRequest(ctx, eng, f)
			if err != nil {
				return err
			}
			sreq, err := e.sparbetingDefaults(comparator, target, peerTrend)
			if err != nil {
				return err
			}
			sreq.BaseYear = baseYear
			rreq := report.Request{Tables: req, Sparbeting: sreq}
			if rreq.Plan, rreq.PlanFile, err = e.reportPlan(plan); err != nil {
				return err
			}
			r, err := (&report.Builder{Store: st, NKA: eng}).Build(ctx, rreq)
			if err != nil {
				return err
			}
			if err := e.writeOutput(out, r.WriteHTML); err != nil {
				return err
			}
			if out != "-" {
				fmt.Fprintf(e.app.Stdout, "Report for %s (%s) written to %s\n", r.Tables.MunicipalityName, r.Tables.MunicipalityID, out)
				if r.Sparbeting == nil {
					fmt.Fprintln(e.app.Stdout, "  "+r.SparbetingNote)
				}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.municipality, "municipality", "", "municipality id or name (default: home_municipality of the configuration)")
	fl.StringVar(&f.years, "years", "", "years of the tables and charts: 2019-2024, 2019- (default: tables.years, else every year with values)")
	fl.StringVar(&f.catalog, "catalog", "", "the indicator catalogue (default: tables.catalog, else the built-in uppdragsplan)")
	fl.StringVar(&out, "out", "", "the HTML file to write (- for standard output)")
	fl.BoolVar(&e.forceOut, "force", false, forceOutHelp)
	fl.IntVar(&baseYear, "base-year", 0, "the sparbeting's base year (default: the latest year with final values)")
	fl.StringVar(&comparator, "comparator", "", "the sparbeting's comparator: "+comparatorFlagHelp)
	fl.StringVar(&target, "target", "", "the sparbeting's target: "+targetFlagHelp)
	fl.StringVar(&peerTrend, "peer-trend", "", peerTrendFlagHelp)
	fl.StringVar(&plan, "plan", "", "an åtgärdsplan CSV to set against the glide path (default: nka.sparbeting.plan)")
	return cmd
}

// reportPlan reads the report's åtgärdsplan: --plan, else nka.sparbeting.plan
// (nil when neither names one).
func (e *env) reportPlan(flag string) (*atgardsplan.Plan, string, error) {
	path := flag
	if path == "" {
		cfg, err := e.config()
		if err != nil {
			return nil, "", err
		}
		path = cfg.NKA.Sparbeting.Plan
	}
	if path == "" {
		return nil, "", nil
	}
	p, err := readPlan(path)
	if err != nil {
		return nil, "", err
	}
	return p, filepath.Base(path), nil
}

// sparbetingDefaults is the sparbeting of the configuration, with the
// comparator, target and peer trend of the flags where given.
func (e *env) sparbetingDefaults(comparator, target, peerTrend string) (nka.SparbetingRequest, error) {
	cfg, err := e.config()
	if err != nil {
		return nka.SparbetingRequest{}, err
	}
	profile, err := nka.ParseProfile(cfg.NKA.Sparbeting.Profile)
	if err != nil {
		return nka.SparbetingRequest{}, &UsageError{Err: err}
	}
	cmp, err := e.comparatorOrDefault(comparator)
	if err != nil {
		return nka.SparbetingRequest{}, err
	}
	tgt, trend, err := e.targetOrDefault(target, peerTrend)
	if err != nil {
		return nka.SparbetingRequest{}, err
	}
	return nka.SparbetingRequest{Areas: cfg.NKA.Sparbeting.Areas, TargetYear: cfg.NKA.Sparbeting.TargetYear,
		Profile: profile, Comparator: cmp, Target: tgt, PeerTrend: trend}, nil
}

func newCatalogCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "catalog",
		Short: "The indicator catalogue: print it, list it, resolve Kolada titles to ids",
		Long: `The indicator catalogue lists the indicators of the tables and the report: code,
name, målområde and mål, source (a Kolada KPI id or a local indicator code),
unit, direction (öka/minska), periods and breakdowns. The uppdragsplan 2024 of
the vård- och omsorgsnämnd is built in; tables.catalog (or --catalog) names
another file.`,
	}
	example := &cobra.Command{
		Use:   "example",
		Short: "Print the built-in catalogue (the uppdragsplan 2024), to start a file of your own",
		Example: `  nyckeltal catalog example > katalog.toml
  nyckeltal catalog resolve --catalog katalog.toml`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := e.app.Stdout.Write(catalog.Builtin)
			return err
		},
	}
	var showCatalog, format string
	show := &cobra.Command{
		Use:   "show [--catalog FILE] [--format table|csv|json]",
		Short: "List the catalogue's indicators with their sources",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			c, err := e.loadCatalog(showCatalog)
			if err != nil {
				return err
			}
			var rows [][]any
			for _, ind := range c.Indicators {
				src := ind.Source
				if src == "" {
					src = "title: " + ind.KoladaTitle
				}
				periods := make([]string, len(ind.Periods))
				for i, p := range ind.Periods {
					periods[i] = string(p)
				}
				breakdowns := make([]string, len(ind.Breakdowns))
				for i, b := range ind.Breakdowns {
					breakdowns[i] = string(b)
				}
				rows = append(rows, []any{ind.Code, ind.Malomrade, ind.Mal, string(ind.Direction), strings.Join(periods, ","),
					strings.Join(breakdowns, ","), src, ind.Area, ind.Name})
			}
			return writeRows(e.app.Stdout, format, []string{"code", "malomrade", "mal", "direction", "periods", "breakdowns", "source", "area", "name"}, rows)
		},
	}
	show.Flags().StringVar(&showCatalog, "catalog", "", "the catalogue (default: tables.catalog, else the built-in one)")
	show.Flags().StringVar(&format, "format", "table", "table, csv or json")
	cmd.AddCommand(example, show, newCatalogResolveCmd(e))
	return cmd
}

func newCatalogResolveCmd(e *env) *cobra.Command {
	var file string
	var remote, dryRun bool
	cmd := &cobra.Command{
		Use:   "resolve [--catalog FILE] [--remote] [--dry-run]",
		Short: "Look up the Kolada titles of a catalogue and write the ids it is sure of into the file",
		Long: `Kolada indicators can be named by title (kolada_title, and cost_title /
quality_title of the scatters) instead of id. resolve looks every title
without an id up in Kolada's whole KPI catalogue — the store's (kept by a
Kolada load with kolada.catalogue = "all"), or with --remote Kolada's own /kpi —
and proposes, never guesses:

  written    exactly one KPI has the title (case, accents, spaces and
             punctuation aside); or one KPI fits the words of the title and of
             the indicator's name (the plan's "mycket/ganska", "alltid/oftast")
             clearly better than every other, in its title and description,
             and nothing speaks against it
  not        several fit about equally well, or the best fit is discontinued
  written    ("(-2024)"), an osäkerhetstal, a medelvärde, for one regi or for
             regions only, worded as the opposite ("inte …": mark the entry
             complement = true if the plan means 100 − the KPI), or lacks a
             word of the title: the candidates are listed, best first, with
             what speaks against each, for a person to choose
  not found  no KPI fits: listed; try ` + "`nyckeltal kpi search WORDS`" + `

The nightly run does the same for the configured catalogue: it fetches the
KPIs of the titles it is certain of, and ` + "`nyckeltal status`" + ` and the tables'
notes name the others.

What the file keeps: everything but the lines of the ids it sets. An existing
source = "" line (cost, quality) gets the id and keeps its indentation and
trailing comment (or gains the KPI's title as a comment); an entry without
such a line gets one just above its kolada_title. Comments, blank lines, the
order of entries and keys and the line endings stay as they were. The edited
text is read back and must equal the catalogue with the ids set, else nothing
is written. The file is replaced in one rename.`,
		Example: `  nyckeltal catalog example > katalog.toml
  nyckeltal catalog resolve --catalog katalog.toml
  nyckeltal catalog resolve --catalog katalog.toml --remote --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, err := e.catalogPath(file)
			if err != nil {
				return err
			}
			if path == "" {
				return usageErrorf("the built-in catalogue cannot be written to: copy it with `nyckeltal catalog example > katalog.toml`, " +
					"then run `nyckeltal catalog resolve --catalog katalog.toml` (and set tables.catalog to it)")
			}
			c, err := catalog.Load(path)
			if err != nil {
				return err
			}
			if c.Unresolved() == 0 {
				fmt.Fprintf(e.app.Stdout, "Every Kolada entry of %s has an id; nothing to resolve.\n", path)
				return nil
			}
			kpis, from, err := e.kpiRefs(cmd.Context(), remote)
			if err != nil {
				return err
			}
			res := c.Resolve(kpis)
			titles := map[string]string{}
			for _, k := range kpis {
				titles[k.ID] = k.Title
			}
			resolved := 0
			for _, r := range res {
				if r.Outcome == catalog.Resolved {
					resolved++
				}
			}
			written := false
			if resolved > 0 && !dryRun {
				src, err := os.ReadFile(path)
				if err != nil {
					return fmt.Errorf("reading the catalogue: %w", err)
				}
				edited, err := catalog.Rewrite(src, c, res, titles)
				if err != nil {
					return fmt.Errorf("%w %s: %v; set the ids listed below by hand", catalog.ErrInvalid, path, err)
				}
				if err := writeFileKeepMode(path, edited); err != nil {
					return err
				}
				written = true
			}
			return printResolutions(e.app.Stdout, path, from, res, titles, written)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&file, "catalog", "", "the catalogue file to resolve (default: tables.catalog)")
	fl.BoolVar(&remote, "remote", false, "look the titles up in Kolada's KPI catalogue (the API) instead of the store's")
	fl.BoolVar(&dryRun, "dry-run", false, "say what would be written, write nothing")
	return cmd
}

// kpiRefs is the KPI catalogue to resolve against: the store's, or Kolada's.
// Only a whole catalogue will do: among the few KPIs a store keeps with
// kolada.catalogue = "configured", a KPI that merely resembles a title would
// look like the only fit.
func (e *env) kpiRefs(ctx context.Context, remote bool) ([]catalog.KPIRef, string, error) {
	var kpis []store.KPI
	from := "the store's KPI catalogue"
	if remote {
		cfg, err := e.config()
		if err != nil {
			return nil, "", err
		}
		client, err := e.koladaClient()
		if err != nil {
			return nil, "", err
		}
		from = "Kolada's KPI catalogue (" + cfg.Kolada.BaseURL + ")"
		if kpis, err = kolada.KPICatalogue(ctx, client, cfg.Kolada.BaseURL); err != nil {
			return nil, "", fmt.Errorf("fetching Kolada's KPI catalogue: %w", err)
		}
	} else {
		st, err := e.openReader(ctx)
		if err != nil {
			return nil, "", err
		}
		defer st.Close()
		has, err := st.HasKPICatalogue(ctx, kolada.Source)
		if err != nil {
			return nil, "", err
		}
		if !has {
			return nil, "", usageErrorf("the store does not keep Kolada's whole KPI catalogue yet (it does after a Kolada load with " +
				"kolada.catalogue = \"all\"); run `nyckeltal run`, or use --remote")
		}
		if kpis, err = st.KPIs(ctx, nil); err != nil {
			return nil, "", err
		}
	}
	return tables.KPIRefs(kpis), from, nil
}

func printResolutions(w io.Writer, path, from string, res []catalog.Resolution, titles map[string]string, written bool) error {
	var resolved, ambiguous, notFound []catalog.Resolution
	for _, r := range res {
		switch r.Outcome {
		case catalog.Resolved:
			resolved = append(resolved, r)
		case catalog.Ambiguous:
			ambiguous = append(ambiguous, r)
		default:
			notFound = append(notFound, r)
		}
	}
	what := func(r catalog.Resolution) string {
		return fmt.Sprintf("%s %s (%s)", r.Kind, r.Entry, r.Field)
	}
	fmt.Fprintf(w, "Looked up %d titles of %s in %s.\n", len(res), path, from)
	if len(resolved) > 0 {
		verb := "Written"
		if !written {
			verb = "Would write (--dry-run)"
		}
		fmt.Fprintf(w, "\n%s: %d\n", verb, len(resolved))
		for _, r := range resolved {
			how := "fits clearly best"
			if r.Exact {
				how = "exact title"
			}
			fmt.Fprintf(w, "  %-28s %s  %s  [%s]\n", what(r), r.ID, titles[r.ID], how)
		}
	}
	if len(ambiguous) > 0 {
		fmt.Fprintf(w, "\nNot written: several KPIs fit, or the best has a caveat; choose one and write it as the entry's %s: %d\n", "id", len(ambiguous))
		for _, r := range ambiguous {
			fmt.Fprintf(w, "  %-28s %q\n", what(r), r.Title)
			for i, k := range r.Candidates {
				if i == 12 {
					fmt.Fprintf(w, "      … and %d more: give a longer title\n", len(r.Candidates)-i)
					break
				}
				caveats := ""
				if len(k.Caveats) > 0 {
					cs := make([]string, len(k.Caveats))
					for j, c := range k.Caveats {
						cs[j] = string(c)
					}
					caveats = "  [" + strings.Join(cs, ", ") + "]"
				}
				fmt.Fprintf(w, "      %s  %s%s\n", k.ID, k.Title, caveats)
			}
		}
	}
	if len(notFound) > 0 {
		fmt.Fprintf(w, "\nNo KPI fits (try `nyckeltal kpi search WORDS`, or --remote): %d\n", len(notFound))
		for _, r := range notFound {
			fmt.Fprintf(w, "  %-28s %q\n", what(r), r.Title)
		}
	}
	return nil
}

// writeFileKeepMode replaces path with b in one rename, keeping its mode.
func writeFileKeepMode(path string, b []byte) error {
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	if err := tables.WriteFileAtomic(path, func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
		return err
	}
	return os.Chmod(path, mode)
}

// derivedJob is the job "derived" of `nyckeltal run`: it regenerates the
// home municipality's tables and report in tables.out_dir from the run's
// store. They are written beside their place during the job and moved into
// it only once the run is published, so they never show data a killed run
// did not publish.
type derivedJob struct{ e *env }

func (derivedJob) Name() string { return "derived" }

func (j derivedJob) Run(ctx context.Context, st *store.Store) (pipeline.Result, error) {
	e := j.e
	cfg, err := e.config()
	if err != nil {
		return pipeline.Result{}, err
	}
	areas, err := e.nkaAreas()
	if err != nil {
		return pipeline.Result{}, err
	}
	eng := &nka.Engine{Store: st, Areas: areas}
	if eng.OwnGroups, err = e.nkaOwnGroups(ctx, eng); err != nil {
		return pipeline.Result{}, err
	}
	req, err := e.tablesRequest(ctx, eng, tablesFlags{municipality: cfg.HomeMunicipality})
	if err != nil {
		return pipeline.Result{}, err
	}
	sreq, err := e.sparbetingDefaults("", "", "")
	if err != nil {
		return pipeline.Result{}, err
	}
	rreq := report.Request{Tables: req, Sparbeting: sreq}
	if rreq.Plan, rreq.PlanFile, err = e.reportPlan(""); err != nil {
		return pipeline.Result{}, err
	}
	r, err := (&report.Builder{Store: st, NKA: eng}).Build(ctx, rreq)
	if err != nil {
		return pipeline.Result{}, fmt.Errorf("building the tables and the report: %w", err)
	}
	out := cfg.Tables.OutDir
	// The job replaces its own files of earlier nights and nothing else.
	if err := e.checkTableFiles(r.Tables, filepath.Join(out, "tabeller"), cfg.Tables.Formats, true); err != nil {
		return pipeline.Result{}, err
	}
	if err := e.checkOut(filepath.Join(out, "rapport.html"), true); err != nil {
		return pipeline.Result{}, err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return pipeline.Result{}, fmt.Errorf("creating %s: %w", out, err)
	}
	tmp, err := os.MkdirTemp(out, ".derived-*.tmp")
	if err != nil {
		return pipeline.Result{}, fmt.Errorf("writing the tables: %w", err)
	}
	files, err := r.Tables.WriteFiles(filepath.Join(tmp, "tabeller"), cfg.Tables.Formats, tables.CSVOptions{Excel: cfg.Tables.Excel})
	if err == nil {
		err = tables.WriteFileAtomic(filepath.Join(tmp, "rapport.html"), r.WriteHTML)
		files = append(files, filepath.Join(tmp, "rapport.html"))
	}
	if err != nil {
		os.RemoveAll(tmp)
		return pipeline.Result{}, fmt.Errorf("writing the tables: %w", err)
	}
	st.AfterPublish(func() {
		if err := e.moveDerived(tmp, out); err != nil {
			e.log.Error().Err(err).Str("dir", out).Msg("the run was published but its tables could not be moved into place; the next run writes them again")
		}
		os.RemoveAll(tmp)
	})
	rows := 0
	for _, t := range r.Tables.Indicators {
		rows += max(len(t.Rows), 1)
	}
	return pipeline.Result{RowsWritten: int64(rows),
		Summary: fmt.Sprintf("Tables and report of %s (%s): %d files for %s, once the run is published", r.Tables.MunicipalityName,
			r.Tables.MunicipalityID, len(files), out)}, nil
}

// checkTableFiles checks every file the tables of res write into dir.
func (e *env) checkTableFiles(res *tables.Result, dir string, formats []string, nightly bool) error {
	for _, f := range formats {
		for _, name := range res.FileNames(f) {
			if err := e.checkOut(filepath.Join(dir, name), nightly); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkOut checks one output file; the nightly job never forces.
func (e *env) checkOut(path string, nightly bool) error {
	g, err := e.outputGuard()
	if err != nil {
		return err
	}
	if nightly {
		g.Force = false
	}
	return g.Check(path)
}

// moveDerived renames every file of tmp into the same place under out, one
// atomic rename each, and records it as nyckeltal's. A file that is not
// nyckeltal's any more (changed since the job checked) is left alone.
func (e *env) moveDerived(tmp, out string) error {
	var rels []string
	err := filepath.WalkDir(tmp, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(tmp, p)
			rels = append(rels, rel)
		}
		return err
	})
	if err != nil {
		return err
	}
	sort.Strings(rels)
	for _, rel := range rels {
		dst := filepath.Join(out, rel)
		if err := e.checkOut(dst, true); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(tmp, rel), dst); err != nil {
			return err
		}
		if err := outpath.Record(dst); err != nil {
			return err
		}
	}
	return nil
}
