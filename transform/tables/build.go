package tables

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/transform/catalog"
	"github.com/nyckeltal/nyckeltal/transform/nka"
)

// ErrNoData means the store has nothing to make tables of.
var ErrNoData = errors.New("no data for the tables")

// Riket is Kolada's id of the whole country.
const Riket = "0000"

// Reader is what the tables read of the store; *store.Store implements it.
type Reader interface {
	LastLoadFinished(ctx context.Context) (*time.Time, error)
	MunicipalityTitle(ctx context.Context, id string) (string, bool, error)
	HasKPICatalogue(ctx context.Context, source string) (bool, error)
	KPIs(ctx context.Context, ids []string) ([]store.KPI, error)
	KPIStates(ctx context.Context, source, municipality string, ids []string) (map[string]store.KPIState, error)
	KoladaYearValues(ctx context.Context, ids []string) ([]store.YearValue, error)
	LocalValues(ctx context.Context, codes []string, home string) ([]store.LocalValue, error)
	LocalIndicators(ctx context.Context, codes []string) ([]store.LocalIndicator, error)
}

// Builder reads the store. NKA supplies the "Liknande kommuner" groups, so
// that the tables compare with the same group as `nyckeltal gap`.
type Builder struct {
	Store Reader
	NKA   *nka.Engine
}

// Request says whose tables to build.
type Request struct {
	Catalog *catalog.Catalog
	// Municipality is the id the tables are for.
	Municipality string
	// HomeMunicipality is the id local values are stored under; local
	// indicators have values only when Municipality is it.
	HomeMunicipality string
	// Years to show; empty: every year the catalogue's indicators have values.
	Years []int
	// InterimEndMonth is the last month of the delår (local.interim_end_month).
	InterimEndMonth int
}

type obsKey struct {
	indicator, unit string
	year            int
	gender          string
}

type obs struct {
	value       *float64
	preliminary bool
}

type localKey struct {
	indicator string
	split     Split
	period    PeriodKey
}

type localInfo struct{ title, unit, system string }

// areaTitle names an NKA area for people ("äldreomsorg"); an unknown slug
// stays as it is.
func (b *Builder) areaTitle(slug string) string {
	if a, ok := nka.AreaBySlug(b.NKA.Areas, slug); ok {
		return a.Title
	}
	return slug
}

// Build computes the tables.
func (b *Builder) Build(ctx context.Context, req Request) (*Result, error) {
	c := req.Catalog
	if err := b.checkAreas(c); err != nil {
		return nil, err
	}
	res := &Result{MunicipalityID: req.Municipality, MunicipalityName: req.Municipality, Catalog: c}
	asOf, err := b.Store.LastLoadFinished(ctx)
	if err != nil {
		return nil, err
	}
	if asOf == nil {
		return nil, fmt.Errorf("%w: the store has no successful load yet", ErrNoData)
	}
	res.DataAsOf = asOf.UTC()
	if name, ok, err := b.Store.MunicipalityTitle(ctx, req.Municipality); err != nil {
		return nil, err
	} else if ok {
		res.MunicipalityName = name
	}

	// Titles without an id: resolved against the KPI catalogue the store
	// keeps, and used only where the choice is certain.
	var titles titleLookups
	if c.Unresolved() > 0 {
		if titles.haveCatalogue, err = b.Store.HasKPICatalogue(ctx, "kolada"); err != nil {
			return nil, err
		}
		if titles.haveCatalogue {
			kpis, err := b.Store.KPIs(ctx, nil)
			if err != nil {
				return nil, err
			}
			titles.res = c.Resolve(KPIRefs(kpis))
			c = c.Apply(titles.res)
		}
		res.Catalog = c
	}
	kolada, err := b.koladaValues(ctx, c)
	if err != nil {
		return nil, err
	}
	states, err := b.Store.KPIStates(ctx, "kolada", req.Municipality, c.KoladaKPIs())
	if err != nil {
		return nil, err
	}
	local, infos, err := b.localValues(ctx, c, req)
	if err != nil {
		return nil, err
	}
	groups := map[string]map[int]nka.PeerGroup{}
	for _, ind := range c.Indicators {
		if ind.Area == "" || !catalog.IsKoladaID(ind.Source) || groups[ind.Area] != nil {
			continue
		}
		if groups[ind.Area], err = b.NKA.PeerGroups(ctx, req.Municipality, ind.Area, nil); err != nil {
			return nil, fmt.Errorf("reading the peer groups of %s: %w", ind.Area, err)
		}
	}
	// groups that seem to be the municipality's (or anyone's) but are not used
	problems, err := b.NKA.GroupProblems(ctx, []string{req.Municipality, ""}, nil)
	if err != nil {
		return nil, err
	}

	res.Years = req.Years
	if len(res.Years) == 0 {
		res.Years = yearsWithValues(kolada, local, req.Municipality)
	}
	shown := map[int]bool{}
	for _, y := range res.Years {
		shown[y] = true
	}
	maxYear := 0
	if n := len(res.Years); n > 0 {
		maxYear = res.Years[n-1]
	}
	for i, ind := range c.Indicators {
		t := &IndicatorTable{Indicator: req.Catalog.Indicators[i], SourceID: ind.Source, Kolada: ind.IsKolada()}
		t.Malomrade, _ = c.MalomradeByID(ind.Malomrade)
		t.Mal, _ = c.MalByID(ind.Mal)
		if t.Kolada {
			t.SourceSystem = "Kolada"
			t.SourceName = states[ind.Source].Title
			k := koladaTable{t: t, ind: ind, req: req, vals: kolada, states: states, groups: groups[ind.Area],
				shown: shown, maxYear: maxYear, municipality: res.MunicipalityName, areaTitle: b.areaTitle(ind.Area)}
			if t.Indicator.Source == "" {
				k.title, k.haveCatalogue = titles.of(i), titles.haveCatalogue
			}
			k.rows()
			if ind.Area != "" {
				t.Notes = append(t.Notes, groupNotes(groups[ind.Area], problems, ind.Area, shown)...)
			}
		} else {
			info := infos[ind.Source]
			t.SourceName, t.SourceSystem = info.title, info.system
			if t.SourceSystem == "" {
				t.SourceSystem = ind.SourceSystem
			}
			localRows(t, req, local, shown)
		}
		if ind.Note != "" {
			t.Notes = append(t.Notes, ind.Note)
		}
		res.Indicators = append(res.Indicators, t)
	}
	return res, nil
}

