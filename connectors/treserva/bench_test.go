package treserva

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/personnummer"
)

// extract is a Treserva extract of about size bytes: granted decisions on
// särskilt boende with made-up, valid personnummer.
func extract(tb testing.TB, size int) []byte {
	var b bytes.Buffer
	rng := rand.New(rand.NewPCG(1, 2))
	b.WriteString("Personnummer;Kön;Insats;Lagrum;Ansökningsdatum;Beslutsdatum;Beslut;Erbjudet inflyttningsdatum;Verkställighetsdatum;Avslutsdatum;Utförare;Regi;Enhet\r\n")
	for i := 0; b.Len() < size; i++ {
		birth := time.Date(1925+rng.IntN(20), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
		nine := birth.Format("060102") + fmt.Sprintf("%03d", rng.IntN(1000))
		check, err := personnummer.CheckDigit(nine)
		if err != nil {
			tb.Fatal(err)
		}
		kon := "K"
		if (nine[8]-'0')%2 == 1 {
			kon = "M"
		}
		applied := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(600))
		decided := applied.AddDate(0, 0, 5+rng.IntN(40))
		offered := decided.AddDate(0, 0, 10+rng.IntN(150))
		fmt.Fprintf(&b, "%s%s-%s%c;%s;Särskilt boende;SoL 4 kap. 1 §;%s;%s;Bifall;%s;%s;;Vård- och omsorgskontoret;Egen regi;Särskilt boende %d\r\n",
			birth.Format("2006")[:2], nine[:6], nine[6:], check, kon, applied.Format(time.DateOnly),
			decided.Format(time.DateOnly), offered.Format(time.DateOnly), offered.AddDate(0, 0, 3).Format(time.DateOnly), i%40)
	}
	return b.Bytes()
}

func BenchmarkParse(b *testing.B) {
	data := extract(b, 2_000_000)
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
