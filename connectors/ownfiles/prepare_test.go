package ownfiles

import (
	"errors"
	"io"
	"sync/atomic"
	"testing"

	"github.com/nyckeltal/nyckeltal/internal/tabular"
)

// rowSource gives n rows numbered from 1, then err (io.EOF if nil), and
// counts the reads after closed is set.
type rowSource struct {
	n, i      int
	err       error
	closed    atomic.Bool
	afterStop atomic.Int32
}

func (s *rowSource) next() (tabular.Row, error) {
	if s.closed.Load() {
		s.afterStop.Add(1)
	}
	if s.i >= s.n {
		if s.err != nil {
			return tabular.Row{}, s.err
		}
		return tabular.Row{}, io.EOF
	}
	s.i++
	return tabular.Row{Line: s.i}, nil
}

func TestRowPreparerKeepsOrderAndSaysTheError(t *testing.T) {
	t.Parallel()
	broken := errors.New("cut short")
	for _, tc := range []struct {
		name string
		rows int
		err  error
	}{
		{"empty file", 0, nil},
		{"one row", 1, nil},
		{"exactly one batch", preparedBatchRows, nil},
		{"many batches, reused", 40*preparedBatchRows + 17, nil},
		{"error after the rows", 3*preparedBatchRows + 1, broken},
		{"error before any row", 0, broken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := &rowSource{n: tc.rows, err: tc.err}
			// Every third row is left out, as blank rows are.
			prep := PrepareRows(src.next, func(i int, r tabular.Row, rows []int) []int {
				if i != r.Line-1 {
					t.Errorf("row %d given as index %d", r.Line, i)
				}
				if r.Line%3 == 0 {
					return rows
				}
				return append(rows, r.Line)
			})
			defer prep.Stop()
			var got []int
			var err error
			for b := range prep.Batches() {
				got = append(got, b.Rows...)
				err = b.Err
				prep.Reuse(b)
			}
			var want []int
			for l := 1; l <= tc.rows; l++ {
				if l%3 != 0 {
					want = append(want, l)
				}
			}
			if len(got) != len(want) {
				t.Fatalf("got %d rows, want %d", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("row %d is %d, want %d", i, got[i], want[i])
				}
			}
			if !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
				t.Errorf("error %v, want %v", err, tc.err)
			}
		})
	}
}

// A caller that returns early stops the goroutine, and Stop returns only
// when it no longer reads: the reader may then be closed.
func TestRowPreparerStopEndsTheReading(t *testing.T) {
	t.Parallel()
	src := &rowSource{n: 100 * preparedBatchRows}
	prep := PrepareRows(src.next, func(_ int, r tabular.Row, rows []int) []int { return append(rows, r.Line) })
	b := <-prep.Batches()
	if len(b.Rows) != preparedBatchRows || b.Rows[0] != 1 {
		t.Fatalf("first batch: %d rows from %v", len(b.Rows), b.Rows[:min(1, len(b.Rows))])
	}
	prep.Stop()
	src.closed.Store(true)
	prep.Stop() // twice is harmless
	if n := src.afterStop.Load(); n != 0 {
		t.Errorf("%d rows read after Stop returned", n)
	}
	if src.i >= src.n {
		t.Errorf("the whole file was read although the caller stopped after one batch")
	}
}
