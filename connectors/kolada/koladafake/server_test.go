package koladafake

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: body is not JSON: %s", url, b)
	}
	return resp.StatusCode, m
}

func TestServerBehavesLikeKolada(t *testing.T) {
	now := time.Date(2026, 8, 16, 0, 0, 0, 0, time.UTC)
	ds := Synthetic(SynthParams{Municipalities: 8, Years: []int{2023, 2024}, FocalMunicipalities: 1, Seed: 1, Now: now})
	srv := New(ds)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	base := ts.URL + "/v3"
	ids := strings.TrimSuffix(strings.Repeat("N20900,", 26), ",")

	tests := []struct {
		name       string
		path       string
		wantStatus int
		wantCount  int // -1: not checked
	}{
		{"26 ids", "/data/kpi/" + ids + "/year/2024", 422, -1},
		{"per_page above 5000", "/data/kpi/N20900/year/2024?per_page=5001", 422, -1},
		{"query-parameter form is silently empty", "/data?kpi=N20900&year=2024", 200, 0},
		{"one segment is not enough", "/data/kpi/N20900", 422, -1},
		{"all municipalities", "/data/kpi/N20900/year/2024", 200, 8},
		{"two municipalities", "/data/kpi/N20900/municipality/9001,9002/year/2023,2024", 200, 4},
		{"kpi and municipality, every year", "/data/kpi/N20900/municipality/9001", 200, 2},
		{"paging", "/data/kpi/N20900/year/2023,2024?per_page=5", 200, 5},
		{"metadata by id", "/kpi/N20900,N20029", 200, 2},
		{"title search", "/kpi?title=äldreomsorg", 200, 3}, // NKA % and mnkr, net cost
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := get(t, base+tt.path)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %v", status, tt.wantStatus, body)
			}
			if tt.wantCount >= 0 && int(body["count"].(float64)) != tt.wantCount {
				t.Fatalf("count %v, want %d", body["count"], tt.wantCount)
			}
		})
	}

	// Paging: next_url leads through every row exactly once.
	seen := 0
	for url := base + "/data/kpi/N20900/year/2023,2024?per_page=5"; url != ""; {
		_, body := get(t, url)
		seen += len(body["values"].([]any))
		url, _ = body["next_url"].(string)
	}
	if seen != 16 {
		t.Fatalf("paging returned %d rows, want 16", seen)
	}

	// v2 answers an error, with 200 as in August 2026 or 410 Gone.
	if status, body := get(t, ts.URL+"/v2/kpi"); status != http.StatusOK || !strings.Contains(body["error"].(string), "v3") {
		t.Fatalf("v2: %d %v", status, body)
	}
	srv.SetQuirks(Quirks{V2Gone: true})
	if status, body := get(t, ts.URL+"/v2/kpi"); status != http.StatusGone || !strings.Contains(body["error"].(string), "v3") {
		t.Fatalf("v2 gone: %d %v", status, body)
	}
	srv.SetQuirks(Quirks{})

	// A group id answers the unweighted mean of its members.
	g := ds.Groups[0]
	_, body := get(t, base+"/data/kpi/N20900/municipality/"+g.ID+"/year/2024")
	vals := body["values"].([]any)
	if len(vals) != 1 {
		t.Fatalf("group mean rows: %v", vals)
	}
	v := vals[0].(map[string]any)["values"].([]any)[0].(map[string]any)
	var sum float64
	for _, m := range g.Members {
		sum += *ds.Values[Key{KPI: "N20900", Unit: m.ID, Year: 2024, Gender: "T"}].Value
	}
	if got := v["value"].(float64); got != sum/float64(len(g.Members)) || int(v["count"].(float64)) != len(g.Members) {
		t.Fatalf("group mean %v (count %v), want %v", got, v["count"], sum/float64(len(g.Members)))
	}

	// from_date: only what changed since, deletions flagged.
	later := now.AddDate(0, 1, 0)
	x := 1.25
	srv.SetValue("N20900", "9003", 2024, "T", &x, later)
	srv.DeleteValue("N20900", "9004", 2024, "T", later)
	_, body = get(t, base+"/data/kpi/N20900/year/2024?from_date="+later.Format(time.DateOnly))
	if int(body["count"].(float64)) != 2 {
		t.Fatalf("from_date answered %v rows, want 2", body["count"])
	}
	var deleted int
	for _, r := range body["values"].([]any) {
		for _, val := range r.(map[string]any)["values"].([]any) {
			if val.(map[string]any)["isdeleted"].(bool) {
				deleted++
			}
		}
	}
	if deleted != 1 {
		t.Fatalf("%d deletions flagged, want 1", deleted)
	}
	if _, body := get(t, base+"/data/kpi/N20900/year/2024"); int(body["count"].(float64)) != 7 {
		t.Fatalf("a deleted value is still answered without from_date: %v", body["count"])
	}
}

