package tabular

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// htmlReader reads every <tr> of every table, in document order, as a row:
// an Excel 2000 HTML workbook (WebFOCUS EXL2K, saved with an .xls name)
// keeps its heading rows, column titles, data and footings in table rows.
// colspan and rowspan keep the columns aligned, and the cells they cover
// carry the spanning cell's value in Row.Merged; Excel's x:num attribute
// carries the raw number behind a formatted cell.
//
// It reads tokens (fastTokenizer, which gives golang.org/x/net/html's
// tokens), not a parsed document, so that a file costs memory for one row
// at a time, and so that a file cut short is seen: a table without
// </table>, a document without </html>. A table nested in a cell is read as
// that cell's text.
type htmlReader struct {
	z      htmlTokens
	fast   *fastTokenizer // z, when it is one: then scan reads what it can
	count  counter
	lim    Limits
	format Format
	t      *textInput

	depth      int // open tables
	skip       int // inside script or style
	htmlOpen   bool
	htmlClosed bool
	rows       int // rows made

	inRow   bool
	row     Row
	col     int
	pending map[int]span // column → what a rowspan above still covers
	inCell  bool
	cell    cellStart
	text    bytes.Buffer
	// textRef is the cell's text while it is one text token that scan
	// read, in the tokenizer's buffer (text is then empty): scan puts it in
	// text before it hands over to step, whose tokens may move the buffer.
	textRef  []byte
	xnum     []byte // the x:num of the cell being read, trimmed
	ready    []Row
	readyAt  int      // the next row of ready to return
	cells    []string // room for the cells of rows to come (rowCells)
	finished bool
	strings  stringBlocks
	// values remembers what the cell values with an x:num read as (text
	// and x:num → htmlCellValue): a report repeats a few hundred figures.
	// Only with the fast tokenizer: the reader with the reference's tokens
	// works out every value, and FuzzHTMLReader holds the two alike.
	values *valueCache
	// seen remembers whole cells that scan read (their bytes → what they
	// made): a report repeats its cells, bytes for bytes. Only with the
	// fast tokenizer, as values.
	seen  *cellCache
	width int // the cells of the last row
	key   []byte
}

type cellResult struct{ value, problem string }

// maxCellValueKey bounds the keys of htmlReader.values.
const maxCellValueKey = 64

// valueCache remembers cell values by key, one in each of its slots: a
// slot is found by a hash of the key, and a key whose slot holds another
// key is worked out again and takes the slot (so no key can make another
// slow). A lookup costs a hash of a few words and a comparison, less than
// half of a map's (a map of strings was a sixth of reading a file).
type valueCache struct {
	slots [valueSlots]valueSlot
}

const valueSlots = 4096

type valueSlot struct {
	key string
	cellResult
}

// slot is the slot of the key of a text and an x:num.
func (c *valueCache) slot(text, xnum []byte) *valueSlot {
	const k = 0x9E3779B97F4A7C15
	h := uint64(len(text))<<8 | uint64(len(xnum))
	for _, key := range [2][]byte{text, xnum} {
		for ; len(key) >= 8; key = key[8:] {
			h = bits.RotateLeft64((h^binary.LittleEndian.Uint64(key))*k, 31)
		}
		for _, c := range key {
			h = (h ^ uint64(c)) * k
		}
	}
	h ^= h >> 29
	return &c.slots[h&(valueSlots-1)]
}

// is reports whether the slot holds the key of text and xnum: the text's
// length, the text, the x:num.
func (s *valueSlot) is(text, xnum []byte) bool {
	k := s.key
	return len(k) == 1+len(text)+len(xnum) && k[0] == byte(len(text)) &&
		k[1:1+len(text)] == string(text) && k[1+len(text):] == string(xnum)
}

type span struct {
	rows  int
	value string
}

type cellStart struct {
	colspan, rowspan int
	xnum             string
	hasXnum          bool
	xerr             string
}

// maxSpan bounds colspan and rowspan, so that a hostile file cannot make a
// row of a billion cells.
const maxSpan = 1000

func openHTML(ctx context.Context, t *textInput, lim Limits) (Reader, error) {
	return newHTMLReader(ctx, t, lim, newFastTokenizer(t.reader(), lim.MaxRowBytes)), nil
}

