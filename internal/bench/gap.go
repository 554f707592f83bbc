//go:build unix

package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// GapFigures time `nyckeltal gap --municipality all` over every municipality,
// area and year of a full synthetic country.
type GapFigures struct {
	Rows    int      // rows written
	Gap     measured // the median of the runs
	Startup measured // `nyckeltal sql "SELECT 1"` on the same store: opening and leaving
}

func runGap(ctx context.Context, cfg Config, dir string) (*GapFigures, error) {
	base, stop, err := startFake(ctx, cfg, dir, "--synthetic", fmt.Sprint(benchMunicipalities))
	if err != nil {
		return nil, err
	}
	defer stop()
	conf := filepath.Join(dir, "gap.toml")
	db := filepath.Join(dir, "gap.duckdb")
	text := fmt.Sprintf("[store]\npath = %q\n\n[kolada]\nyears = \"%d-%d\"\nrate_limit = 100000.0\n", db, benchYears[0], benchYears[len(benchYears)-1])
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		return nil, err
	}
	env := []string{"NYCKELTAL_KOLADA_URL=" + base}
	nyk := cfg.Bin("nyckeltal")
	if _, err := runMeasured(ctx, env, nyk, "--config", conf, "ingest", "kolada"); err != nil {
		return nil, err
	}
	out := filepath.Join(dir, "gap.json")
	var runs, starts []measured
	for i := 0; i < 5; i++ {
		m, err := runMeasured(ctx, nil, nyk, "--config", conf, "gap", "--municipality", "all", "--format", "json", "--out", out)
		if err != nil {
			return nil, err
		}
		runs = append(runs, m)
		s, err := runMeasured(ctx, nil, nyk, "--config", conf, "sql", "SELECT 1")
		if err != nil {
			return nil, err
		}
		starts = append(starts, s)
	}
	g := &GapFigures{Gap: median(runs), Startup: median(starts)}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	for _, c := range b {
		if c == '\n' {
			g.Rows++
		}
	}
	return g, nil
}

func median(ms []measured) measured {
	s := append([]measured(nil), ms...)
	sort.Slice(s, func(i, j int) bool { return s[i].Wall < s[j].Wall })
	m := s[len(s)/2]
	for _, x := range ms {
		m.PeakKB = max(m.PeakKB, x.PeakKB)
	}
	return m
}
