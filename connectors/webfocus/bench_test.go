package webfocus

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

// comtReport is a COMT sick-leave report of about size bytes, many enheter
// by kön and quarter: the shape of the uppdragsplan's HR figures.
func comtReport(size int) []byte {
	var b bytes.Buffer
	b.WriteString(`"Enhet","Kön","Från","Till","Sjukfrånvaro totalt","varav <15 dagar","varav 15-60 dagar","varav >60 dagar"` + "\r\n")
	for i := 0; b.Len() < size; i++ {
		for _, kon := range []string{"Kvinnor", "Män", "Totalt"} {
			for q := 0; q < 4; q++ {
				from := time.Date(2024, time.Month(3*q+1), 1, 0, 0, 0, 0, time.UTC)
				to := from.AddDate(0, 3, -1)
				fmt.Fprintf(&b, "\"Enhet %06d\",\"%s\",%s,%s,%d.%d,3.%d,1.%d,2.%d\r\n", i, kon,
					from.Format("20060102"), to.Format("20060102"), 4+i%8, q, i%10, q, i%7)
			}
		}
	}
	return b.Bytes()
}

func BenchmarkParseCOMT(b *testing.B) {
	data := comtReport(2_000_000)
	p, err := New(options(nil))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		parsed, err := p.Parse(b.Context(), "bench.csv", data)
		if err != nil || len(parsed.Problems) > 0 || len(parsed.Observations) == 0 {
			b.Fatalf("%v %v", err, parsed.Problems[:min(len(parsed.Problems), 2)])
		}
	}
}
