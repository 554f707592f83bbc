package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/connectors/kolada"
	"github.com/nyckeltal/nyckeltal/internal/jobs"
	"github.com/nyckeltal/nyckeltal/internal/outpath"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"github.com/nyckeltal/nyckeltal/internal/yearrange"
	"github.com/nyckeltal/nyckeltal/transform/atgardsplan"
	"github.com/nyckeltal/nyckeltal/transform/catalog"
	"github.com/nyckeltal/nyckeltal/transform/nka"
	"github.com/nyckeltal/nyckeltal/transform/report"
	"github.com/nyckeltal/nyckeltal/transform/tables"
)

// CatalogPath is flag, else tables.catalog; "" is the built-in catalogue.
func (a *App) CatalogPath(flag string) (string, error) {
	if strings.TrimSpace(flag) != "" {
		return flag, nil
	}
	cfg, err := a.Config()
	if err != nil {
		return "", err
	}
	return cfg.Tables.Catalog, nil
}

// LoadCatalog reads the catalogue flag names (see CatalogPath).
func (a *App) LoadCatalog(flag string) (*catalog.Catalog, error) {
	p, err := a.CatalogPath(flag)
	if err != nil {
		return nil, err
	}
	return catalog.Load(p)
}

// catalogKPIs are the Kolada KPIs of the configured catalogue, which the
// Kolada load fetches besides kolada.kpis so that the tables have their
// values. A catalogue that cannot be read is said in the log and skipped:
// it must not stop the night's load.
func (a *App) catalogKPIs() []string {
	c, err := a.LoadCatalog("")
	if err != nil {
		a.Log.Warn().Err(err).Msg("the indicator catalogue cannot be read, so its Kolada KPIs are not fetched; fix tables.catalog")
		return nil
	}
	return c.KoladaKPIs()
}

// TablesScope is whose tables, of which years, from which catalogue: what
// the tables and the report share.
type TablesScope struct {
	Municipality string // id, name, or "" for the home municipality
	Years        string // "": tables.years, else every year with values
	Catalog      string // "": tables.catalog, else the built-in one
}

func (a *App) tablesRequest(ctx context.Context, eng *nka.Engine, f TablesScope) (tables.Request, error) {
	cfg, err := a.Config()
	if err != nil {
		return tables.Request{}, err
	}
	c, err := a.LoadCatalog(f.Catalog)
	if err != nil {
		return tables.Request{}, err
	}
	id, _, err := a.resolveMunicipality(ctx, eng, f.Municipality)
	if err != nil {
		return tables.Request{}, err
	}
	req := tables.Request{Catalog: c, Municipality: id, HomeMunicipality: cfg.HomeMunicipality,
		InterimEndMonth: cfg.Local.InterimEndMonth}
	years := cfg.Tables.Years
	if strings.TrimSpace(f.Years) != "" {
		years = f.Years
	}
	if strings.TrimSpace(years) != "" {
		if req.Years, err = yearrange.Parse(years, a.Now()); err != nil {
			return req, UsageErrorf("--years: %w", err)
		}
	}
	return req, nil
}

// TablesRequest is what `nyckeltal tables` asks.
type TablesRequest struct {
	TablesScope
	Out      string // the directory
	Formats  string // "": tables.formats
	Excel    bool
	ExcelSet bool // Excel was given; else tables.excel
}

