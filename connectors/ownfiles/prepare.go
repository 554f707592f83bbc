package ownfiles

import (
	"errors"
	"io"

	"github.com/nyckeltal/nyckeltal/internal/tabular"
)

// PreparedBatch is a batch of rows a RowPreparer made, and the reading's
// error after them (nil at the end of the file).
type PreparedBatch[T any] struct {
	Rows []T
	Err  error
}

// preparedBatchRows is a batch's rows: enough that a channel send is rare,
// few enough that a batch stays in the CPU's cache.
const preparedBatchRows = 256

// RowPreparer reads a file's rows in a goroutine of its own and makes each
// into what a connector needs of it that depends on nothing but the rows
// above it (the personnummer scan of every cell, a personnummer's
// pseudonym, the cells read as dimensions): the machine has two cores, and
// the caller does the rest of a row's work meanwhile. Treserva, WebFOCUS
// and the indicator files share it.
//
// The caller ranges over Batches, hands each batch back with Reuse once it
// keeps nothing of it (a big file then reuses a few batches of memory), and
// calls Stop when done, also on an early return: Stop waits for the
// goroutine, so the reader is never read after it is closed.
type RowPreparer[T any] struct {
	batches chan *PreparedBatch[T]
	free    chan *PreparedBatch[T]
	stop    chan struct{}
	done    chan struct{}
}

// PrepareRows starts the goroutine. next gives the rows and io.EOF after
// the last (Rows); prepare is called with each row and its index from 0,
// and appends what it makes of the row to rows, or nothing. What prepare
// touches is the goroutine's alone until Batches ends.
func PrepareRows[T any](next func() (tabular.Row, error), prepare func(i int, r tabular.Row, rows []T) []T) *RowPreparer[T] {
	p := &RowPreparer[T]{
		batches: make(chan *PreparedBatch[T], 4),
		free:    make(chan *PreparedBatch[T], 6),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	go p.run(next, prepare)
	return p
}

func (p *RowPreparer[T]) run(next func() (tabular.Row, error), prepare func(int, tabular.Row, []T) []T) {
	defer close(p.done)
	defer close(p.batches)
	b := p.fresh()
	for i := 0; ; i++ {
		r, err := next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				b.Err = err
			}
			p.send(b)
			return
		}
		if b.Rows = prepare(i, r, b.Rows); len(b.Rows) >= preparedBatchRows {
			if !p.send(b) {
				return
			}
			b = p.fresh()
		}
	}
}

func (p *RowPreparer[T]) fresh() *PreparedBatch[T] {
	select {
	case b := <-p.free:
		b.Rows = b.Rows[:0]
		return b
	default:
		return &PreparedBatch[T]{Rows: make([]T, 0, preparedBatchRows)}
	}
}

func (p *RowPreparer[T]) send(b *PreparedBatch[T]) bool {
	select {
	case p.batches <- b:
		return true
	case <-p.stop:
		return false
	}
}

// Batches are the batches in the order of the rows, closed after the last
// (or after a batch with an error).
func (p *RowPreparer[T]) Batches() <-chan *PreparedBatch[T] { return p.batches }

// Reuse hands a batch back to be filled again; the caller keeps nothing of
// it.
func (p *RowPreparer[T]) Reuse(b *PreparedBatch[T]) {
	select {
	case p.free <- b:
	default:
	}
}

// Stop ends the goroutine, if it still runs, and waits for it.
func (p *RowPreparer[T]) Stop() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	<-p.done
}
