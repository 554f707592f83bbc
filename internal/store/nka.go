package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/nyckeltal/nyckeltal/internal/grouptitle"
)

// NKAArea is a row of nka_area: a verksamhet of the nettokostnadsavvikelse
// comparison, as the views v_nka, v_peer_group and v_nka_gap see it.
type NKAArea struct {
	Area          string
	Title         string
	PctKPI        string
	MnkrKPI       string // empty: none
	NetCostKPI    string // net cost, kr per invånare; empty: none
	PopulationKPI string // invånare, to turn NetCostKPI into mnkr; empty: none
	GroupTitle    string
	// GroupKeys are the normalised words (grouptitle.AreaKey) its group
	// titles may write the area with.
	GroupKeys []string
	MinAbsPct float64
	SortOrder int
}

func (a NKAArea) equal(b NKAArea) bool {
	return a.Area == b.Area && a.Title == b.Title && a.PctKPI == b.PctKPI && a.MnkrKPI == b.MnkrKPI &&
		a.NetCostKPI == b.NetCostKPI && a.PopulationKPI == b.PopulationKPI && a.GroupTitle == b.GroupTitle &&
		slices.Equal(a.GroupKeys, b.GroupKeys) && a.MinAbsPct == b.MinAbsPct && a.SortOrder == b.SortOrder
}

// NKAAreas returns the stored areas in their order.
func (s *Store) NKAAreas(ctx context.Context) ([]NKAArea, error) {
	rows, err := s.db.QueryContext(ctx, query("NKAAreas"))
	if err != nil {
		return nil, fmt.Errorf("reading nka_area: %w", err)
	}
	defer rows.Close()
	var out []NKAArea
	for rows.Next() {
		var a NKAArea
		var keys any
		if err := rows.Scan(&a.Area, &a.Title, &a.PctKPI, &a.MnkrKPI, &a.NetCostKPI, &a.PopulationKPI, &a.GroupTitle, &keys,
			&a.MinAbsPct, &a.SortOrder); err != nil {
			return nil, fmt.Errorf("reading nka_area: %w", err)
		}
		a.GroupKeys = stringList(keys)
		out = append(out, a)
	}
	return out, rows.Err()
}

// SameNKAAreas reports whether two lists of areas are the same.
func SameNKAAreas(a, b []NKAArea) bool {
	return slices.EqualFunc(a, b, NKAArea.equal)
}

