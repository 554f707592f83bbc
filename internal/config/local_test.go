package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/nyckeltal/nyckeltal/connectors/webfocus"
)

func TestLocalConfig(t *testing.T) {
	tests := []struct {
		name, toml, wantErr string
		check               func(t *testing.T, c Config)
	}{
		{name: "an entry replaces the default of its code, the others stay",
			toml: "[local.webfocus.indicators.WF_KRINGTID_LOV]\nname = \"Kringtid\"\nunit = \"procent\"\ncolumns = [\"Kringtid i procent\"]\n",
			check: func(t *testing.T, c Config) {
				ind := c.Local.WebFOCUS.Indicators
				if len(ind) != len(webfocus.DefaultIndicators()) || strings.Join(ind["WF_KRINGTID_LOV"].Columns, "") != "Kringtid i procent" {
					t.Fatalf("%+v", ind["WF_KRINGTID_LOV"])
				}
			}},
		{name: "a new code is added",
			toml: "[local.webfocus.indicators.WF_EGEN]\nname = \"Egen\"\ncolumns = [\"Egen kolumn\"]\n",
			check: func(t *testing.T, c Config) {
				if len(c.Local.WebFOCUS.Indicators) != len(webfocus.DefaultIndicators())+1 {
					t.Fatal("not added")
				}
			}},
		{name: "treserva columns", toml: "[local.treserva.columns]\nbeslutsdatum = [\"Beslut fattat\"]\n",
			check: func(t *testing.T, c Config) {
				if c.Local.Treserva.Columns.Beslutsdatum[0] != "Beslut fattat" {
					t.Fatal("column alias lost")
				}
			}},
		{name: "a heading for two indicators", toml: "[local.webfocus.indicators.WF_EGEN]\nname = \"Egen\"\ncolumns = [\"Sjukfrånvaro  TOTALT\"]\n",
			wantErr: "belongs to both"},
		{name: "a heading for a dimension and an indicator", toml: "[local.webfocus.indicators.WF_EGEN]\nname = \"Egen\"\ncolumns = [\"Enhet\"]\n",
			wantErr: "belongs to both"},
		{name: "a Kolada-shaped code", toml: "[local.webfocus.indicators.N20900]\nname = \"x\"\ncolumns = [\"x\"]\n",
			wantErr: "looks like a Kolada KPI id"},
		{name: "a lower-case code", toml: "[local.webfocus.indicators.wf_x]\nname = \"x\"\ncolumns = [\"x\"]\n",
			wantErr: "is not a local indicator code"},
		{name: "an unknown period", toml: "[local.treserva]\nperiods = [\"tertial1\"]\n", wantErr: "is not one of"},
		{name: "a typo in a treserva column", toml: "[local.treserva.columns]\nbeslutdatum = [\"x\"]\n", wantErr: "unknown key(s) local.treserva.columns.beslutdatum"},
		{name: "a delår of December", toml: "[local]\ninterim_end_month = 12\n", wantErr: "interim_end_month 12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.toml))
			if err == nil {
				err = c.Validate()
			}
			if tt.wantErr != "" {
				if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
	// Parsing a file never changes the defaults of the next (the map is new each time).
	if len(Defaults().Local.WebFOCUS.Indicators) != len(webfocus.DefaultIndicators()) {
		t.Fatal("Defaults() shares its map")
	}
}

func TestPseudonymKeyFromEnvironment(t *testing.T) {
	t.Chdir(t.TempDir())
	c, err := Load("", env(map[string]string{"NYCKELTAL_PSEUDONYM_KEY_FILE": "/etc/nyckeltal/pseudonym.key"}))
	if err != nil || c.Local.PseudonymKeyFile != "/etc/nyckeltal/pseudonym.key" {
		t.Fatalf("%v %q", err, c.Local.PseudonymKeyFile)
	}
}
