package store

import (
	"testing"
	"time"
)

func TestFileLoadWritesLocalTables(t *testing.T) {
	s, _ := openTemp(t)
	ctx := t.Context()
	q1, q2 := QuarterPeriod(2024, 1), QuarterPeriod(2024, 2)
	local := func(p Period, unit string, v float64) Observation {
		return Observation{Source: "webfocus", IndicatorID: "WF_X", UnitKind: UnitLocal, UnitID: unit, Period: p,
			Gender: GenderTotal, Regi: RegiAll, Value: f64(v)}
	}
	stageFile := func(sha string, rows []Observation, decisions ...Decision) LoadResult {
		t.Helper()
		l, err := s.BeginLoad(ctx, LoadSpec{Source: "webfocus", Mode: "file",
			File: &FileInfo{Name: "f.csv", SHA256: sha, Bytes: 10, Format: "COMT", Rows: 3, Skipped: 1, Refused: 1,
				Problems: []map[string]any{{"line": 3, "reason": "x"}}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := l.StageLocalIndicator(LocalIndicator{ID: "WF_X", Source: "webfocus", Title: "X", Unit: "procent", SourceSystem: "WebFOCUS"}); err != nil {
			t.Fatal(err)
		}
		for _, o := range rows {
			if err := l.Stage(o); err != nil {
				t.Fatal(err)
			}
			if err := l.StageScope(Scope{Source: o.Source, IndicatorID: o.IndicatorID, UnitKind: o.UnitKind, UnitID: o.UnitID,
				PeriodType: o.Period.Type, Year: o.Period.Year, PeriodStart: o.Period.Start}); err != nil {
				t.Fatal(err)
			}
		}
		for _, d := range decisions {
			if err := l.StageDecision(d); err != nil {
				t.Fatal(err)
			}
		}
		res, err := l.Commit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	day := time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)
	stageFile("aaa", []Observation{local(q1, "Norr", 1), local(q1, "Söder", 2)},
		Decision{Line: 2, Person: "p1", KeyID: "k", BirthYear: 1940, Gender: GenderWomen, InsatsGroup: "sabo", Decision: day,
			Granted: true, Regi: RegiEgen, ExtractDate: day})
	// Quarter 2 of one enhet: quarter 1 and the other enhet stay current.
	res := stageFile("bbb", []Observation{local(q2, "Norr", 3)})
	if res.Deleted != 0 || countRows(t, s, `SELECT count(*) FROM observation`) != 3 {
		t.Fatalf("a quarter-2 file ended values: %+v", res)
	}
	if countRows(t, s, `SELECT count(*) FROM local_indicator WHERE title = 'X' AND updated_load = 1`) != 1 {
		t.Fatal("local_indicator not written once")
	}
	if countRows(t, s, `SELECT count(*) FROM treserva_decision_current WHERE person = 'p1' AND regi = 'egen'`) != 1 {
		t.Fatal("decision not written")
	}
	if countRows(t, s, `SELECT count(*) FROM v_file_load WHERE file_rows = 3 AND rows_skipped = 1 AND rows_refused = 1
		AND json_array_length(refused) = 1`) != 2 {
		t.Fatal("file columns of the load not written")
	}
	got, err := s.LoadedFile(ctx, "webfocus", "aaa")
	if err != nil || got == nil || got.ID != 1 || got.FileName != "f.csv" {
		t.Fatalf("LoadedFile: %+v %v", got, err)
	}
	if got, _ := s.LoadedFile(ctx, "treserva", "aaa"); got != nil {
		t.Fatal("LoadedFile ignores the source")
	}
	l, _ := s.BeginLoad(ctx, LoadSpec{Source: "treserva", Mode: "file"})
	if err := l.StageDecision(Decision{Person: "p", KeyID: "k", Gender: "T", InsatsGroup: "sabo", Decision: day}); err == nil {
		t.Fatal("a decision without kön K or M was staged")
	}
	if err := l.Abort(ctx); err != nil {
		t.Fatal(err)
	}
}
