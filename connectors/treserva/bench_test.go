package treserva

import (
	"testing"

	"github.com/nyckeltal/nyckeltal/internal/testkit/samplegen"
)

func BenchmarkParse(b *testing.B) {
	data, err := samplegen.TreservaExtract(2_000_000)
	if err != nil {
		b.Fatal(err)
	}
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
