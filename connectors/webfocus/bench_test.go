package webfocus

import (
	"bytes"
	"testing"

	"github.com/nyckeltal/nyckeltal/internal/testkit/samplegen"
)

func BenchmarkParseCOMT(b *testing.B) {
	data := samplegen.WebFOCUSReport(2_000_000)
	p, err := New(options(nil))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		parsed, err := p.Parse(b.Context(), "bench.csv", data)
		if err != nil || len(parsed.Problems) > 0 || parsed.Observations() == 0 {
			b.Fatalf("%v %v", err, parsed.Problems[:min(len(parsed.Problems), 2)])
		}
	}
}

func BenchmarkParseEXL2K(b *testing.B) {
	var buf bytes.Buffer
	if _, err := samplegen.WriteWebFOCUSEXL2K(&buf, 2_000_000); err != nil {
		b.Fatal(err)
	}
	benchParse(b, "bench.xls", buf.Bytes(), int64(buf.Len()))
}

func BenchmarkParseXLSX(b *testing.B) {
	comt := samplegen.WebFOCUSReport(2_000_000)
	var buf bytes.Buffer
	if _, err := samplegen.WriteWebFOCUSXLSX(&buf, bytes.Count(comt, []byte("\n"))-1); err != nil {
		b.Fatal(err)
	}
	// MB/s of the same table as COMT.
	benchParse(b, "bench.xlsx", buf.Bytes(), int64(len(comt)))
}

func benchParse(b *testing.B, name string, data []byte, size int64) {
	p, err := New(options(nil))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	for b.Loop() {
		parsed, err := p.Parse(b.Context(), name, data)
		if err != nil || len(parsed.Problems) > 0 || parsed.Observations() == 0 {
			b.Fatalf("%v %v", err, parsed.Problems[:min(len(parsed.Problems), 2)])
		}
	}
}