// newHTMLReader reads the tokens of z; openHTML's are fastTokenizer's, a
// test's may be the reference's.
func newHTMLReader(ctx context.Context, t *textInput, lim Limits, z htmlTokens) *htmlReader {
	r := &htmlReader{z: z, count: counter{ctx: ctx, lim: lim}, lim: lim, t: t,
		format: Format{Kind: KindHTML, Encoding: t.enc}, pending: map[int]span{}}
	r.fast, _ = z.(*fastTokenizer)
	if r.fast != nil {
		r.values, r.seen = &valueCache{}, &cellCache{}
	}
	return r
}

func (r *htmlReader) Format() Format { return r.format }
func (r *htmlReader) Close() error   { return nil }

func (r *htmlReader) Next() (Row, error) {
	for r.readyAt == len(r.ready) {
		r.ready, r.readyAt = r.ready[:0], 0
		if r.finished {
			return Row{}, io.EOF
		}
		if err := r.step(); err != nil {
			return Row{}, err
		}
	}
	row := r.ready[r.readyAt]
	r.ready[r.readyAt] = Row{}
	r.readyAt++
	return row, nil
}

// step reads one token.
func (r *htmlReader) step() error {
	if r.fast != nil && r.depth == 1 && r.skip == 0 {
		if done, err := r.scan(); done || err != nil {
			return err
		}
	}
	tt := r.z.Next()
	switch tt {
	case html.ErrorToken:
		return r.end(r.z.Err())
	case html.TextToken:
		if r.inCell && r.skip == 0 {
			return r.addText(r.z.Text())
		}
	case html.StartTagToken, html.SelfClosingTagToken:
		name, hasAttr := r.z.TagName()
		return r.start(tagOf(name), hasAttr, tt == html.SelfClosingTagToken)
	case html.EndTagToken:
		name, _ := r.z.TagName()
		return r.close(tagOf(name))
	}
	return nil
}

// htmlTag is a tag the reader minds.
type htmlTag uint8

const (
	tagOther htmlTag = iota
	tagHTML
	tagScript
	tagStyle
	tagBr
	tagTable
	tagTr
	tagTd
	tagTh
)

// tagOf is the tag of a (lower-case) name, without making a string of it.
func tagOf(name []byte) htmlTag {
	switch string(name) {
	case "td":
		return tagTd
	case "tr":
		return tagTr
	case "th":
		return tagTh
	case "br":
		return tagBr
	case "table":
		return tagTable
	case "html":
		return tagHTML
	case "script":
		return tagScript
	case "style":
		return tagStyle
	}
	return tagOther
}

func (r *htmlReader) start(tag htmlTag, hasAttr, selfClosing bool) error {
	switch tag {
	case tagHTML:
		r.htmlOpen = true
	case tagScript, tagStyle:
		if !selfClosing {
			r.skip++
		}
	case tagBr:
		if r.inCell {
			r.text.WriteByte(' ')
		}
	case tagTable:
		if selfClosing {
			return nil
		}
		r.depth++
		if r.depth > r.lim.MaxNesting {
			return limitError(r.rows+1, 0, fmt.Sprintf("tabeller i %d nivåer", r.depth), r.lim.MaxNesting, "max_nesting")
		}
	case tagTr:
		if r.depth == 1 {
			if err := r.endRow(); err != nil {
				return err
			}
			r.inRow = true
		}
	case tagTd, tagTh:
		if r.depth != 1 {
			return nil
		}
		if err := r.beginCell(); err != nil {
			return err
		}
		for hasAttr {
			var k, v []byte
			k, v, hasAttr = r.z.TagAttr()
			r.cellAttr(k, v)
		}
		if selfClosing {
			return r.endCell()
		}
	}
	return nil
}

// beginCell starts a cell (<td>, <th>) of the outer table.
func (r *htmlReader) beginCell() error {
	if err := r.endCell(); err != nil {
		return err
	}
	if !r.inRow {
		r.inRow = true // a cell without <tr>: the row is implied
	}
	r.inCell = true
	r.text.Reset()
	r.textRef = nil
	r.cell = cellStart{colspan: 1, rowspan: 1}
	return nil
}

