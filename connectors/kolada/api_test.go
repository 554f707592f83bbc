package kolada

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/nyckeltal/nyckeltal/internal/mojibake"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/testkit/golden"
)

func readPage(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "pages", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// renderDataPage writes a decoded page as stable text for the golden file.
func renderDataPage(p Page[DataRow]) string {
	var b strings.Builder
	for _, r := range p.Values {
		for _, v := range r.Values {
			val := "NULL"
			if v.Value != nil {
				val = fmt.Sprint(*v.Value)
			}
			cnt := "NULL"
			if v.Count.Valid {
				cnt = fmt.Sprint(v.Count.Int)
			}
			fmt.Fprintf(&b, "kpi=%s municipality=%s ou=%s year=%d gender=%s value=%s count=%s status=%q deleted=%v\n",
				r.KPI, r.Municipality, r.OU, r.Period.Int, v.Gender, val, cnt, string(v.Status), bool(v.IsDeleted))
		}
	}
	fmt.Fprintf(&b, "next=%s\n", p.NextURL)
	return b.String()
}

func TestDecodeDataPageGolden(t *testing.T) {
	p, err := DecodeDataPage(readPage(t, "data_mixed.json"))
	if err != nil {
		t.Fatal(err)
	}
	got := renderDataPage(p)
	golden.CheckString(t, filepath.Join("testdata", "data_mixed.golden"), got)
}

func TestDecodeDataPageRejects(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"truncated", string(readPage(t, "truncated.json"))},
		{"bad gender", string(readPage(t, "bad_gender.json"))},
		{"v2 error answer", string(readPage(t, "v2_error.json"))},
		{"no kpi", `{"values":[{"municipality":"1267","period":2024,"values":[]}]}`},
		{"no unit", `{"values":[{"kpi":"N1","period":2024,"values":[]}]}`},
		{"period not a year", `{"values":[{"kpi":"N1","municipality":"1267","period":"2024-01","values":[]}]}`},
		{"value not a number", `{"values":[{"kpi":"N1","municipality":"1267","period":2024,"values":[{"gender":"T","value":"3,5"}]}]}`},
		{"fractional count", `{"values":[{"kpi":"N1","municipality":"1267","period":2024,"values":[{"gender":"T","count":1.5,"value":1}]}]}`},
		{"not an object", `[1,2,3]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeDataPage([]byte(tt.body)); !errors.Is(err, ErrInvalidPage) {
				t.Fatalf("got %v, want ErrInvalidPage", err)
			}
		})
	}
}

func TestDecodeKPIKeepsUnknownFields(t *testing.T) {
	p, err := decodePage[json.RawMessage](readPage(t, "kpi.json"))
	if err != nil {
		t.Fatal(err)
	}
	var k KPI
	if err := json.Unmarshal(p.Values[0], &k); err != nil {
		t.Fatal(err)
	}
	sk := k.toStore(p.Values[0])
	if sk.PublPeriod != "2025" || sk.IsDividedByGender || sk.PublicationDate == nil ||
		sk.PublicationDate.Format(time.DateOnly) != "2026-09-30" || !strings.Contains(sk.Raw, `"some_future_field":[1,2]`) {
		t.Fatalf("got %+v", sk)
	}
}

func TestRepairText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"HÃ¶Ã¶r", "Höör"},
		{"Liknande kommuner Ã¤ldreomsorg, HÃ¶Ã¶r, 2024", "Liknande kommuner äldreomsorg, Höör, 2024"},
		{"Ã„lmhult", "Älmhult"},
		{"Ã…mÃ¥l", "Åmål"},
		{"Ã–rebro", "Örebro"},
		{"Ã\u0096rebro", "Örebro"}, // mangled through Latin-1 rather than Windows-1252
		{"HÃƒÂ¶ÃƒÂ¶r", "Höör"},     // mangled twice
		{"Höör", "Höör"},
		{"Liknande kommuner, övergripande, Höör, 2025", "Liknande kommuner, övergripande, Höör, 2025"},
		{"plain ascii", "plain ascii"},
		{"Ã", "Ã"}, // not repairable: left alone
		{"Liknande kommuner â€“ IFO â€“ HÃ¶Ã¶r", "Liknande kommuner – IFO – Höör"},
		{"â", "â"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := RepairText(tt.in); got != tt.want {
			t.Errorf("RepairText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"7", 7 * time.Second, true},
		{"-1", 0, false},
		{"Thu, 01 Jan 2026 12:00:30 GMT", 30 * time.Second, true},
		{"Thu, 01 Jan 2026 11:00:00 GMT", 0, true},
		{"soon", 0, false},
	}
	for _, tt := range tests {
		got, ok := retryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestBackoffCapsRetryAfter(t *testing.T) {
	c := NewClient(ClientConfig{RetryAfterCap: 3 * time.Second})
	resp := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"600"}}}
	if d := c.backoff(time.Second, 10*time.Second, 0, resp); d != 3*time.Second {
		t.Fatalf("Retry-After 600 gave %v, want the 3s cap", d)
	}
	for attempt := 0; attempt < 10; attempt++ {
		d := c.backoff(time.Second, 10*time.Second, attempt, nil)
		if d < time.Second || d > 10*time.Second {
			t.Fatalf("attempt %d waits %v, outside [1s, 10s]", attempt, d)
		}
	}
}

func TestDataURLs(t *testing.T) {
	kpis := make([]string, 27)
	for i := range kpis {
		kpis[i] = fmt.Sprintf("N%05d", i)
	}
	years := []int{2018, 2019}
	all := dataURLs("https://k/v3", kpis, nil, years, 5000, "")
	if len(all) != 2 || !strings.HasPrefix(all[0], "https://k/v3/data/kpi/N00000,") ||
		!strings.HasSuffix(all[1], "/data/kpi/N00025,N00026/year/2018,2019?per_page=5000") {
		t.Fatalf("all municipalities: %v", all)
	}
	some := dataURLs("https://k/v3", kpis[:1], []string{"0581", "1267"}, years, 100, "2026-01-01")
	if want := "https://k/v3/data/kpi/N00000/municipality/0581,1267/year/2018,2019?from_date=2026-01-01&per_page=100"; len(some) != 1 || some[0] != want {
		t.Fatalf("got %v, want %s", some, want)
	}
}

func TestPageKind(t *testing.T) {
	tests := []struct{ url, want string }{
		{"https://api.kolada.se/v3/kpi?per_page=5000", kindKPI},
		{"https://api.kolada.se/v3/kpi/N20900,N20029", kindKPI},
		{"https://api.kolada.se/v3/municipality_groups?page=2", kindGroups},
		{"https://api.kolada.se/v3/data/kpi/N20900/year/2024", kindData},
		{"https://api.kolada.se/v3/oudata/kpi/N15033/ou/V1/year/2024", kindOUData},
		{"https://api.kolada.se/v3/ou?municipality=0581", kindOU},
	}
	for _, tt := range tests {
		if got, err := pageKind("https://api.kolada.se/v3", tt.url); err != nil || got != tt.want {
			t.Errorf("pageKind(%s) = %q, %v; want %q", tt.url, got, err, tt.want)
		}
	}
	if _, err := pageKind("https://api.kolada.se/v3", "https://api.kolada.se/v3/kpi_groups"); err == nil {
		t.Error("an unread route was accepted")
	}
}

func TestSplitByCoverage(t *testing.T) {
	t1 := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	t2 := time.Date(2026, 3, 5, 2, 0, 0, 0, time.UTC)
	cov := map[store.CoverageKey]time.Time{
		{IndicatorID: "A", Scope: "municipality:*", Year: 2024}:    t2,
		{IndicatorID: "A", Scope: "municipality:*", Year: 2025}:    t1,
		{IndicatorID: "B", Scope: "municipality:0581", Year: 2024}: t2,
	}
	tests := []struct {
		name      string
		kpis      []string
		years     []int
		scopes    []string
		fullKPIs  []string
		fullYears []int
		since     time.Time
		covered   bool
	}{
		{"all covered", []string{"A"}, []int{2024, 2025}, []string{"municipality:*"}, nil, nil, t1, true},
		{"new year", []string{"A"}, []int{2024, 2025, 2026}, []string{"municipality:*"}, []string{"A"}, []int{2026}, t1, true},
		{"new kpi", []string{"A", "C"}, []int{2024}, []string{"municipality:*"}, []string{"C"}, []int{2024}, t2, true},
		{"one municipality covered by all", []string{"A"}, []int{2024}, []string{"municipality:0581"}, nil, nil, t2, true},
		{"all not covered by one", []string{"B"}, []int{2024}, []string{"municipality:*"}, []string{"B"}, []int{2024}, time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fk, fy, since, covered := splitByCoverage(cov, tt.kpis, tt.years, tt.scopes)
			if !reflect.DeepEqual(fk, tt.fullKPIs) || !reflect.DeepEqual(fy, tt.fullYears) || !since.Equal(tt.since) || covered != tt.covered {
				t.Fatalf("got %v %v %v %v", fk, fy, since, covered)
			}
		})
	}
}

func TestPreliminary(t *testing.T) {
	pub := time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC)
	k := &store.KPI{PublPeriod: "2025", PublicationDate: &pub}
	tests := []struct {
		name  string
		kpi   *store.KPI
		year  int
		today time.Time
		want  bool
	}{
		{"latest year before publication", k, 2025, time.Date(2026, 8, 16, 0, 0, 0, 0, time.UTC), true},
		{"latest year on publication day", k, 2025, pub, false},
		{"earlier year", k, 2024, time.Date(2026, 8, 16, 0, 0, 0, 0, time.UTC), false},
		{"later year", k, 2026, time.Date(2026, 8, 16, 0, 0, 0, 0, time.UTC), true},
		{"no metadata", nil, 2025, time.Date(2026, 8, 16, 0, 0, 0, 0, time.UTC), false},
		{"no publication date", &store.KPI{PublPeriod: "2025"}, 2025, time.Date(2026, 8, 16, 0, 0, 0, 0, time.UTC), false},
	}
	for _, tt := range tests {
		if got := Preliminary(tt.kpi, tt.year, tt.today); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func FuzzDecodeDataPage(f *testing.F) {
	for _, name := range []string{"data_mixed.json", "truncated.json", "bad_gender.json", "v2_error.json"} {
		f.Add(readPage(f, name))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeDataPage(b)
		if err != nil {
			if !errors.Is(err, ErrInvalidPage) {
				t.Fatalf("error does not wrap ErrInvalidPage: %v", err)
			}
			return
		}
		for _, r := range p.Values {
			if r.KPI == "" || (r.Municipality == "" && r.OU == "") || r.Period.Int < 1900 || r.Period.Int > 2100 {
				t.Fatalf("accepted an invalid row: %+v", r)
			}
		}
	})
}

func FuzzDecodeMetadataPages(f *testing.F) {
	for _, name := range []string{"kpi.json", "groups.json", "v2_error.json"} {
		f.Add(readPage(f, name))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if p, err := decodePage[json.RawMessage](b); err == nil {
			for _, raw := range p.Values {
				var k KPI
				if json.Unmarshal(raw, &k) == nil {
					_ = k.toStore(raw)
				}
			}
		}
		if p, err := decodePage[Group](b); err == nil {
			for _, g := range p.Values {
				_ = RepairText(g.Title)
			}
		}
	})
}

func FuzzRepairText(f *testing.F) {
	for _, s := range []string{"HÃ¶Ã¶r", "Höör", "Ã", "HÃƒÂ¶Ã¶r", "\xff\xfe", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := RepairText(s)
		if !strings.ContainsAny(s, mojibake.Marks) && got != s {
			t.Fatalf("changed text that was not double-encoded: %q → %q", s, got)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("repair made valid text invalid: %q → %q", s, got)
		}
	})
}
