package tabular

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// readLog reads every row of data with opts, as a caller would: each row
// with its merged values and problems, then the error or io.EOF.
func readLog(ctx context.Context, data []byte, opts Options) string {
	r, err := Open(ctx, bytes.NewReader(data), opts)
	if err != nil {
		return fmt.Sprintf("open: %v", err)
	}
	defer r.Close()
	var b strings.Builder
	for n := 0; n < 100_000; n++ {
		row, err := r.Next()
		if err != nil {
			fmt.Fprintf(&b, "%v (%+v)", err, r.Format())
			return b.String()
		}
		fmt.Fprintf(&b, "%d %q %q %v\n", row.Line, row.Cells, row.Merged, row.Problems)
	}
	return b.String() + "endless"
}

// onePassLog reads data as a OnePass caller does: in one pass, and again
// when Again says so. again: it did.
func onePassLog(ctx context.Context, data []byte, opts Options) (log string, again bool) {
	one := &OnePass{}
	opts.OnePass = one
	log = readLog(ctx, data, opts)
	if one.Again(ctx) {
		return readLog(ctx, data, opts), true
	}
	return log, false
}

// xlsxSamples are workbooks read in one pass or again, and whether they
// are read again.
func xlsxSamples(t testing.TB) []struct {
	name  string
	data  []byte
	again bool
} {
	header := `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>`
	rows := header + `<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" t="s"><v>4</v></c><c r="C2"><v>40</v></c></row>` +
		`<row r="3"><c r="A3"/><c r="B3" t="s"><v>5</v></c><c r="C3"><v>8</v></c></row>` +
		`<row r="5"><c r="A5"/><c r="B5" t="s"><v>6</v></c><c r="C5"><v>48</v></c></row>`
	shared := []string{"Enhet", "Kön", "Antal", "Hemtjänst Norr", "Kvinnor", "Män", "Totalt"}
	wb := func(sheet string) []byte { return workbook(t, sheet, shared) }
	flip := func(b []byte, at int) []byte {
		b = bytes.Clone(b)
		b[at] ^= 0x55
		return b
	}
	big := strings.Repeat(`<row><c t="inlineStr"><is><t>x</t></is></c><c><v>1</v></c></row>`, 30_000)
	out := []struct {
		name  string
		data  []byte
		again bool
	}{
		{"no merged ranges", wb(sheetXML(rows)), false},
		{"merged enhet", wb(sheetXML(rows, "A2:A3")), true},
		{"merged title", wb(sheetXML(rows, "A1:C1")), true},
		{"merged below the rows", wb(sheetXML(rows, "A6:A9")), false},
		{"merged in a gap of the rows", wb(sheetXML(rows, "A4:C4")), true}, // the first and the last row are what is kept
		{"merged range that cannot be read", wb(sheetXML(rows, "A2:")), true},
		{"merged range beyond the columns", wb(sheetXML(rows, "A2:XFE2")), true},
		{"merged range in a CDATA section", wb(sheetXML(rows + `<row r="6"><c r="A6" t="str"><v><![CDATA[<mergeCell ref="A2:A3"/>]]></v></c></row>`)), true},
		{"merged range after the end", wb(strings.Replace(sheetXML(rows), "</worksheet>", `</worksheet><mergeCell ref="A3:A5"/>`, 1)), true},
		{"rows cut", wb(strings.TrimSuffix(sheetXML(rows), `</sheetData></worksheet>`)[:300]), true},
		{"no rows", wb(sheetXML("", "A1:B2")), true},
		{"blank rows", wb(sheetXML(`<row r="1"><c r="A1"/></row>`, "A1:B2")), true},
		{"long sheet", wb(sheetXML(header + big)), false},
		{"long sheet, merged at its end", wb(sheetXML(header+big, "A30001:A30002")), true},
	}
	blank := sheetXML(`<row r="1"><c r="A1"/></row><row r="2"/>`, "A1:B2")
	for _, c := range []struct {
		name          string
		first, second string
		again         bool
	}{
		{"a blank sheet with a merged range first", blank, sheetXML(rows), false},
		{"a blank sheet first, merged enhet", blank, sheetXML(rows, "A2:A3"), true},
		{"a blank sheet with a merged range that cannot be read first", sheetXML(`<row r="1"/>`, "B"), sheetXML(rows), true},
		{"a sheet with content first", sheetXML(rows), sheetXML(rows, "A2:A3"), false},
	} {
		out = append(out, struct {
			name  string
			data  []byte
			again bool
		}{c.name, twoSheets(t, c.first, c.second), c.again})
	}
	long := wb(sheetXML(header+big, "A2:A3"))
	for _, at := range []int{len(long) / 3, len(long) / 2} {
		out = append(out, struct {
			name  string
			data  []byte
			again bool
		}{fmt.Sprint("damaged at ", at), flip(long, at), true})
	}
	for _, name := range []string{"../../connectors/webfocus/testdata/usk_merged.xlsx", "../../connectors/webfocus/testdata/datum.xlsx",
		"../../connectors/indicators/testdata/indikatorer.xlsx"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, struct {
			name  string
			data  []byte
			again bool
		}{name, b, strings.Contains(name, "merged")})
	}
	return out
}

