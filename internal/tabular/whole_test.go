package tabular

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
)

// Files that are not whole are refused, whatever their format: a text whose
// last line has no line ending, a text that ends inside a quoted field, an
// HTML table or document without its end, a workbook without its zip
// directory.
func TestCutFilesAreRefused(t *testing.T) {
	t.Parallel()
	comt := "\"Enhet\",\"Kön\",\"Sjukfrånvaro totalt\",\"varav <15 dagar\"\r\n\"Hemtjänst Norr\",\"Kvinnor\",9.1,3.8\r\n\"Hemtjänst Söder\",\"Kvinnor\",7.8,3.3\r\n"
	html := "<html><body><table>\n<tr><th>Enhet</th><th>Personalomsättning %</th></tr>\n<tr><td>Hemtjänst Norr</td><td>6,8</td></tr>\n" +
		"<tr><td>Hemtjänst Söder</td><td>5,9</td></tr>\n</table></body></html>\n"
	tests := []struct {
		name, in, want string
		line           int
	}{
		{"indicator value cut", "indikator;period;värde\nX_A;2024;71,0\nX_B;2024;7", "saknar radslut", 3},
		{"COMT last line cut", comt[:len(comt)-9], "saknar radslut", 3},
		{"inside a quoted field", comt + "\"Särskilt boende", "slutar inne i ett citerat fält", 4},
		{"quoted field over lines, cut", "a;b\n\"x\ny;2\n", "slutar inne i ett citerat fält", 2},
		{"EXL2K cut mid-table", html[:strings.Index(html, "<tr><td>Hemtjänst Söder")+30], "slutar inne i en tabell", 3},
		{"EXL2K without </html>", strings.TrimSuffix(html, "</body></html>\n"), "slutar utan </html>", 0},
		{"table without </table>", "<table><tr><td>a</td><td>b</td></tr>", "slutar inne i en tabell", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read([]byte(tt.in), Options{})
			var te *Error
			if !errors.As(err, &te) || !strings.Contains(err.Error(), tt.want) || te.Line != tt.line {
				t.Fatalf("err %v, want line %d and %q", err, tt.line, tt.want)
			}
		})
	}
	// A workbook cut short has no zip directory at its end.
	wb := workbook(t, sheetXML(`<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>`), nil)
	if _, err := Read(wb[:len(wb)-40], Options{}); err == nil || !strings.Contains(err.Error(), "zip-katalog saknas") {
		t.Errorf("a workbook cut short: %v", err)
	}
	// Whole files read; a last line that ends in a closing quote is whole,
	// and white space after the last line ending is nothing.
	for _, in := range []string{comt, html, "a;b\n\"x\";\"y\"", comt + "  \t"} {
		if _, err := Read([]byte(in), Options{}); err != nil {
			t.Errorf("%q: %v", in[max(0, len(in)-20):], err)
		}
	}
}

func TestCompleteTellsACopyInProgress(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in string
		ok bool
	}{
		{"a;b\n1;2\n", true},
		{"a;b\n1;2", false},
		{"a;b\n1;\"2\"", true},
		{"<html><table><tr><td>1</td></tr></table></html>\r\n", true},
		{"<html><table><tr><td>1</td></tr></table>", false},
		{"<table><tr><td>1</td></tr></table>", true},
		{"<table><tr><td>1</td></tr>", false},
		{string(workbook(t, sheetXML(`<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>`), nil)), true},
		{string(workbook(t, sheetXML(`<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>`), nil))[:300], false},
	} {
		if ok, why := Complete(strings.NewReader(tt.in)); ok != tt.ok {
			t.Errorf("Complete(%.40q) = %v (%s), want %v", tt.in, ok, why, tt.ok)
		}
	}
}

// sheetXML is a worksheet with rows (and, after them, merged ranges).
func sheetXML(rows string, merges ...string) string {
	var m string
	if len(merges) > 0 {
		m = fmt.Sprintf(`<mergeCells count="%d">`, len(merges))
		for _, r := range merges {
			m += `<mergeCell ref="` + r + `"/>`
		}
		m += `</mergeCells>`
	}
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + rows + `</sheetData>` + m + `</worksheet>`
}

