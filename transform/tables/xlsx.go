package tables

import (
	"io"

	"github.com/nyckeltal/nyckeltal/internal/sheet"
)

// A workbook's cells: text, a figure with its indicator's decimals, a whole
// number (a rank; 0 is none), or nothing.
func textCell(s string) any                { return s }
func numCell(p *float64, decimals int) any { return sheet.Figure{Value: p, Decimals: decimals} }
func intXCell(n int) any {
	if n == 0 {
		return nil
	}
	return n
}

// workbook lays out one sheet through internal/sheet, the workbook writer
// the gap and the sparbeting share: a title, the source label, a line about
// the data, the column headings (frozen with the first two columns, with a
// filter) and the rows, numbers as numbers with their number format.
func (r *Result) workbook(w io.Writer, sheetTitle, title string, cols []string, widths []float64, rows [][]any) error {
	t := sheet.Table{Sheet: sheetTitle, Rows: rows, FrozenCols: 2}
	for i, c := range cols {
		col := sheet.TextCol(c)
		if i < len(widths) {
			col.Width = widths[i]
		}
		t.Cols = append(t.Cols, col)
	}
	d := &sheet.Document{Title: title, Source: r.SourceLabel(), About: r.About(), Tables: []sheet.Table{t},
		Footer: r.Footer(), Created: r.DataAsOf}
	return d.WriteXLSX(w)
}

var detailWidths = []float64{9, 48, 22, 30, 9, 18, 14, 11, 12, 10, 13, 11, 13, 13, 34, 14, 14, 12, 10, 10, 30, 40}
var overviewWidths = []float64{9, 52, 22, 30, 9, 13, 11, 12, 10, 13, 13, 14, 12, 10, 10, 30, 48}

// WriteDetailXLSX writes a målområde's rows as a workbook.
func (r *Result) WriteDetailXLSX(w io.Writer, malomrade string) error {
	m, _ := r.Catalog.MalomradeByID(malomrade)
	var rows [][]any
	for _, t := range r.Of(malomrade) {
		dec := t.Indicator.DecimalsShown()
		text := detailRecords(t, machineNumber)
		if len(t.Rows) == 0 {
			row := make([]any, len(DetailColumns))
			for i, s := range text[0] {
				row[i] = textCell(s)
			}
			rows = append(rows, row)
			continue
		}
		for i, row := range t.Rows {
			cells := make([]any, len(DetailColumns))
			for c, s := range text[i] {
				cells[c] = textCell(s)
			}
			cells[7], cells[11], cells[12] = numCell(row.Value, dec), numCell(row.Previous, dec), numCell(row.Change, dec)
			cells[15], cells[16], cells[17], cells[18] = nil, nil, nil, nil
			if p := row.Peers; p != nil {
				cells[15], cells[16] = numCell(p.Mean, dec), numCell(p.Median, dec)
				cells[17], cells[18] = intXCell(p.Rank), intXCell(p.Of)
			}
			cells[19] = numCell(row.Riket, dec)
			rows = append(rows, cells)
		}
	}
	return r.workbook(w, "Målområde "+malomrade, r.fileTitle("Målområde "+malomrade+": "+m.Name), DetailColumns, detailWidths, rows)
}

// WriteOverviewXLSX writes the overview as a workbook.
func (r *Result) WriteOverviewXLSX(w io.Writer) error {
	var rows [][]any
	for _, t := range r.Indicators {
		text := overviewRecord(t, machineNumber)
		cells := make([]any, len(OverviewColumns))
		for c, s := range text {
			cells[c] = textCell(s)
		}
		if row := t.Latest(); row != nil {
			dec := t.Indicator.DecimalsShown()
			cells[6], cells[9] = numCell(row.Value, dec), numCell(row.Change, dec)
			cells[11], cells[12], cells[13] = nil, nil, nil
			if p := row.Peers; p != nil {
				cells[11], cells[12], cells[13] = numCell(p.Mean, dec), intXCell(p.Rank), intXCell(p.Of)
			}
			cells[14] = numCell(row.Riket, dec)
		}
		rows = append(rows, cells)
	}
	return r.workbook(w, "Översikt", r.fileTitle("Översikt"), OverviewColumns, overviewWidths, rows)
}
