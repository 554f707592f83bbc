package koladafake

import (
	"encoding/json"
	"fmt"
	"time"
)

// Generator computes values on demand instead of holding them, so that a
// fake at Kolada scale (tens of millions of values) needs little memory.
// Every (KPI, unit, year) has a value for each of Genders; values are a
// deterministic hash of their position.
type Generator struct {
	KPIs    []string // in answer order
	Units   []string
	Years   []int
	Genders []string
	Seed    uint64
	// Changed is when every value last changed; from_date after it answers nothing.
	Changed time.Time
}

// Values is how many values the generator serves.
func (g *Generator) Values() int64 {
	return int64(len(g.KPIs)) * int64(len(g.Units)) * int64(len(g.Years)) * int64(len(g.Genders))
}

// Value is the value at the given positions.
func (g *Generator) Value(kpi, unit, year, gender int) float64 {
	h := splitmix64(g.Seed ^ uint64(kpi)<<40 ^ uint64(unit)<<20 ^ uint64(year)<<4 ^ uint64(gender))
	return float64(h%1_000_000) / 10_000
}

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func (g *Generator) rows(ou bool, kpis, units, years []string, from time.Time) rowList {
	if ou || (!from.IsZero() && g.Changed.Before(from)) {
		return genRows{}
	}
	yearIDs := make([]string, len(g.Years))
	for i, y := range g.Years {
		yearIDs[i] = fmt.Sprint(y)
	}
	return genRows{g: g, kpis: positions(g.KPIs, kpis), units: positions(g.Units, units), years: positions(yearIDs, years)}
}

// positions are the indexes in all of the wanted ids (every one when none
// is wanted), in the order of all.
func positions(all, wanted []string) []int {
	want := map[string]bool{}
	for _, w := range wanted {
		want[w] = true
	}
	var out []int
	for i, a := range all {
		if len(wanted) == 0 || want[a] {
			out = append(out, i)
		}
	}
	return out
}

// genRows enumerates KPI × unit × year arithmetically.
type genRows struct {
	g                  *Generator
	kpis, units, years []int
}

func (r genRows) Len() int { return len(r.kpis) * len(r.units) * len(r.years) }

func (r genRows) AppendRow(b []byte, i int) []byte {
	ny, nu := len(r.years), len(r.units)
	k, u, y := r.kpis[i/(nu*ny)], r.units[(i/ny)%nu], r.years[i%ny]
	b = appendRowHead(b, r.g.KPIs[k], r.g.Units[u], false, r.g.Years[y])
	for gi, gender := range r.g.Genders {
		if gi > 0 {
			b = append(b, ',')
		}
		v := r.g.Value(k, u, y, gi)
		b = appendValue(b, gender, 1, "", &v, false)
	}
	return append(b, "]}"...)
}

// ScaleParams shape a generated data set at Kolada scale.
type ScaleParams struct {
	Municipalities int // 290 is every Swedish municipality
	KPIs           int
	Years          []int
	Seed           uint64
	Now            time.Time
}

// Scale builds a generated data set: fictional municipalities, KPIs X00001…
// divided by gender, every value present. It holds only the metadata.
func Scale(p ScaleParams) *Dataset {
	if p.Now.IsZero() {
		p.Now = time.Now()
	}
	d := NewDataset()
	g := &Generator{Years: p.Years, Genders: []string{"T", "K", "M"}, Seed: p.Seed, Changed: p.Now.AddDate(0, 0, -30)}
	last := p.Years[len(p.Years)-1]
	for i := 0; i < p.KPIs; i++ {
		id := fmt.Sprintf("X%05d", i+1)
		rec, _ := json.Marshal(map[string]any{
			"id": id, "title": fmt.Sprintf("Syntetiskt nyckeltal %d, andel (%%)", i+1), "operating_area": "Syntetiskt",
			"municipality_type": "K", "is_divided_by_gender": true, "has_ou_data": false, "auspice": "X",
			"publication_date": p.Now.AddDate(0, 0, -10).Format(time.DateOnly), "publ_period": fmt.Sprint(last),
		})
		_ = d.AddKPI(rec)
		g.KPIs = append(g.KPIs, id)
	}
	d.Municipalities = append(d.Municipalities, Municipality{ID: "0000", Title: "Riket", Type: "L"})
	for i := 0; i < p.Municipalities; i++ {
		d.Municipalities = append(d.Municipalities, Municipality{ID: FictionalID(i), Title: FictionalName(i), Type: "K"})
		g.Units = append(g.Units, FictionalID(i))
	}
	d.Generator = g
	return d
}
