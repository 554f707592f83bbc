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
			f.Answer, f.Detail = AnswerUnknown, "the answer is not a v3 data page: "+err.Error()
		case len(page.Values) == 0:
			f.Answer, f.Detail = AnswerEmpty200, `200 with "values": [] — a load with nothing new is an empty page`
		default:
			f.Answer, f.Detail = AnswerUnknown, fmt.Sprintf("%d rows changed since tomorrow: from_date seems to be ignored", len(page.Values))
		}
	case http.StatusNotFound:
		f.Answer, f.Detail = Answer404, "404 — the connector counts a 404 on a data route as a page without rows"
	default:
		f.Answer, f.Detail = statusAnswer(status), fmt.Sprintf("refused with %d %s", status, http.StatusText(status))
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
		gm.Status, gm.Detail = status, "no group of 2 to 25 municipalities among the first groups listed: nothing to ask"
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
			lu.Detail = "the answer is not a v3 data page: " + err.Error()
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
				lu.Answer, lu.Detail = "extra_rows", fmt.Sprintf("%d rows of units not asked for: %s", len(extra), strings.Join(firstN(extra, 5), ", "))
			case len(page.Values) == 0:
				lu.Detail = "no rows to tell from"
			default:
				lu.Answer, lu.Detail = "only_asked", fmt.Sprintf("%d rows, all of the %d municipalities asked for", len(page.Values), len(members))
			}
		}
	} else {
		lu.Detail = fmt.Sprintf("refused with %d", lu.Status)
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
			gm.Detail = "the answer is not a v3 data page: " + err.Error()
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
			gm.Detail = fmt.Sprintf("%s answers %.6g", group.ID, *value)
			if withValue > 0 {
				mean := sum / float64(withValue)
				if math.Abs(*value-mean) <= 0.0005*math.Max(1, math.Abs(mean)) {
					gm.Detail += fmt.Sprintf(", the unweighted mean of the %d members with a value", withValue)
				} else {
					gm.Detail += fmt.Sprintf("; the unweighted mean of the %d members with a value is %.6g", withValue, mean)
				}
			}
		case others > 0:
			gm.Answer, gm.Detail = "not_computed", fmt.Sprintf("%s answers %d rows of other units, none of the group", group.ID, others)
		default:
			gm.Answer, gm.Detail = "not_computed", fmt.Sprintf("%s answers no rows", group.ID)
		}
	case http.StatusNotFound:
		gm.Answer, gm.Detail = "not_computed", group.ID+" answers 404"
	default:
		gm.Answer, gm.Detail = "rejected", fmt.Sprintf("%s is refused with %d %s", group.ID, gm.Status, http.StatusText(gm.Status))
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
			last.Detail = fmt.Sprintf("the last page with rows (page %d) has a next_url, and the page it names answers 404", n)
			break
		}
		if status != http.StatusOK {
			last.Status, params.Status = status, status
			last.Detail = fmt.Sprintf("page %d refused with %d", n+1, status)
			params.Detail = last.Detail
			break
		}
		page, err := DecodeDataPage(body)
		if err != nil {
			last.Detail = fmt.Sprintf("page %d is not a v3 data page: %v", n+1, err)
			break
		}
		if n == 0 {
			params.Answer, params.Detail = nextURLParams(page.NextURL, len(page.Values))
		}
		if len(page.Values) == 0 {
			if rows == 0 {
				last.Detail = "no rows for the home municipality to page through"
				params.Answer, params.Detail = AnswerUnknown, last.Detail
				break
			}
			last.URL = u
			if page.NextURL != "" {
				last.Answer, last.Detail = "next_url_on_empty_page", fmt.Sprintf("page %d has no rows and a next_url: paging ends at an empty page", n+1)
			} else {
				last.Answer, last.Detail = "empty_page_last", fmt.Sprintf("the last page with rows has a next_url; page %d has no rows and no next_url", n+1)
			}
			break
		}
		rows += len(page.Values)
		if page.NextURL == "" {
			last.Answer, last.Detail = "no", fmt.Sprintf("page %d, the last with rows, has no next_url", n+1)
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
			return AnswerUnknown, "no rows to page through"
		}
		return AnswerUnknown, "one page only: no next_url to look at"
	}
	u, err := url.Parse(next)
	if err != nil {
		return AnswerUnknown, "next_url is not a URL: " + truncate(next, 80)
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
			f.Detail = fmt.Sprintf("refused with %d", status)
			return []store.KoladaFinding{f}, nil
		}
		page, err := DecodeDataPage(body)
		if err != nil {
			f.Detail = "the answer is not a v3 data page: " + err.Error()
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
	f.Detail = fmt.Sprintf("%d municipalities (Riket included), %d regions (00LL), %d groups, %d other units", municipalities, regions, groups, other)
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
		f.Detail = "the base URL does not end in /v3, so there is no v2 beside it to ask"
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
			f.Answer, f.Detail = "error_200", "200 with an error message: "+truncate(string(m["error"]), 120)
		case m["values"] != nil:
			f.Answer, f.Detail = "serving", "200 with values: v2 still answers"
		default:
			f.Detail = "200 with neither values nor an error"
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
		f.Answer, f.Detail = "limited", fmt.Sprintf("%d of %d requests were retries (429 or 5xx)", retries, requests)
	default:
		f.Detail = fmt.Sprintf("no 429 and no rate-limit header in %d answers; nothing is documented", p.gets)
	}
	return f
}

// ConnectorAction says, for people, what the connector does given a
// probe's answer about a behaviour.
func ConnectorAction(behaviour, answer string) string {
	switch behaviour {
	case BehaviourNoData:
		if answer == AnswerEmpty200 {
			return "an empty page is no data; a 404 on a data route is an error (Kolada answers no data with 200)"
		}
		return "a 404 on a data route counts as a page without rows (on a metadata request it stays an error)"
	case BehaviourGroupMeans:
		return "never asks for group values: group ids are fetched as their members, v_kolada_group_value computes the unweighted mean"
	case BehaviourEmptyLastPage:
		return "paging ends at a null next_url, at the first page without rows, or at a page a next_url named that answers 404"
	case BehaviourNextURLParams:
		return "puts back into next_url any parameter of the query it lost (from_date, per_page), and counts it"
	case BehaviourListedUnits, BehaviourAllUnits:
		return "stores only units asked for (every municipality: those /municipality lists); the rest is set aside and counted (load.rows_skipped)"
	case BehaviourRateLimit:
		return "at most kolada.rate_limit requests a second; 429 and 5xx retried with backoff, Retry-After honoured up to kolada.retry_after_cap"
	case BehaviourV2:
		return "asks only v3; a kolada.base_url of v1 or v2 is refused"
	}
	return ""
}
