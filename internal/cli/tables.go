package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nyckeltal/nyckeltal/internal/app"
	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"github.com/nyckeltal/nyckeltal/transform/catalog"
	"github.com/nyckeltal/nyckeltal/transform/tables"
)

// tablesOptions are the options of `nyckeltal tables`.
type tablesOptions struct {
	app.TablesRequest
}

func newTablesCmd(f *factory) *cobra.Command {
	opts := &tablesOptions{}
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
			opts.ExcelSet = cmd.Flags().Changed("excel")
			return runTables(cmd.Context(), opts, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Municipality, "municipality", "", "municipality id or name (default: home_municipality of the configuration)")
	fl.StringVar(&opts.Years, "years", "", "years to show: 2019-2024, 2019- or 2022,2024 (default: tables.years, else every year with values)")
	fl.StringVar(&opts.Catalog, "catalog", "", "the indicator catalogue (default: tables.catalog, else the built-in uppdragsplan)")
	fl.StringVar(&opts.Out, "out", "", "the directory to write the files into (created when missing)")
	fl.BoolVar(&f.forceOut, "force", false, forceOutHelp)
	fl.StringVar(&opts.Formats, "format", "", "csv, xlsx, md and/or html, comma-separated (default: tables.formats, all four)")
	fl.BoolVar(&opts.Excel, "excel", false, "CSV for Swedish Excel: \";\", decimal comma, UTF-8 with BOM (default: tables.excel)")
	return cmd
}

func runTables(ctx context.Context, opts *tablesOptions, f *factory) error {
	if strings.TrimSpace(opts.Out) == "" || opts.Out == "-" {
		return usageErrorf("--out DIR: the tables are several files (an overview and one per målområde); give a directory")
	}
	res, files, err := f.app.Tables(ctx, opts.TablesRequest)
	if err != nil {
		return err
	}
	return printTablesSummary(f.stdout, res, files)
}

func printTablesSummary(w *output, res *tables.Result, files []string) error {
	fmt.Fprintf(w, "Tabeller för %s (%s), %s, år %s:\n", res.MunicipalityName, res.MunicipalityID, res.Catalog.Title, res.YearsText())
	for _, m := range res.Catalog.Malomraden {
		c := tables.Summarize(res.Of(m.ID))
		fmt.Fprintf(w, "  målområde %s: %d förbättring, %d försämring, %d oförändrad, %d utan bedömning, %d utan värden\n",
			m.ID, c.Improved, c.Worsened, c.Unchanged, c.NoVerdict, c.NoData)
	}
	unresolved := 0
	for _, t := range res.Indicators {
		if t.Kolada && t.SourceID == "" {
			unresolved++
		}
	}
	if unresolved > 0 {
		fmt.Fprintf(w, "  %d indikatorer från Kolada saknar Kolada-id: deras titlar passar inget nyckeltal, eller flera (anmärkningarna listar dem; `nyckeltal catalog resolve` också)\n", unresolved)
	}
	for _, f := range files {
		fmt.Fprintln(w, f)
	}
	return nil
}

// reportOptions are the options of `nyckeltal report`.
type reportOptions struct {
	app.ReportRequest
	out string
}

func newReportCmd(f *factory) *cobra.Command {
	opts := &reportOptions{}
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
			return runReport(cmd.Context(), opts, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Municipality, "municipality", "", "municipality id or name (default: home_municipality of the configuration)")
	fl.StringVar(&opts.Years, "years", "", "years of the tables and charts: 2019-2024, 2019- (default: tables.years, else every year with values)")
	fl.StringVar(&opts.Catalog, "catalog", "", "the indicator catalogue (default: tables.catalog, else the built-in uppdragsplan)")
	fl.StringVar(&opts.out, "out", "", "the HTML file to write (- for standard output)")
	fl.BoolVar(&f.forceOut, "force", false, forceOutHelp)
	fl.IntVar(&opts.BaseYear, "base-year", 0, "the sparbeting's base year (default: the latest year with final values)")
	fl.StringVar(&opts.Comparator, "comparator", "", "the sparbeting's comparator: "+comparatorFlagHelp)
	fl.StringVar(&opts.Target, "target", "", "the sparbeting's target: "+targetFlagHelp)
	fl.StringVar(&opts.PeerTrend, "peer-trend", "", peerTrendFlagHelp)
	fl.StringVar(&opts.Plan, "plan", "", "an åtgärdsplan CSV to set against the glide path (default: nka.sparbeting.plan)")
	return cmd
}