// cellAttr reads an attribute (lower-case key k, value v) of the cell
// begun.
func (r *htmlReader) cellAttr(k, v []byte) {
	switch string(k) {
	case "colspan":
		r.cell.colspan = spanValue(v)
	case "rowspan":
		r.cell.rowspan = spanValue(v)
	case "x:num":
		r.xnum, r.cell.hasXnum = append(r.xnum[:0], bytes.TrimSpace(v)...), true
	case "x:err":
		r.cell.xerr = strings.TrimSpace(string(v))
	}
}

// addText adds text to the cell being read.
func (r *htmlReader) addText(b []byte) error {
	r.text.Write(b)
	if r.text.Len() > r.lim.MaxRowBytes {
		return limitError(r.rows+1, 0, fmt.Sprintf("en cell är längre än %s", mib(int64(r.lim.MaxRowBytes))),
			mib(int64(r.lim.MaxRowBytes)), "max_row_kb")
	}
	return nil
}

func (r *htmlReader) close(tag htmlTag) error {
	switch tag {
	case tagHTML:
		r.htmlClosed = true
	case tagScript, tagStyle:
		if r.skip > 0 {
			r.skip--
		}
	case tagTd, tagTh:
		if r.depth == 1 {
			return r.endCell()
		}
	case tagTr:
		if r.depth == 1 {
			return r.endRow()
		}
	case tagTable:
		if r.depth == 1 {
			if err := r.endRow(); err != nil {
				return err
			}
		}
		if r.depth > 0 {
			r.depth--
		}
	}
	return nil
}

func spanValue(v []byte) int {
	n, err := strconv.Atoi(strings.TrimSpace(string(v)))
	if err != nil || n < 1 {
		return 1
	}
	return min(n, maxSpan)
}

// skipPending adds the cells a rowspan from above covers at the current
// column.
func (r *htmlReader) skipPending() {
	for len(r.pending) > 0 {
		p, ok := r.pending[r.col]
		if !ok {
			return
		}
		if p.rows--; p.rows == 0 {
			delete(r.pending, r.col)
		} else {
			r.pending[r.col] = p
		}
		r.covered(p.value)
	}
}

// covered adds a cell that a span covers.
func (r *htmlReader) covered(value string) {
	if r.row.Merged == nil {
		r.row.Merged = make([]string, len(r.row.Cells), len(r.row.Cells)+1)
	}
	r.row.Cells = append(r.row.Cells, "")
	r.row.Merged = append(r.row.Merged, value)
	r.col++
}

func (r *htmlReader) endCell() error {
	if !r.inCell {
		return nil
	}
	r.inCell = false
	text := r.textRef
	if text == nil {
		text = r.text.Bytes()
	}
	r.textRef = nil
	return r.putCell(text, r.cell, r.xnum)
}

// putCell adds a cell of the row being read: its text as read (before
// cellText), what its start tag said, and its x:num trimmed.
func (r *htmlReader) putCell(text []byte, c cellStart, xnum []byte) error {
	value, problem := r.cellValue(text, c, xnum)
	return r.putValue(value, problem, c.colspan, c.rowspan)
}

// putValue adds a cell of the row being read, its value and problem worked
// out: endCell puts the cell that step or scan began; scan puts a whole
// cell it read at once, or one it has seen before (cellCache).
func (r *htmlReader) putValue(value, problem string, colspan, rowspan int) error {
	if len(r.pending) > 0 {
		r.skipPending()
	}
	if r.row.Cells == nil {
		r.row.Cells = r.rowCells(max(min(r.width, maxCellsHint), r.col+1)) // rows are alike
	}
	if problem != "" {
		r.row.Problems = append(r.row.Problems, CellProblem{Col: r.col, Reason: problem})
	}
	r.row.Cells = append(r.row.Cells, value)
	if r.row.Merged != nil {
		r.row.Merged = append(r.row.Merged, "")
	}
	start := r.col
	r.col++
	for i := 1; i < colspan; i++ {
		r.covered(value)
	}
	if rowspan > 1 {
		for c := start; c < r.col; c++ {
			r.pending[c] = span{rows: rowspan - 1, value: value}
		}
	}
	if r.col > r.lim.MaxColumns {
		return limitError(r.rows+1, 0, fmt.Sprintf("raden har fler än %s celler", formatLimit(r.lim.MaxColumns)), r.lim.MaxColumns, "max_columns")
	}
	return nil
}

