package kolada

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/store"
)

// MaxIDsPerSegment is Kolada's limit on ids in one path segment; more gives 422.
const MaxIDsPerSegment = 25

// MaxPerPage is Kolada's page size limit; more gives 422.
const MaxPerPage = 5000

// Page kinds, named after the first path segment of their URL.
const (
	kindKPI          = "kpi"
	kindMunicipality = "municipality"
	kindGroups       = "municipality_groups"
	kindOU           = "ou"
	kindData         = "data"
	kindOUData       = "oudata"
)

// loadPlan is what a load asks for. It is stored as the load's params and in
// an archive, so that a replay stages the same scopes and coverage.
type loadPlan struct {
	Mode      string `json:"mode"` // full | incremental
	BaseURL   string `json:"base_url"`
	Catalogue bool   `json:"catalogue"`
	Groups    bool   `json:"groups"`

	KPIs           []string `json:"kpis"`
	Municipalities []string `json:"municipalities,omitempty"` // empty: all
	Years          []int    `json:"years"`
	// In an incremental load: pairs never fetched before are fetched whole
	// (FullKPIs × FullYears); the rest only as changes since FromDate.
	FromDate  string   `json:"from_date,omitempty"`
	FullKPIs  []string `json:"full_kpis,omitempty"`
	FullYears []int    `json:"full_years,omitempty"`

	OUMunicipalities []string `json:"ou_municipalities,omitempty"`
	OUFromDate       string   `json:"ou_from_date,omitempty"`
	OUFull           bool     `json:"ou_full,omitempty"`

	// GroupMembers are the group ids the query named (kolada.municipalities,
	// --municipality), with the members they were fetched as.
	GroupMembers map[string][]string `json:"group_members,omitempty"`
	// NotFound are the data requests whose first page answered 404 (counted
	// as no data); a full load keeps the stored values they cover.
	NotFound []string `json:"not_found,omitempty"`
}

// chunk splits ids into groups of at most n.
func chunk[T any](ids []T, n int) [][]T {
	var out [][]T
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}

func joinYears(ys []int) string {
	s := make([]string, len(ys))
	for i, y := range ys {
		s[i] = strconv.Itoa(y)
	}
	return strings.Join(s, ",")
}

// pageQuery is the query string of every request: paging, and from_date for
// changes only. Never the query-parameter form of data filters: Kolada answers
// it with an empty page and no error.
func pageQuery(perPage int, fromDate string) string {
	q := url.Values{}
	q.Set("per_page", strconv.Itoa(perPage))
	if fromDate != "" {
		q.Set("from_date", fromDate)
	}
	return "?" + q.Encode()
}

// dataURLs plans /data requests: every KPI chunk × year chunk, with a
// municipality chunk segment only when municipalities are listed. With all
// municipalities this is one request per 25 KPIs and 25 years, plus paging.
func dataURLs(base string, kpis, municipalities []string, years []int, perPage int, fromDate string) []string {
	var out []string
	q := pageQuery(perPage, fromDate)
	for _, kc := range chunk(kpis, MaxIDsPerSegment) {
		for _, yc := range chunk(years, MaxIDsPerSegment) {
			if len(municipalities) == 0 {
				out = append(out, fmt.Sprintf("%s/data/kpi/%s/year/%s%s", base, strings.Join(kc, ","), joinYears(yc), q))
				continue
			}
			for _, mc := range chunk(municipalities, MaxIDsPerSegment) {
				out = append(out, fmt.Sprintf("%s/data/kpi/%s/municipality/%s/year/%s%s", base,
					strings.Join(kc, ","), strings.Join(mc, ","), joinYears(yc), q))
			}
		}
	}
	return out
}

// ouDataURLs plans /oudata requests.
func ouDataURLs(base string, kpis, ous []string, years []int, perPage int, fromDate string) []string {
	var out []string
	q := pageQuery(perPage, fromDate)
	for _, kc := range chunk(kpis, MaxIDsPerSegment) {
		for _, oc := range chunk(ous, MaxIDsPerSegment) {
			for _, yc := range chunk(years, MaxIDsPerSegment) {
				out = append(out, fmt.Sprintf("%s/oudata/kpi/%s/ou/%s/year/%s%s", base,
					strings.Join(kc, ","), strings.Join(oc, ","), joinYears(yc), q))
			}
		}
	}
	return out
}

