package cli

import (
	"context"
	"fmt"

	"github.com/nyckeltal/nyckeltal/connectors/kolada"
	"github.com/nyckeltal/nyckeltal/internal/pipeline"
	"github.com/nyckeltal/nyckeltal/internal/store"
)

// The jobs of `nyckeltal run` and of the schedule daemon.
//
// runOrder is the order of a full run. A scheduled entry named X runs job X
// and then the follow-ups, which recompute what depends on the data. Names
// missing from jobCatalog are skipped, so the lists can name jobs that other
// branches are adding:
//   - the inbox of local extracts (issue 4): add "inbox" to jobCatalog; let
//     the job implement pipeline.Pender so that the 15-minute schedule costs
//     nothing while the inbox is empty, and move processed files with
//     st.AfterPublish, so that a run that is killed or not published leaves
//     them in the inbox;
//   - the derived tables (issues 3 and 6): add "derived" to jobCatalog.
var (
	runOrder  = []string{"kolada", "inbox", "derived"}
	followUps = []string{"derived"}
)

// jobCatalog lists the jobs this build has, by name.
func (e *env) jobCatalog() map[string]pipeline.Job {
	return map[string]pipeline.Job{
		"kolada":      e.koladaJob("kolada", false),
		"kolada-full": e.koladaJob("kolada-full", true),
	}
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
