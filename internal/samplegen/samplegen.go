// Package samplegen writes large synthetic local extracts for benchmarks:
// a WebFOCUS COMT report and a Treserva extract with made-up, valid
// personnummer. The small, hand-made samples in data/samples are for people
// and tests; these are for measuring.
package samplegen

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/personnummer"
)

// WebFOCUSReport is a COMT sick-leave report of at least size bytes: many
// enheter by kön and quarter, as the uppdragsplan's HR figures come.
func WebFOCUSReport(size int) []byte {
	var b bytes.Buffer
	rng := rand.New(rand.NewPCG(1, 2))
	b.WriteString(`"Enhet","Kön","Från","Till","Sjukfrånvaro totalt","varav <15 dagar","varav 15-60 dagar","varav >60 dagar"` + "\r\n")
	for i := 0; b.Len() < size; i++ {
		for _, kon := range []string{"Kvinnor", "Män", "Totalt"} {
			for q := 0; q < 4; q++ {
				from := time.Date(2024, time.Month(3*q+1), 1, 0, 0, 0, 0, time.UTC)
				to := from.AddDate(0, 3, -1)
				fmt.Fprintf(&b, "\"Enhet %06d\",\"%s\",%s,%s,%.1f,%.1f,%.1f,%.1f\r\n", i, kon,
					from.Format("20060102"), to.Format("20060102"), 4+rng.Float64()*8, 1+rng.Float64()*3, rng.Float64()*3, rng.Float64()*4)
			}
		}
	}
	return b.Bytes()
}

// TreservaExtract is an extract of at least size bytes: granted decisions on
// särskilt boende in 2023–2025, one person each, with valid personnummer of
// people born 1925–1944.
func TreservaExtract(size int) ([]byte, error) {
	var b bytes.Buffer
	rng := rand.New(rand.NewPCG(1, 2))
	b.WriteString("Personnummer;Kön;Insats;Lagrum;Ansökningsdatum;Beslutsdatum;Beslut;Erbjudet inflyttningsdatum;Verkställighetsdatum;Avslutsdatum;Utförare;Regi;Enhet\r\n")
	for i := 0; b.Len() < size; i++ {
		birth := time.Date(1925+rng.IntN(20), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
		nine := birth.Format("060102") + fmt.Sprintf("%03d", rng.IntN(1000))
		check, err := personnummer.CheckDigit(nine)
		if err != nil {
			return nil, err
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
	return b.Bytes(), nil
}
