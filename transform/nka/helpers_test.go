package nka

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/store"
)

// world is a small, hand-checkable store content: municipalities, groups
// and NKA values. A nil value pointer is a NULL value from Kolada.
type world struct {
	municipalities [][2]string // id, title
	groups         []groupDef
	values         []val
}

type groupDef struct {
	id, title string
	members   []string
}

type val struct {
	kpi, unit string
	year      int
	value     *float64
	prel      bool
}

func f(x float64) *float64 { return &x }

// load writes the world as one load and returns the store.
func (w world) load(t *testing.T, st *store.Store) {
	t.Helper()
	l, err := st.BeginLoad(t.Context(), store.LoadSpec{Source: "kolada", Mode: "full"})
	if err != nil {
		t.Fatal(err)
	}
	titles := map[string]string{}
	for _, m := range w.municipalities {
		titles[m[0]] = m[1]
		typ := "K"
		if m[0] == "0000" {
			typ = "L"
		}
		if err := l.StageMunicipality(store.Municipality{ID: m[0], Title: m[1], Type: typ}); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range w.groups {
		sg := store.Group{ID: g.id, Title: g.title}
		for _, m := range g.members {
			sg.Members = append(sg.Members, store.GroupMember{ID: m, Title: titles[m]})
		}
		if err := l.StageGroup(sg); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range w.values {
		o := store.Observation{Source: "kolada", IndicatorID: v.kpi, UnitKind: store.UnitMunicipality, UnitID: v.unit,
			Period: store.YearPeriod(v.year), Gender: "T", Regi: "alla", Value: v.value, Preliminary: v.prel}
		if err := l.Stage(o); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func newStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "nka.duckdb"), store.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	// The areas the views read, as every writer writes them (internal/app).
	if _, err := st.SetNKAAreas(t.Context(), StoreAreas(BuiltinAreas)); err != nil {
		t.Fatal(err)
	}
	return st
}

var testDay = time.Date(2026, 8, 16, 12, 0, 0, 0, time.UTC)

// tkrOnly keeps a glide path's years and tkr (kr/inv is checked apart).
func tkrOnly(ys []YearAmount) []YearAmount {
	out := make([]YearAmount, len(ys))
	for i, y := range ys {
		out[i] = YearAmount{Year: y.Year, Tkr: y.Tkr}
	}
	return out
}
