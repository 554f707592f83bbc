package tabular

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strings"
	"unsafe"
)

// candidateDelimiters in order of preference when two fit equally well:
// Swedish exports use ';' because ',' is the decimal sign.
var candidateDelimiters = []rune{';', '\t', '|', ','}

func delimiterName(d rune) string {
	switch d {
	case '\t':
		return "tab"
	case ' ':
		return "space"
	}
	return string(d)
}

// detectLines is how many lines delimiter detection looks at.
const detectLines = 200

// detectDelimiter picks the candidate that splits the first lines into the
// most rows of one common width (at least two columns).
func detectDelimiter(t *textInput, candidates []rune, lim Limits) (rune, error) {
	// The first lines, whole: detection must not see a line cut short.
	br := bufio.NewReaderSize(t.reader(), 64<<10)
	var head []byte
	for n := 0; n < detectLines && len(head) < 4<<20; n++ {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			break
		}
		head = append(head, line...)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return 0, t.readError(err)
			}
			break
		}
	}
	best, bestScore := rune(0), 0
	for _, d := range candidates {
		if d >= 0x80 || d == '"' || d == '\n' || d == '\r' {
			continue
		}
		r := &csvReader{src: newLineSource(bytes.NewReader(head), lim.MaxRowBytes), comma: byte(d), lenient: true}
		widths := map[int]int{}
		for {
			rec, err := r.read()
			if err != nil {
				break
			}
			if len(rec.cells) >= 2 {
				widths[len(rec.cells)]++
			}
		}
		score := 0
		for _, c := range widths {
			score = max(score, c)
		}
		if score > bestScore {
			best, bestScore = d, score
		}
	}
	if best == 0 {
		names := make([]string, len(candidates))
		for i, d := range candidates {
			names[i] = delimiterName(d)
		}
		return 0, unreadable(0, 0, "hittade inget kolumnavgränsningstecken (prövade %s): är detta en tabellexport?", strings.Join(names, " "))
	}
	return best, nil
}

// delimitedReader reads delimited text a record at a time.
type delimitedReader struct {
	format Format
	csv    *csvReader
	count  counter
}

func openDelimited(ctx context.Context, t *textInput, opts Options, lim Limits) (Reader, error) {
	d := opts.Delimiter
	if d == 0 {
		cands := opts.Delimiters
		if len(cands) == 0 {
			cands = candidateDelimiters
		}
		var err error
		if d, err = detectDelimiter(t, cands, lim); err != nil {
			return nil, err
		}
	}
	if d >= 0x80 || d == '"' || d == '\n' || d == '\r' {
		return nil, unreadable(0, 0, "%q kan inte vara avgränsningstecken", d)
	}
	return &delimitedReader{
		format: Format{Kind: KindDelimited, Encoding: t.enc, Delimiter: d},
		csv:    &csvReader{src: newLineSource(t.reader(), lim.MaxRowBytes), comma: byte(d), maxCells: lim.MaxColumns},
		count:  counter{ctx: ctx, lim: lim},
	}, nil
}

func (r *delimitedReader) Format() Format { return r.format }
func (r *delimitedReader) Close() error   { return nil }

func (r *delimitedReader) Next() (Row, error) {
	rec, err := r.csv.read()
	if err != nil {
		if !errors.Is(err, io.EOF) && r.count.ctx.Err() != nil {
			return Row{}, r.count.ctx.Err()
		}
		return Row{}, err
	}
	if err := r.count.row(rec.line, len(rec.cells)); err != nil {
		return Row{}, err
	}
	return Row{Line: rec.line, Cells: rec.cells}, nil
}

// lineSource yields lines of text with their line ending, counting them.
type lineSource struct {
	br    *bufio.Reader
	max   int
	long  []byte
	line  int // the number of the line last returned
	atEOF bool
}

func newLineSource(r io.Reader, max int) *lineSource {
	return &lineSource{br: bufio.NewReaderSize(r, 64<<10), max: max}
}