// metadataURLs plans the metadata requests of a load.
func metadataURLs(p *loadPlan, perPage int) []string {
	q := pageQuery(perPage, "")
	var out []string
	if p.Catalogue {
		out = append(out, p.BaseURL+"/kpi"+q)
	} else {
		for _, kc := range chunk(p.KPIs, MaxIDsPerSegment) {
			out = append(out, p.BaseURL+"/kpi/"+strings.Join(kc, ",")+q)
		}
	}
	out = append(out, p.BaseURL+"/municipality"+q)
	if p.Groups {
		out = append(out, p.BaseURL+"/municipality_groups"+q)
	} else if len(p.GroupMembers) > 0 {
		var ids []string
		for g := range p.GroupMembers {
			ids = append(ids, g)
		}
		sort.Strings(ids)
		for _, gc := range chunk(ids, MaxIDsPerSegment) {
			out = append(out, p.BaseURL+"/municipality_groups/"+strings.Join(gc, ",")+q)
		}
	}
	for _, m := range p.OUMunicipalities {
		out = append(out, p.BaseURL+"/ou?municipality="+url.QueryEscape(m)+"&"+q[1:])
	}
	return out
}

// pageKind tells what a URL under base returns.
func pageKind(base, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%w: bad URL %q", ErrInvalidPage, raw)
	}
	path := u.Path
	if b, err := url.Parse(base); err == nil {
		path = strings.TrimPrefix(path, strings.TrimSuffix(b.Path, "/"))
	}
	first, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	switch first {
	case kindKPI, kindMunicipality, kindGroups, kindOU, kindData, kindOUData:
		return first, nil
	}
	return "", fmt.Errorf("%w: URL %q is not a Kolada v3 route this connector reads", ErrInvalidPage, raw)
}

// unitScopes names the unit scopes of a data request, as kept in load_coverage.
func unitScopes(municipalities []string) []string {
	if len(municipalities) == 0 {
		return []string{"municipality:*"}
	}
	out := make([]string, len(municipalities))
	for i, m := range municipalities {
		out[i] = string(unitOf(m)) + ":" + m
	}
	return out
}

func ouScopes(municipalities []string) []string {
	out := make([]string, len(municipalities))
	for i, m := range municipalities {
		out[i] = "ou:" + m
	}
	return out
}

// unitOf tells a group id (G…) from a municipality id.
func unitOf(id string) store.UnitKind {
	if strings.HasPrefix(id, "G") {
		return store.UnitGroup
	}
	return store.UnitMunicipality
}

// splitByCoverage divides the KPI × year pairs into those never fetched for
// every scope (to fetch whole) and those to ask changes for, since the oldest
// of their last fetches.
func splitByCoverage(cov map[store.CoverageKey]time.Time, kpis []string, years []int, scopes []string) (fullKPIs []string, fullYears []int, since time.Time, anyCovered bool) {
	fk, fy := map[string]bool{}, map[int]bool{}
	for _, k := range kpis {
		for _, y := range years {
			t, ok := pairCoverage(cov, k, y, scopes)
			if !ok {
				fk[k], fy[y] = true, true
				continue
			}
			if !anyCovered || t.Before(since) {
				since = t
			}
			anyCovered = true
		}
	}
	for _, k := range kpis {
		if fk[k] {
			fullKPIs = append(fullKPIs, k)
		}
	}
	for y := range fy {
		fullYears = append(fullYears, y)
	}
	sort.Ints(fullYears)
	return fullKPIs, fullYears, since, anyCovered
}

// pairCoverage is the oldest coverage of (kpi, year) across scopes; a
// municipality is also covered by an all-municipalities fetch.
func pairCoverage(cov map[store.CoverageKey]time.Time, kpi string, year int, scopes []string) (time.Time, bool) {
	var oldest time.Time
	for i, s := range scopes {
		t, ok := cov[store.CoverageKey{IndicatorID: kpi, Scope: s, Year: year}]
		if !ok && strings.HasPrefix(s, "municipality:") {
			t, ok = cov[store.CoverageKey{IndicatorID: kpi, Scope: "municipality:*", Year: year}]
		}
		if !ok {
			return time.Time{}, false
		}
		if i == 0 || t.Before(oldest) {
			oldest = t
		}
	}
	return oldest, true
}

// fromDate is the from_date for changes since t, with a margin for clock and
// time-zone differences between us and Kolada.
func fromDate(t time.Time, margin time.Duration) string {
	return t.Add(-margin).UTC().Format(time.DateOnly)
}
