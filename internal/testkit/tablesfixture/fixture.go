// Package tablesfixture builds the fixture store of the tests of the indicator
// tables, the report and their commands: a small fictional Kolada data set
// (koladafake.Synthetic with the brukarbedömningar) loaded through the real
// connector, and local values of every kind the tables handle — kön, regi and
// enhet splits, a tie, a missing year, a NULL, a preliminary value, an
// indicator reported only per enhet. Load times are fixed, so that what the
// tables print about the store's state is the same in every run.
package tablesfixture

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/nyckeltal/nyckeltal/connectors/kolada"
	"github.com/nyckeltal/nyckeltal/connectors/kolada/koladafake"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/transform/nka"
)

// Home is the fixture's municipality, Exempelköping.
const Home = "9001"

// Day is the fixture's "today": 2025 values are preliminary.
var Day = time.Date(2026, 8, 16, 12, 0, 0, 0, time.UTC)

// LoadTime is the time every fixture load is recorded as finished.
var LoadTime = time.Date(2026, 8, 16, 2, 15, 0, 0, time.UTC)

// Params is the Kolada data set of the fixture.
func Params() koladafake.SynthParams {
	return koladafake.SynthParams{Municipalities: 10, Years: []int{2022, 2023, 2024, 2025}, FocalMunicipalities: 1,
		Seed: 11, Now: Day, Quality: true}
}

// KPIs are the Kolada KPIs loaded: every NKA area, the brukarbedömningar
// and the extra KPIs, and Unknown, an id Kolada does not know.
func KPIs() []string {
	var out []string
	for _, a := range nka.BuiltinAreas {
		out = append(out, a.PctKPI)
		if a.MnkrKPI != "" {
			out = append(out, a.MnkrKPI)
		}
	}
	for _, q := range koladafake.QualityKPIs {
		out = append(out, q.ID)
	}
	for _, k := range extraKPIs {
		out = append(out, k.id)
	}
	return append(out, Unknown)
}

// Unknown is fetched, but Kolada has no KPI of that id.
const Unknown = "U99998"

// extraKPIs are Kolada KPIs beside Synthetic's, with generated values for
// the years given: the kommunal- and enskild-regi helhetssyn of hemtjänst,
// two trygghet KPIs of särskilt boende that one title fits equally well, the
// renamed trygghet KPI of hemtjänst (values from 2024) with the old one
// (values to 2023), and a KPI Kolada publishes for regions only.
var extraKPIs = []struct {
	id, title, typ string
	byGender       bool
	from, to       int
}{
	{"U21443", "Brukarbedömning hemtjänst äldreomsorg - Kommunal regi - helhetssyn, andel (%)", "K", false, 2022, 2025},
	{"U21438", "Brukarbedömning hemtjänst äldreomsorg - Enskild regi - helhetssyn, andel (%)", "K", false, 2022, 2025},
	{"U23521", "Brukarbedömning särskilt boende äldreomsorg - mycket eller ganska trygga, andel (%)", "K", true, 2022, 2025},
	{"U23464", "Brukarbedömning särskilt boende äldreomsorg - mycket trygga, andel (%)", "K", false, 2022, 2025},
	{"U21505", "Brukarbedömning hemtjänst äldreomsorg - mycket eller ganska trygga, andel (%)", "K", true, 2024, 2025},
	{"U21467", "Brukarbedömning hemtjänst äldreomsorg - trygghet (mycket trygga), andel (%)", "K", true, 2022, 2023},
	{"U60531", "Brukarbedömning hemtjänst äldreomsorg - besväras av ensamhet region, andel (%)", "L", true, 2022, 2025},
}

// Dataset is the fixture's fake Kolada data.
func Dataset() *koladafake.Dataset {
	ds := koladafake.Synthetic(Params())
	changed := Day.AddDate(0, 0, -30)
	for _, k := range extraKPIs {
		rec, _ := json.Marshal(map[string]any{"id": k.id, "title": k.title, "description": "Syntetisk.", "municipality_type": k.typ,
			"is_divided_by_gender": k.byGender, "operating_area": "Äldreomsorg", "publ_period": "2025",
			"publication_date": Day.AddDate(0, 0, 60).Format(time.DateOnly)})
		if err := ds.AddCatalogue([]json.RawMessage{rec}); err != nil {
			panic(err)
		}
		var years []int
		for y := k.from; y <= k.to; y++ {
			years = append(years, y)
		}
		ds.GenerateValues([]string{k.id}, years, changed)
	}
	return ds
}

