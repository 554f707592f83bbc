package ownfiles_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nyckeltal/nyckeltal/connectors/indicators"
	"github.com/nyckeltal/nyckeltal/connectors/ownfiles"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/tabular"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "s.duckdb"), store.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	return st
}

func parser(t *testing.T) ownfiles.Parser {
	p, err := indicators.New(indicators.Options{Home: "9001", Regi: ownfiles.DefaultRegiAliases})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func count(t *testing.T, st *store.Store, q string, args ...any) int {
	t.Helper()
	var n int
	if err := st.DB().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

const head = "indikator;namn;period;enhet;värde\n"

func TestLoadRules(t *testing.T) {
	st, dir, p, ctx := openStore(t), t.TempDir(), parser(t), t.Context()
	first := write(t, dir, "a.csv", head+"X_A;Ett;2024-Q1;Norr;1\nX_A;;2024-Q1;Söder;2\nX_A;;2024-Q1;;3\n")
	r, err := ownfiles.LoadFile(ctx, st, p, first, ownfiles.Options{})
	if err != nil || r.Outcome != ownfiles.Loaded || r.Load.Inserted != 3 {
		t.Fatalf("first load: %+v %v", r, err)
	}
	if n := count(t, st, `SELECT count(*) FROM load WHERE file_name = 'a.csv' AND file_sha256 = ? AND file_rows = 3 AND status = 'ok'`, r.SHA256); n != 1 {
		t.Fatal("the load row does not describe the file")
	}
	if n := count(t, st, `SELECT count(*) FROM local_indicator WHERE indicator_id = 'X_A' AND title = 'Ett' AND source = 'indicators'`); n != 1 {
		t.Fatal("no local_indicator row")
	}

	t.Run("the same bytes again are a no-op", func(t *testing.T) {
		loads := count(t, st, `SELECT count(*) FROM load`)
		again := write(t, dir, "a-copy.csv", head+"X_A;Ett;2024-Q1;Norr;1\nX_A;;2024-Q1;Söder;2\nX_A;;2024-Q1;;3\n")
		r2, err := ownfiles.LoadFile(ctx, st, p, again, ownfiles.Options{})
		if err != nil || r2.Outcome != ownfiles.Unchanged || r2.PreviousLoad != r.Load.LoadID {
			t.Fatalf("%+v %v", r2, err)
		}
		if count(t, st, `SELECT count(*) FROM load`) != loads {
			t.Fatal("a no-op wrote a load row")
		}
		r3, err := ownfiles.LoadFile(ctx, st, p, again, ownfiles.Options{Force: true})
		if err != nil || r3.Outcome != ownfiles.Loaded || r3.Load.Changed() {
			t.Fatalf("--force: %+v %v", r3, err)
		}
	})

	t.Run("a corrected file replaces the values, the history keeps both", func(t *testing.T) {
		fixed := write(t, dir, "a-rättad.csv", head+"X_A;Ett;2024-Q1;Norr;1\nX_A;;2024-Q1;Söder;2\nX_A;;2024-Q1;;4\n")
		r, err := ownfiles.LoadFile(ctx, st, p, fixed, ownfiles.Options{})
		if err != nil || r.Load.Updated != 1 || r.Load.Deleted != 0 || r.Load.Inserted != 0 {
			t.Fatalf("%+v %v", r.Load, err)
		}
		if n := count(t, st, `SELECT count(*) FROM observation_history WHERE unit_kind = 'municipality' AND indicator_id = 'X_A'`); n != 2 {
			t.Fatalf("history of the municipality value: %d versions, want 2", n)
		}
		// A split the corrected file no longer has is ended; other enheter stay.
		split := write(t, dir, "a-kön.csv", "indikator;period;enhet;kön;värde\nX_A;2024-Q1;Norr;K;1\nX_A;2024-Q1;Norr;M;1\n")
		if r, err = ownfiles.LoadFile(ctx, st, p, split, ownfiles.Options{}); err != nil || r.Load.Deleted != 1 || r.Load.Inserted != 2 {
			t.Fatalf("%+v %v", r.Load, err)
		}
		if n := count(t, st, `SELECT count(*) FROM observation WHERE source = 'indicators' AND unit_id = 'Söder'`); n != 1 {
			t.Fatal("a file about Norr ended Söder's value")
		}
	})

	t.Run("another quarter does not end this one", func(t *testing.T) {
		q2 := write(t, dir, "q2.csv", head+"X_A;Ett;2024-Q2;Norr;7\n")
		if _, err := ownfiles.LoadFile(ctx, st, p, q2, ownfiles.Options{}); err != nil {
			t.Fatal(err)
		}
		if n := count(t, st, `SELECT count(*) FROM observation WHERE indicator_id = 'X_A' AND period_start = DATE '2024-01-01'`); n != 4 {
			t.Fatalf("quarter 1 has %d values after quarter 2 was loaded, want 4", n)
		}
	})

	t.Run("a bad file is refused whole", func(t *testing.T) {
		before := count(t, st, `SELECT count(*) FROM observation_version`)
		bad := write(t, dir, "bad.csv", head+"X_B;Två;2024;Norr;1\nX_B;;2024;Söder;1,2,3\nX_B;;2025-13;Väst;1\n")
		r, err := ownfiles.LoadFile(ctx, st, p, bad, ownfiles.Options{})
		var fe *ownfiles.FileError
		if !errors.As(err, &fe) || r.Outcome != ownfiles.Refused || fe.Total != 2 || r.Problems[0].Line != 3 || r.Problems[1].Line != 4 {
			t.Fatalf("%+v %v", r, err)
		}
		if count(t, st, `SELECT count(*) FROM observation_version`) != before {
			t.Fatal("a refused file wrote values")
		}
		if n := count(t, st, `SELECT count(*) FROM load WHERE file_name = 'bad.csv' AND status = 'failed'
			AND rows_refused = 2 AND json_array_length(refused) = 2 AND error LIKE '%2 problem%'`); n != 1 {
			t.Fatal("the refused file's load row is missing or incomplete")
		}

		qdir := filepath.Join(dir, "q")
		r, err = ownfiles.LoadFile(ctx, st, p, bad, ownfiles.Options{SkipBadRows: true, QuarantineDir: qdir,
			Now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }})
		if err != nil || r.Outcome != ownfiles.Loaded || r.Load.Inserted != 1 || r.RefusedRows != 2 {
			t.Fatalf("--skip-bad-rows: %+v %v", r, err)
		}
		q, err := os.ReadFile(r.Quarantine)
		if err != nil || filepath.Dir(r.Quarantine) != qdir || !strings.Contains(string(q), "2025-13") || strings.Count(string(q), "\n") != 3 {
			t.Fatalf("quarantine %s: %q %v", r.Quarantine, q, err)
		}
	})

	t.Run("a file with no data rows is refused", func(t *testing.T) {
		empty := write(t, dir, "empty.csv", head)
		if _, err := ownfiles.LoadFile(ctx, st, p, empty, ownfiles.Options{}); !errors.Is(err, ownfiles.ErrRefused) {
			t.Fatalf("err %v", err)
		}
	})

	t.Run("a failure that is not the file's leaves no load row", func(t *testing.T) {
		loads := count(t, st, `SELECT count(*) FROM load`)
		other := write(t, dir, "other.csv", "x")
		_, err := ownfiles.LoadFile(ctx, st, failing{}, other, ownfiles.Options{})
		if err == nil || errors.Is(err, ownfiles.ErrRefused) || count(t, st, `SELECT count(*) FROM load`) != loads {
			t.Fatalf("err %v", err)
		}
	})
}

type failing struct{}

func (failing) Source() string { return "indicators" }
func (failing) ParseFrom(context.Context, string, tabular.Input) (*ownfiles.Parsed, error) {
	return nil, errors.New("no key")
}
