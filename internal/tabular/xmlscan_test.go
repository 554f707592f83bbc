package tabular

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/nyckeltal/nyckeltal/internal/testkit/samplegen"
)

// xmlLog writes every token of tokens, and the error at the end.
func xmlLog(tokens xmlTokens) string {
	var b bytes.Buffer
	for n := 0; n < 1_000_000; n++ {
		t, err := tokens.next()
		if err != nil {
			fmt.Fprintf(&b, "error %v\n", err)
			return b.String()
		}
		fmt.Fprintf(&b, "%d %#v %#v %q\n", t.Kind, t.Name, t.Attr, t.Text)
	}
	return b.String() + "endless"
}

var xmlSeeds = []string{
	`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\r\n" +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:x14ac="x"><sheetData>` +
		`<row r="1" spans="1:3" x14ac:dyDescent="0.25"><c r="A1" t="s"><v>0</v></c><c r="B1" s="2"><v>7.2000000000000003E-2</v></c>` +
		`<c r="C1" t="inlineStr"><is><t xml:space="preserve"> Hemtjänst &amp; Söder </t><rPh><t>x</t></rPh></is></c><c r="D1"><f>SUM(A1)</f></c><c r="E1"/></row>` +
		"\n</sheetData><mergeCells count=\"1\"><mergeCell ref=\"A1:B1\"/></mergeCells></worksheet>",
	"<a b = 'c' d=\"e\"f='g'/><x:y x:z=\"1\"></x:y ><a:b:c/><:a/><a:/>",
	"<!-- c --><![CDATA[<x>]]><!DOCTYPE x [<!ENTITY a 'b'>]><?pi x?>",
	"text ]]> <a>&#65;&#x42;&lt;&bogus;&amp</a>",
	"<a b=c></a><a b></a><a b=\"<\"></a><1a/><a\u00e5/><\u00e5/></a\t\n>",
	"<a>\x01</a><a b=\"\x7f\xff\"/><a>\xef\xbf\xbe</a><a>\xed\xa0\x80</a><a>\xef\xbf\xbd</a>",
	"<a", "<a b=\"", "</a", "<", "text", "<a/", "<a></a><",
}

// readSizes are a fuzz input's size of reads (chunk; 0: all at once) and
// of the fast XML reader's buffer (size; 0: fastXMLBuffer).
func readSizes(data []byte, chunk uint8, size uint16) (n, bufSize int) {
	n, bufSize = int(chunk), fastXMLBuffer
	if n == 0 {
		n = len(data) + 1
	}
	if size > 0 {
		bufSize = max(int(size), 4)
	}
	return n, bufSize
}

// The fast XML reader gives the tokens and errors encoding/xml's RawToken
// gives, whatever the input, the size of the reads and of its buffer.
func FuzzFastXML(f *testing.F) {
	for _, s := range xmlSeeds {
		f.Add([]byte(s), uint8(0), uint16(0))
		f.Add([]byte(s), uint8(3), uint16(16))
	}
	for _, part := range sheetSeeds(f) {
		f.Add(part, uint8(0), uint16(0))
		f.Add(part, uint8(5), uint16(64))
	}
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8, size uint16) {
		n, bufSize := readSizes(data, chunk, size)
		want := xmlLog(newRefXML(xml.NewDecoder(bufio.NewReader(&chunkReader{b: bytes.Clone(data), n: n}))))
		got := xmlLog(newFastXML(&chunkReader{b: bytes.Clone(data), n: n}, bufSize))
		if got != want {
			t.Fatalf("tokens differ\nfast:\n%s\nreference:\n%s", got, want)
		}
	})
}

func TestFastXMLMatchesTheReference(t *testing.T) {
	t.Parallel()
	long := "<a>" + string(bytes.Repeat([]byte("x"), 3*fastXMLBuffer)) + "</a>\n<b/>&"
	for i, s := range append(xmlSeeds, long) {
		for _, size := range []int{4, 16, fastXMLBuffer} {
			want := xmlLog(newRefXML(xml.NewDecoder(bufio.NewReader(bytes.NewReader([]byte(s))))))
			got := xmlLog(newFastXML(bytes.NewReader([]byte(s)), size))
			if got != want {
				t.Errorf("seed %d, buffer %d: tokens differ\nfast:\n%s\nreference:\n%s", i, size, got, want)
			}
		}
	}
}