// Build writes the fixture store into dir and returns its path (closed, so
// that it can be opened read-only as the commands do).
func Build(tb testing.TB, dir string) string {
	tb.Helper()
	ctx := tb.Context()
	path := filepath.Join(dir, "fixture.duckdb")
	st, err := store.Open(ctx, path, store.ReadWrite)
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	ts := httptest.NewServer(koladafake.New(Dataset()))
	defer ts.Close()
	client := kolada.NewClient(kolada.ClientConfig{UserAgent: "nyckeltal-test", RateLimit: 10000, Timeout: 10 * time.Second,
		MaxAttempts: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond, Logger: zerolog.Nop()})
	_, err = kolada.Ingest(ctx, st, client, kolada.Options{BaseURL: ts.URL + "/v3", KPIs: KPIs(), Years: Params().Years,
		Groups: true, Catalogue: true, PerPage: 5000, Margin: time.Hour, Now: func() time.Time { return Day }, Logger: zerolog.Nop()})
	if err != nil {
		tb.Fatal(err)
	}
	if err := StageLocal(ctx, st); err != nil {
		tb.Fatal(err)
	}
	if _, err := st.DB().ExecContext(ctx, `UPDATE load SET started_at = ?, finished_at = ?`, LoadTime.Add(-time.Minute), LoadTime); err != nil {
		tb.Fatal(err)
	}
	return path
}

type localValue struct {
	source, code, unit string // unit: "" the home municipality, else an enhet
	period             store.Period
	gender, regi       string
	value              *float64
	prel               bool
}

func v(x float64) *float64 { return &x }

func delar(y int) store.Period { return store.InterimPeriod(y, time.August) }

var localIndicators = []store.LocalIndicator{
	{ID: "WF_SJUKFRANVARO_TOTALT", Source: "webfocus", Title: "Sjukfrånvaro totalt", Unit: "procent", SourceSystem: "WebFOCUS"},
	{ID: "WF_TIMANST_ANDEL", Source: "webfocus", Title: "Timanställda, andel av totalt antal årsarbetare", Unit: "procent", SourceSystem: "WebFOCUS"},
	{ID: "WF_UNDERSKOTERSKOR", Source: "webfocus", Title: "Antal personer med yrkestiteln undersköterska", Unit: "antal", SourceSystem: "WebFOCUS"},
	{ID: "TRE_SABO_VANTAT_3M", Source: "treserva", Title: "Personer som väntat mer än tre månader på särskilt boende", Unit: "antal", SourceSystem: "Treserva"},
	{ID: "GRANSK_PERSONALKONTINUITET", Source: "indicators", Title: "Personalkontinuitet inom hemtjänsten", Unit: "antal", SourceSystem: "Egen granskning"},
	{ID: "PAL_MUNHALSA", Source: "indicators", Title: "Dokumenterad munhälsobedömning sista levnadsveckan", Unit: "procent", SourceSystem: "Palliativa registret"},
	{ID: "EKO_AOLYFT_NYTTJANDE", Source: "indicators", Title: "Nyttjande av statsbidrag för äldreomsorgslyftet", Unit: "procent", SourceSystem: "Ekonomisystemet"},
}

