package sheet

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"github.com/nyckeltal/nyckeltal/internal/textsafe"
)

// HeaderRow is the row of the column headings in every sheet: the title,
// the source line and the line about the data come first.
const HeaderRow = 5

// Creator names nyckeltal in the workbook's document properties.
const Creator = "nyckeltal"

// WriteXLSX writes one sheet per table: the title (with the table's
// heading), the source line and the line about the data, the column
// headings (frozen, with a filter), the rows — figures as numbers with
// their number format (swedish.NumFmt), years as numbers, a missing value
// an empty cell — and the table's notes below; the document's footer ends
// the last sheet. It uses excelize's ordinary API, not the stream writer,
// whose parts are written in map order: the same store must give the same
// bytes.
func (d *Document) WriteXLSX(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	stamp := d.Created.UTC()
	if d.Created.IsZero() {
		stamp = time.Unix(0, 0).UTC() // never the template's date nor the clock's
	}
	at := stamp.Format("2006-01-02T15:04:05Z")
	if err := f.SetDocProps(&excelize.DocProperties{Creator: Creator, LastModifiedBy: Creator,
		Created: at, Modified: at, Title: d.Title, Language: "sv-SE"}); err != nil {
		return err
	}
	if err := f.SetAppProps(&excelize.AppProperties{Application: Creator}); err != nil {
		return err
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	used := map[string]bool{}
	for ti, t := range d.Tables {
		name := SheetName(t.Sheet, used)
		if ti == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return err
		}
		footer := t.Notes
		if ti == len(d.Tables)-1 {
			footer = append(append([]string{}, footer...), d.Footer...)
		}
		if err := d.writeSheet(f, st, name, t, footer); err != nil {
			return fmt.Errorf("sheet %s: %w", name, err)
		}
	}
	_, err = f.WriteTo(w)
	return err
}

type styles struct {
	f                *excelize.File
	title, head, txt int
	nums             map[string]int
}

func newStyles(f *excelize.File) (*styles, error) {
	s := &styles{f: f, nums: map[string]int{}}
	var err error
	if s.title, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 12}}); err != nil {
		return nil, err
	}
	if s.head, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8EEF4"}},
		Border:    []excelize.Border{{Type: "bottom", Color: "7F8FA6", Style: 1}}}); err != nil {
		return nil, err
	}
	if s.txt, err = f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top"}}); err != nil {
		return nil, err
	}
	return s, nil
}

// num is the style of a number format, made once.
func (s *styles) num(format string) (int, error) {
	if id, ok := s.nums[format]; ok {
		return id, nil
	}
	id, err := s.f.NewStyle(&excelize.Style{CustomNumFmt: &format, Alignment: &excelize.Alignment{Vertical: "top"}})
	s.nums[format] = id
	return id, err
}

// yearFormat shows a year without a thousands separator; a preliminary
// one with a star after it, while the cell stays the number.
func yearFormat(prelim bool) string {
	if prelim {
		return `0"*"`
	}
	return "0"
}

