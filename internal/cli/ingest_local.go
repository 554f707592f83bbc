package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nyckeltal/nyckeltal/connectors/ownfiles"
	"github.com/nyckeltal/nyckeltal/internal/inbox"
	"github.com/nyckeltal/nyckeltal/internal/personnummer"
	"github.com/nyckeltal/nyckeltal/internal/store"
)

// ErrFilesRefused means at least one file was refused; the report says why.
var ErrFilesRefused = errors.New("files refused")

// refusedFiles says how many files were refused; it is an ErrFilesRefused.
type refusedFiles struct{ msg string }

func (e *refusedFiles) Error() string        { return e.msg }
func (e *refusedFiles) Is(target error) bool { return target == ErrFilesRefused }

func filesRefused(format string, args ...any) error {
	return &refusedFiles{msg: fmt.Sprintf(format, args...)}
}

type localFlags struct {
	skipBadRows bool
	quarantine  string
	force       bool
	dryRun      bool
	// WebFOCUS
	period, layout, encoding string
	// Treserva
	asOf, years string
}

func (f *localFlags) common(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&f.skipBadRows, "skip-bad-rows", false, "load the good rows of a file with bad rows; the bad ones go to a quarantine CSV")
	fl.StringVar(&f.quarantine, "quarantine", "", "directory of the quarantine CSVs, made private (0700) (default: local.rejected_dir/SOURCE)")
	fl.BoolVar(&f.force, "force", false, "load a file even if the same bytes were loaded before")
	fl.BoolVar(&f.dryRun, "dry-run", false, "read and check the files and print what would be loaded; the store is not touched")
}

func newIngestLocalCmds(e *env) []*cobra.Command {
	var wf, tr, ind, ib localFlags
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
			return e.runIngestFiles(cmd.Context(), inbox.DirWebFOCUS, args, wf)
		},
	}
	wf.common(webfocusCmd)
	webfocusCmd.Flags().StringVar(&wf.period, "period", "", `the period of files without a period column or heading: 2024, "delår 2024", 2024-Q1, 2024-08, 2024-01-01–2024-08-31`)
	webfocusCmd.Flags().StringVar(&wf.layout, "layout", "", "a local.webfocus.layouts entry for files without column titles (COMMA, TAB)")
	webfocusCmd.Flags().StringVar(&wf.encoding, "encoding", "auto", "text encoding: auto, utf-8 or windows-1252")

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
			return e.runIngestFiles(cmd.Context(), inbox.DirTreserva, args, tr)
		},
	}
	tr.common(treservaCmd)
	treservaCmd.Flags().StringVar(&tr.asOf, "as-of", "", "the date the extract describes, ÅÅÅÅ-MM-DD (default: its latest ansökan, beslut, verkställighet or avslut)")
	treservaCmd.Flags().StringVar(&tr.years, "years", "", "years to compute, e.g. 2023-2024 (default: local.treserva.years, else the extract's year and the year before)")

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
			return e.runIngestFiles(cmd.Context(), inbox.DirIndicators, args, ind)
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
			return e.runIngestInbox(cmd.Context(), ib)
		},
	}
	inboxCmd.Flags().BoolVar(&ib.skipBadRows, "skip-bad-rows", false, "load the good rows of files with bad rows; the bad ones go to a quarantine CSV in the rejected directory")
	return []*cobra.Command{webfocusCmd, treservaCmd, indicatorsCmd, inboxCmd}
}

func (e *env) sources(f localFlags) (*inbox.Sources, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	so := e.sourceOptions()
	so.Period, so.Layout, so.Encoding, so.Years = f.period, f.layout, f.encoding, f.years
	if f.asOf != "" {
		if so.AsOf, err = time.Parse(time.DateOnly, f.asOf); err != nil {
			return nil, usageErrorf("--as-of %q: write the date as ÅÅÅÅ-MM-DD", f.asOf)
		}
	}
	src, err := inbox.NewSources(cfg, so)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	return src, nil
}

