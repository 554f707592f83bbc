package koladafake

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// MaxIDs and MaxPerPage are Kolada's limits; beyond them it answers 422.
const (
	MaxIDs     = 25
	MaxPerPage = 5000
)

// Faults are injected at random (with Seed) into answers.
type Faults struct {
	Seed         int64
	Rate503      float64       // probability of a 503
	Rate429      float64       // probability of a 429 with Retry-After
	RetryAfter   time.Duration // the Retry-After sent with 429s (whole seconds)
	RateTruncate float64       // probability of a body cut in half
	RateReset    float64       // probability of a dropped connection
	RateSlow     float64       // probability of a slow answer
	SlowDelay    time.Duration
	// FailFirst answers the first FailFirst requests with FailStatus.
	FailFirst  int
	FailStatus int
}

// Server is the fake. Its zero value is not usable; use New.
type Server struct {
	mu       sync.RWMutex
	ds       *Dataset
	index    map[bool]map[string][]Key // ou? → kpi → keys sorted by unit, year, gender
	faults   Faults
	quirks   Quirks
	rng      *rand.Rand
	failed   int
	requests atomic.Int64
	log      []string
	cache    map[string][]resultRow
	// OnRequest, when set, is called at the start of every request.
	OnRequest func(*http.Request)
}

// New serves ds.
func New(ds *Dataset) *Server {
	return &Server{ds: ds, cache: map[string][]resultRow{}, rng: rand.New(rand.NewSource(1))}
}

// SetFaults replaces the fault settings and reseeds.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	s.failed = 0
	s.rng = rand.New(rand.NewSource(f.Seed))
}

// SetQuirks replaces the quirks: how the fake answers where Kolada's own
// behaviour is not known (see Quirks).
func (s *Server) SetQuirks(q Quirks) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quirks = q
	s.invalidate()
}

// Requests is the number of requests served, faults included.
func (s *Server) Requests() int64 { return s.requests.Load() }

// Log returns the request URIs served so far.
func (s *Server) Log() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]string(nil), s.log...)
}

// SetValue sets (or revises) a municipality value, changed at the given time.
func (s *Server) SetValue(kpi, unit string, year int, gender string, value *float64, changed time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ds.Values[Key{KPI: kpi, Unit: unit, Year: year, Gender: gender}] = &Value{Value: value, Count: 1, Changed: changed}
	s.invalidate()
}

// DeleteValue marks a value deleted at the given time; from_date queries
// then answer it with isdeleted.
func (s *Server) DeleteValue(kpi, unit string, year int, gender string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.ds.Values[Key{KPI: kpi, Unit: unit, Year: year, Gender: gender}]; ok {
		v.Deleted, v.Changed = true, at
	}
	s.invalidate()
}

// SetGroupTitle renames a group (for instance to a double-encoded title).
func (s *Server) SetGroupTitle(id, title string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.ds.Groups {
		if s.ds.Groups[i].ID == id {
			s.ds.Groups[i].Title = title
		}
	}
}

func (s *Server) invalidate() {
	s.index = nil
	s.cache = map[string][]resultRow{}
}

// ServeHTTP answers like Kolada v3.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if s.OnRequest != nil {
		s.OnRequest(r)
	}
	s.mu.Lock()
	s.log = append(s.log, r.URL.RequestURI())
	fault := s.pickFault()
	s.mu.Unlock()

	switch fault {
	case "fail":
		writeError(w, s.faults.FailStatus, "injected failure")
		return
	case "503":
		writeError(w, http.StatusServiceUnavailable, "service unavailable")
		return
	case "429":
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(s.faults.RetryAfter.Seconds()))))
		writeError(w, http.StatusTooManyRequests, "too many requests")
		return
	case "reset":
		panic(http.ErrAbortHandler) // the server drops the connection
	case "slow":
		select {
		case <-time.After(s.faults.SlowDelay):
		case <-r.Context().Done():
			return
		}
	}

	status, body := s.route(r)
	if fault == "truncate" && status == http.StatusOK {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = w.Write(body[:len(body)/2]) // the fault: half a body, then the connection drops
		panic(http.ErrAbortHandler)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body) // a client that went away is no news to a fake server
}