// workbook is a minimal XLSX of one sheet, written part by part as Excel
// writes them, so that a test can hold what Excel can write but a library
// will not (an error value, a formula without a cached value).
func workbook(t testing.TB, sheet string, shared []string) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	add := func(name, text string) { addZipPart(t, z, name, text) }
	add("[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">`+
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>`+
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>`+
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`+
		`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`)
	add("_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	add("xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" `+
		`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Rapport" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	add("xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>`+
		`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`)
	add("xl/worksheets/sheet1.xml", sheet)
	var sst strings.Builder
	sst.WriteString(`<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
	for _, s := range shared {
		sst.WriteString("<si><t>" + s + "</t></si>")
	}
	add("xl/sharedStrings.xml", sst.String()+"</sst>")
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Cells without a usable value are named, not read as empty or as a
// number: a formula without a cached value, Excel's error values, an x:num
// that disagrees with the text shown.
func TestCellsWithoutAValue(t *testing.T) {
	t.Parallel()
	sheet := sheetXML(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>` +
		`<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><f>C2/D2</f></c></row>` +
		`<row r="3"><c r="A3" t="s"><v>3</v></c><c r="B3" t="e"><f>C3/D3</f><v>#DIV/0!</v></c></row>` +
		`<row r="4"><c r="A4" t="s"><v>4</v></c><c r="B4"><f>C4</f><v>12</v></c></row>`)
	tbl, err := Read(workbook(t, sheet, []string{"Enhet", "Antal", "Norr", "Söder", "Väst"}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{2: "formel utan sparat värde", 3: "felvärdet #DIV/0!"}
	for _, r := range tbl.Rows {
		why, bad := r.Problem(1)
		switch {
		case want[r.Line] != "" && (!bad || !strings.Contains(why, want[r.Line]) || r.Cell(1) != ""):
			t.Errorf("row %d: %q %q, want the problem %q", r.Line, r.Cell(1), why, want[r.Line])
		case want[r.Line] == "" && bad:
			t.Errorf("row %d: %q", r.Line, why)
		}
	}
	if tbl.Rows[3].Cell(1) != "12" {
		t.Errorf("a formula with a cached value: %q", tbl.Rows[3].Cell(1))
	}

	html := `<html><table><tr><td>Enhet</td><td>Andel</td><td>Antal</td></tr>` +
		`<tr><td>Norr</td><td x:num="0.072">7,2%</td><td x:num="48">48</td></tr>` +
		`<tr><td>Söder</td><td x:num="0.72">7,2%</td><td x:num="4.8">48</td></tr>` +
		`<tr><td>Väst</td><td>#N/A</td><td x:num="12.46">12,5</td></tr>` +
		`<tr><td>Öst</td><td x:num="45322">2024-01-31</td><td x:num="45322">2024-02-01</td></tr></table></html>`
	tbl, err = Read([]byte(html), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		row, col int
		value    string
		problem  string
	}{
		{1, 1, "7.2", ""}, {1, 2, "48", ""},
		{2, 1, "", `x:num "0.72" stämmer inte med texten "7,2%"`}, {2, 2, "", `x:num "4.8" stämmer inte`},
		{3, 1, "", "felvärdet #N/A"}, {3, 2, "12.46", ""},
		{4, 1, "2024-01-31", ""}, {4, 2, "", "stämmer inte"},
	} {
		r := tbl.Rows[c.row]
		why, _ := r.Problem(c.col)
		if r.Cell(c.col) != c.value || !strings.Contains(why, c.problem) || (c.problem == "") != (why == "") {
			t.Errorf("row %d column %d: %q %q, want %q %q", r.Line, c.col, r.Cell(c.col), why, c.value, c.problem)
		}
	}
}

// Merged ranges and spans carry their value to the cells they cover, as
// Row.Merged; the cells themselves stay empty.
func TestMergedCells(t *testing.T) {
	t.Parallel()
	sheet := sheetXML(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>`+
		`<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" t="s"><v>4</v></c><c r="C2"><v>40</v></c></row>`+
		`<row r="3"><c r="A3"/><c r="B3" t="s"><v>5</v></c><c r="C3"><v>8</v></c></row>`+
		`<row r="4"><c r="A4"/><c r="B4" t="s"><v>6</v></c><c r="C4"><v>48</v></c></row>`,
		"A2:A4")
	tbl, err := Read(workbook(t, sheet, []string{"Enhet", "Kön", "Antal", "Hemtjänst Norr", "Kvinnor", "Män", "Totalt"}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range tbl.Rows[1:] {
		if r.Filled(0) != "Hemtjänst Norr" || (r.Line > 2 && r.Cell(0) != "") {
			t.Errorf("row %d: %q %q", r.Line, r.Cells, r.Merged)
		}
	}
	html := `<table><tr><td>Enhet</td><td>Kön</td><td>Antal</td></tr>` +
		`<tr><td rowspan=3>Hemtjänst Norr</td><td>Kvinnor</td><td>40</td></tr><tr><td>Män</td><td>8</td></tr>` +
		`<tr><td>Totalt</td><td>48</td></tr><tr><td colspan=2>Summa</td><td>48</td></tr></table>`
	tbl, err = Read([]byte(html), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"Enhet", "Hemtjänst Norr", "Hemtjänst Norr", "Hemtjänst Norr", "Summa"} {
		if got := tbl.Rows[i].Filled(0); got != want {
			t.Errorf("row %d: %q, want %q", i+1, got, want)
		}
	}
	if tbl.Rows[2].Cell(1) != "Män" || tbl.Rows[4].Filled(1) != "Summa" || tbl.Rows[4].Cell(1) != "" {
		t.Errorf("spans: %q %q", tbl.Rows[2].Cells, tbl.Rows[4].Merged)
	}
}

// Every limit refuses a file beyond it, naming the limit's key.
func TestLimits(t *testing.T) {
	t.Parallel()
	var shared []string
	for i := range 2000 {
		shared = append(shared, fmt.Sprint("s", i))
	}
	bomb := func() []byte {
		var b bytes.Buffer
		z := zip.NewWriter(&b)
		w, _ := z.Create("xl/worksheets/sheet1.xml")
		if _, err := w.Write(bytes.Repeat([]byte{' '}, 20<<20)); err != nil {
			t.Fatal(err)
		}
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	deep := strings.Repeat("<table><tr><td>", 40) + strings.Repeat("</td></tr></table>", 40)
	tests := []struct {
		name string
		in   []byte
		lim  Limits
		key  string
	}{
		{"rows", []byte(strings.Repeat("a;b\n", 100)), Limits{MaxRows: 50}, "max_rows"},
		{"cells", []byte(strings.Repeat("a;b;c;d\n", 100)), Limits{MaxCells: 100}, "max_cells"},
		{"columns", []byte("a;b\n" + strings.Repeat("x;", 300) + "\n"), Limits{MaxColumns: 100}, "max_columns"},
		{"row bytes", []byte("a;b\n" + strings.Repeat("x", 5000) + ";1\n"), Limits{MaxRowBytes: 1024}, "max_row_kb"},
		{"quoted field bytes", []byte("a;b\n\"" + strings.Repeat("x\n", 3000) + "\";1\n"), Limits{MaxRowBytes: 1024}, "max_row_kb"},
		{"file size", []byte("a;b\n1;2\n"), Limits{MaxBytes: 4}, "max_file_mb"},
		{"shared strings", workbook(t, sheetXML(""), shared), Limits{MaxSharedStrings: 1000}, "max_shared_strings"},
		{"unpacked bytes", bomb(), Limits{MaxUnpackedBytes: 10 << 20}, "max_unpacked_mb"},
		{"nested tables", []byte(deep), Limits{MaxNesting: 16}, "max_nesting"},
		{"html cell", []byte("<table><tr><td>" + strings.Repeat("x ", 2000) + "</td></tr></table>"), Limits{MaxRowBytes: 1024}, "max_row_kb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(tt.in, Options{Limits: tt.lim})
			if !errors.Is(err, ErrUnreadable) || !strings.Contains(err.Error(), "local.limits."+tt.key) {
				t.Fatalf("err %v, want a refusal naming local.limits.%s", err, tt.key)
			}
		})
	}
}

// countingInput cancels its context once n bytes have been read, and
// counts what is read after that.
type countingInput struct {
	Input
	n      int64
	read   atomic.Int64
	after  atomic.Int64
	cancel context.CancelFunc
}

func (c *countingInput) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.Input.ReadAt(p, off)
	if c.read.Add(int64(n)) > c.n {
		c.cancel()
		c.after.Add(int64(n))
	}
	return n, err
}

// A cancelled context stops a parse at once, whatever the format: Next
// returns the context's error, and little is read after the cancel.
func TestCancelStopsReading(t *testing.T) {
	t.Parallel()
	var csv bytes.Buffer
	csv.WriteString("Enhet;Värde\n")
	for csv.Len() < 8<<20 {
		csv.WriteString("Hemtjänst Norr;12,5\n")
	}
	var html bytes.Buffer
	html.WriteString("<html><table>")
	for html.Len() < 8<<20 {
		html.WriteString("<tr><td>Hemtjänst Norr</td><td>12,5</td></tr>\n")
	}
	html.WriteString("</table></html>")
	var rows strings.Builder
	for i := 1; rows.Len() < 8<<20; i++ {
		fmt.Fprintf(&rows, `<row r="%d"><c r="A%d" t="s"><v>0</v></c><c r="B%d"><v>12.5</v></c></row>`, i, i, i)
	}
	var shared []string
	for i := range 300_000 {
		shared = append(shared, fmt.Sprint("enhet ", i))
	}
	for _, tt := range []struct {
		name string
		in   []byte
	}{
		{"text", csv.Bytes()},
		{"html", html.Bytes()},
		{"sheet", workbook(t, sheetXML(rows.String()), []string{"Hemtjänst Norr"})},
		{"shared strings", workbook(t, sheetXML(""), shared)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			in := &countingInput{Input: bytes.NewReader(tt.in), n: int64(len(tt.in)) / 20, cancel: cancel}
			r, err := Open(ctx, in, Options{})
			if err == nil {
				defer r.Close()
			}
			for err == nil {
				_, err = r.Next()
			}
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err %v, want context.Canceled", err)
			}
			if after := in.after.Load(); after > 2<<20 {
				t.Fatalf("%d bytes read after the cancel", after)
			}
		})
	}
}

