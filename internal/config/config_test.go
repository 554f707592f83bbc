package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nyckeltal/nyckeltal/internal/testkit/repo"

	nyckeltal "github.com/nyckeltal/nyckeltal"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestExampleConfigEqualsDefaults(t *testing.T) {
	got, err := Parse([]byte(nyckeltal.ExampleConfig))
	if err != nil {
		t.Fatalf("example config does not parse: %v", err)
	}
	if want := Defaults(); !reflect.DeepEqual(got, want) {
		t.Fatalf("nyckeltal.example.toml and Defaults() differ:\n file:     %+v\n defaults: %+v", got, want)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.toml", "home_municipality = \"1267\"\n[store]\npath = \"store.duckdb\"\n[kolada]\nkpis = [\"n20900\"]\n")
	tests := []struct {
		name    string
		path    string
		env     map[string]string
		check   func(t *testing.T, c Config)
		wantErr string
	}{
		{name: "defaults without a file", check: func(t *testing.T, c Config) {
			if c.HomeMunicipality != "0581" || c.File != "" {
				t.Fatalf("got %+v", c)
			}
		}},
		{name: "file overrides and resolves paths", path: good, check: func(t *testing.T, c Config) {
			if c.HomeMunicipality != "1267" || c.Store.Path != filepath.Join(dir, "store.duckdb") {
				t.Fatalf("got home %s store %s", c.HomeMunicipality, c.Store.Path)
			}
			if c.Kolada.PerPage != 5000 {
				t.Fatal("unset keys lost their defaults")
			}
		}},
		{name: "config from environment", env: map[string]string{"NYCKELTAL_CONFIG": good}, check: func(t *testing.T, c Config) {
			if c.HomeMunicipality != "1267" {
				t.Fatal("NYCKELTAL_CONFIG ignored")
			}
		}},
		{name: "kolada url from environment", env: map[string]string{"NYCKELTAL_KOLADA_URL": "http://127.0.0.1:9/v3"}, check: func(t *testing.T, c Config) {
			if c.Kolada.BaseURL != "http://127.0.0.1:9/v3" {
				t.Fatal("NYCKELTAL_KOLADA_URL ignored")
			}
		}},
		{name: "missing explicit file", path: filepath.Join(dir, "nope.toml"), wantErr: "does not exist"},
		{name: "unknown key", path: write("typo.toml", "[kolada]\nkpi = [\"N20900\"]\n"), wantErr: "unknown key(s) kolada.kpi"},
		{name: "bad kpi", path: write("badkpi.toml", "[kolada]\nkpis = [\"äldreomsorg\"]\n"), wantErr: "is not a Kolada KPI id"},
		{name: "per_page above limit", path: write("page.toml", "[kolada]\nper_page = 10000\n"), wantErr: "per_page 10000"},
		{name: "bad duration", path: write("dur.toml", "[kolada]\ntimeout = \"soon\"\n"), wantErr: "write it like 30s"},
		{name: "bad home", path: write("home.toml", "home_municipality = \"581\"\n"), wantErr: "home_municipality"},
		{name: "retired v2 API", path: write("v2.toml", "[kolada]\nbase_url = \"http://api.kolada.se/v2\"\n"), wantErr: "retired v1/v2 API"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir()) // no nyckeltal.toml in the working directory
			c, err := Load(tt.path, env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrInvalid) {
					t.Fatalf("got %v, want ErrInvalid containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestParseIDs(t *testing.T) {
	if got, err := ParseKPIs("n20900, N20029,N20900"); err != nil || !reflect.DeepEqual(got, []string{"N20900", "N20029"}) {
		t.Errorf("ParseKPIs: %v %v", got, err)
	}
	if _, err := ParseKPIs("N2090"); err == nil {
		t.Error("short KPI id accepted")
	}
	if got, err := ParseMunicipalities("all"); err != nil || got != nil {
		t.Errorf("all: %v %v", got, err)
	}
	if got, err := ParseMunicipalities("0581,g36535"); err != nil || !reflect.DeepEqual(got, []string{"0581", "G36535"}) {
		t.Errorf("ids: %v %v", got, err)
	}
	for _, bad := range []string{"all,0581", "581", "Norrköping", ""} {
		if _, err := ParseMunicipalities(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(nyckeltal.ExampleConfig))
	f.Add([]byte("home_municipality = \"1267\"\n[kolada]\nyears = \"2018-\"\n"))
	f.Add([]byte("[kolada]\ntimeout = \"x\"\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b)
		if err != nil {
			return
		}
		_ = c.Validate()
	})
}

// The example must name every key of the local limits and the inbox's
// settle time, not only agree with the defaults where it names them.
func TestExampleNamesTheLocalLimits(t *testing.T) {
	for _, key := range []string{"inbox_settle", "[local.limits]", "max_file_mb", "max_rows", "max_cells", "max_columns",
		"max_row_kb", "max_shared_strings", "max_unpacked_mb", "max_nesting"} {
		if !strings.Contains(nyckeltal.ExampleConfig, key) {
			t.Errorf("nyckeltal.example.toml does not name %s", key)
		}
	}
}

// The local connectors' sample.toml files parse, and name the limits as the
// defaults have them.
func TestLocalSamplesParse(t *testing.T) {
	for _, p := range []string{repo.Path("connectors", "webfocus", "sample.toml"), repo.Path("connectors", "treserva", "sample.toml"), repo.Path("connectors", "indicators", "sample.toml")} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Parse(b)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if want := Defaults().Local; !reflect.DeepEqual(got.Local.Limits, want.Limits) || got.Local.InboxSettle != want.InboxSettle {
			t.Errorf("%s: limits %+v, settle %v; want the defaults", p, got.Local.Limits, got.Local.InboxSettle)
		}
	}
}

// The Kolada connector's sample.toml must be valid and hold the defaults.
func TestKoladaSampleMatchesDefaults(t *testing.T) {
	b, err := os.ReadFile(repo.Path("connectors", "kolada", "sample.toml"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(b)
	if err != nil {
		t.Fatalf("sample.toml: %v", err)
	}
	if want := Defaults(); !reflect.DeepEqual(got.Kolada, want.Kolada) {
		t.Fatalf("sample.toml differs from the defaults:\n%+v\n%+v", got.Kolada, want.Kolada)
	}
}
