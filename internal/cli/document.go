package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/xuri/excelize/v2"

	"github.com/nyckeltal/nyckeltal/internal/outpath"
	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"github.com/nyckeltal/nyckeltal/internal/textsafe"
)

// document is a computed result laid out once and written as a text table
// or an XLSX workbook (one sheet per table). CSV and JSON are written from
// the typed results instead, because their shapes are part of the interface.
type document struct {
	title  string
	tables []docTable
	footer []string // notes and the source label, after the last table
}

type docTable struct {
	heading string // above the table in text; the sheet name in XLSX
	sheet   string
	cols    []docCol
	rows    [][]any // nil, string, bool, int, int64, float64, *float64, *int64
	notes   []string
}

// docCol is a column; decimals -1 is text, 0 a whole number with thousands
// separated, more is fixed decimals.
type docCol struct {
	name     string
	decimals int
}

func textCol(name string) docCol         { return docCol{name, -1} }
func numCol(name string, dec int) docCol { return docCol{name, dec} }
func (c docCol) isNumber() bool          { return c.decimals >= 0 }

func derefOr[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// cellValue unwraps pointers: nil stays nil.
func cellValue(v any) any {
	switch x := v.(type) {
	case *float64:
		return derefOr(x)
	case *int64:
		return derefOr(x)
	case *int:
		return derefOr(x)
	case *string:
		return derefOr(x)
	}
	return v
}

// formatCell writes a value for the text table.
func formatCell(v any, c docCol) string {
	switch x := cellValue(v).(type) {
	case nil:
		return "NULL"
	case string:
		return x
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case int:
		return formatInt(int64(x))
	case int64:
		if c.decimals > 0 {
			return formatFixed(float64(x), c.decimals)
		}
		return formatInt(x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "NULL"
		}
		if c.decimals == 0 {
			return formatInt(int64(math.Round(x)))
		}
		if c.decimals < 0 {
			return strconv.FormatFloat(x, 'f', -1, 64)
		}
		return formatFixed(x, c.decimals)
	}
	return fmt.Sprint(v)
}

// formatFixed writes x with dec decimals and the whole part's thousands
// separated by spaces: 12 357.25.
func formatFixed(x float64, dec int) string {
	s := strconv.FormatFloat(x, 'f', dec, 64)
	if s == "-"+strconv.FormatFloat(0, 'f', dec, 64) {
		s = s[1:] // no "-0.00"
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	neg := strings.HasPrefix(whole, "-")
	n, _ := strconv.ParseInt(strings.TrimPrefix(whole, "-"), 10, 64)
	out := formatInt(n)
	if neg {
		out = "-" + out
	}
	if hasFrac {
		out += "." + frac
	}
	return out
}

func (d *document) writeText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	if d.title != "" {
		fmt.Fprintln(bw, d.title)
	}
	for _, t := range d.tables {
		fmt.Fprintln(bw)
		if t.heading != "" {
			fmt.Fprintln(bw, t.heading)
		}
		tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
		names := make([]string, len(t.cols))
		for i, c := range t.cols {
			names[i] = c.name
		}
		fmt.Fprintln(tw, strings.Join(names, "\t"))
		for _, r := range t.rows {
			cells := make([]string, len(t.cols))
			for i, c := range t.cols {
				if i < len(r) {
					cells[i] = formatCell(r[i], c)
				}
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, n := range t.notes {
			fmt.Fprintln(bw, n)
		}
	}
	if len(d.footer) > 0 {
		fmt.Fprintln(bw)
		for _, f := range d.footer {
			fmt.Fprintln(bw, f)
		}
	}
	return bw.Flush()
}

// sheetName makes a valid, unique Excel sheet name.
func sheetName(s string, used map[string]bool) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '-'
		}
		return r
	}, s)
	if s == "" {
		s = "Blad"
	}
	if r := []rune(s); len(r) > 28 {
		s = string(r[:28])
	}
	name := s
	for i := 2; used[name]; i++ {
		name = fmt.Sprintf("%s %d", s, i)
	}
	used[name] = true
	return name
}

