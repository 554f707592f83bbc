package kolada

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"github.com/nyckeltal/nyckeltal/internal/version"
)

// The behaviours the probe looks at, as stored in kolada_probe_finding, and
// their answers. docs/KOLADA-API.md lists each with its public evidence and
// what the connector does about it.
const (
	// BehaviourNoData: how a data request with nothing to answer is
	// answered — AnswerEmpty200, Answer404, "status_N" or AnswerUnknown.
	BehaviourNoData = "no_data"
	// BehaviourGroupMeans: whether a group id in the municipality segment
	// answers the group's mean — "computed", "not_computed", "rejected".
	BehaviourGroupMeans = "group_means"
	// BehaviourEmptyLastPage: what follows the last page with rows — "no"
	// (its next_url is null), "empty_page_last" (a next_url to an empty page
	// whose next_url is null), "next_url_on_empty_page", "404_after_last_page".
	BehaviourEmptyLastPage = "empty_last_page"
	// BehaviourNextURLParams: whether next_url keeps from_date and per_page —
	// "kept", "drops_from_date", "drops_per_page", "drops_both".
	BehaviourNextURLParams = "next_url_params"
	// BehaviourListedUnits: whether a request for listed municipalities
	// answers only them — "only_asked" or "extra_rows".
	BehaviourListedUnits = "listed_units"
	// BehaviourAllUnits: what a request for every municipality answers
	// besides municipalities and Riket — "municipalities", "with_regions",
	// "with_groups", "with_groups_and_regions".
	BehaviourAllUnits = "all_units"
	// BehaviourRateLimit: "none_seen" (no 429, no rate-limit header),
	// "advertised" (headers), "limited" (429 or retries seen).
	BehaviourRateLimit = "rate_limit"
	// BehaviourV2: what the retired v2 API answers — "gone" (410),
	// "error_200" (200 with an error message), "serving", "status_N".
	BehaviourV2 = "v2"
)

// Answers shared by several behaviours.
const (
	AnswerEmpty200 = "empty_200"
	Answer404      = "404"
	AnswerUnknown  = "unknown"
)

// Probe triggers, as stored in kolada_probe.trigger.
const (
	TriggerCommand      = "command"
	TriggerFirstRun     = "first-run"
	TriggerAfterFailure = "after-failure"
)

// ProbeOptions say what the probe asks about: one KPI, the home
// municipality and a year that should have values.
type ProbeOptions struct {
	BaseURL      string
	KPI          string
	Municipality string
	Year         int
	Trigger      string
	Now          func() time.Time
}

// AnswerFetcher is a Fetcher that also tells an answer's headers; *Client
// is one. Without it the probe cannot look for rate-limit headers.
type AnswerFetcher interface {
	GetAnswer(ctx context.Context, url string) (Answer, error)
}

// Probe asks Kolada a handful of polite questions (about ten requests, rate
// limited like every request) that tell how it answers where public evidence
// does not say: no data, group means, the last page, next_url's parameters,
// units not asked for, rate limits and v2. It loads no data. An answer that
// refuses (4xx) is a finding; not reaching Kolada at all is an error.
func Probe(ctx context.Context, f Fetcher, o ProbeOptions) (*store.KoladaProbe, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Trigger == "" {
		o.Trigger = TriggerCommand
	}
	p := &prober{f: f, o: o, base: strings.TrimSuffix(o.BaseURL, "/")}
	var before int64
	if rc, ok := f.(RequestCounter); ok {
		before = rc.Requests()
	}
	res := &store.KoladaProbe{BaseURL: p.base, ProbedAt: o.Now(), Trigger: o.Trigger, ToolVersion: version.String()}
	for _, step := range []func(context.Context) ([]store.KoladaFinding, error){p.noData, p.groups, p.paging, p.allUnits, p.v2} {
		fs, err := step(ctx)
		if err != nil {
			return nil, fmt.Errorf("probing Kolada: %w", err)
		}
		res.Findings = append(res.Findings, fs...)
	}
	if rc, ok := f.(RequestCounter); ok {
		res.Requests = rc.Requests() - before
	}
	res.Findings = append(res.Findings, p.rateLimit(res.Requests))
	sort.Slice(res.Findings, func(i, j int) bool { return res.Findings[i].Behaviour < res.Findings[j].Behaviour })
	return res, nil
}

