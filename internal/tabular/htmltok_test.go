package tabular

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/nyckeltal/nyckeltal/internal/testkit/samplegen"
)

// chunkReader returns at most n bytes a read, so that tokens cross the
// ends of what a tokenizer has buffered.
type chunkReader struct {
	b []byte
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), c.n)], c.b)
	c.b = c.b[k:]
	return k, nil
}

// tokenLog writes every token of a tokenizer as its methods give it, and
// the error at the end.
func tokenLog(z htmlTokens) string {
	var b bytes.Buffer
	for n := 0; n < 1_000_000; n++ {
		tt := z.Next()
		if tt == html.ErrorToken {
			fmt.Fprintf(&b, "error %v\n", z.Err())
			return b.String()
		}
		name, hasAttr := z.TagName()
		fmt.Fprintf(&b, "%v text %q name %q %v", tt, z.Text(), name, hasAttr)
		for more := true; more; {
			var k, v []byte
			k, v, more = z.TagAttr()
			fmt.Fprintf(&b, " [%q=%q]", k, v)
		}
		b.WriteByte('\n')
	}
	return b.String() + "endless"
}

var htmlSeeds = []string{
	"<html><body><table><tr><td colspan=2 x:num=\"0.5\">50%</td></tr></table></body></html>\n",
	"<TABLE><TR><TD class=x31 x:num='1'>a &amp; b&nbsp;c</td><td/><br/><td a=/>x</td></TR></TABLE>",
	"<!-- c --><!DOCTYPE html><?xml x?><style>td {x:1}</style><script>a<b</script><title>&lt;</title>text",
	"a < b <1 <> </> </ x> <!----> <!--->--!> <a b c=d e = 'f' g=\"h&amp;\">\r\n\r text\r",
	"<td x:num=\"1\r\n2\">\r\n</td><p a=/></p><p a/ b></p>=<a =b>",
	"<textarea><td></textarea><xmp></xmp><plaintext><td>",
	"<tr><td", "<tr><td x=\"", "</", "<", "<!--", "text",
}

// The fast tokenizer gives the tokens the reference gives, whatever the
// input, the size of the reads and the limit on a token.
func FuzzHTMLTokenizer(f *testing.F) {
	for _, s := range htmlSeeds {
		f.Add([]byte(s), uint8(0), uint16(0))
		f.Add([]byte(s), uint8(3), uint16(20))
	}
	for _, name := range []string{"../../data/samples/webfocus/personalomsattning_exl2k.xls", "../../connectors/webfocus/testdata/sjukfranvaro_kon_exl2k.xls"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b, uint8(0), uint16(0))
			f.Add(b, uint8(7), uint16(64))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8, maxBuf uint16) {
		n := int(chunk)
		if n == 0 {
			n = len(data) + 1
		}
		ref := html.NewTokenizer(&chunkReader{b: bytes.Clone(data), n: n})
		if maxBuf > 0 {
			ref.SetMaxBuf(int(maxBuf))
		}
		fast := newFastTokenizer(&chunkReader{b: bytes.Clone(data), n: n}, int(maxBuf))
		want, got := tokenLog(ref), tokenLog(fast)
		if got != want {
			t.Fatalf("tokens differ\nfast:\n%s\nreference:\n%s", got, want)
		}
	})
}

func TestFastTokenizerMatchesTheReference(t *testing.T) {
	t.Parallel()
	long := "<table><tr><td>" + string(bytes.Repeat([]byte("x"), 3*fastTokenLimit)) + "</td></tr></table>"
	for i, s := range append(htmlSeeds, long) {
		for _, maxBuf := range []int{0, 16, 1 << 20} {
			ref := html.NewTokenizer(bytes.NewReader([]byte(s)))
			ref.SetMaxBuf(maxBuf)
			want, got := tokenLog(ref), tokenLog(newFastTokenizer(bytes.NewReader([]byte(s)), maxBuf))
			if got != want {
				t.Errorf("seed %d, max %d: tokens differ\nfast:\n%s\nreference:\n%s", i, maxBuf, got, want)
			}
		}
	}
}

