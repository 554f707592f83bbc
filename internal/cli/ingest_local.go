package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nyckeltal/nyckeltal/connectors/ownfiles"
	"github.com/nyckeltal/nyckeltal/internal/app"
	"github.com/nyckeltal/nyckeltal/internal/app/inbox"
	"github.com/nyckeltal/nyckeltal/internal/personnummer"
	"github.com/nyckeltal/nyckeltal/internal/swedish"
)

// ingestFilesOptions are the options of `nyckeltal ingest webfocus`,
// `treserva` and `indicators`: which inbox directory's source reads the
// files, and how they are loaded.
type ingestFilesOptions struct {
	app.FilesRequest
	dir    string
	files  []string
	dryRun bool
}

func (o *ingestFilesOptions) common(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&o.SkipBadRows, "skip-bad-rows", false, "load the good rows of a file with bad rows; the bad ones go to a quarantine CSV")
	fl.StringVar(&o.Quarantine, "quarantine", "", "directory of the quarantine CSVs, made private (0700) (default: local.rejected_dir/SOURCE)")
	fl.BoolVar(&o.Force, "force", false, "load a file even if the same bytes were loaded before")
	fl.BoolVar(&o.dryRun, "dry-run", false, "read and check the files and print what would be loaded; the store is not touched")
}

// ingestInboxOptions are the options of `nyckeltal ingest inbox`.
type ingestInboxOptions struct {
	skipBadRows bool
}