func (d *Document) writeSheet(f *excelize.File, st *styles, name string, t Table, footer []string) error {
	set := func(col, row int, v any) error {
		ref, err := excelize.CoordinatesToCellName(col, row)
		if err != nil {
			return err
		}
		if s, ok := v.(string); ok {
			v = textsafe.Cell(s)
		}
		return f.SetCellValue(name, ref, v)
	}
	style := func(col, row, id int) error {
		ref, _ := excelize.CoordinatesToCellName(col, row)
		return f.SetCellStyle(name, ref, ref, id)
	}
	title := d.Title
	if t.Heading != "" {
		title = strings.TrimSpace(title + " — " + t.Heading)
	}
	for i, line := range []string{title, d.Source, d.About} {
		if line == "" {
			continue
		}
		if err := set(1, i+1, line); err != nil {
			return err
		}
	}
	if err := style(1, 1, st.title); err != nil {
		return err
	}
	widths := make([]int, len(t.Cols))
	for c, col := range t.Cols {
		if err := set(c+1, HeaderRow, col.Name); err != nil {
			return err
		}
		if err := style(c+1, HeaderRow, st.head); err != nil {
			return err
		}
		for _, word := range strings.Fields(col.Name) {
			widths[c] = max(widths[c], utf8.RuneCountInString(word)+2)
		}
	}
	for r, row := range t.Rows {
		n := HeaderRow + 1 + r
		for c, col := range t.Cols {
			if c >= len(row) {
				break
			}
			cell, col := resolve(row[c], col)
			v := value(cell)
			var id int
			var err error
			switch x := v.(type) {
			case nil:
				continue // a missing value stays an empty cell: never 0
			case string:
				if x == "" {
					continue
				}
				widths[c] = max(widths[c], utf8.RuneCountInString(x)+1)
				if err := set(c+1, n, x); err != nil {
					return err
				}
				id = st.txt
			case bool:
				if err := set(c+1, n, yesNo(x)); err != nil {
					return err
				}
				id = st.txt
			case YearValue:
				if err := set(c+1, n, x.Year); err != nil {
					return err
				}
				widths[c] = max(widths[c], 7)
				if id, err = st.num(yearFormat(x.Preliminary)); err != nil {
					return err
				}
			default:
				num, ok := number(v)
				if !ok {
					return fmt.Errorf("row %d, column %s: a %T is neither text nor a number", r+1, col.Name, v)
				}
				format := swedish.NumFmt(col.Decimals)
				if col.Kind == Year {
					format = yearFormat(false)
				} else {
					num = swedish.Round6(num)
				}
				if err := set(c+1, n, num); err != nil {
					return err
				}
				widths[c] = max(widths[c], utf8.RuneCountInString(swedish.Number(num, col.Decimals))+2)
				if id, err = st.num(format); err != nil {
					return err
				}
			}
			if err := style(c+1, n, id); err != nil {
				return err
			}
		}
	}
	next := HeaderRow + len(t.Rows) + 2
	for _, line := range footer {
		if err := set(1, next, line); err != nil {
			return err
		}
		next++
	}
	for c, col := range t.Cols {
		width := col.Width
		if width == 0 {
			width = math.Min(float64(max(widths[c], 6)), 60)
		}
		cn, _ := excelize.ColumnNumberToName(c + 1)
		if err := f.SetColWidth(name, cn, cn, width); err != nil {
			return err
		}
	}
	if err := f.SetRowHeight(name, HeaderRow, 45); err != nil {
		return err
	}
	frozen := min(t.FrozenCols, len(t.Cols))
	topLeft, _ := excelize.CoordinatesToCellName(frozen+1, HeaderRow+1)
	pane := "bottomLeft"
	if frozen > 0 {
		pane = "bottomRight"
	}
	if err := f.SetPanes(name, &excelize.Panes{Freeze: true, XSplit: frozen, YSplit: HeaderRow,
		TopLeftCell: topLeft, ActivePane: pane}); err != nil {
		return err
	}
	if len(t.Rows) > 0 && len(t.Cols) > 0 {
		first, _ := excelize.CoordinatesToCellName(1, HeaderRow)
		last, _ := excelize.CoordinatesToCellName(len(t.Cols), HeaderRow+len(t.Rows))
		if err := f.AutoFilter(name, first+":"+last, nil); err != nil {
			return err
		}
	}
	return nil
}

// SheetName makes a valid, unique Excel sheet name: at most 31 characters,
// none of []:*?/\.
func SheetName(s string, used map[string]bool) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '-'
		}
		return r
	}, s)
	if s == "" {
		s = "Blad"
	}
	if r := []rune(s); len(r) > 31 {
		s = string(r[:31])
	}
	name := s
	for i := 2; used[name]; i++ {
		suffix := fmt.Sprintf(" %d", i)
		r := []rune(s)
		if len(r)+len(suffix) > 31 {
			r = r[:31-len(suffix)]
		}
		name = string(r) + suffix
	}
	used[name] = true
	return name
}
