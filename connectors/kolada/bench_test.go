package kolada

import (
	"io"
	"net/http/httptest"
	"testing"

	"github.com/nyckeltal/nyckeltal/connectors/kolada/koladafake"
)

// fullPage fetches one 5000-row data page, three genders a row, from the
// generated fake: the shape of a real Kolada page at full size.
func fullPage(b *testing.B) []byte {
	b.Helper()
	ds := koladafake.Scale(koladafake.ScaleParams{Municipalities: 290, KPIs: 25, Years: []int{2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025}, Seed: 1})
	ts := httptest.NewServer(koladafake.New(ds))
	defer ts.Close()
	resp, err := ts.Client().Get(ts.URL + "/v3/data/kpi/X00001,X00002,X00003/year/2016,2017,2018,2019,2020,2021,2022,2023,2024,2025?per_page=5000")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.Fatal(err)
	}
	return body
}

func BenchmarkDecodeDataPage(b *testing.B) {
	body := fullPage(b)
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for b.Loop() {
		p, err := DecodeDataPage(body)
		if err != nil || len(p.Values) != 5000 {
			b.Fatalf("%d rows, %v", len(p.Values), err)
		}
	}
	b.ReportMetric(float64(b.N*15000)/b.Elapsed().Seconds(), "values/s")
}
