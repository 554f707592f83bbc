package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// LastError is the newest failure of a job or a load.
type LastError struct {
	At     time.Time `json:"at"`
	Job    string    `json:"job,omitempty"`
	Source string    `json:"source,omitempty"`
	LoadID int64     `json:"load_id,omitempty"`
	RunID  string    `json:"run_id,omitempty"`
	Error  string    `json:"error"`
}

// operationsStatus adds what monitoring needs beside the data: per job the
// last success and failure, the newest error, a writer at work (or killed),
// and an unpublished result waiting.
func (s *Store) operationsStatus(ctx context.Context, st *Status, now time.Time) error {
	var err error
	if st.Jobs, err = s.JobStatuses(ctx, now); err != nil {
		return err
	}
	if st.Jobs == nil {
		st.Jobs = []JobStatus{}
	}
	var le LastError
	var loadID sql.NullInt64
	err = s.db.QueryRowContext(ctx, query("LastError")).Scan(&le.At, nullStr{&le.Job}, nullStr{&le.Source}, &loadID, nullStr{&le.RunID}, nullStr{&le.Error})
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("reading the last error: %w", err)
	default:
		le.LoadID = loadID.Int64
		st.LastError = &le
	}
	if h, _ := ReadHolder(s.path); h != nil {
		st.Writer = h
	}
	if t := PendingSince(s.path); !t.IsZero() {
		st.UnpublishedSince = &t
	}
	return nil
}

// nullStr scans a nullable VARCHAR into a string.
type nullStr struct{ dst *string }

func (n nullStr) Scan(v any) error {
	var ns sql.NullString
	if err := ns.Scan(v); err != nil {
		return err
	}
	*n.dst = ns.String
	return nil
}
