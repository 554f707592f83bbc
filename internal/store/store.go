// Package store is the thin typed layer over the DuckDB file: schema
// migrations, loads with their lineage, staging and merging of observations,
// metadata, and the read-only queries the commands need.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/duckdb/duckdb-go/v2" // also registers the "duckdb" driver
)

// Mode says how a store is opened.
type Mode int

const (
	// ReadOnly opens an existing store without taking DuckDB's write lock, so
	// any number of readers can share the file.
	ReadOnly Mode = iota
	// ReadWrite creates the file when missing, upgrades its schema, and marks
	// loads left "running" by a killed process as failed.
	ReadWrite
)

// ErrNoStore means the database file does not exist yet.
var ErrNoStore = errors.New("no store")

// ErrStoreBusy means another process holds the database file open for writing.
var ErrStoreBusy = errors.New("store is in use by another process")

// Store is an open DuckDB store.
type Store struct {
	db *sql.DB
	// path is the store as users name it; file is the file open, which for a
	// writer is the working copy (see update.go).
	path string
	file string
	mode Mode
	// afterPublish runs once the writes are visible to readers (see
	// AfterPublish).
	afterPublish []func()
	inUpdate     bool
	// exportable is set by ForExport: file access is still on.
	exportable bool
}

// Option tunes how a store is opened.
type Option func(*options)

type options struct {
	memoryLimit string
	forExport   bool
}

// ForExport opens a read-only store whose file access is left on until
// ExportParquet has made its directory; it then allows that directory only
// (see lockdown). Nothing else may open a store this way: every other reader
// runs with file access off.
func ForExport() Option {
	return func(o *options) { o.forExport = true }
}

// WithMemoryLimit caps DuckDB's memory (e.g. "1GB"); beyond it DuckDB
// spills to a temporary directory beside the file instead of growing.
func WithMemoryLimit(limit string) Option {
	return func(o *options) { o.memoryLimit = limit }
}

// Open opens the store at path.
func Open(ctx context.Context, path string, mode Mode, opts ...Option) (*Store, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if path == "" {
		return nil, errors.New("opening store: empty path")
	}
	dsn := path
	switch mode {
	case ReadOnly:
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("opening %s: %w", path, ErrNoStore)
		}
		dsn += "?access_mode=read_only"
		if !o.forExport {
			// A reader runs the analysts' SQL (nyckeltal sql) and nothing
			// else needs a file: no query may read the key or overwrite the
			// store. See readerLockdown and docs/SECURITY.md.
			dsn += readerLockdown
		}
	case ReadWrite:
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("creating store directory: %w", err)
			}
		}
	}
	if o.memoryLimit != "" {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		dsn += sep + "memory_limit=" + url.QueryEscape(o.memoryLimit)
	}
	db, err := sql.Open("duckdb", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, classifyOpenError(err))
	}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close() // the error of the ping is the one to report
		return nil, fmt.Errorf("opening %s: %w", path, classifyOpenError(err))
	}
	s := &Store{db: db, path: path, file: path, mode: mode, exportable: o.forExport}
	if err := s.prepare(ctx); err != nil {
		_ = db.Close() // the error of the preparation is the one to report
		return nil, err
	}
	return s, nil
}

func (s *Store) prepare(ctx context.Context) error {
	if s.mode == ReadOnly {
		return s.checkSchema(ctx)
	}
	if err := s.migrate(ctx); err != nil {
		return err
	}
	if err := s.applyViews(ctx); err != nil {
		return err
	}
	if err := s.syncGroupTitlesNow(ctx); err != nil {
		return err
	}
	return s.failAbandonedLoads(ctx)
}

// classifyOpenError turns DuckDB's lock conflict into ErrStoreBusy. The
// driver gives it as an IO error (duckdb.ErrorTypeIO) with no code of its
// own, so the type is checked first and the message only within it.
func classifyOpenError(err error) error {
	var de *duckdb.Error
	if errors.As(err, &de) && de.Type == duckdb.ErrorTypeIO &&
		(strings.Contains(de.Msg, "Could not set lock on file") || strings.Contains(de.Msg, "Conflicting lock")) {
		return fmt.Errorf("%w: %w", ErrStoreBusy, err)
	}
	return err
}

// Close checkpoints (for writers) and closes the database.
func (s *Store) Close() error {
	if s == nil || s.db == nil {
		return nil
	}
	if s.mode == ReadWrite {
		// Fold the WAL into the file so that a copy of the file alone is complete.
		_, _ = s.db.Exec(query("Checkpoint"))
	}
	err := s.db.Close()
	s.db = nil
	if err == nil && !s.inUpdate {
		s.runAfterPublish()
	}
	return err
}

// AfterPublish registers fn to run once this writer's work is visible to
// readers: after the working copy replaced the published store. A job that
// changes things outside the store — moving an inbox file to its archive —
// does it here, so that a run that fails to publish, or is killed, leaves the
// file where it was and the next run loads it again. When the writer does not
// publish, fn never runs.
func (s *Store) AfterPublish(fn func()) { s.afterPublish = append(s.afterPublish, fn) }

func (s *Store) runAfterPublish() {
	fns := s.afterPublish
	s.afterPublish = nil
	for _, fn := range fns {
		fn()
	}
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// DB exposes the handle to tests and test helpers, which look at what a
// load wrote. Everything else reads through the store's typed methods
// (internal/archtest fails on a call of DB outside tests).
func (s *Store) DB() *sql.DB { return s.db }

// ReadOnly reports whether the store was opened read-only.
func (s *Store) ReadOnly() bool { return s.mode == ReadOnly }
