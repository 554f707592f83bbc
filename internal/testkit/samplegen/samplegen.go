// Package samplegen writes large synthetic local extracts for benchmarks:
// WebFOCUS reports (COMT, EXL2K, XLSX), a Treserva extract with made-up,
// valid personnummer, a long indicator file, and a hostile workbook. The
// small, hand-made samples in data/samples are for people and tests; these
// are for measuring.
package samplegen

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/nyckeltal/nyckeltal/internal/personnummer"
)

// counter counts what is written through it.
type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// webfocusRow is one row of the synthetic sick-leave report: many enheter
// by kön and quarter, as the uppdragsplan's HR figures come.
type webfocusRow struct {
	enhet, kon string
	from, to   time.Time
	values     [4]float64 // per cent, one decimal
}

// webfocusRows calls fn with the report's rows until it returns false.
func webfocusRows(fn func(r webfocusRow) bool) {
	rng := rand.New(rand.NewPCG(1, 2))
	round := func(v float64) float64 { return float64(int(v*10+0.5)) / 10 }
	for i := 0; ; i++ {
		for _, kon := range []string{"Kvinnor", "Män", "Totalt"} {
			for q := 0; q < 4; q++ {
				from := time.Date(2024, time.Month(3*q+1), 1, 0, 0, 0, 0, time.UTC)
				r := webfocusRow{enhet: fmt.Sprintf("Enhet %06d", i), kon: kon, from: from, to: from.AddDate(0, 3, -1),
					values: [4]float64{round(4 + rng.Float64()*8), round(1 + rng.Float64()*3), round(rng.Float64() * 3), round(rng.Float64() * 4)}}
				if !fn(r) {
					return
				}
			}
		}
	}
}

var webfocusHeader = []string{"Enhet", "Kön", "Från", "Till", "Sjukfrånvaro totalt", "varav <15 dagar", "varav 15-60 dagar", "varav >60 dagar"}

// WriteWebFOCUSReport writes a COMT report of at least size bytes and
// returns its size and rows.
func WriteWebFOCUSReport(w io.Writer, size int64) (int64, int, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	n, _ := bw.WriteString(`"Enhet","Kön","Från","Till","Sjukfrånvaro totalt","varav <15 dagar","varav 15-60 dagar","varav >60 dagar"` + "\r\n")
	written, rows := int64(n), 0
	webfocusRows(func(r webfocusRow) bool {
		n, _ := fmt.Fprintf(bw, "\"%s\",\"%s\",%s,%s,%.1f,%.1f,%.1f,%.1f\r\n", r.enhet, r.kon, r.from.Format("20060102"),
			r.to.Format("20060102"), r.values[0], r.values[1], r.values[2], r.values[3])
		written += int64(n)
		rows++
		return written < size
	})
	return written, rows, bw.Flush()
}

// WebFOCUSReport is a COMT report of at least size bytes.
func WebFOCUSReport(size int) []byte {
	var b bytes.Buffer
	_, _, _ = WriteWebFOCUSReport(&b, int64(size)) // a bytes.Buffer does not fail
	return b.Bytes()
}

// WriteWebFOCUSEXL2K writes the same report as an Excel 2000 HTML workbook
// (WebFOCUS EXL2K) of at least size bytes: a title, the column titles, the
// values with x:num behind their shown percentages, a total and a footing.
func WriteWebFOCUSEXL2K(w io.Writer, size int64) (int64, error) {
	c := &counter{w: w}
	bw := bufio.NewWriterSize(c, 1<<20)
	fmt.Fprint(bw, `<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns="http://www.w3.org/TR/REC-html40">
<head><meta http-equiv=Content-Type content="text/html; charset=utf-8"><meta name=ProgId content=Excel.Sheet>
<style>.x31 {mso-number-format:"0\.0%"}</style></head>
<body><table border=0 cellpadding=0 cellspacing=0>
 <tr height=24><td colspan=8>Sjukfrånvaro per enhet, kön och kvartal (SYNTETISKT EXEMPEL)</td></tr>
 <tr height=17>`)
	for _, h := range webfocusHeader {
		fmt.Fprintf(bw, "<th>%s</th>", h)
	}
	fmt.Fprint(bw, "</tr>\n")
	var written int64
	webfocusRows(func(r webfocusRow) bool {
		fmt.Fprintf(bw, " <tr height=17><td>%s</td><td>%s</td><td>%s</td><td>%s</td>", r.enhet, r.kon, r.from.Format("20060102"), r.to.Format("20060102"))
		for _, v := range r.values {
			fmt.Fprintf(bw, `<td class=x31 x:num="%s">%s%%</td>`, trimZeros(fmt.Sprintf("%.4f", v/100)), swedish(v))
		}
		fmt.Fprint(bw, "</tr>\n")
		written = c.n + int64(bw.Buffered())
		return written < size
	})
	fmt.Fprint(bw, " <tr height=17><td colspan=8>Källa: WebFOCUS HR-statistik (syntetiskt exempel)</td></tr>\n</table>\n</body>\n</html>\n")
	err := bw.Flush()
	return c.n, err
}

func swedish(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	return s[:len(s)-2] + "," + s[len(s)-1:]
}

func trimZeros(s string) string {
	for len(s) > 1 && s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	return s
}

