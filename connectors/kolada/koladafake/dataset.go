// Package koladafake is a fake Kolada v3 server for tests, demos and
// benchmarks. It implements what the connector relies on: paging with
// next_url, the 25-ids-per-segment and 5000-per-page limits (422 beyond),
// unweighted group means, from_date with isdeleted, and the silently empty
// query-parameter form. Faults (503, 429 with Retry-After, truncated bodies,
// connection resets, slow answers) can be injected with a seed.
package koladafake

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Municipality is a /municipality record.
type Municipality struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Type  string `json:"type"`
}

// Member is a group member.
type Member struct {
	ID    string `json:"member_id"`
	Title string `json:"member_title"`
}

// Group is a /municipality_groups record.
type Group struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Members []Member `json:"members"`
}

// OU is an /ou record.
type OU struct {
	ID           string `json:"id"`
	Municipality string `json:"municipality"`
	Title        string `json:"title"`
}

// Key names one value.
type Key struct {
	KPI    string
	Unit   string // municipality or OU id
	Year   int
	Gender string
	OU     bool
}

// Value is one stored value with its change history marker.
type Value struct {
	Value   *float64
	Count   int
	Status  string
	Changed time.Time // last change; from_date compares against it
	Deleted bool
}

// Dataset is what the server serves.
type Dataset struct {
	// KPIs are kept as received so that every field is echoed.
	KPIs           []json.RawMessage
	Municipalities []Municipality
	Groups         []Group
	OUs            []OU
	Values         map[Key]*Value
	// Generator, when set, answers data requests instead of Values.
	Generator *Generator
	// kpiIDs parallels KPIs.
	kpiIDs    []string
	kpiTitles []string
}

// NewDataset returns an empty dataset.
func NewDataset() *Dataset { return &Dataset{Values: map[Key]*Value{}} }

// AddKPI adds a KPI record; it must have an "id".
func (d *Dataset) AddKPI(raw json.RawMessage) error {
	var head struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal(raw, &head); err != nil || head.ID == "" {
		return fmt.Errorf("KPI record without id: %.80s", raw)
	}
	d.KPIs = append(d.KPIs, raw)
	d.kpiIDs = append(d.kpiIDs, head.ID)
	d.kpiTitles = append(d.kpiTitles, head.Title)
	return nil
}

// row is the wire form of a data row.
type row struct {
	KPI          string     `json:"kpi"`
	Municipality string     `json:"municipality,omitempty"`
	OU           string     `json:"ou,omitempty"`
	Period       int        `json:"period"`
	Values       []rowValue `json:"values"`
}

type rowValue struct {
	Gender    string   `json:"gender"`
	Count     int      `json:"count"`
	Status    string   `json:"status"`
	Value     *float64 `json:"value"`
	IsDeleted bool     `json:"isdeleted"`
}

// LoadDir reads a snapshot directory: kpi.json, municipality.json,
// municipality_groups.json and data.json (each a JSON array of the records
// of one v3 endpoint), and optionally ou.json and oudata.json. Values get
// changed as their change date.
func LoadDir(dir string, changed time.Time) (*Dataset, error) {
	d := NewDataset()
	var kpis []json.RawMessage
	if err := readJSON(filepath.Join(dir, "kpi.json"), &kpis, true); err != nil {
		return nil, err
	}
	for _, k := range kpis {
		if err := d.AddKPI(k); err != nil {
			return nil, err
		}
	}
	if err := readJSON(filepath.Join(dir, "municipality.json"), &d.Municipalities, true); err != nil {
		return nil, err
	}
	if err := readJSON(filepath.Join(dir, "municipality_groups.json"), &d.Groups, false); err != nil {
		return nil, err
	}
	if err := readJSON(filepath.Join(dir, "ou.json"), &d.OUs, false); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		ou   bool
	}{{"data.json", false}, {"oudata.json", true}} {
		var rows []row
		if err := readJSON(filepath.Join(dir, f.name), &rows, !f.ou); err != nil {
			return nil, err
		}
		for _, r := range rows {
			unit := r.Municipality
			if f.ou {
				unit = r.OU
			}
			for _, v := range r.Values {
				d.Values[Key{KPI: r.KPI, Unit: unit, Year: r.Period, Gender: v.Gender, OU: f.ou}] =
					&Value{Value: v.Value, Count: v.Count, Status: v.Status, Changed: changed, Deleted: v.IsDeleted}
			}
		}
	}
	return d, nil
}

func readJSON(path string, dst any, required bool) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && !required {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading fake Kolada data: %w", err)
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	return nil
}

// WriteDir writes the dataset in the snapshot format LoadDir reads.
func (d *Dataset) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	rows, ouRows := d.rows(false), d.rows(true)
	files := map[string]any{
		"kpi.json": d.KPIs, "municipality.json": d.Municipalities, "municipality_groups.json": d.Groups,
		"data.json": rows,
	}
	if len(d.OUs) > 0 {
		files["ou.json"] = d.OUs
		files["oudata.json"] = ouRows
	}
	for name, v := range files {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// rows groups the current values into wire rows, sorted.
func (d *Dataset) rows(ou bool) []row {
	type rk struct {
		kpi, unit string
		year      int
	}
	byRow := map[rk][]rowValue{}
	for k, v := range d.Values {
		if k.OU != ou || v.Deleted {
			continue
		}
		r := rk{k.KPI, k.Unit, k.Year}
		byRow[r] = append(byRow[r], rowValue{Gender: k.Gender, Count: v.Count, Status: v.Status, Value: v.Value})
	}
	out := make([]row, 0, len(byRow))
	for k, vs := range byRow {
		sort.Slice(vs, func(i, j int) bool { return genderOrder(vs[i].Gender) < genderOrder(vs[j].Gender) })
		r := row{KPI: k.kpi, Period: k.year, Values: vs}
		if ou {
			r.OU = k.unit
		} else {
			r.Municipality = k.unit
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.KPI != b.KPI {
			return a.KPI < b.KPI
		}
		if a.Municipality+a.OU != b.Municipality+b.OU {
			return a.Municipality+a.OU < b.Municipality+b.OU
		}
		return a.Period < b.Period
	})
	return out
}

func genderOrder(g string) int {
	switch g {
	case "T":
		return 0
	case "K":
		return 1
	}
	return 2
}
