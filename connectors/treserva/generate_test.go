package treserva

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/testkit/repo"

	"golang.org/x/text/encoding/charmap"

	"github.com/nyckeltal/nyckeltal/internal/personnummer"
)

var generate = flag.Bool("generate", false, "regenerate the synthetic Treserva sample in data/samples/treserva")

var samplePath = repo.Path("data", "samples", "treserva", "beslut_sabo_lss.csv")

// TestGenerateSample writes the synthetic extract with -generate. Every
// personnummer in it is made up (random dates and serials with a correct
// check digit) and every name is fictional.
func TestGenerateSample(t *testing.T) {
	if !*generate {
		t.Skip("run with -generate to rewrite the sample")
	}
	text := syntheticExtract(rand.New(rand.NewPCG(2024, 9)), 48)
	b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(samplePath, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// synthNumber makes a valid personnummer (or samordningsnummer) for a birth
// date, in one of the written forms.
func synthNumber(birth time.Time, serial int, form int, coordination bool) string {
	day := birth.Day()
	if coordination {
		day += 60
	}
	nine := fmt.Sprintf("%02d%02d%02d%03d", birth.Year()%100, int(birth.Month()), day, serial)
	c, err := personnummer.CheckDigit(nine)
	if err != nil {
		panic(err)
	}
	full := fmt.Sprintf("%d%s%c", birth.Year()/100, nine, c)
	switch form {
	case 0:
		return full[:8] + "-" + full[8:]
	case 1:
		return full
	case 2:
		return full[2:8] + "-" + full[8:]
	case 3:
		return full[2:8] + "+" + full[8:] // 100 years or more
	}
	return full[2:]
}

func syntheticExtract(r *rand.Rand, people int) string {
	var b bytes.Buffer
	b.WriteString("Personnummer;Kön;Insats;Lagrum;Ansökningsdatum;Beslutsdatum;Beslut;Erbjudet inflyttningsdatum;" +
		"Verkställighetsdatum;Avslutsdatum;Utförare;Regi;Enhet\r\n")
	asOf := time.Date(2024, 9, 10, 0, 0, 0, 0, time.UTC)
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	opt := func(t *time.Time) string {
		if t == nil || t.After(asOf) {
			return ""
		}
		return day(*t)
	}
	sabo := []string{"Särskilt boende Eken", "Särskilt boende Linden", "Demensboende Almen"}
	bss := []string{"Gruppbostad Björken", "Servicebostad Lönnen"}
	for i := 0; i < people; i++ {
		lss := i%4 == 3
		var birth time.Time
		if lss {
			birth = time.Date(1965+r.IntN(35), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
		} else {
			birth = time.Date(1926+r.IntN(30), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
		}
		form := i % 5
		if form == 3 { // "+" only for the over-100s
			form = 2
		}
		coordination := i == 7
		if i == 10 {
			birth, form = time.Date(1921, 3, 14, 0, 0, 0, 0, time.UTC), 3
		}
		if i == 12 { // too young for särskilt boende för äldre
			birth = time.Date(1968, 5, 2, 0, 0, 0, 0, time.UTC)
		}
		serial := r.IntN(1000)
		gender := "K"
		if serial%2 == 1 { // the third digit of the birth number: odd for men

			gender = "M"
		}
		pnr := synthNumber(birth, serial, form, coordination)
		applied := time.Date(2022, 11, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(640))
		decided := applied.AddDate(0, 0, 7+r.IntN(35))
		if decided.After(asOf) {
			decided = asOf.AddDate(0, 0, -3)
		}
		granted := r.IntN(8) != 0
		insats, lagrum, enhet := "Särskilt boende", "SoL 4 kap. 1 §", sabo[r.IntN(len(sabo))]
		if lss {
			insats, lagrum, enhet = "Bostad med särskild service för vuxna", "LSS 9 § 9", bss[r.IntN(len(bss))]
		}
		regi, utforare := "Egen regi", "Vård- och omsorgskontoret"
		if r.IntN(3) == 0 {
			regi, utforare = "Privat", []string{"Omsorgsbolaget AB", "Trygga Hem AB"}[r.IntN(2)]
		}
		var offered, executed, ended *time.Time
		if granted {
			wait := 20 + r.IntN(190)
			o := decided.AddDate(0, 0, wait)
			if o.Before(asOf.AddDate(0, 0, 30)) {
				offered = &o
				e := o.AddDate(0, 0, r.IntN(10))
				executed = &e
			}
			if r.IntN(12) == 0 {
				en := decided.AddDate(0, 0, 30+r.IntN(60))
				ended, offered, executed = &en, nil, nil
			}
		}
		beslut := "Avslag"
		if granted {
			beslut = "Bifall"
		}
		offeredText := ""
		if offered != nil {
			offeredText = day(*offered) // an offered date may lie after the extract date
		}
		if !granted {
			regi, utforare, enhet = "", "", ""
		}
		fmt.Fprintf(&b, "%s;%s;%s;%s;%s;%s;%s;%s;%s;%s;%s;%s;%s\r\n", pnr, gender, insats, lagrum, day(applied), day(decided),
			beslut, offeredText, opt(executed), opt(ended), utforare, regi, enhet)
		if i%9 == 4 { // the same person also has hemtjänst, which is not used
			fmt.Fprintf(&b, "%s;%s;Hemtjänst;SoL 4 kap. 1 §;%s;%s;Bifall;;%s;;Vård- och omsorgskontoret;Egen regi;Hemtjänst Norr\r\n",
				pnr, gender, day(applied), day(decided), day(decided.AddDate(0, 0, 3)))
		}
		if i == 20 && offered != nil { // a second row for the same decision: a later, second offer
			later := offered.AddDate(0, 0, 21)
			fmt.Fprintf(&b, "%s;%s;%s;%s;%s;%s;%s;%s;%s;;%s;%s;%s\r\n", pnr, gender, insats, lagrum, day(applied), day(decided),
				beslut, day(later), opt(executed), utforare, regi, enhet)
		}
	}
	return strings.ReplaceAll(b.String(), "\n\n", "\n")
}
