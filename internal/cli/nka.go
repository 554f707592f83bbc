package cli

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/config"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/transform/nka"
)

// nkaAreas resolves the configured areas: the built-in ones with the
// overrides of [nka.areas.*].
func (e *env) nkaAreas() ([]nka.Area, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	overrides := map[string]nka.AreaOverride{}
	for slug, a := range cfg.NKA.Areas {
		overrides[slug] = nka.AreaOverride{Title: a.Title, PctKPI: a.PctKPI, MnkrKPI: a.MnkrKPI, NetCostKPI: a.NetCostKPI,
			GroupTitle: a.GroupTitle, MinAbsPct: a.MinAbsNKAPct}
	}
	areas, err := nka.ResolveAreas(cfg.NKA.MinAbsNKAPct, overrides)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", config.ErrInvalid, err)
	}
	return areas, nil
}

// nkaAreaKPIs are the Kolada KPIs the configured areas need, fetched by
// `ingest kolada` besides kolada.kpis.
func (e *env) nkaAreaKPIs() []string {
	areas, err := e.nkaAreas()
	if err != nil {
		return nil // the configuration error is reported by the command that needs the areas
	}
	return nka.AreaKPIs(areas)
}

// syncNKAAreas writes the configured areas into nka_area, which the
// analysts' views read. Every writing command does it (through withWriter),
// so the views follow the configuration from the next write on.
func (e *env) syncNKAAreas(ctx context.Context, st *store.Store) error {
	areas, err := e.nkaAreas()
	if err != nil {
		return err
	}
	changed, err := st.SetNKAAreas(ctx, nka.StoreAreas(areas))
	if err != nil {
		return err
	}
	if changed {
		e.log.Info().Strs("areas", nka.Slugs(areas)).Msg("nka_area updated from the configuration")
	}
	return nil
}

// nkaEngine opens the store read-only with the configured areas. The
// commands pass the areas to the SQL themselves, so they follow the
// configuration even before a writing command has updated nka_area; they
// warn when the views would still answer differently.
func (e *env) nkaEngine(ctx context.Context) (*nka.Engine, *store.Store, error) {
	areas, err := e.nkaAreas()
	if err != nil {
		return nil, nil, err
	}
	st, err := e.openReader(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := st.CheckViews(ctx); err != nil {
		st.Close()
		return nil, nil, err
	}
	if have, err := st.NKAAreas(ctx); err == nil && !store.SameNKAAreas(have, nka.StoreAreas(areas)) {
		e.log.Warn().Msg("the store's nka_area differs from the configuration: this command follows the configuration, " +
			"the views v_nka, v_peer_group and v_nka_gap follow the store until a writing command (`nyckeltal migrate`) updates it")
	}
	eng := &nka.Engine{Store: st, Areas: areas}
	if eng.OwnGroups, err = e.nkaOwnGroups(ctx, eng); err != nil {
		st.Close()
		return nil, nil, err
	}
	return eng, st, nil
}

// nkaOwnGroups reads the comparison groups of one's own ([nka.groups] and
// nka.groups_file) and resolves their members against the store.
func (e *env) nkaOwnGroups(ctx context.Context, eng *nka.Engine) ([]nka.OwnGroup, error) {
	cfg, err := e.config()
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
		fh.Close()
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

// nkaCommon are the flags gap and sparbeting share.
type nkaCommon struct {
	municipality string
	comparator   string
	target       string
	peerTrend    string
	groups       string
	format       string
	out          string
	asOf         string
}

// targetOrDefault is --target and --peer-trend, else the configuration's.
func (e *env) targetOrDefault(target, trend string) (string, string, error) {
	cfg, err := e.config()
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

const (
	comparatorFlagHelp = "mean, median, liknande, liknande:2022 (that year's Liknande kommuner group), lan (the county), riket, " +
		"a Kolada group id like G36535 or a group of your own (default: nka.comparator, mean)"
	targetFlagHelp = "of the comparison set: mean, median, p25 (a percentile) or share:0.5 (close half the gap) (default: nka.target, " +
		"the comparator's own)"
	peerTrendFlagHelp = "hold (the peers' NKA stays at the year's level) or linear:N (it follows its trend over the last N years) " +
		"(default: nka.peer_trend, hold)"
)

func (c *nkaCommon) asOfTime() (*time.Time, error) {
	if strings.TrimSpace(c.asOf) == "" {
		return nil, nil
	}
	t, err := nka.ParseAsOf(c.asOf)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	return &t, nil
}

// comparatorOrDefault is --comparator, else the configuration's.
func (e *env) comparatorOrDefault(flag string) (string, error) {
	if strings.TrimSpace(flag) != "" {
		return flag, nil
	}
	cfg, err := e.config()
	if err != nil {
		return "", err
	}
	return cfg.NKA.Comparator, nil
}

// resolveMunicipality turns --municipality (id, name, or empty for the home
// municipality) into an id known to the store.
func (e *env) resolveMunicipality(ctx context.Context, eng *nka.Engine, flag string) (id, name string, err error) {
	m, err := e.homeMunicipality(flag)
	if err != nil {
		return "", "", err
	}
	return eng.ResolveMunicipality(ctx, m)
}

// warnPeersNotFetched hints at the cause when peers lack values because the
// configuration fetches only some municipalities.
func (e *env) warnPeersNotFetched(rows []nka.GapRow) {
	cfg, err := e.config()
	if err != nil || len(cfg.Kolada.Municipalities) == 0 || strings.EqualFold(cfg.Kolada.Municipalities[0], "all") {
		return
	}
	for _, r := range rows {
		if len(r.MissingPeers) > 0 {
			e.log.Warn().Strs("municipalities", cfg.Kolada.Municipalities).
				Msg("peers lack values and kolada.municipalities does not fetch every municipality: set it to [\"all\"] so that the liknande kommuner are fetched too")
			return
		}
	}
}

// splitFlagList splits "a,b c" into its parts.
func splitFlagList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' })
}
