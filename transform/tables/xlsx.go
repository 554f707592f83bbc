package tables

import (
	"io"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"github.com/nyckeltal/nyckeltal/internal/textsafe"
	"github.com/xuri/excelize/v2"
)

// xcell is a workbook cell: text, or a number with its decimals.
type xcell struct {
	text     string
	num      *float64
	integer  int  // for ranks and counts, when isInt
	isInt    bool // an integer cell (0 is then empty)
	decimals int
}

func textCell(s string) xcell                { return xcell{text: s} }
func numCell(p *float64, decimals int) xcell { return xcell{num: p, decimals: decimals} }
func intXCell(n int) xcell                   { return xcell{integer: n, isInt: true} }

// workbook lays out one sheet: a title, the source label, a line about the
// data, the column headings (frozen with the first two columns) and the rows,
// numbers as numbers with their number format. It uses excelize's ordinary
// API, not the stream writer, whose parts are written in map order: the same
// store must give the same bytes.
type workbook struct {
	sheet, title, label, about string
	cols                       []string
	widths                     []float64
	rows                       [][]xcell
	footer                     []string
}

const headerRow = 5

func (wb *workbook) write(w io.Writer, stamp string) error {
	f := excelize.NewFile()
	defer f.Close()
	// A fixed creation time (the store's last load): the same store, the same bytes.
	if err := f.SetDocProps(&excelize.DocProperties{Creator: "nyckeltal", LastModifiedBy: "nyckeltal",
		Created: stamp, Modified: stamp, Title: wb.title, Language: "sv-SE"}); err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", wb.sheet); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 12}})
	if err != nil {
		return err
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8EEF4"}},
		Border:    []excelize.Border{{Type: "bottom", Color: "7F8FA6", Style: 1}}})
	if err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top"}})
	if err != nil {
		return err
	}
	styles := map[int]int{}
	numStyle := func(dec int) (int, error) {
		if id, ok := styles[dec]; ok {
			return id, nil
		}
		format := "#,##0"
		if dec > 0 {
			format += "." + strings.Repeat("0", dec)
		}
		id, err := f.NewStyle(&excelize.Style{CustomNumFmt: &format, Alignment: &excelize.Alignment{Vertical: "top"}})
		styles[dec] = id
		return id, err
	}
	set := func(col, row int, v any) error {
		ref, err := excelize.CoordinatesToCellName(col, row)
		if err != nil {
			return err
		}
		if s, ok := v.(string); ok {
			v = textsafe.Cell(s)
		}
		return f.SetCellValue(wb.sheet, ref, v)
	}
	style := func(col, row, id int) error {
		ref, _ := excelize.CoordinatesToCellName(col, row)
		return f.SetCellStyle(wb.sheet, ref, ref, id)
	}
	for i, line := range []string{wb.title, wb.label, wb.about} {
		if err := set(1, i+1, line); err != nil {
			return err
		}
	}
	if err := style(1, 1, bold); err != nil {
		return err
	}
	for c, name := range wb.cols {
		if err := set(c+1, headerRow, name); err != nil {
			return err
		}
		if err := style(c+1, headerRow, head); err != nil {
			return err
		}
	}
	for r, row := range wb.rows {
		n := headerRow + 1 + r
		for c, cell := range row {
			switch {
			case cell.isInt:
				if cell.integer == 0 {
					continue
				}
				if err := set(c+1, n, cell.integer); err != nil {
					return err
				}
				id, err := numStyle(0)
				if err != nil {
					return err
				}
				if err := style(c+1, n, id); err != nil {
					return err
				}
			case cell.num != nil:
				if err := set(c+1, n, swedish.Round6(*cell.num)); err != nil {
					return err
				}
				id, err := numStyle(cell.decimals)
				if err != nil {
					return err
				}
				if err := style(c+1, n, id); err != nil {
					return err
				}
			case cell.text != "":
				if err := set(c+1, n, cell.text); err != nil {
					return err
				}
				if err := style(c+1, n, wrap); err != nil {
					return err
				}
			} // a missing number stays an empty cell: never 0
		}
	}
	next := headerRow + len(wb.rows) + 2
	for _, line := range wb.footer {
		if err := set(1, next, line); err != nil {
			return err
		}
		next++
	}
	for c, width := range wb.widths {
		name, _ := excelize.ColumnNumberToName(c + 1)
		if err := f.SetColWidth(wb.sheet, name, name, width); err != nil {
			return err
		}
	}
	if err := f.SetRowHeight(wb.sheet, headerRow, 45); err != nil {
		return err
	}
	if err := f.SetPanes(wb.sheet, &excelize.Panes{Freeze: true, XSplit: 2, YSplit: headerRow,
		TopLeftCell: "C" + itoa(headerRow+1), ActivePane: "bottomRight"}); err != nil {
		return err
	}
	last, _ := excelize.CoordinatesToCellName(len(wb.cols), headerRow+len(wb.rows))
	if len(wb.rows) > 0 {
		if err := f.AutoFilter(wb.sheet, "A"+itoa(headerRow)+":"+last, nil); err != nil {
			return err
		}
	}
	_, err = f.WriteTo(w)
	return err
}