// ProbeCouldExplain reports whether a failed Kolada load failed in a way the
// probe could explain: Kolada refused a request (a 4xx other than 429),
// answered otherwise than the latest probe found, or sent a page this
// connector does not understand. Not for a network that is down.
func ProbeCouldExplain(err error) bool {
	return errors.Is(err, ErrRejected) || errors.Is(err, ErrInvalidPage) || errors.Is(err, ErrNotAsProbed)
}

type prober struct {
	f    Fetcher
	o    ProbeOptions
	base string
	// gets counts the answers, limitHeaders the rate-limit headers seen.
	gets         int
	limitHeaders map[string]string
}

// get fetches u. A refusal is an answer (its status), not an error.
func (p *prober) get(ctx context.Context, u string) ([]byte, int, error) {
	p.gets++
	var body []byte
	var err error
	if af, ok := p.f.(AnswerFetcher); ok {
		var a Answer
		a, err = af.GetAnswer(ctx, u)
		body = a.Body
		p.noteHeaders(a.Header)
	} else {
		body, err = p.f.Get(ctx, u)
	}
	if err == nil {
		return body, http.StatusOK, nil
	}
	var re *RequestError
	if errors.As(err, &re) && errors.Is(err, ErrRejected) && re.Status != 0 {
		return nil, re.Status, nil
	}
	return nil, 0, err
}

var rateHeader = regexp.MustCompile(`(?i)ratelimit|rate-limit|retry-after`)

func (p *prober) noteHeaders(h http.Header) {
	for k, v := range h {
		if rateHeader.MatchString(k) {
			if p.limitHeaders == nil {
				p.limitHeaders = map[string]string{}
			}
			p.limitHeaders[k] = strings.Join(v, ",")
		}
	}
}

func (p *prober) dataURL(kpi string, units []string, years []int, perPage int, from string) string {
	u := p.base + "/data/kpi/" + kpi
	if len(units) > 0 {
		u += "/municipality/" + strings.Join(units, ",")
	}
	return u + "/year/" + joinYears(years) + pageQuery(perPage, from)
}

func statusAnswer(status int) string { return fmt.Sprintf("status_%d", status) }

// noData asks for the changes since tomorrow: there can be none.
func (p *prober) noData(ctx context.Context) ([]store.KoladaFinding, error) {
	f := store.KoladaFinding{Behaviour: BehaviourNoData}
	tomorrow := p.o.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	f.URL = p.dataURL(p.o.KPI, []string{p.o.Municipality}, []int{p.o.Year}, MaxPerPage, tomorrow)
	body, status, err := p.get(ctx, f.URL)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK && status != http.StatusNotFound {
		// A server may refuse a date in the future; the changes since today
		// are as good as none for a year two years back.
		f.URL = p.dataURL(p.o.KPI, []string{p.o.Municipality}, []int{p.o.Year}, MaxPerPage,
			p.o.Now().UTC().Format(time.DateOnly))
		if body, status, err = p.get(ctx, f.URL); err != nil {
			return nil, err
		}
	}
	f.Status = status
	switch status {
	case http.StatusOK:
		page, err := DecodeDataPage(body)
		switch {
		case err != nil:
			f.Answer, f.Detail = AnswerUnknown, "svaret är ingen datasida från v3: "+err.Error()
		case len(page.Values) == 0:
			f.Answer, f.Detail = AnswerEmpty200, `200 med "values": [] — en laddning utan något nytt får en tom sida`
		default:
			f.Answer, f.Detail = AnswerUnknown, fmt.Sprintf("%s ändrade sedan i morgon: from_date verkar inte följas", swedish.Count(len(page.Values), "rad", "rader"))
		}
	case http.StatusNotFound:
		f.Answer, f.Detail = Answer404, "404 — anslutningen räknar en 404 på en dataväg som en sida utan rader"
	default:
		f.Answer, f.Detail = statusAnswer(status), fmt.Sprintf("avvisad med %d %s", status, http.StatusText(status))
	}
	return []store.KoladaFinding{f}, nil
}