// rowCells is room for n cells of a row, in a block shared with the rows
// around it: one allocation per row was a tenth of reading a file.
func (r *htmlReader) rowCells(n int) []string {
	if n > cap(r.cells)-len(r.cells) {
		r.cells = make([]string, 0, max(blockSize/16, n))
	}
	start := len(r.cells)
	r.cells = r.cells[:start+n]
	return r.cells[start : start : start+n]
}

func (r *htmlReader) endRow() error {
	if err := r.endCell(); err != nil {
		return err
	}
	if !r.inRow {
		return nil
	}
	r.inRow = false
	r.skipPending()
	// Spans that reach beyond this row's last cell still count down.
	if len(r.pending) > 0 { // ranging over a map costs even when it is empty
		for k, p := range r.pending {
			if k >= r.col {
				if p.rows--; p.rows == 0 {
					delete(r.pending, k)
				} else {
					r.pending[k] = p
				}
			}
		}
	}
	r.rows++
	row := r.row
	row.Line = r.rows
	r.row, r.col, r.width = Row{}, 0, len(row.Cells)
	if err := r.count.row(row.Line, len(row.Cells)); err != nil {
		return err
	}
	r.ready = append(r.ready, row)
	return nil
}

// end is the end of the token stream: the end of the file, or an error.
func (r *htmlReader) end(err error) error {
	switch {
	case errors.Is(err, html.ErrBufferExceeded):
		return limitError(r.rows+1, 0, fmt.Sprintf("ett element är längre än %s", mib(int64(r.lim.MaxRowBytes))),
			mib(int64(r.lim.MaxRowBytes)), "max_row_kb")
	case !errors.Is(err, io.EOF):
		return r.t.readError(err)
	}
	r.finished = true
	switch {
	case r.depth > 0 || r.inRow:
		return unreadable(r.rows+1, 0, "filen slutar inne i en tabell utan </table>: den kan vara avkapad; "+
			"exportera eller kopiera filen igen")
	case r.htmlOpen && !r.htmlClosed:
		return unreadable(0, 0, "filen slutar utan </html>: den kan vara avkapad; exportera eller kopiera filen igen")
	case r.rows == 0:
		return unreadable(0, 0, "HTML-filen har inga tabellrader (en EXL2K-export är en HTML-tabell)")
	}
	return nil
}

// cellValue is htmlCellValue of a cell's text as read, raw (cellText is
// made of it here), and of its x:num trimmed; a value with an x:num is
// remembered by the raw text, so that a text seen before is not looked at
// again.
func (r *htmlReader) cellValue(raw []byte, c cellStart, xnum []byte) (value, problem string) {
	if c.xerr != "" || !c.hasXnum || len(xnum) == 0 {
		c.xnum = ""
		return htmlCellValue(r.strings.text(cellTextBytes(raw)), c)
	}
	if r.values == nil || len(raw)+len(xnum) > maxCellValueKey {
		c.xnum = string(xnum)
		return htmlCellValue(cellText(raw), c)
	}
	slot := r.values.slot(raw, xnum)
	if slot.is(raw, xnum) {
		return slot.value, slot.problem
	}
	c.xnum = string(xnum)
	value, problem = htmlCellValue(cellText(raw), c)
	// The text's length first: no two cells share a key.
	r.key = append(append(append(r.key[:0], byte(len(raw))), raw...), xnum...)
	*slot = valueSlot{string(r.key), cellResult{value, problem}}
	return value, problem
}

// cellTextBytes is cellText as bytes: b itself when nothing changes.
func cellTextBytes(b []byte) []byte {
	if plainText(b) {
		return b
	}
	return []byte(cellText(b))
}

// cellText is a cell's text with its white space (and no-break spaces)
// collapsed to single spaces.
func cellText(b []byte) string {
	if plainText(b) {
		return string(b)
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(string(b), "\u00a0", " ")), " ")
}

