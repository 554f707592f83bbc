package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrExportTarget means the export directory holds something else than an
// earlier export, which an export must not delete.
var ErrExportTarget = errors.New("export directory is not an earlier export")

// ExportManifest is the file an export leaves beside its Parquet files.
const ExportManifest = "_nyckeltal_export.json"

// exportItem is one table or view of the export.
type exportItem struct {
	name      string   // table or view
	order     string   // ORDER BY, so that the files read in a stable order
	partition []string // Hive partition columns; none: one file
}

// exportItems are what an export writes: the current observations and the
// analysts' views, partitioned by source and year where they have them, and
// the metadata tables as one file each. Left out on purpose: the value
// history (observation_version), the run bookkeeping, and the pseudonymised
// Treserva decisions, which are personal data.
var exportItems = []exportItem{
	{"observation", "indicator_id, unit_kind, unit_id, period_start, period_end, gender, regi", []string{"source", "year"}},
	{"v_kolada_value", "kpi_id, unit_kind, municipality_id, gender", []string{"year"}},
	{"v_local_value", "indicator_id, unit_kind, unit_id, period_start, period_end, gender, regi", []string{"source", "year"}},
	{"v_nka", "municipality_id, area", []string{"year"}},
	{"v_nka_gap", "municipality_id, area", []string{"year"}},
	{"v_peer_group", "group_id, member_id", nil},
	{"v_nka_group_problem", "group_id", nil},
	{"v_indicator", "indicator_id", nil},
	{"kpi", "kpi_id", nil},
	{"municipality", "municipality_id", nil},
	{"municipality_group", "group_id", nil},
	{"municipality_group_member", "group_id, member_id", nil},
	{"ou", "ou_id", nil},
	{"local_indicator", "indicator_id", nil},
	{"nka_area", "sort_order", nil},
	{"load", "load_id", nil},
}

// ExportedTable is one table of an export.
type ExportedTable struct {
	Name        string   `json:"name"`
	Path        string   `json:"path"` // relative to the export directory
	Rows        int64    `json:"rows"`
	PartitionBy []string `json:"partition_by,omitempty"`
	// Read is how DuckDB reads it back.
	Read string `json:"read"`
}

// Export is what an export wrote.
type Export struct {
	Dir           string          `json:"-"`
	ExportedAt    time.Time       `json:"exported_at"`
	Store         string          `json:"store"`
	SchemaVersion int             `json:"schema_version"`
	LastLoad      *time.Time      `json:"last_load_finished,omitempty"`
	Tables        []ExportedTable `json:"tables"`
	SourceNote    string          `json:"source_note"`
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// ExportParquet writes the current observations, the metadata and the
// analysts' views into dir as Parquet (zstd), Hive-partitioned
// (source=…/year=…/) where they have those columns. It writes into a new
// directory beside dir and swaps it in when complete, so dir is never half
// an export; an existing dir must be an earlier export (it has the manifest)
// or empty. A read-only store can be exported while a run writes.
func (s *Store) ExportParquet(ctx context.Context, dir string, now time.Time) (*Export, error) {
	dir = filepath.Clean(dir)
	if !s.exportable {
		return nil, errors.New("exporting: open the store with store.ForExport")
	}
	if err := checkExportTarget(dir); err != nil {
		return nil, err
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", parent, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".export-*")
	if err != nil {
		return nil, fmt.Errorf("exporting: %w", err)
	}
	defer os.RemoveAll(tmp)
	// From here on the export's COPY statements can write into tmp and
	// nowhere else.
	if err := s.lockdown(ctx, tmp); err != nil {
		return nil, err
	}
	ex := &Export{Dir: dir, ExportedAt: now.UTC(), Store: s.path,
		SourceNote: "Källa: Kolada (RKA) och kommunens egna system. Beräkningar (v_nka, v_nka_gap, v_peer_group, v_nka_group_problem): egen bearbetning."}
	if ex.SchemaVersion, err = s.SchemaVersion(ctx); err != nil {
		return nil, err
	}
	last, err := s.LastLoadFinished(ctx)
	if err != nil {
		return nil, fmt.Errorf("exporting: %w", err)
	}
	if last != nil {
		t := last.UTC()
		ex.LastLoad = &t
	}
	for _, it := range exportItems {
		t := ExportedTable{Name: it.name, PartitionBy: it.partition}
		target := filepath.Join(tmp, it.name)
		opts := "FORMAT parquet, COMPRESSION zstd"
		if len(it.partition) > 0 {
			t.Path = it.name + "/"
			opts += ", PARTITION_BY (" + strings.Join(it.partition, ", ") + ")"
			t.Read = fmt.Sprintf("SELECT * FROM read_parquet('%s/**/*.parquet', hive_partitioning = true)", it.name)
		} else {
			t.Path = it.name + ".parquet"
			target += ".parquet"
			t.Read = fmt.Sprintf("SELECT * FROM '%s.parquet'", it.name)
		}
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM `+it.name).Scan(&t.Rows); err != nil {
			return nil, fmt.Errorf("exporting %s: %w", it.name, err)
		}
		if t.Rows == 0 && len(it.partition) > 0 {
			// DuckDB writes no directory for no rows; an empty file keeps the schema
			t.Path, target = it.name+".parquet", target+".parquet"
			t.PartitionBy, t.Read = nil, fmt.Sprintf("SELECT * FROM '%s.parquet'", it.name)
			opts = "FORMAT parquet, COMPRESSION zstd"
		}
		q := fmt.Sprintf(`COPY (SELECT * FROM %s ORDER BY %s) TO %s (%s)`, it.name, it.order, sqlString(target), opts)
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("exporting %s: %w", it.name, err)
		}
		ex.Tables = append(ex.Tables, t)
	}
	b, err := json.MarshalIndent(ex, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(tmp, ExportManifest), append(b, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("exporting: %w", err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, fmt.Errorf("exporting: %w", err)
	}
	if err := swapDir(tmp, dir); err != nil {
		return nil, err
	}
	return ex, nil
}

func checkExportTarget(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("exporting to %s: %w", dir, err)
	case len(entries) == 0:
		return nil
	}
	b, err := os.ReadFile(filepath.Join(dir, ExportManifest))
	if err != nil {
		return fmt.Errorf("%w: %s exists and has no %s; give a new or empty directory (nothing in it is deleted)", ErrExportTarget, dir, ExportManifest)
	}
	// An earlier export holds what its manifest lists and nothing else: a
	// directory with anything more is not replaced, whatever its manifest.
	var m Export
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("%w: %s has a %s that cannot be read (%w); give a new or empty directory", ErrExportTarget, dir, ExportManifest, err)
	}
	ours := map[string]bool{ExportManifest: true}
	for _, t := range m.Tables {
		top, _, _ := strings.Cut(filepath.ToSlash(t.Path), "/")
		ours[top] = true
	}
	for _, e := range entries {
		if !ours[e.Name()] {
			return fmt.Errorf("%w: %s holds %s, which no export wrote; give a new or empty directory (nothing in it is deleted)",
				ErrExportTarget, dir, e.Name())
		}
	}
	return nil
}

// swapDir puts the new export in place of the old one: the old is moved
// aside, the new renamed in, the old removed.
func swapDir(tmp, dir string) error {
	old := ""
	if _, err := os.Stat(dir); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return fmt.Errorf("replacing %s: %w", dir, err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if old != "" {
			_ = os.Rename(old, dir)
		}
		return fmt.Errorf("replacing %s: %w", dir, err)
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}
