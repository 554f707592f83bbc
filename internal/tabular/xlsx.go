package tabular

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Limits for unpacking a workbook: a small file that unpacks to gigabytes is
// refused rather than filling memory or disk.
const (
	xlsxUnzipLimit    = 512 << 20
	xlsxUnzipXMLLimit = 64 << 20
)

// readXLSX reads the first sheet that has any content. Cells are read raw
// (not as formatted for display), except that a number formatted as a date
// becomes YYYY-MM-DD and one formatted as a percentage becomes the
// percentage shown (0.072 → 7.2).
func readXLSX(data []byte, opts Options) (t *Table, err error) {
	// excelize parses untrusted zip and XML; a damaged workbook must be a
	// refused file, not a crashed run.
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, unreadable(0, 0, "the workbook is damaged (%v)", r)
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit: xlsxUnzipLimit, UnzipXMLSizeLimit: xlsxUnzipXMLLimit})
	if err != nil {
		return nil, unreadable(0, 0, "not a readable XLSX workbook: %v", err)
	}
	defer f.Close()
	styles := map[int]string{}
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, unreadable(0, 0, "reading sheet %q: %v", sheet, err)
		}
		if len(rows) > opts.MaxRows {
			return nil, unreadable(0, 0, "sheet %q has more than %d rows", sheet, opts.MaxRows)
		}
		t := &Table{Format: Format{Kind: KindXLSX, Sheet: sheet}}
		content := false
		for i, cells := range rows {
			for j, c := range cells {
				if c == "" {
					continue
				}
				content = true
				if _, err := strconv.ParseFloat(c, 64); err == nil {
					cells[j] = numberCell(f, sheet, j+1, i+1, c, styles)
				}
			}
			t.Rows = append(t.Rows, Row{Line: i + 1, Cells: cells})
		}
		if content {
			return t, nil
		}
	}
	return nil, unreadable(0, 0, "the workbook has no sheet with any content")
}

const (
	styleDate    = "date"
	stylePercent = "percent"
	stylePlain   = "plain"
)

func numberCell(f *excelize.File, sheet string, col, row int, raw string, cache map[int]string) string {
	name, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		return raw
	}
	id, err := f.GetCellStyle(sheet, name)
	if err != nil {
		return raw
	}
	kind, ok := cache[id]
	if !ok {
		kind = stylePlain
		if st, err := f.GetStyle(id); err == nil && st != nil {
			kind = numFmtKind(st.NumFmt, st.CustomNumFmt)
		}
		cache[id] = kind
	}
	v, _ := strconv.ParseFloat(raw, 64)
	switch kind {
	case styleDate:
		if tm, err := excelize.ExcelDateToTime(v, false); err == nil {
			return tm.Format("2006-01-02")
		}
	case stylePercent:
		return strconv.FormatFloat(v*100, 'g', 15, 64)
	}
	return raw
}

// numFmtKind classifies Excel's built-in number formats and custom format
// codes as date, percentage or plain.
func numFmtKind(id int, custom *string) string {
	if custom != nil && *custom != "" {
		code := strings.ToLower(stripQuoted(*custom))
		switch {
		case strings.Contains(code, "%"):
			return stylePercent
		case strings.ContainsAny(code, "yd"):
			return styleDate
		}
		return stylePlain
	}
	switch {
	case id == 9 || id == 10:
		return stylePercent
	case id >= 14 && id <= 17, id == 22, id >= 27 && id <= 36, id >= 50 && id <= 58:
		return styleDate
	}
	return stylePlain
}

// stripQuoted drops "literal text" and [colour/locale] parts of a format code.
func stripQuoted(code string) string {
	var b strings.Builder
	inQuote, inBracket := false, false
	for _, r := range code {
		switch {
		case r == '"':
			inQuote = !inQuote
		case r == '[' && !inQuote:
			inBracket = true
		case r == ']' && !inQuote:
			inBracket = false
		case !inQuote && !inBracket:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ColumnName is the spreadsheet name of 0-based column i: A, B, … Z, AA.
func ColumnName(i int) string {
	name, err := excelize.ColumnNumberToName(i + 1)
	if err != nil {
		return fmt.Sprint(i + 1)
	}
	return name
}
