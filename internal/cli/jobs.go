package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nyckeltal/nyckeltal/connectors/kolada"
	"github.com/nyckeltal/nyckeltal/internal/inbox"
	"github.com/nyckeltal/nyckeltal/internal/pipeline"
	"github.com/nyckeltal/nyckeltal/internal/store"
)

// The jobs of `nyckeltal run` and of the schedule daemon.
//
// runOrder is the order of a full run. A scheduled entry named X runs job X
// and then the follow-ups, which recompute what depends on the data. Names
// missing from jobCatalog are skipped.
var (
	runOrder  = []string{"kolada", "inbox", "derived"}
	followUps = []string{"derived"}
)

// jobCatalog lists the jobs this build has, by name. "derived" (the tables
// and the report) is there when tables.out_dir is set.
func (e *env) jobCatalog() map[string]pipeline.Job {
	jobs := map[string]pipeline.Job{
		"kolada":      e.koladaJob("kolada", false),
		"kolada-full": e.koladaJob("kolada-full", true),
		"inbox":       &inboxJob{e: e},
	}
	if cfg, err := e.config(); err == nil && cfg.Tables.OutDir != "" {
		jobs["derived"] = derivedJob{e}
	}
	return jobs
}

// inboxJob loads the inbox of local extracts. It is pending only when a
// complete file waits, so that its frequent schedule costs nothing while the
// inbox is empty; its files are read and checked (Prepare) before the store
// is locked, and inbox moves them once the run is published.
type inboxJob struct {
	e     *env
	batch *inbox.Batch
	err   error
}

func (*inboxJob) Name() string { return "inbox" }

func (j *inboxJob) options() (inbox.Options, error) {
	cfg, err := j.e.config()
	if err != nil {
		return inbox.Options{}, err
	}
	opts, err := inbox.FromConfig(cfg, j.e.sourceOptions())
	if err != nil {
		return opts, &UsageError{Err: err}
	}
	opts.Now = j.e.app.Now
	return opts, nil
}

func (j *inboxJob) Pending(context.Context) (bool, error) {
	opts, err := j.options()
	if err != nil {
		return false, err
	}
	return inbox.Pending(opts)
}

// Prepare reads and checks the inbox's complete files, without the store.
func (j *inboxJob) Prepare(ctx context.Context) error {
	opts, err := j.options()
	if err != nil {
		j.err = err
		return err
	}
	j.batch, j.err = inbox.Prepare(ctx, opts)
	return j.err
}

func (j *inboxJob) Run(ctx context.Context, st *store.Store) (pipeline.Result, error) {
	opts, err := j.options()
	if err != nil {
		return pipeline.Result{}, err
	}
	if j.batch == nil && j.err == nil {
		j.Prepare(ctx)
	}
	batch, prepErr := j.batch, j.err
	j.batch, j.err = nil, nil
	if batch == nil {
		return pipeline.Result{}, fmt.Errorf("processing the inbox: %w", prepErr)
	}
	res, err := batch.Load(ctx, st)
	err = errors.Join(prepErr, err)
	var loads []store.LoadResult
	for _, fr := range res.Files {
		loads = append(loads, fr.Load)
	}
	r := pipeline.FromLoads(loads...)
	r.Summary = res.Summary(opts.InboxDir)
	switch {
	case err != nil:
		return r, fmt.Errorf("processing the inbox: %w", err)
	case res.Refused > 0:
		return r, filesRefused("%d file(s) of the inbox refused; they go to %s with a .error.txt each", res.Refused, opts.RejectedDir)
	}
	return r, nil
}

// jobsFor returns the jobs of the names this build has, in order, without
// repeats.
func (e *env) jobsFor(names ...string) []pipeline.Job {
	cat := e.jobCatalog()
	var out []pipeline.Job
	seen := map[string]bool{}
	for _, n := range names {
		if j, ok := cat[n]; ok && !seen[n] {
			out = append(out, j)
			seen[n] = true
		}
	}
	return out
}

