// Package sheet lays out a computed result once for the people who read it
// — a title, the source line, tables with typed columns, notes — and writes
// it to a terminal (WriteText), as an XLSX workbook (WriteXLSX) and as CSV
// for Swedish Excel (WriteExcelCSV), every figure through internal/swedish.
// The gap, the sparbeting and the indicator tables all write their
// workbooks here, so that they are alike: Swedish headings, numbers stored
// as numbers with #,##0.0-style formats, years as numbers, frozen headings,
// filters, the source line, and document properties that name nyckeltal and
// carry the store's last load as their time, so that the same store gives
// the same bytes.
//
// Machine formats (JSON, RFC 4180 CSV) are not written here: their shapes
// and English keys are an interface of their own.
package sheet

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"github.com/nyckeltal/nyckeltal/internal/textsafe"
)

// Kind is what a column holds.
type Kind int

// The kinds of columns.
const (
	Text   Kind = iota
	Number      // a figure with Col.Decimals decimals
	Year        // a year: a number without thousands separator (Year values mark a preliminary one)
)

// Col is a column: its heading, kind, decimals and (in XLSX) width.
type Col struct {
	Name     string
	Kind     Kind
	Decimals int
	// Width is the XLSX column's width in characters; 0 fits it to the
	// content.
	Width float64
}

// TextCol is a column of text.
func TextCol(name string) Col { return Col{Name: name, Kind: Text} }

// NumCol is a column of figures with dec decimals.
func NumCol(name string, dec int) Col { return Col{Name: name, Kind: Number, Decimals: dec} }

// YearCol is a column of years.
func YearCol(name string) Col { return Col{Name: name, Kind: Year} }

// YearValue is a year in a Year column; a preliminary one reads 2025* (in
// XLSX the number 2025 with the format 0"*").
type YearValue struct {
	Year        int
	Preliminary bool
}

// Figure is a number with decimals of its own, for a column whose rows
// show different decimals (the indicator tables: each indicator its own).
type Figure struct {
	Value    *float64
	Decimals int
}

// resolve turns a Figure into its value and the column its decimals.
func resolve(v any, c Col) (any, Col) {
	if f, ok := v.(Figure); ok {
		c.Decimals = f.Decimals
		if f.Value == nil {
			return nil, c
		}
		return *f.Value, c
	}
	return v, c
}

// Table is one table: in text under its heading, in XLSX a sheet of its own.
type Table struct {
	Heading string // above the table; in XLSX after the title in the first row
	Sheet   string // the sheet's name (made valid and unique)
	Cols    []Col
	// Rows hold per column nil (missing: a dash in text, an empty cell in
	// XLSX and CSV, never 0), a string, a bool (ja/nej), an int, int64 or
	// float64 (or a pointer to one), a Figure or a YearValue.
	Rows  [][]any
	Notes []string
	// FrozenCols stay in view when the sheet scrolls sideways.
	FrozenCols int
}

// Document is a result laid out for people.
type Document struct {
	Title  string
	Source string // "Källa: …": the second row of every sheet, the last line in text
	About  string // an optional line about the data, under the source
	Tables []Table
	Footer []string // after the last table
	// Created is the workbook's creation time: the store's last load, so
	// that the same store gives the same bytes.
	Created time.Time
}

// value unwraps pointers: nil stays nil, NaN and ±Inf are missing.
func value(v any) any {
	switch x := v.(type) {
	case *float64:
		if x == nil {
			return nil
		}
		return value(*x)
	case *int64:
		if x == nil {
			return nil
		}
		return *x
	case *int:
		if x == nil {
			return nil
		}
		return *x
	case *string:
		if x == nil {
			return nil
		}
		return *x
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
	}
	return v
}

// number is a cell's value as a float, when it is a number.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

func yearText(y YearValue) string {
	if y.Preliminary {
		return strconv.Itoa(y.Year) + "*"
	}
	return strconv.Itoa(y.Year)
}

// cellText writes a cell for people (the terminal): figures through
// swedish.Number, a missing value as a dash.
func cellText(v any, c Col) string {
	return formatCell(v, c, swedish.Missing, swedish.Number)
}

