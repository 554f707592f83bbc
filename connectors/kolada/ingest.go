// Package kolada is the connector for Kolada's v3 REST API: it plans the
// fewest requests for a set of KPIs, municipalities and years, fetches them
// politely, and loads the values and metadata into the store as one load.
package kolada

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/swedish"
)

// Source is the source name of everything this connector writes.
const Source = "kolada"

// Fetcher returns the body of a URL. *Client is the real one.
type Fetcher interface {
	Get(ctx context.Context, url string) ([]byte, error)
}

// RequestCounter is implemented by fetchers that count their HTTP requests.
type RequestCounter interface {
	Requests() int64
}

// Options say what to ingest.
type Options struct {
	BaseURL        string
	KPIs           []string
	Municipalities []string // nil: every municipality
	Years          []int
	Groups         bool // every municipality group
	Catalogue      bool // the whole KPI catalogue, not just KPIs
	// OUMunicipalities, when set, also fetches organisational units and their
	// data (for KPIs that have OU data) in these municipalities.
	OUMunicipalities []string
	// Full refetches everything and ends values that Kolada no longer has;
	// otherwise only changes since the last successful load are asked for.
	Full       bool
	PerPage    int
	Margin     time.Duration
	ArchiveDir string
	// Now is the clock; it decides which values are preliminary.
	Now      func() time.Time
	Progress func(Progress)
	Logger   zerolog.Logger
}

// Progress is reported after every page.
type Progress struct {
	PagesDone  int
	PagesKnown int
	Values     int64
}

// Result is what one load did.
type Result struct {
	store.LoadResult
	Pages    int
	FromDate string
	Settled  int // values that stopped being preliminary
	Archive  string
	// SetAside counts values of units, KPIs or years the requests did not
	// ask for (group values among them), which were not stored.
	SetAside SetAside
	// NotFound is how many pages Kolada answered with 404, counted as pages
	// without rows (a data request's own, or any page a next_url named); KeptScopes how many KPI, year and unit slices of
	// a full load kept their stored values because their request answered
	// 404 at once (a 404 alone never ends stored values).
	NotFound   int
	KeptScopes int
	// EmptyWithNext is how many pages had no rows but a next_url (paging
	// ended there); Restored counts, per parameter, the next_urls that had
	// lost it and got it back.
	EmptyWithNext int
	Restored      map[string]int
	// GroupValuesEnded is how many group values stored by earlier versions
	// (taken from the API) this load ended; v_kolada_group_value computes
	// them from the members instead.
	GroupValuesEnded int64
	// Groups are the group ids of the query, fetched as their members.
	Groups []string
	// NoDataAs404 is true when a 404 on a data route counted as no data:
	// unless the latest probe found that Kolada answers no data with 200.
	NoDataAs404 bool
}

