package webfocus

import (
	"testing"

	"github.com/nyckeltal/nyckeltal/internal/samplegen"
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
