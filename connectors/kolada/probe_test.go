package kolada

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nyckeltal/nyckeltal/connectors/kolada/koladafake"
	"github.com/nyckeltal/nyckeltal/internal/store"
)

// TestProbeFindsEachMode: for every mode of the fake, the probe tells its
// answers apart, with about ten requests and no load.
func TestProbeFindsEachMode(t *testing.T) {
	t.Parallel()
	plain := map[string]string{
		BehaviourNoData: AnswerEmpty200, BehaviourGroupMeans: "computed", BehaviourEmptyLastPage: "no",
		BehaviourNextURLParams: "kept", BehaviourListedUnits: "only_asked", BehaviourAllUnits: "municipalities",
		BehaviourRateLimit: "none_seen", BehaviourV2: "error_200",
	}
	tests := []struct {
		quirks string
		faults koladafake.Faults
		want   map[string]string // what differs from plain
	}{
		{"", koladafake.Faults{}, nil},
		{"404-no-data", koladafake.Faults{}, map[string]string{BehaviourNoData: Answer404}},
		{"no-group-means", koladafake.Faults{}, map[string]string{BehaviourGroupMeans: "not_computed"}},
		{"reject-groups", koladafake.Faults{}, map[string]string{BehaviourGroupMeans: "rejected"}},
		{"empty-last-page", koladafake.Faults{}, map[string]string{BehaviourEmptyLastPage: "next_url_on_empty_page"}},
		{"404-no-data,empty-last-page", koladafake.Faults{}, map[string]string{BehaviourNoData: Answer404, BehaviourEmptyLastPage: "404_after_last_page"}},
		{"next-url-drops-from-date", koladafake.Faults{}, map[string]string{BehaviourNextURLParams: "drops_from_date"}},
		{"next-url-drops-per-page", koladafake.Faults{}, map[string]string{BehaviourNextURLParams: "drops_per_page"}},
		{"next-url-drops-from-date,next-url-drops-per-page", koladafake.Faults{}, map[string]string{BehaviourNextURLParams: "drops_both"}},
		{"extra-units", koladafake.Faults{}, map[string]string{BehaviourListedUnits: "extra_rows", BehaviourAllUnits: "with_groups_and_regions"}},
		{"v2-gone", koladafake.Faults{}, map[string]string{BehaviourV2: "gone"}},
		{"", koladafake.Faults{FailFirst: 1, FailStatus: http.StatusTooManyRequests}, map[string]string{BehaviourRateLimit: "limited"}},
	}
	for _, tt := range tests {
		name := tt.quirks
		if name == "" {
			name = "plain"
		}
		if tt.faults.FailFirst > 0 {
			name += "+429"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			q, err := koladafake.ParseQuirks(tt.quirks)
			if err != nil {
				t.Fatal(err)
			}
			f := newFixture(t, smallSynthetic())
			f.fake.SetQuirks(q)
			f.fake.SetFaults(tt.faults)
			probe, err := Probe(t.Context(), f.client, f.probeOptions())
			if err != nil {
				t.Fatal(err)
			}
			for behaviour, answer := range plain {
				if w, ok := tt.want[behaviour]; ok {
					answer = w
				}
				if got := probe.Answer(behaviour); got != answer {
					t.Errorf("%s: %q, want %q (%+v)", behaviour, got, answer, probe.Findings)
				}
			}
			if probe.Requests < 8 || probe.Requests > 14 {
				t.Errorf("the probe made %d requests; a handful is 8 to 14", probe.Requests)
			}
			for _, uri := range f.fake.Log() {
				if strings.Contains(uri, "/data/") && !strings.Contains(uri, "/kpi/N20900/") {
					t.Errorf("the probe asked for data beyond its one KPI: %s", uri)
				}
			}
			if tt.quirks == "" && !strings.Contains(findingDetail(probe.Findings, BehaviourGroupMeans), "ovägda medelvärdet av de 7 medlemmarna") {
				t.Errorf("the group mean was not compared with the members': %+v", probe.Findings)
			}
		})
	}
}

