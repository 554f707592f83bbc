// Package tabular reads the tables of local extracts — delimited text in any
// of the usual encodings, Excel 2000 HTML saved as .xls (WebFOCUS EXL2K), and
// XLSX — into rows of text cells, detecting the format from the content and
// never from the file name. It knows nothing of what the columns mean; the
// connectors do.
//
// Tables are read as a stream, a row at a time (Open, Reader.Next), so that
// a file of hundreds of megabytes costs little memory, and every file is
// refused rather than read in part when it is not whole: a text whose last
// line has no line ending, a file that ends inside a quoted field, an HTML
// table or a workbook part. The work a file may cause is bounded (Limits).
package tabular

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrUnreadable marks a file that cannot be read as a table at all: an
// unknown format, a wrong encoding, broken quoting, a damaged workbook, a
// file cut short, a file beyond a limit.
var ErrUnreadable = errors.New("unreadable file")

// Error says where a file stopped being readable. Line is 0 when the problem
// is the whole file.
type Error struct {
	Line   int
	Column int // 1-based; 0 when unknown
	// Cell names a workbook cell (B7) instead of Line and Column.
	Cell   string
	Reason string
}

func (e *Error) Error() string {
	switch {
	case e.Cell != "":
		return fmt.Sprintf("cell %s: %s", e.Cell, e.Reason)
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("rad %d, tecken %d: %s", e.Line, e.Column, e.Reason)
	case e.Line > 0:
		return fmt.Sprintf("rad %d: %s", e.Line, e.Reason)
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

// Format is what Open found.
type Format struct {
	Kind      string
	Encoding  string // UTF-8, UTF-8 with BOM, Windows-1252, UTF-16LE …; empty for XLSX
	Delimiter rune   // for delimited text
	Sheet     string // for XLSX
	// SheetBytes is what the sheet unpacks to, for XLSX (a hint of its rows).
	SheetBytes int64
}

// SparseRows reports whether the format leaves out the empty cells at the
// end of a row (a sheet row, an HTML table row): a row shorter than the
// heading row is then whole. Delimited text always writes every field.
func (f Format) SparseRows() bool { return f.Kind == KindXLSX || f.Kind == KindHTML }

// Row is one row of cells. Line is the line of a text file where the row
// starts, or the row number of a sheet or HTML table (1-based).
type Row struct {
	Line  int
	Cells []string
	// Merged holds, for a cell covered by a merged range that starts in
	// another cell (an Excel merge, an HTML rowspan or colspan), the value
	// of that range; nil when no cell of the row is covered. Cells keeps
	// such a cell empty: only the connector knows whether the range's value
	// belongs to the cell (an enhet) or not (a title over several columns).
	Merged []string
	// Problems are the cells that hold no usable value (see CellProblem);
	// their Cells are empty.
	Problems []CellProblem
}

// CellProblem is a cell without a usable value: a formula without a cached
// value, an error value (#DIV/0!, #N/A …), or an Excel HTML number (x:num)
// that disagrees with the text shown. Reason is Swedish.
type CellProblem struct {
	Col    int
	Reason string
}

// Cell returns cell i, or "" beyond the row's end.
func (r Row) Cell(i int) string {
	if i < 0 || i >= len(r.Cells) {
		return ""
	}
	return r.Cells[i]
}

// Filled returns cell i, or the value of the merged range that covers it.
func (r Row) Filled(i int) string {
	if c := r.Cell(i); c != "" || i >= len(r.Merged) || i < 0 {
		return c
	}
	return r.Merged[i]
}

// Problem returns the problem of cell i, if any.
func (r Row) Problem(i int) (string, bool) {
	for _, p := range r.Problems {
		if p.Col == i {
			return p.Reason, true
		}
	}
	return "", false
}

// Blank reports whether every cell is empty (and no cell has a problem).
func (r Row) Blank() bool {
	if len(r.Problems) > 0 {
		return false
	}
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
func (t *Table) LineWord() string { return LineWord(t.Format) }

// LineWord names a row's position in files of format f: "line" or "row".
func LineWord(f Format) string {
	if f.Kind == KindDelimited {
		return "line"
	}
	return "row"
}

// Options steer Open; the zero value detects everything.
type Options struct {
	// Encoding of text: "" or "auto" (UTF-8 with or without BOM, else
	// Windows-1252), "utf-8" or "windows-1252".
	Encoding string
	// Delimiter of text; 0 detects it among ; tab | and ,.
	Delimiter rune
	// Delimiters restricts detection (e.g. only ';' for Treserva).
	Delimiters []rune
	// MaxRows refuses larger tables (0: Limits.MaxRows).
	MaxRows int
	// Limits bound the work of the file; zero fields take the defaults.
	Limits Limits
	// OnePass, if set, has a workbook's sheet read in one pass (see OnePass).
	OnePass *OnePass
}

func (o Options) limits() Limits {
	l := o.Limits.WithDefaults()
	if o.MaxRows > 0 {
		l.MaxRows = o.MaxRows
	}
	return l
}

// Input is a file opened for reading: random access, which a workbook's zip
// directory needs, and its size. *bytes.Reader and *strings.Reader are
// Inputs; File makes one of an *os.File.
type Input interface {
	io.ReaderAt
	Size() int64
}

// Reader reads a table a row at a time.
type Reader interface {
	// Next returns the next row, or io.EOF after the last. Any other error
	// ends the reading: an *Error (errors.Is ErrUnreadable) refuses the
	// file; the context's error means it was cancelled.
	Next() (Row, error)
	// Format says what was found; Sheet is known once the first row is read.
	Format() Format
	// Close releases what the reader holds.
	Close() error
}

// Open detects the format of in and returns a reader of its rows. Nothing
// is read beyond what detection needs, except that a text file is first
// checked whole for its encoding (one fast pass). ctx stops the reading:
// Next returns its error within a few milliseconds of it ending.
func Open(ctx context.Context, in Input, opts Options) (Reader, error) {
	lim := opts.limits()
	size := in.Size()
	if size > lim.MaxBytes {
		return nil, limitError(0, 0, fmt.Sprintf("filen är %s", mib(size)), mib(lim.MaxBytes), "max_file_mb")
	}
	head := make([]byte, min(size, 4096))
	if _, err := in.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("reading: %w", err)
	}
	if len(bytes.TrimSpace(head)) == 0 && onlySpace(ctx, in) {
		return nil, unreadable(0, 0, "filen är tom")
	}
	r, err := open(ctx, in, head, opts, lim)
	if err != nil {
		return nil, err
	}
	return newPrefetch(r), nil
}

func open(ctx context.Context, in Input, head []byte, opts Options, lim Limits) (Reader, error) {
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return openXLSX(ctx, in, lim, opts.OnePass)
	case bytes.HasPrefix(head, []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")):
		return nil, unreadable(0, 0, "detta är en binär arbetsbok från Excel 97–2003 (.xls), som inte läses: "+
			"spara den som .xlsx, eller exportera rapporten som EXL2K, XLSX eller COMT")
	}
	txt, err := openText(ctx, in, opts.Encoding, lim)
	if err != nil {
		return nil, err
	}
	if looksLikeHTML(txt.head) {
		return openHTML(ctx, txt, lim)
	}
	return openDelimited(ctx, txt, opts, lim)
}

// onlySpace reports whether the whole input is white space.
func onlySpace(ctx context.Context, in Input) bool {
	buf := make([]byte, 64<<10)
	for off := int64(0); off < in.Size(); {
		if ctx.Err() != nil {
			return false
		}
		n, err := in.ReadAt(buf, off)
		if len(bytes.TrimSpace(buf[:n])) > 0 {
			return false
		}
		off += int64(n)
		if err != nil {
			break
		}
	}
	return true
}

// Read detects the format of data and reads its whole table: for tests and
// small files. It takes no context.
func Read(data []byte, opts Options) (*Table, error) {
	r, err := Open(context.Background(), bytes.NewReader(data), opts)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	t := &Table{}
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		t.Rows = append(t.Rows, row)
	}
	t.Format = r.Format()
	return t, nil
}

func looksLikeHTML(head []byte) bool {
	h := bytes.ToLower(bytes.TrimSpace(head))
	if len(h) > 4096 {
		h = h[:4096]
	}
	return bytes.HasPrefix(h, []byte("<")) &&
		(bytes.Contains(h, []byte("<html")) || bytes.Contains(h, []byte("<table")) || bytes.Contains(h, []byte("<!doctype html")))
}

// counter counts rows and cells against the limits and checks the context
// now and then.
type counter struct {
	ctx   context.Context
	lim   Limits
	rows  int
	cells int64
}

// row accounts for one more row of n cells at line.
func (c *counter) row(line, n int) error {
	c.rows++
	c.cells += int64(n)
	if c.rows&255 == 0 {
		if err := c.ctx.Err(); err != nil {
			return err
		}
	}
	switch {
	case c.rows > c.lim.MaxRows:
		return limitError(line, 0, fmt.Sprintf("tabellen har fler än %s rader", formatLimit(c.lim.MaxRows)), c.lim.MaxRows, "max_rows")
	case n > c.lim.MaxColumns:
		return limitError(line, 0, fmt.Sprintf("raden har %s celler", formatLimit(n)), c.lim.MaxColumns, "max_columns")
	case c.cells > c.lim.MaxCells:
		return limitError(line, 0, fmt.Sprintf("tabellen har fler än %s celler", formatLimit(c.lim.MaxCells)), c.lim.MaxCells, "max_cells")
	}
	return nil
}
