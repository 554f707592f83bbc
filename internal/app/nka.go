package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/config"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/transform/nka"
)

// NKAAreas resolves the configured areas: the built-in ones with the
// overrides of [nka.areas.*].
func (a *App) NKAAreas() ([]nka.Area, error) {
	cfg, err := a.Config()
	if err != nil {
		return nil, err
	}
	overrides := map[string]nka.AreaOverride{}
	for slug, ar := range cfg.NKA.Areas {
		overrides[slug] = nka.AreaOverride{Title: ar.Title, PctKPI: ar.PctKPI, MnkrKPI: ar.MnkrKPI, NetCostKPI: ar.NetCostKPI,
			GroupTitle: ar.GroupTitle, MinAbsPct: ar.MinAbsNKAPct}
	}
	areas, err := nka.ResolveAreas(cfg.NKA.MinAbsNKAPct, overrides)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", config.ErrInvalid, err)
	}
	return areas, nil
}

// NKAAreaKPIs are the Kolada KPIs the configured areas need, fetched by
// `ingest kolada` besides kolada.kpis.
func (a *App) NKAAreaKPIs() []string {
	areas, err := a.NKAAreas()
	if err != nil {
		return nil // the configuration error is reported by the use case that needs the areas
	}
	return nka.AreaKPIs(areas)
}

// SyncNKAAreas writes the configured areas into nka_area, which the
// analysts' views read. Every writer does it (through WithWriter), so the
// views follow the configuration from the next write on.
func (a *App) SyncNKAAreas(ctx context.Context, st *store.Store) error {
	areas, err := a.NKAAreas()
	if err != nil {
		return err
	}
	changed, err := st.SetNKAAreas(ctx, nka.StoreAreas(areas))
	if err != nil {
		return err
	}
	if changed {
		a.Log.Info().Strs("areas", nka.Slugs(areas)).Msg("nka_area updated from the configuration")
	}
	return nil
}

// NKAEngine opens the store read-only with the configured areas. The use
// cases pass the areas to the SQL themselves, so they follow the
// configuration even before a writing command has updated nka_area; they
// warn when the views would still answer differently. The caller closes
// the store.
func (a *App) NKAEngine(ctx context.Context) (*nka.Engine, *store.Store, error) {
	areas, err := a.NKAAreas()
	if err != nil {
		return nil, nil, err
	}
	st, err := a.OpenReader(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := st.CheckViews(ctx); err != nil {
		_ = st.Close() // the error above is the one to report
		return nil, nil, err
	}
	if have, err := st.NKAAreas(ctx); err == nil && !store.SameNKAAreas(have, nka.StoreAreas(areas)) {
		a.Log.Warn().Msg("the store's nka_area differs from the configuration: this command follows the configuration, " +
			"the views v_nka, v_peer_group and v_nka_gap follow the store until a writing command (`nyckeltal migrate`) updates it")
	}
	eng, err := a.engineOn(ctx, st, areas)
	if err != nil {
		_ = st.Close() // the error above is the one to report
		return nil, nil, err
	}
	return eng, st, nil
}

// engineOn is the engine over an open store, with the groups of one's own.
func (a *App) engineOn(ctx context.Context, st *store.Store, areas []nka.Area) (*nka.Engine, error) {
	eng := &nka.Engine{Store: st, Areas: areas}
	var err error
	if eng.OwnGroups, err = a.ownGroups(ctx, eng); err != nil {
		return nil, err
	}
	return eng, nil
}

// ownGroups reads the comparison groups of one's own ([nka.groups] and
// nka.groups_file) and resolves their members against the store.
func (a *App) ownGroups(ctx context.Context, eng *nka.Engine) ([]nka.OwnGroup, error) {
	cfg, err := a.Config()
	if err != nil {
		return nil, err
	}
	var fromConfig []nka.OwnGroup
	for name, g := range cfg.NKA.Groups {
		og := nka.OwnGroup{Name: strings.ToLower(name), Title: g.Title, Members: map[int][]string{}}
		if og.Title == "" {
			og.Title = name
		}
		if len(g.Members) > 0 {
			og.Members[0] = g.Members
		}
		for y, ms := range g.Years {
			yy, err := strconv.Atoi(y)
			if err != nil {
				return nil, fmt.Errorf("%w: nka.groups.%s.years: %q is not a year", config.ErrInvalid, name, y)
			}
			og.Members[yy] = ms
		}
		if err := og.Validate(); err != nil {
			return nil, fmt.Errorf("nka.groups.%s: %w", name, err)
		}
		fromConfig = append(fromConfig, og)
	}
	var fromFile []nka.OwnGroup
	if cfg.NKA.GroupsFile != "" {
		fh, err := os.Open(cfg.NKA.GroupsFile)
		if err != nil {
			return nil, fmt.Errorf("%w: nka.groups_file: %w", config.ErrInvalid, err)
		}
		fromFile, err = nka.ParseGroupsCSV(fh)
		_ = fh.Close() // read to the end already
		if err != nil {
			return nil, fmt.Errorf("nka.groups_file %s: %w", cfg.NKA.GroupsFile, err)
		}
	}
	all, err := nka.MergeOwnGroups(fromConfig, fromFile)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, nil
	}
	return eng.ResolveOwnGroups(ctx, all)
}

