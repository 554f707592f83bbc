package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/nyckeltal/nyckeltal/internal/version"
)

// Load statuses.
const (
	StatusRunning = "running"
	StatusOK      = "ok"
	StatusFailed  = "failed"
)

// LoadSpec describes a load about to start.
type LoadSpec struct {
	Source string // kolada, webfocus, treserva, indicators
	Mode   string // full, incremental, archive, file
	Params any    // stored as JSON in load.params
	// File describes the file a file load reads; nil for other loads.
	File *FileInfo
}

// LoadResult is what a finished load did.
type LoadResult struct {
	LoadID     int64
	Source     string
	Mode       string
	Status     string
	StartedAt  time.Time
	FinishedAt time.Time
	RowsRead   int64
	Inserted   int64
	Updated    int64
	Deleted    int64
	Requests   int64
	Error      string
}

// Changed reports whether the load wrote any new version.
func (r LoadResult) Changed() bool { return r.Inserted+r.Updated+r.Deleted > 0 }

// Loader stages one load on a dedicated connection and merges it into the
// current data in a single transaction at Commit. Until then nothing of it is
// visible; if it fails or the process dies, nothing of it ever is.
//
// A Loader is not safe for concurrent use.
type Loader struct {
	store     *Store
	conn      *sql.Conn
	id        int64
	source    string
	mode      string
	startedAt time.Time
	seq       int64
	scopes    int64
	rowsRead  int64
	requests  int64
	skipped   int64
	done      bool
	// groupsOrNames: groups or municipalities were staged, so the group
	// titles are read again at commit.
	groupsOrNames bool

	// Appenders hold the connection's driver handle outside conn.Raw. This is
	// safe here because the connection is dedicated to this Loader and used
	// from one goroutine; database/sql never hands it to anyone else.
	appenders map[string]*duckdb.Appender
}

// BeginLoad records a running load and prepares its staging tables.
func (s *Store) BeginLoad(ctx context.Context, spec LoadSpec) (*Loader, error) {
	if s.mode != ReadWrite {
		return nil, errors.New("beginning load: store is open read-only")
	}
	params, err := json.Marshal(spec.Params)
	if err != nil {
		return nil, fmt.Errorf("beginning load: encoding params: %w", err)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("beginning load: %w", err)
	}
	l := &Loader{store: s, conn: conn, source: spec.Source, mode: spec.Mode, appenders: map[string]*duckdb.Appender{}}
	file, err := spec.File.columns()
	if err != nil {
		_ = conn.Close() // the error above is the one to report
		return nil, fmt.Errorf("beginning load: %w", err)
	}
	err = conn.QueryRowContext(ctx, query("BeginLoad"), append([]any{spec.Source, spec.Mode, string(params), version.String()}, file...)...).Scan(&l.id, &l.startedAt)
	if err != nil {
		_ = conn.Close() // the error above is the one to report
		return nil, fmt.Errorf("beginning load: recording it: %w", err)
	}
	if _, err := conn.ExecContext(ctx, query("CreateStaging")+";\n"+query("CreateLocalStaging")); err != nil {
		failErr := l.Fail(ctx, err)
		return nil, errors.Join(fmt.Errorf("beginning load: creating staging tables: %w", err), failErr)
	}
	return l, nil
}

// ID is the load id that every observation it writes will name.
func (l *Loader) ID() int64 { return l.id }

// StartedAt is when the load began, in the database clock.
func (l *Loader) StartedAt() time.Time { return l.startedAt }

// CountRead adds to the values read from the source.
func (l *Loader) CountRead(n int64) { l.rowsRead += n }

// CountRequests adds to the requests made to the source.
func (l *Loader) CountRequests(n int64) { l.requests += n }

// CountSkipped adds to the values the source sent that the load set aside
// (load.rows_skipped): for Kolada, values of units it did not ask for.
func (l *Loader) CountSkipped(n int64) { l.skipped += n }

