package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// MunicipalityMatch is a municipality an id or a name may mean.
type MunicipalityMatch struct {
	Municipality
	// ByID: the id was given; Folded: the whole title, case and accents
	// aside; Kommun: a kommun, not a region.
	ByID, Folded, Kommun bool
}

// MunicipalityCandidates lists the municipalities idOrName may mean: the
// id, then titles equal to it ignoring case and accents, then titles that
// hold it (at most 20).
func (s *Store) MunicipalityCandidates(ctx context.Context, idOrName string) ([]MunicipalityMatch, error) {
	idOrName = strings.TrimSpace(idOrName)
	out, err := scanRows(ctx, s.db, query("MunicipalityCandidates"), func(rows *sql.Rows) (MunicipalityMatch, error) {
		var m MunicipalityMatch
		err := rows.Scan(&m.ID, &m.Title, &m.Kommun, &m.ByID, &m.Folded)
		return m, err
	}, idOrName)
	if err != nil {
		return nil, fmt.Errorf("looking up municipality %q: %w", idOrName, err)
	}
	return out, nil
}

// MunicipalityTitle is a municipality's title; ok is false when the store
// has none.
func (s *Store) MunicipalityTitle(ctx context.Context, id string) (title string, ok bool, err error) {
	var name sql.NullString
	err = s.db.QueryRowContext(ctx, query("MunicipalityTitle"), id).Scan(&name)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", false, fmt.Errorf("reading the municipality: %w", err)
	}
	return name.String, name.Valid, nil
}

// GroupTitle is a municipality group's title; ok is false when the store
// has no such group.
func (s *Store) GroupTitle(ctx context.Context, id string) (title string, ok bool, err error) {
	err = s.db.QueryRowContext(ctx, query("GroupTitle"), id).Scan(&title)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("looking up group %s: %w", id, err)
	}
	return title, true, nil
}

// FirstLoadFinished is when the first successful load finished; nil when
// none has.
func (s *Store) FirstLoadFinished(ctx context.Context) (*time.Time, error) {
	return s.loadFinished(ctx, "FirstLoadFinished")
}

// LastLoadFinished is when the newest successful load finished: what the
// store's values are as of. nil when no load has succeeded.
func (s *Store) LastLoadFinished(ctx context.Context) (*time.Time, error) {
	return s.loadFinished(ctx, "LastLoadFinished")
}

func (s *Store) loadFinished(ctx context.Context, name string) (*time.Time, error) {
	var t sql.NullTime
	if err := s.db.QueryRowContext(ctx, query(name)).Scan(&t); err != nil {
		return nil, fmt.Errorf("reading load history: %w", err)
	}
	if !t.Valid {
		return nil, nil
	}
	return &t.Time, nil
}