func (e *env) runIngestFiles(ctx context.Context, dir string, files []string, f localFlags) error {
	src, err := e.sources(f)
	if err != nil {
		return err
	}
	parser := src.ForDir(dir)
	cfg, err := e.config()
	if err != nil {
		return err
	}
	if f.dryRun {
		return e.dryRun(ctx, parser, files, cfg.Local.Limits.MaxFileMB<<20)
	}
	quarantine := f.quarantine
	if quarantine == "" {
		quarantine = filepath.Join(cfg.Local.RejectedDir, dir)
	}
	opts := ownfiles.Options{SkipBadRows: f.skipBadRows, QuarantineDir: quarantine, Force: f.force, Now: e.app.Now,
		MaxBytes: cfg.Local.Limits.MaxFileMB << 20}
	// Every file is read and checked whole before the store is locked: a
	// big or hostile file never holds the store while it is read.
	prepared := make([]*ownfiles.Prepared, 0, len(files))
	for _, path := range files {
		pf, err := ownfiles.Prepare(ctx, parser, path, opts)
		if err != nil {
			e.logFile(pf.Result(), err)
			return fmt.Errorf("loading %s: %w", personnummer.Mask(path), err)
		}
		prepared = append(prepared, pf)
	}
	err = e.withWriter(ctx, func(st *store.Store) error {
		refused := 0
		for i, pf := range prepared {
			r, err := pf.Load(ctx, st)
			prepared[i] = nil // staged: let its rows go
			e.logFile(r, err)
			switch {
			case errors.Is(err, ownfiles.ErrRefused):
				refused++
				e.reportRefused(r)
			case err != nil:
				return fmt.Errorf("loading %s: %w", personnummer.Mask(files[i]), err)
			default:
				printFileResult(e.app.Stdout, r)
			}
		}
		if refused > 0 {
			return filesRefused("%d of %d file(s) refused; nothing of them was loaded", refused, len(files))
		}
		return nil
	})
	if err != nil {
		return err
	}
	e.printPublished(ctx)
	return nil
}

// dryRun reads the files and prints what would be loaded.
func (e *env) dryRun(ctx context.Context, p ownfiles.Parser, files []string, maxBytes int64) error {
	refused := 0
	for _, path := range files {
		pf, err := ownfiles.Prepare(ctx, p, path, ownfiles.Options{SkipBadRows: true, MaxBytes: maxBytes})
		if err != nil {
			return fmt.Errorf("reading %s: %w", personnummer.Mask(path), err)
		}
		if fe := pf.Refusal(); fe != nil && (pf.Parsed() == nil || pf.Parsed().NumProblems() == 0) {
			refused++
			e.reportRefused(ownfiles.Result{File: fe.File, Source: p.Source(), Outcome: ownfiles.Refused,
				Problems: fe.Problems, TotalProblems: fe.Total})
			continue
		}
		parsed := pf.Parsed()
		fmt.Fprintf(e.app.Stdout, "== %s (%s, dry run: nothing is loaded)\n%s", personnummer.Mask(path), p.Source(),
			ownfiles.Describe(parsed))
		if parsed.NumProblems() > 0 {
			refused++
		}
	}
	if refused > 0 {
		return filesRefused("%d of %d file(s) would be refused", refused, len(files))
	}
	return nil
}

func (e *env) runIngestInbox(ctx context.Context, f localFlags) error {
	cfg, err := e.config()
	if err != nil {
		return err
	}
	opts, err := inbox.FromConfig(cfg, e.sourceOptions())
	if err != nil {
		return &UsageError{Err: err}
	}
	opts.SkipBadRows, opts.Now = f.skipBadRows, e.app.Now
	// The inbox is read and checked before the store is locked.
	batch, procErr := inbox.Prepare(ctx, opts)
	if batch == nil {
		return fmt.Errorf("processing the inbox: %w", procErr)
	}
	res := batch.Result()
	if batch.Ready() > 0 {
		var err2 error
		err = e.withWriter(ctx, func(st *store.Store) error {
			res, err2 = batch.Load(ctx, st)
			procErr = errors.Join(procErr, err2)
			return nil
		})
	}
	// Files are moved once the store is published, so the report comes after.
	if res != nil {
		e.reportInbox(res, opts)
	}
	switch {
	case err != nil:
		return errors.Join(procErr, err)
	case procErr != nil:
		return fmt.Errorf("processing the inbox: %w", procErr)
	case res.Refused > 0:
		return filesRefused("%d file(s) of the inbox refused and moved to %s", res.Refused, opts.RejectedDir)
	}
	e.printPublished(ctx)
	return nil
}

// reportInbox prints what happened to each inbox file and logs a line per file.
func (e *env) reportInbox(res *inbox.Result, opts inbox.Options) {
	for _, fr := range res.Files {
		if fr.Waiting != "" {
			e.log.Warn().Str("job", fr.Source).Str("file", fr.File).Str("outcome", "waiting").Str("reason", fr.Waiting).
				Msg("file not yet complete, left for the next run")
			continue
		}
		e.logFile(fr.Result, fr.Err)
		switch {
		case fr.Outcome == ownfiles.Refused:
			e.reportRefused(fr.Result)
			if fr.MovedTo != "" {
				fmt.Fprintf(e.app.Stdout, "  moved to %s (see %s)\n", fr.MovedTo, filepath.Base(fr.ErrorFile))
			} else if fr.Err != nil {
				fmt.Fprintf(e.app.Stdout, "  could not be moved, left in the inbox: %v\n", fr.Err)
			}
		case fr.Waiting != "":
			fmt.Fprintf(e.app.Stdout, "%s %s: not yet complete, left in the inbox for the next run: %s\n", fr.Dir, fr.File, fr.Waiting)
		case fr.Err != nil:
			fmt.Fprintf(e.app.Stdout, "%s %s: not processed, left in the inbox: %v\n", fr.Dir, fr.File, fr.Err)
		default:
			printFileResult(e.app.Stdout, fr.Result)
			switch {
			case fr.Deleted:
				fmt.Fprintln(e.app.Stdout, "  deleted from the inbox (local.treserva.archive_extracts = false)")
			case fr.MovedTo != "":
				fmt.Fprintf(e.app.Stdout, "  moved to %s\n", fr.MovedTo)
			}
		}
	}
	fmt.Fprintln(e.app.Stdout, res.Summary(opts.InboxDir))
	if len(res.Misplaced) > 0 {
		fmt.Fprintf(e.app.Stdout, "  not read, because they lie directly in %s: %s (put each in %s/)\n", opts.InboxDir,
			strings.Join(res.Misplaced, ", "), strings.Join(inbox.Dirs, "/, "))
	}
}