var municipalityID = regexp.MustCompile(`^\d{4}$`)

// groups asks for a group's value and for its members' values: whether
// Kolada computes group means (and whether they are the members' unweighted
// mean), and whether a request for listed municipalities answers only them.
func (p *prober) groups(ctx context.Context) ([]store.KoladaFinding, error) {
	gm := store.KoladaFinding{Behaviour: BehaviourGroupMeans, Answer: AnswerUnknown}
	lu := store.KoladaFinding{Behaviour: BehaviourListedUnits, Answer: AnswerUnknown}
	gm.URL = p.base + "/municipality_groups" + pageQuery(20, "")
	body, status, err := p.get(ctx, gm.URL)
	if err != nil {
		return nil, err
	}
	var group *Group
	if status == http.StatusOK {
		if page, err := decodePage[Group](body); err == nil {
			for i, g := range page.Values {
				n := 0
				for _, m := range g.Members {
					if municipalityID.MatchString(m.ID) {
						n++
					}
				}
				if n >= 2 && n == len(g.Members) && n <= MaxIDsPerSegment {
					group = &page.Values[i]
					break
				}
			}
		}
	}
	members := []string{p.o.Municipality}
	if group == nil {
		gm.Status, gm.Detail = status, "ingen grupp med 2 till 25 kommuner bland de första grupperna i listan: inget att fråga om"
	} else {
		members = members[:0]
		for _, m := range group.Members {
			members = append(members, m.ID)
		}
	}

	// The members' values: only the members?
	lu.URL = p.dataURL(p.o.KPI, members, []int{p.o.Year}, MaxPerPage, "")
	body, lu.Status, err = p.get(ctx, lu.URL)
	if err != nil {
		return nil, err
	}
	asked := map[string]bool{}
	for _, m := range members {
		asked[m] = true
	}
	var sum float64
	var withValue int
	if lu.Status == http.StatusOK {
		page, err := DecodeDataPage(body)
		if err != nil {
			lu.Detail = "svaret är ingen datasida från v3: " + err.Error()
		} else {
			var extra []string
			for _, r := range page.Values {
				if !asked[r.Municipality] {
					extra = append(extra, r.Municipality)
					continue
				}
				for _, v := range r.Values {
					if v.Gender == store.GenderTotal && v.Value != nil && !bool(v.IsDeleted) {
						sum += *v.Value
						withValue++
					}
				}
			}
			switch {
			case len(extra) > 0:
				lu.Answer, lu.Detail = "extra_rows", fmt.Sprintf("%s för enheter som inte efterfrågades: %s", swedish.Count(len(extra), "rad", "rader"), strings.Join(firstN(extra, 5), ", "))
			case len(page.Values) == 0:
				lu.Detail = "inga rader att avgöra det av"
			default:
				lu.Answer, lu.Detail = "only_asked", fmt.Sprintf("%s, alla för de %d efterfrågade kommunerna", swedish.Count(len(page.Values), "rad", "rader"), len(members))
			}
		}
	} else {
		lu.Detail = fmt.Sprintf("avvisad med %d", lu.Status)
	}
	if group == nil {
		return []store.KoladaFinding{gm, lu}, nil
	}

	// The group's own value.
	gm.URL = p.dataURL(p.o.KPI, []string{group.ID}, []int{p.o.Year}, MaxPerPage, "")
	body, gm.Status, err = p.get(ctx, gm.URL)
	if err != nil {
		return nil, err
	}
	switch gm.Status {
	case http.StatusOK:
		page, err := DecodeDataPage(body)
		if err != nil {
			gm.Detail = "svaret är ingen datasida från v3: " + err.Error()
			break
		}
		var value *float64
		others := 0
		for _, r := range page.Values {
			if r.Municipality != group.ID {
				others++
				continue
			}
			for _, v := range r.Values {
				if v.Gender == store.GenderTotal && v.Value != nil {
					value = v.Value
				}
			}
		}
		switch {
		case value != nil:
			gm.Answer = "computed"
			gm.Detail = fmt.Sprintf("%s svarar %s", group.ID, swedish.Trimmed(*value, 4))
			if withValue > 0 {
				mean := sum / float64(withValue)
				if math.Abs(*value-mean) <= 0.0005*math.Max(1, math.Abs(mean)) {
					gm.Detail += fmt.Sprintf(", det ovägda medelvärdet av de %d medlemmarna med värde", withValue)
				} else {
					gm.Detail += fmt.Sprintf("; det ovägda medelvärdet av de %d medlemmarna med värde är %s", withValue, swedish.Trimmed(mean, 4))
				}
			}
		case others > 0:
			gm.Answer, gm.Detail = "not_computed", fmt.Sprintf("%s svarar med %s för andra enheter, ingen i gruppen", group.ID, swedish.Count(others, "rad", "rader"))
		default:
			gm.Answer, gm.Detail = "not_computed", fmt.Sprintf("%s svarar utan rader", group.ID)
		}
	case http.StatusNotFound:
		gm.Answer, gm.Detail = "not_computed", group.ID+" svarar 404"
	default:
		gm.Answer, gm.Detail = "rejected", fmt.Sprintf("%s avvisas med %d %s", group.ID, gm.Status, http.StatusText(gm.Status))
	}
	return []store.KoladaFinding{gm, lu}, nil
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], "…")
	}
	return s
}

