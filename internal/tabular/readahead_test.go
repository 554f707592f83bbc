package tabular

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// The reader ahead gives the bytes and then the error of what it reads, as
// it gave them: a cut inflate stays io.ErrUnexpectedEOF, never a clean end.
func TestReadAheadKeepsTheBytesAndTheError(t *testing.T) {
	t.Parallel()
	data := bytes.Repeat([]byte("0123456789"), readAheadChunk/4)
	for _, tc := range []struct {
		name string
		r    io.Reader
		want []byte
		err  error
	}{
		{"whole", bytes.NewReader(data), data, io.EOF},
		{"one byte at a time", iotest.OneByteReader(bytes.NewReader(data[:3000])), data[:3000], io.EOF},
		{"cut", io.MultiReader(bytes.NewReader(data), iotest.ErrReader(io.ErrUnexpectedEOF)), data, io.ErrUnexpectedEOF},
		{"data with the error", iotest.DataErrReader(bytes.NewReader(data)), data, io.EOF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newReadAhead(tc.r)
			defer a.Close()
			var got bytes.Buffer
			buf := make([]byte, 777)
			var err error
			for err == nil {
				var n int
				n, err = a.Read(buf)
				got.Write(buf[:n])
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("error %v, want %v", err, tc.err)
			}
			if !bytes.Equal(got.Bytes(), tc.want) {
				t.Errorf("read %d bytes, want %d", got.Len(), len(tc.want))
			}
		})
	}
}

// Close stops the goroutine while it waits to hand over a chunk.
func TestReadAheadClose(t *testing.T) {
	t.Parallel()
	a := newReadAhead(bytes.NewReader(make([]byte, 10*readAheadChunk)))
	buf := make([]byte, 10)
	if _, err := a.Read(buf); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
}
