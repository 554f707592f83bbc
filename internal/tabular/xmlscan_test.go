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
		n := int(chunk)
		if n == 0 {
			n = len(data) + 1
		}
		bufSize := fastXMLBuffer
		if size > 0 {
			bufSize = max(int(size), 4)
		}
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
func sheetRows(t *testing.T, tokens xmlTokens, maxRow int) string {
	x := &xlsxReader{ctx: t.Context(), lim: Limits{MaxRowBytes: maxRow, MaxRows: 1000}.WithDefaults(),
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

// The worksheet reader reads the rows, problems and errors with the fast
// XML reader that it reads with encoding/xml.
func FuzzSheetReader(f *testing.F) {
	for _, s := range xmlSeeds {
		f.Add([]byte(s), uint16(0))
	}
	for _, part := range sheetSeeds(f) {
		f.Add(part, uint16(0))
		f.Add(part, uint16(8))
	}
	f.Fuzz(func(t *testing.T, data []byte, maxRow uint16) {
		want := sheetRows(t, newRefXML(xml.NewDecoder(bufio.NewReader(bytes.NewReader(data)))), int(maxRow))
		got := sheetRows(t, newFastXML(bytes.NewReader(data), fastXMLBuffer), int(maxRow))
		if got != want {
			t.Fatalf("rows differ\nfast:\n%s\nreference:\n%s", got, want)
		}
	})
}
