package ownfiles

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"github.com/nyckeltal/nyckeltal/internal/tabular"
)

// ReadError turns an error of a tabular.Reader into the parser's error: a
// file that cannot be read is refused (*FileError); any other error (a
// cancelled context, a failing disk) is returned as it is.
func ReadError(file string, err error) error {
	if errors.Is(err, tabular.ErrUnreadable) {
		return RefuseUnreadable(file, err)
	}
	return err
}

// Head reads up to n rows of r: the rows among which a parser looks for its
// heading row. The rest are read with Rows.
func Head(file string, r tabular.Reader, n int) ([]tabular.Row, error) {
	var out []tabular.Row
	for len(out) < n {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, ReadError(file, err)
		}
		out = append(out, row)
	}
	return out, nil
}

// Rows gives the rows of head from index from, then every further row of
// r, one at a time; it returns io.EOF after the last.
func Rows(file string, head []tabular.Row, from int, r tabular.Reader) func() (tabular.Row, error) {
	i := from
	return func() (tabular.Row, error) {
		if i < len(head) {
			i++
			return head[i-1], nil
		}
		row, err := r.Next()
		if err != nil && !errors.Is(err, io.EOF) {
			return row, ReadError(file, err)
		}
		return row, err
	}
}

// EstimateRows guesses how many rows a file of size bytes has from its
// first rows, so that what is kept of every row is allocated once: for
// delimited text from their length, for a workbook from what its sheet
// unpacks to (each cell of sheet XML is some 30 bytes besides its text);
// 0 for HTML: an EXL2K export's values growing as its rows come cost less
// CPU than one allocation from a guess (whole processes on a 50 MB export,
// 40 alternating pairs: CPU 0.268 s against 0.295 s, system time 0.060
// against 0.095 s, peak memory alike), and its markup a cell varies too
// much for a good guess. It is a hint: a wrong guess costs memory or time,
// not values.
func EstimateRows(f tabular.Format, size int64, head []tabular.Row) int {
	if len(head) == 0 {
		return 0
	}
	perCell := 0
	switch f.Kind {
	case tabular.KindDelimited:
		perCell = 1
	case tabular.KindXLSX:
		perCell, size = 30, f.SheetBytes
	default:
		return 0
	}
	n := 0
	for _, r := range head {
		n += perCell*len(r.Cells) + 1
		for _, c := range r.Cells {
			n += len(c)
		}
	}
	// Bounded: a guess must not be a way for a file to take memory.
	return int(min(size/int64(max(1, n/len(head))), maxEstimate))
}

const maxEstimate = 2_000_000

// Shape checks that data rows are whole: every row below the heading row
// has the heading's number of cells. A row of delimited text with fewer
// fields is a problem (it may be cut short); a sheet or HTML row may leave
// out its empty last cells, which is counted and said. Empty fields beyond
// the last heading are counted and said; filled ones are a problem.
type Shape struct {
	format     tabular.Format
	width      int
	short      int
	extraEmpty int
	unusable   int
	firstBad   string
}

// NewShape checks rows against a heading row of width cells.
func NewShape(format tabular.Format, width int) *Shape {
	return &Shape{format: format, width: width}
}

// Check returns the problem of a row with fewer cells than the heading
// row (Swedish), or "". Filled cells beyond the headings are the parser's
// to report; empty ones are counted.
func (s *Shape) Check(r tabular.Row) string {
	n := len(r.Cells)
	switch {
	case n < s.width && s.format.SparseRows():
		s.short++
	case n < s.width:
		return fmt.Sprintf("raden har %d fält men rubrikraden %d: raden kan vara avkapad, eller ett fält saknas", n, s.width)
	case n > s.width && lastFilled(r.Cells) < s.width:
		s.extraEmpty++
	}
	return ""
}

// Unusable counts a cell without a usable value (tabular.CellProblem) in a
// column or row that is not read.
func (s *Shape) Unusable(r tabular.Row, p tabular.CellProblem, _ string) {
	s.unusable++
	if s.firstBad == "" {
		s.firstBad = fmt.Sprintf("rad %d kolumn %s: %s", r.Line, tabular.ColumnName(p.Col), p.Reason)
	}
}

// Notes say what Check and Unusable counted.
func (s *Shape) Notes() []string {
	var out []string
	if s.short > 0 {
		out = append(out, fmt.Sprintf("%s är kortare än rubrikraden; %s utelämnar tomma celler sist i en rad, "+
			"så de saknade cellerna lästes som tomma", swedish.Count(s.short, "rad", "rader"), strings.ToUpper(s.format.Kind)))
	}
	if s.extraEmpty > 0 {
		out = append(out, fmt.Sprintf("%s har tomma fält efter den sista rubriken; de lästes inte", swedish.Count(s.extraEmpty, "rad", "rader")))
	}
	if s.unusable > 0 {
		out = append(out, fmt.Sprintf("%d celler utan användbart värde i rader eller kolumner som inte läses (den första: %s)",
			s.unusable, s.firstBad))
	}
	return out
}

func lastFilled(cells []string) int {
	for i := len(cells) - 1; i >= 0; i-- {
		if strings.TrimSpace(cells[i]) != "" {
			return i
		}
	}
	return -1
}

// Memo remembers what a function made of each distinct text of a file (a
// period, a kön, a regi), for at most maxMemo texts: files repeat a few
// texts in millions of rows.
type Memo[T any] struct {
	m  map[string]memoEntry[T]
	fn func(string) (T, error)
	// The text asked for last and its entry: a file repeats a text for many
	// rows in a row, and a comparison is cheaper than a map.
	last      string
	lastEntry memoEntry[T]
	hasLast   bool
}

type memoEntry[T any] struct {
	v   T
	err error
}

const maxMemo = 10_000

// NewMemo remembers fn.
func NewMemo[T any](fn func(string) (T, error)) *Memo[T] {
	return &Memo[T]{m: map[string]memoEntry[T]{}, fn: fn}
}

// Get is fn(s), made once.
func (m *Memo[T]) Get(s string) (T, error) {
	if m.hasLast && s == m.last {
		return m.lastEntry.v, m.lastEntry.err
	}
	e, ok := m.m[s]
	if !ok {
		v, err := m.fn(s)
		e = memoEntry[T]{v, err}
		if len(m.m) < maxMemo {
			m.m[strings.Clone(s)] = e
		}
	}
	// last keeps the block of memory of the row it came from alive, one
	// block at most.
	m.last, m.lastEntry, m.hasLast = s, e, true
	return e.v, e.err
}

// Reread reads the rows on the given lines again and returns their cells:
// for the quarantine file, when rows are refused once the whole file is
// read (a duplicate found at the end) and were not kept. It is only called
// when there are such rows.
func Reread(ctx context.Context, file string, in tabular.Input, opts tabular.Options, lines map[int]bool) (map[int][]string, error) {
	rd, err := tabular.Open(ctx, in, opts)
	if err != nil {
		return nil, ReadError(file, err)
	}
	defer rd.Close()
	out := make(map[int][]string, len(lines))
	for len(out) < len(lines) {
		r, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, ReadError(file, err)
		}
		if lines[r.Line] {
			out[r.Line] = r.Cells
		}
	}
	return out, nil
}