// WriteWebFOCUSXLSX writes the first rows of the same report as an XLSX
// workbook, as excelize's stream writer writes one.
func WriteWebFOCUSXLSX(w io.Writer, rows int) (int64, error) {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return 0, err
	}
	header := make([]any, len(webfocusHeader))
	for i, h := range webfocusHeader {
		header[i] = h
	}
	if err := sw.SetRow("A1", header); err != nil {
		return 0, err
	}
	n := 0
	webfocusRows(func(r webfocusRow) bool {
		n++
		cell, _ := excelize.CoordinatesToCellName(1, n+1)
		err = sw.SetRow(cell, []any{r.enhet, r.kon, r.from.Format("20060102"), r.to.Format("20060102"),
			r.values[0], r.values[1], r.values[2], r.values[3]})
		return err == nil && n < rows
	})
	if err != nil {
		return 0, err
	}
	if err := sw.Flush(); err != nil {
		return 0, err
	}
	c := &counter{w: w}
	_, err = f.WriteTo(c)
	return c.n, err
}

// WriteTreservaExtract writes an extract of at least size bytes: granted
// decisions on särskilt boende in 2023–2025, one person each, with valid
// personnummer of people born 1925–1944.
func WriteTreservaExtract(w io.Writer, size int64) (int64, error) {
	c := &counter{w: w}
	b := bufio.NewWriterSize(c, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	b.WriteString("Personnummer;Kön;Insats;Lagrum;Ansökningsdatum;Beslutsdatum;Beslut;Erbjudet inflyttningsdatum;Verkställighetsdatum;Avslutsdatum;Utförare;Regi;Enhet\r\n")
	for i := 0; c.n+int64(b.Buffered()) < size; i++ {
		birth := time.Date(1925+rng.IntN(20), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
		nine := birth.Format("060102") + fmt.Sprintf("%03d", rng.IntN(1000))
		check, err := personnummer.CheckDigit(nine)
		if err != nil {
			return 0, err
		}
		kon := "K"
		if (nine[8]-'0')%2 == 1 {
			kon = "M"
		}
		applied := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(600))
		decided := applied.AddDate(0, 0, 5+rng.IntN(40))
		offered := decided.AddDate(0, 0, 10+rng.IntN(150))
		fmt.Fprintf(b, "%s%s-%s%c;%s;Särskilt boende;SoL 4 kap. 1 §;%s;%s;Bifall;%s;%s;;Vård- och omsorgskontoret;Egen regi;Särskilt boende %d\r\n",
			birth.Format("2006")[:2], nine[:6], nine[6:], check, kon, applied.Format(time.DateOnly),
			decided.Format(time.DateOnly), offered.Format(time.DateOnly), offered.AddDate(0, 0, 3).Format(time.DateOnly), i%40)
	}
	err := b.Flush()
	return c.n, err
}

// TreservaExtract is an extract of at least size bytes.
func TreservaExtract(size int) ([]byte, error) {
	var b bytes.Buffer
	_, err := WriteTreservaExtract(&b, int64(size))
	return b.Bytes(), err
}

// WriteIndicatorFile writes a long indicator file of at least size bytes:
// a hundred indicators of a quality register per enhet, quarter and kön.
func WriteIndicatorFile(w io.Writer, size int64) (int64, error) {
	c := &counter{w: w}
	b := bufio.NewWriterSize(c, 1<<20)
	rng := rand.New(rand.NewPCG(3, 4))
	b.WriteString("indikator;namn;måttenhet;källa;period;kön;regi;enhet;värde;kommentar\r\n")
	for i := 0; c.n+int64(b.Buffered()) < size; i++ {
		for k := 0; k < 100; k++ {
			name := ""
			if i == 0 {
				name = fmt.Sprintf("Indikator %d i kvalitetsregistret", k)
			}
			for q := 1; q <= 4; q++ {
				for _, kon := range []string{"T", "K", "M"} {
					v := float64(int(rng.Float64()*1000)) / 10
					fmt.Fprintf(b, "SA_IND%03d;%s;procent;Senior Alert;2024-Q%d;%s;alla;Enhet %06d;%s;\r\n", k, name, q, kon, i, swedish(v))
				}
			}
		}
	}
	err := b.Flush()
	return c.n, err
}

// WriteSharedStringsBomb writes a small XLSX whose shared strings part
// holds n tiny strings (26 million make a 1 MB file that unpacks to 440 MB):
// the workbook a reader must refuse quickly.
func WriteSharedStringsBomb(w io.Writer, n int) (int64, error) {
	c := &counter{w: w}
	z := zip.NewWriter(c)
	z.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestCompression)
	})
	add := func(name, text string) error {
		fw, err := z.Create(name)
		if err == nil {
			_, err = io.WriteString(fw, text)
		}
		return err
	}
	for _, p := range [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Blad1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`},
		{"xl/worksheets/sheet1.xml", `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row></sheetData></worksheet>`},
	} {
		if err := add(p[0], p[1]); err != nil {
			return 0, err
		}
	}
	fw, err := z.Create("xl/sharedStrings.xml")
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(fw, 1<<20)
	fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, n, n)
	for i := 0; i < n; i++ {
		bw.WriteString("<si><t>a</t></si>")
	}
	bw.WriteString("</sst>")
	if err := bw.Flush(); err != nil {
		return 0, err
	}
	if err := z.Close(); err != nil {
		return 0, err
	}
	return c.n, nil
}