func findingDetail(fs []store.KoladaFinding, behaviour string) string {
	for _, f := range fs {
		if f.Behaviour == behaviour {
			return f.Detail
		}
	}
	return ""
}

func TestProbeUnreachable(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	base := ts.URL + "/v3"
	ts.Close()
	c := NewClient(ClientConfig{UserAgent: "t", RateLimit: 1000, Timeout: time.Second, MaxAttempts: 1})
	_, err := Probe(t.Context(), c, ProbeOptions{BaseURL: base, KPI: "N20900", Municipality: "0581", Year: 2024})
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("got %v, want ErrUnreachable", err)
	}
}

// TestNotFoundAfterAProbeThatFoundEmptyPagesIsAnError: when the probe found
// that Kolada answers no data with 200, a 404 on a data route means
// something else (a route or id Kolada no longer knows), and the load says
// so instead of counting it as no data.
func TestNotFoundAfterAProbeThatFoundEmptyPagesIsAnError(t *testing.T) {
	f := newFixture(t, smallSynthetic())
	probe, err := Probe(t.Context(), f.client, f.probeOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.SaveKoladaProbe(t.Context(), probe); err != nil {
		t.Fatal(err)
	}
	o := f.options()
	f.ingest(t, o)
	f.fake.SetQuirks(koladafake.Quirks{NotFoundForNoData: true})
	o.KPIs = []string{"N11024"} // nothing changed: the answer is empty, hence 404
	_, err = Ingest(t.Context(), f.store, f.client, o)
	if !errors.Is(err, ErrNotAsProbed) || !errors.Is(err, ErrRejected) || !ProbeCouldExplain(err) {
		t.Fatalf("got %v, want ErrNotAsProbed", err)
	}
}

// TestFullLoadKeepsValuesWhenItsRequestAnswers404: a 404 alone never ends
// stored values.
func TestFullLoadKeepsValuesWhenItsRequestAnswers404(t *testing.T) {
	ds := smallSynthetic()
	f := newFixture(t, ds)
	o := f.options()
	o.KPIs = []string{"N11024"}
	f.ingest(t, o)
	before := count(t, f.store, `SELECT count(*) FROM observation`)
	for k := range ds.Values {
		if k.KPI == "N11024" {
			f.fake.DeleteValue(k.KPI, k.Unit, k.Year, k.Gender, snapshotDay.AddDate(0, 0, -40))
		}
	}
	f.fake.SetQuirks(koladafake.Quirks{NotFoundForNoData: true})
	o.Full = true
	res := f.ingest(t, o)
	if res.Deleted != 0 || res.NotFound != 1 || res.KeptScopes != len(o.Years) {
		t.Fatalf("full load answered 404: %+v, kept %d scopes", res.LoadResult, res.KeptScopes)
	}
	if after := count(t, f.store, `SELECT count(*) FROM observation`); after != before {
		t.Fatalf("%d values before, %d after a full load that only saw 404", before, after)
	}
	if !strings.Contains(strings.Join(res.Notes(), "\n"), "behöll sina sparade värden") {
		t.Fatalf("notes do not say the values were kept: %q", res.Notes())
	}
}

// TestMetadataNotFoundStaysAnError: a 404 to a metadata request is no "no
// data" — the load fails and names it; only data routes, and pages a
// next_url named, count a 404 as a page without rows.
func TestMetadataNotFoundStaysAnError(t *testing.T) {
	fake := koladafake.New(smallSynthetic())
	fake.SetQuirks(koladafake.Quirks{NotFoundForNoData: true})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v3/municipality" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":"Not found"}`)) // a fake server's answer
			return
		}
		fake.ServeHTTP(w, r)
	}))
	defer ts.Close()
	f := newFixture(t, smallSynthetic())
	f.base = ts.URL + "/v3"
	_, err := Ingest(t.Context(), f.store, f.client, f.options())
	if Status(err) != http.StatusNotFound || !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), "/v3/municipality") {
		t.Fatalf("got %v, want the 404 of /municipality as an error", err)
	}
	if n := count(t, f.store, `SELECT count(*) FROM observation`); n != 0 {
		t.Fatalf("%d values stored by a load that failed", n)
	}
}
