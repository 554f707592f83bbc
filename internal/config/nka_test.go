package config

import (
	"errors"
	"strings"
	"testing"
)

func TestNKASection(t *testing.T) {
	c, err := Parse([]byte(`
[nka]
comparator = "G36535"
[nka.areas.aldreomsorg]
group_title = "Liknande kommuner äldreomsorg"
net_cost_kpi = "N20014"
[nka.areas.hemtjanst]
pct_kpi = "N21999"
mnkr_kpi = ""
group_title = "Liknande kommuner hemtjänst"
[nka.sparbeting]
areas = ["aldreomsorg"]
target_year = 2028
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.NKA.Comparator != "G36535" || c.NKA.MinAbsNKAPct != 0.5 || c.NKA.Sparbeting.TargetYear != 2028 || c.NKA.Sparbeting.Profile != "even" ||
		*c.NKA.Areas["hemtjanst"].MnkrKPI != "" || c.NKA.Areas["aldreomsorg"].PctKPI != nil || *c.NKA.Areas["aldreomsorg"].NetCostKPI != "N20014" {
		t.Fatalf("parsed %+v", c.NKA)
	}
	for _, tt := range []struct{ text, want string }{
		{"[nka]\ncomparator = \"average\"\n", "nka.comparator"},
		{"[nka]\nmin_abs_nka_pct = -1.0\n", "min_abs_nka_pct"},
		{"[nka.areas.ifo]\npct_kpi = \"30001\"\n", "nka.areas.ifo.pct_kpi"},
		{"[nka.areas.ifo]\nnet_cost_kpi = \"kr/inv\"\n", "nka.areas.ifo.net_cost_kpi"},
		{"[nka.sparbeting]\nareas = []\n", "nka.sparbeting.areas is empty"},
		{"[nka.sparbeting]\ntarget_year = 27\n", "target_year 27"},
		{"[nka.areas.ifo]\ngroup = \"x\"\n", "unknown key(s) nka.areas.ifo.group"},
	} {
		c, err := Parse([]byte(tt.text))
		if err == nil {
			err = c.Validate()
		}
		if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want ErrInvalid containing %q", tt.text, err, tt.want)
		}
	}
}