// plainText: b has no white space but single spaces between words, so
// that collapsing it changes nothing.
func plainText(b []byte) bool {
	// Eight bytes at a time while they are printable ASCII but space.
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		if (w-0x2121212121212121|w)&0x8080808080808080 != 0 {
			break
		}
	}
	for i < len(b) {
		c := b[i]
		if printableASCII[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			if c == ' ' {
				if i == 0 || i == len(b)-1 || b[i+1] == ' ' {
					return false
				}
			} else if c <= ' ' || c == 0x85 {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == '\u00a0' || unicode.IsSpace(r) {
			return false
		}
		i += size
	}
	return true
}

// printableASCII are the bytes 0x21 to 0x7F.
var printableASCII = func() (t [256]bool) {
	for c := range t {
		t[c] = 0x21 <= c && c <= 0x7F
	}
	return t
}()

// excelErrors are Excel's error values.
var excelErrors = map[string]bool{"#DIV/0!": true, "#N/A": true, "#NAME?": true, "#NULL!": true, "#NUM!": true,
	"#REF!": true, "#VALUE!": true, "#SPILL!": true, "#CALC!": true, "#GETTING_DATA": true, "#FIELD!": true, "#BLOCKED!": true,
	"#CONNECT!": true, "#BUSY!": true, "#UNKNOWN!": true}

// IsExcelError reports whether s is one of Excel's error values (#DIV/0!,
// #N/A, #VALUE! …).
func IsExcelError(s string) bool {
	if s == "" || s[0] != '#' && ' ' < s[0] && s[0] < utf8.RuneSelf {
		return false // most cells: no space to trim, and no "#"
	}
	t := strings.TrimSpace(s)
	return strings.HasPrefix(t, "#") && excelErrors[strings.ToUpper(t)]
}

func errorProblem(v string) string {
	return fmt.Sprintf("felvärdet %s i stället för ett värde (rätta formeln i källan och exportera igen)", v)
}

// htmlCellValue is the cell's text, or Excel's raw number (x:num) when the
// text shows that number. A number shown as a percentage ("7,2%", raw
// 0.072) is returned as shown, 7.2, because that is the figure the report
// means; a date shown as a date stays the date. An x:num that disagrees
// with the text, or an error value, is a problem: which of the two the
// report means cannot be known.
func htmlCellValue(text string, c cellStart) (value, problem string) {
	switch {
	case c.xerr != "":
		return "", errorProblem(c.xerr)
	case IsExcelError(text):
		return "", errorProblem(strings.TrimSpace(text))
	case !c.hasXnum || c.xnum == "":
		return text, ""
	}
	raw, err := strconv.ParseFloat(c.xnum, 64)
	if err != nil || math.IsInf(raw, 0) || math.IsNaN(raw) {
		return "", fmt.Sprintf("x:num %q är inget tal (texten som visas är %q)", c.xnum, text)
	}
	if text == "" {
		return "", fmt.Sprintf("cellen visar ingenting men har talet x:num %q: vilket som gäller går inte att veta", c.xnum)
	}
	disagree := func() string {
		return fmt.Sprintf("x:num %q stämmer inte med texten %q som visas: vilket som gäller går inte att veta; "+
			"rätta cellens format eller värde och exportera igen", c.xnum, text)
	}
	shown, ok, err := ParseNumber(text)
	if err != nil || !ok {
		// A date is shown as a date, its x:num the serial day.
		if d, derr := ParseDate(text); derr == nil {
			if math.Abs(raw-excelSerial(d)) < 1 {
				return text, ""
			}
		}
		return "", disagree()
	}
	percent := strings.HasSuffix(strings.TrimSpace(text), "%")
	scaled := raw
	if percent {
		scaled = raw * 100
	}
	tol := 0.5*math.Pow(10, -float64(shownDecimals(text))) + 1e-9*math.Max(1, math.Abs(scaled))
	if math.Abs(shown-scaled) > tol {
		return "", disagree()
	}
	if percent {
		return strconv.FormatFloat(scaled, 'g', 15, 64), ""
	}
	return c.xnum, ""
}

// shownDecimals counts the digits after the decimal sign of a number as
// shown ("7,25 %" → 2). A number in E notation is compared more loosely.
func shownDecimals(text string) int {
	t := strings.TrimRight(strings.TrimSpace(text), "% \u00a0")
	if strings.ContainsAny(t, "eE") {
		return 6
	}
	i := strings.LastIndexAny(t, ",.")
	if i < 0 {
		return 0
	}
	return len(t) - i - 1
}

// excelSerial is the Excel serial number of a date (1900 date system).
func excelSerial(d time.Time) float64 {
	return d.Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24
}
