package app

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/nyckeltal/nyckeltal/connectors/kolada"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/transform/catalog"
	"github.com/nyckeltal/nyckeltal/transform/tables"
)

// catalogTitleKPIs resolves the titles of the configured catalogue that have
// no id, so that the Kolada load fetches the KPIs it is certain of: against
// the whole KPI catalogue the store keeps, or, when it keeps none yet (the
// first run), Kolada's own. It returns the ids to fetch besides those the
// catalogue names; what stays unresolved is left to `status` and the tables'
// notes. Nothing here may stop the night's load: a failure is logged.
func (a *App) catalogTitleKPIs(ctx context.Context, st *store.Store, client *kolada.Client, baseURL string) []string {
	c, err := a.LoadCatalog("")
	if err != nil || c.Unresolved() == 0 {
		return nil // an unreadable catalogue is logged by catalogKPIs
	}
	kpis, from, err := wholeKPICatalogue(ctx, st, client, baseURL)
	if err != nil {
		a.Log.Warn().Err(err).Int("titles", c.Unresolved()).
			Msg("the catalogue's Kolada titles without an id could not be looked up; they are fetched once they can")
		return nil
	}
	res := c.Resolve(tables.KPIRefs(kpis))
	named := map[string]bool{}
	for _, id := range c.KoladaKPIs() {
		named[id] = true
	}
	var extra []string
	for _, id := range c.Apply(res).KoladaKPIs() {
		if !named[id] {
			extra = append(extra, id)
		}
	}
	for _, r := range res {
		ev := a.Log.Info()
		if r.Outcome != catalog.Resolved {
			ev = a.Log.Warn()
		}
		ev.Str("entry", r.Entry).Str("title", r.Title).Str("outcome", string(r.Outcome)).Str("kpi", r.ID).Str("looked_up_in", from).
			Msg("catalogue title looked up")
	}
	return extra
}

// wholeKPICatalogue is Kolada's whole KPI catalogue: the store's when a
// load kept it, else fetched from Kolada.
func wholeKPICatalogue(ctx context.Context, st *store.Store, client *kolada.Client, baseURL string) ([]store.KPI, string, error) {
	has, err := st.HasKPICatalogue(ctx, kolada.Source)
	if err != nil {
		return nil, "", err
	}
	if has {
		kpis, err := st.KPIs(ctx, nil)
		return kpis, "the store", err
	}
	kpis, err := kolada.KPICatalogue(ctx, client, baseURL)
	if err != nil {
		return nil, "", fmt.Errorf("fetching Kolada's KPI catalogue: %w", err)
	}
	return kpis, "Kolada", nil
}

// CatalogProblem is one catalogue entry whose Kolada values the tables cannot
// show, said for a controller.
type CatalogProblem struct {
	Entry   string `json:"entry"`
	KPI     string `json:"kpi,omitempty"`
	Problem string `json:"problem"` // no_id, ambiguous, not_found, not_fetched, unknown_to_kolada, regions_only
	Text    string `json:"text"`
}

// CatalogStatus is the catalogue's part of `nyckeltal status`.
type CatalogStatus struct {
	Catalog    string           `json:"catalog"`
	KoladaKPIs int              `json:"kolada_kpis"`
	Problems   []CatalogProblem `json:"problems"`
}

// catalogStatus checks the configured catalogue against the store: the
// titles without a certain id, and the KPIs that were never fetched, that
// Kolada does not know, or that it publishes for regions only.
func (a *App) catalogStatus(ctx context.Context, st *store.Store) (*CatalogStatus, error) {
	cfg, err := a.Config()
	if err != nil {
		return nil, err
	}
	c, err := a.LoadCatalog("")
	if err != nil {
		return nil, err
	}
	out := &CatalogStatus{Catalog: orDefault(c.File, catalog.BuiltinName), Problems: []CatalogProblem{}}
	if c.Unresolved() > 0 {
		has, err := st.HasKPICatalogue(ctx, kolada.Source)
		if err != nil {
			return nil, err
		}
		var res []catalog.Resolution
		if has {
			kpis, err := st.KPIs(ctx, nil)
			if err != nil {
				return nil, err
			}
			res = c.Resolve(tables.KPIRefs(kpis))
			c = c.Apply(res)
		}
		for _, r := range res {
			if r.Outcome == catalog.Resolved {
				continue
			}
			p := CatalogProblem{Entry: r.Entry, Problem: "not_found",
				Text: fmt.Sprintf("inget nyckeltal i Kolada passar titeln ”%s”; sök med `nyckeltal kpi search` och skriv id:t i katalogen", r.Title)}
			if r.Outcome == catalog.Ambiguous {
				var ids []string
				for i, k := range r.Candidates {
					if i == 3 {
						break
					}
					ids = append(ids, k.ID)
				}
				p.Problem = "ambiguous"
				p.Text = fmt.Sprintf("titeln ”%s” passar flera nyckeltal i Kolada (%s); välj ett och skriv det som source i katalogen",
					r.Title, strings.Join(ids, ", "))
			}
			out.Problems = append(out.Problems, p)
		}
		if !has {
			for _, ind := range c.Indicators {
				if ind.Source == "" && ind.KoladaTitle != "" {
					out.Problems = append(out.Problems, CatalogProblem{Entry: ind.Code, Problem: "no_id",
						Text: fmt.Sprintf("titeln ”%s” har inget id än; den slås upp när Kolada:s nyckeltalskatalog har hämtats (`nyckeltal run`)", ind.KoladaTitle)})
				}
			}
		}
	}
	ids := c.KoladaKPIs()
	out.KoladaKPIs = len(ids)
	states, err := st.KPIStates(ctx, kolada.Source, cfg.HomeMunicipality, ids)
	if err != nil {
		return nil, err
	}
	entries := map[string][]string{}
	for _, ind := range c.Indicators {
		for _, id := range []string{ind.Source, ind.RegiEgen, ind.RegiPrivat, ind.PreviousSource} {
			if catalog.IsKoladaID(id) {
				entries[id] = append(entries[id], ind.Code)
			}
		}
	}
	for _, s := range c.Scatters {
		for _, id := range []string{s.Cost, s.Quality} {
			if catalog.IsKoladaID(id) {
				entries[id] = append(entries[id], s.Name)
			}
		}
	}
	for _, id := range ids {
		s := states[id]
		p := CatalogProblem{Entry: strings.Join(entries[id], ", "), KPI: id}
		switch {
		case !s.Known && len(s.Fetched) > 0:
			p.Problem, p.Text = "unknown_to_kolada", fmt.Sprintf("Kolada känner inte till %s; kontrollera id:t i katalogen", id)
		case s.Known && s.MunicipalityType == "L":
			p.Problem, p.Text = "regions_only", fmt.Sprintf("Kolada publicerar inte %s för kommuner, bara för regioner", id)
		case len(s.Fetched) == 0:
			p.Problem, p.Text = "not_fetched", fmt.Sprintf("%s har inte hämtats från Kolada än; det görs vid nästa körning (`nyckeltal run`)", id)
		default:
			continue
		}
		out.Problems = append(out.Problems, p)
	}
	sort.SliceStable(out.Problems, func(i, j int) bool { return out.Problems[i].Entry < out.Problems[j].Entry })
	return out, nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