func runReport(ctx context.Context, opts *reportOptions, f *factory) error {
	if strings.TrimSpace(opts.out) == "" {
		return usageErrorf("--out FILE.html: where to write the report")
	}
	r, err := f.app.Report(ctx, opts.ReportRequest)
	if err != nil {
		return err
	}
	if err := f.writeOutput(opts.out, r.WriteHTML); err != nil {
		return err
	}
	if opts.out != "-" {
		fmt.Fprintf(f.stdout, "Rapport för %s (%s) skriven till %s\n", r.Tables.MunicipalityName, r.Tables.MunicipalityID, opts.out)
		if r.Sparbeting == nil {
			fmt.Fprintln(f.stdout, "  "+r.SparbetingNote)
		}
	}
	return nil
}

// catalogShowOptions are the options of `nyckeltal catalog show`.
type catalogShowOptions struct {
	catalog, format string
}

func newCatalogCmd(f *factory) *cobra.Command {
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
			_, err := f.stdout.Write(catalog.Builtin)
			return err
		},
	}
	showOpts := &catalogShowOptions{}
	show := &cobra.Command{
		Use:   "show [--catalog FILE] [--format table|csv|json]",
		Short: "List the catalogue's indicators with their sources",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return runCatalogShow(showOpts, f)
		},
	}
	show.Flags().StringVar(&showOpts.catalog, "catalog", "", "the catalogue (default: tables.catalog, else the built-in one)")
	show.Flags().StringVar(&showOpts.format, "format", "table", "table, csv or json")
	cmd.AddCommand(example, show, newCatalogResolveCmd(f))
	return cmd
}

func runCatalogShow(opts *catalogShowOptions, f *factory) error {
	c, err := f.app.LoadCatalog(opts.catalog)
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
	return writeRows(f.stdout, opts.format, []string{"code", "malomrade", "mal", "direction", "periods", "breakdowns", "source", "area", "name"}, rows)
}

// catalogResolveOptions are the options of `nyckeltal catalog resolve`.
type catalogResolveOptions struct {
	file           string
	remote, dryRun bool
}

func newCatalogResolveCmd(f *factory) *cobra.Command {
	opts := &catalogResolveOptions{}
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
			return runCatalogResolve(cmd.Context(), opts, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.file, "catalog", "", "the catalogue file to resolve (default: tables.catalog)")
	fl.BoolVar(&opts.remote, "remote", false, "look the titles up in Kolada's KPI catalogue (the API) instead of the store's")
	fl.BoolVar(&opts.dryRun, "dry-run", false, "say what would be written, write nothing")
	return cmd
}

func runCatalogResolve(ctx context.Context, opts *catalogResolveOptions, f *factory) error {
	r, err := f.app.ResolveCatalog(ctx, opts.file, opts.remote, opts.dryRun)
	if err != nil {
		return err
	}
	if r.NothingToResolve {
		fmt.Fprintf(f.stdout, "Alla poster från Kolada i %s har ett id; inget att slå upp.\n", r.Path)
		return nil
	}
	return printResolutions(f.stdout, r.Path, r.From, r.Resolutions, r.Titles, r.Written)
}

func printResolutions(w *output, path, from string, res []catalog.Resolution, titles map[string]string, written bool) error {
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
		kind := map[string]string{"indicator": "indikator", "scatter": "spridningsdiagram"}[r.Kind]
		if kind == "" {
			kind = r.Kind
		}
		return fmt.Sprintf("%s %s (%s)", kind, r.Entry, r.Field) // the field is the catalogue's key
	}
	fmt.Fprintf(w, "Slog upp %s ur %s i %s.\n", swedish.Count(len(res), "titel", "titlar"), path, from)
	if len(resolved) > 0 {
		verb := "Skrivna"
		if !written {
			verb = "Skulle skrivas (--dry-run)"
		}
		fmt.Fprintf(w, "\n%s: %d\n", verb, len(resolved))
		for _, r := range resolved {
			how := "passar klart bäst"
			if r.Exact {
				how = "exakt titel"
			}
			fmt.Fprintf(w, "  %-28s %s  %s  [%s]\n", what(r), r.ID, titles[r.ID], how)
		}
	}
	if len(ambiguous) > 0 {
		fmt.Fprintf(w, "\nInte skrivna: flera nyckeltal passar, eller det bästa har en reservation; välj ett och skriv det som postens %s: %d\n", "id", len(ambiguous))
		for _, r := range ambiguous {
			fmt.Fprintf(w, "  %-28s %q\n", what(r), r.Title)
			for i, k := range r.Candidates {
				if i == 12 {
					fmt.Fprintf(w, "      … och %d till: skriv en längre titel\n", len(r.Candidates)-i)
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
		fmt.Fprintf(w, "\nInget nyckeltal passar (sök med `nyckeltal kpi search ORD`, eller --remote): %d\n", len(notFound))
		for _, r := range notFound {
			fmt.Fprintf(w, "  %-28s %q\n", what(r), r.Title)
		}
	}
	return nil
}