var detailWidths = []float64{9, 48, 22, 30, 9, 18, 14, 11, 12, 10, 13, 11, 13, 13, 34, 14, 14, 12, 10, 10, 30, 40}
var overviewWidths = []float64{9, 52, 22, 30, 9, 13, 11, 12, 10, 13, 13, 14, 12, 10, 10, 30, 48}

// WriteDetailXLSX writes a målområde's rows as a workbook.
func (r *Result) WriteDetailXLSX(w io.Writer, malomrade string) error {
	m, _ := r.Catalog.MalomradeByID(malomrade)
	wb := &workbook{sheet: sheetName("Målområde " + malomrade), title: r.fileTitle("Målområde " + malomrade + ": " + m.Name),
		label: r.SourceLabel(), about: r.About(), cols: DetailColumns, widths: detailWidths, footer: r.Footer()}
	for _, t := range r.Of(malomrade) {
		dec := t.Indicator.DecimalsShown()
		text := detailRecords(t, machineNumber)
		if len(t.Rows) == 0 {
			row := make([]xcell, len(DetailColumns))
			for i, s := range text[0] {
				row[i] = textCell(s)
			}
			wb.rows = append(wb.rows, row)
			continue
		}
		for i, row := range t.Rows {
			cells := make([]xcell, len(DetailColumns))
			for c, s := range text[i] {
				cells[c] = textCell(s)
			}
			cells[7], cells[11], cells[12] = numCell(row.Value, dec), numCell(row.Previous, dec), numCell(row.Change, dec)
			cells[15], cells[16], cells[17], cells[18] = xcell{}, xcell{}, xcell{}, xcell{}
			if p := row.Peers; p != nil {
				cells[15], cells[16] = numCell(p.Mean, dec), numCell(p.Median, dec)
				cells[17], cells[18] = intXCell(p.Rank), intXCell(p.Of)
			}
			cells[19] = numCell(row.Riket, dec)
			wb.rows = append(wb.rows, cells)
		}
	}
	return wb.write(w, r.stamp())
}

// WriteOverviewXLSX writes the overview as a workbook.
func (r *Result) WriteOverviewXLSX(w io.Writer) error {
	wb := &workbook{sheet: "Översikt", title: r.fileTitle("Översikt"), label: r.SourceLabel(), about: r.About(),
		cols: OverviewColumns, widths: overviewWidths, footer: r.Footer()}
	for _, t := range r.Indicators {
		text := overviewRecord(t, machineNumber)
		cells := make([]xcell, len(OverviewColumns))
		for c, s := range text {
			cells[c] = textCell(s)
		}
		if row := t.Latest(); row != nil {
			dec := t.Indicator.DecimalsShown()
			cells[6], cells[9] = numCell(row.Value, dec), numCell(row.Change, dec)
			cells[11], cells[12], cells[13] = xcell{}, xcell{}, xcell{}
			if p := row.Peers; p != nil {
				cells[11], cells[12], cells[13] = numCell(p.Mean, dec), intXCell(p.Rank), intXCell(p.Of)
			}
			cells[14] = numCell(row.Riket, dec)
		}
		wb.rows = append(wb.rows, cells)
	}
	return wb.write(w, r.stamp())
}

func (r *Result) stamp() string { return r.DataAsOf.UTC().Format("2006-01-02T15:04:05Z") }

// sheetName keeps a name within Excel's 31 characters and allowed letters.
func sheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '-'
		}
		return r
	}, s)
	if rs := []rune(s); len(rs) > 31 {
		s = string(rs[:31])
	}
	return s
}
