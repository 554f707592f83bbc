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
		{"[nka]\ncomparator = \"skane\"\n", "nka.comparator \"skane\""},
		{"[nka]\ntarget = \"p100\"\n", "nka.target \"p100\""},
		{"[nka]\ntarget = \"share:2\"\n", "nka.target"},
		{"[nka]\npeer_trend = \"linear:1\"\n", "nka.peer_trend \"linear:1\""},
		{"[nka.groups.mean]\nmembers = [\"1214\"]\n", "nka.groups.mean: name a group"},
		{"[nka.groups.x]\nmembers = [\"1214\"]\n[nka.groups.x.years]\n2022 = [\"1260\"]\n", "give members or years, not both"},
		{"[nka.groups.x]\ntitle = \"X\"\n", "nka.groups.x has no members"},
		{"[nka.groups.x.years]\ntjugo = [\"1260\"]\n", "\"tjugo\" is not a year"},
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

// TestNKAGroupsTargetsTrends: comparison groups of one's own, a target and
// a peer trend in the configuration.
func TestNKAGroupsTargetsTrends(t *testing.T) {
	c, err := Parse([]byte(`
[nka]
comparator = "skane_sma"
target = "share:0.5"
peer_trend = "linear:3"
groups_file = "grupper.csv"
[nka.groups.skane_sma]
title = "Små kommuner i Skåne"
members = ["1214", "Bjuv"]
[nka.groups.beslut.years]
2022 = ["1214", "1260"]
2024 = ["1214", "1260", "1265"]
[nka.sparbeting]
plan = "plan.csv"
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.NKA.Target != "share:0.5" || c.NKA.PeerTrend != "linear:3" || len(c.NKA.Groups) != 2 ||
		len(c.NKA.Groups["beslut"].Years["2024"]) != 3 || c.NKA.Groups["skane_sma"].Title != "Små kommuner i Skåne" {
		t.Fatalf("parsed %+v", c.NKA)
	}
	c.resolvePaths("/etc/nyckeltal")
	if c.NKA.GroupsFile != "/etc/nyckeltal/grupper.csv" || c.NKA.Sparbeting.Plan != "/etc/nyckeltal/plan.csv" {
		t.Fatalf("paths %q %q", c.NKA.GroupsFile, c.NKA.Sparbeting.Plan)
	}
	// a name only the groups file may define is accepted until it is read
	c, _ = Parse([]byte("[nka]\ncomparator = \"beslut\"\ngroups_file = \"g.csv\"\n"))
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, ok := range []string{"lan", "län", "liknande", "liknande:2022", "G1"} {
		c, _ := Parse([]byte("[nka]\ncomparator = \"" + ok + "\"\n"))
		if err := c.Validate(); err != nil {
			t.Errorf("comparator %s: %v", ok, err)
		}
	}
}