var scanSeeds = []string{
	"<table>\n <tr height=17><td class=x31 x:num=\"0.5\" x:num='0.25'>25%</td><td colspan=2 rowspan=\"2\">a</td>" +
		"<td x:num=1/>1</td><td a =b>x</td><td A=b x:num=2>2</td><td x:err=\"#N/A\" x:num=\"1\">1</td><td x:num = 3>3</td></tr>\n" +
		" <tr><td x:num=\"1&amp;\">1</td><td>a&amp;b</td><td>a\r\nb</td><td>a<1 b</td><th>h</th><td x:num=\"0.1\r\">10%</td>" +
		"<td/><td x:num=\"7\"/><td colspan=3 x:num=\" 4 \">4</td></TR><tr><TD>x</TD><td>y</td ><td>z</td\n>" +
		"<td x:num=2 >2</td><td style=\"a:'b'\" x:num=1>1<br>2</td><td rowspan=0 colspan=-1>q</td></tr><tr/><td>implied</td>" +
		"<tr><td>  a  b </td><td>a\u00a0b</td><td>#DIV/0!</td><td x:num=\"45300\">2024-01-08</td><td x:num=\"0.072\">7,2 %</td>" +
		"<td><table><tr><td>inner</td></tr></table></td><td x:num=\"5\">6</td><tr ><td\tx:num=\"1\"\n>1</td></tr></table>",
	"<table><tr><td x:num=\"1\">1</td><td x:num=\"1\">1</td><td x:num=\"1\">1,0</td><td x:num=\"1\">1</td></tr></table>",
	"<table><tr><td>abc</td></tr><tr><td>" + strings.Repeat("x", 70) + "</td></tr><tr><td x:num=\"" + strings.Repeat("1", 50) + "\">1</td></tr></table>",
	"<table><tr><td>a</td></tr><tr><td x:num=\"" + strings.Repeat("1", 50) + "\">1</td></tr><tr><td>b</td></tr></table>",
	"<table><tr><td X:NUM=\"3\">2</td><td x:num=\"1\r2\">1</td><td x:Num='4'>4</td></tr></table>",
	"<table><tr><td>cut", "<table><tr><td x:num=\"1", "<table><tr><td>a</td", "<table><tr><td>a</t",
	// Cells repeated bytes for bytes (htmlReader.seen): spans, problems,
	// a '<' or '>' in a start tag, a cell not closed where it seems to be.
	"<table>" + strings.Repeat("<tr><td colspan=2 rowspan=2 x:num=\"1\">1</td><td x:num=\"0.5\">7</td><th x:err=\"#N/A\">1</th>"+
		"<td a=\"<\">x</td><td a=\">\">y</td><td a=\"</td>\">z</td><td>a</td><td>a</td ></tr>", 3) + "</table>",
	"<table><tr><td x:num=\"2\">2</td><td x:num=\"2\">2</td><td>b</td><td>b</td><td>b<b>c</td></tr><tr><td>b</td>" +
		"<td x:num=\"2\">2</td></tr><tr><td colspan=3>t</td><td colspan=3>t</td></tr><td>b</td></table>",
}

// htmlRows reads every row of an HTML table with the tokenizer made by tok,
// and the error that ends the reading.
func htmlRows(t *testing.T, data []byte, lim Limits, tok func(io.Reader, int) htmlTokens) string {
	ctx := t.Context()
	in := bytes.NewReader(data)
	txt, err := openText(ctx, in, "", lim)
	if err != nil {
		return "open: " + err.Error()
	}
	r := newHTMLReader(ctx, txt, lim, tok(txt.reader(), lim.MaxRowBytes))
	var b bytes.Buffer
	for {
		row, err := r.Next()
		if err != nil {
			fmt.Fprintf(&b, "error %v", err)
			return b.String()
		}
		fmt.Fprintf(&b, "%d %q %q %v\n", row.Line, row.Cells, row.Merged, row.Problems)
	}
}

