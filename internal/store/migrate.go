package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/grouptitle"
	sqlfiles "github.com/nyckeltal/nyckeltal/sql"
)

// ErrSchemaTooNew means the file was written by a newer nyckeltal.
var ErrSchemaTooNew = errors.New("store schema is newer than this binary")

// ErrSchemaTooOld means a read-only command met a file that a writing command
// has to upgrade first.
var ErrSchemaTooOld = errors.New("store schema is older than this binary")

// SchemaError tells which versions met.
type SchemaError struct {
	Path          string
	FileVersion   int
	BinaryVersion int
}

func (e *SchemaError) Error() string {
	if e.FileVersion > e.BinaryVersion {
		return fmt.Sprintf("store %s has schema version %d but this nyckeltal knows only up to %d: "+
			"use the newer nyckeltal that wrote it, or point --db at another file", e.Path, e.FileVersion, e.BinaryVersion)
	}
	return fmt.Sprintf("store %s has schema version %d and this nyckeltal needs %d: "+
		"run `nyckeltal migrate` (or any ingest) once to upgrade it", e.Path, e.FileVersion, e.BinaryVersion)
}

// Is lets errors.Is match the sentinels.
func (e *SchemaError) Is(target error) bool {
	switch target {
	case ErrSchemaTooNew:
		return e.FileVersion > e.BinaryVersion
	case ErrSchemaTooOld:
		return e.FileVersion < e.BinaryVersion
	}
	return false
}

// Migration is one numbered schema file.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

var migrationName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// Migrations returns the embedded migrations in order. They must be numbered
// 0001, 0002, … without gaps; the schema version is the highest applied.
func Migrations() ([]Migration, error) { return readMigrations(sqlfiles.Migrations) }

func readMigrations(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, "migrations")
	if err != nil {
		return nil, fmt.Errorf("reading migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration file %q is not named NNNN_name.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		b, err := fs.ReadFile(fsys, "migrations/"+e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: m[2], SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrations must be numbered from 0001 without gaps: found %04d at position %d", m.Version, i+1)
		}
	}
	return out, nil
}

// LatestSchemaVersion is the schema version this binary writes.
func LatestSchemaVersion() int {
	ms, err := Migrations()
	if err != nil {
		panic(err)
	}
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}

// SchemaVersion returns the highest applied migration, 0 for a new file.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var exists bool
	err := s.db.QueryRowContext(ctx, query("SchemaMigrationExists")).Scan(&exists)
	if err != nil {
		return 0, fmt.Errorf("reading schema version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v sql.NullInt64
	if err := s.db.QueryRowContext(ctx, query("SchemaVersion")).Scan(&v); err != nil {
		return 0, fmt.Errorf("reading schema version: %w", err)
	}
	return int(v.Int64), nil
}

func (s *Store) checkSchema(ctx context.Context) error {
	have, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if want := LatestSchemaVersion(); have != want {
		return &SchemaError{Path: s.path, FileVersion: have, BinaryVersion: want}
	}
	return nil
}

// migrate applies the pending embedded migrations.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := Migrations()
	if err != nil {
		return err
	}
	return s.migrateWith(ctx, ms)
}

// migrateWith applies the migrations of ms the file lacks, each in its own
// transaction, so a failure leaves the file at the last good version.
func (s *Store) migrateWith(ctx context.Context, ms []Migration) error {
	if _, err := s.db.ExecContext(ctx, query("CreateSchemaMigration")); err != nil {
		return fmt.Errorf("creating schema_migration: %w", err)
	}
	have, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	latest := 0
	if len(ms) > 0 {
		latest = ms[len(ms)-1].Version
	}
	if have > latest {
		return &SchemaError{Path: s.path, FileVersion: have, BinaryVersion: latest}
	}
	for _, m := range ms {
		if m.Version <= have {
			continue
		}
		if err := s.applyMigration(ctx, m); err != nil {
			return fmt.Errorf("applying migration %04d_%s: %w", m.Version, m.Name, err)
		}
	}
	return nil
}

func (s *Store) applyMigration(ctx context.Context, m Migration) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(m.SQL))
	if _, err := tx.ExecContext(ctx, query("RecordMigration"), m.Version, m.Name, hex.EncodeToString(sum[:])); err != nil {
		return err
	}
	return tx.Commit()
}

// applyViews re-creates the views when their text differs from what the file
// holds, so that a newer binary's views replace an older binary's.
func (s *Store) applyViews(ctx context.Context) error {
	text, err := viewsText()
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(text))
	checksum := hex.EncodeToString(sum[:])
	if _, err := s.db.ExecContext(ctx, query("CreateSchemaViews")); err != nil {
		return fmt.Errorf("creating schema_views: %w", err)
	}
	var current sql.NullString
	if err := s.db.QueryRowContext(ctx, query("ViewsChecksum")).Scan(&current); err != nil {
		return fmt.Errorf("reading views checksum: %w", err)
	}
	if current.String == checksum {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, text); err != nil {
		return fmt.Errorf("creating views: %w", err)
	}
	if _, err := tx.ExecContext(ctx, query("DeleteViewsChecksum")); err != nil {
		return fmt.Errorf("recording views checksum: %w", err)
	}
	if _, err := tx.ExecContext(ctx, query("RecordViewsChecksum"), checksum); err != nil {
		return fmt.Errorf("recording views checksum: %w", err)
	}
	return tx.Commit()
}

func viewsText() (string, error) {
	files, err := fs.Glob(sqlfiles.Views, "views/*.sql")
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	var b strings.Builder
	for _, f := range files {
		t, err := fs.ReadFile(sqlfiles.Views, f)
		if err != nil {
			return "", err
		}
		b.Write(t)
		b.WriteString("\n")
	}
	// The views read nka_group_title: readings of another reader version are
	// other views, which a writer re-creates (and then reads the titles again).
	fmt.Fprintf(&b, "-- nka_group_title: grouptitle reader version %d\n", grouptitle.Version)
	return b.String(), nil
}
