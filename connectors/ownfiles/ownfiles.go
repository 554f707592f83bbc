// Package ownfiles turns the municipality's own files (WebFOCUS reports,
// Treserva extracts, long indicator files) into loads: a file is read and
// checked whole, then loaded in one load or refused with a report of every
// problem's line, column and reason. The connectors say what a file means;
// this package decides how it is loaded.
package ownfiles

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/personnummer"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/tabular"
)

// MaxReported is how many problems a report lists; the rest are counted.
const MaxReported = 50

// ErrRefused marks a file that was not loaded because of what it holds.
var ErrRefused = errors.New("file refused")

// Problem is one reason a row or a file was refused. Nothing in it may hold
// a personnummer in clear text.
type Problem struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	Column string `json:"column,omitempty"`
	Reason string `json:"reason"`
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	if p.Column != "" {
		fmt.Fprintf(&b, ": kolumn %s", p.Column)
	}
	b.WriteString(": ")
	b.WriteString(p.Reason)
	return b.String()
}

// ColumnLabel names column i for a report: its letter and heading, as a
// spreadsheet shows them: C "Sjukfrånvaro totalt".
func ColumnLabel(i int, heading string) string {
	if heading = strings.TrimSpace(heading); heading != "" {
		return fmt.Sprintf("%s %q", tabular.ColumnName(i), heading)
	}
	return tabular.ColumnName(i)
}

// FileError is a refused file with its problems (the first MaxReported of
// Total).
type FileError struct {
	File     string
	Problems []Problem
	Total    int
}

func (e *FileError) Error() string {
	if len(e.Problems) == 1 && e.Total == 1 {
		return fmt.Sprintf("%s avvisad: %s", e.File, strings.TrimPrefix(e.Problems[0].String(), e.File+": "))
	}
	first := ""
	if len(e.Problems) > 0 {
		first = "; det första: " + e.Problems[0].String()
	}
	return fmt.Sprintf("%s avvisad: %d problem%s", e.File, e.Total, first)
}

// Is makes a FileError an ErrRefused.
func (e *FileError) Is(target error) bool { return target == ErrRefused }

// Refuse is the error of a whole file that cannot be loaded.
func Refuse(file string, line int, column, format string, args ...any) error {
	return refusal(file, line, column, format, args...)
}

// refusal is Refuse as the *FileError it is.
func refusal(file string, line int, column, format string, args ...any) *FileError {
	p := Problem{File: file, Line: line, Column: column, Reason: fmt.Sprintf(format, args...)}
	return &FileError{File: file, Problems: []Problem{p}, Total: 1}
}

// RefuseUnreadable turns a tabular reading error into a refusal.
func RefuseUnreadable(file string, err error) error {
	var te *tabular.Error
	if errors.As(err, &te) {
		col := te.Cell
		if te.Column > 0 {
			col = fmt.Sprint(te.Column)
		}
		return Refuse(file, te.Line, col, "%s", te.Reason)
	}
	return Refuse(file, 0, "", "%v", err)
}

// RefusedRow is a data row that was refused, kept for the quarantine file.
type RefusedRow struct {
	Line    int
	Cells   []string
	Reasons []string
}

// Bounds on what a Parsed keeps of a file's bad rows: beyond them a file is
// not a file with some bad rows but a wrong file.
const (
	// MaxKeptProblems is how many row problems a Parsed keeps; the rest
	// are counted.
	MaxKeptProblems = 10_000
	// MaxRefusedRows is how many refused rows a file may have and still be
	// loaded with --skip-bad-rows.
	MaxRefusedRows = 100_000
)

// Parsed is what a connector read from one file: everything to stage, the
// rows it refused, and the problems that refused them.
type Parsed struct {
	Format string         // COMT, TABT, DFIX (;), EXL2K, XLSX, treserva …
	Params map[string]any // what the connector found (encoding, header line, columns …), stored with the load
	Header []string       // the column headings, for the quarantine file

	// Values are the observations, compactly; nil when none. What the file
	// delivers whole (its scopes) is derived from them when staged.
	Values     *Values
	Indicators []store.LocalIndicator
	// Decisions are Treserva's pseudonymised decision rows; nil when none.
	Decisions Decisions

	Rows    int64 // data rows, refused ones included
	Skipped int64 // heading, total, footing and blank rows

	// Problems are the first MaxKeptProblems problems of rows;
	// ProblemCount counts them all.
	Problems     []Problem
	ProblemCount int
	// Refused are the refused rows (at most MaxRefusedRows are kept;
	// RefusedCount counts them all).
	Refused      []RefusedRow
	RefusedCount int
	// Notes are things the operator should know that did not refuse
	// anything, such as columns that were not used.
	Notes []string
}

// Decisions are the decision rows a Treserva extract makes, kept compactly
// by the connector and made one at a time when staged.
type Decisions interface {
	Len() int
	All() iter.Seq[store.Decision]
	// Texts visits every text of the decisions (insats, lagrum, utförare,
	// enhet, regi) once, with the first line it is on, for CheckParsed.
	Texts(func(line int, field, text string))
}

// Problem records a problem of a data row.
func (p *Parsed) Problem(file string, line int, column, format string, args ...any) {
	p.ProblemCount++
	if len(p.Problems) < MaxKeptProblems {
		p.Problems = append(p.Problems, Problem{File: file, Line: line, Column: column, Reason: fmt.Sprintf(format, args...)})
	}
}

// Refuse records a refused row for the quarantine file.
func (p *Parsed) Refuse(r RefusedRow) {
	p.RefusedCount++
	if len(p.Refused) < MaxRefusedRows {
		// A copy: a reader's cells share memory with the rows around them.
		cells := make([]string, len(r.Cells))
		for i, c := range r.Cells {
			cells[i] = strings.Clone(c)
		}
		r.Cells = cells
		p.Refused = append(p.Refused, r)
	}
}

// NumProblems counts the problems of rows.
func (p *Parsed) NumProblems() int { return max(p.ProblemCount, len(p.Problems)) }

// NumRefused counts the refused rows.
func (p *Parsed) NumRefused() int { return max(p.RefusedCount, len(p.Refused)) }

// Observations is the number of observations.
func (p *Parsed) Observations() int { return p.Values.Len() }

// Parser reads one kind of file.
type Parser interface {
	// Source is the source name of the loads: webfocus, treserva, indicators.
	Source() string
	// ParseFrom reads a whole file, a row at a time. A file that cannot be
	// loaded at all returns a *FileError; problems of single rows go into
	// Parsed.Problems. Any other error (no pseudonym key, a cancelled
	// context) is not the file's fault.
	ParseFrom(ctx context.Context, name string, in tabular.Input) (*Parsed, error)
}

// maskProblems applies personnummer masking to everything a person may read,
// whatever the connector already did.
func maskProblems(ps []Problem) []Problem {
	out := make([]Problem, len(ps))
	for i, p := range ps {
		out[i] = Problem{File: personnummer.Mask(p.File), Line: p.Line, Column: personnummer.Mask(p.Column),
			Reason: personnummer.Mask(p.Reason)}
	}
	return out
}
