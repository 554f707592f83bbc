package store

import (
	"context"
	"fmt"
)

// InsertKoladaPagesNatively loads saved Kolada pages (pages, a glob of JSON
// files) with DuckDB's own JSON reader in one statement and checkpoints:
// the yardstick the benchmark (internal/bench) sets the connector against.
// It writes versions of load 1 without a load row: for a bench store only.
func (s *Store) InsertKoladaPagesNatively(ctx context.Context, pages string) (int64, error) {
	if s.mode != ReadWrite {
		return 0, fmt.Errorf("inserting natively: store is open read-only")
	}
	res, err := s.db.ExecContext(ctx, query("NativeKoladaInsert"), pages)
	if err != nil {
		return 0, fmt.Errorf("read_json: %w", err)
	}
	n, _ := res.RowsAffected()
	if _, err := s.db.ExecContext(ctx, query("Checkpoint")); err != nil {
		return n, err
	}
	return n, nil
}
