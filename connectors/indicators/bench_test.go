package indicators

import (
	"bytes"
	"testing"

	"github.com/nyckeltal/nyckeltal/internal/testkit/samplegen"
)

func BenchmarkParseLong(b *testing.B) {
	var buf bytes.Buffer
	if _, err := samplegen.WriteIndicatorFile(&buf, 2_000_000); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	p := newParser(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		parsed, err := p.Parse(b.Context(), "bench.csv", data)
		if err != nil || len(parsed.Problems) > 0 || parsed.Observations() == 0 {
			b.Fatalf("%v %v", err, parsed.Problems[:min(len(parsed.Problems), 2)])
		}
	}
}
