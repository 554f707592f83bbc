package cli

import (
	"context"
	"errors"
	"fmt"

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
// (or everything when full).
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
		prog := newProgress(e)
		opts.Progress = prog.update
		res, err := kolada.Ingest(ctx, st, client, opts)
		prog.done()
		r := pipeline.FromLoads(res.LoadResult)
		if err != nil {
			return r, fmt.Errorf("ingesting Kolada: %w", err)
		}
		mode := res.Mode
		if res.FromDate != "" && res.Mode == "incremental" {
			mode += ", changes since " + res.FromDate
		}
		r.Summary = fmt.Sprintf("Kolada load %d (%s): %s values read, %s new, %s changed, %s ended; %s requests",
			res.LoadID, mode, formatInt(res.RowsRead), formatInt(res.Inserted), formatInt(res.Updated),
			formatInt(res.Deleted), formatInt(res.Requests))
		return r, nil
	}}
}
