package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// LoadInfo is one row of the load table.
type LoadInfo struct {
	ID         int64      `json:"load_id"`
	Source     string     `json:"source"`
	Mode       string     `json:"mode"`
	Status     string     `json:"status"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	RowsRead   int64      `json:"rows_read"`
	Inserted   int64      `json:"rows_inserted"`
	Updated    int64      `json:"rows_updated"`
	Deleted    int64      `json:"rows_deleted"`
	Requests   int64      `json:"requests"`
	Error      string     `json:"error,omitempty"`
	// FileName is the file a file load read (WebFOCUS, Treserva, indicators).
	FileName string `json:"file_name,omitempty"`
}

func scanLoad(sc interface{ Scan(...any) error }) (LoadInfo, error) {
	var l LoadInfo
	var finished sql.NullTime
	err := sc.Scan(&l.ID, &l.Source, &l.Mode, &l.Status, &l.StartedAt, &finished, &l.RowsRead, &l.Inserted,
		&l.Updated, &l.Deleted, &l.Requests, &l.Error, &l.FileName)
	if finished.Valid {
		l.FinishedAt = &finished.Time
	}
	return l, err
}

// LastLoad returns the newest load of source with the given status, or nil.
func (s *Store) LastLoad(ctx context.Context, source, status string) (*LoadInfo, error) {
	row := s.db.QueryRowContext(ctx, query("LastLoad"), source, status)
	l, err := scanLoad(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading last %s load of %s: %w", status, source, err)
	}
	return &l, nil
}

// Loads returns the newest loads, newest first.
func (s *Store) Loads(ctx context.Context, limit int) ([]LoadInfo, error) {
	return s.queryLoads(ctx, "Loads", limit)
}

func (s *Store) queryLoads(ctx context.Context, name string, args ...any) ([]LoadInfo, error) {
	out, err := scanRows(ctx, s.db, query(name), func(rows *sql.Rows) (LoadInfo, error) { return scanLoad(rows) }, args...)
	if err != nil {
		return nil, fmt.Errorf("reading loads: %w", err)
	}
	return out, nil
}

// CoverageKey names one coverage entry.
type CoverageKey struct {
	IndicatorID string
	Scope       string
	Year        int
}

// CoverageSince returns, per indicator, scope and year, the start of the last
// successful load that fetched it.
func (s *Store) CoverageSince(ctx context.Context, source string) (map[CoverageKey]time.Time, error) {
	type coverage struct {
		key CoverageKey
		at  time.Time
	}
	rows, err := scanRows(ctx, s.db, query("CoverageSince"), func(rows *sql.Rows) (coverage, error) {
		var c coverage
		return c, rows.Scan(&c.key.IndicatorID, &c.key.Scope, &c.key.Year, &c.at)
	}, source)
	if err != nil {
		return nil, fmt.Errorf("reading coverage: %w", err)
	}
	out := make(map[CoverageKey]time.Time, len(rows))
	for _, c := range rows {
		out[c.key] = c.at
	}
	return out, nil
}

func scanKPI(rows *sql.Rows) (KPI, error) {
	var k KPI
	var pub, prel sql.NullTime
	if err := rows.Scan(&k.ID, &k.Title, &k.Description, &k.OperatingArea, &k.MunicipalityType,
		&k.IsDividedByGender, &k.HasOUData, &k.Auspice, &k.Perspective, &pub, &prel, &k.PublPeriod, &k.Raw); err != nil {
		return k, err
	}
	if pub.Valid {
		k.PublicationDate = &pub.Time
	}
	if prel.Valid {
		k.PrelPublicationDate = &prel.Time
	}
	return k, nil
}

// KPIs returns the stored metadata of the given KPIs (all when ids is empty).
func (s *Store) KPIs(ctx context.Context, ids []string) ([]KPI, error) {
	var out []KPI
	var err error
	if len(ids) > 0 {
		out, err = scanRows(ctx, s.db, query("KPIsByID"), scanKPI, ids)
	} else {
		out, err = scanRows(ctx, s.db, query("KPIs"), scanKPI)
	}
	if err != nil {
		return nil, fmt.Errorf("reading KPIs: %w", err)
	}
	return out, nil
}

// SearchKPIs finds KPIs whose id, title or operating area contains every word
// of text, ignoring case and accents (so "aldreomsorg" finds "äldreomsorg").
func (s *Store) SearchKPIs(ctx context.Context, text string, limit int) ([]KPI, error) {
	words := strings.Fields(text)
	if len(words) == 0 {
		return nil, errors.New("searching KPIs: no search words")
	}
	for i, w := range words {
		words[i] = escapeLike(w)
	}
	out, err := scanRows(ctx, s.db, query("SearchKPIs"), scanKPI, words, limit)
	if err != nil {
		return nil, fmt.Errorf("searching KPIs: %w", err)
	}
	return out, nil
}

// KPITitles maps the given KPIs to their titles ("" when the store has
// none); KPIs the store does not know are absent.
func (s *Store) KPITitles(ctx context.Context, ids []string) (map[string]string, error) {
	type title struct{ id, title string }
	rows, err := scanRows(ctx, s.db, query("KPITitles"), func(rows *sql.Rows) (title, error) {
		var t title
		return t, rows.Scan(&t.id, &t.title)
	}, ids)
	if err != nil {
		return nil, fmt.Errorf("reading KPI titles: %w", err)
	}
	out := make(map[string]string, len(rows))
	for _, t := range rows {
		out[t.id] = t.title
	}
	return out, nil
}

// LatestPublicationDate is the latest date Kolada publishes (or published)
// the final values of any of the KPIs; nil when it gives none.
func (s *Store) LatestPublicationDate(ctx context.Context, ids []string) (*time.Time, error) {
	var pub sql.NullTime
	if err := s.db.QueryRowContext(ctx, query("LatestPublicationDate"), ids).Scan(&pub); err != nil {
		return nil, fmt.Errorf("reading publication dates: %w", err)
	}
	if !pub.Valid {
		return nil, nil
	}
	return &pub.Time, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Summary is what a one-line report of the store needs.
type Summary struct {
	CurrentValues  int64
	KPIs           int64
	Municipalities int64
	Groups         int64
}

// Summary counts the current values and the metadata: cheap at any size.
func (s *Store) Summary(ctx context.Context) (Summary, error) {
	var sm Summary
	err := s.db.QueryRowContext(ctx, query("Summary")).
		Scan(&sm.CurrentValues, &sm.KPIs, &sm.Municipalities, &sm.Groups)
	if err != nil {
		return sm, fmt.Errorf("summarising the store: %w", err)
	}
	return sm, nil
}

// SourceStatus summarises one source.
type SourceStatus struct {
	Source        string    `json:"source"`
	CurrentValues int64     `json:"current_values"`
	Versions      int64     `json:"versions"`
	Indicators    int64     `json:"indicators"`
	LastSuccess   *LoadInfo `json:"last_success,omitempty"`
	LastFailure   *LoadInfo `json:"last_failure,omitempty"`
	// AgeHours is the time since the last successful load, the freshness.
	AgeHours *float64 `json:"age_hours,omitempty"`
}

// Status is what `nyckeltal status` reports.
type Status struct {
	Path           string         `json:"path"`
	SizeBytes      int64          `json:"size_bytes"`
	SchemaVersion  int            `json:"schema_version"`
	Sources        []SourceStatus `json:"sources"`
	KPIs           int64          `json:"kpis"`
	Municipalities int64          `json:"municipalities"`
	Groups         int64          `json:"groups"`
	GroupMembers   int64          `json:"group_members"`
	OUs            int64          `json:"ous"`
	RecentLoads    []LoadInfo     `json:"recent_loads"`

	// Operations (see status_ops.go): jobs, the newest failure, the writer.
	Jobs             []JobStatus `json:"jobs"`
	LastError        *LastError  `json:"last_error,omitempty"`
	Writer           *Holder     `json:"writer,omitempty"`
	UnpublishedSince *time.Time  `json:"unpublished_since,omitempty"`
}

// Status gathers the store's state; now is used for freshness.
func (s *Store) Status(ctx context.Context, now time.Time, recent int) (*Status, error) {
	st := &Status{Path: s.path}
	if fi, err := os.Stat(s.file); err == nil {
		st.SizeBytes = fi.Size()
	}
	if wal, err := os.Stat(s.file + ".wal"); err == nil {
		st.SizeBytes += wal.Size()
	}
	var err error
	if st.SchemaVersion, err = s.SchemaVersion(ctx); err != nil {
		return nil, err
	}
	if err := s.db.QueryRowContext(ctx, query("StatusCounts")).
		Scan(&st.KPIs, &st.Municipalities, &st.Groups, &st.GroupMembers, &st.OUs); err != nil {
		return nil, fmt.Errorf("reading status: %w", err)
	}
	st.Sources, err = scanRows(ctx, s.db, query("SourceValues"), func(rows *sql.Rows) (SourceStatus, error) {
		var ss SourceStatus
		return ss, rows.Scan(&ss.Source, &ss.CurrentValues, &ss.Versions, &ss.Indicators)
	})
	if err != nil {
		return nil, fmt.Errorf("reading status: %w", err)
	}
	for i := range st.Sources {
		ss := &st.Sources[i]
		if ss.LastSuccess, err = s.LastLoad(ctx, ss.Source, StatusOK); err != nil {
			return nil, err
		}
		if ss.LastFailure, err = s.LastLoad(ctx, ss.Source, StatusFailed); err != nil {
			return nil, err
		}
		if ss.LastSuccess != nil && ss.LastSuccess.FinishedAt != nil {
			age := now.Sub(*ss.LastSuccess.FinishedAt).Hours()
			ss.AgeHours = &age
		}
	}
	if st.RecentLoads, err = s.Loads(ctx, recent); err != nil {
		return nil, err
	}
	if err := s.operationsStatus(ctx, st, now); err != nil {
		return nil, err
	}
	return st, nil
}

// KPIState is what the store knows of one Kolada KPI: whether Kolada's KPI
// catalogue (as last loaded) has it, its metadata, and the years a
// successful load fetched its values for a municipality.
type KPIState struct {
	ID string
	// Known: the kpi table has the KPI (a load fetched its metadata).
	Known            bool
	Title            string
	MunicipalityType string // K municipalities, L regions only, A both
	DividedByGender  bool
	// Fetched maps a year to the start of the last successful load that
	// asked Kolada for the KPI's values that year, for every municipality or
	// for the one asked about.
	Fetched map[int]time.Time
}

// KPIStates reads the state of the given KPIs of source for municipality.
func (s *Store) KPIStates(ctx context.Context, source, municipality string, ids []string) (map[string]KPIState, error) {
	out := make(map[string]KPIState, len(ids))
	for _, id := range ids {
		out[id] = KPIState{ID: id, Fetched: map[int]time.Time{}}
	}
	if len(ids) == 0 {
		return out, nil
	}
	known, err := scanRows(ctx, s.db, query("KPIStateMetadata"), func(rows *sql.Rows) (KPIState, error) {
		var k KPIState
		return k, rows.Scan(&k.ID, &k.Title, &k.MunicipalityType, &k.DividedByGender)
	}, ids)
	if err != nil {
		return nil, fmt.Errorf("reading KPI metadata: %w", err)
	}
	for _, k := range known {
		k.Known, k.Fetched = true, out[k.ID].Fetched
		out[k.ID] = k
	}
	type fetched struct {
		id   string
		year int
		at   time.Time
	}
	fs, err := scanRows(ctx, s.db, query("KPIStateFetched"), func(rows *sql.Rows) (fetched, error) {
		var f fetched
		return f, rows.Scan(&f.id, &f.year, &f.at)
	}, source, municipality, ids)
	if err != nil {
		return nil, fmt.Errorf("reading what was fetched: %w", err)
	}
	for _, f := range fs {
		if k, ok := out[f.id]; ok {
			k.Fetched[f.year] = f.at
		}
	}
	return out, nil
}

// HasKPICatalogue says whether a successful load of source kept the source's
// whole KPI catalogue (a Kolada load with kolada.catalogue = "all", or the
// replay of one), so that the kpi table lists every KPI there is, not only
// the ones fetched. Titles are looked up only in a whole catalogue: among a
// few KPIs, one that merely resembles a title would look like the only fit.
func (s *Store) HasKPICatalogue(ctx context.Context, source string) (bool, error) {
	var ok bool
	if err := s.db.QueryRowContext(ctx, query("HasKPICatalogue"), source).Scan(&ok); err != nil {
		return false, fmt.Errorf("reading the loads: %w", err)
	}
	return ok, nil
}
