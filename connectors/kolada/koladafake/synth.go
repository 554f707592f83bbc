package koladafake

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"time"
)

// Area is a verksamhet with its nettokostnadsavvikelse KPIs and the word its
// "Liknande kommuner" groups use.
type Area struct {
	Slug      string
	PctKPI    string
	MnkrKPI   string // empty: no mnkr figure
	GroupWord string // "äldreomsorg" → "Liknande kommuner äldreomsorg, X, 2024"
	Title     string
	RefPerCap float64 // reference cost, kr per inhabitant, for plausible mnkr
	Spread    float64 // standard deviation of NKA %, between municipalities
	OperArea  string
}

// Areas are the eight NKA areas with their Kolada KPI ids.
var Areas = []Area{
	{"aldreomsorg", "N20900", "N20029", "äldreomsorg", "äldreomsorg", 22000, 8, "Äldreomsorg"},
	{"ifo", "N30001", "N30026", "IFO", "individ- och familjeomsorg", 5200, 14, "Individ- och familjeomsorg"},
	{"lss", "N28018", "N28021", "LSS", "LSS", 7800, 12, "Funktionsnedsättning"},
	{"forskola", "N11024", "N11038", "förskola", "förskola inkl. öppen förskola", 9500, 7, "Förskoleverksamhet"},
	{"fritidshem", "N13020", "N13032", "fritidshem", "fritidshem inkl. öppen fritidsverksamhet", 1900, 12, "Förskoleverksamhet"},
	{"grundskola", "N15001", "N15045", "grundskola", "grundskola F-9", 14500, 6, "Grundskola"},
	{"gymnasieskola", "N17001", "N17030", "gymnasieskola", "gymnasieskola", 5600, 9, "Gymnasieskola"},
	{"overgripande", "N00097", "", "övergripande", "totalt (exkl. LSS)", 0, 4, "Kommunen, övergripande"},
}

// NetCostKPIs are the areas' net cost per invånare (kr/inv), from which with
// invånare (N01951) the reference cost follows where NKA % is near 0.
var NetCostKPIs = map[string]string{"aldreomsorg": "N20014", "ifo": "N30005", "lss": "N28016", "forskola": "N11031",
	"fritidshem": "N13027", "grundskola": "N15028", "gymnasieskola": "N17014"}

// SynthParams shape a synthetic, clearly fictional dataset.
type SynthParams struct {
	Municipalities int   // fictional municipalities (ids 9001…)
	Years          []int // e.g. 2016–2025
	// ExtraKPIs adds generic KPIs divided by gender (T/K/M), for volume.
	ExtraKPIs int
	// FocalMunicipalities get a "Liknande kommuner" group per area; -1 means all.
	FocalMunicipalities int
	Seed                int64
	// Now decides which year is preliminary: the last year, until 60 days
	// after Now.
	Now time.Time
	// Quality adds brukarbedömning helhetssyn for särskilt boende and
	// hemtjänst (QualityKPIs), for the report's "kostnad och kvalitet".
	Quality bool
}

// DemoParams is the small data set of `make demo`.
func DemoParams(now time.Time) SynthParams {
	return SynthParams{Municipalities: 24, Years: yearRange(2018, 2025), FocalMunicipalities: 2, Seed: 42, Now: now, Quality: true}
}

func yearRange(from, to int) []int {
	var out []int
	for y := from; y <= to; y++ {
		out = append(out, y)
	}
	return out
}

var (
	demoNames = []string{"Exempelköping", "Påhittstad", "Låtsasby", "Fiktiva", "Modellvik", "Testhamra",
		"Provås", "Demoinge", "Övningsfors", "Skenhult", "Drömsta", "Sagolunda", "Fantasiå", "Mockeby",
		"Simulerås", "Tankeberga"}
	nameStems    = []string{"Påhitt", "Låtsas", "Exempel", "Modell", "Prov", "Demo", "Övnings", "Sken", "Dröm", "Saga", "Fantasi", "Mock", "Test", "Simul", "Tanke", "Papper"}
	nameSuffixes = []string{"köping", "by", "vik", "hamra", "ås", "sta", "inge", "fors", "hult", "torp", "näs", "lunda", "berga", "mo", "dal", "holm", "ryd", "stad", "bo"}
)

