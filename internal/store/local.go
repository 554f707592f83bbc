package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// FileInfo describes the file of a file load (WebFOCUS, Treserva, indicator
// files). Everything in it is known before the load begins, because a file is
// read and checked whole before anything is staged.
type FileInfo struct {
	Name   string // base name
	SHA256 string // hex
	Bytes  int64
	Format string // COMT, DFIX, EXL2K, XLSX, treserva-csv …
	// Rows counts the data rows, refused ones included; Skipped the heading,
	// total, footing and blank rows; Refused the data rows refused.
	Rows, Skipped, Refused int64
	// Problems are the first problems found, already masked; stored as JSON.
	Problems any
	// Quarantine is the CSV that holds the refused rows (with --skip-bad-rows).
	Quarantine string
}

// columns are the load table's file columns in BeginLoad's order.
func (f *FileInfo) columns() ([]any, error) {
	if f == nil {
		return []any{nil, nil, nil, nil, 0, 0, 0, nil, nil}, nil
	}
	var problems any
	if f.Problems != nil {
		b, err := json.Marshal(f.Problems)
		if err != nil {
			return nil, fmt.Errorf("encoding refused rows: %w", err)
		}
		problems = string(b)
	}
	return []any{f.Name, f.SHA256, f.Bytes, nullString(f.Format), f.Rows, f.Skipped, f.Refused, problems,
		nullString(f.Quarantine)}, nil
}

// LocalIndicator names a local indicator code.
type LocalIndicator struct {
	ID           string
	Source       string
	Title        string
	Unit         string
	SourceSystem string
	Description  string
}

// StageLocalIndicator adds local indicator metadata; empty fields keep what
// the store already knows.
func (l *Loader) StageLocalIndicator(li LocalIndicator) error {
	if li.ID == "" || li.Source == "" {
		return fmt.Errorf("%w: local indicator without id or source", ErrInvalidObservation)
	}
	return l.append("stage_local_indicator", l.nextSeq(), li.ID, li.Source, nullString(li.Title), nullString(li.Unit),
		nullString(li.SourceSystem), nullString(li.Description))
}

// Decision is one pseudonymised Treserva decision (personal data: see the
// treserva_decision table).
type Decision struct {
	Line        int
	Person      string // keyed pseudonym, never a personnummer
	KeyID       string
	BirthYear   int
	Gender      string // K or M
	InsatsGroup string // sabo or bss
	Insats      string
	Lagrum      string
	Application *time.Time
	Decision    time.Time
	Granted     bool
	Offered     *time.Time
	Executed    *time.Time
	Ended       *time.Time
	Utforare    string
	Regi        string // egen, privat or ""
	Enhet       string
	ExtractDate time.Time
}

// StageDecision adds a decision row to the load.
func (l *Loader) StageDecision(d Decision) error {
	if d.Person == "" || d.KeyID == "" || (d.Gender != GenderWomen && d.Gender != GenderMen) ||
		(d.InsatsGroup != "sabo" && d.InsatsGroup != "bss") || d.Decision.IsZero() {
		return fmt.Errorf("%w: decision on line %d is incomplete", ErrInvalidObservation, d.Line)
	}
	var regi driver.Value
	if d.Regi != "" {
		regi = d.Regi
	}
	return l.append("stage_treserva_decision", int32(d.Line), d.Person, d.KeyID, int32(d.BirthYear), d.Gender,
		d.InsatsGroup, nullString(d.Insats), nullString(d.Lagrum), nullTime(d.Application), d.Decision, d.Granted,
		nullTime(d.Offered), nullTime(d.Executed), nullTime(d.Ended), nullString(d.Utforare), regi,
		nullString(d.Enhet), d.ExtractDate)
}

// LoadedFile returns the newest successful load of source that read a file
// with this SHA-256, or nil.
func (s *Store) LoadedFile(ctx context.Context, source, sha256 string) (*LoadInfo, error) {
	row := s.db.QueryRowContext(ctx, query("LoadedFile"), source, sha256)
	l, err := scanLoad(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("looking up earlier loads of the file: %w", err)
	}
	return &l, nil
}