func TestSyntheticNamesAreFictionalAndDistinct(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 290; i++ {
		n := FictionalName(i)
		if seen[n] {
			t.Fatalf("name %q repeats", n)
		}
		seen[n] = true
		if id := FictionalID(i); id[0] != '9' {
			t.Fatalf("id %s could be a real municipality's", id)
		}
	}
}

func TestGeneratedAnswersMatchTheGenerator(t *testing.T) {
	ds := Scale(ScaleParams{Municipalities: 5, KPIs: 3, Years: []int{2024, 2025}, Seed: 9})
	ts := httptest.NewServer(New(ds))
	defer ts.Close()
	g := ds.Generator
	rows := 0
	for url := ts.URL + "/v3/data/kpi/X00001,X00003/year/2025?per_page=3"; url != ""; {
		_, body := get(t, url)
		for _, r := range body["values"].([]any) {
			row := r.(map[string]any)
			k := positions(g.KPIs, []string{row["kpi"].(string)})[0]
			u := positions(g.Units, []string{row["municipality"].(string)})[0]
			if row["period"].(float64) != 2025 {
				t.Fatalf("year %v not asked for", row["period"])
			}
			for gi, v := range row["values"].([]any) {
				if got := v.(map[string]any)["value"].(float64); got != g.Value(k, u, 1, gi) {
					t.Fatalf("value %v, generator says %v", got, g.Value(k, u, 1, gi))
				}
			}
			rows++
		}
		url, _ = body["next_url"].(string)
	}
	if rows != 2*5 {
		t.Fatalf("%d rows, want 10", rows)
	}
	if _, body := get(t, ts.URL+"/v3/data/kpi/X00001/year/2025?from_date=2999-01-01"); body["count"].(float64) != 0 {
		t.Fatal("from_date after the last change answered values")
	}
}

func TestQuirks(t *testing.T) {
	now := time.Date(2026, 8, 16, 0, 0, 0, 0, time.UTC)
	ds := Synthetic(SynthParams{Municipalities: 8, Years: []int{2023, 2024}, FocalMunicipalities: 1, Seed: 1, Now: now})
	srv := New(ds)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	base := ts.URL + "/v3"
	g := ds.Groups[0]
	tests := []struct {
		quirks     string
		path       string
		wantStatus int
		check      func(t *testing.T, body map[string]any)
	}{
		{"404-no-data", "/data/kpi/N20900/year/2024?from_date=2999-01-01", 404, nil},
		{"404-no-data", "/kpi/NOPE1", 200, nil}, // metadata keeps 200
		{"no-group-means", "/data/kpi/N20900/municipality/" + g.ID + "/year/2024", 200, wantCount(0)},
		{"reject-groups", "/data/kpi/N20900/municipality/" + g.ID + "/year/2024", 422, nil},
		{"empty-last-page", "/data/kpi/N20900/year/2024?page=5", 200, func(t *testing.T, b map[string]any) {
			if b["count"].(float64) != 0 || b["next_url"] == nil {
				t.Fatalf("an empty page without a next_url: %v", b)
			}
		}},
		{"next-url-drops-from-date,next-url-drops-per-page", "/data/kpi/N20900/year/2023,2024?per_page=3&from_date=2000-01-01", 200,
			func(t *testing.T, b map[string]any) {
				if next := b["next_url"].(string); strings.Contains(next, "from_date") || strings.Contains(next, "per_page") {
					t.Fatalf("next_url kept a parameter: %s", next)
				}
			}},
		{"extra-units", "/data/kpi/N20900/municipality/9002/year/2024", 200, func(t *testing.T, b map[string]any) {
			units := map[string]bool{}
			for _, r := range b["values"].([]any) {
				units[r.(map[string]any)["municipality"].(string)] = true
			}
			if !units["9002"] || !units["0099"] || len(units) < 3 {
				t.Fatalf("extra units: %v", units)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.quirks+" "+tt.path, func(t *testing.T) {
			q, err := ParseQuirks(tt.quirks)
			if err != nil {
				t.Fatal(err)
			}
			srv.SetQuirks(q)
			status, body := get(t, base+tt.path)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %v", status, tt.wantStatus, body)
			}
			if tt.check != nil {
				tt.check(t, body)
			}
		})
	}
	if _, err := ParseQuirks("404-no-data,nonsense"); err == nil {
		t.Fatal("an unknown quirk was accepted")
	}
	if q, _ := ParseQuirks("all"); q.RejectGroups || !q.NotFoundForNoData || !q.V2Gone || q.String() == "none" {
		t.Fatalf("all: %+v", q)
	}
}

func wantCount(n int) func(*testing.T, map[string]any) {
	return func(t *testing.T, b map[string]any) {
		t.Helper()
		if int(b["count"].(float64)) != n {
			t.Fatalf("count %v, want %d", b["count"], n)
		}
	}
}
