// Package app holds nyckeltal's use cases — run, schedule, ingest (Kolada,
// files, the inbox), gap, sparbeting, tables, report, export, status, the
// Kolada probe, the pseudonym key and the indicator catalogue — over one
// configuration and one store. The command line (internal/cli) parses flags
// into the requests of this package and renders what it returns; the use
// cases know nothing of cobra, and the tests can call them directly.
//
// App owns how a writer gets the store and publishes it (WithWriter), the
// jobs of a run with the derived job, and the syncing of the configured NKA
// areas into the store on every write.
package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/nyckeltal/nyckeltal/connectors/kolada"
	"github.com/nyckeltal/nyckeltal/internal/app/inbox"
	"github.com/nyckeltal/nyckeltal/internal/config"
	"github.com/nyckeltal/nyckeltal/internal/outpath"
	"github.com/nyckeltal/nyckeltal/internal/personnummer"
	"github.com/nyckeltal/nyckeltal/internal/store"
)

// App is the application with its surroundings. Config and DBPath are
// resolved on first use, so that a command that needs neither (or only the
// store, given by --db) works with a configuration that cannot be read.
type App struct {
	// Config returns the configuration (loaded once).
	Config func() (*config.Config, error)
	// DBPath resolves the store: --db, $NYCKELTAL_DB, then store.path.
	DBPath func() (string, error)
	Log    zerolog.Logger
	Now    func() time.Time
	// Command is the command path without "nyckeltal", for the write
	// lock's holder file.
	Command string
	// AllowReadableKey accepts a pseudonym key file that others than its
	// owner can read, with a warning (--allow-readable-key).
	AllowReadableKey bool
	// ForceOut replaces an output file that nyckeltal did not write (--force).
	ForceOut bool
	// Progress, when set, draws the progress of a Kolada load (a terminal).
	Progress func() Progress
	// Describe gives an error's exit code and hint, for the summary that
	// notify.command reads; the command line maps errors to both.
	Describe func(error) (code int, hint string)
}

// Progress draws the progress of a Kolada load.
type Progress interface {
	Update(kolada.Progress)
	Done()
}

type noProgress struct{}

func (noProgress) Update(kolada.Progress) {}
func (noProgress) Done()                  {}

func (a *App) progress() Progress {
	if a.Progress == nil {
		return noProgress{}
	}
	return a.Progress()
}

// UsageError is a mistake in what was asked: a flag's value, or flags that
// do not go together.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// UsageErrorf is a UsageError with a formatted message.
func UsageErrorf(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// ErrNoInputFile is an input file named on the command line that does not
// exist (or is a directory): a usage error, said once before anything is
// read.
var ErrNoInputFile = errors.New("no such input file")

// checkInputFiles refuses the first of files that is not a readable file.
func checkInputFiles(files []string) error {
	for _, path := range files {
		fi, err := os.Stat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return &UsageError{Err: fmt.Errorf("%s: %w", personnummer.Mask(path), ErrNoInputFile)}
		case err == nil && fi.IsDir():
			return &UsageError{Err: fmt.Errorf("%s is a directory: %w", personnummer.Mask(path), ErrNoInputFile)}
		}
	}
	return nil
}

// ErrFilesRefused means at least one file was refused; the report says why.
var ErrFilesRefused = errors.New("files refused")

// refusedFiles says how many files were refused; it is an ErrFilesRefused.
type refusedFiles struct{ msg string }

func (e *refusedFiles) Error() string        { return e.msg }
func (e *refusedFiles) Is(target error) bool { return target == ErrFilesRefused }

// FilesRefused is an ErrFilesRefused with a formatted message.
func FilesRefused(format string, args ...any) error {
	return &refusedFiles{msg: fmt.Sprintf(format, args...)}
}

// OpenReader opens the store read-only, with DuckDB's file access off;
// readers never block writers.
func (a *App) OpenReader(ctx context.Context) (*store.Store, error) {
	p, err := a.DBPath()
	if err != nil {
		return nil, err
	}
	return store.Open(ctx, p, store.ReadOnly)
}

// WithWriter runs fn with the store open for writing, and publishes the
// result. Every use case that writes goes through here (or WithUpdate), so
// that how a writer gets the store and how its work becomes visible to
// readers is decided in one place: fn writes a working copy under the write
// lock, and the published file is replaced atomically when it returns (see
// internal/store/update.go and docs/OPERATIONS.md).
func (a *App) WithWriter(ctx context.Context, fn func(*store.Store) error) error {
	return a.WithUpdate(ctx, "", func(u *store.Update) error { return fn(u.Store()) })
}

// WithUpdate is WithWriter for runs, which name their jobs in the lock
// holder file as they go. The configured NKA areas are written into the
// store first, so that the analysts' views follow the configuration.
func (a *App) WithUpdate(ctx context.Context, runID string, fn func(*store.Update) error) error {
	p, err := a.DBPath()
	if err != nil {
		return err
	}
	c, err := a.Config()
	if err != nil {
		return err
	}
	opts := store.UpdateOptions{Command: a.Command, RunID: runID, Now: a.Now, MemoryLimit: c.Store.MemoryLimit}
	return store.UpdateStore(ctx, p, opts, func(u *store.Update) error {
		if h := u.Stale(); h != nil {
			a.Log.Warn().Str("holder", h.String()).
				Msg("took over the write lock of a writer that ended without finishing; its unpublished work was discarded")
		}
		if err := a.SyncNKAAreas(ctx, u.Store()); err != nil {
			return err
		}
		return fn(u)
	})
}

// HomeMunicipality is flag when given, else the configuration's.
func (a *App) HomeMunicipality(flag string) (string, error) {
	if flag = strings.TrimSpace(flag); flag != "" {
		return flag, nil
	}
	c, err := a.Config()
	if err != nil {
		return "", err
	}
	return c.HomeMunicipality, nil
}

// OutputGuard checks output paths: never the store, the key or the
// configuration; an existing file only when nyckeltal wrote it (or ForceOut).
func (a *App) OutputGuard() (outpath.Guard, error) {
	g := outpath.Guard{Force: a.ForceOut}
	var err error
	if g.Store, err = a.DBPath(); err != nil {
		return g, err
	}
	c, err := a.Config()
	if err != nil {
		return g, err
	}
	g.Key, g.Config = c.Local.PseudonymKeyFile, c.File
	return g, nil
}

// SourceOptions are the inbox.SourceOptions every use case starts from.
func (a *App) SourceOptions() inbox.SourceOptions {
	return inbox.SourceOptions{KeyWarning: func(w string) { a.Log.Warn().Msg(w) }, AllowReadableKey: a.AllowReadableKey}
}

// Shorten cuts s to n characters, the last an ellipsis.
func Shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// OrDash is s, or "-" when it is empty.
func OrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