func (b *Builder) checkAreas(c *catalog.Catalog) error {
	var bad []string
	check := func(what, area string) {
		if area == "" {
			return
		}
		if _, ok := nka.AreaBySlug(b.NKA.Areas, area); !ok {
			bad = append(bad, fmt.Sprintf("%s: area %q is not an NKA area (%s)", what, area, strings.Join(nka.Slugs(b.NKA.Areas), ", ")))
		}
	}
	for _, ind := range c.Indicators {
		check("indicator "+ind.Code, ind.Area)
	}
	for _, s := range c.Scatters {
		check("scatter "+s.Name, s.Area)
	}
	if len(bad) > 0 {
		name := c.File
		if name == "" {
			name = catalog.BuiltinName
		}
		return fmt.Errorf("%w %s: %s", catalog.ErrInvalid, name, strings.Join(bad, "; "))
	}
	return nil
}

// koladaValues reads the yearly municipality values of the catalogue's KPIs
// for every municipality (the peers and Riket are compared with).
func (b *Builder) koladaValues(ctx context.Context, c *catalog.Catalog) (map[obsKey]obs, error) {
	ids := c.KoladaKPIs()
	out := map[obsKey]obs{}
	if len(ids) == 0 {
		return out, nil
	}
	values, err := b.Store.KoladaYearValues(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, v := range values {
		out[obsKey{v.Indicator, v.Unit, v.Year, v.Gender}] = obs{value: v.Value, preliminary: v.Preliminary}
	}
	return out, nil
}

// localValues reads the catalogue's local indicators: the home
// municipality's values and those of its enheter, with their periods mapped
// to the catalogue's (helår, delår, kvartal).
func (b *Builder) localValues(ctx context.Context, c *catalog.Catalog, req Request) (map[localKey]obs, map[string]localInfo, error) {
	var codes []string
	for _, ind := range c.Indicators {
		if catalog.IsLocalCode(ind.Source) {
			codes = append(codes, ind.Source)
		}
	}
	out := map[localKey]obs{}
	infos := map[string]localInfo{}
	if len(codes) == 0 {
		return out, infos, nil
	}
	values, err := b.Store.LocalValues(ctx, codes, req.HomeMunicipality)
	if err != nil {
		return nil, nil, err
	}
	for _, v := range values {
		p, ok := catalogPeriod(v.PeriodType, v.PeriodStart, v.PeriodEnd, req.InterimEndMonth)
		if !ok {
			continue
		}
		var split Split
		switch {
		case v.UnitKind == "local_unit" && v.Gender == "T" && v.Regi == "alla":
			split = Split{Unit, v.UnitID}
		case v.UnitKind == "local_unit":
			continue // an enhet's kön or regi split: beyond what the tables show
		case v.Gender == "T" && v.Regi == "alla":
			split = Split{Total, ""}
		case v.Regi == "alla":
			split = Split{Gender, v.Gender}
		case v.Gender == "T":
			split = Split{Regi, v.Regi}
		default:
			continue // kön × regi: the tables show the margins
		}
		out[localKey{v.Indicator, split, PeriodKey{v.Year, p}}] = obs{value: v.Value, preliminary: v.Preliminary}
	}
	indicators, err := b.Store.LocalIndicators(ctx, codes)
	if err != nil {
		return nil, nil, err
	}
	for _, li := range indicators {
		infos[li.ID] = localInfo{title: li.Title, unit: li.Unit, system: li.SourceSystem}
	}
	return out, infos, nil
}

// catalogPeriod maps a stored period to the catalogue's: year → helår, a
// quarter → kvartal N, 1 January to the end of the interim month → delår.
func catalogPeriod(periodType string, start, end time.Time, interimEndMonth int) (catalog.Period, bool) {
	switch periodType {
	case "year":
		return catalog.Year, true
	case "quarter":
		return catalog.Period(fmt.Sprintf("kvartal%d", (int(start.Month())-1)/3+1)), true
	case "interim":
		if int(end.Month()) == interimEndMonth {
			return catalog.Interim, true
		}
	}
	return "", false
}

func yearsWithValues(kolada map[obsKey]obs, local map[localKey]obs, municipality string) []int {
	seen := map[int]bool{}
	for k, o := range kolada {
		if k.unit == municipality && o.value != nil {
			seen[k.year] = true
		}
	}
	for k, o := range local {
		if o.value != nil {
			seen[k.period.Year] = true
		}
	}
	out := make([]int, 0, len(seen))
	for y := range seen {
		out = append(out, y)
	}
	sort.Ints(out)
	return out
}

// groupNotes say, for an indicator compared with an area's peers, which
// years use a group of another year because no earlier one exists, and which
// groups that seem to be the municipality's are not used, and why.
func groupNotes(groups map[int]nka.PeerGroup, problems []nka.GroupProblem, area string, shown map[int]bool) []string {
	var out []string
	years := make([]int, 0, len(groups))
	for y := range groups {
		if shown[y] {
			years = append(years, y)
		}
	}
	sort.Ints(years)
	for _, y := range years {
		g := groups[y]
		if g.Choice == "later_group" || g.Choice == "no_year" {
			out = append(out, fmt.Sprintf("%d: liknande kommuner enligt %s (%s): %s.", y, g.ID, g.Title, g.ChoiceText))
		}
	}
	nameless := 0
	for _, p := range problems {
		switch {
		case p.MunicipalityID == "":
			nameless++
		case p.Area == "" || p.Area == area:
			out = append(out, strings.ToUpper(p.Note()[:1])+p.Note()[1:]+".")
		}
	}
	if nameless > 0 {
		out = append(out, nka.NamelessNote(nameless)+".")
	}
	return out
}

func (t *IndicatorTable) useGroup(g nka.PeerGroup, year int) {
	if n := len(t.Groups); n > 0 && t.Groups[n-1].ID == g.ID {
		t.Groups[n-1].To = year
		return
	}
	t.Groups = append(t.Groups, GroupUse{ID: g.ID, Title: g.Title, From: year, To: year})
}

// peerStats compares own with the group's members; value gives a member's
// value (nil when it has none).
func peerStats(g nka.PeerGroup, value func(unit string) *float64, own *float64, dir catalog.Direction, dec int) *PeerStats {
	ps := &PeerStats{GroupID: g.ID, GroupTitle: g.Title, Members: len(g.Members)}
	var xs []float64
	for _, m := range g.Members { // sorted by id: the same sum every time
		if v := value(m.ID); v != nil {
			xs = append(xs, *v)
		}
	}
	ps.WithValue = len(xs)
	if len(xs) == 0 {
		return ps
	}
	var sum float64
	for _, x := range xs {
		sum += x
	}
	mean := sum / float64(len(xs))
	ps.Mean = &mean
	sorted := append([]float64(nil), xs...)
	sort.Float64s(sorted)
	med := sorted[len(sorted)/2]
	if len(sorted)%2 == 0 {
		med = (sorted[len(sorted)/2-1] + sorted[len(sorted)/2]) / 2
	}
	ps.Median = &med
	if own != nil {
		o := roundTo(*own, dec)
		ps.Rank, ps.Of = 1, len(xs)+1
		for _, x := range xs {
			x = roundTo(x, dec)
			if (dir == catalog.Increase && x > o) || (dir == catalog.Decrease && x < o) {
				ps.Rank++
			}
		}
	}
	return ps
}

func localRows(t *IndicatorTable, req Request, vals map[localKey]obs, shown map[int]bool) {
	ind := t.Indicator
	if req.Municipality != req.HomeMunicipality {
		t.Notes = append(t.Notes, fmt.Sprintf("Egen uppföljning: värdena gäller hemkommunen %s, inte %s.", req.HomeMunicipality, req.Municipality))
		return
	}
	wanted := map[catalog.Period]bool{}
	for _, p := range ind.Periods {
		wanted[p] = true
	}
	splitSet := map[Split]bool{}
	var keys []PeriodKey
	seenKey := map[PeriodKey]bool{}
	hasTotal := false
	for k := range vals {
		if k.indicator != t.SourceID || !wanted[k.period.Period] || !shown[k.period.Year] {
			continue
		}
		splitSet[k.split] = true
		if k.split.Kind == Total {
			hasTotal = true
		}
		if !seenKey[k.period] {
			seenKey[k.period] = true
			keys = append(keys, k.period)
		}
	}
	if len(keys) == 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("Inga värden för %s %s i databasen (läses in från %s).",
			t.SourceID, yearSpan(shown), orDefault(t.SourceSystem, "egna system")))
		return
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].less(keys[j]) })
	// the total's periods run from the first to the last with a value, so
	// that a missing period in between shows as missing
	var span []PeriodKey
	for y := keys[0].Year; y <= keys[len(keys)-1].Year; y++ {
		if !shown[y] {
			continue
		}
		for _, p := range catalog.PeriodOrder {
			k := PeriodKey{y, p}
			if wanted[p] && !k.less(keys[0]) && !keys[len(keys)-1].less(k) {
				span = append(span, k)
			}
		}
	}
	var splits []Split
	for sp := range splitSet {
		switch {
		case sp.Kind == Gender && !ind.Has(catalog.ByGender),
			sp.Kind == Regi && !ind.Has(catalog.ByRegi),
			sp.Kind == Unit && !ind.Has(catalog.ByUnit) && hasTotal:
			continue
		}
		splits = append(splits, sp)
	}
	sort.Slice(splits, func(i, j int) bool {
		a, b := splits[i], splits[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return splitOrder(a.Key) < splitOrder(b.Key) || (splitOrder(a.Key) == splitOrder(b.Key) && a.Key < b.Key)
	})
	if !hasTotal {
		t.Notes = append(t.Notes, "Värden finns bara per enhet eller del, inte för hela kommunen.")
	}
	dec := ind.DecimalsShown()
	for _, sp := range splits {
		for _, k := range span {
			cur, ok := vals[localKey{t.SourceID, sp, k}]
			if !ok && sp.Kind != Total {
				continue
			}
			prev := vals[localKey{t.SourceID, sp, PeriodKey{k.Year - 1, k.Period}}]
			r := Row{Split: sp, Period: k, Value: cur.value, Preliminary: cur.preliminary, Previous: prev.value}
			r.compare(ind.Direction, dec, PeriodKey{k.Year - 1, k.Period}.Label())
			t.Rows = append(t.Rows, r)
		}
	}
}

func splitOrder(key string) int {
	switch key {
	case "K", "egen":
		return 0
	case "M", "privat":
		return 1
	}
	return 2
}

func yearSpan(shown map[int]bool) string {
	lo, hi := 0, 0
	for y := range shown {
		if lo == 0 || y < lo {
			lo = y
		}
		if y > hi {
			hi = y
		}
	}
	switch {
	case lo == 0:
		return "för de valda åren"
	case lo == hi:
		return fmt.Sprintf("för %d", lo)
	}
	return fmt.Sprintf("för %d–%d", lo, hi)
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// compare fills the change against the previous period, its verdict in the
// indicator's direction, and the note when either value is missing.
// previousLabel names the previous period for that note.
func (r *Row) compare(direction catalog.Direction, decimals int, previousLabel string) {
	if r.Value != nil && r.Previous != nil {
		d := *r.Value - *r.Previous
		r.Change = &d
	}
	r.Verdict = Judge(direction, r.Previous, r.Value, decimals)
	switch {
	case r.Value == nil:
		r.Note = "värde saknas"
	case r.Previous == nil:
		r.Note = fmt.Sprintf("ingen jämförelse: %s saknas", previousLabel)
	}
}
