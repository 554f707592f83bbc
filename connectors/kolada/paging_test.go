package kolada

import (
	"net/url"
	"reflect"
	"testing"

	"github.com/nyckeltal/nyckeltal/connectors/kolada/koladafake"
)

func TestNextPage(t *testing.T) {
	req := "https://api.kolada.se/v3/data/kpi/N1/year/2024?from_date=2026-11-30&per_page=5000"
	tests := []struct {
		name, next string
		rows       int
		want       string
		step       pageStep
	}{
		{"last page", "", 5, "", pageStep{}},
		{"empty page with a next_url ends paging", "https://api.kolada.se/v3/data/kpi/N1/year/2024?page=3", 0, "", pageStep{emptyWithNext: true}},
		{"kept parameters", "https://api.kolada.se/v3/data/kpi/N1/year/2024?from_date=2026-11-30&page=2&per_page=5000", 5,
			"https://api.kolada.se/v3/data/kpi/N1/year/2024?from_date=2026-11-30&page=2&per_page=5000", pageStep{}},
		{"lost both", "https://api.kolada.se/v3/data/kpi/N1/year/2024?page=2", 5,
			"https://api.kolada.se/v3/data/kpi/N1/year/2024?from_date=2026-11-30&page=2&per_page=5000",
			pageStep{restored: []string{"from_date", "per_page"}}},
		{"a lowered per_page is kept", "https://api.kolada.se/v3/data/kpi/N1/year/2024?page=2&per_page=1000", 1000,
			"https://api.kolada.se/v3/data/kpi/N1/year/2024?from_date=2026-11-30&page=2&per_page=1000",
			pageStep{restored: []string{"from_date"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, step := nextPage(req, tt.next, tt.rows)
			if got != tt.want || !reflect.DeepEqual(step, tt.step) {
				t.Fatalf("nextPage = %q %+v, want %q %+v", got, step, tt.want, tt.step)
			}
		})
	}
}

func TestAskedOf(t *testing.T) {
	base := "https://api.kolada.se/v3"
	a, err := askedOf(base, base+"/data/kpi/N1,N2/municipality/0581,1267/year/2023,2024?per_page=5")
	if err != nil || a.ou || len(a.kpis) != 2 || !a.units["1267"] || !a.years[2024] || len(a.years) != 2 {
		t.Fatalf("listed: %+v %v", a, err)
	}
	if a, err = askedOf(base, base+"/data/kpi/N1/year/2024"); err != nil || a.units != nil {
		t.Fatalf("all municipalities: %+v %v", a, err)
	}
	if a, err = askedOf(base, base+"/oudata/kpi/N1/ou/V15E1/year/2024"); err != nil || !a.ou || !a.units["V15E1"] {
		t.Fatalf("ou: %+v %v", a, err)
	}
	if _, err = askedOf(base, base+"/data/kpi/N1/year/20x4"); err == nil {
		t.Fatal("a year that is not a number was accepted")
	}
}

// FuzzNextPage: whatever next_url Kolada sends, the page after a page with
// rows keeps every parameter of the request that next_url lacked, and never
// changes one next_url carries; a page without rows ends paging.
func FuzzNextPage(f *testing.F) {
	f.Add("https://api.kolada.se/v3/data/kpi/N1/year/2024?from_date=2026-11-30&per_page=5000", "https://api.kolada.se/v3/data/kpi/N1/year/2024?page=2", 3)
	f.Add("http://h/v3/kpi?per_page=7", "http://h/v3/kpi?page=2&per_page=3", 7)
	f.Add("http://h/v3/ou?municipality=0581&per_page=5", "%zz", 1)
	f.Fuzz(func(t *testing.T, request, next string, rows int) {
		got, step := nextPage(request, next, rows)
		switch {
		case next == "":
			if got != "" {
				t.Fatalf("no next_url, but a next page %q", got)
			}
			return
		case rows == 0:
			if got != "" || !step.emptyWithNext {
				t.Fatalf("an empty page did not end paging: %q %+v", got, step)
			}
			return
		}
		rq, err1 := url.Parse(request)
		nx, err2 := url.Parse(next)
		if err1 != nil || err2 != nil {
			return
		}
		if len(step.restored) == 0 {
			if got != next {
				t.Fatalf("nothing restored, but the URL changed: %q → %q", next, got)
			}
			return
		}
		g, err := url.Parse(got)
		if err != nil {
			t.Fatalf("restored URL %q does not parse: %v", got, err)
		}
		gq, nq := g.Query(), nx.Query()
		for k, vs := range nq {
			if !reflect.DeepEqual(gq[k], vs) {
				t.Fatalf("parameter %s of next_url changed: %v → %v", k, vs, gq[k])
			}
		}
		for k, vs := range rq.Query() {
			if _, ok := gq[k]; !ok && k != "page" {
				t.Fatalf("parameter %s=%v of the request lost", k, vs)
			}
		}
	})
}

// FuzzParseQuirks: a quirk list either parses into quirks whose names parse
// back to the same, or is refused.
func FuzzParseQuirks(f *testing.F) {
	f.Add("404-no-data,empty-last-page")
	f.Add("all")
	f.Add("nonsense")
	f.Fuzz(func(t *testing.T, s string) {
		q, err := koladafake.ParseQuirks(s)
		if err != nil {
			return
		}
		name := q.String()
		if name == "none" {
			name = ""
		}
		back, err := koladafake.ParseQuirks(name)
		if err != nil || back != q {
			t.Fatalf("%q → %+v → %q → %+v, %v", s, q, q.String(), back, err)
		}
	})
}
