// Package tabular reads the tables of local extracts — delimited text in any
// of the usual encodings, Excel 2000 HTML saved as .xls (WebFOCUS EXL2K), and
// XLSX — into rows of text cells, detecting the format from the content and
// never from the file name. It knows nothing of what the columns mean; the
// connectors do.
package tabular

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// ErrUnreadable marks a file that cannot be read as a table at all: an
// unknown format, a wrong encoding, broken quoting, a damaged workbook.
var ErrUnreadable = errors.New("unreadable file")

// Error says where a file stopped being readable. Line is 0 when the problem
// is the whole file.
type Error struct {
	Line   int
	Column int // 1-based; 0 when unknown
	Reason string
}

func (e *Error) Error() string {
	switch {
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Reason)
	case e.Line > 0:
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return e.Reason
}

// Is makes every *Error an ErrUnreadable.
func (e *Error) Is(target error) bool { return target == ErrUnreadable }

func unreadable(line, col int, format string, args ...any) error {
	return &Error{Line: line, Column: col, Reason: fmt.Sprintf(format, args...)}
}

// Kinds of table.
const (
	KindDelimited = "delimited"
	KindHTML      = "html" // Excel 2000 HTML, WebFOCUS EXL2K
	KindXLSX      = "xlsx"
)

// Format is what Read found.
type Format struct {
	Kind      string
	Encoding  string // UTF-8, UTF-8 with BOM, Windows-1252, UTF-16LE …; empty for XLSX
	Delimiter rune   // for delimited text
	Sheet     string // for XLSX
}

// Row is one row of cells. Line is the line of a text file where the row
// starts, or the row number of a sheet or HTML table (1-based).
type Row struct {
	Line  int
	Cells []string
}

// Cell returns cell i, or "" beyond the row's end.
func (r Row) Cell(i int) string {
	if i < 0 || i >= len(r.Cells) {
		return ""
	}
	return r.Cells[i]
}

// Blank reports whether every cell is empty.
func (r Row) Blank() bool {
	for _, c := range r.Cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// Table is a file read into rows.
type Table struct {
	Format Format
	Rows   []Row
}

// LineWord is how a problem report names a row's position: text files
// have lines, sheets and HTML tables have rows.
func (t *Table) LineWord() string {
	if t.Format.Kind == KindDelimited {
		return "line"
	}
	return "row"
}

// Options steer Read; the zero value detects everything.
type Options struct {
	// Encoding of text: "" or "auto" (UTF-8 with or without BOM, else
	// Windows-1252), "utf-8" or "windows-1252".
	Encoding string
	// Delimiter of text; 0 detects it among ; tab | and ,.
	Delimiter rune
	// Delimiters restricts detection (e.g. only ';' for Treserva).
	Delimiters []rune
	// MaxRows refuses larger tables (0: 1 000 000).
	MaxRows int
}

// MaxFileBytes is the largest file read (local extracts are small; a huge
// file is a mistake, e.g. a whole database dump).
const MaxFileBytes = 256 << 20

// Read detects the format of data and reads its table.
func Read(data []byte, opts Options) (*Table, error) {
	if opts.MaxRows <= 0 {
		opts.MaxRows = 1_000_000
	}
	if len(data) > MaxFileBytes {
		return nil, unreadable(0, 0, "the file is %d MB; local extracts above %d MB are refused", len(data)>>20, MaxFileBytes>>20)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, unreadable(0, 0, "the file is empty")
	}
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return readXLSX(data, opts)
	case bytes.HasPrefix(data, []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")):
		return nil, unreadable(0, 0, "this is a binary Excel 97–2003 workbook (.xls), which is not read: "+
			"save it as .xlsx, or export the report as EXL2K, XLSX or COMT")
	}
	text, enc, err := Decode(data, opts.Encoding)
	if err != nil {
		return nil, err
	}
	if looksLikeHTML(text) {
		return readHTML(text, enc, opts)
	}
	return readDelimited(text, enc, opts)
}

func looksLikeHTML(text string) bool {
	head := strings.ToLower(strings.TrimSpace(text))
	if len(head) > 4096 {
		head = head[:4096]
	}
	return strings.HasPrefix(head, "<") &&
		(strings.Contains(head, "<html") || strings.Contains(head, "<table") || strings.Contains(head, "<!doctype html"))
}
