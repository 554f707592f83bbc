package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/nyckeltal/nyckeltal/connectors/ownfiles"
	"github.com/nyckeltal/nyckeltal/internal/app/inbox"
	"github.com/nyckeltal/nyckeltal/internal/personnummer"
	"github.com/nyckeltal/nyckeltal/internal/store"
)

// FilesRequest is how `nyckeltal ingest webfocus|treserva|indicators` loads
// the municipality's own files.
type FilesRequest struct {
	SkipBadRows bool
	Quarantine  string // "": local.rejected_dir/SOURCE
	Force       bool   // load a file even if its bytes were loaded before
	// WebFOCUS: the period of files without one, a layout for files without
	// a heading row, and the text encoding.
	Period, Layout, Encoding string
	// Treserva: the date the extract describes (ÅÅÅÅ-MM-DD) and the years.
	AsOf, Years string
}

// sources builds the parsers of the configuration and r.
func (a *App) sources(r FilesRequest) (*inbox.Sources, error) {
	cfg, err := a.Config()
	if err != nil {
		return nil, err
	}
	so := a.SourceOptions()
	so.Period, so.Layout, so.Encoding, so.Years = r.Period, r.Layout, r.Encoding, r.Years
	if r.AsOf != "" {
		if so.AsOf, err = time.Parse(time.DateOnly, r.AsOf); err != nil {
			return nil, UsageErrorf("--as-of %q: write the date as ÅÅÅÅ-MM-DD", r.AsOf)
		}
	}
	src, err := inbox.NewSources(cfg, so)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	return src, nil
}

// FileEvents receive each file's outcome as it is loaded (after its log
// line): Refused for a file refused, Loaded for one loaded or unchanged.
type FileEvents struct {
	Refused func(ownfiles.Result)
	Loaded  func(ownfiles.Result)
}

// IngestFiles loads files of an inbox directory's source (inbox.DirWebFOCUS
// …), each as one load, in one write. Every file is read and checked whole
// before the store is locked: a big or hostile file never holds the store
// while it is read.
func (a *App) IngestFiles(ctx context.Context, dir string, files []string, r FilesRequest, ev FileEvents) error {
	if err := checkInputFiles(files); err != nil {
		return err
	}
	src, err := a.sources(r)
	if err != nil {
		return err
	}
	parser := src.ForDir(dir)
	cfg, err := a.Config()
	if err != nil {
		return err
	}
	quarantine := r.Quarantine
	if quarantine == "" {
		quarantine = filepath.Join(cfg.Local.RejectedDir, dir)
	}
	opts := ownfiles.Options{SkipBadRows: r.SkipBadRows, QuarantineDir: quarantine, Force: r.Force, Now: a.Now,
		MaxBytes: cfg.Local.Limits.MaxFileMB << 20}
	prepared := make([]*ownfiles.Prepared, 0, len(files))
	for _, path := range files {
		pf, err := ownfiles.Prepare(ctx, parser, path, opts)
		if err != nil {
			a.LogFile(pf.Result(), err)
			return fmt.Errorf("loading %s: %w", personnummer.Mask(path), err)
		}
		prepared = append(prepared, pf)
	}
	return a.WithWriter(ctx, func(st *store.Store) error {
		refused := 0
		for i, pf := range prepared {
			res, err := pf.Load(ctx, st)
			prepared[i] = nil // staged: let its rows go
			a.LogFile(res, err)
			switch {
			case errors.Is(err, ownfiles.ErrRefused):
				refused++
				ev.Refused(res)
			case err != nil:
				return fmt.Errorf("loading %s: %w", personnummer.Mask(files[i]), err)
			default:
				ev.Loaded(res)
			}
		}
		if refused > 0 {
			return FilesRefused("%d of %d file(s) refused; nothing of them was loaded", refused, len(files))
		}
		return nil
	})
}

// DryRunEvents receive what a dry run finds, file by file.
type DryRunEvents struct {
	// Refused is a file refused as a whole (nothing of it would load).
	Refused func(ownfiles.Result)
	// Parsed is a file read, with what would be loaded and any bad rows.
	Parsed func(path, source string, parsed *ownfiles.Parsed)
}

// DryRunFiles reads and checks files as IngestFiles would, and loads nothing.
func (a *App) DryRunFiles(ctx context.Context, dir string, files []string, r FilesRequest, ev DryRunEvents) error {
	if err := checkInputFiles(files); err != nil {
		return err
	}
	src, err := a.sources(r)
	if err != nil {
		return err
	}
	p := src.ForDir(dir)
	cfg, err := a.Config()
	if err != nil {
		return err
	}
	maxBytes := cfg.Local.Limits.MaxFileMB << 20
	refused := 0
	for _, path := range files {
		pf, err := ownfiles.Prepare(ctx, p, path, ownfiles.Options{SkipBadRows: true, MaxBytes: maxBytes})
		if err != nil {
			return fmt.Errorf("reading %s: %w", personnummer.Mask(path), err)
		}
		if fe := pf.Refusal(); fe != nil && (pf.Parsed() == nil || pf.Parsed().NumProblems() == 0) {
			refused++
			ev.Refused(ownfiles.Result{File: fe.File, Source: p.Source(), Outcome: ownfiles.Refused,
				Problems: fe.Problems, TotalProblems: fe.Total})
			continue
		}
		parsed := pf.Parsed()
		ev.Parsed(path, p.Source(), parsed)
		if parsed.NumProblems() > 0 {
			refused++
		}
	}
	if refused > 0 {
		return FilesRefused("%d of %d file(s) would be refused", refused, len(files))
	}
	return nil
}

// InboxOutcome is what processing the inbox did: the files' outcomes (nil
// when the inbox could not be read), the options it ran with, and the error
// of the processing and of the write, apart.
type InboxOutcome struct {
	Result   *inbox.Result
	Options  inbox.Options
	ProcErr  error
	WriteErr error
}

// IngestInbox loads the inbox's complete files. The inbox is read and
// checked before the store is locked; files are moved once it is published.
func (a *App) IngestInbox(ctx context.Context, skipBadRows bool) (*InboxOutcome, error) {
	cfg, err := a.Config()
	if err != nil {
		return nil, err
	}
	opts, err := inbox.FromConfig(cfg, a.SourceOptions())
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	opts.SkipBadRows, opts.Now = skipBadRows, a.Now
	batch, procErr := inbox.Prepare(ctx, opts)
	if batch == nil {
		return nil, fmt.Errorf("processing the inbox: %w", procErr)
	}
	out := &InboxOutcome{Result: batch.Result(), Options: opts}
	if batch.Ready() > 0 {
		var loadErr error
		out.WriteErr = a.WithWriter(ctx, func(st *store.Store) error {
			out.Result, loadErr = batch.Load(ctx, st)
			procErr = errors.Join(procErr, loadErr)
			return nil
		})
	}
	out.ProcErr = procErr
	return out, nil
}

// LogFile writes the one structured line per file that cron logs keep. It
// names the file and its hash, never its content.
func (a *App) LogFile(r ownfiles.Result, err error) {
	if r.File == "" || r.Outcome == "" && err == nil {
		return
	}
	ev := a.Log.Info()
	if r.Outcome == ownfiles.Refused || (err != nil && !errors.Is(err, ownfiles.ErrRefused)) {
		ev = a.Log.Warn()
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