func newIngestLocalCmds(f *factory) []*cobra.Command {
	wf := &ingestFilesOptions{dir: inbox.DirWebFOCUS}
	tr := &ingestFilesOptions{dir: inbox.DirTreserva}
	ind := &ingestFilesOptions{dir: inbox.DirIndicators}
	ib := &ingestInboxOptions{}
	webfocusCmd := &cobra.Command{
		Use:   "webfocus FILE…",
		Short: "Load WebFOCUS report exports (COMT, TABT, DFIX, EXL2K, XLSX)",
		Long: `Load WebFOCUS report exports. The shape is found from the content, not the
file name: COMMA/COMT (.csv, text in double quotes, dates as numbers such as
20240131), TAB/TABT, DFIX with any delimiter (often ;), EXL2K (an HTML table saved
as .xls) and XLSX, in UTF-8 (with or without BOM) or Windows-1252. Heading rows
before the column titles, TOTAL, Summa and Delsumma rows, and footings are skipped;
"." is a missing value; numbers may use a decimal comma and spaces (also U+00A0,
U+202F) between thousands.

Columns are mapped to local indicator codes by [local.webfocus] in the
configuration (see ` + "`nyckeltal config example`" + `); the defaults cover the WebFOCUS
indicators of the uppdragsplan (sjukfrånvaro, timanställda, personalomsättning …).
A row's enhet becomes a local_unit; rows without one, or with an enhet of
local.municipality_units, are the home municipality's figures. The period comes
from a period column, from- and to-date columns, --period, or the report heading.

Every file is one load, whole or not at all. The same file again is a no-op; a
corrected file for the same periods replaces the earlier values (the history
keeps both). A file with problems is refused with every problem's line, column
and reason, and nothing of it is loaded (exit code 3), unless --skip-bad-rows.`,
		Example: `  nyckeltal ingest webfocus sjukfranvaro_delar2024.csv
  nyckeltal ingest webfocus personal.xls verksamhet.xlsx
  nyckeltal ingest webfocus --period "delår 2024" kringtid.txt
  nyckeltal ingest webfocus --dry-run rapport.csv     # check a file without loading it`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			wf.files = args
			return runIngestFiles(cmd.Context(), wf, f)
		},
	}
	wf.common(webfocusCmd)
	webfocusCmd.Flags().StringVar(&wf.Period, "period", "", `the period of files without a period column or heading: 2024, "delår 2024", 2024-Q1, 2024-08, 2024-01-01–2024-08-31`)
	webfocusCmd.Flags().StringVar(&wf.Layout, "layout", "", "a local.webfocus.layouts entry for files without column titles (COMMA, TAB)")
	webfocusCmd.Flags().StringVar(&wf.Encoding, "encoding", "auto", "text encoding: auto, utf-8 or windows-1252")

	treservaCmd := &cobra.Command{
		Use:   "treserva FILE…",
		Short: "Load Treserva extracts of decisions on särskilt boende and LSS bostad (personal data)",
		Long: `Load Treserva extracts (semicolon-separated, Windows-1252 or UTF-8, dates
ÅÅÅÅ-MM-DD) of decisions about särskilt boende (SoL) and bostad med särskild
service (LSS), and compute per period (kvartal 1, delår, helår), kön and regi:

  TRE_SABO_VANTAT_3M, TRE_BSS_VANTAT_3M         people who waited more than three months for a place
  TRE_SABO_VANTETID_DAGAR, TRE_BSS_VANTETID_DAGAR mean days from ansökan to erbjudet inflyttningsdatum (as Kolada U23401)
  TRE_SABO_EJ_VERKST_3M, TRE_BSS_EJ_VERKST_3M     ej verkställda beslut older than three months

connectors/treserva/README.md defines exactly how they are counted and the
default column layout; local.treserva.columns maps other headings.

The extract holds personnummer. They are validated and replaced by keyed
pseudonyms (HMAC-SHA-256) as they are read and are never stored, logged or
printed; refused rows are shown masked. The key is read from the file named by
$NYCKELTAL_PSEUDONYM_KEY_FILE (or local.pseudonym_key_file), kept outside the
database; without it nothing is loaded.`,
		Example: `  export NYCKELTAL_PSEUDONYM_KEY_FILE=/etc/nyckeltal/pseudonym.key
  nyckeltal ingest treserva beslut_2024-09-10.csv
  nyckeltal ingest treserva --as-of 2024-09-10 --years 2023-2024 beslut.csv`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			tr.files = args
			return runIngestFiles(cmd.Context(), tr, f)
		},
	}
	tr.common(treservaCmd)
	treservaCmd.Flags().StringVar(&tr.AsOf, "as-of", "", "the date the extract describes, ÅÅÅÅ-MM-DD (default: its latest ansökan, beslut, verkställighet or avslut)")
	treservaCmd.Flags().StringVar(&tr.Years, "years", "", "years to compute, e.g. 2023-2024 (default: local.treserva.years, else the extract's year and the year before)")

	indicatorsCmd := &cobra.Command{
		Use:   "indicators FILE…",
		Short: "Load long indicator files (CSV or XLSX) from any other system",
		Long: `Load indicator files in the plain long format, one value a row, from any
system without a connector of its own (Combine, Ekonomisystemet, egen granskning,
Palliativa registret, Senior Alert, BPSD-registret …):

  indikator;namn;måttenhet;källa;period;kön;regi;enhet;värde
  PAL_MUNHALSA;Dokumenterad munhälsobedömning sista levnadsveckan;procent;Palliativa registret;2023;T;alla;;61,2

indikator, period and värde are required. CSV with ; , or tab, or XLSX. See
connectors/indicators/README.md for every column.`,
		Example: `  nyckeltal ingest indicators palliativa_2023.csv
  nyckeltal ingest indicators --dry-run egen_granskning.xlsx`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ind.files = args
			return runIngestFiles(cmd.Context(), ind, f)
		},
	}
	ind.common(indicatorsCmd)

	inboxCmd := &cobra.Command{
		Use:   "inbox",
		Short: "Load new files from the inbox directories and move them to archive or rejected",
		Long: `Load every new file from the inbox (local.inbox_dir, default data/inbox):

  data/inbox/webfocus/      WebFOCUS exports        (as ` + "`ingest webfocus`" + `)
  data/inbox/treserva/      Treserva extracts       (as ` + "`ingest treserva`" + `)
  data/inbox/indikatorer/   long indicator files    (as ` + "`ingest indicators`" + `)

Files are loaded oldest first, each as its own load. A loaded file (or one whose
bytes were loaded before) moves to data/archive/SOURCE/; a refused file moves to
data/rejected/SOURCE/ with FILE.error.txt beside it saying why. A file that cannot
be processed for another reason (no pseudonym key, the store busy) stays in the
inbox for the next run. Names starting with "." or "~$" and ending in .part or .tmp
are left alone: copy a file in under such a name and rename it when it is complete.

Exit code 3 when a file was refused, 0 when all were loaded or there was nothing to do.`,
		Example: `  nyckeltal ingest inbox
  nyckeltal ingest inbox --skip-bad-rows`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runIngestInbox(cmd.Context(), ib, f)
		},
	}
	inboxCmd.Flags().BoolVar(&ib.skipBadRows, "skip-bad-rows", false, "load the good rows of files with bad rows; the bad ones go to a quarantine CSV in the rejected directory")
	return []*cobra.Command{webfocusCmd, treservaCmd, indicatorsCmd, inboxCmd}
}