// paging asks for two years of the home municipality one row a page, with a
// from_date long past: what next_url keeps, and what follows the last page.
func (p *prober) paging(ctx context.Context) ([]store.KoladaFinding, error) {
	params := store.KoladaFinding{Behaviour: BehaviourNextURLParams, Answer: AnswerUnknown}
	last := store.KoladaFinding{Behaviour: BehaviourEmptyLastPage, Answer: AnswerUnknown}
	request := p.dataURL(p.o.KPI, []string{p.o.Municipality}, []int{p.o.Year - 1, p.o.Year}, 1, "2000-01-01")
	params.URL, last.URL = request, request
	rows := 0
	for u, n := request, 0; u != "" && n < 5; n++ {
		body, status, err := p.get(ctx, u)
		if err != nil {
			return nil, err
		}
		if status == http.StatusNotFound && rows > 0 {
			last.Answer, last.Status, last.URL = "404_after_last_page", status, u
			last.Detail = fmt.Sprintf("den sista sidan med rader (sida %d) har en next_url, och sidan den pekar på svarar 404", n)
			break
		}
		if status != http.StatusOK {
			last.Status, params.Status = status, status
			last.Detail = fmt.Sprintf("sida %d avvisad med %d", n+1, status)
			params.Detail = last.Detail
			break
		}
		page, err := DecodeDataPage(body)
		if err != nil {
			last.Detail = fmt.Sprintf("sida %d är ingen datasida från v3: %v", n+1, err)
			break
		}
		if n == 0 {
			params.Answer, params.Detail = nextURLParams(page.NextURL, len(page.Values))
		}
		if len(page.Values) == 0 {
			if rows == 0 {
				last.Detail = "inga rader för hemkommunen att bläddra igenom"
				params.Answer, params.Detail = AnswerUnknown, last.Detail
				break
			}
			last.URL = u
			if page.NextURL != "" {
				last.Answer, last.Detail = "next_url_on_empty_page", fmt.Sprintf("sida %d saknar rader men har en next_url: bläddringen slutar vid en tom sida", n+1)
			} else {
				last.Answer, last.Detail = "empty_page_last", fmt.Sprintf("den sista sidan med rader har en next_url; sida %d saknar både rader och next_url", n+1)
			}
			break
		}
		rows += len(page.Values)
		if page.NextURL == "" {
			last.Answer, last.Detail = "no", fmt.Sprintf("sida %d, den sista med rader, saknar next_url", n+1)
			break
		}
		u, _ = nextPage(request, page.NextURL, len(page.Values))
	}
	return []store.KoladaFinding{params, last}, nil
}