// formatCell writes a cell as text; the terminal and CSV for Excel differ
// only in how a missing value and a figure are written.
func formatCell(v any, c Col, missing string, figure func(x float64, decimals int) string) string {
	v, c = resolve(v, c)
	switch x := value(v).(type) {
	case nil:
		return missing
	case string:
		return x
	case bool:
		return yesNo(x)
	case YearValue:
		return yearText(x)
	}
	x, ok := number(value(v))
	if !ok {
		return fmt.Sprint(v)
	}
	if c.Kind == Year {
		return strconv.FormatInt(int64(x), 10)
	}
	return figure(x, c.Decimals)
}

func yesNo(b bool) string {
	if b {
		return "ja"
	}
	return "nej"
}

// WriteText writes the document for a terminal: each table under its
// heading with its columns aligned (figures to the right), its notes below,
// then the footer and the source line.
func (d *Document) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	if d.Title != "" {
		ew.line(d.Title)
	}
	if d.About != "" {
		ew.line(d.About)
	}
	for _, t := range d.Tables {
		ew.line("")
		if t.Heading != "" {
			ew.line(t.Heading)
		}
		cells := make([][]string, 0, len(t.Rows)+1)
		head := make([]string, len(t.Cols))
		for i, c := range t.Cols {
			head[i] = c.Name
		}
		cells = append(cells, head)
		for _, r := range t.Rows {
			row := make([]string, len(t.Cols))
			for i, c := range t.Cols {
				if i < len(r) {
					row[i] = cellText(r[i], c)
				}
			}
			cells = append(cells, row)
		}
		writeAligned(ew, t.Cols, cells)
		for _, n := range t.Notes {
			ew.line(n)
		}
	}
	if len(d.Footer) > 0 || d.Source != "" {
		ew.line("")
	}
	for _, f := range d.Footer {
		ew.line(f)
	}
	if d.Source != "" {
		ew.line(d.Source)
	}
	return ew.err
}

// writeAligned pads the columns to their widest cell, text to the left and
// figures to the right, two spaces apart; the last column is not padded.
func writeAligned(ew *errWriter, cols []Col, cells [][]string) {
	widths := make([]int, len(cols))
	for _, row := range cells {
		for i, s := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(s))
		}
	}
	for _, row := range cells {
		var b strings.Builder
		for i, s := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(s))
			last := i == len(row)-1
			switch {
			case cols[i].Kind != Text:
				b.WriteString(pad + s)
			case last:
				b.WriteString(s)
			default:
				b.WriteString(s + pad)
			}
			if !last {
				b.WriteString("  ")
			}
		}
		ew.line(strings.TrimRight(b.String(), " "))
	}
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) line(s string) {
	if e.err == nil {
		_, e.err = io.WriteString(e.w, s+"\n")
	}
}

// WriteExcelCSV writes the document as CSV that Swedish Excel opens by a
// double click: a UTF-8 byte order mark, ";" between fields, CRLF, a
// decimal comma and no thousands separators (Excel reads the figures as
// numbers, every decimal kept). The title comes first; each table follows
// under its heading, its notes below it; the footer and the source line end
// the file.
func (d *Document) WriteExcelCSV(w io.Writer) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := textsafe.NewCSVWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = true
	write := func(rec ...string) {
		_ = cw.Write(rec) // the writer keeps its first error, returned below
	}
	if d.Title != "" {
		write(d.Title)
	}
	if d.About != "" {
		write(d.About)
	}
	for _, t := range d.Tables {
		write("")
		if t.Heading != "" && len(d.Tables) > 1 {
			write(t.Heading)
		}
		head := make([]string, len(t.Cols))
		for i, c := range t.Cols {
			head[i] = c.Name
		}
		write(head...)
		for _, r := range t.Rows {
			rec := make([]string, len(t.Cols))
			for i, c := range t.Cols {
				if i < len(r) {
					rec[i] = excelCell(r[i], c)
				}
			}
			write(rec...)
		}
		for _, n := range t.Notes {
			write(n)
		}
	}
	write("")
	for _, f := range d.Footer {
		write(f)
	}
	if d.Source != "" {
		write(d.Source)
	}
	cw.Flush()
	return cw.Error()
}

func excelCell(v any, c Col) string {
	return formatCell(v, c, "", func(x float64, _ int) string { return swedish.Excel(x) })
}
