package report

import (
	"bytes"
	"encoding/csv"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/nyckeltal/nyckeltal/internal/sheet"
	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"github.com/nyckeltal/nyckeltal/transform/atgardsplan"
)

// TestOneFormatterForEveryOutput feeds the same values through every output
// a person reads — the terminal table, CSV for Excel, the XLSX cell and its
// format, the report's figures and chart labels, and back through the
// åtgärdsplan's reader — and finds them alike: 12,5 is 13 and 0,125 is 0,13
// everywhere, and a figure read back is the figure shown.
func TestOneFormatterForEveryOutput(t *testing.T) {
	values := []float64{12.5, 0.125, 1.005, 2.675, -1234567.891, -0.004, 999.95, 1605000, 0.1 + 0.2, -12.5}
	for _, dec := range []int{0, 1, 2} {
		rows := make([][]any, len(values))
		for i, v := range values {
			rows[i] = []any{v}
		}
		doc := &sheet.Document{Title: "Tal", Created: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC),
			Tables: []sheet.Table{{Heading: "Tal", Sheet: "Tal", Cols: []sheet.Col{sheet.NumCol("Värde", dec)}, Rows: rows}}}
		var text, excelCSV, book bytes.Buffer
		if err := doc.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		if err := doc.WriteExcelCSV(&excelCSV); err != nil {
			t.Fatal(err)
		}
		if err := doc.WriteXLSX(&book); err != nil {
			t.Fatal(err)
		}
		terminal := strings.Split(text.String(), "\n")
		r := csv.NewReader(strings.NewReader(strings.TrimPrefix(excelCSV.String(), "\ufeff")))
		r.Comma, r.FieldsPerRecord = ';', -1
		records, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&book)
		if err != nil {
			t.Fatal(err)
		}
		sheetName := f.GetSheetName(0)
		for i, v := range values {
			want := swedish.Number(v, dec)
			// The report's tables and chart labels.
			if got := num(v, dec); got != want {
				t.Errorf("report %v at %d: %q, want %q", v, dec, got, want)
			}
			// The terminal: the row's cell, right-aligned.
			if !containsLine(terminal, want) {
				t.Errorf("terminal %v at %d: no line %q in\n%s", v, dec, want, text.String())
			}
			// CSV for Excel: every decimal, read back the same.
			if got, ok := excelRecord(records, i); !ok || parse(t, got) != swedish.Round6(v) {
				t.Errorf("Excel CSV %v: %q", v, got)
			}
			// XLSX: the number itself, and the format of its decimals.
			cell := "A" + itoa(sheetFirstRow(t, f, sheetName)+i)
			raw, err := f.GetCellValue(sheetName, cell, excelize.Options{RawCellValue: true})
			if err != nil || parse(t, raw) != swedish.Round6(v) {
				t.Errorf("XLSX %s %v: %q %v", cell, v, raw, err)
			}
			style, _ := f.GetCellStyle(sheetName, cell)
			st, err := f.GetStyle(style)
			if err != nil || st.CustomNumFmt == nil || *st.CustomNumFmt != swedish.NumFmt(dec) {
				t.Errorf("XLSX %s number format %v, want %q", cell, st, swedish.NumFmt(dec))
			}
			// The åtgärdsplan reads what is shown as the value rounded.
			a, ok, err := atgardsplan.ParseAmount(want, atgardsplan.UnitTkr)
			if err != nil || !ok || a.Tkr != swedish.Rounded(v, dec) {
				t.Errorf("åtgärdsplan reads %q as %v (%v), want %v", want, a.Tkr, err, swedish.Rounded(v, dec))
			}
		}
	}
	for _, c := range []struct {
		v    float64
		dec  int
		want string
	}{{12.5, 0, "13"}, {0.125, 2, "0,13"}, {-12.5, 0, "\u221213"}} {
		if got := num(c.v, c.dec); got != c.want {
			t.Errorf("num(%v, %d) = %q, want %q", c.v, c.dec, got, c.want)
		}
	}
}

func containsLine(lines []string, want string) bool {
	for _, l := range lines {
		if strings.TrimSpace(l) == want {
			return true
		}
	}
	return false
}

// excelRecord is the i-th figure of the Excel CSV: the records after the
// heading "Värde".
func excelRecord(records [][]string, i int) (string, bool) {
	for j, rec := range records {
		if len(rec) > 0 && rec[0] == "Värde" && j+1+i < len(records) {
			return records[j+1+i][0], true
		}
	}
	return "", false
}

func parse(t *testing.T, s string) float64 {
	t.Helper()
	v, _, err := swedish.ParseNumber(s)
	if err != nil {
		t.Errorf("%q: %v", s, err)
		return math.NaN()
	}
	return v
}

// sheetFirstRow is the row of the first figure: the one after "Värde".
func sheetFirstRow(t *testing.T, f *excelize.File, name string) int {
	t.Helper()
	rows, err := f.GetRows(name)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if len(r) > 0 && r[0] == "Värde" {
			return i + 2
		}
	}
	t.Fatal("no heading Värde")
	return 0
}

func itoa(n int) string { return strings.TrimSpace(swedish.Plain(float64(n), 0)) }