func (s *Server) pickFault() string {
	f := s.faults
	if s.failed < f.FailFirst {
		s.failed++
		return "fail"
	}
	x := s.rng.Float64()
	for _, c := range []struct {
		p    float64
		name string
	}{{f.Rate503, "503"}, {f.Rate429, "429"}, {f.RateTruncate, "truncate"}, {f.RateReset, "reset"}, {f.RateSlow, "slow"}} {
		if x < c.p {
			return c.name
		}
		x -= c.p
	}
	return ""
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"error": msg})
	_, _ = w.Write(b) // a client that went away is no news to a fake server
}

func errorBody(msg string) []byte {
	b, _ := json.Marshal(map[string]string{"error": msg})
	return b
}

// route answers a request: status and body.
func (s *Server) route(r *http.Request) (int, []byte) {
	path := strings.Trim(r.URL.Path, "/")
	if strings.HasPrefix(path, "v2") || strings.HasPrefix(path, "v1") {
		if s.quirks.V2Gone {
			return http.StatusGone, errorBody("This version of the API is shut down. Use https://api.kolada.se/v3")
		}
		// What v2 answered in August 2026 (Sillen2024/hoor-kommunval, KOLADA_PLAN.md).
		return http.StatusOK, errorBody("This endpoint is deprecated. Please use /v3 instead.")
	}
	rest, ok := strings.CutPrefix(path, "v3")
	if !ok {
		return http.StatusNotFound, errorBody("not found")
	}
	segs := strings.Split(strings.Trim(rest, "/"), "/")
	q := r.URL.Query()
	perPage := MaxPerPage
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPerPage {
			return http.StatusUnprocessableEntity, errorBody("per_page must be between 1 and 5000")
		}
		perPage = n
	}
	page := 1
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return http.StatusUnprocessableEntity, errorBody("bad page")
		}
		page = n
	}
	var ids []string
	if len(segs) > 1 {
		ids = splitIDs(segs[1])
		if len(ids) > MaxIDs {
			return http.StatusUnprocessableEntity, errorBody("at most 25 ids in one segment")
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	switch segs[0] {
	case "kpi":
		return s.page(r, s.kpiRecords(ids, q.Get("title")), page, perPage)
	case "kpi_groups":
		return s.page(r, nil, page, perPage)
	case "municipality":
		return s.page(r, filter(s.ds.Municipalities, ids, func(m Municipality) string { return m.ID }), page, perPage)
	case "municipality_groups":
		return s.page(r, filter(s.ds.Groups, ids, func(g Group) string { return g.ID }), page, perPage)
	case "ou":
		var out []any
		m := q.Get("municipality")
		for _, o := range s.ds.OUs {
			if (len(ids) == 0 || contains(ids, o.ID)) && (m == "" || o.Municipality == m) {
				out = append(out, o)
			}
		}
		return s.page(r, out, page, perPage)
	case "data", "oudata":
		if len(segs) == 1 {
			// The query-parameter form: Kolada answers it with nothing, and no error.
			return s.page(r, nil, page, perPage)
		}
		return s.data(r, segs[0] == "oudata", segs[1:], page, perPage)
	}
	return http.StatusNotFound, errorBody("no such route")
}

func splitIDs(seg string) []string {
	var out []string
	for _, id := range strings.Split(seg, ",") {
		if id != "" {
			out = append(out, id)
		}
	}
	return out
}

func contains(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func filter[T any](all []T, ids []string, id func(T) string) []any {
	out := make([]any, 0, len(all))
	for _, x := range all {
		if len(ids) == 0 || contains(ids, id(x)) {
			out = append(out, x)
		}
	}
	return out
}

func (s *Server) kpiRecords(ids []string, title string) []any {
	var out []any
	for i, raw := range s.ds.KPIs {
		if len(ids) > 0 && !contains(ids, s.ds.kpiIDs[i]) {
			continue
		}
		if title != "" && !strings.Contains(strings.ToLower(s.ds.kpiTitles[i]), strings.ToLower(title)) {
			continue
		}
		out = append(out, raw)
	}
	return out
}

// page writes a metadata page of items.
func (s *Server) page(r *http.Request, items []any, page, perPage int) (int, []byte) {
	start := min((page-1)*perPage, len(items))
	end := min(start+perPage, len(items))
	vals := items[start:end]
	if len(vals) == 0 && page > 1 && s.quirks.NotFoundForNoData {
		return http.StatusNotFound, errorBody("Not found")
	}
	if vals == nil {
		vals = []any{}
	}
	env := map[string]any{"values": vals, "count": len(vals), "next_url": nil, "previous_url": nil}
	if end < len(items) || s.quirks.EmptyLastPage {
		env["next_url"] = s.pageURL(r, page+1)
	}
	if page > 1 {
		env["previous_url"] = s.pageURL(r, page-1)
	}
	b, _ := json.Marshal(env)
	return http.StatusOK, b
}

func (s *Server) pageURL(r *http.Request, page int) string {
	u := *r.URL
	q := u.Query()
	q.Set("page", strconv.Itoa(page))
	if s.quirks.DropFromDate {
		q.Del("from_date")
	}
	if s.quirks.DropPerPage {
		q.Del("per_page")
	}
	u.RawQuery = q.Encode()
	return "http://" + r.Host + u.RequestURI()
}

// resultRow is one data row of an answer: a run of index keys, or a
// computed group mean.
type resultRow struct {
	kpi, unit string
	year      int
	ou        bool
	keys      []Key
	values    []rowValue
}

func (s *Server) data(r *http.Request, ou bool, segs []string, page, perPage int) (int, []byte) {
	want := map[string][]string{}
	for i := 0; i+1 < len(segs); i += 2 {
		ids := splitIDs(segs[i+1])
		if len(ids) > MaxIDs {
			return http.StatusUnprocessableEntity, errorBody("at most 25 ids in one segment")
		}
		want[segs[i]] = ids
	}
	if len(segs)%2 != 0 {
		return http.StatusNotFound, errorBody("malformed data path")
	}
	unitSeg := "municipality"
	if ou {
		unitSeg = "ou"
	}
	for name := range want {
		if name != "kpi" && name != unitSeg && name != "year" {
			return http.StatusNotFound, errorBody("unknown segment " + name)
		}
	}
	if len(want) < 2 {
		return http.StatusUnprocessableEntity, errorBody("give at least two of kpi, " + unitSeg + " and year")
	}
	if s.quirks.RejectGroups && !ou {
		for _, u := range want[unitSeg] {
			if strings.HasPrefix(u, "G") {
				return http.StatusUnprocessableEntity, errorBody("unknown municipality " + u)
			}
		}
	}
	var from time.Time
	if v := r.URL.Query().Get("from_date"); v != "" {
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return http.StatusUnprocessableEntity, errorBody("from_date must be YYYY-MM-DD")
		}
		from = t
	}
	list := s.rowList(r, ou, want["kpi"], want[unitSeg], want["year"], from)
	start := min((page-1)*perPage, list.Len())
	end := min(start+perPage, list.Len())
	if end == start && s.quirks.NotFoundForNoData {
		return http.StatusNotFound, errorBody("Not found")
	}
	var b []byte
	b = append(b, `{"values":[`...)
	for i := start; i < end; i++ {
		if i > start {
			b = append(b, ',')
		}
		b = list.AppendRow(b, i)
	}
	b = append(b, `],"count":`...)
	b = strconv.AppendInt(b, int64(end-start), 10)
	b = append(b, `,"next_url":`...)
	if end < list.Len() || s.quirks.EmptyLastPage {
		b = appendString(b, s.pageURL(r, page+1))
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"previous_url":`...)
	if page > 1 {
		b = appendString(b, s.pageURL(r, page-1))
	} else {
		b = append(b, "null"...)
	}
	b = append(b, '}')
	return http.StatusOK, b
}

// rowList is the rows of one data answer, appended to a page by index so
// that a large answer is never built whole.
type rowList interface {
	Len() int
	AppendRow(b []byte, i int) []byte
}

// rowList answers from the generator when the dataset has one, else from
// the stored values, caching the rows of an answer for its later pages.
func (s *Server) rowList(r *http.Request, ou bool, kpis, units, years []string, from time.Time) rowList {
	if g := s.ds.Generator; g != nil {
		return g.rows(ou, kpis, units, years, from)
	}
	key := r.URL.Path + "?" + r.URL.Query().Get("from_date")
	rows, ok := s.cache[key]
	if !ok {
		rows = s.query(ou, kpis, units, years, from)
		s.mu.RUnlock()
		s.mu.Lock()
		s.cache[key] = rows
		s.mu.Unlock()
		s.mu.RLock()
	}
	return memRows{s: s, rows: rows, from: from}
}

type memRows struct {
	s    *Server
	rows []resultRow
	from time.Time
}

func (m memRows) Len() int                         { return len(m.rows) }
func (m memRows) AppendRow(b []byte, i int) []byte { return m.s.appendRow(b, m.rows[i], m.from) }

// query finds the rows of a data request.
func (s *Server) query(ou bool, kpis, units, years []string, from time.Time) []resultRow {
	idx := s.buildIndex()[ou]
	if len(kpis) == 0 {
		for k := range idx {
			kpis = append(kpis, k)
		}
	}
	sort.Strings(kpis)
	yearSet := map[int]bool{}
	for _, y := range years {
		if n, err := strconv.Atoi(y); err == nil {
			yearSet[n] = true
		}
	}
	unitSet := map[string]bool{}
	var groups []Group
	for _, u := range units {
		if g, ok := s.group(u); ok && !ou {
			if !s.quirks.NoGroupMeans {
				groups = append(groups, g)
			}
			continue
		}
		unitSet[u] = true
	}
	var extra []Group
	if s.quirks.ExtraUnits && !ou {
		extra = s.extraUnits(units)
	}
	var out []resultRow
	for _, k := range kpis {
		keys := idx[k]
		for i := 0; i < len(keys); {
			j := i + 1
			for j < len(keys) && keys[j].Unit == keys[i].Unit && keys[j].Year == keys[i].Year {
				j++
			}
			ki := keys[i]
			if (len(yearSet) == 0 || yearSet[ki.Year]) && ((len(units) == 0) || unitSet[ki.Unit]) && s.anyVisible(keys[i:j], from) {
				out = append(out, resultRow{kpi: k, unit: ki.Unit, year: ki.Year, ou: ou, keys: keys[i:j]})
			}
			i = j
		}
		for _, g := range groups {
			out = append(out, s.groupMeans(k, g, yearSet, from)...)
		}
		for _, g := range extra {
			out = append(out, s.groupMeans(k, g, yearSet, from)...)
		}
	}
	return out
}

// extraUnits are the units an answer carries that the query did not ask for
// (Quirks.ExtraUnits), as groups whose mean is answered: the groups of the
// listed municipalities (every group when none is listed) and a region that
// /municipality does not list, whose members are every municipality.
func (s *Server) extraUnits(units []string) []Group {
	asked := map[string]bool{}
	for _, u := range units {
		asked[u] = true
	}
	var out []Group
	for _, g := range s.ds.Groups {
		if asked[g.ID] {
			continue
		}
		for _, m := range g.Members {
			if len(units) == 0 || asked[m.ID] {
				out = append(out, g)
				break
			}
		}
	}
	region := Group{ID: s.unlistedRegion()}
	for _, m := range s.ds.Municipalities {
		if m.Type != "L" && !asked[m.ID] {
			region.Members = append(region.Members, Member{ID: m.ID})
		}
	}
	return append(out, region)
}

// unlistedRegion is a region id (00LL) that /municipality does not list.
func (s *Server) unlistedRegion() string {
	listed := map[string]bool{}
	for _, m := range s.ds.Municipalities {
		listed[m.ID] = true
	}
	for l := 99; l > 0; l-- {
		if id := fmt.Sprintf("00%02d", l); !listed[id] {
			return id
		}
	}
	return "0099"
}

func (s *Server) group(id string) (Group, bool) {
	if !strings.HasPrefix(id, "G") {
		return Group{}, false
	}
	for _, g := range s.ds.Groups {
		if g.ID == id {
			return g, true
		}
	}
	return Group{}, false
}

// visible says whether a value belongs in an answer: current values always
// without from_date; with it, anything changed since, deletions included.
func visible(v *Value, from time.Time) bool {
	if from.IsZero() {
		return !v.Deleted
	}
	return !v.Changed.Before(from)
}

func (s *Server) anyVisible(keys []Key, from time.Time) bool {
	for _, k := range keys {
		if visible(s.ds.Values[k], from) {
			return true
		}
	}
	return false
}

// groupMeans computes a group's unweighted mean per year and gender over
// the members that have a value, as Kolada does.
func (s *Server) groupMeans(kpi string, g Group, years map[int]bool, from time.Time) []resultRow {
	type yg struct {
		year   int
		gender string
	}
	sums, counts, changed := map[yg]float64{}, map[yg]int{}, map[yg]time.Time{}
	for _, m := range g.Members {
		for _, k := range s.buildIndex()[false][kpi] {
			if k.Unit != m.ID || (len(years) > 0 && !years[k.Year]) {
				continue
			}
			v := s.ds.Values[k]
			if v.Deleted || v.Value == nil {
				continue
			}
			key := yg{k.Year, k.Gender}
			sums[key] += *v.Value
			counts[key]++
			if v.Changed.After(changed[key]) {
				changed[key] = v.Changed
			}
		}
	}
	byYear := map[int][]rowValue{}
	for key, n := range counts {
		if !from.IsZero() && changed[key].Before(from) {
			continue
		}
		mean := sums[key] / float64(n)
		byYear[key.year] = append(byYear[key.year], rowValue{Gender: key.gender, Count: n, Value: &mean})
	}
	var out []resultRow
	for y, vs := range byYear {
		sort.Slice(vs, func(i, j int) bool { return genderOrder(vs[i].Gender) < genderOrder(vs[j].Gender) })
		out = append(out, resultRow{kpi: kpi, unit: g.ID, year: y, values: vs})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].year < out[j].year })
	return out
}

func (s *Server) buildIndex() map[bool]map[string][]Key {
	if s.index != nil {
		return s.index
	}
	idx := map[bool]map[string][]Key{false: {}, true: {}}
	for k := range s.ds.Values {
		idx[k.OU][k.KPI] = append(idx[k.OU][k.KPI], k)
	}
	for _, byKPI := range idx {
		for _, keys := range byKPI {
			sort.Slice(keys, func(i, j int) bool {
				a, b := keys[i], keys[j]
				if a.Unit != b.Unit {
					return a.Unit < b.Unit
				}
				if a.Year != b.Year {
					return a.Year < b.Year
				}
				return genderOrder(a.Gender) < genderOrder(b.Gender)
			})
		}
	}
	s.index = idx
	return idx
}

func (s *Server) appendRow(b []byte, rr resultRow, from time.Time) []byte {
	b = appendRowHead(b, rr.kpi, rr.unit, rr.ou, rr.year)
	first := true
	emit := func(gender string, count int, status string, value *float64, deleted bool) {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendValue(b, gender, count, status, value, deleted)
	}
	if rr.keys == nil {
		for _, v := range rr.values {
			emit(v.Gender, v.Count, v.Status, v.Value, false)
		}
	}
	for _, k := range rr.keys {
		v := s.ds.Values[k]
		if !visible(v, from) {
			continue
		}
		var value *float64
		if !v.Deleted {
			value = v.Value
		}
		emit(k.Gender, v.Count, v.Status, value, v.Deleted)
	}
	b = append(b, "]}"...)
	return b
}

// appendRowHead appends a row up to the opening of its values array.
func appendRowHead(b []byte, kpi, unit string, ou bool, year int) []byte {
	b = append(b, `{"kpi":`...)
	b = appendString(b, kpi)
	if ou {
		b = append(b, `,"ou":`...)
	} else {
		b = append(b, `,"municipality":`...)
	}
	b = appendString(b, unit)
	b = append(b, `,"period":`...)
	b = strconv.AppendInt(b, int64(year), 10)
	return append(b, `,"values":[`...)
}

// appendValue appends one gender's value object.
func appendValue(b []byte, gender string, count int, status string, value *float64, deleted bool) []byte {
	b = append(b, `{"gender":`...)
	b = appendString(b, gender)
	b = append(b, `,"count":`...)
	b = strconv.AppendInt(b, int64(count), 10)
	b = append(b, `,"status":`...)
	b = appendString(b, status)
	b = append(b, `,"value":`...)
	if value == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendFloat(b, *value, 'g', -1, 64)
	}
	b = append(b, `,"isdeleted":`...)
	b = strconv.AppendBool(b, deleted)
	return append(b, '}')
}

// String describes the dataset, for logs.
func (s *Server) String() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := int64(len(s.ds.Values))
	if s.ds.Generator != nil {
		n = s.ds.Generator.Values()
	}
	return fmt.Sprintf("fake Kolada: %d KPIs, %d municipalities, %d groups, %d values",
		len(s.ds.KPIs), len(s.ds.Municipalities), len(s.ds.Groups), n)
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	q, _ := json.Marshal(s)
	return append(b, q...)
}