// next returns the next line, its ending included, valid until the next
// call. ended reports whether it had a line ending; a line without one is
// the last.
func (s *lineSource) next() (line []byte, ended bool, err error) {
	if s.atEOF {
		return nil, false, io.EOF
	}
	b, err := s.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		s.long = append(s.long[:0], b...)
		for errors.Is(err, bufio.ErrBufferFull) {
			if len(s.long) > s.max {
				s.line++
				return nil, false, limitError(s.line, 0, fmt.Sprintf("raden är längre än %s", mib(int64(s.max))), mib(int64(s.max)), "max_row_kb")
			}
			b, err = s.br.ReadSlice('\n')
			s.long = append(s.long, b...)
		}
		b = s.long
	}
	if len(b) > s.max {
		s.line++
		return nil, false, limitError(s.line, 0, fmt.Sprintf("raden är längre än %s", mib(int64(s.max))), mib(int64(s.max)), "max_row_kb")
	}
	switch {
	case errors.Is(err, io.EOF):
		s.atEOF = true
		if len(b) == 0 {
			return nil, false, io.EOF
		}
		s.line++
		return b, false, nil
	case err != nil:
		return nil, false, err
	}
	s.line++
	return b, true, nil
}

// csvReader splits RFC 4180 text: fields separated by comma, a field in
// double quotes may hold the delimiter, line breaks and doubled quotes.
//
// It is written here rather than taken from encoding/csv because a file
// must be refused when it is not whole, and encoding/csv cannot tell: it
// accepts a file that ends inside a quoted field, and does not say whether
// the last line had its line ending. Like encoding/csv, it makes one string
// of each record and cuts the fields from it, and skips empty lines.
type csvReader struct {
	src      *lineSource
	comma    byte
	maxCells int
	// lenient stops at the first line that is not whole instead of
	// refusing it (delimiter detection on the first lines).
	lenient bool
	buf     []byte
	ends    []int
	quoted  bool // the last field read was quoted
	// slowOnly turns off the path for simple lines (splitSimple; the
	// tests hold the two paths to the same records).
	slowOnly bool
	block    stringBlocks
	cells    []string
}

type record struct {
	line  int
	cells []string
}

func (r *csvReader) read() (record, error) {
	for {
		line, ended, err := r.src.next()
		if err != nil {
			return record{}, err
		}
		if isEmptyLine(line) || (!ended && len(bytes.TrimSpace(line)) == 0) {
			continue // an empty line, or white space after the last line ending
		}
		return r.parse(line, ended)
	}
}