// koladaJob is `ingest kolada` as a job: the configured set, changes only
// (or everything when full). It probes Kolada (`kolada probe`) first when no
// probe of its base URL is stored, and again after a failure the probe could
// explain; when that probe finds Kolada answering otherwise than before, the
// load is tried once more, following the new findings. A probe that fails
// does not fail the job; it is logged and said in the job's summary.
func (e *env) koladaJob(name string, full bool) pipeline.Job {
	return pipeline.Func{JobName: name, Fn: func(ctx context.Context, st *store.Store) (pipeline.Result, error) {
		opts, err := e.koladaOptions(koladaFlags{full: full})
		if err != nil {
			return pipeline.Result{}, err
		}
		client, err := e.koladaClient()
		if err != nil {
			return pipeline.Result{}, err
		}
		opts.KPIs = addKPIs(opts.KPIs, e.catalogTitleKPIs(ctx, st, client, opts.BaseURL))
		var notes []string
		before, err := st.LatestKoladaProbe(ctx, strings.TrimSuffix(opts.BaseURL, "/"))
		if err != nil {
			return pipeline.Result{}, err
		}
		if before == nil {
			if _, note := e.probeInJob(ctx, st, client, kolada.TriggerFirstRun, nil); note != "" {
				notes = append(notes, note)
			}
		}
		res, err := e.koladaJobLoad(ctx, st, client, opts)
		if err != nil && ctx.Err() == nil && kolada.ProbeCouldExplain(err) {
			prev, perr := st.LatestKoladaProbe(ctx, strings.TrimSuffix(opts.BaseURL, "/"))
			if perr != nil {
				return pipeline.FromLoads(res.LoadResult), errors.Join(err, perr)
			}
			probe, note := e.probeInJob(ctx, st, client, kolada.TriggerAfterFailure, prev)
			if note != "" {
				notes = append(notes, note)
			}
			if probe != nil && probe.Answer(kolada.BehaviourNoData) != prev.Answer(kolada.BehaviourNoData) {
				e.log.Warn().Err(err).Msg("Kolada answers otherwise than probed before; loading once more, following the new probe")
				notes = append(notes, fmt.Sprintf("load %d failed (%v); loaded again after the probe", res.LoadID, truncateText(err.Error(), 120)))
				res, err = e.koladaJobLoad(ctx, st, client, opts)
			}
		}
		r := pipeline.FromLoads(res.LoadResult)
		if err != nil {
			if len(notes) > 0 {
				err = fmt.Errorf("%w (%s)", err, strings.Join(notes, "; "))
			}
			return r, fmt.Errorf("ingesting Kolada: %w", err)
		}
		mode := res.Mode
		if res.FromDate != "" && res.Mode == "incremental" {
			mode += ", changes since " + res.FromDate
		}
		r.Summary = fmt.Sprintf("Kolada load %d (%s): %s values read, %s new, %s changed, %s ended; %s requests",
			res.LoadID, mode, formatInt(res.RowsRead), formatInt(res.Inserted), formatInt(res.Updated),
			formatInt(res.Deleted), formatInt(res.Requests))
		if all := append(notes, res.Notes()...); len(all) > 0 {
			r.Summary += "; " + strings.Join(all, "; ")
		}
		if head, _, err := e.groupProblems(ctx, st); err != nil {
			return r, err
		} else if head != "" {
			r.Summary += "; varning: " + head
		}
		return r, nil
	}}
}

// koladaJobLoad is one Kolada load of a job, with progress on a terminal.
func (e *env) koladaJobLoad(ctx context.Context, st *store.Store, client *kolada.Client, opts kolada.Options) (kolada.Result, error) {
	prog := newProgress(e)
	opts.Progress = prog.update
	defer prog.done()
	return kolada.Ingest(ctx, st, client, opts)
}

// probeInJob probes Kolada and stores the findings. It returns the probe (nil
// when it failed) and a note for the job's summary.
func (e *env) probeInJob(ctx context.Context, st *store.Store, client *kolada.Client, trigger string, prev *store.KoladaProbe) (*store.KoladaProbe, string) {
	po, err := e.koladaProbeOptions(trigger)
	if err != nil {
		return nil, "no probe: " + err.Error()
	}
	probe, err := kolada.Probe(ctx, client, po)
	if err == nil {
		err = st.SaveKoladaProbe(ctx, probe)
	}
	if err != nil {
		e.log.Warn().Err(err).Str("trigger", trigger).Msg("probing Kolada failed; the load goes ahead with what was known")
		return nil, "the probe failed: " + truncateText(err.Error(), 120)
	}
	var changed []string
	for _, f := range probe.Findings {
		if prev != nil && prev.Answer(f.Behaviour) != f.Answer {
			changed = append(changed, fmt.Sprintf("%s %s (was %s)", f.Behaviour, f.Answer, orDash(prev.Answer(f.Behaviour))))
		}
	}
	ev := e.log.Info().Str("trigger", trigger).Int64("probe_id", probe.ID).Int64("requests", probe.Requests)
	for _, f := range probe.Findings {
		ev = ev.Str(f.Behaviour, f.Answer)
	}
	ev.Msg("probed Kolada")
	note := fmt.Sprintf("probed Kolada (%s, probe %d)", trigger, probe.ID)
	if len(changed) > 0 {
		note += ": " + strings.Join(changed, ", ")
	}
	return probe, note
}