// targetOrDefault is target and trend, else the configuration's.
func (a *App) targetOrDefault(target, trend string) (string, string, error) {
	cfg, err := a.Config()
	if err != nil {
		return "", "", err
	}
	if strings.TrimSpace(target) == "" {
		target = cfg.NKA.Target
	}
	if strings.TrimSpace(trend) == "" {
		trend = cfg.NKA.PeerTrend
	}
	return target, trend, nil
}

// comparatorOrDefault is flag, else the configuration's comparator.
func (a *App) comparatorOrDefault(flag string) (string, error) {
	if strings.TrimSpace(flag) != "" {
		return flag, nil
	}
	cfg, err := a.Config()
	if err != nil {
		return "", err
	}
	return cfg.NKA.Comparator, nil
}

// resolveMunicipality turns a municipality (id, name, or empty for the home
// municipality) into an id known to the store.
func (a *App) resolveMunicipality(ctx context.Context, eng *nka.Engine, flag string) (id, name string, err error) {
	m, err := a.HomeMunicipality(flag)
	if err != nil {
		return "", "", err
	}
	id, name, err = eng.ResolveMunicipality(ctx, m)
	if err != nil && strings.TrimSpace(flag) == "" && errors.Is(err, nka.ErrUnknownMunicipality) {
		return "", "", fmt.Errorf("home_municipality of %s: %w", a.configSource(), err)
	}
	return id, name, err
}

// configSource says where the configuration in effect came from: its file,
// or the built-in defaults.
func (a *App) configSource() string {
	cfg, err := a.Config()
	if err != nil || cfg.File == "" {
		return "the built-in defaults (no configuration file; see nyckeltal.example.toml)"
	}
	return cfg.File
}

// warnPeersNotFetched hints at the cause when peers lack values because the
// configuration fetches only some municipalities.
func (a *App) warnPeersNotFetched(rows []nka.GapRow) {
	cfg, err := a.Config()
	if err != nil || len(cfg.Kolada.Municipalities) == 0 || strings.EqualFold(cfg.Kolada.Municipalities[0], "all") {
		return
	}
	for _, r := range rows {
		if len(r.MissingPeers) > 0 {
			a.Log.Warn().Strs("municipalities", cfg.Kolada.Municipalities).
				Msg("peers lack values and kolada.municipalities does not fetch every municipality: set it to [\"all\"] so that the liknande kommuner are fetched too")
			return
		}
	}
}

// SplitList splits "a,b c" into its parts.
func SplitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' })
}
