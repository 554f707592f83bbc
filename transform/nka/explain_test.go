package nka

import (
	"regexp"
	"strings"
	"testing"
)

// spaces joins the explanation's wrapped lines (a non-breaking space is kept).
var spaces = regexp.MustCompile(`[ \n]+`)

// TestExplainHandComputed: the explanation writes out the figures the
// sparbeting used, each step redone by hand from sparWorld (2022:
// äldreomsorg 6 % and 12,3 mnkr, peers Beta 2, Gamma 3, Delta 7; IFO 12 %
// and 6 mnkr, peers 4 and 6) and from Hässleholm's IFO near 0.
func TestExplainHandComputed(t *testing.T) {
	e, _ := engineFor(t, sparWorld())
	tests := []struct {
		name string
		req  SparbetingRequest
		area string
		have []string
	}{
		{"mean", SparbetingRequest{BaseYear: 2022}, "aldreomsorg", []string{
			"Så beräknas sparbetinget för äldreomsorg, Alfa (1001), utfall 2022",
			"gruppen G1 \"Liknande kommuner äldreomsorg, Alfa, 2022\" i Kolada, gruppen från 2022 (samma år)",
			"Den har 3 medlemmar utom Alfa själv; 3 har ett värde för 2022.",
			"    Beta: 2,0000 %", "    Delta: 7,0000 %",
			"Summa 12,0000; medelvärde (ovägt, som Kolada räknar gruppvärden) 12,0000 / 3 = 4,0000 %.", // 2 + 3 + 7
			"Alfas nettokostnadsavvikelse för äldreomsorg 2022 är 6,0000 %",
			"Avvikelse mot jämförelsen: 6,0000 − 4,0000 = 2,0000 procentenheter.",
			"12,300000 / (6,0000 / 100) = 205,00 mnkr", // 12.3 / 0.06
			"2,0000 / 100 × 205,00 = 4,1000 mnkr = 4\u00a0100,0 tkr",
			"inget värde för invånare (N01951) 2022",
			"äldreomsorg 4\u00a0100,0 tkr + individ- och familjeomsorg 3\u00a0500,0 tkr = 7\u00a0600 tkr", // IFO (12 − 5) % × 50 mnkr
			"Glidbanan (jämnt fördelad): 2024: 2\u00a0534 tkr, 2025: 2\u00a0533 tkr, 2026: 2\u00a0533 tkr.",
		}},
		{"median", SparbetingRequest{BaseYear: 2022, Target: "median"}, "aldreomsorg", []string{
			"I storleksordning: 2,0000; 3,0000; 7,0000. Medianen är det mittersta värdet: 3,0000 %.",
			"6,0000 − 3,0000 = 3,0000 procentenheter", // × 205 = 6,15 mnkr
			"= 6,1500 mnkr",
		}},
		{"p25 of IFO", SparbetingRequest{BaseYear: 2022, Target: "p25"}, "ifo", []string{
			// sorted 4, 6: h = (2 − 1) × 0,25 = 0,25 → 4 + 0,25 × (6 − 4) = 4,5
			"h = (antal − 1) × 0,25 = (2 − 1) × 0,25 = 0,25; värdet = x1 + 0,25 × (x2 − x1) = 4,0000 + 0,25 × (6,0000 − 4,0000) = 4,5000 %.",
			"12,0000 − 4,5000 = 7,5000 procentenheter",
		}},
		{"share", SparbetingRequest{BaseYear: 2022, Target: "share:0.5"}, "ifo", []string{
			// 12 − 0,5 × (12 − 5) = 8,5
			"jämförelsevärdet = kommunens NKA − 0,5 × (kommunens NKA − 5,0000) = 12,0000 − 0,5 × (12,0000 − 5,0000) = 8,5000 %.",
		}},
		{"riket", SparbetingRequest{BaseYear: 2022, Comparator: "riket"}, "aldreomsorg", []string{
			"Som jämförelse används riket, vars nettokostnadsavvikelse är 0 per definition.",
			"6,0000 − 0,0000 = 6,0000 procentenheter",
		}},
		{"below", SparbetingRequest{BaseYear: 2024}, "aldreomsorg", []string{
			// 3 − 4 = −1: counts 0
			"äldreomsorg ligger inte över jämförelsen, så området räknas som 0 tkr",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Profile = Profile{Name: "even"}
			s := sparbeting(t, e, tt.req)
			text, err := e.Explain(t.Context(), s, tt.area)
			if err != nil {
				t.Fatal(err)
			}
			flat := spaces.ReplaceAllString(text, " ")
			for _, h := range tt.have {
				if !strings.Contains(flat, h) && !strings.Contains(text, h) {
					t.Errorf("the explanation lacks %q:\n%s", h, text)
				}
			}
		})
	}
	if _, err := e.Explain(t.Context(), sparbeting(t, e, SparbetingRequest{BaseYear: 2022}), "lss"); err == nil {
		t.Error("an area outside the sparbeting explained")
	}
}

// TestExplainNetCostEstimate: near NKA 0 the explanation shows the second
// derivation (Hässleholm IFO 2022: 4 755 kr/inv × 52 900 / 10⁶ = 251,5395
// mnkr; − 0,114656 = 251,42 mnkr) and the kr per invånare
// (2,628898 mnkr × 10⁶ / 52 900 = 49,7 kr).
func TestExplainNetCostEstimate(t *testing.T) {
	w := world{
		municipalities: [][2]string{{"1293", "Hässleholm"}, {"1002", "Beta"}, {"1003", "Gamma"}, {"1004", "Delta"}},
		groups:         []groupDef{{"G50", "Liknande kommuner IFO, Hässleholm, 2022", []string{"1002", "1003", "1004"}}},
		values: []val{
			{"N30001", "1293", 2022, f(0.0456), false}, {"N30026", "1293", 2022, f(0.114656), false},
			{"N30005", "1293", 2022, f(4755), false}, {"N01951", "1293", 2022, f(52900), false},
			{"N30001", "1002", 2022, f(-2.5), false}, {"N30001", "1003", 2022, f(1.5), false}, {"N30001", "1004", 2022, f(-2.0), false},
		},
	}
	e, _ := engineFor(t, w)
	s := sparbeting(t, e, SparbetingRequest{Municipality: "1293", Areas: []string{"ifo"}, BaseYear: 2022, Profile: Profile{Name: "even"}})
	text, err := e.Explain(t.Context(), s, "ifo")
	if err != nil {
		t.Fatal(err)
	}
	flat := spaces.ReplaceAllString(text, " ")
	for _, h := range []string{"Hässleholms nettokostnadsavvikelse",
		"NKA 0,0456 % ligger för nära 0 (under 0,5 %)",
		"(N30005 × N01951 / 10⁶ = 251,540 mnkr) minus NKA mnkr (0,114656) = 251,42 mnkr (uppskattad)",
		"0,0456 − (−1,0000) = 1,0456 procentenheter", // peers −2,5, 1,5, −2,0: mean −1
		"2\u00a0628\u00a0898 kr / 52\u00a0900 invånare", "= 50 kr per invånare"} {
		if !strings.Contains(flat, h) {
			t.Errorf("the explanation lacks %q:\n%s", h, text)
		}
	}
}