// Tables writes the tables of r into r.Out and returns them with the files.
func (a *App) Tables(ctx context.Context, r TablesRequest) (*tables.Result, []string, error) {
	cfg, err := a.Config()
	if err != nil {
		return nil, nil, err
	}
	fs, err := tables.ParseFormats(r.Formats, cfg.Tables.Formats)
	if err != nil {
		return nil, nil, &UsageError{Err: err}
	}
	excel := r.Excel
	if !r.ExcelSet {
		excel = cfg.Tables.Excel
	}
	eng, st, err := a.NKAEngine(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer st.Close()
	req, err := a.tablesRequest(ctx, eng, r.TablesScope)
	if err != nil {
		return nil, nil, err
	}
	start := time.Now()
	res, err := (&tables.Builder{Store: st, NKA: eng}).Build(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	if err := a.checkTableFiles(res, r.Out, fs, false); err != nil {
		return nil, nil, err
	}
	files, err := res.WriteFiles(r.Out, fs, tables.CSVOptions{Excel: excel})
	if err != nil {
		return nil, nil, err
	}
	if err := outpath.Record(files...); err != nil {
		return nil, nil, err
	}
	a.Log.Debug().Dur("took", time.Since(start)).Int("files", len(files)).Msg("tables written")
	return res, files, nil
}

// ReportRequest is what `nyckeltal report` asks.
type ReportRequest struct {
	TablesScope
	BaseYear                      int
	Comparator, Target, PeerTrend string // "": the configuration's
	Plan                          string // "": nka.sparbeting.plan
}

// Report gathers the report of r.
func (a *App) Report(ctx context.Context, r ReportRequest) (*report.Report, error) {
	eng, st, err := a.NKAEngine(ctx)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	req, err := a.tablesRequest(ctx, eng, r.TablesScope)
	if err != nil {
		return nil, err
	}
	sreq, err := a.sparbetingDefaults(r.Comparator, r.Target, r.PeerTrend)
	if err != nil {
		return nil, err
	}
	sreq.BaseYear = r.BaseYear
	rreq := report.Request{Tables: req, Sparbeting: sreq}
	if rreq.Plan, rreq.PlanFile, err = a.reportPlan(r.Plan); err != nil {
		return nil, err
	}
	return (&report.Builder{Store: st, NKA: eng}).Build(ctx, rreq)
}

// reportPlan reads the report's åtgärdsplan: flag, else nka.sparbeting.plan
// (nil when neither names one).
func (a *App) reportPlan(flag string) (*atgardsplan.Plan, string, error) {
	path := flag
	if path == "" {
		cfg, err := a.Config()
		if err != nil {
			return nil, "", err
		}
		path = cfg.NKA.Sparbeting.Plan
	}
	if path == "" {
		return nil, "", nil
	}
	p, err := ReadPlan(path)
	if err != nil {
		return nil, "", err
	}
	return p, filepath.Base(path), nil
}

// sparbetingDefaults is the sparbeting of the configuration, with the
// comparator, target and peer trend given where given.
func (a *App) sparbetingDefaults(comparator, target, peerTrend string) (nka.SparbetingRequest, error) {
	cfg, err := a.Config()
	if err != nil {
		return nka.SparbetingRequest{}, err
	}
	profile, err := nka.ParseProfile(cfg.NKA.Sparbeting.Profile)
	if err != nil {
		return nka.SparbetingRequest{}, &UsageError{Err: err}
	}
	cmp, err := a.comparatorOrDefault(comparator)
	if err != nil {
		return nka.SparbetingRequest{}, err
	}
	tgt, trend, err := a.targetOrDefault(target, peerTrend)
	if err != nil {
		return nka.SparbetingRequest{}, err
	}
	return nka.SparbetingRequest{Areas: cfg.NKA.Sparbeting.Areas, TargetYear: cfg.NKA.Sparbeting.TargetYear,
		Profile: profile, Comparator: cmp, Target: tgt, PeerTrend: trend}, nil
}

// derivedJob is the job "derived" of a run: it regenerates the home
// municipality's tables and report in tables.out_dir from the run's store.
// They are written beside their place during the job and moved into it only
// once the run is published, so they never show data a killed run did not
// publish.
type derivedJob struct{ a *App }

func (derivedJob) Name() string { return "derived" }

func (j derivedJob) Run(ctx context.Context, st *store.Store) (jobs.Result, error) {
	a := j.a
	cfg, err := a.Config()
	if err != nil {
		return jobs.Result{}, err
	}
	areas, err := a.NKAAreas()
	if err != nil {
		return jobs.Result{}, err
	}
	eng, err := a.engineOn(ctx, st, areas)
	if err != nil {
		return jobs.Result{}, err
	}
	req, err := a.tablesRequest(ctx, eng, TablesScope{Municipality: cfg.HomeMunicipality})
	if err != nil {
		return jobs.Result{}, err
	}
	sreq, err := a.sparbetingDefaults("", "", "")
	if err != nil {
		return jobs.Result{}, err
	}
	rreq := report.Request{Tables: req, Sparbeting: sreq}
	if rreq.Plan, rreq.PlanFile, err = a.reportPlan(""); err != nil {
		return jobs.Result{}, err
	}
	r, err := (&report.Builder{Store: st, NKA: eng}).Build(ctx, rreq)
	if err != nil {
		return jobs.Result{}, fmt.Errorf("building the tables and the report: %w", err)
	}
	out := cfg.Tables.OutDir
	// The job replaces its own files of earlier nights and nothing else.
	if err := a.checkTableFiles(r.Tables, filepath.Join(out, "tabeller"), cfg.Tables.Formats, true); err != nil {
		return jobs.Result{}, err
	}
	if err := a.checkOut(filepath.Join(out, "rapport.html"), true); err != nil {
		return jobs.Result{}, err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return jobs.Result{}, fmt.Errorf("creating %s: %w", out, err)
	}
	tmp, err := os.MkdirTemp(out, ".derived-*.tmp")
	if err != nil {
		return jobs.Result{}, fmt.Errorf("writing the tables: %w", err)
	}
	files, err := r.Tables.WriteFiles(filepath.Join(tmp, "tabeller"), cfg.Tables.Formats, tables.CSVOptions{Excel: cfg.Tables.Excel})
	if err == nil {
		err = tables.WriteFileAtomic(filepath.Join(tmp, "rapport.html"), r.WriteHTML)
		files = append(files, filepath.Join(tmp, "rapport.html"))
	}
	if err != nil {
		_ = os.RemoveAll(tmp) // the error of the writing is the one to report
		return jobs.Result{}, fmt.Errorf("writing the tables: %w", err)
	}
	st.AfterPublish(func() {
		if err := a.moveDerived(tmp, out); err != nil {
			a.Log.Error().Err(err).Str("dir", out).Msg("the run was published but its tables could not be moved into place; the next run writes them again")
		}
		if err := os.RemoveAll(tmp); err != nil {
			a.Log.Warn().Err(err).Str("dir", tmp).Msg("the derived job's temporary directory could not be removed")
		}
	})
	rows := 0
	for _, t := range r.Tables.Indicators {
		rows += max(len(t.Rows), 1)
	}
	return jobs.Result{RowsWritten: int64(rows),
		Summary: fmt.Sprintf("Tabeller och rapport för %s (%s): %s till %s, när körningen publiceras", r.Tables.MunicipalityName,
			r.Tables.MunicipalityID, swedish.Count(len(files), "fil", "filer"), out)}, nil
}

// checkTableFiles checks every file the tables of res write into dir.
func (a *App) checkTableFiles(res *tables.Result, dir string, formats []string, nightly bool) error {
	for _, f := range formats {
		for _, name := range res.FileNames(f) {
			if err := a.checkOut(filepath.Join(dir, name), nightly); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkOut checks one output file; the nightly job never forces.
func (a *App) checkOut(path string, nightly bool) error {
	g, err := a.OutputGuard()
	if err != nil {
		return err
	}
	if nightly {
		g.Force = false
	}
	return g.Check(path)
}

// moveDerived renames every file of tmp into the same place under out, one
// atomic rename each, and records it as nyckeltal's. A file that is not
// nyckeltal's any more (changed since the job checked) is left alone.
func (a *App) moveDerived(tmp, out string) error {
	var rels []string
	err := filepath.WalkDir(tmp, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(tmp, p)
			rels = append(rels, rel)
		}
		return err
	})
	if err != nil {
		return err
	}
	sort.Strings(rels)
	for _, rel := range rels {
		dst := filepath.Join(out, rel)
		if err := a.checkOut(dst, true); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(tmp, rel), dst); err != nil {
			return err
		}
		if err := outpath.Record(dst); err != nil {
			return err
		}
	}
	return nil
}

// CatalogResolution is what resolving a catalogue's titles found.
type CatalogResolution struct {
	Path        string
	From        string // where the titles were looked up
	Resolutions []catalog.Resolution
	Titles      map[string]string // KPI id → title
	Written     bool              // the ids were written into the file
	// NothingToResolve: every Kolada entry has an id already.
	NothingToResolve bool
}

// ResolveCatalog looks up the Kolada titles of the catalogue file without
// an id and writes the ids it is sure of into the file (not with dryRun).
func (a *App) ResolveCatalog(ctx context.Context, file string, remote, dryRun bool) (*CatalogResolution, error) {
	path, err := a.CatalogPath(file)
	if err != nil {
		return nil, err
	}
	if path == "" {
		return nil, UsageErrorf("the built-in catalogue cannot be written to: copy it with `nyckeltal catalog example > katalog.toml`, " +
			"then run `nyckeltal catalog resolve --catalog katalog.toml` (and set tables.catalog to it)")
	}
	c, err := catalog.Load(path)
	if err != nil {
		return nil, err
	}
	out := &CatalogResolution{Path: path}
	if c.Unresolved() == 0 {
		out.NothingToResolve = true
		return out, nil
	}
	kpis, from, err := a.kpiRefs(ctx, remote)
	if err != nil {
		return nil, err
	}
	res := c.Resolve(kpis)
	titles := map[string]string{}
	for _, k := range kpis {
		titles[k.ID] = k.Title
	}
	resolved := 0
	for _, r := range res {
		if r.Outcome == catalog.Resolved {
			resolved++
		}
	}
	out.From, out.Resolutions, out.Titles = from, res, titles
	if resolved > 0 && !dryRun {
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("reading the catalogue: %w", err)
		}
		edited, err := catalog.Rewrite(src, c, res, titles)
		if err != nil {
			return nil, fmt.Errorf("%w %s: %w; set the ids listed below by hand", catalog.ErrInvalid, path, err)
		}
		if err := writeFileKeepMode(path, edited); err != nil {
			return nil, err
		}
		out.Written = true
	}
	return out, nil
}

// kpiRefs is the KPI catalogue to resolve against: the store's, or Kolada's.
// Only a whole catalogue will do: among the few KPIs a store keeps with
// kolada.catalogue = "configured", a KPI that merely resembles a title would
// look like the only fit.
func (a *App) kpiRefs(ctx context.Context, remote bool) ([]catalog.KPIRef, string, error) {
	var kpis []store.KPI
	from := "databasens nyckeltalskatalog" // for people: the resolve summary says where it looked
	if remote {
		cfg, err := a.Config()
		if err != nil {
			return nil, "", err
		}
		client, err := a.KoladaClient()
		if err != nil {
			return nil, "", err
		}
		from = "Kolada:s nyckeltalskatalog (" + cfg.Kolada.BaseURL + ")"
		if kpis, err = kolada.KPICatalogue(ctx, client, cfg.Kolada.BaseURL); err != nil {
			return nil, "", fmt.Errorf("fetching Kolada's KPI catalogue: %w", err)
		}
	} else {
		st, err := a.OpenReader(ctx)
		if err != nil {
			return nil, "", err
		}
		defer st.Close()
		has, err := st.HasKPICatalogue(ctx, kolada.Source)
		if err != nil {
			return nil, "", err
		}
		if !has {
			return nil, "", UsageErrorf("the store does not keep Kolada's whole KPI catalogue yet (it does after a Kolada load with " +
				"kolada.catalogue = \"all\"); run `nyckeltal run`, or use --remote")
		}
		if kpis, err = st.KPIs(ctx, nil); err != nil {
			return nil, "", err
		}
	}
	return tables.KPIRefs(kpis), from, nil
}

// writeFileKeepMode replaces path with b in one rename, keeping its mode.
func writeFileKeepMode(path string, b []byte) error {
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	if err := tables.WriteFileAtomic(path, func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
		return err
	}
	return os.Chmod(path, mode)
}