func isEmptyLine(b []byte) bool {
	return len(b) == 0 || (len(b) == 1 && b[0] == '\n') || (len(b) == 2 && b[0] == '\r' && b[1] == '\n')
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

func (r *csvReader) cut(line int, text []byte) error {
	return unreadable(line, len(text)+1, "sista raden saknar radslut: filen kan vara avkapad mitt i en rad; "+
		"är filen hel, avsluta den med en radbrytning")
}

// parse reads one record starting with line.
func (r *csvReader) parse(line []byte, ended bool) (record, error) {
	start := r.src.line
	r.buf, r.ends = r.buf[:0], r.ends[:0]
	pos := 0 // byte position in the line, for error columns
	text := trimEOL(line)
	tooWide := func() error {
		return limitError(start, 0, fmt.Sprintf("raden har fler än %s fält", formatLimit(r.maxCells)), r.maxCells, "max_columns")
	}
	if !r.slowOnly {
		if bounds, quoted, ok := splitSimple(text, r.comma, r.ends[:0]); ok {
			r.ends, r.quoted = bounds, quoted // the cells' bounds, here
			return r.parseSimple(start, line, text, ended, tooWide)
		}
	}
	for done := false; !done; {
		if r.maxCells > 0 && len(r.ends) >= r.maxCells {
			return record{}, tooWide()
		}
		r.quoted = false
		if len(text) == 0 || text[0] != '"' {
			// An unquoted field runs to the next delimiter.
			i := bytes.IndexByte(text, r.comma)
			field := text
			if i >= 0 {
				field = text[:i]
			}
			if q := bytes.IndexByte(field, '"'); q >= 0 {
				return record{}, unreadable(r.src.line, pos+q+1, "ensamt \" i ett fält utan citattecken (ett citattecken \" inne i ett fält ska skrivas dubbelt, \"\")")
			}
			r.buf = append(r.buf, field...)
			r.ends = append(r.ends, len(r.buf))
			if i < 0 {
				break
			}
			text, pos = text[i+1:], pos+i+1
			continue
		}
		// A quoted field, maybe over several lines.
		r.quoted = true
		qline, qcol := r.src.line, pos+1
		text, pos = text[1:], pos+1
		for {
			i := bytes.IndexByte(text, '"')
			if i < 0 {
				// The field goes on in the next line.
				r.buf = append(r.buf, text...)
				if !ended {
					return record{}, r.openQuote(qline, qcol)
				}
				r.buf = append(r.buf, '\n')
				var err error
				line, ended, err = r.src.next()
				if errors.Is(err, io.EOF) {
					return record{}, r.openQuote(qline, qcol)
				}
				if err != nil {
					return record{}, err
				}
				if len(r.buf) > r.src.max {
					return record{}, limitError(qline, qcol, fmt.Sprintf("ett citerat fält är längre än %s", mib(int64(r.src.max))),
						mib(int64(r.src.max)), "max_row_kb")
				}
				text, pos = trimEOL(line), 0
				continue
			}
			r.buf = append(r.buf, text[:i]...)
			text, pos = text[i+1:], pos+i+1
			if len(text) > 0 && text[0] == '"' {
				r.buf = append(r.buf, '"') // a doubled quote
				text, pos = text[1:], pos+1
				continue
			}
			break
		}
		r.ends = append(r.ends, len(r.buf))
		switch {
		case len(text) == 0:
			done = true
		case text[0] == r.comma:
			text, pos = text[1:], pos+1
		default:
			if r.lenient {
				return record{}, io.EOF
			}
			return record{}, unreadable(r.src.line, pos+1, "överflödigt eller saknat \" i ett citerat fält (ett citattecken \" inne i ett fält ska skrivas dubbelt, \"\")")
		}
	}
	if !ended && !r.quoted {
		if r.lenient {
			return record{}, io.EOF
		}
		return record{}, r.cut(r.src.line, trimEOL(line))
	}
	s := r.text(r.buf)
	cells := r.cellSlice(len(r.ends))
	prev := 0
	for i, e := range r.ends {
		cells[i] = s[prev:e]
		prev = e
	}
	return record{line: start, cells: cells}, nil
}

// Records are cut from blocks of memory shared by many rows instead of
// being allocated one by one: a file of millions of short rows then costs
// the garbage collector thousands of objects, not millions. A block is
// written once and never changed, so the strings made from it are
// immutable, as Go requires; a row kept long (a refused row, a heading)
// keeps its block alive, which is at most the file's size.
const blockSize = 64 << 10

// text returns b as a string in the current block.
func (r *csvReader) text(b []byte) string { return r.block.text(b) }

// maxCellsHint bounds the cells a row is given room for by the row above
// it (htmlReader, sheetReader): one wide row must not make every row after
// it as wide.
const maxCellsHint = 256

// stringBlocks makes strings in shared blocks of memory (see blockSize).
type stringBlocks struct{ block []byte }

// text returns b as a string in the current block.
func (s *stringBlocks) text(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > cap(s.block)-len(s.block) {
		s.block = make([]byte, 0, max(blockSize, len(b)))
	}
	start := len(s.block)
	s.block = append(s.block, b...)
	return unsafe.String(&s.block[start], len(b))
}

// cellSlice returns n cells from the current block of cells, with no room
// to grow into the next row's.
func (r *csvReader) cellSlice(n int) []string {
	if n > cap(r.cells)-len(r.cells) {
		r.cells = make([]string, 0, max(blockSize/16, n))
	}
	start := len(r.cells)
	r.cells = r.cells[:start+n]
	return r.cells[start : start+n : start+n]
}

// splitSimple appends to bounds the start and end of each cell of a
// simple line, the most common: every field either holds no quote, or is
// quoted whole ("…") with no quote inside and ends on this line. quoted
// says whether the last field was quoted; ok is false for any other line
// (a doubled quote, a quoted field going on in the next line, a stray
// quote), which parse then reads. The delimiters and quotes are found
// eight bytes at a time: most fields are a few bytes, and a search call
// per field costs more than the field.
func splitSimple(text []byte, comma byte, bounds []int) (_ []int, quoted, ok bool) {
	if b, ok := splitUnquoted(text, comma, bounds); ok {
		return b, false, true
	}
	for pos := 0; ; {
		if pos < len(text) && text[pos] == '"' {
			j := bytes.IndexByte(text[pos+1:], '"')
			if j < 0 {
				return bounds, false, false
			}
			end := pos + 1 + j
			if end+1 < len(text) && text[end+1] != comma {
				return bounds, false, false // a doubled quote, or text after the closing one
			}
			bounds = append(bounds, pos+1, end)
			if end+1 == len(text) {
				return bounds, true, true
			}
			pos = end + 2
			continue
		}
		j := nextSpecial(text, pos, comma)
		if j < len(text) && text[j] == '"' {
			return bounds, false, false // a quote inside a field
		}
		bounds = append(bounds, pos, j)
		if j == len(text) {
			return bounds, false, true
		}
		pos = j + 1
	}
}

// splitUnquoted is splitSimple of a line without a quote, in one pass over
// the line a word at a time; ok is false when the line holds a quote.
func splitUnquoted(text []byte, comma byte, bounds []int) (_ []int, ok bool) {
	commas, quotes := ones*uint64(comma), ones*uint64('"')
	start, i := 0, 0
	for ; i+8 <= len(text); i += 8 {
		x := binary.LittleEndian.Uint64(text[i:])
		if zeroBytes(x^quotes) != 0 {
			return bounds[:0], false
		}
		for m := zeroBytes(x ^ commas); m != 0; m &= m - 1 {
			c := i + bits.TrailingZeros64(m)/8
			bounds = append(bounds, start, c)
			start = c + 1
		}
	}
	for ; i < len(text); i++ {
		switch text[i] {
		case '"':
			return bounds[:0], false
		case comma:
			bounds = append(bounds, start, i)
			start = i + 1
		}
	}
	return append(bounds, start, len(text)), true
}

const (
	ones = 0x0101010101010101
	low7 = 0x7F7F7F7F7F7F7F7F
	high = 0x8080808080808080
)

// zeroBytes has the high bit of each byte of x that is zero, and no other
// bit, exactly: no carry crosses a byte, as (x&low7)+low7 stays below 0x100
// in each. Of a word xor a byte repeated, it marks the bytes equal to it.
func zeroBytes(x uint64) uint64 { return ^(((x & low7) + low7) | x) & high }

// nextSpecial is the index of the first delimiter or quote in text from i
// on, or len(text), reading a word at a time.
func nextSpecial(text []byte, i int, comma byte) int {
	commas, quotes := ones*uint64(comma), ones*uint64('"')
	for ; i+8 <= len(text); i += 8 {
		x := binary.LittleEndian.Uint64(text[i:])
		if m := zeroBytes(x^commas) | zeroBytes(x^quotes); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(text); i++ {
		if c := text[i]; c == comma || c == '"' {
			return i
		}
	}
	return len(text)
}

// parseSimple is parse for a simple line, whose cells splitSimple found:
// one copy of the line, and the cells cut from it (parse copies field by
// field, looking for quotes in each).
func (r *csvReader) parseSimple(start int, line, text []byte, ended bool, tooWide func() error) (record, error) {
	n := len(r.ends) / 2
	if r.maxCells > 0 && n > r.maxCells {
		return record{}, tooWide()
	}
	if !ended && !r.quoted {
		if r.lenient {
			return record{}, io.EOF
		}
		return record{}, r.cut(r.src.line, trimEOL(line))
	}
	s := r.text(text)
	cells := r.cellSlice(n)
	for i := range cells {
		cells[i] = s[r.ends[2*i]:r.ends[2*i+1]]
	}
	return record{line: start, cells: cells}, nil
}

func (r *csvReader) openQuote(line, col int) error {
	if r.lenient {
		return io.EOF
	}
	return unreadable(line, col, "filen slutar inne i ett citerat fält som börjar här: det avslutande citattecknet saknas, "+
		"så filen kan vara avkapad")
}