// The HTML reader reads the rows, problems and errors with the fast
// tokenizer (and its remembered cell values) that it reads with the
// reference tokenizer.
func FuzzHTMLReader(f *testing.F) {
	for _, s := range htmlSeeds {
		f.Add([]byte(s), uint16(0))
	}
	f.Add([]byte("<table><tr><td x:num=\"0.072\">7,2%</td><td x:num=\"0.072\">7,2%</td><td x:num=\"0.5\">7,2%</td>"+
		"<td x:num=\"45300\">2024-01-08</td><td x:num=\"x\">1</td><td x:num=\"1\">#N/A</td><td x:err=\"#DIV/0!\">1</td></tr></table>"), uint16(0))
	// What htmlReader.scan reads itself, and what it must leave to step.
	for _, s := range scanSeeds {
		f.Add([]byte(s), uint16(0))
		f.Add([]byte(s), uint16(60))
	}
	for _, name := range []string{"../../data/samples/webfocus/personalomsattning_exl2k.xls", "../../connectors/webfocus/testdata/sjukfranvaro_kon_exl2k.xls"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b, uint16(0))
			f.Add(b, uint16(100))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, maxRow uint16) {
		lim := Limits{MaxRowBytes: int(maxRow), MaxRows: 1000}.WithDefaults()
		want := htmlRows(t, data, lim, func(r io.Reader, maxBuf int) htmlTokens {
			z := html.NewTokenizer(r)
			z.SetMaxBuf(maxBuf)
			return z
		})
		got := htmlRows(t, data, lim, func(r io.Reader, maxBuf int) htmlTokens { return newFastTokenizer(r, maxBuf) })
		if got != want {
			t.Fatalf("rows differ\nfast:\n%s\nreference:\n%s", got, want)
		}
	})
}

// The tokenizers on an EXL2K export: the fast one is there for this
// difference (htmltok.go). encoding/csv reads the same bytes as the bench's
// yardstick does (docs/PERFORMANCE.md): tokenizing alone, with nothing done
// with the tokens, already takes a multiple of its time.
func BenchmarkHTMLTokenizer(b *testing.B) {
	var exl2k bytes.Buffer
	if _, err := samplegen.WriteWebFOCUSEXL2K(&exl2k, 5_000_000); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		tok  func(io.Reader) htmlTokens
	}{
		{"reference", func(r io.Reader) htmlTokens { return html.NewTokenizer(r) }},
		{"fast", func(r io.Reader) htmlTokens { return newFastTokenizer(r, 0) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(exl2k.Len()))
			for b.Loop() {
				z := tc.tok(bytes.NewReader(exl2k.Bytes()))
				for z.Next() != html.ErrorToken {
					z.TagName()
					for more := true; more; {
						_, _, more = z.TagAttr()
					}
					z.Text()
				}
			}
		})
	}
	b.Run("encoding-csv", func(b *testing.B) {
		b.SetBytes(int64(exl2k.Len()))
		for b.Loop() {
			r := csv.NewReader(bytes.NewReader(exl2k.Bytes()))
			r.FieldsPerRecord, r.LazyQuotes, r.ReuseRecord = -1, true, true
			for {
				if _, err := r.Read(); errors.Is(err, io.EOF) {
					break
				}
			}
		}
	})
}

// The HTML reader on an EXL2K export, rows and cell values made (the
// tokenizer's figures above are its floor without scan).
func BenchmarkHTMLReader(b *testing.B) {
	var exl2k bytes.Buffer
	if _, err := samplegen.WriteWebFOCUSEXL2K(&exl2k, 5_000_000); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(exl2k.Len()))
	for b.Loop() {
		r, err := Open(b.Context(), bytes.NewReader(exl2k.Bytes()), Options{})
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := r.Next(); err != nil {
				if !errors.Is(err, io.EOF) {
					b.Fatal(err)
				}
				break
			}
		}
		_ = r.Close()
	}
}