func stringList(v any) []string {
	out := []string{}
	if list, ok := v.([]any); ok {
		for _, x := range list {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
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
	for i := range want {
		if want[i].GroupKeys == nil {
			want[i].GroupKeys = []string{}
		}
	}
	if SameNKAAreas(have, want) {
		return false, nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("writing nka_area: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, query("DeleteNKAAreas")); err != nil {
		return false, fmt.Errorf("writing nka_area: %w", err)
	}
	for _, a := range want {
		if _, err := tx.ExecContext(ctx, query("InsertNKAArea"), a.Area, a.Title, a.PctKPI, nullString(a.MnkrKPI),
			nullString(a.NetCostKPI), nullString(a.PopulationKPI), a.GroupTitle, a.GroupKeys, a.MinAbsPct, a.SortOrder); err != nil {
			return false, fmt.Errorf("writing nka_area %s: %w", a.Area, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("writing nka_area: %w", err)
	}
	return true, nil
}

// groupTitleRow is a row of nka_group_title; nil is NULL.
type groupTitleRow struct {
	GroupID             string  `json:"group_id"`
	Title               string  `json:"title"`
	AreaText            *string `json:"area_text"`
	AreaKey             *string `json:"area_key"`
	MunicipalityName    *string `json:"municipality_name"`
	MunicipalityID      *string `json:"municipality_id"`
	NamedMunicipalityID *string `json:"named_municipality_id"`
	GroupYear           *int32  `json:"group_year"`
	Problem             *string `json:"problem"`
	ProblemText         *string `json:"problem_text"`
	ReaderVersion       int32   `json:"reader_version"`
}

func (r groupTitleRow) equal(o groupTitleRow) bool {
	eq := func(a, b *string) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	return r.GroupID == o.GroupID && r.Title == o.Title && eq(r.AreaText, o.AreaText) && eq(r.AreaKey, o.AreaKey) &&
		eq(r.MunicipalityName, o.MunicipalityName) && eq(r.MunicipalityID, o.MunicipalityID) &&
		eq(r.NamedMunicipalityID, o.NamedMunicipalityID) && eq(r.Problem, o.Problem) && eq(r.ProblemText, o.ProblemText) &&
		(r.GroupYear == nil) == (o.GroupYear == nil) && (r.GroupYear == nil || *r.GroupYear == *o.GroupYear) &&
		r.ReaderVersion == o.ReaderVersion
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// querier is what syncGroupTitles needs of a *sql.DB or *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// syncGroupTitles makes nka_group_title hold the reading of every stored
// "Liknande kommuner" group title, as grouptitle reads it now with the
// stored municipalities; it writes only when something differs. The store
// calls it when groups or municipalities are written and when it opens for
// writing (a newer reader may read titles differently).
func syncGroupTitles(ctx context.Context, q querier) error {
	munis, err := scanRows(ctx, q, query("MunicipalityNames"), func(rows *sql.Rows) (grouptitle.Municipality, error) {
		var m grouptitle.Municipality
		return m, rows.Scan(&m.ID, &m.Name, &m.Type)
	})
	if err != nil {
		return fmt.Errorf("reading municipalities for the group titles: %w", err)
	}
	reader := grouptitle.NewReader(munis)
	type group struct{ id, title string }
	groups, err := scanRows(ctx, q, query("GroupTitlesToRead"), func(rows *sql.Rows) (group, error) {
		var g group
		return g, rows.Scan(&g.id, &g.title)
	})
	if err != nil {
		return fmt.Errorf("reading group titles: %w", err)
	}
	want := []groupTitleRow{}
	for _, g := range groups {
		rd, ok := reader.Read(g.title)
		if !ok {
			continue
		}
		r := groupTitleRow{GroupID: g.id, Title: g.title, AreaText: optional(rd.AreaText), AreaKey: optional(rd.AreaKey),
			MunicipalityName: optional(rd.MunicipalityName), MunicipalityID: optional(rd.MunicipalityID),
			NamedMunicipalityID: optional(rd.NamedMunicipalityID), Problem: optional(string(rd.Problem)),
			ProblemText: optional(rd.Detail), ReaderVersion: grouptitle.Version}
		if rd.Year != 0 {
			y := int32(rd.Year)
			r.GroupYear = &y
		}
		want = append(want, r)
	}
	have, err := scanRows(ctx, q, query("StoredGroupTitles"), func(rows *sql.Rows) (groupTitleRow, error) {
		var r groupTitleRow
		var year sql.NullInt32
		var s [7]sql.NullString
		err := rows.Scan(&r.GroupID, &r.Title, &s[0], &s[1], &s[2], &s[3], &s[4], &year, &s[5], &s[6], &r.ReaderVersion)
		for i, p := range []**string{&r.AreaText, &r.AreaKey, &r.MunicipalityName, &r.MunicipalityID, &r.NamedMunicipalityID, &r.Problem, &r.ProblemText} {
			if s[i].Valid {
				v := s[i].String
				*p = &v
			}
		}
		if year.Valid {
			r.GroupYear = &year.Int32
		}
		return r, err
	})
	if err != nil {
		return fmt.Errorf("reading nka_group_title: %w", err)
	}
	if slices.EqualFunc(have, want, groupTitleRow.equal) {
		return nil
	}
	b, err := json.Marshal(want)
	if err != nil {
		return fmt.Errorf("writing nka_group_title: %w", err)
	}
	if _, err := q.ExecContext(ctx, query("DeleteGroupTitles")); err != nil {
		return fmt.Errorf("writing nka_group_title: %w", err)
	}
	if _, err := q.ExecContext(ctx, query("InsertGroupTitles"), string(b)); err != nil {
		return fmt.Errorf("writing nka_group_title: %w", err)
	}
	return nil
}

// syncGroupTitlesNow runs syncGroupTitles in a transaction of its own.
func (s *Store) syncGroupTitlesNow(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("writing nka_group_title: %w", err)
	}
	defer tx.Rollback()
	if err := syncGroupTitles(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

func scanRows[T any](ctx context.Context, q querier, text string, scan func(*sql.Rows) (T, error), args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, text, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// NKAGroupProblem is a "Liknande kommuner" group that is not used, and why:
// a row of v_nka_group_problem (or of nka_group_problems, which also sets
// Status): its title cannot be read or names no configured area, another
// group of the same municipality, area and year was published later, or it
// has no year while groups with years exist.
type NKAGroupProblem struct {
	GroupID string
	Title   string
	// Status: unreadable, area_unknown, superseded or yearless_unused (only
	// from NKAGroupProblemsOf).
	Status         string
	Problem        string // stable key
	Text           string // Swedish
	MunicipalityID string // the municipality it seems to name; empty: none
	Municipality   string
	Area           string // empty: unknown
}

// NKAGroupProblems lists the groups v_nka_group_problem holds, the
// unreadable ones first.
func (s *Store) NKAGroupProblems(ctx context.Context) ([]NKAGroupProblem, error) {
	out, err := scanRows(ctx, s.db, query("NKAGroupProblems"), func(rows *sql.Rows) (NKAGroupProblem, error) {
		var p NKAGroupProblem
		return p, rows.Scan(&p.GroupID, &p.Title, &p.Problem, &p.Text, &p.MunicipalityID, &p.Municipality, &p.Area)
	})
	if err != nil {
		return nil, fmt.Errorf("reading v_nka_group_problem: %w", err)
	}
	return out, nil
}
