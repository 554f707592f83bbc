package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/nyckeltal/nyckeltal/connectors/kolada/koladafake"
	"github.com/nyckeltal/nyckeltal/transform/catalog"
)

// addCatalogueKPIs gives the synthetic data set the Kolada KPIs the built-in
// indicator catalogue names, with fictional titles ("Syntetiskt: …") and
// generated values, so that the demo's tables have every Kolada indicator of
// the uppdragsplan. KPIs the data set has already keep their values.
func addCatalogueKPIs(ds *koladafake.Dataset, years []int, now time.Time) error {
	c, err := catalog.Load("")
	if err != nil {
		return err
	}
	var ids []string
	for _, ind := range c.Indicators {
		if !catalog.IsKoladaID(ind.Source) {
			continue
		}
		for _, k := range []struct{ id, what string }{{ind.Source, ""}, {ind.RegiEgen, ", kommunal regi"}, {ind.RegiPrivat, ", enskild regi"}} {
			if k.id == "" {
				continue
			}
			if _, ok := ds.Meta(k.id); ok {
				continue
			}
			rec, err := json.Marshal(map[string]any{
				"id": k.id, "title": fmt.Sprintf("Syntetiskt: %s%s, andel (%%)", ind.KoladaTitle, k.what),
				"description": "Syntetiskt nyckeltal för demo och test; inga verkliga värden.", "operating_area": "Äldre och funktionshinder",
				"municipality_type": "K", "is_divided_by_gender": k.what == "" && ind.Has(catalog.ByGender), "has_ou_data": false,
				"auspice": "X", "publ_period": fmt.Sprint(years[len(years)-1]), "publication_date": now.AddDate(0, 0, -10).Format(time.DateOnly),
			})
			if err != nil {
				return err
			}
			if err := ds.AddCatalogue([]json.RawMessage{rec}); err != nil {
				return err
			}
			ids = append(ids, k.id)
		}
	}
	ds.GenerateValues(ids, years, now.AddDate(0, 0, -30))
	return nil
}