// nextURLParams tells which of from_date and per_page a next_url kept.
func nextURLParams(next string, rows int) (string, string) {
	if next == "" {
		if rows == 0 {
			return AnswerUnknown, "inga rader att bläddra igenom"
		}
		return AnswerUnknown, "bara en sida: ingen next_url att titta på"
	}
	u, err := url.Parse(next)
	if err != nil {
		return AnswerUnknown, "next_url är ingen URL: " + truncate(next, 80)
	}
	q := u.Query()
	_, from := q["from_date"]
	_, per := q["per_page"]
	detail := "next_url " + truncate(u.RequestURI(), 120)
	switch {
	case from && per:
		return "kept", detail
	case per:
		return "drops_from_date", detail
	case from:
		return "drops_per_page", detail
	}
	return "drops_both", detail
}

// allUnits asks for one KPI and year of every municipality: which units
// besides the municipalities (and Riket) the answer has.
func (p *prober) allUnits(ctx context.Context) ([]store.KoladaFinding, error) {
	f := store.KoladaFinding{Behaviour: BehaviourAllUnits, Answer: AnswerUnknown}
	request := p.dataURL(p.o.KPI, nil, []int{p.o.Year}, MaxPerPage, "")
	f.URL = request
	var municipalities, regions, groups, other int
	var examples []string
	for u, n := request, 0; u != "" && n < 3; n++ {
		body, status, err := p.get(ctx, u)
		if err != nil {
			return nil, err
		}
		if status == http.StatusNotFound && n > 0 {
			break // a 404 after the last page (counted as no data, as the connector does)
		}
		f.Status = status
		if status != http.StatusOK {
			f.Detail = fmt.Sprintf("avvisad med %d", status)
			return []store.KoladaFinding{f}, nil
		}
		page, err := DecodeDataPage(body)
		if err != nil {
			f.Detail = "svaret är ingen datasida från v3: " + err.Error()
			return []store.KoladaFinding{f}, nil
		}
		for _, r := range page.Values {
			id := r.Municipality
			switch {
			case strings.HasPrefix(id, "G"):
				groups++
				examples = append(examples, id)
			case id == "0000":
				municipalities++
			case municipalityID.MatchString(id) && strings.HasPrefix(id, "00"):
				regions++
				examples = append(examples, id)
			case municipalityID.MatchString(id):
				municipalities++
			default:
				other++
				examples = append(examples, id)
			}
		}
		u, _ = nextPage(request, page.NextURL, len(page.Values))
	}
	switch {
	case groups > 0 && regions > 0:
		f.Answer = "with_groups_and_regions"
	case groups > 0:
		f.Answer = "with_groups"
	case regions > 0:
		f.Answer = "with_regions"
	case municipalities > 0:
		f.Answer = "municipalities"
	}
	f.Detail = fmt.Sprintf("%d kommuner (riket medräknat), %d regioner (00LL), %d grupper, %d andra enheter", municipalities, regions, groups, other)
	if len(examples) > 0 {
		sort.Strings(examples)
		f.Detail += ": " + strings.Join(firstN(examples, 5), ", ")
	}
	return []store.KoladaFinding{f}, nil
}

