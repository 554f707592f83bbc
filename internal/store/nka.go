package store

import (
	"context"
	"fmt"
	"slices"
)

// NKAArea is a row of nka_area: a verksamhet of the nettokostnadsavvikelse
// comparison, as the views v_nka, v_peer_group and v_nka_gap see it.
type NKAArea struct {
	Area       string
	Title      string
	PctKPI     string
	MnkrKPI    string // empty: none
	GroupTitle string
	MinAbsPct  float64
	SortOrder  int
}

// NKAAreas returns the stored areas in their order.
func (s *Store) NKAAreas(ctx context.Context) ([]NKAArea, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT area, title, pct_kpi, coalesce(mnkr_kpi, ''), group_title, min_abs_pct, sort_order
		FROM nka_area ORDER BY sort_order, area`)
	if err != nil {
		return nil, fmt.Errorf("reading nka_area: %w", err)
	}
	defer rows.Close()
	var out []NKAArea
	for rows.Next() {
		var a NKAArea
		if err := rows.Scan(&a.Area, &a.Title, &a.PctKPI, &a.MnkrKPI, &a.GroupTitle, &a.MinAbsPct, &a.SortOrder); err != nil {
			return nil, fmt.Errorf("reading nka_area: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// SetNKAAreas makes nka_area hold exactly areas, in one transaction, and
// writes nothing when it already does. It reports whether it wrote.
func (s *Store) SetNKAAreas(ctx context.Context, areas []NKAArea) (bool, error) {
	if s.mode != ReadWrite {
		return false, fmt.Errorf("writing nka_area: store is open read-only")
	}
	have, err := s.NKAAreas(ctx)
	if err != nil {
		return false, err
	}
	want := slices.Clone(areas)
	slices.SortStableFunc(want, func(a, b NKAArea) int {
		if a.SortOrder != b.SortOrder {
			return a.SortOrder - b.SortOrder
		}
		if a.Area < b.Area {
			return -1
		}
		return 1
	})
	if slices.Equal(have, want) {
		return false, nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("writing nka_area: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM nka_area`); err != nil {
		return false, fmt.Errorf("writing nka_area: %w", err)
	}
	for _, a := range want {
		var mnkr any
		if a.MnkrKPI != "" {
			mnkr = a.MnkrKPI
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO nka_area VALUES (?, ?, ?, ?, ?, ?, ?)`,
			a.Area, a.Title, a.PctKPI, mnkr, a.GroupTitle, a.MinAbsPct, a.SortOrder); err != nil {
			return false, fmt.Errorf("writing nka_area %s: %w", a.Area, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("writing nka_area: %w", err)
	}
	return true, nil
}
