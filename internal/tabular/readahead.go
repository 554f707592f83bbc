package tabular

import (
	"io"
	"sync"
)

// readAhead reads r in a goroutine of its own, a few chunks ahead of its
// reader: a worksheet is inflated beside the decoding of its XML (the
// machine has more than one core, and inflating is a fifth of reading a
// worksheet). Close stops the goroutine and waits for it, so that r is no
// longer read when it is closed.
type readAhead struct {
	chunks chan chunk
	free   chan []byte
	done   chan struct{}
	stop   sync.Once
	wg     sync.WaitGroup
	cur    []byte // what is left of the chunk being read
	last   []byte // the chunk being read, to hand back
	err    error  // the error after cur
}

type chunk struct {
	b   []byte
	err error
}

const (
	readAheadChunk  = 256 << 10
	readAheadChunks = 4
)

func newReadAhead(r io.Reader) *readAhead {
	a := &readAhead{chunks: make(chan chunk, readAheadChunks), free: make(chan []byte, readAheadChunks), done: make(chan struct{})}
	for range readAheadChunks {
		a.free <- make([]byte, readAheadChunk)
	}
	a.wg.Add(1)
	go a.run(r)
	return a
}

func (a *readAhead) run(r io.Reader) {
	defer a.wg.Done()
	for {
		var buf []byte
		select {
		case buf = <-a.free:
		case <-a.done:
			return
		}
		n, err := fillChunk(r, buf)
		select {
		case a.chunks <- chunk{buf[:n], err}:
		case <-a.done:
			return
		}
		if err != nil {
			return
		}
	}
}

// fillChunk reads r until buf is full or r fails; the error is r's, as it
// gave it (io.ReadFull would turn some into others).
func fillChunk(r io.Reader, buf []byte) (n int, err error) {
	for empty := 0; n < len(buf) && err == nil; {
		var k int
		k, err = r.Read(buf[n:])
		n += k
		if k > 0 {
			empty = 0
		} else if empty++; empty == 100 && err == nil {
			err = io.ErrNoProgress // as bufio, give up on a reader that returns nothing
		}
	}
	return n, err
}

func (a *readAhead) Read(p []byte) (int, error) {
	for len(a.cur) == 0 {
		if a.err != nil {
			return 0, a.err
		}
		if a.last != nil {
			a.free <- a.last[:cap(a.last)]
			a.last = nil
		}
		c := <-a.chunks
		a.cur, a.last, a.err = c.b, c.b, c.err
	}
	n := copy(p, a.cur)
	a.cur = a.cur[n:]
	return n, nil
}

// Close stops the goroutine and waits for it.
func (a *readAhead) Close() error {
	a.stop.Do(func() { close(a.done) })
	a.wg.Wait()
	return nil
}