// writeXLSX writes one sheet per table: the title, the source label, the
// table with a frozen header and number formats, and its notes below. It
// streams rows, so a whole country's rows take a moment, not minutes.
func (d *document) writeXLSX(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	numStyles := map[int]int{}
	numStyle := func(dec int) int {
		if id, ok := numStyles[dec]; ok {
			return id
		}
		format := "# ##0"
		if dec > 0 {
			format += "." + strings.Repeat("0", dec)
		}
		id, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &format})
		numStyles[dec] = id
		return id
	}
	used := map[string]bool{}
	for ti, t := range d.tables {
		name := sheetName(t.sheet, used)
		if ti == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return err
		}
		const header = 4
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: header, TopLeftCell: "A" + strconv.Itoa(header+1), ActivePane: "bottomLeft"}); err != nil {
			return err
		}
		row := func(n int, cells []any) error {
			ref, _ := excelize.CoordinatesToCellName(1, n)
			for i, c := range cells {
				switch x := c.(type) {
				case string:
					cells[i] = textsafe.Cell(x)
				case excelize.Cell:
					if s, ok := x.Value.(string); ok {
						x.Value = textsafe.Cell(s)
						cells[i] = x
					}
				}
			}
			return sw.SetRow(ref, cells)
		}
		title := d.title
		if t.heading != "" {
			title = strings.TrimSpace(title + " — " + t.heading)
		}
		if err := row(1, []any{title}); err != nil {
			return err
		}
		if err := row(2, []any{sourceLabel(d.footer)}); err != nil {
			return err
		}
		head := make([]any, len(t.cols))
		for i, c := range t.cols {
			head[i] = excelize.Cell{StyleID: bold, Value: c.name}
		}
		if err := row(header, head); err != nil {
			return err
		}
		for ri, r := range t.rows {
			cells := make([]any, len(t.cols))
			for ci, c := range t.cols {
				if ci >= len(r) {
					continue
				}
				v := cellValue(r[ci])
				switch x := v.(type) {
				case nil:
					continue // an empty cell: NULL, never 0
				case bool:
					v = map[bool]string{true: "ja", false: "nej"}[x]
				}
				if _, isText := v.(string); c.isNumber() && !isText {
					cells[ci] = excelize.Cell{StyleID: numStyle(c.decimals), Value: v}
				} else {
					cells[ci] = v
				}
			}
			if err := row(header+1+ri, cells); err != nil {
				return err
			}
		}
		next := header + len(t.rows) + 2
		lines := t.notes
		if ti == len(d.tables)-1 {
			lines = append(append([]string{}, lines...), d.footer...)
		}
		for _, n := range lines {
			if err := row(next, []any{n}); err != nil {
				return err
			}
			next++
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	_, err = f.WriteTo(w)
	return err
}

func sourceLabel(footer []string) string {
	for _, f := range footer {
		if strings.HasPrefix(f, "Källa:") {
			return f
		}
	}
	return ""
}

// writeJSON writes v indented.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// resolveFormat takes --format, else the extension of --out, else table.
func resolveFormat(format string, formatSet bool, out string) (string, error) {
	if !formatSet && out != "" {
		switch strings.ToLower(filepath.Ext(out)) {
		case ".csv":
			format = "csv"
		case ".json":
			format = "json"
		case ".xlsx":
			format = "xlsx"
		}
	}
	switch format {
	case "table", "csv", "json":
		return format, nil
	case "xlsx":
		if out == "" || out == "-" {
			return "", usageErrorf("--format xlsx writes a workbook: give --out FILE.xlsx")
		}
		return format, nil
	}
	return "", usageErrorf("--format %q: use table, csv, json or xlsx", format)
}

// writeOutput writes through fn to --out (a temporary file renamed into
// place, so a reader never sees half a file) or to standard output. --out is
// never the store, the key or the configuration, and replaces only a file
// nyckeltal wrote, unless --force (internal/outpath).
func (f *factory) writeOutput(out string, fn func(io.Writer) error) error {
	if out == "" || out == "-" {
		return fn(f.stdout)
	}
	g, err := f.app.OutputGuard()
	if err != nil {
		return err
	}
	if err := g.Check(out); err != nil {
		return err
	}
	dir := filepath.Dir(out)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(out)+".*.tmp")
	if err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriter(tmp)
	if err := fn(bw); err != nil {
		_ = tmp.Close() // the error of the writing is the one to report
		return err
	}
	if err := bw.Flush(); err != nil {
		_ = tmp.Close() // the error of the writing is the one to report
		return fmt.Errorf("writing %s: %w", out, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	// CreateTemp makes the file private; the result is an ordinary report file.
	_ = os.Chmod(tmp.Name(), 0o644)
	if err := os.Rename(tmp.Name(), out); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	return outpath.Record(out)
}

// csvNumber writes a rounded number for CSV; NULL is an empty cell.
func csvNumber(p *float64) string {
	r := swedish.Round6Ptr(p)
	if r == nil {
		return ""
	}
	return strconv.FormatFloat(*r, 'f', -1, 64)
}
