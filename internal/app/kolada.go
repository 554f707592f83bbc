package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/connectors/kolada"
	"github.com/nyckeltal/nyckeltal/internal/config"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"github.com/nyckeltal/nyckeltal/internal/version"
	"github.com/nyckeltal/nyckeltal/internal/yearrange"
	"github.com/nyckeltal/nyckeltal/transform/nka"
)

// KoladaRequest is what `nyckeltal ingest kolada` asks, as given; what is
// empty takes the configuration's.
type KoladaRequest struct {
	KPIs, Municipalities, Years string
	OU, Full                    bool
	Archive, FromArchive        string
}

// KoladaOptions merges the configuration and r.
func (a *App) KoladaOptions(r KoladaRequest) (kolada.Options, error) {
	cfg, err := a.Config()
	if err != nil {
		return kolada.Options{}, err
	}
	k := cfg.Kolada
	o := kolada.Options{
		BaseURL: k.BaseURL, Groups: k.Groups == "all", Catalogue: k.Catalogue == "all",
		Full: r.Full, PerPage: k.PerPage, Margin: k.IncrementalMargin.Duration, ArchiveDir: k.ArchiveDir,
		Now: a.Now, Logger: a.Log,
	}
	kpis := strings.Join(k.KPIs, ",")
	if r.KPIs != "" {
		kpis = r.KPIs
	} else {
		// the NKA areas' (a configured area's own, and each area's net cost
		// and invånare), kostnad och kvalitet per verksamhet's, and the
		// indicator catalogue's, for the tables and the report
		extra := a.NKAAreaKPIs()
		extra = append(extra, nka.CostQualityKPIs()...)
		extra = append(extra, a.catalogKPIs()...)
		if len(extra) > 0 {
			kpis += "," + strings.Join(extra, ",")
		}
	}
	if o.KPIs, err = config.ParseKPIs(kpis); err != nil {
		return o, UsageErrorf("--kpi: %w", err)
	}
	munis := strings.Join(k.Municipalities, ",")
	if r.Municipalities != "" {
		munis = r.Municipalities
	}
	if o.Municipalities, err = config.ParseMunicipalities(munis); err != nil {
		return o, UsageErrorf("--municipality: %w", err)
	}
	years := k.Years
	if r.Years != "" {
		years = r.Years
	}
	if o.Years, err = yearrange.Parse(years, a.Now()); err != nil {
		return o, UsageErrorf("--years: %w", err)
	}
	if r.OU || k.OU {
		o.OUMunicipalities = k.OUMunicipalities
		if len(o.OUMunicipalities) == 0 {
			o.OUMunicipalities = []string{cfg.HomeMunicipality}
		}
	}
	if r.Archive != "" {
		o.ArchiveDir = r.Archive
	}
	return o, nil
}

// KoladaClient is the configured client of Kolada's API.
func (a *App) KoladaClient() (*kolada.Client, error) {
	cfg, err := a.Config()
	if err != nil {
		return nil, err
	}
	k := cfg.Kolada
	return kolada.NewClient(kolada.ClientConfig{
		UserAgent: version.UserAgent(), RateLimit: k.RateLimit, Timeout: k.Timeout.Duration,
		MaxAttempts: k.MaxAttempts, RetryWaitMin: k.RetryWaitMin.Duration, RetryWaitMax: k.RetryWaitMax.Duration,
		RetryAfterCap: k.RetryAfterCap.Duration, Logger: a.Log,
	}), nil
}

// KoladaEvents receive what a Kolada ingest did, as it happens: the loads
// once they are done, then the "Liknande kommuner" groups that are not used
// (a heading, empty when there are none, and a line per group).
type KoladaEvents struct {
	Loaded        func([]kolada.Result)
	GroupProblems func(head string, lines []string)
}

// IngestKolada loads Kolada (or replays an archive) as r asks, in one write.
func (a *App) IngestKolada(ctx context.Context, r KoladaRequest, ev KoladaEvents) error {
	opts, err := a.KoladaOptions(r)
	if err != nil {
		return err
	}
	client, err := a.KoladaClient()
	if err != nil {
		return err
	}
	return a.WithWriter(ctx, func(st *store.Store) error { return a.ingestKolada(ctx, st, client, opts, r, ev) })
}

func (a *App) ingestKolada(ctx context.Context, st *store.Store, client *kolada.Client, opts kolada.Options, r KoladaRequest, ev KoladaEvents) error {
	prog := a.progress()
	opts.Progress = prog.Update
	start := time.Now()
	var results []kolada.Result
	var err error
	if r.FromArchive != "" {
		results, err = kolada.Replay(ctx, st, r.FromArchive, opts)
	} else {
		if r.KPIs == "" {
			opts.KPIs = addKPIs(opts.KPIs, a.catalogTitleKPIs(ctx, st, client, opts.BaseURL))
		}
		var res kolada.Result
		res, err = kolada.Ingest(ctx, st, client, opts)
		results = []kolada.Result{res}
	}
	prog.Done()
	for _, r := range results {
		a.logLoad(r.LoadResult, time.Since(start), err)
	}
	if err != nil {
		return fmt.Errorf("ingesting Kolada: %w", err)
	}
	if ev.Loaded != nil {
		ev.Loaded(results)
	}
	head, lines, err := a.groupProblems(ctx, st)
	if err != nil {
		return err
	}
	if ev.GroupProblems != nil {
		ev.GroupProblems(head, lines)
	}
	return nil
}

