package indicators

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/testkit/repo"

	"github.com/xuri/excelize/v2"

	"github.com/nyckeltal/nyckeltal/connectors/ownfiles"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/testkit/golden"
)

var (
	generate = flag.Bool("generate", false, "regenerate testdata/indikatorer.xlsx")
)

var sample = repo.Path("data", "samples", "indikatorer", "ovriga_indikatorer.csv")

func newParser(t testing.TB) *Parser {
	p, err := New(Options{Home: "9001", MunicipalityUnits: ownfiles.DefaultMunicipalityUnits(), InterimEnd: time.August,
		Regi: ownfiles.DefaultConfiguredRegi()})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.CheckString(t, filepath.Join("testdata", name), got)
}

func TestGenerateXLSX(t *testing.T) {
	if !*generate {
		t.Skip("run with -generate to rewrite testdata/indikatorer.xlsx")
	}
	f := excelize.NewFile()
	defer f.Close()
	rows := [][]any{
		{"Indikatorer från Senior Alert och BPSD-registret (SYNTETISKT EXEMPEL)"},
		{},
		{"indikator", "namn", "måttenhet", "källa", "period", "kön", "regi", "enhet", "värde"},
		{"SA_BMI_UNDER22", "Andel personer på särskilt boende för äldre med BMI < 22", "procent", "Senior Alert", "2024 Q1", "T", "egen", "Särskilt boende Eken", 24.5},
		{"SA_BMI_UNDER22", "", "", "", "2024 Q1", "T", "privat", "Särskilt boende Björken", 31},
		{"BPSD_MINSKADE_SYMTOM", "Andel personer med BPSD-symtom där vårdåtgärder lett till minskade symtom", "procent", "BPSD-registret", "2024-01-01–2024-03-31", "Kvinnor", "", "", 70.2},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SaveAs("testdata/indikatorer.xlsx"); err != nil {
		t.Fatal(err)
	}
}

func TestShapes(t *testing.T) {
	for _, tt := range []struct {
		path, format string
		values       int
	}{
		{sample, "long CSV ;", 15},
		{"testdata/indikatorer.xlsx", "long XLSX", 3},
	} {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			b, err := os.ReadFile(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			got, err := newParser(t).Parse(t.Context(), filepath.Base(tt.path), b)
			if err != nil {
				t.Fatal(err)
			}
			if got.Format != tt.format || got.Observations() != tt.values || len(got.Problems) > 0 {
				t.Fatalf("%s\n%v", ownfiles.Describe(got), got.Problems)
			}
			for o := range got.Values.All() {
				if err := o.Validate(); err != nil {
					t.Fatal(err)
				}
			}
			checkGolden(t, strings.TrimSuffix(filepath.Base(tt.path), filepath.Ext(tt.path))+".golden", ownfiles.Describe(got))
		})
	}
}

func TestRows(t *testing.T) {
	head := "indikator;namn;måttenhet;period;kön;regi;enhet;värde\n"
	tests := []struct {
		name, rows, want string
		line             int
	}{
		{"bad code", "sjuk frånvaro;x;procent;2024;T;alla;;1\n", "not a local indicator code", 2},
		{"kolada-like code", "N20900;x;procent;2024;T;alla;;1\n", "looks like a Kolada KPI id", 2},
		{"bad kön", "X_A;x;procent;2024;Q;alla;;1\n", "är inget kön", 2},
		{"bad value", "X_A;x;procent;2024;T;alla;;1,2,3\n", "mer än ett decimaltecken", 2},
		{"name changes", "X_A;Ett;procent;2024;T;alla;;1\nX_A;Två;procent;2024;K;alla;;1\n", `namn "Två" skiljer sig från "Ett" på rad 2`, 3},
		{"duplicate", "X_A;x;procent;2024;T;alla;A;1\nX_A;;;2024;T;alla;A;2\n", "samma indikator, enhet, period, kön och regi som rad 2", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := newParser(t).Parse(t.Context(), "f.csv", []byte(head+tt.rows))
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Problems) != 1 || got.Problems[0].Line != tt.line || !strings.Contains(got.Problems[0].Reason, tt.want) {
				t.Fatalf("problems %v, want line %d: %q", got.Problems, tt.line, tt.want)
			}
		})
	}
	_, err := newParser(t).Parse(t.Context(), "f.csv", []byte("indikator;namn;kön\nX_A;x;T\n"))
	if !errors.Is(err, ownfiles.ErrRefused) || !strings.Contains(err.Error(), "obligatoriska kolumner saknas: period, värde") {
		t.Fatalf("missing columns: %v", err)
	}
}

func TestUnitsAndDefaults(t *testing.T) {
	// An empty enhet and "Hela kommunen" both mean the municipality, so the
	// third line repeats the second.
	got, err := newParser(t).Parse(t.Context(), "f.csv", []byte("indikator;period;värde;enhet\nX_A;2024;1;\nX_A;2024;2;Hela kommunen\nX_B;2024;3;Hemtjänst\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Problems) != 1 || got.Problems[0].Line != 3 {
		t.Fatalf("problems: %v", got.Problems)
	}
	kinds := map[string]store.UnitKind{}
	for o := range got.Values.All() {
		kinds[o.IndicatorID+"/"+o.UnitID] = o.UnitKind
		if o.Gender != store.GenderTotal || o.Regi != store.RegiAll {
			t.Fatalf("defaults: %+v", o)
		}
	}
	if len(kinds) != 2 || kinds["X_A/9001"] != store.UnitMunicipality || kinds["X_B/Hemtjänst"] != store.UnitLocal {
		t.Fatalf("units: %v", kinds)
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{sample, "testdata/indikatorer.xlsx"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("indikator,period,värde\nX_A,2024-Q1,\"1,5\"\n"))
	p := newParser(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := p.Parse(t.Context(), "fuzz", data)
		if err != nil {
			if got != nil {
				t.Fatal("an error with partial data")
			}
			return
		}
		for o := range got.Values.All() {
			if err := o.Validate(); err != nil {
				t.Fatal(err)
			}
		}
	})
}
