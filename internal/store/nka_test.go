package store

import (
	"slices"
	"testing"
)

func TestSetNKAAreas(t *testing.T) {
	s, _ := openTemp(t)
	seeded, err := s.NKAAreas(t.Context())
	if err != nil || len(seeded) != 8 || seeded[0].Area != "aldreomsorg" || seeded[7].MnkrKPI != "" {
		t.Fatalf("seeded areas %+v %v", seeded, err)
	}
	if changed, err := s.SetNKAAreas(t.Context(), seeded); err != nil || changed {
		t.Fatalf("rewriting the same areas: changed %v, %v", changed, err)
	}
	// Same keys deleted and inserted in one transaction, in another order.
	next := slices.Clone(seeded)
	next[0].GroupTitle = "Liknande kommuner äldreomsorg (ny)"
	next = append(next, NKAArea{Area: "hemtjanst", Title: "hemtjänst", PctKPI: "N21999", GroupTitle: "Liknande kommuner hemtjänst", MinAbsPct: 1, SortOrder: 9})
	slices.Reverse(next)
	if changed, err := s.SetNKAAreas(t.Context(), next); err != nil || !changed {
		t.Fatalf("new areas: changed %v, %v", changed, err)
	}
	got, err := s.NKAAreas(t.Context())
	if err != nil || len(got) != 9 || got[0].GroupTitle != "Liknande kommuner äldreomsorg (ny)" || got[8].Area != "hemtjanst" {
		t.Fatalf("stored %+v %v", got, err)
	}
	if n := countRows(t, s, `SELECT count(*) FROM nka_area WHERE mnkr_kpi IS NULL`); n != 2 {
		t.Fatalf("%d areas without mnkr, want 2 (NULL, not '')", n)
	}
}