// logFile writes the one structured line per file that cron logs keep. It
// names the file and its hash, never its content.
func (e *env) logFile(r ownfiles.Result, err error) {
	if r.File == "" || r.Outcome == "" && err == nil {
		return
	}
	ev := e.log.Info()
	if r.Outcome == ownfiles.Refused || (err != nil && !errors.Is(err, ownfiles.ErrRefused)) {
		ev = e.log.Warn()
	}
	ev = ev.Str("job", r.Source).Str("file", r.File).Str("sha256", r.SHA256).Str("outcome", r.Outcome).
		Int64("rows", r.Rows).Int64("rows_refused", r.RefusedRows).Float64("duration_s", r.Duration.Seconds())
	if r.Load.LoadID != 0 {
		ev = ev.Int64("load_id", r.Load.LoadID).Int64("rows_inserted", r.Load.Inserted).
			Int64("rows_updated", r.Load.Updated).Int64("rows_deleted", r.Load.Deleted)
	}
	if r.PreviousLoad != 0 {
		ev = ev.Int64("previous_load_id", r.PreviousLoad)
	}
	if r.TotalProblems > 0 {
		ev = ev.Int("problems", r.TotalProblems)
	}
	if err != nil && !errors.Is(err, ownfiles.ErrRefused) {
		ev = ev.Str("error", err.Error())
	}
	ev.Msg("file processed")
}

// reportRefused tells the operator every problem of a refused file (the
// first 50), masked: as text on a terminal, as one JSON line for cron.
func (e *env) reportRefused(r ownfiles.Result) {
	if e.logJSON {
		lines := make([]string, len(r.Problems))
		for i, p := range r.Problems {
			lines[i] = p.String()
		}
		e.log.Error().Str("job", r.Source).Str("file", r.File).Int("problems", r.TotalProblems).
			Strs("first_problems", lines).Msg("file refused, nothing loaded")
		return
	}
	w := e.app.Stderr
	what := "nothing loaded"
	if r.Load.LoadID != 0 {
		what = fmt.Sprintf("nothing loaded (recorded as failed load %d)", r.Load.LoadID)
	}
	fmt.Fprintf(w, "%s %s: refused, %s; %s:\n", r.Source, r.File, what, problemCount(r))
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  %s\n", p)
	}
	if r.TotalProblems > len(r.Problems) {
		fmt.Fprintf(w, "  … and %d more\n", r.TotalProblems-len(r.Problems))
	}
}

func problemCount(r ownfiles.Result) string {
	if r.TotalProblems == 1 {
		return "1 problem"
	}
	return fmt.Sprintf("%d problems", r.TotalProblems)
}

func printFileResult(w io.Writer, r ownfiles.Result) {
	if r.Outcome == ownfiles.Unchanged {
		fmt.Fprintf(w, "%s %s: unchanged, the same file was loaded by load %d (--force loads it again)\n", r.Source, r.File, r.PreviousLoad)
		return
	}
	l := r.Load
	fmt.Fprintf(w, "%s %s (%s): load %d ok, %s rows, %s values: %s new, %s changed, %s ended\n", r.Source, r.File, r.Format,
		l.LoadID, formatInt(r.Rows), formatInt(l.RowsRead), formatInt(l.Inserted), formatInt(l.Updated), formatInt(l.Deleted))
	var notes []string
	if r.Skipped > 0 {
		notes = append(notes, fmt.Sprintf("%s heading, total, footing or unused rows skipped", formatInt(r.Skipped)))
	}
	notes = append(notes, r.Notes...)
	if r.RefusedRows > 0 {
		notes = append(notes, fmt.Sprintf("%s bad rows refused (--skip-bad-rows) and written to %s", formatInt(r.RefusedRows), r.Quarantine))
		for _, p := range r.Problems {
			notes = append(notes, "  "+p.String())
		}
		if r.TotalProblems > len(r.Problems) {
			notes = append(notes, fmt.Sprintf("  … and %d more", r.TotalProblems-len(r.Problems)))
		}
	}
	for _, n := range notes {
		fmt.Fprintf(w, "  %s\n", strings.TrimRight(n, "\n"))
	}
}