// The readers on a worksheet as excelize writes it: the fast one is there
// for this difference (xmlscan.go).
func BenchmarkSheetXML(b *testing.B) {
	var book bytes.Buffer
	if _, err := samplegen.WriteWebFOCUSXLSX(&book, 50_000); err != nil {
		b.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(book.Bytes()), int64(book.Len()))
	if err != nil {
		b.Fatal(err)
	}
	rc, err := zr.Open("xl/worksheets/sheet1.xml")
	if err != nil {
		b.Fatal(err)
	}
	sheet, err := io.ReadAll(rc)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		tokens func(io.Reader) xmlTokens
	}{
		{"reference", func(r io.Reader) xmlTokens { return newRefXML(xml.NewDecoder(bufio.NewReaderSize(r, 256<<10))) }},
		{"fast", func(r io.Reader) xmlTokens { return newFastXML(r, fastXMLBuffer) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(sheet)))
			for b.Loop() {
				z := tc.tokens(bytes.NewReader(sheet))
				for {
					if _, err := z.next(); errors.Is(err, io.EOF) {
						break
					} else if err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// sheetSeeds are the worksheets of the repository's workbooks.
func sheetSeeds(f *testing.F) [][]byte {
	var out [][]byte
	for _, name := range []string{"../../connectors/webfocus/testdata/usk_merged.xlsx", "../../connectors/webfocus/testdata/datum.xlsx",
		"../../connectors/indicators/testdata/indikatorer.xlsx"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			f.Fatal(err)
		}
		for _, zf := range zr.File {
			rc, err := zf.Open()
			if err != nil {
				f.Fatal(err)
			}
			part, err := io.ReadAll(rc)
			if err != nil {
				f.Fatal(err)
			}
			out = append(out, part)
		}
	}
	return out
}

// sheetRows reads every row of a worksheet's XML through tokens, and the
// error that ends the reading.
func sheetRows(t *testing.T, tokens xmlTokens, lim Limits) string {
	lim.MaxRows = 1000
	x := &xlsxReader{ctx: t.Context(), lim: lim.WithDefaults(),
		sst: []string{"Enhet", "Hemtjänst Söder"}, styles: []string{stylePlain, styleDate, stylePercent}}
	s := &sheetReader{x: x, part: "xl/worksheets/sheet1.xml", d: tokens}
	var b bytes.Buffer
	for range 10_000 {
		row, err := s.next()
		if err != nil {
			fmt.Fprintf(&b, "error %v", err)
			return b.String()
		}
		fmt.Fprintf(&b, "%d %q %v\n", row.Line, row.Cells, row.Problems)
	}
	return b.String() + "endless"
}

// cellSeeds are cells of the shapes the worksheet reader reads at once
// (xlsxcell.go), and of shapes close to them that it leaves to its token
// loop.
var cellSeeds = []string{
	`<c r="A1" s="1" t="s"><v>1</v></c>`, `<c r="B1" t="s"><v>7</v></c>`, `<c r="C1" t="s"><v> 0 </v></c>`,
	`<c r="D1" t="inlineStr"><is><t>Hemtjänst Söder</t></is></c>`, `<c r="E1" t="inlineStr"><is><t xml:space="preserve"> x </t></is></c>`,
	`<c r="F1" s="2"><v>7.2000000000000003E-2</v></c>`, `<c r="G1" s="1"><v>45292</v></c>`, `<c r="H1" s="1"><v>x</v></c>`,
	`<c r="I1" s="3"/>`, `<c r="J1"></c>`, `<c r="K1" t="e"><v>#N/A</v></c>`, `<c r="L1" t="str"><v> a </v></c>`,
	`<c r="M1" t="b"><v>1</v></c>`, `<c r="N1" t="d"><v>2024-01-01</v></c>`, `<c r="O1" t="n"><v>3</v></c>`, `<c t="s" r="P1"><v>0</v></c>`,
	`<c><v>1</v></c>`, `<c r=""><v>1</v></c>`, `<c s=""><v>1</v></c>`, `<c t=""><v>1</v></c>`, `<c r="A1"><v></v></c>`,
	`<c r="A1"><v>1</v></c>`, `<c r="ZZZZ1"><v>1</v></c>`, `<c r="A1" r="B1"><v>1</v></c>`, `<c r="B1" s="1" s="2"><v>1</v></c>`,
	`<c r="B1" s="+1"><v>1</v></c>`, `<c r="B1" s="99999999999"><v>1</v></c>`, `<c r="B1" t="x"><v>1</v></c>`, `<c r="B1" t="s" t="s"><v>1</v></c>`,
	`<c r="B1" cm="1"><v>1</v></c>`, `<c  r="B1"><v>1</v></c>`, `<c r='B1'><v>1</v></c>`, `<c r="B1" ><v>1</v></c>`, `<c r="B1"/ >`,
	`<c r="B1"><f>A1</f></c>`, `<c r="B1"><f>A1</f><v>2</v></c>`, `<c r="B1"><v>1</v><v>2</v></c>`, `<c r="B1"><v>&amp;</v></c>`,
	`<c r="B1"><v>]]></v></c>`, `<c r="B1"><v>a` + "\r" + `b</v></c>`, `<c r="B1"><v>` + "\x01" + `</v></c>`, `<c r="B1"><v>\xff</v></c>`,
	`<c r="B1"><v>1</v></x>`, `<c r="B1"><v>1</x></c>`, `<c r="B1"><is><t>a</t><t>b</t></is></c>`, `<c r="B1" t="inlineStr"><is><r><t>a</t></r></is></c>`,
	`<c r="B1" t="inlineStr"><is><t>a</t><rPh><t>b</t></rPh></is></c>`, `<x:c r="B1"><x:v>1</x:v></x:c>`, `<c r="B1"><v>1</v></c >`,
	`<c r="B1"` + "\n" + `><v>1</v></c>`, `<c r="B1"><v>` + "\n2\n" + `</v></c>`, `<cols/>`, `<c r="B1"><v>1`, `<c r="B1"><is><t>1</t>`,
	`<c r="A1"/><c r="A1"/>`, `<c r="B1"/><c r="A1"/>`, `<c r="XFE1"><v>1</v></c>`,
}

// rowSeeds are rows whose tags the worksheet reader reads at once, and
// rows close to them.
var rowSeeds = []string{
	`<row r="1"><c><v>1</v></c></row><row r="2" spans="1:3"><c><v>2</v></c></row><row r="3"></row>`,
	`<row r="2"><c><v>1</v></c></row><row r="2"><c><v>2</v></c></row>`, `<row r="3"/><row r="1"></row>`,
	`<row r="0"><c><v>1</v></c></row>`, `<row r="1234567890"></row>`, `<row r="+1"></row>`, `<row r="1" spans="a:b"></row>`, `<row r="1" spans="<"></row>`, `<row r="1" spans="&amp;"></row>`,
	`<row r="1" spans="1:2" ht="3"></row>`, `<row r="1" ></row>`, `<row r='1'></row>`, `<row r="1"></row ><row r="2"></rows>`,
	`<row r="1"><c><v>1</v></c></row></row><row r="2"><row r="3"><c><v>1</v></c></row>`, `<row r="5"><c><v>1</v></c></c></row>`,
	`<row r="1"><c r="A1"><v>1</v></c>`, `<row r="1" spans="1:2"`, `<row r="7">` + "\n" + `<c><v>1</v></c>` + "\n" + `</row>`,
}

// The worksheet reader reads the rows, problems and errors with the fast
// XML reader, and its cells read at once, that it reads with encoding/xml,
// whatever the size of the reads and of the buffer, and the limits.
func FuzzSheetReader(f *testing.F) {
	for _, s := range xmlSeeds {
		f.Add([]byte(s), uint16(0), uint8(0), uint8(0), uint16(0))
	}
	for _, c := range cellSeeds {
		f.Add([]byte(`<sheetData><row r="1">`+c+`<c r="Z1"><v>9</v></c></row><row>`+c+`</row></sheetData>`), uint16(0), uint8(0), uint8(0), uint16(0))
	}
	for _, r := range rowSeeds {
		f.Add([]byte("<sheetData>"+r+"</sheetData>"), uint16(0), uint8(0), uint8(0), uint16(0))
	}
	for _, part := range sheetSeeds(f) {
		f.Add(part, uint16(0), uint8(0), uint8(0), uint16(0))
		f.Add(part, uint16(8), uint8(4), uint8(7), uint16(40))
	}
	f.Fuzz(func(t *testing.T, data []byte, maxRow uint16, limits uint8, chunk uint8, size uint16) {
		lim := Limits{MaxRowBytes: int(maxRow)}
		if limits > 0 {
			lim.MaxNesting, lim.MaxColumns = int(limits&15)+1, int(limits>>4)+1
		}
		n, bufSize := readSizes(data, chunk, size)
		want := sheetRows(t, newRefXML(xml.NewDecoder(bufio.NewReader(bytes.NewReader(data)))), lim)
		got := sheetRows(t, newFastXML(&chunkReader{b: bytes.Clone(data), n: n}, bufSize), lim)
		if got != want {
			t.Fatalf("rows differ\nfast:\n%s\nreference:\n%s", got, want)
		}
	})
}

// The cells and rows read at once read as the token loop reads them (FuzzSheetReader
// tries many more).
func TestSheetReaderFastCells(t *testing.T) {
	t.Parallel()
	var sheets []string
	for _, c := range cellSeeds {
		sheets = append(sheets, `<sheetData><row r="1">`+c+`<c r="Z1"><v>9</v></c></row><row>`+c+"</row>\n<row><c><v>1</v></c></row></sheetData>")
	}
	for _, r := range rowSeeds {
		sheets = append(sheets, "<sheetData>"+r+"</sheetData>")
	}
	for i, data := range sheets {
		c := data
		for _, size := range []int{8, 40, fastXMLBuffer} {
			for _, lim := range []Limits{{}, {MaxNesting: 1}, {MaxNesting: 2}, {MaxNesting: 4}, {MaxNesting: 5}, {MaxColumns: 3}, {MaxColumns: 26}, {MaxRowBytes: 1}, {MaxRowBytes: 3}} {
				want := sheetRows(t, newRefXML(xml.NewDecoder(bufio.NewReader(strings.NewReader(data)))), lim)
				for _, chunk := range []int{7, len(data)} {
					got := sheetRows(t, newFastXML(&chunkReader{b: []byte(data), n: chunk}, size), lim)
					if got != want {
						t.Errorf("cell %d %s, buffer %d, reads of %d, limits %+v: rows differ\nfast:\n%s\nreference:\n%s", i, c, size, chunk, lim, got, want)
					}
				}
			}
		}
	}
}