// twoSheets is a workbook of two sheets, first and second, as workbook
// writes one.
func twoSheets(t testing.TB, first, second string) []byte {
	t.Helper()
	b := workbook(t, second, []string{"Enhet", "Hemtjänst Norr"})
	one, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	z := zip.NewWriter(&out)
	add := func(name, text string) { addZipPart(t, z, name, text) }
	for _, f := range one.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		text, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		switch f.Name {
		case "xl/workbook.xml":
			text = bytes.Replace(text, []byte(`<sheet name="Rapport" sheetId="1" r:id="rId1"/>`),
				[]byte(`<sheet name="Tom" sheetId="2" r:id="rId3"/><sheet name="Rapport" sheetId="1" r:id="rId1"/>`), 1)
		case "xl/_rels/workbook.xml.rels":
			text = bytes.Replace(text, []byte(`</Relationships>`), []byte(`<Relationship Id="rId3" `+
				`Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet0.xml"/></Relationships>`), 1)
		}
		add(f.Name, string(text))
	}
	add("xl/worksheets/sheet0.xml", first)
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// A workbook read in one pass, and again when Again says so, gives the
// rows, merged values, problems and errors of a reading in two passes;
// only a sheet whose merged ranges cover its rows, or a reading that ends
// before the sheet's end, is read again.
func TestOnePassReadsAsTwoPasses(t *testing.T) {
	t.Parallel()
	for _, tc := range xlsxSamples(t) {
		for _, lim := range []Limits{{}, {MaxColumns: 2}, {MaxRows: 3}} {
			opts := Options{Limits: lim}
			want := readLog(t.Context(), tc.data, opts)
			got, again := onePassLog(t.Context(), tc.data, opts)
			if got != want {
				t.Errorf("%s, %+v: one pass\n%s\ntwo passes\n%s", tc.name, lim, got, want)
			}
			if lim == (Limits{}) && again != tc.again {
				t.Errorf("%s: read again %v, want %v\n%s", tc.name, again, tc.again, got)
			}
		}
	}
}

// The merged ranges found in a part written in pieces of any size are
// those found in it read a chunk at a time, and so are the refusals.
func TestMergeScannerPieces(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	for b.Len() < 3000 {
		switch rng.IntN(6) {
		case 0:
			fmt.Fprintf(&b, `<mergeCell ref="A%d:B%d"/>`, rng.IntN(50)+1, rng.IntN(50)+1)
		case 1:
			fmt.Fprintf(&b, `<x:mergeCell  ref='C%d'/>`, rng.IntN(50)+1)
		case 2:
			b.WriteString(`mergeCell ref="A1:A2"`)
		case 3:
			b.WriteString(`<mergeCells count="2">`)
		default:
			b.WriteString(strings.Repeat("x", rng.IntN(40)))
		}
	}
	parts := []string{b.String(), b.String() + `<mergeCell ref="Q"/>`, b.String() + `<mergeCell ref="A1:B2"` + strings.Repeat(" ", 400),
		`<mergeCell ref="A1:` + strings.Repeat("B", 100) + `2"/>`}
	x := &xlsxReader{ctx: t.Context(), lim: DefaultLimits()}
	scan := func(part string, chunk int, pieces func() int) string {
		m := x.newMergeScanner("sheet")
		m.chunk = chunk
		for rest := []byte(part); len(rest) > 0; {
			n := min(pieces(), len(rest))
			if err := m.write(rest[:n]); err != nil {
				return err.Error()
			}
			rest = rest[n:]
		}
		merges, err := m.finish()
		return fmt.Sprint(merges, err)
	}
	for i, part := range parts {
		for _, chunk := range []int{16, 100, 4096} {
			want := scan(part, chunk, func() int { return chunk })
			for _, pieces := range []func() int{func() int { return 1 }, func() int { return 7 }, func() int { return 1 + rng.IntN(300) }} {
				if got := scan(part, chunk, pieces); got != want {
					t.Errorf("part %d, chunk %d: %s, want %s", i, chunk, got, want)
				}
			}
		}
	}
}

// A sheet of any XML, in a workbook maybe damaged, reads in one pass (and
// again when Again says so) as it reads in two passes.
func FuzzOnePass(f *testing.F) {
	for _, s := range xmlSeeds {
		f.Add(s, "", uint16(0))
	}
	f.Add(`<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"/></row>`, "A1:A2", uint16(0))
	f.Add(`<row r="1"><c r="A1"><v>1</v></c></row><row r="3"><c r="A2"/></row>`, "A4:B5", uint16(200))
	f.Add(`<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c></row>`, "A1:A1", uint16(0))
	f.Fuzz(func(t *testing.T, rows, merge string, flip uint16) {
		sheet := sheetXML(rows)
		if merge != "" {
			sheet = sheetXML(rows, merge)
		}
		data := workbook(t, sheet, []string{"Enhet", "Hemtjänst Söder"})
		if flip > 0 {
			data[int(flip)%len(data)] ^= 0x55
		}
		want := readLog(t.Context(), data, Options{})
		got, _ := onePassLog(t.Context(), data, Options{})
		if got != want {
			t.Fatalf("one pass\n%s\ntwo passes\n%s", got, want)
		}
	})
}

// A cancelled reading is not read again.
func TestOnePassNotAgainWhenCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	one := &OnePass{}
	r, err := Open(ctx, bytes.NewReader(workbook(t, sheetXML(`<row r="1"><c r="A1"><v>1</v></c></row>`, "A1:A2"), nil)), Options{OnePass: one})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	for {
		if _, err := r.Next(); err != nil {
			if !errors.Is(err, context.Canceled) && !errors.Is(err, io.EOF) && !errors.Is(err, ErrReread) {
				t.Errorf("error %v", err)
			}
			break
		}
	}
	_ = r.Close()
	if one.Again(ctx) {
		t.Error("a cancelled reading is read again")
	}
}
