package tabular

import (
	"io"
	"sync"
)

// prefetch reads the rows of r in a goroutine of its own, a batch at a
// time, while the caller works on the rows before: reading text and making
// its cells is half of a parser's work, and the machine has more than one
// core. The rows are handed over and never touched by the goroutine again.
type prefetch struct {
	r       Reader
	batches chan batch
	// free takes the batches' rows back once the caller has read them, to
	// be filled again: a file of millions of rows then needs a few batches
	// of memory, not one per 256 rows (fresh memory costs a new process
	// page faults as well as the collector's time).
	free   chan []Row
	held   []Row // the rows of the batch being read, for free
	done   chan struct{}
	stop   sync.Once
	wg     sync.WaitGroup
	cur    []Row
	err    error
	format Format
}

type batch struct {
	rows   []Row
	err    error
	format Format
}

const prefetchRows = 256

func newPrefetch(r Reader) *prefetch {
	p := &prefetch{r: r, batches: make(chan batch, 8), free: make(chan []Row, 10), done: make(chan struct{}), format: r.Format()}
	p.wg.Add(1)
	go p.run()
	return p
}

func (p *prefetch) run() {
	defer p.wg.Done()
	defer close(p.batches)
	for {
		var rows []Row
		select {
		case rows = <-p.free:
		default:
			rows = make([]Row, 0, prefetchRows)
		}
		var err error
		for len(rows) < prefetchRows {
			var row Row
			if row, err = p.r.Next(); err != nil {
				break
			}
			rows = append(rows, row)
		}
		select {
		case p.batches <- batch{rows: rows, err: err, format: p.r.Format()}:
		case <-p.done:
			return
		}
		if err != nil {
			return
		}
	}
}

func (p *prefetch) Next() (Row, error) {
	for len(p.cur) == 0 {
		if p.err != nil {
			return Row{}, p.err
		}
		if p.held != nil {
			select {
			case p.free <- p.held[:0]:
			default:
			}
			p.held = nil
		}
		b, ok := <-p.batches
		if !ok {
			return Row{}, io.ErrUnexpectedEOF
		}
		p.cur, p.err, p.format, p.held = b.rows, b.err, b.format, b.rows
	}
	row := p.cur[0]
	p.cur = p.cur[1:]
	return row, nil
}

func (p *prefetch) Format() Format { return p.format }

// Close stops the goroutine and waits for it.
func (p *prefetch) Close() error {
	p.stop.Do(func() { close(p.done) })
	p.wg.Wait()
	return p.r.Close()
}
