package tabular

import (
	"context"
	"errors"
	"io"
)

// OnePass has a workbook's sheet read in one pass, where it is otherwise
// read twice: a sheet's merged ranges follow its cells in its XML, and no
// row is handed on before they are known, so the sheet is first read for
// them alone. Inflating the sheet is most of reading it (a 30 MB workbook
// holds 310 MB of XML), so the first pass costs nearly as much as the
// second.
//
// With OnePass the rows are handed on as they are read, on the guess that
// no merged range covers any of them, and the merged ranges are found in
// the same bytes, by the same search, as the first pass finds them. When
// the guess holds, the rows were exactly those of a reading in two passes.
// When it does not — a merged range covers a row read — Next returns
// ErrReread after the last row; when the reading ends any other way before
// the sheet's end (an error of the file, a caller that stops), what the
// first pass would have refused first is not known. In both cases the
// caller must read the file again (Again says so, and makes the next Open
// with the same Options read in two passes, with the merged ranges already
// found if they were), and throw away what it made of the rows: the second
// reading gives the rows, values and refusals of a reading in two passes.
//
// A OnePass is used by one reading at a time; Again is called after the
// reader is closed.
type OnePass struct {
	used     bool // a sheet was read in one pass
	finished bool // to its end, its merged ranges covering none of its rows
	exact    bool // read again: in two passes
	known    map[string][]mergeRange
}

// ErrReread ends a one-pass reading whose sheet has merged ranges over the
// rows it gave: the file must be read again (OnePass).
var ErrReread = errors.New("the workbook must be read again: its merged ranges cover rows already read")

// Again reports whether the file must be read again, after a reading with
// o that has ended and been closed; it then sets o up for that reading.
// Never after ctx has ended.
func (o *OnePass) Again(ctx context.Context) bool {
	if o == nil || !o.used || o.finished || o.exact || ctx.Err() != nil {
		return false
	}
	o.exact = true
	return true
}

func (o *OnePass) knownMerges(part string) ([]mergeRange, bool) {
	if o == nil {
		return nil, false
	}
	m, ok := o.known[part]
	return m, ok
}

// scanningReader has mergeScanner search what is read; its error ends the
// reading.
type scanningReader struct {
	r   io.Reader
	m   *mergeScanner
	err error
}

func (s *scanningReader) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.r.Read(p)
	if werr := s.m.write(p[:n]); werr != nil {
		s.err = werr
		return 0, werr
	}
	return n, err
}

// endOnePass reads what is left of the sheet's part after its rows for
// the merged ranges, and decides on them (OnePass): io.EOF when the rows
// stand, ErrReread when a merged range covers one of them. found: the
// rows are handed on (else they are all blank and thrown away).
func (s *sheetReader) endOnePass(found bool) error {
	if s.ended == nil {
		s.ended = s.decideOnePass(found)
	}
	return s.ended
}

func (s *sheetReader) decideOnePass(found bool) error {
	buf := make([]byte, 32<<10)
	for {
		_, err := s.scanIn.Read(buf)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return s.x.xmlError(s.part, err)
		}
	}
	merges, err := s.scan.finish()
	if err != nil {
		return err
	}
	if !found {
		return io.EOF
	}
	// Whether a merged range covers a row read: the rows between the first
	// and the last read are taken as all read, which may only have the
	// file read again when it need not be.
	for _, m := range merges {
		if s.firstRow > 0 && m.r1 <= s.lastRow && m.r2 >= s.firstRow {
			o := s.x.one
			if o.known == nil {
				o.known = map[string][]mergeRange{}
			}
			o.known[s.part] = merges
			return ErrReread
		}
	}
	s.x.one.finished = true
	return io.EOF
}