func runIngestFiles(ctx context.Context, opts *ingestFilesOptions, f *factory) error {
	if opts.dryRun {
		return f.app.DryRunFiles(ctx, opts.dir, opts.files, opts.FilesRequest, app.DryRunEvents{
			Refused: f.reportRefused,
			Parsed: func(path, source string, parsed *ownfiles.Parsed) {
				fmt.Fprintf(f.stdout, "== %s (%s, provläsning: inget laddas)\n%s", personnummer.Mask(path), source,
					ownfiles.Describe(parsed))
			},
		})
	}
	err := f.app.IngestFiles(ctx, opts.dir, opts.files, opts.FilesRequest, app.FileEvents{
		Refused: f.reportRefused,
		Loaded:  func(r ownfiles.Result) { printFileResult(f.stdout, r) },
	})
	if err != nil {
		return err
	}
	f.printPublished(ctx)
	return nil
}

func runIngestInbox(ctx context.Context, opts *ingestInboxOptions, f *factory) error {
	out, err := f.app.IngestInbox(ctx, opts.skipBadRows)
	if err != nil {
		return err
	}
	// Files are moved once the store is published, so the report comes after.
	res := out.Result
	if res != nil {
		f.reportInbox(res, out.Options)
	}
	switch {
	case out.WriteErr != nil:
		return errors.Join(out.ProcErr, out.WriteErr)
	case out.ProcErr != nil:
		return fmt.Errorf("processing the inbox: %w", out.ProcErr)
	case res.Refused > 0:
		return app.FilesRefused("%d file(s) of the inbox refused and moved to %s", res.Refused, out.Options.RejectedDir)
	}
	f.printPublished(ctx)
	return nil
}

// reportInbox prints what happened to each inbox file and logs a line per file.
func (f *factory) reportInbox(res *inbox.Result, opts inbox.Options) {
	for _, fr := range res.Files {
		if fr.Waiting != "" {
			f.log.Warn().Str("job", fr.Source).Str("file", fr.File).Str("outcome", "waiting").Str("reason", fr.Waiting).
				Msg("file not yet complete, left for the next run")
			continue
		}
		f.app.LogFile(fr.Result, fr.Err)
		switch {
		case fr.Outcome == ownfiles.Refused:
			f.reportRefused(fr.Result)
			if fr.MovedTo != "" {
				fmt.Fprintf(f.stdout, "  flyttad till %s (se %s)\n", fr.MovedTo, filepath.Base(fr.ErrorFile))
			} else if fr.Err != nil {
				fmt.Fprintf(f.stdout, "  kunde inte flyttas, kvar i inkorgen: %v\n", fr.Err)
			}
		case fr.Waiting != "":
			fmt.Fprintf(f.stdout, "%s %s: ännu inte komplett, kvar i inkorgen till nästa körning: %s\n", fr.Dir, fr.File, fr.Waiting)
		case fr.Err != nil:
			fmt.Fprintf(f.stdout, "%s %s: inte behandlad, kvar i inkorgen: %v\n", fr.Dir, fr.File, fr.Err)
		default:
			printFileResult(f.stdout, fr.Result)
			switch {
			case fr.Deleted:
				fmt.Fprintln(f.stdout, "  raderad ur inkorgen (local.treserva.archive_extracts = false)")
			case fr.MovedTo != "":
				fmt.Fprintf(f.stdout, "  flyttad till %s\n", fr.MovedTo)
			}
		}
	}
	fmt.Fprintln(f.stdout, res.Summary(opts.InboxDir))
	if len(res.Misplaced) > 0 {
		fmt.Fprintf(f.stdout, "  inte lästa, eftersom de ligger direkt i %s: %s (lägg var och en i %s/)\n", opts.InboxDir,
			strings.Join(res.Misplaced, ", "), strings.Join(inbox.Dirs, "/, "))
	}
}

