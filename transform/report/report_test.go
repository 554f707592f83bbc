package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/nyckeltal/nyckeltal/internal/testkit/repo"

	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/testkit/golden"
	"github.com/nyckeltal/nyckeltal/internal/testkit/tablesfixture"
	"github.com/nyckeltal/nyckeltal/transform/atgardsplan"
	"github.com/nyckeltal/nyckeltal/transform/catalog"
	"github.com/nyckeltal/nyckeltal/transform/nka"
	"github.com/nyckeltal/nyckeltal/transform/tables"
)

var (
	fixtureOnce sync.Once
	fixturePath string
	fixtureDir  string
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if fixtureDir != "" {
		_ = os.RemoveAll(fixtureDir) // a temporary directory; the tests' outcome is decided
	}
	os.Exit(code)
}

func fixture(t *testing.T) string {
	t.Helper()
	fixtureOnce.Do(func() {
		dir, err := os.MkdirTemp("", "report-fixture-")
		if err != nil {
			t.Fatal(err)
		}
		fixtureDir = dir
		fixturePath = tablesfixture.Build(t, dir)
	})
	if fixturePath == "" {
		t.Fatal("the fixture store could not be built")
	}
	return fixturePath
}

// buildReport makes the report of the fixture with the tables' test
// catalogue and writes it.
func buildReport(t *testing.T) (*Report, []byte) {
	t.Helper()
	c, err := catalog.Load(repo.Path("transform", "tables", "testdata", "catalog.toml"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.Context(), fixture(t), store.ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b := &Builder{Store: st, NKA: tablesfixture.Engine(st)}
	profile, _ := nka.ParseProfile("even")
	fh, err := os.Open(repo.Path("data", "samples", "atgardsplan-2024-2026.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	plan, err := atgardsplan.Parse(fh)
	if err != nil {
		t.Fatal(err)
	}
	r, err := b.Build(t.Context(), Request{
		Tables: tables.Request{Catalog: c, Municipality: tablesfixture.Home, HomeMunicipality: tablesfixture.Home, InterimEndMonth: 8},
		Sparbeting: nka.SparbetingRequest{Areas: []string{"aldreomsorg", "ifo"}, BaseYear: 2023, StartYear: 2025, TargetYear: 2028,
			Comparator: nka.ComparatorRiket, Profile: profile},
		Plan: plan, PlanFile: "atgardsplan-2024-2026.csv",
	})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	return r, buf.Bytes()
}

func TestReportGolden(t *testing.T) {
	_, page := buildReport(t)
	golden.Check(t, filepath.Join("testdata", "report.html"), page)
	_, again := buildReport(t)
	if !bytes.Equal(page, again) {
		t.Fatal("two reports of the same store differ")
	}
}

var externalRef = regexp.MustCompile(`(?i)(src|href)\s*=\s*"(https?:|//)|@import|url\(\s*['"]?https?:|<script`)

// TestReportIsSelfContained checks the page text: no script, no reference
// outside the file, the source label, no zero standing in for a missing value.
func TestReportIsSelfContained(t *testing.T) {
	r, page := buildReport(t)
	s := string(page)
	if m := externalRef.FindString(s); m != "" {
		t.Fatalf("the report refers outside itself or has a script: %q", m)
	}
	for _, want := range []string{"Content-Security-Policy", "default-src 'none'", tables.Label, "Källa: Kolada (RKA)",
		`id="sparbeting"`, `data-chart="nka-aldreomsorg"`, `data-chart="scatter-1"`, "@media print", `id="berakning-aldreomsorg"`,
		`id="atgardsplan"`, `id="verksamhet"`, "Per invånare"} {
		if !strings.Contains(s, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if r.Sparbeting == nil || r.Sparbeting.TotalTkr == nil {
		t.Fatalf("no sparbeting: %s", r.SparbetingNote)
	}
	// the third scatter names a KPI the store does not have: a note, no chart
	if sc := r.Scatters[2]; len(sc.Points) != 0 || len(sc.Notes) == 0 || strings.Contains(s, `data-chart="scatter-3"`) {
		t.Fatalf("scatter without data: %d points, notes %v", len(sc.Points), sc.Notes)
	}
	// every point the model has is drawn once, with its class
	for i, sc := range r.Scatters[:2] {
		own := 0
		for _, p := range sc.Points {
			if p.Kind == "own" {
				own++
			}
		}
		if own != 1 || sc.Group == nil {
			t.Fatalf("scatter %d: %d own points, group %v", i+1, own, sc.Group)
		}
	}
}
