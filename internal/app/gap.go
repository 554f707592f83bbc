package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/yearrange"
	"github.com/nyckeltal/nyckeltal/transform/atgardsplan"
	"github.com/nyckeltal/nyckeltal/transform/nka"
)

// GapRequest is what `nyckeltal gap` asks, as given on the command line;
// what is empty takes the configuration's.
type GapRequest struct {
	// Municipality is an id, a name, "all", or "" for the home municipality.
	Municipality string
	Years        string // 2024, 2019-2024 or 2022,2024; "": every year
	Areas        string // slugs, comma-separated; "": every area
	Comparator   string
	Target       string
	PeerTrend    string
	TargetYear   int    // 0: nka.sparbeting.target_year when the trend needs one
	Groups       string // group ids instead of the automatic choice
	AsOf         *time.Time
}

// Gap computes the gap rows of r; the query says what was computed.
func (a *App) Gap(ctx context.Context, r GapRequest) (*nka.GapResult, nka.Query, error) {
	q := nka.Query{Areas: SplitList(r.Areas), AsOf: r.AsOf}
	var err error
	if strings.TrimSpace(r.Years) != "" {
		if q.Years, err = yearrange.Parse(r.Years, a.Now()); err != nil {
			return nil, q, UsageErrorf("--year: %w", err)
		}
	}
	if q.Comparator, err = a.comparatorOrDefault(r.Comparator); err != nil {
		return nil, q, err
	}
	if q.Target, q.PeerTrend, err = a.targetOrDefault(r.Target, r.PeerTrend); err != nil {
		return nil, q, err
	}
	q.TargetYear = r.TargetYear
	if r.TargetYear == 0 && nka.TrendYears(q.PeerTrend) > 0 {
		cfg, err := a.Config()
		if err != nil {
			return nil, q, err
		}
		q.TargetYear = cfg.NKA.Sparbeting.TargetYear
	}
	eng, st, err := a.NKAEngine(ctx)
	if err != nil {
		return nil, q, err
	}
	defer st.Close()
	if !strings.EqualFold(strings.TrimSpace(r.Municipality), "all") {
		id, _, err := a.resolveMunicipality(ctx, eng, r.Municipality)
		if err != nil {
			return nil, q, err
		}
		q.Municipalities = []string{id}
	}
	if r.Groups != "" {
		if q.GroupOverride, err = eng.ResolveGroupOverride(ctx, SplitList(r.Groups), q.Areas); err != nil {
			return nil, q, err
		}
	}
	start := time.Now()
	res, err := eng.Gap(ctx, q)
	if err != nil {
		return nil, q, err
	}
	a.Log.Debug().Int("rows", len(res.Rows)).Dur("took", time.Since(start)).Msg("gap computed")
	a.warnPeersNotFetched(res.Rows)
	return res, q, nil
}

// SparbetingFlags are the sparbeting's settings as given on the command
// line; Set marks those given (the others take the configuration's).
type SparbetingFlags struct {
	BaseYear      int
	TargetYear    int
	TargetYearSet bool
	StartYear     int
	Net           bool
	AsOf          *time.Time
	Areas         string
	Profile       string
	ProfileSet    bool
	Comparator    string
	Target        string
	PeerTrend     string
}

// SparbetingRequest resolves f against the configuration.
func (a *App) SparbetingRequest(f SparbetingFlags) (nka.SparbetingRequest, error) {
	cfg, err := a.Config()
	if err != nil {
		return nka.SparbetingRequest{}, err
	}
	req := nka.SparbetingRequest{BaseYear: f.BaseYear, TargetYear: cfg.NKA.Sparbeting.TargetYear, StartYear: f.StartYear, Net: f.Net}
	if f.TargetYearSet {
		req.TargetYear = f.TargetYear
	}
	req.AsOf = f.AsOf
	req.Areas = cfg.NKA.Sparbeting.Areas
	if strings.TrimSpace(f.Areas) != "" {
		req.Areas = SplitList(f.Areas)
	}
	profile := f.Profile
	if !f.ProfileSet {
		profile = cfg.NKA.Sparbeting.Profile
	}
	if req.Profile, err = nka.ParseProfile(profile); err != nil {
		return req, &UsageError{Err: err}
	}
	if req.Comparator, err = a.comparatorOrDefault(f.Comparator); err != nil {
		return req, err
	}
	if req.Target, req.PeerTrend, err = a.targetOrDefault(f.Target, f.PeerTrend); err != nil {
		return req, err
	}
	return req, nil
}

// SparbetingJob is a resolved sparbeting to compute: one base year, or
// several side by side (the omräkning), or one area's calculation in words.
type SparbetingJob struct {
	Request      nka.SparbetingRequest
	Municipality string // id, name, or "" for the home municipality
	Groups       string // group ids instead of the automatic choice
	CompareYears []int  // the omräkning's base years
	PlanFile     string // an åtgärdsplan to set against the glide path
	Explain      string // an area whose calculation to write out
}

// SparbetingResult is one of a sparbeting, an omräkning, or an explanation.
type SparbetingResult struct {
	Sparbeting  *nka.Sparbeting
	Omrakning   *nka.Omrakning
	Explanation string
}

// Sparbeting computes j.
func (a *App) Sparbeting(ctx context.Context, j SparbetingJob) (*SparbetingResult, error) {
	var pl *atgardsplan.Plan
	var err error
	if j.PlanFile != "" {
		if pl, err = ReadPlan(j.PlanFile); err != nil {
			return nil, err
		}
	}
	eng, st, err := a.NKAEngine(ctx)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	req := j.Request
	if req.Municipality, _, err = a.resolveMunicipality(ctx, eng, j.Municipality); err != nil {
		return nil, err
	}
	if j.Groups != "" {
		if req.GroupOverride, err = eng.ResolveGroupOverride(ctx, SplitList(j.Groups), req.Areas); err != nil {
			return nil, err
		}
	}
	if j.CompareYears != nil {
		o, err := eng.CompareBaseYears(ctx, req, j.CompareYears)
		if err != nil {
			return nil, err
		}
		if pl != nil {
			for _, s := range o.BaseYears {
				nka.ComparePlan(s, pl, j.PlanFile)
			}
		}
		return &SparbetingResult{Omrakning: o}, nil
	}
	s, err := eng.Sparbeting(ctx, req)
	if err != nil {
		return nil, err
	}
	if pl != nil {
		nka.ComparePlan(s, pl, j.PlanFile)
	}
	if j.Explain != "" {
		text, err := eng.Explain(ctx, s, j.Explain)
		if err != nil {
			return nil, err
		}
		return &SparbetingResult{Sparbeting: s, Explanation: text}, nil
	}
	return &SparbetingResult{Sparbeting: s}, nil
}

// ReadPlan reads an åtgärdsplan.
func ReadPlan(path string) (*atgardsplan.Plan, error) {
	fh, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, UsageErrorf("--plan %s: no such file", path)
	}
	if err != nil {
		return nil, fmt.Errorf("reading --plan: %w", err)
	}
	defer fh.Close()
	p, err := atgardsplan.Parse(fh)
	if err != nil {
		return nil, fmt.Errorf("--plan %s: %w", path, err)
	}
	return p, nil
}
