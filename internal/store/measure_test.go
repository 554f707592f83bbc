package store

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestMeasurePublishCost measures what publishing through a working copy
// costs on a store of realistic size. It runs only with
// NYCKELTAL_MEASURE_ROWS set (make measure); docs/OPERATIONS.md quotes it.
func TestMeasurePublishCost(t *testing.T) {
	rows, _ := strconv.Atoi(os.Getenv("NYCKELTAL_MEASURE_ROWS"))
	if rows == 0 {
		t.Skip("set NYCKELTAL_MEASURE_ROWS (make measure)")
	}
	dir := os.Getenv("NYCKELTAL_MEASURE_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, "measure.duckdb")
	_ = os.Remove(path)
	const units, years, genders = 290, 12, 3
	kpis := (rows + units*years*genders - 1) / (units * years * genders)
	genderOf := []string{"T", "K", "M"}
	rng := rand.New(rand.NewPCG(1, 2))
	stage := func(u *Update, kpiFrom, kpiTo int, bump float64) LoadResult {
		l, err := u.Store().BeginLoad(t.Context(), LoadSpec{Source: "kolada", Mode: "full"})
		if err != nil {
			t.Fatal(err)
		}
		for k := kpiFrom; k < kpiTo; k++ {
			for m := range units {
				for y := range years {
					for g := range genders {
						// Kolada-like values: one decimal, little repetition.
						v := math.Round(rng.Float64()*1e6)/10 + bump
						o := Observation{Source: "kolada", IndicatorID: fmt.Sprintf("N%05d", k), UnitKind: UnitMunicipality,
							UnitID: fmt.Sprintf("%04d", 100+m), Period: YearPeriod(2014 + y), Gender: genderOf[g], Regi: RegiAll, Value: &v}
						if err := l.Stage(o); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
		}
		res, err := l.Commit(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	start := time.Now()
	err := UpdateStore(t.Context(), path, UpdateOptions{Command: "measure"}, func(u *Update) error {
		res := stage(u, 0, kpis, 0)
		t.Logf("initial load: %d observations (%d KPIs × %d units × %d years × %d genders)", res.Inserted, kpis, units, years, genders)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	t.Logf("building the store: %s, file %.1f MiB", time.Since(start).Round(time.Millisecond), float64(fi.Size())/(1<<20))

	for _, c := range []struct {
		name string
		kpis int // KPIs whose values change
	}{{"no change", 0}, {"nightly: 1 KPI revised (~10 000 values)", 1}, {"full refresh: 10 % revised", kpis / 10}} {
		t0 := time.Now()
		u, err := BeginUpdate(t.Context(), path, UpdateOptions{Command: "measure"})
		if err != nil {
			t.Fatal(err)
		}
		copied := time.Since(t0)
		wfi, _ := os.Stat(workFile(path))
		t1 := time.Now()
		if c.kpis > 0 {
			stage(u, 0, c.kpis, 0.5)
		}
		loaded := time.Since(t1)
		t2 := time.Now()
		if err := u.Publish(t.Context()); err != nil {
			t.Fatal(err)
		}
		published := time.Since(t2)
		nfi, _ := os.Stat(path)
		t.Logf("%-40s open+copy %8s  load %8s  checkpoint+fsync+rename %8s  copy %.1f MiB, new file %.1f MiB",
			c.name, copied.Round(time.Millisecond), loaded.Round(time.Millisecond), published.Round(time.Millisecond),
			float64(wfi.Size())/(1<<20), float64(nfi.Size())/(1<<20))
	}
}