// Notes say, in a line each, what the load set aside, restored or kept that
// a reader of its numbers should know. They are for the load's summary.
func (r Result) Notes() []string {
	var out []string
	if n := r.SetAside.Total(); n > 0 {
		out = append(out, fmt.Sprintf("%s sparades inte: %s", swedish.Count(n, "värde", "värden"), r.SetAside))
	}
	if len(r.Groups) > 0 {
		out = append(out, fmt.Sprintf("grupperna %s hämtades som sina medlemmar; gruppernas värden räknas fram ur medlemmarnas (v_kolada_group_value)",
			strings.Join(r.Groups, ", ")))
	}
	if r.NotFound > 0 {
		out = append(out, fmt.Sprintf("%d %s svarade 404, räknat som inga data", r.NotFound, plural(r.NotFound, "sida", "sidor")))
	}
	if r.KeptScopes > 0 {
		out = append(out, fmt.Sprintf("%d %s (nyckeltal, år och enhet) behöll sina sparade värden: deras fullständiga uppdatering svarade bara 404",
			r.KeptScopes, plural(r.KeptScopes, "del", "delar")))
	}
	if r.EmptyWithNext > 0 {
		out = append(out, fmt.Sprintf("%d %s hade en next_url; bläddringen slutade där", r.EmptyWithNext,
			plural(r.EmptyWithNext, "tom sida", "tomma sidor")))
	}
	if len(r.Restored) > 0 {
		var ps []string
		for p, n := range r.Restored {
			ps = append(ps, fmt.Sprintf("%s på %d", p, n))
		}
		sort.Strings(ps)
		out = append(out, "next_url tappade parametrar ur frågan, som lades tillbaka: "+strings.Join(ps, ", ")+" sidor")
	}
	if r.GroupValuesEnded > 0 {
		out = append(out, fmt.Sprintf("%d gruppvärden som tidigare versioner hämtade ur API:t avslutades; v_kolada_group_value räknar fram dem ur medlemmarnas",
			r.GroupValuesEnded))
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// stockholm is where Kolada's publication dates are dates.
var stockholm = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// run is one load in progress.
type run struct {
	opts    Options
	plan    loadPlan
	loader  *store.Loader
	fetcher Fetcher
	cov     map[store.CoverageKey]time.Time
	today   time.Time
	kpis    map[string]*store.KPI
	ous     map[string][]string // OU ids per municipality
	// kept counts the scopes of a full load left alone because their
	// request answered 404 at once.
	kept     int
	archive  *archiveWriter
	progress Progress
	values   int64
	settled  int
	// requestsBefore is the fetcher's request count when the load began.
	requestsBefore int64

	// municipalities are the ids /municipality listed in this load: what
	// "every municipality" means for a data request without a unit segment.
	municipalities map[string]bool
	setAside       SetAside
	notFound       int
	emptyWithNext  int
	restored       map[string]int
	groupsEnded    int64
	// noDataAs404: a 404 on a data route is a page without rows.
	noDataAs404 bool
}

func newRun(opts Options, plan loadPlan, f Fetcher, today time.Time) *run {
	r := &run{opts: opts, plan: plan, fetcher: f, today: today.In(stockholm),
		kpis: map[string]*store.KPI{}, ous: map[string][]string{}, municipalities: map[string]bool{},
		restored: map[string]int{}, noDataAs404: true}
	if rc, ok := f.(RequestCounter); ok {
		r.requestsBefore = rc.Requests()
	}
	return r
}

// requests is how many HTTP requests this load has made.
func (r *run) requests() int64 {
	if rc, ok := r.fetcher.(RequestCounter); ok {
		return rc.Requests() - r.requestsBefore
	}
	return 0
}

// fail records err on the load and returns it.
func (r *run) fail(ctx context.Context, res Result, err error) (Result, error) {
	r.archive.abandon()
	r.loader.CountRequests(r.requests())
	r.loader.CountRead(r.values)
	res.Requests = r.requests()
	if failErr := r.loader.Fail(ctx, err); failErr != nil {
		return res, errors.Join(err, failErr)
	}
	return res, err
}

// Ingest fetches through f and loads the result as one load.
func Ingest(ctx context.Context, st *store.Store, f Fetcher, opts Options) (Result, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.PerPage <= 0 || opts.PerPage > MaxPerPage {
		opts.PerPage = MaxPerPage
	}
	cov, err := st.CoverageSince(ctx, Source)
	if err != nil {
		return Result{}, err
	}
	probe, err := st.LatestKoladaProbe(ctx, strings.TrimSuffix(opts.BaseURL, "/"))
	if err != nil {
		return Result{}, err
	}
	// Group ids are fetched as their members, before the plan, so that the
	// plan and its coverage name municipalities only. A failure here comes
	// before the load begins: it is the job's failure, not a load's. Its
	// requests are the load's.
	var requestsBefore int64
	if rc, ok := f.(RequestCounter); ok {
		requestsBefore = rc.Requests()
	}
	members, err := groupMembers(ctx, f, opts)
	if err != nil {
		return Result{}, err
	}
	opts.Municipalities = expandGroups(opts.Municipalities, members)
	plan, err := makePlan(cov, opts)
	if err != nil {
		return Result{}, err
	}
	plan.GroupMembers = members
	r := newRun(opts, plan, f, opts.Now())
	r.requestsBefore = requestsBefore
	r.cov = cov
	r.noDataAs404 = probe == nil || probe.Answer(BehaviourNoData) != AnswerEmpty200
	r.loader, err = st.BeginLoad(ctx, store.LoadSpec{Source: Source, Mode: plan.Mode, Params: plan})
	if err != nil {
		return Result{}, err
	}
	res, err := r.fetchAndCommit(ctx)
	if err != nil {
		return r.fail(ctx, res, err)
	}
	return res, nil
}

func (r *run) fetchAndCommit(ctx context.Context) (Result, error) {
	var res Result
	res.FromDate = r.plan.FromDate
	if r.opts.ArchiveDir != "" {
		aw, err := newArchiveWriter(r.opts.ArchiveDir, r.loader.ID(), r.loader.StartedAt(), r.plan.Mode)
		if err != nil {
			return res, err
		}
		r.archive = aw
		res.Archive = aw.dir
	}
	urls := metadataURLs(&r.plan, r.opts.PerPage)
	r.progress.PagesKnown = len(urls)
	for _, u := range urls {
		if err := r.fetchAll(ctx, u); err != nil {
			return res, err
		}
	}
	dataURLs := r.planDataURLs()
	r.progress.PagesKnown += len(dataURLs)
	if err := r.fetchData(ctx, dataURLs); err != nil {
		return res, err
	}
	if err := r.endGroupValues(ctx); err != nil {
		return res, err
	}
	if err := r.settlePreliminary(ctx); err != nil {
		return res, err
	}
	return r.commit(ctx, res)
}

// endGroupValues ends the group values that versions before 2026-12 took from
// the API (a group id in the municipality segment answered the group's
// mean). Group values are now computed from the members in the store
// (v_kolada_group_value); the ended values stay in the history.
func (r *run) endGroupValues(ctx context.Context) error {
	n, err := r.loader.StageEndOfKind(ctx, Source, store.UnitGroup)
	r.groupsEnded += n
	return err
}

// commit stages scopes and coverage and merges the load. A failed commit
// has already marked the load failed.
func (r *run) commit(ctx context.Context, res Result) (Result, error) {
	if err := r.stageScopesAndCoverage(); err != nil {
		return res, err
	}
	r.loader.CountRequests(r.requests())
	r.loader.CountRead(r.values)
	res.Pages = r.progress.PagesDone
	res.Settled = r.settled
	res.SetAside = r.setAside
	res.NotFound, res.EmptyWithNext, res.GroupValuesEnded = r.notFound, r.emptyWithNext, r.groupsEnded
	res.KeptScopes = r.kept
	res.NoDataAs404 = r.noDataAs404
	for g := range r.plan.GroupMembers {
		res.Groups = append(res.Groups, g)
	}
	sort.Strings(res.Groups)
	if len(r.restored) > 0 {
		res.Restored = r.restored
	}
	r.loader.CountSkipped(r.setAside.Total())
	lr, err := r.loader.Commit(ctx)
	res.LoadResult = lr
	if err != nil {
		return res, err
	}
	if r.archive != nil {
		err := r.archive.complete(archiveLoad{Source: Source, LoadID: lr.LoadID, StartedAt: lr.StartedAt,
			FinishedAt: lr.FinishedAt, Today: r.today, Plan: r.plan})
		if err != nil {
			// The data is loaded; only the archive is unusable. Say so.
			return res, fmt.Errorf("load %d committed, but its archive could not be finished: %w", lr.LoadID, err)
		}
	}
	return res, nil
}

// fetchAll fetches a URL and every page after it.
func (r *run) fetchAll(ctx context.Context, request string) error {
	seen := map[string]bool{}
	for url := request; url != ""; {
		if seen[url] {
			return fmt.Errorf("%w: next_url loops back to %s", ErrInvalidPage, url)
		}
		seen[url] = true
		if err := ctx.Err(); err != nil {
			return err
		}
		body, err := r.fetcher.Get(ctx, url)
		if err != nil && url != request && notFound(err) {
			// A page a next_url named answered 404: Kolada's way, maybe, of
			// saying there is nothing more. The request's own 404 is an error.
			r.notFound++
			r.pageDone("")
			return nil
		}
		if err != nil {
			return err
		}
		if r.archive != nil {
			if err := r.archive.add(url, time.Now(), body); err != nil {
				return err
			}
		}
		next, rows, err := r.handlePage(url, body)
		if err != nil {
			return fmt.Errorf("reading %s: %w", url, err)
		}
		next, step := nextPage(request, next, rows)
		r.countStep(step)
		r.pageDone(next)
		url = next
	}
	return nil
}

// countStep counts what following a next_url took, for the summary.
func (r *run) countStep(step pageStep) {
	if step.emptyWithNext {
		r.emptyWithNext++
	}
	for _, p := range step.restored {
		r.restored[p]++
	}
}

// fetchData fetches the data URLs and their following pages. A goroutine
// fetches and decodes while this one stages, so that the network, the JSON
// decoding and DuckDB's appender work at the same time.
func (r *run) fetchData(ctx context.Context, urls []string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type fetched struct {
		url  string
		body []byte // nil for a 404 counted as no data
		page Page[DataRow]
		// asked is what the request asked for; first marks its first page.
		asked *asked
		first bool
		// next is the page to fetch after this one, "" when paging ends.
		next string
		step pageStep
		err  error
	}
	pages := make(chan fetched, 2)
	go func() {
		defer close(pages)
		send := func(f fetched) bool {
			select {
			case pages <- f:
				return f.err == nil
			case <-ctx.Done():
				return false
			}
		}
		for _, request := range urls {
			a, err := askedOf(r.plan.BaseURL, request)
			if err != nil {
				send(fetched{err: err})
				return
			}
			seen := map[string]bool{}
			for url, first := request, true; url != ""; first = false {
				if seen[url] {
					send(fetched{err: fmt.Errorf("%w: next_url loops back to %s", ErrInvalidPage, url)})
					return
				}
				seen[url] = true
				f := fetched{url: url, asked: &a, first: first}
				f.body, f.err = r.fetcher.Get(ctx, url)
				switch {
				case f.err != nil && notFound(f.err) && (r.noDataAs404 || !first):
					// Kolada may answer "no data" with 404 (docs/KOLADA-API.md),
					// and a page a next_url named that answers 404 has nothing.
					f.err = nil
				case f.err != nil && notFound(f.err):
					f.err = fmt.Errorf("%w: a data request answered 404, but the latest probe found that Kolada answers "+
						"no data with 200 and an empty page: %w", ErrNotAsProbed, f.err)
				case f.err == nil:
					if f.page, f.err = DecodeDataPage(f.body); f.err != nil {
						f.err = fmt.Errorf("reading %s: %w", url, f.err)
					}
				}
				if f.err == nil {
					f.next, f.step = nextPage(request, f.page.NextURL, len(f.page.Values))
				}
				url = f.next
				if !send(f) {
					return
				}
			}
		}
	}()
	for f := range pages {
		if f.err != nil {
			return f.err
		}
		if f.body == nil {
			r.notFound++
			if f.first {
				r.plan.NotFound = append(r.plan.NotFound, f.url)
			}
		} else if r.archive != nil {
			if err := r.archive.add(f.url, time.Now(), f.body); err != nil {
				return err
			}
		}
		for i := range f.page.Values {
			if err := r.stageRow(&f.page.Values[i], f.asked); err != nil {
				return fmt.Errorf("reading %s: %w", f.url, err)
			}
		}
		r.countStep(f.step)
		r.pageDone(f.next)
	}
	return ctx.Err()
}

// pageDone counts a page for the progress report.
func (r *run) pageDone(next string) {
	r.progress.PagesDone++
	if next != "" {
		r.progress.PagesKnown++
	}
	r.progress.Values = r.values
	if r.opts.Progress != nil {
		r.opts.Progress(r.progress)
	}
}

// handlePage decodes and stages one page, returning its next_url and how
// many rows it had.
func (r *run) handlePage(url string, body []byte) (string, int, error) {
	kind, err := pageKind(r.plan.BaseURL, url)
	if err != nil {
		return "", 0, err
	}
	switch kind {
	case kindKPI:
		p, err := decodePage[json.RawMessage](body)
		if err != nil {
			return "", 0, err
		}
		for _, raw := range p.Values {
			var k KPI
			if err := json.Unmarshal(raw, &k); err != nil || k.ID == "" {
				return "", 0, fmt.Errorf("%w: KPI record %s", ErrInvalidPage, truncate(string(raw), 80))
			}
			sk := k.toStore(raw)
			if err := r.loader.StageKPI(sk); err != nil {
				return "", 0, err
			}
			r.kpis[sk.ID] = &sk
		}
		return p.NextURL, len(p.Values), nil
	case kindMunicipality:
		p, err := decodePage[Municipality](body)
		if err != nil {
			return "", 0, err
		}
		for _, m := range p.Values {
			if m.ID == "" {
				continue
			}
			if err := r.loader.StageMunicipality(store.Municipality{ID: m.ID, Title: RepairText(m.Title), Type: m.Type}); err != nil {
				return "", 0, err
			}
			r.municipalities[m.ID] = true
		}
		return p.NextURL, len(p.Values), nil
	case kindGroups:
		p, err := decodePage[Group](body)
		if err != nil {
			return "", 0, err
		}
		for _, g := range p.Values {
			if g.ID == "" {
				continue
			}
			sg := store.Group{ID: g.ID, Title: RepairText(g.Title)}
			for _, m := range g.Members {
				sg.Members = append(sg.Members, store.GroupMember{ID: m.ID, Title: RepairText(m.Title)})
			}
			if err := r.loader.StageGroup(sg); err != nil {
				return "", 0, err
			}
		}
		return p.NextURL, len(p.Values), nil
	case kindOU:
		p, err := decodePage[OU](body)
		if err != nil {
			return "", 0, err
		}
		for _, o := range p.Values {
			if o.ID == "" {
				continue
			}
			if err := r.loader.StageOU(store.OU{ID: o.ID, MunicipalityID: o.Municipality, Title: RepairText(o.Title)}); err != nil {
				return "", 0, err
			}
			r.ous[o.Municipality] = append(r.ous[o.Municipality], o.ID)
		}
		return p.NextURL, len(p.Values), nil
	default: // data, oudata
		p, err := DecodeDataPage(body)
		if err != nil {
			return "", 0, err
		}
		a, err := askedOf(r.plan.BaseURL, url)
		if err != nil {
			return "", 0, err
		}
		for i := range p.Values {
			if err := r.stageRow(&p.Values[i], &a); err != nil {
				return "", 0, err
			}
		}
		return p.NextURL, len(p.Values), nil
	}
}

// stageRow stages a row's values, unless the request did not ask for it.
func (r *run) stageRow(row *DataRow, a *asked) error {
	if ok, err := r.keep(row, a); !ok || err != nil {
		return err
	}
	kind, unit := unitOf(row.Municipality), row.Municipality
	if row.OU != "" {
		kind, unit = store.UnitOU, row.OU
	}
	year := int(row.Period.Int)
	prelim := Preliminary(r.kpis[row.KPI], year, r.today)
	for _, v := range row.Values {
		o := store.Observation{
			Source: Source, IndicatorID: row.KPI, UnitKind: kind, UnitID: unit,
			Period: store.YearPeriod(year), Gender: v.Gender, Regi: store.RegiAll,
			Value: v.Value, Status: string(v.Status), Preliminary: prelim, Deleted: bool(v.IsDeleted),
		}
		if v.Count.Valid {
			c := v.Count.Int
			o.Count = &c
		}
		if err := r.loader.Stage(o); err != nil {
			return err
		}
		r.values++
	}
	return nil
}

// keep decides whether a row belongs to what its request asked for. Rows
// that do not are counted and set aside, never stored: a group's values
// (computed from its members instead), a unit the request did not name — or,
// asked for every municipality, one /municipality does not list — and a KPI
// or year not asked for.
func (r *run) keep(row *DataRow, a *asked) (bool, error) {
	unit := row.Municipality
	if row.OU != "" {
		unit = row.OU
	}
	n := int64(len(row.Values))
	all := a.units == nil && !a.ou
	if all && len(r.municipalities) == 0 {
		return false, fmt.Errorf("%w: /municipality listed no municipality, so the rows of a request for every municipality cannot be placed", ErrInvalidPage)
	}
	switch {
	case row.OU == "" && unitOf(unit) == store.UnitGroup:
		r.setAside.add(&r.setAside.Groups, n, unit)
	case all && !r.municipalities[unit], !all && a.units != nil && !a.units[unit]:
		r.setAside.add(&r.setAside.Units, n, unit)
	case a.kpis != nil && !a.kpis[row.KPI], a.years != nil && !a.years[int(row.Period.Int)]:
		r.setAside.add(&r.setAside.Other, n, fmt.Sprintf("%s %d", row.KPI, row.Period.Int))
	default:
		return true, nil
	}
	return false, nil
}

// settlePreliminary re-stages, as final, current values that were
// preliminary when fetched but whose KPI has since been published in full.
// Kolada does not always resend such values, and the flag must not stick.
// It runs after the load's own values are staged, which take precedence.
// Whether a value is preliminary depends only on its KPI and year, so the
// rule is decided here per pair and the rows are copied inside the database.
func (r *run) settlePreliminary(ctx context.Context) error {
	pairs, err := r.loader.PreliminaryPairs(ctx, Source)
	if err != nil {
		return err
	}
	for _, p := range pairs {
		k, ok := r.kpis[p.IndicatorID]
		if !ok || Preliminary(k, p.Year, r.today) {
			continue
		}
		n, err := r.loader.RestageAsFinal(ctx, Source, p)
		if err != nil {
			return err
		}
		r.settled += int(n)
	}
	return nil
}

// planDataURLs lists the data requests; OU requests need the OUs fetched
// with the metadata.
func (r *run) planDataURLs() []string {
	p := &r.plan
	var urls []string
	if p.Mode == "full" || p.FromDate == "" {
		urls = dataURLs(p.BaseURL, p.KPIs, p.Municipalities, p.Years, r.opts.PerPage, "")
	} else {
		if len(p.FullKPIs) > 0 {
			urls = dataURLs(p.BaseURL, p.FullKPIs, p.Municipalities, p.FullYears, r.opts.PerPage, "")
		}
		urls = append(urls, dataURLs(p.BaseURL, p.KPIs, p.Municipalities, p.Years, r.opts.PerPage, p.FromDate)...)
	}
	if ouKPIs, ous := r.ouTargets(); len(ouKPIs) > 0 && len(ous) > 0 {
		// OU data is asked for as changes only when every OU KPI and year
		// was fetched before; otherwise whole.
		if p.Mode != "full" {
			full, _, since, covered := splitByCoverage(r.cov, ouKPIs, p.Years, ouScopes(p.OUMunicipalities))
			if covered && len(full) == 0 {
				p.OUFromDate = fromDate(since, r.opts.Margin)
			}
		}
		urls = append(urls, ouDataURLs(p.BaseURL, ouKPIs, ous, p.Years, r.opts.PerPage, p.OUFromDate)...)
	}
	return urls
}

func (r *run) ouTargets() (kpis, ous []string) {
	if len(r.plan.OUMunicipalities) == 0 {
		return nil, nil
	}
	for _, k := range r.plan.KPIs {
		if m := r.kpis[k]; m != nil && m.HasOUData {
			kpis = append(kpis, k)
		}
	}
	for _, m := range r.plan.OUMunicipalities {
		ous = append(ous, r.ous[m]...)
	}
	sort.Strings(ous)
	return kpis, ous
}

// stageScopesAndCoverage: a full load replaces what it covers; every load
// records what it covered, for the next incremental one.
func (r *run) stageScopesAndCoverage() error {
	p := &r.plan
	ouKPIs, ous := r.ouTargets()
	if p.Mode == "full" {
		keep, err := r.notFoundScopes()
		if err != nil {
			return err
		}
		for _, k := range ouKPIs {
			for _, y := range p.Years {
				for _, o := range ous {
					if keep[scopeKey{true, k, y, o}] {
						r.kept++
						continue
					}
					sc := store.Scope{Source: Source, IndicatorID: k, UnitKind: store.UnitOU, UnitID: o, PeriodType: store.PeriodYear, Year: y}
					if err := r.loader.StageScope(sc); err != nil {
						return err
					}
				}
			}
		}
		targets := p.Municipalities
		if len(targets) == 0 {
			targets = []string{""}
		}
		for _, k := range p.KPIs {
			for _, y := range p.Years {
				for _, m := range targets {
					if keep[scopeKey{false, k, y, m}] {
						r.kept++
						continue
					}
					kind := store.UnitMunicipality
					if m != "" {
						kind = unitOf(m)
					}
					sc := store.Scope{Source: Source, IndicatorID: k, UnitKind: kind, UnitID: m, PeriodType: store.PeriodYear, Year: y}
					if err := r.loader.StageScope(sc); err != nil {
						return err
					}
				}
			}
		}
	}
	stage := func(kpis []string, scopes []string) error {
		for _, k := range kpis {
			for _, y := range p.Years {
				for _, s := range scopes {
					if err := r.loader.StageCoverage(store.Coverage{Source: Source, IndicatorID: k, Scope: s, Year: y}); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	if err := stage(p.KPIs, unitScopes(p.Municipalities)); err != nil {
		return err
	}
	if len(ouKPIs) > 0 {
		return stage(ouKPIs, ouScopes(p.OUMunicipalities))
	}
	return nil
}

// scopeKey names a KPI, year and unit slice of a full load; unit "" is
// every municipality.
type scopeKey struct {
	ou   bool
	kpi  string
	year int
	unit string
}

// notFoundScopes are the slices of the data requests whose first page
// answered 404. A full load does not end their stored values: a 404 may be
// Kolada's "no data", but also a route or id it no longer knows, and a wrong
// guess would end good values without a word.
func (r *run) notFoundScopes() (map[scopeKey]bool, error) {
	out := map[scopeKey]bool{}
	for _, u := range r.plan.NotFound {
		a, err := askedOf(r.plan.BaseURL, u)
		if err != nil {
			return nil, err
		}
		units := []string{""}
		if a.units != nil {
			units = units[:0]
			for id := range a.units {
				units = append(units, id)
			}
		}
		for k := range a.kpis {
			for y := range a.years {
				for _, id := range units {
					out[scopeKey{a.ou, k, y, id}] = true
				}
			}
		}
	}
	return out, nil
}

// makePlan decides between a full and an incremental load and, for an
// incremental one, what was never fetched and since when to ask for changes.
func makePlan(cov map[store.CoverageKey]time.Time, opts Options) (loadPlan, error) {
	if len(opts.KPIs) == 0 {
		return loadPlan{}, errors.New("planning Kolada load: no KPIs")
	}
	if len(opts.Years) == 0 {
		return loadPlan{}, errors.New("planning Kolada load: no years")
	}
	p := loadPlan{
		Mode: "full", BaseURL: strings.TrimSuffix(opts.BaseURL, "/"), Catalogue: opts.Catalogue, Groups: opts.Groups,
		KPIs: opts.KPIs, Municipalities: opts.Municipalities, Years: opts.Years, OUMunicipalities: opts.OUMunicipalities,
	}
	if opts.Full {
		return p, nil
	}
	fullKPIs, fullYears, since, anyCovered := splitByCoverage(cov, opts.KPIs, opts.Years, unitScopes(opts.Municipalities))
	if !anyCovered {
		return p, nil // nothing fetched before: this is a full load
	}
	p.Mode = "incremental"
	p.FromDate = fromDate(since, opts.Margin)
	p.FullKPIs, p.FullYears = fullKPIs, fullYears
	return p, nil
}

// Replay loads archived loads from dir (one archived load, or a directory of
// them, replayed oldest first) without network. Each becomes a load of mode
// "archive" that stages exactly what the original did.
func Replay(ctx context.Context, st *store.Store, dir string, opts Options) ([]Result, error) {
	dirs, err := archiveDirs(dir)
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, d := range dirs {
		res, err := replayOne(ctx, st, d, opts)
		if err != nil {
			return out, fmt.Errorf("replaying %s: %w", d, err)
		}
		out = append(out, res)
	}
	return out, nil
}

func replayOne(ctx context.Context, st *store.Store, dir string, opts Options) (Result, error) {
	al, pages, err := readArchive(dir)
	if err != nil {
		return Result{}, err
	}
	r := newRun(opts, al.Plan, nil, al.Today)
	params := struct {
		Archive string   `json:"archive"`
		LoadID  int64    `json:"archived_load_id"`
		Plan    loadPlan `json:"plan"`
	}{dir, al.LoadID, al.Plan}
	r.loader, err = st.BeginLoad(ctx, store.LoadSpec{Source: Source, Mode: "archive", Params: params})
	if err != nil {
		return Result{}, err
	}
	res := Result{FromDate: al.Plan.FromDate}
	reader := &archiveReader{dir: dir}
	r.progress.PagesKnown = len(pages)
	for _, p := range pages {
		if err := ctx.Err(); err != nil {
			return r.fail(ctx, res, err)
		}
		body, err := reader.read(p)
		if err != nil {
			return r.fail(ctx, res, err)
		}
		if _, _, err := r.handlePage(p.URL, body); err != nil {
			return r.fail(ctx, res, fmt.Errorf("archived page %d (%s): %w", p.Seq, p.URL, err))
		}
		r.pageDone("")
	}
	if err := r.endGroupValues(ctx); err != nil {
		return r.fail(ctx, res, err)
	}
	if err := r.settlePreliminary(ctx); err != nil {
		return r.fail(ctx, res, err)
	}
	return r.commit(ctx, res)
}

// SearchKPIs asks Kolada for the KPIs whose title contains text.
func SearchKPIs(ctx context.Context, f Fetcher, baseURL, text string) ([]store.KPI, error) {
	return fetchKPIs(ctx, f, strings.TrimSuffix(baseURL, "/")+"/kpi?title="+url.QueryEscape(text))
}

// KPICatalogue fetches Kolada's whole KPI catalogue (every page of /kpi).
func KPICatalogue(ctx context.Context, f Fetcher, baseURL string) ([]store.KPI, error) {
	return fetchKPIs(ctx, f, strings.TrimSuffix(baseURL, "/")+"/kpi"+pageQuery(5000, ""))
}

func fetchKPIs(ctx context.Context, f Fetcher, request string) ([]store.KPI, error) {
	var out []store.KPI
	for seen, next := map[string]bool{}, request; next != "" && !seen[next]; {
		seen[next] = true
		body, err := f.Get(ctx, next)
		if err != nil && next != request && notFound(err) {
			break // a page a next_url named has nothing
		}
		if err != nil {
			return nil, err
		}
		p, err := decodePage[json.RawMessage](body)
		if err != nil {
			return nil, err
		}
		for _, raw := range p.Values {
			var k KPI
			if err := json.Unmarshal(raw, &k); err != nil {
				return nil, fmt.Errorf("%w: KPI record %s", ErrInvalidPage, truncate(string(raw), 80))
			}
			out = append(out, k.toStore(raw))
		}
		next, _ = nextPage(request, p.NextURL, len(p.Values))
	}
	return out, nil
}