// fictionalNames lists the demo names, then every stem × suffix that is
// not already among them.
var fictionalNames = func() []string {
	names := append([]string(nil), demoNames...)
	seen := map[string]bool{}
	for _, n := range names {
		seen[n] = true
	}
	for _, suffix := range nameSuffixes {
		for _, stem := range nameStems {
			if n := stem + suffix; !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	return names
}()

// FictionalName is the name of synthetic municipality i (0-based).
func FictionalName(i int) string {
	name := fictionalNames[i%len(fictionalNames)]
	if round := i / len(fictionalNames); round > 0 {
		name += fmt.Sprintf(" %d", round+1)
	}
	return name
}

// FictionalID is the id of synthetic municipality i: 9001, 9002, …; no real
// municipality has a 9 as its county digits.
func FictionalID(i int) string { return fmt.Sprintf("%04d", 9001+i) }

// Synthetic builds a fictional dataset: NKA in % and mnkr for every area,
// each area's net cost per invånare (consistent with them), invånare, väntetid till särskilt boende, optionally brukarbedömning
// helhetssyn for särskilt boende and hemtjänst (with Riket), "Liknande kommuner" groups for
// the focal municipalities (an older and a newer group for äldreomsorg), and
// optional generic KPIs divided by gender.
func Synthetic(p SynthParams) *Dataset {
	rng := rand.New(rand.NewSource(p.Seed))
	d := NewDataset()
	if p.Now.IsZero() {
		p.Now = time.Date(2026, 8, 16, 0, 0, 0, 0, time.UTC)
	}
	last := p.Years[len(p.Years)-1]
	pub := p.Now.AddDate(0, 0, 60).Format(time.DateOnly)
	prel := p.Now.AddDate(0, -3, 0).Format(time.DateOnly)
	addKPI := func(id, title, area string, byGender bool) {
		rec := map[string]any{
			"id": id, "title": title, "description": "Syntetisk nyckeltal för demo och test; inga verkliga värden.",
			"operating_area": area, "municipality_type": "K", "is_divided_by_gender": byGender, "has_ou_data": false,
			"auspice": "X", "perspective": "", "publication_date": pub, "prel_publication_date": prel,
			"publ_period": fmt.Sprint(last),
		}
		b, _ := json.Marshal(rec)
		_ = d.AddKPI(b)
	}
	for _, a := range Areas {
		addKPI(a.PctKPI, "Nettokostnadsavvikelse "+a.Title+", (%)", a.OperArea, false)
		if a.MnkrKPI != "" {
			addKPI(a.MnkrKPI, "Nettokostnadsavvikelse "+a.Title+", miljoner kronor", a.OperArea, false)
		}
		if k := NetCostKPIs[a.Slug]; k != "" {
			addKPI(k, "Nettokostnad "+a.Title+", kr/inv", a.OperArea, false)
		}
	}
	addKPI("N01951", "Invånare totalt, antal", "Befolkning", true)
	addKPI("U23401", "Väntetid i antal dagar från ansökningsdatum till första erbjudet inflyttningsdatum till särskilt boende, medelvärde", "Äldreomsorg", false)
	for i := 0; i < p.ExtraKPIs; i++ {
		addKPI(fmt.Sprintf("X%05d", i+1), fmt.Sprintf("Syntetiskt nyckeltal %d, andel (%%)", i+1), "Syntetiskt", true)
	}

	d.Municipalities = append(d.Municipalities, Municipality{ID: "0000", Title: "Riket", Type: "L"})
	changed := p.Now.AddDate(0, 0, -30)
	set := func(kpi, unit string, year int, gender string, v float64) {
		v = math.Round(v*10000) / 10000
		d.Values[Key{KPI: kpi, Unit: unit, Year: year, Gender: gender}] = &Value{Value: &v, Count: 1, Changed: changed}
	}
	for i := 0; i < p.Municipalities; i++ {
		id := FictionalID(i)
		d.Municipalities = append(d.Municipalities, Municipality{ID: id, Title: FictionalName(i), Type: "K"})
		pop := math.Round(3000 + rng.ExpFloat64()*25000)
		for _, a := range Areas {
			level := rng.NormFloat64() * a.Spread // the municipality's persistent cost level
			for k, y := range p.Years {
				pct := level + rng.NormFloat64()*a.Spread/4 + float64(k)*0.1
				set(a.PctKPI, id, y, "T", pct)
				if a.MnkrKPI != "" {
					ref := pop * a.RefPerCap * (1 + 0.02*float64(k)) / 1e6
					set(a.MnkrKPI, id, y, "T", pct/100*ref)
					// net cost = reference cost + NKA mnkr, per invånare, whole kronor as Kolada publishes it
					mnkr := math.Round(pct/100*ref*10000) / 10000
					popY := math.Round(pop * (1 + 0.005*float64(k)))
					set(NetCostKPIs[a.Slug], id, y, "T", math.Round((ref+mnkr)*1e6/popY))
				}
			}
		}
		for k, y := range p.Years {
			popY := math.Round(pop * (1 + 0.005*float64(k)))
			set("N01951", id, y, "T", popY)
			set("N01951", id, y, "K", math.Round(popY*0.5))
			set("N01951", id, y, "M", popY-math.Round(popY*0.5))
			if rng.Float64() < 0.9 { // some municipalities lack a waiting time some years
				set("U23401", id, y, "T", math.Round(20+rng.ExpFloat64()*40))
			}
			for x := 0; x < p.ExtraKPIs; x++ {
				base := 40 + rng.Float64()*40
				set(fmt.Sprintf("X%05d", x+1), id, y, "T", base)
				set(fmt.Sprintf("X%05d", x+1), id, y, "K", base+rng.Float64()*5)
				set(fmt.Sprintf("X%05d", x+1), id, y, "M", base-rng.Float64()*5)
			}
		}
	}

	if p.Quality {
		addQuality(d, p, addKPI, set)
	}

	focal := p.FocalMunicipalities
	if focal < 0 || focal > p.Municipalities {
		focal = p.Municipalities
	}
	groupID := 100000
	for f := 0; f < focal; f++ {
		name := FictionalName(f)
		for _, a := range Areas {
			years := []int{last - 1}
			if a.Slug == "aldreomsorg" {
				years = []int{last - 3, last - 1} // RKA re-matched: two generations of the group
			}
			for _, gy := range years {
				groupID++
				title := fmt.Sprintf("Liknande kommuner %s, %s, %d", a.GroupWord, name, gy)
				if a.Slug == "overgripande" {
					title = fmt.Sprintf("Liknande kommuner, övergripande, %s, %d", name, gy)
				}
				g := Group{ID: fmt.Sprintf("G%d", groupID), Title: title}
				for _, m := range rng.Perm(p.Municipalities) {
					if m == f {
						continue // the focal municipality is not its own peer
					}
					g.Members = append(g.Members, Member{ID: FictionalID(m), Title: FictionalName(m)})
					if len(g.Members) == 7 || len(g.Members) == p.Municipalities-1 {
						break
					}
				}
				d.Groups = append(d.Groups, g)
			}
		}
	}
	return d
}

// QualityKPIs are the brukarbedömningar of Socialstyrelsen's survey that the
// report sets against cost ("kostnad och kvalitet"), with their Kolada ids
// and titles: the share of brukare who are, all in all, fairly or very
// satisfied (helhetssyn).
var QualityKPIs = []struct{ ID, Title string }{
	{"U23471", "Brukarbedömning särskilt boende äldreomsorg - helhetssyn, andel (%)"},
	{"U21468", "Brukarbedömning hemtjänst äldreomsorg - helhetssyn, andel (%)"},
}

// addQuality adds fictional brukarbedömning values: whole per cent by kön,
// about one municipality-year in twelve missing (too few answers, as in small
// municipalities), and Riket (0000) as the mean of the rest. It draws from a
// random source of its own, so that every other value of a seed stays as it
// was before these were added.
func addQuality(d *Dataset, p SynthParams, addKPI func(id, title, area string, byGender bool),
	set func(kpi, unit string, year int, gender string, v float64)) {
	rng := rand.New(rand.NewSource(p.Seed + 1))
	for k, q := range QualityKPIs {
		addKPI(q.ID, q.Title, "Äldreomsorg", true)
		base := 84.0 + 3*float64(k) // hemtjänst somewhat above särskilt boende in this fiction
		sums := map[[2]any]float64{}
		counts := map[[2]any]float64{}
		for i := 0; i < p.Municipalities; i++ {
			id := FictionalID(i)
			level := base + rng.NormFloat64()*5
			for _, y := range p.Years {
				t := math.Round(math.Max(40, math.Min(99, level+rng.NormFloat64()*2.5)))
				women := math.Round(math.Max(40, math.Min(100, t+1+rng.NormFloat64()*1.5)))
				men := math.Round(math.Max(40, math.Min(100, t-1+rng.NormFloat64()*1.5)))
				if rng.Float64() < 1.0/12 {
					continue
				}
				for g, v := range map[string]float64{"T": t, "K": women, "M": men} {
					set(q.ID, id, y, g, v)
					sums[[2]any{y, g}] += v
					counts[[2]any{y, g}]++
				}
			}
		}
		for _, y := range p.Years {
			for _, g := range []string{"T", "K", "M"} {
				if n := counts[[2]any{y, g}]; n > 0 {
					set(q.ID, "0000", y, g, math.Round(sums[[2]any{y, g}]/n))
				}
			}
		}
	}
}