func (l *Loader) appender(table string) (*duckdb.Appender, error) {
	if a, ok := l.appenders[table]; ok {
		return a, nil
	}
	var a *duckdb.Appender
	err := l.conn.Raw(func(dc any) error {
		var err error
		a, err = duckdb.NewAppender(dc.(driver.Conn), "temp", "main", table)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("opening appender for %s: %w", table, err)
	}
	l.appenders[table] = a
	return a, nil
}

func (l *Loader) append(table string, row ...driver.Value) error {
	if l.done {
		return errors.New("staging after the load ended")
	}
	a, err := l.appender(table)
	if err != nil {
		return err
	}
	if err := a.AppendRow(row...); err != nil {
		return fmt.Errorf("staging into %s: %w", table, err)
	}
	return nil
}

func (l *Loader) nextSeq() int64 { l.seq++; return l.seq }

// Stage adds one observation (or, with Deleted, the end of one) to the load.
// The last staged row for a key wins.
func (l *Loader) Stage(o Observation) error {
	if err := o.Validate(); err != nil {
		return err
	}
	var value, count, status driver.Value
	if o.Value != nil {
		value = *o.Value
	}
	if o.Count != nil {
		count = *o.Count
	}
	if o.Status != "" {
		status = o.Status
	}
	return l.append("stage_observation", l.nextSeq(), o.Source, o.IndicatorID, string(o.UnitKind), o.UnitID,
		string(o.Period.Type), o.Period.Start, o.Period.End, int32(o.Period.Year), o.Gender, o.Regi,
		value, count, status, o.Preliminary, o.Deleted)
}

// PreliminaryPair is an indicator and year with preliminary current values.
type PreliminaryPair struct {
	IndicatorID string
	Year        int
}

// PreliminaryPairs lists the indicator-years of source that have preliminary
// current values.
func (l *Loader) PreliminaryPairs(ctx context.Context, source string) ([]PreliminaryPair, error) {
	rows, err := l.conn.QueryContext(ctx, query("PreliminaryPairs"), source)
	if err != nil {
		return nil, fmt.Errorf("reading preliminary values: %w", err)
	}
	defer rows.Close()
	var out []PreliminaryPair
	for rows.Next() {
		var p PreliminaryPair
		if err := rows.Scan(&p.IndicatorID, &p.Year); err != nil {
			return nil, fmt.Errorf("reading preliminary values: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// RestageAsFinal stages the current preliminary values of one indicator and
// year again as final, in the database, without reading them into memory.
// Keys the load already staged keep their staged value; call it after the
// load's own values are staged.
func (l *Loader) RestageAsFinal(ctx context.Context, source string, p PreliminaryPair) (int64, error) {
	if a, ok := l.appenders["stage_observation"]; ok {
		delete(l.appenders, "stage_observation")
		if err := a.Close(); err != nil {
			return 0, fmt.Errorf("flushing staged values: %w", err)
		}
	}
	r, err := l.conn.ExecContext(ctx, query("RestageAsFinal"), source, p.IndicatorID, p.Year)
	if err != nil {
		return 0, fmt.Errorf("restaging preliminary values: %w", err)
	}
	n, _ := r.RowsAffected()
	return n, nil
}

// StageEndOfKind stages the end of every current value of source whose
// unit is of the given kind, unless the load delivered the key itself; it
// returns how many it staged. Like RestageAsFinal it works in the database.
func (l *Loader) StageEndOfKind(ctx context.Context, source string, kind UnitKind) (int64, error) {
	if a, ok := l.appenders["stage_observation"]; ok {
		delete(l.appenders, "stage_observation")
		if err := a.Close(); err != nil {
			return 0, fmt.Errorf("flushing staged values: %w", err)
		}
	}
	r, err := l.conn.ExecContext(ctx, query("StageEndOfKind"), source, string(kind))
	if err != nil {
		return 0, fmt.Errorf("staging the end of %s values: %w", kind, err)
	}
	n, _ := r.RowsAffected()
	return n, nil
}

// StageScope declares a slice of data this load delivers in full.
func (l *Loader) StageScope(sc Scope) error {
	var unit driver.Value
	if sc.UnitID != "" {
		unit = sc.UnitID
	}
	var start driver.Value
	if !sc.PeriodStart.IsZero() {
		start = sc.PeriodStart
	}
	l.scopes++
	return l.append("stage_scope", sc.Source, sc.IndicatorID, string(sc.UnitKind), unit, string(sc.PeriodType), int32(sc.Year), start)
}

// StageCoverage records what this load fetched, for later incremental loads.
func (l *Loader) StageCoverage(c Coverage) error {
	return l.append("stage_coverage", c.Source, c.IndicatorID, c.Scope, int32(c.Year))
}

func nullString(s string) driver.Value {
	if s == "" {
		return nil
	}
	return s
}

func nullTime(t *time.Time) driver.Value {
	if t == nil {
		return nil
	}
	return *t
}

// StageKPI adds KPI metadata, written at Commit when it changed.
func (l *Loader) StageKPI(k KPI) error {
	return l.append("stage_kpi", l.nextSeq(), k.ID, k.Title, nullString(k.Description), nullString(k.OperatingArea),
		nullString(k.MunicipalityType), k.IsDividedByGender, k.HasOUData, nullString(k.Auspice), nullString(k.Perspective),
		nullTime(k.PublicationDate), nullTime(k.PrelPublicationDate), nullString(k.PublPeriod), nullString(k.Raw))
}

// StageMunicipality adds a municipality.
func (l *Loader) StageMunicipality(m Municipality) error {
	l.groupsOrNames = true
	return l.append("stage_municipality", l.nextSeq(), m.ID, m.Title, nullString(m.Type))
}

// StageGroup adds a municipality group; its members replace the stored ones.
func (l *Loader) StageGroup(g Group) error {
	l.groupsOrNames = true
	if err := l.append("stage_group", l.nextSeq(), g.ID, g.Title); err != nil {
		return err
	}
	for _, m := range g.Members {
		if err := l.append("stage_group_member", g.ID, m.ID, nullString(m.Title)); err != nil {
			return err
		}
	}
	return nil
}

// StageOU adds an organisational unit.
func (l *Loader) StageOU(o OU) error {
	return l.append("stage_ou", l.nextSeq(), o.ID, nullString(o.MunicipalityID), nullString(o.Title))
}

func (l *Loader) closeAppenders() error {
	var errs []error
	for name, a := range l.appenders {
		if err := a.Close(); err != nil {
			errs = append(errs, fmt.Errorf("flushing %s: %w", name, err))
		}
		delete(l.appenders, name)
	}
	return errors.Join(errs...)
}

// Commit merges everything staged into the store in one transaction and
// marks the load ok. On error the load is marked failed and nothing of it is
// visible.
func (l *Loader) Commit(ctx context.Context) (LoadResult, error) {
	if l.done {
		return LoadResult{}, errors.New("committing load: it already ended")
	}
	res, err := l.merge(ctx)
	if err != nil {
		err = fmt.Errorf("committing load %d: %w", l.id, err)
		return l.result(StatusFailed, err), errors.Join(err, l.Fail(ctx, err))
	}
	l.finish(ctx)
	return res, nil
}

func (l *Loader) merge(ctx context.Context) (LoadResult, error) {
	if err := l.closeAppenders(); err != nil {
		return LoadResult{}, err
	}
	tx, err := l.conn.BeginTx(ctx, nil)
	if err != nil {
		return LoadResult{}, err
	}
	defer tx.Rollback()
	var now time.Time
	if err := tx.QueryRowContext(ctx, query("Now")).Scan(&now); err != nil {
		return LoadResult{}, err
	}
	res := l.result(StatusOK, nil)
	res.FinishedAt = now
	var dup bool
	if err := tx.QueryRowContext(ctx, query("StagedHasDuplicates")).Scan(&dup); err != nil {
		return LoadResult{}, fmt.Errorf("checking staged keys: %w", err)
	}
	if dup {
		if _, err := tx.ExecContext(ctx, query("DeduplicateStaged")); err != nil {
			return LoadResult{}, fmt.Errorf("deduplicating staged keys: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, query("ClassifyStaged")); err != nil {
		return LoadResult{}, fmt.Errorf("classifying staged rows: %w", err)
	}
	if err := tx.QueryRowContext(ctx, query("CountPlan")).Scan(&res.Inserted, &res.Updated, &res.Deleted); err != nil {
		return LoadResult{}, fmt.Errorf("counting changes: %w", err)
	}
	if l.scopes > 0 {
		if err := execCount(ctx, tx, "EndVersionsOutsideRefresh", &res.Deleted, l.id, now); err != nil {
			return LoadResult{}, err
		}
	}
	var ignored int64
	if err := execCount(ctx, tx, "EndChangedVersions", &ignored, l.id, now); err != nil {
		return LoadResult{}, err
	}
	if err := execCount(ctx, tx, "InsertNewVersions", &ignored, l.id, now); err != nil {
		return LoadResult{}, err
	}
	steps := []struct {
		name string
		args []any
	}{
		{"UpsertKPIs", []any{l.id}},
		{"UpsertMunicipalities", []any{l.id}},
		{"UpsertGroups", []any{l.id}},
		{"ReplaceGroupMembers", nil},
		{"UpsertOUs", []any{l.id}},
		{"RecordCoverage", []any{l.id, l.startedAt}},
		{"UpsertLocalIndicators", []any{l.id}},
		{"InsertTreservaDecisions", []any{l.id}},
	}
	for _, st := range steps {
		if _, err := tx.ExecContext(ctx, query(st.name), st.args...); err != nil {
			return LoadResult{}, fmt.Errorf("%s: %w", st.name, err)
		}
	}
	if l.groupsOrNames {
		if err := syncGroupTitles(ctx, tx); err != nil {
			return LoadResult{}, err
		}
	}
	// The versions carry one commit time; the load's finish is when the merge
	// really ended, which for a large load is later.
	res.FinishedAt = time.Now()
	_, err = tx.ExecContext(ctx, query("FinishLoad"), res.FinishedAt, res.RowsRead, res.Inserted, res.Updated, res.Deleted, res.Requests, l.skipped, l.id)
	if err != nil {
		return LoadResult{}, fmt.Errorf("recording load: %w", err)
	}
	pause("committing")
	if err := tx.Commit(); err != nil {
		return LoadResult{}, err
	}
	return res, nil
}

// execCount runs a named statement and adds its affected rows to n.
func execCount(ctx context.Context, tx *sql.Tx, name string, n *int64, args ...any) error {
	r, err := tx.ExecContext(ctx, query(name), args...)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	affected, err := r.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	*n += affected
	return nil
}

func (l *Loader) result(status string, err error) LoadResult {
	r := LoadResult{LoadID: l.id, Source: l.source, Mode: l.mode, Status: status, StartedAt: l.startedAt,
		RowsRead: l.rowsRead, Requests: l.requests}
	if err != nil {
		r.Error = err.Error()
	}
	return r
}

// Fail marks the load failed with cause and discards what was staged. It
// works even when ctx is already cancelled: recording why a load failed is
// part of failing cleanly.
func (l *Loader) Fail(ctx context.Context, cause error) error {
	if l.done {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	msg := "failed"
	if cause != nil {
		msg = cause.Error()
	}
	_ = l.closeAppenders()
	_, err := l.conn.ExecContext(ctx, query("FailLoad"), l.rowsRead, l.requests, msg, l.id)
	l.finish(ctx)
	if err != nil {
		return fmt.Errorf("recording failure of load %d: %w", l.id, err)
	}
	return nil
}

// Abort fails the load if it has not ended yet; for defer.
func (l *Loader) Abort(ctx context.Context) error {
	if l.done {
		return nil
	}
	return l.Fail(ctx, errors.New("aborted before commit"))
}

func (l *Loader) finish(ctx context.Context) {
	l.done = true
	_ = l.closeAppenders()
	_, _ = l.conn.ExecContext(context.WithoutCancel(ctx), query("DropStaging")+";\n"+query("DropLocalStaging"))
	_ = l.conn.Close()
}

// failAbandonedLoads marks loads that a killed process left running. Only one
// process writes a store at a time, so a running load seen at open is dead.
func (s *Store) failAbandonedLoads(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, query("FailAbandonedLoads"))
	if err != nil {
		return fmt.Errorf("closing abandoned loads: %w", err)
	}
	return nil
}