// FuzzReadLimits reads any input under small limits: it is refused or read
// within them, never a panic, a hang or a row beyond a limit.
func FuzzReadLimits(f *testing.F) {
	f.Add([]byte("a;b\n1;2\n"))
	f.Add([]byte("a;\"b\nc\";d\n"))
	f.Add([]byte("<html><table><tr><td rowspan=9 colspan=9 x:num=\"1\">1</td></tr></table></html>"))
	f.Add([]byte("<table><table><table><tr><td>x</td></tr></table></table></table>"))
	f.Add(workbook(f, sheetXML(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="e"><v>#N/A</v></c></row>`, "A1:C3"), []string{"x", "y"}))
	f.Add(workbook(f, sheetXML(`<row r="2"><c r="B2"><f>A1</f></c></row>`), nil))
	lim := Limits{MaxRows: 20, MaxCells: 200, MaxColumns: 30, MaxRowBytes: 512, MaxSharedStrings: 50, MaxUnpackedBytes: 1 << 20, MaxNesting: 8}
	f.Fuzz(func(t *testing.T, data []byte) {
		tbl, err := Read(data, Options{Limits: lim})
		if err != nil {
			if !errors.Is(err, ErrUnreadable) {
				t.Fatalf("an error that is not ErrUnreadable: %v", err)
			}
			return
		}
		cells := 0
		for _, r := range tbl.Rows {
			cells += len(r.Cells)
			if len(r.Cells) > lim.MaxColumns || (r.Merged != nil && len(r.Merged) != len(r.Cells)) {
				t.Fatalf("row %d: %d cells, %d merged", r.Line, len(r.Cells), len(r.Merged))
			}
			for _, p := range r.Problems {
				if p.Col < 0 || p.Col >= len(r.Cells) || r.Cells[p.Col] != "" {
					t.Fatalf("row %d: problem %+v", r.Line, p)
				}
			}
		}
		if len(tbl.Rows) > lim.MaxRows || int64(cells) > lim.MaxCells {
			t.Fatalf("%d rows, %d cells", len(tbl.Rows), cells)
		}
	})
}

// addZipPart writes one part of a workbook the tests build by hand.
func addZipPart(t testing.TB, z *zip.Writer, name, text string) {
	t.Helper()
	w, err := z.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, text); err != nil {
		t.Fatal(err)
	}
}