// addKPIs appends the ids of extra that kpis lacks.
func addKPIs(kpis, extra []string) []string {
	for _, id := range extra {
		if !slices.Contains(kpis, id) {
			kpis = append(kpis, id)
		}
	}
	return kpis
}

// maxProblemLines bounds the groups an ingest summary names one by one.
const maxProblemLines = 20

// groupProblems words the "Liknande kommuner" groups that are not used, for
// an ingest's summary: a heading (empty when there are none) and a line per
// group (at most maxProblemLines); each is also logged as a warning.
func (a *App) groupProblems(ctx context.Context, st *store.Store) (string, []string, error) {
	problems, err := st.NKAGroupProblems(ctx)
	if err != nil {
		return "", nil, err
	}
	var unread, superseded int
	var lines []string
	for _, p := range problems {
		if p.Problem == "superseded" {
			superseded++
		} else {
			unread++
		}
		who := p.Municipality
		if who == "" {
			who = "ingen känd kommun"
		}
		line := fmt.Sprintf("%s %q (%s): %s", p.GroupID, p.Title, who, p.Text)
		a.Log.Warn().Str("group", p.GroupID).Str("title", p.Title).Str("problem", p.Problem).Str("municipality", p.MunicipalityID).
			Msg("a \"Liknande kommuner\" group is not used: " + p.Text)
		if len(lines) < maxProblemLines {
			lines = append(lines, line)
		}
	}
	if unread+superseded == 0 {
		return "", nil, nil
	}
	head := fmt.Sprintf("grupper \"Liknande kommuner\" som inte används: %d som inte kan läsas, inte nämner ett konfigurerat område "+
		"eller saknar år där andra har år; %d med en senare publicerad grupp för samma område, kommun och år (alla: SELECT * FROM v_nka_group_problem)",
		unread, superseded)
	if n := len(problems) - len(lines); n > 0 {
		lines = append(lines, fmt.Sprintf("… och %d till", n))
	}
	return head, lines, nil
}

// logLoad writes the one structured line per load that cron logs keep.
func (a *App) logLoad(r store.LoadResult, d time.Duration, err error) {
	if r.LoadID == 0 {
		return
	}
	outcome := "ok"
	if err != nil {
		outcome = "failed"
	}
	a.Log.Info().Str("job", r.Source).Int64("load_id", r.LoadID).Str("mode", r.Mode).
		Int64("rows_read", r.RowsRead).Int64("rows_inserted", r.Inserted).Int64("rows_updated", r.Updated).
		Int64("rows_deleted", r.Deleted).Int64("requests", r.Requests).Float64("duration_s", d.Seconds()).
		Str("outcome", outcome).Msg("load finished")
}

// FormatInt writes 13032 as "13 032", as Swedish readers expect.
func FormatInt(n int64) string { return swedish.Group(n, " ") }

// ProbeOptions are the probe's questions, from the configuration.
func (a *App) ProbeOptions(trigger string) (kolada.ProbeOptions, error) {
	cfg, err := a.Config()
	if err != nil {
		return kolada.ProbeOptions{}, err
	}
	kpi := "N00097"
	if len(cfg.Kolada.KPIs) > 0 {
		kpi = strings.ToUpper(cfg.Kolada.KPIs[0])
	}
	// The year before last has final values for most KPIs all year round.
	return kolada.ProbeOptions{BaseURL: cfg.Kolada.BaseURL, KPI: kpi, Municipality: cfg.HomeMunicipality,
		Year: a.Now().Year() - 2, Trigger: trigger, Now: a.Now}, nil
}

// ProbeKolada asks Kolada how it answers and stores the findings; before is
// the probe of the same base URL stored until then (nil: none).
func (a *App) ProbeKolada(ctx context.Context) (probe, before *store.KoladaProbe, err error) {
	client, err := a.KoladaClient()
	if err != nil {
		return nil, nil, err
	}
	po, err := a.ProbeOptions(kolada.TriggerCommand)
	if err != nil {
		return nil, nil, err
	}
	// Probe first, then take the write lock only to store the findings.
	probe, err = kolada.Probe(ctx, client, po)
	if err != nil {
		return nil, nil, err
	}
	err = a.WithWriter(ctx, func(st *store.Store) error {
		if before, err = st.LatestKoladaProbe(ctx, probe.BaseURL); err != nil {
			return err
		}
		return st.SaveKoladaProbe(ctx, probe)
	})
	if err != nil {
		return nil, nil, err
	}
	return probe, before, nil
}

// SearchKPIs finds KPIs by words of their title: in the store's catalogue,
// or with remote in Kolada's.
func (a *App) SearchKPIs(ctx context.Context, text string, limit int, remote bool) ([]store.KPI, error) {
	if remote {
		cfg, err := a.Config()
		if err != nil {
			return nil, err
		}
		client, err := a.KoladaClient()
		if err != nil {
			return nil, err
		}
		kpis, err := kolada.SearchKPIs(ctx, client, cfg.Kolada.BaseURL, text)
		if err != nil {
			return nil, fmt.Errorf("searching Kolada: %w", err)
		}
		return kpis, nil
	}
	st, err := a.OpenReader(ctx)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return st.SearchKPIs(ctx, text, limit)
}
