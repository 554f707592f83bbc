package sheet

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func sample() *Document {
	v, missing := -1234.56, (*float64)(nil)
	return &Document{Title: "Nettokostnadsavvikelse: Exempelköping (9001)", Source: "Källa: Kolada (RKA). Beräkningar: egen bearbetning.",
		Created: time.Date(2026, 12, 1, 17, 52, 14, 0, time.UTC),
		Tables: []Table{{Heading: "Områden", Sheet: "Sparbeting 2024", FrozenCols: 1,
			Cols: []Col{TextCol("Område"), YearCol("År"), NumCol("NKA %", 2), NumCol("Tkr", 0), TextCol("Anmärkning")},
			Rows: [][]any{
				{"Äldreomsorg", YearValue{Year: 2025, Preliminary: true}, &v, int64(12500), "=SUM(A1)"},
				{"Individ- och familjeomsorg", YearValue{Year: 2024}, missing, nil, ""},
				{"Summa", "", Figure{Value: &v, Decimals: 1}, 12.5, ""},
			},
			Notes: []string{"* preliminärt"}}},
		Footer: []string{"Anmärkning: ett"}}
}

func TestWriteTextAlignsFiguresAndSaysMissing(t *testing.T) {
	var b bytes.Buffer
	if err := sample().WriteText(&b); err != nil {
		t.Fatal(err)
	}
	got := strings.ReplaceAll(b.String(), "\u00a0", "⍽")
	want := `Nettokostnadsavvikelse: Exempelköping (9001)

Områden
Område                         År      NKA %     Tkr  Anmärkning
Äldreomsorg                 2025*  −1⍽234,56  12⍽500  =SUM(A1)
Individ- och familjeomsorg   2024          –       –
Summa                               −1⍽234,6      13
* preliminärt

Anmärkning: ett
Källa: Kolada (RKA). Beräkningar: egen bearbetning.
`
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestWriteExcelCSV(t *testing.T) {
	var b bytes.Buffer
	if err := sample().WriteExcelCSV(&b); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{"\ufeffNettokostnadsavvikelse: Exempelköping (9001)\r\n", "Område;År;NKA %;Tkr;Anmärkning\r\n",
		"Äldreomsorg;2025*;-1234,56;12500;'=SUM(A1)\r\n", "Individ- och familjeomsorg;2024;;;\r\n", "Summa;;-1234,56;12,5;\r\n",
		"Källa: Kolada (RKA). Beräkningar: egen bearbetning.\r\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("the Excel CSV lacks %q:\n%s", want, got)
		}
	}
}

func TestWriteXLSX(t *testing.T) {
	var a, b bytes.Buffer
	if err := sample().WriteXLSX(&a); err != nil {
		t.Fatal(err)
	}
	if err := sample().WriteXLSX(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("the same document gives different bytes")
	}
	f, err := excelize.OpenReader(&a)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	props, _ := f.GetDocProps()
	if props.Creator != "nyckeltal" || props.Created != "2026-12-01T17:52:14Z" || props.Language != "sv-SE" || !strings.HasPrefix(props.Title, "Nettokostnadsavvikelse") {
		t.Fatalf("document properties %+v", props)
	}
	const sh = "Sparbeting 2024"
	cell := func(ref string) (string, string, excelize.CellType) {
		v, _ := f.GetCellValue(sh, ref, excelize.Options{RawCellValue: true})
		typ, _ := f.GetCellType(sh, ref)
		format := ""
		if id, err := f.GetCellStyle(sh, ref); err == nil {
			if st, err := f.GetStyle(id); err == nil && st.CustomNumFmt != nil {
				format = *st.CustomNumFmt
			}
		}
		return v, format, typ
	}
	for _, tt := range []struct{ ref, value, format string }{
		{"A5", "Område", ""}, {"B6", "2025", `0"*"`}, {"B7", "2024", "0"}, {"C6", "-1234.56", "#,##0.00"}, {"D6", "12500", "#,##0"},
		{"C8", "-1234.56", "#,##0.0"}, {"E6", "'=SUM(A1)", ""}, {"C7", "", ""}, {"A2", "Källa: Kolada (RKA). Beräkningar: egen bearbetning.", ""},
	} {
		v, format, _ := cell(tt.ref)
		if v != tt.value || (tt.format != "" && format != tt.format) {
			t.Errorf("%s = %q [%s], want %q [%s]", tt.ref, v, format, tt.value, tt.format)
		}
	}
	if _, _, typ := cell("B6"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Error("a year is text")
	}
	panes, _ := f.GetPanes(sh)
	if !panes.Freeze || panes.YSplit != HeaderRow || panes.XSplit != 1 {
		t.Errorf("panes %+v", panes)
	}
	var raw bytes.Buffer
	if err := sample().WriteXLSX(&raw); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(unzipSheet(t, raw.Bytes()), []byte(`<autoFilter ref="$A$5:$E$8"`)) {
		t.Error("no filter on the headings")
	}
}

func TestSheetNameIsValidAndUnique(t *testing.T) {
	used := map[string]bool{}
	if got := SheetName("Plan: 2024/2025", used); got != "Plan- 2024-2025" {
		t.Errorf("got %q", got)
	}
	long := strings.Repeat("x", 40)
	a, b := SheetName(long, used), SheetName(long, used)
	if len([]rune(a)) != 31 || len([]rune(b)) != 31 || a == b {
		t.Errorf("%q %q", a, b)
	}
}

// unzipSheet is the first worksheet's XML.
func unzipSheet(t *testing.T, b []byte) []byte {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range z.File {
		if f.Name == "xl/worksheets/sheet1.xml" {
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			x, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			return x
		}
	}
	t.Fatal("no sheet1.xml")
	return nil
}