var localValues = []localValue{
	// sjukfrånvaro (minska): worse in 2024; kön, regi and enhet splits
	{"webfocus", "WF_SJUKFRANVARO_TOTALT", "", delar(2023), "T", "alla", v(7.9), false},
	{"webfocus", "WF_SJUKFRANVARO_TOTALT", "", store.YearPeriod(2023), "T", "alla", v(8.1), false},
	{"webfocus", "WF_SJUKFRANVARO_TOTALT", "", delar(2024), "T", "alla", v(8.4), false},
	{"webfocus", "WF_SJUKFRANVARO_TOTALT", "", delar(2023), "K", "alla", v(8.6), false},
	{"webfocus", "WF_SJUKFRANVARO_TOTALT", "", delar(2023), "M", "alla", v(5.2), false},
	{"webfocus", "WF_SJUKFRANVARO_TOTALT", "", delar(2024), "K", "alla", v(9.1), false},
	{"webfocus", "WF_SJUKFRANVARO_TOTALT", "", delar(2024), "M", "alla", v(5.0), false},
	{"webfocus", "WF_SJUKFRANVARO_TOTALT", "", delar(2024), "T", "egen", v(8.9), false},
	{"webfocus", "WF_SJUKFRANVARO_TOTALT", "", delar(2024), "T", "privat", v(7.1), false},
	{"webfocus", "WF_SJUKFRANVARO_TOTALT", "Hemtjänst Norr", delar(2023), "T", "alla", v(8.8), false},
	{"webfocus", "WF_SJUKFRANVARO_TOTALT", "Hemtjänst Norr", delar(2024), "T", "alla", v(8.2), false},
	{"webfocus", "WF_SJUKFRANVARO_TOTALT", "Särskilt boende Eken", delar(2024), "T", "alla", v(10.3), false},
	// a tie: unchanged at one decimal (12,04 and 12,01 both show 12,0)
	{"webfocus", "WF_TIMANST_ANDEL", "", store.YearPeriod(2023), "T", "alla", v(12.04), false},
	{"webfocus", "WF_TIMANST_ANDEL", "", store.YearPeriod(2024), "T", "alla", v(12.01), false},
	// undersköterskor (öka): more
	{"webfocus", "WF_UNDERSKOTERSKOR", "", delar(2023), "T", "alla", v(410), false},
	{"webfocus", "WF_UNDERSKOTERSKOR", "", delar(2024), "T", "alla", v(432), false},
	// waiting (minska), a preliminary delår, kön
	{"treserva", "TRE_SABO_VANTAT_3M", "", delar(2023), "T", "alla", v(4), false},
	{"treserva", "TRE_SABO_VANTAT_3M", "", store.YearPeriod(2023), "T", "alla", v(5), false},
	{"treserva", "TRE_SABO_VANTAT_3M", "", delar(2024), "T", "alla", v(3), true},
	{"treserva", "TRE_SABO_VANTAT_3M", "", delar(2024), "K", "alla", v(2), true},
	{"treserva", "TRE_SABO_VANTAT_3M", "", delar(2024), "M", "alla", v(1), true},
	{"treserva", "TRE_SABO_VANTAT_3M", "", store.QuarterPeriod(2024, 1), "T", "alla", v(1), false}, // not a catalogue period
	// only per enhet, with regi
	{"indicators", "GRANSK_PERSONALKONTINUITET", "Hemtjänst Norr", delar(2024), "T", "alla", v(14), false},
	{"indicators", "GRANSK_PERSONALKONTINUITET", "Hemtjänst Söder", delar(2024), "T", "alla", v(12), false},
	{"indicators", "GRANSK_PERSONALKONTINUITET", "Hemtjänst Norr", delar(2023), "T", "alla", v(15), false},
	// a missing year between two
	{"indicators", "PAL_MUNHALSA", "", store.YearPeriod(2022), "T", "alla", v(58), false},
	{"indicators", "PAL_MUNHALSA", "", store.YearPeriod(2024), "T", "alla", v(61.2), false},
	{"indicators", "PAL_MUNHALSA", "", store.YearPeriod(2024), "K", "alla", v(63), false},
	{"indicators", "PAL_MUNHALSA", "", store.YearPeriod(2024), "M", "alla", v(58.9), false},
	// a value the file gave as "." (NULL)
	{"indicators", "EKO_AOLYFT_NYTTJANDE", "", delar(2024), "T", "alla", nil, false},
}

// StageLocal adds the local values, one load per source.
func StageLocal(ctx context.Context, st *store.Store) error {
	for _, source := range []string{"webfocus", "treserva", "indicators"} {
		l, err := st.BeginLoad(ctx, store.LoadSpec{Source: source, Mode: "file"})
		if err != nil {
			return err
		}
		for _, li := range localIndicators {
			if li.Source == source {
				if err := l.StageLocalIndicator(li); err != nil {
					return err
				}
			}
		}
		for _, lv := range localValues {
			if lv.source != source {
				continue
			}
			o := store.Observation{Source: source, IndicatorID: lv.code, UnitKind: store.UnitMunicipality, UnitID: Home,
				Period: lv.period, Gender: lv.gender, Regi: lv.regi, Value: lv.value, Preliminary: lv.prel}
			if lv.unit != "" {
				o.UnitKind, o.UnitID = store.UnitLocal, lv.unit
			}
			if err := l.Stage(o); err != nil {
				return err
			}
		}
		if _, err := l.Commit(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Engine is the NKA engine of the built-in areas over db.
func Engine(st *store.Store) *nka.Engine {
	areas, err := nka.ResolveAreas(nka.DefaultMinAbsPct, nil)
	if err != nil {
		panic(err)
	}
	return &nka.Engine{Store: st, Areas: areas}
}