// reportRefused tells the operator every problem of a refused file (the
// first 50), masked: as text on a terminal, as one JSON line for cron.
func (f *factory) reportRefused(r ownfiles.Result) {
	if f.logJSON {
		lines := make([]string, len(r.Problems))
		for i, p := range r.Problems {
			lines[i] = p.String()
		}
		f.log.Error().Str("job", r.Source).Str("file", r.File).Int("problems", r.TotalProblems).
			Strs("first_problems", lines).Msg("file refused, nothing loaded")
		return
	}
	w := f.stderr
	what := "inget laddat"
	if r.Load.LoadID != 0 {
		what = fmt.Sprintf("inget laddat (registrerat som misslyckad laddning %d)", r.Load.LoadID)
	}
	fmt.Fprintf(w, "%s %s: avvisad, %s; %s:\n", r.Source, r.File, what, problemCount(r))
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  %s\n", p)
	}
	if r.TotalProblems > len(r.Problems) {
		fmt.Fprintf(w, "  … och %d till\n", r.TotalProblems-len(r.Problems))
	}
}

func problemCount(r ownfiles.Result) string {
	return fmt.Sprintf("%d problem", r.TotalProblems)
}

func printFileResult(w *output, r ownfiles.Result) {
	if r.Outcome == ownfiles.Unchanged {
		fmt.Fprintf(w, "%s %s: oförändrad, samma fil laddades av laddning %d (--force laddar den igen)\n", r.Source, r.File, r.PreviousLoad)
		return
	}
	l := r.Load
	fmt.Fprintf(w, "%s %s (%s): laddning %d ok, %s, %s: %s nya, %s ändrade, %s avslutade\n", r.Source, r.File, r.Format,
		l.LoadID, swedish.Count(r.Rows, "rad", "rader"), swedish.Count(l.RowsRead, "värde", "värden"), formatInt(l.Inserted), formatInt(l.Updated), formatInt(l.Deleted))
	var notes []string
	if r.Skipped > 0 {
		skipped := "rubrik-, summa-, fot- eller oanvända rader överhoppade"
		if r.Skipped == 1 {
			skipped = "rubrik-, summa-, fot- eller oanvänd rad överhoppad"
		}
		notes = append(notes, formatInt(r.Skipped)+" "+skipped)
	}
	notes = append(notes, r.Notes...)
	if r.RefusedRows > 0 {
		notes = append(notes, fmt.Sprintf("%s felaktiga rader avvisade (--skip-bad-rows) och skrivna till %s", formatInt(r.RefusedRows), r.Quarantine))
		for _, p := range r.Problems {
			notes = append(notes, "  "+p.String())
		}
		if r.TotalProblems > len(r.Problems) {
			notes = append(notes, fmt.Sprintf("  … och %d till", r.TotalProblems-len(r.Problems)))
		}
	}
	for _, n := range notes {
		fmt.Fprintf(w, "  %s\n", strings.TrimRight(n, "\n"))
	}
}