// v2 asks the retired v2 API for one KPI.
func (p *prober) v2(ctx context.Context) ([]store.KoladaFinding, error) {
	f := store.KoladaFinding{Behaviour: BehaviourV2, Answer: AnswerUnknown}
	root, ok := strings.CutSuffix(p.base, "/v3")
	if !ok {
		f.Detail = "bas-URL:en slutar inte på /v3, så det finns ingen v2 bredvid att fråga"
		return []store.KoladaFinding{f}, nil
	}
	f.URL = root + "/v2/kpi?per_page=1"
	body, status, err := p.get(ctx, f.URL)
	if err != nil {
		return nil, err
	}
	f.Status = status
	switch status {
	case http.StatusGone:
		f.Answer, f.Detail = "gone", "410 Gone"
	case http.StatusOK:
		var m map[string]json.RawMessage
		_ = json.Unmarshal(body, &m)
		switch {
		case m["error"] != nil:
			f.Answer, f.Detail = "error_200", "200 med ett felmeddelande: "+truncate(string(m["error"]), 120)
		case m["values"] != nil:
			f.Answer, f.Detail = "serving", "200 med värden: v2 svarar fortfarande"
		default:
			f.Detail = "200 utan både värden och felmeddelande"
		}
	default:
		f.Answer, f.Detail = statusAnswer(status), fmt.Sprintf("%d %s", status, http.StatusText(status))
	}
	return []store.KoladaFinding{f}, nil
}

// rateLimit says what the answers told about rate limits: headers, or
// retries (429 and 5xx are retried by the client, so more requests than
// answers means some were).
func (p *prober) rateLimit(requests int64) store.KoladaFinding {
	f := store.KoladaFinding{Behaviour: BehaviourRateLimit, Answer: "none_seen"}
	retries := requests - int64(p.gets)
	switch {
	case len(p.limitHeaders) > 0:
		var hs []string
		for k, v := range p.limitHeaders {
			hs = append(hs, k+": "+v)
		}
		sort.Strings(hs)
		f.Answer, f.Detail = "advertised", strings.Join(hs, "; ")
	case retries > 0:
		f.Answer, f.Detail = "limited", fmt.Sprintf("%d av %d anrop var omförsök (429 eller 5xx)", retries, requests)
	default:
		f.Detail = fmt.Sprintf("ingen 429 och inget rate-limit-huvud i %d svar; inget är dokumenterat", p.gets)
	}
	return f
}

// BehaviourText names a behaviour for people, in Swedish (the key itself,
// BehaviourNoData …, stays in the store and in JSON).
func BehaviourText(behaviour string) string {
	switch behaviour {
	case BehaviourNoData:
		return "svar utan data"
	case BehaviourGroupMeans:
		return "gruppers medelvärden"
	case BehaviourEmptyLastPage:
		return "sista sidan"
	case BehaviourNextURLParams:
		return "parametrar i next_url"
	case BehaviourListedUnits:
		return "angivna kommuner"
	case BehaviourAllUnits:
		return "alla kommuner"
	case BehaviourRateLimit:
		return "anropsgräns"
	case BehaviourV2:
		return "gamla v2"
	}
	return behaviour
}

// ConnectorAction says, for people (in Swedish), what the connector does
// given a probe's answer about a behaviour.
func ConnectorAction(behaviour, answer string) string {
	switch behaviour {
	case BehaviourNoData:
		if answer == AnswerEmpty200 {
			return "en tom sida betyder inga data; en 404 på en dataväg är ett fel (Kolada svarar inga data med 200)"
		}
		return "en 404 på en dataväg räknas som en sida utan rader (på en fråga om metadata är den fortfarande ett fel)"
	case BehaviourGroupMeans:
		return "frågar aldrig efter gruppers värden: en grupps medlemmar hämtas, v_kolada_group_value räknar det ovägda medelvärdet"
	case BehaviourEmptyLastPage:
		return "bläddringen slutar vid en tom next_url, vid första sidan utan rader, eller vid en sida som en next_url pekade på och som svarar 404"
	case BehaviourNextURLParams:
		return "lägger tillbaka parametrar som next_url tappat (from_date, per_page) och räknar dem"
	case BehaviourListedUnits, BehaviourAllUnits:
		return "sparar bara efterfrågade enheter (alla kommuner: de som /municipality listar); resten läggs åt sidan och räknas (load.rows_skipped)"
	case BehaviourRateLimit:
		return "högst kolada.rate_limit anrop i sekunden; 429 och 5xx görs om med väntan, Retry-After följs upp till kolada.retry_after_cap"
	case BehaviourV2:
		return "frågar bara v3; en kolada.base_url till v1 eller v2 avvisas"
	}
	return ""
}
