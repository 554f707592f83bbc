package koladafake

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"strings"
	"time"
)

// KPIMeta is what the fake reads of a KPI record to generate its values.
type KPIMeta struct {
	ID                string `json:"id"`
	Title             string `json:"title"`
	MunicipalityType  string `json:"municipality_type"`
	IsDividedByGender bool   `json:"is_divided_by_gender"`
}

// ReadCatalogue reads a KPI catalogue file: a JSON array of /kpi records, as
// Kolada's whole catalogue in ../shared/kolada/kpi_catalogue.json.
func ReadCatalogue(path string) ([]json.RawMessage, error) {
	var recs []json.RawMessage
	if err := readJSON(path, &recs, true); err != nil {
		return nil, err
	}
	return recs, nil
}

// AddCatalogue serves recs as the KPI catalogue: a record whose id the
// dataset already has replaces it (the catalogue's metadata is the real
// one), the others are added.
func (d *Dataset) AddCatalogue(recs []json.RawMessage) error {
	pos := map[string]int{}
	for i, id := range d.kpiIDs {
		pos[id] = i
	}
	for _, raw := range recs {
		var m KPIMeta
		if err := json.Unmarshal(raw, &m); err != nil || m.ID == "" {
			return fmt.Errorf("KPI record without id: %.80s", raw)
		}
		if i, ok := pos[m.ID]; ok {
			d.KPIs[i], d.kpiTitles[i] = raw, m.Title
			continue
		}
		if err := d.AddKPI(raw); err != nil {
			return err
		}
		pos[m.ID] = len(d.kpiIDs) - 1
	}
	return nil
}

// Meta returns the metadata of a KPI the dataset serves.
func (d *Dataset) Meta(id string) (KPIMeta, bool) {
	for i, k := range d.kpiIDs {
		if k == id {
			var m KPIMeta
			if json.Unmarshal(d.KPIs[i], &m) != nil {
				return KPIMeta{}, false
			}
			return m, true
		}
	}
	return KPIMeta{}, false
}

// GenerateValues gives each KPI of ids a plausible, deterministic value for
// every municipality of the dataset (Riket included) and each year, with kön
// (K, M) where the KPI's metadata says it is divided by gender. KPIs Kolada
// publishes only for regions (municipality_type "L") get none, as in
// Kolada; so do ids the dataset has no metadata for. Values already present
// are kept. It returns the ids that got values.
func (d *Dataset) GenerateValues(ids []string, years []int, changed time.Time) []string {
	var out []string
	for _, id := range ids {
		m, ok := d.Meta(id)
		if !ok || m.MunicipalityType == "L" {
			continue
		}
		genders := []string{"T"}
		if m.IsDividedByGender {
			genders = append(genders, "K", "M")
		}
		lo, hi := valueRange(m.Title)
		for _, mu := range d.Municipalities {
			for _, y := range years {
				for gi, g := range genders {
					k := Key{KPI: id, Unit: mu.ID, Year: y, Gender: g}
					if _, ok := d.Values[k]; ok {
						continue
					}
					v := lo + (hi-lo)*unitHash(id, mu.ID, y, gi)
					v = math.Round(v*10) / 10
					d.Values[k] = &Value{Value: &v, Count: 1, Changed: changed}
				}
			}
		}
		out = append(out, id)
	}
	return out
}

// valueRange is where a KPI's values plausibly lie, from its title: shares
// of brukare in per cent, costs in kronor per inhabitant, else 0–100.
func valueRange(title string) (lo, hi float64) {
	t := strings.ToLower(title)
	switch {
	case strings.Contains(t, "kr/inv"):
		return 2000, 30000
	case strings.Contains(t, "(%)") && strings.Contains(t, "avvikelse"):
		return -15, 15
	case strings.Contains(t, "(%)"):
		return 40, 99
	}
	return 0, 100
}

// unitHash maps a value's position to [0, 1), the same in every run.
func unitHash(kpi, unit string, year, gender int) float64 {
	h := fnv.New64a()
	_, _ = fmt.Fprintf(h, "%s|%s|%d|%d", kpi, unit, year, gender) // a hash.Hash never fails to write
	return float64(splitmix64(h.Sum64())%1_000_000) / 1_000_000
}
