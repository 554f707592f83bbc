package tabular

// The cells of a worksheet are nearly all of a few shapes, which Excel and
// excelize write byte for byte alike:
//
//	<c r="E2" s="1"><v>12.3</v></c>
//	<c r="A2" t="s"><v>4</v></c>
//	<c r="A2" t="inlineStr"><is><t>Hemtjänst Söder</t></is></c>
//	<c r="F2" s="3"/>
//
// sheetReader reads such a cell from the fast XML reader's buffer at once
// (scanCell), and the plain start and end tags of a row around them, instead of as its five to nine tokens, each named, its
// attributes copied, and sorted by the token loop: that loop was three
// quarters of reading a worksheet once the XML was read fast
// (BenchmarkParseXLSX, CPU profile). Any other cell — another attribute or
// order of quoting, white space, a formula, rich text, a reference, a
// prefix, a cell cut by the end of the buffer — and any cell that the token
// loop would refuse or find beyond a limit is left to the token loop, which
// reads it as before. FuzzSheetReader holds the two to the same rows,
// problems and errors.

// cellBytes is what scanCell found; its slices point into the buffer.
type cellBytes struct {
	ref, style []byte
	typ        string
	text       []byte // of <v> or of <is><t>
	inline     bool   // the text is an inline string's
	hasV       bool
}

const (
	isPreserve = `<is><t xml:space="preserve">`
	isPlain    = `<is><t>`
	isEnd      = `</t></is></c>`
	vEnd       = `</v></c>`
	// cellLookahead is what scanCell needs after a start tag to tell the
	// shape of the content.
	cellLookahead = len(isPreserve)
)

// scanCell reads the cell at the start of b into out if it has one of the
// shapes above: its length; 0 when b may end inside it; -1 when it is not
// one of them.
func scanCell(b []byte, out *cellBytes) int {
	*out = cellBytes{}
	if len(b) < 3 {
		return 0
	}
	if b[0] != '<' || b[1] != 'c' {
		return -1
	}
	var hasRef, hasStyle, hasTyp bool
	i := 2
	for {
		if i >= len(b) {
			return 0
		}
		switch b[i] {
		case '>':
			i++
		case '/':
			if i+1 >= len(b) {
				return 0
			}
			if b[i+1] != '>' {
				return -1
			}
			return i + 2
		case ' ':
			// One attribute: r, s or t, once each, its value in double quotes.
			if i+4 > len(b) {
				return 0
			}
			name := b[i+1]
			if b[i+2] != '=' || b[i+3] != '"' {
				return -1
			}
			start := i + 4
			end := quoteEnd(b[start:])
			if end < 0 {
				return 0
			}
			val := b[start : start+end]
			switch {
			case name == 'r' && !hasRef:
				hasRef, out.ref = true, val
			case name == 's' && !hasStyle:
				hasStyle, out.style = true, val
			case name == 't' && !hasTyp:
				hasTyp = true
				var ok bool
				if out.typ, ok = cellType(val); !ok {
					return -1
				}
			default:
				return -1
			}
			i = start + end + 1
			continue
		default:
			return -1
		}
		break
	}
	rest := b[i:]
	if len(rest) < cellLookahead {
		return 0
	}
	var text, end int // where the text and the end tags begin
	var endTags string
	switch {
	case string(rest[:4]) == "</c>":
		return i + 4
	case string(rest[:3]) == "<v>":
		text, endTags = i+3, vEnd
	case string(rest[:len(isPlain)]) == isPlain:
		text, endTags, out.inline = i+len(isPlain), isEnd, true
	case string(rest[:len(isPreserve)]) == isPreserve:
		text, endTags, out.inline = i+len(isPreserve), isEnd, true
	default:
		return -1
	}
	// The text ends at "<"; plain ASCII without "&", "\r", ">" or control
	// characters is plain XML text, anything else is checked in full.
	end, plain := text, true
	for ; end < len(b) && b[end] != '<'; end++ {
		if c := b[end]; c < 0x20 || c >= 0x80 || c == '&' || c == '>' {
			plain = false
		}
	}
	if len(b)-end < len(endTags) {
		return 0
	}
	if string(b[end:end+len(endTags)]) != endTags || (!plain && !plainXMLText(b[text:end], true)) {
		return -1
	}
	out.text, out.hasV = b[text:end], true
	return end + len(endTags)
}

// quoteEnd is the index of the first '"' in b, -1 when there is none: a
// loop, faster than bytes.IndexByte on an attribute's few bytes.
func quoteEnd(b []byte) int {
	for i, c := range b {
		if c == '"' {
			return i
		}
	}
	return -1
}

// scanRowStart reads a row's start tag at the start of b when it is
// <row r="N"> or <row r="N" spans="A:B">, N of one to nine digits: its
// length and N; 0 when b may end inside it; -1 when it is not one of those.
func scanRowStart(b []byte) (int, int) {
	const start = `<row r="`
	if len(b) < len(start)+2 {
		return 0, 0
	}
	if string(b[:len(start)]) != start {
		return -1, 0
	}
	i := len(start)
	end := quoteEnd(b[i:])
	if end < 0 {
		return 0, 0
	}
	line, ok := smallNumber(b[i : i+end])
	if !ok || line == 0 {
		return -1, 0
	}
	i += end + 1
	const spans = ` spans="`
	if len(b)-i >= len(spans) && string(b[i:i+len(spans)]) == spans {
		i += len(spans)
		end := quoteEnd(b[i:])
		if end < 0 {
			return 0, 0
		}
		for _, c := range b[i : i+end] {
			if (c < '0' || c > '9') && c != ':' {
				return -1, 0
			}
		}
		i += end + 1
	}
	if i >= len(b) {
		return 0, 0
	}
	if b[i] != '>' {
		return -1, 0
	}
	return i + 1, line
}

// fastRowStart reads a row's start tag as scanRowStart knows it when the
// token loop would read it without an error: its row number, or 0, having
// read nothing, when the token loop is to read it.
func (s *sheetReader) fastRowStart(z *fastXML) int {
	n, line := scanRowStart(z.window())
	for n == 0 && z.grow() {
		n, line = scanRowStart(z.window())
	}
	if n <= 0 || line <= s.lastRow || s.depth+1 > s.x.lim.MaxNesting {
		return 0
	}
	z.skip(n)
	return line
}

// fastRowEnd reads </row>: true when it did.
func fastRowEnd(z *fastXML) bool {
	const end = `</row>`
	w := z.window()
	for len(w) < len(end) && z.grow() {
		w = z.window()
	}
	if len(w) < len(end) || string(w[:len(end)]) != end {
		return false
	}
	z.skip(len(end))
	return true
}

// cellType is the t attribute's value as the token loop keeps it, for the
// types of the specification.
func cellType(b []byte) (string, bool) {
	switch string(b) {
	case "":
		return "", true
	case "s":
		return "s", true
	case "str":
		return "str", true
	case "inlineStr":
		return "inlineStr", true
	case "n":
		return "n", true
	case "b":
		return "b", true
	case "e":
		return "e", true
	case "d":
		return "d", true
	}
	return "", false
}

// fastCell reads the next cell of row from the fast XML reader's buffer
// when scanCell knows its shape and the token loop would read it without
// an error: true when it did, false, having read nothing, when the token
// loop is to read it.
func (s *sheetReader) fastCell(z *fastXML, row *Row) bool {
	var cb cellBytes
	n := scanCell(z.window(), &cb)
	for n == 0 && z.grow() {
		n = scanCell(z.window(), &cb)
	}
	if n <= 0 {
		return false
	}
	x := s.x
	if s.depth+3 > x.lim.MaxNesting || len(cb.text) > x.lim.MaxRowBytes {
		return false
	}
	c := xlsxCell{col: len(row.Cells), typ: cb.typ, hasV: cb.hasV}
	if len(cb.ref) > 0 {
		col, _, ok := parseRef(cb.ref)
		if !ok || col < len(row.Cells) {
			return false
		}
		c.col = col
	}
	if c.col >= x.lim.MaxColumns {
		return false
	}
	if len(cb.style) > 0 {
		st, ok := smallNumber(cb.style)
		if !ok {
			return false
		}
		c.style = st
	}
	z.skip(n)
	if row.Cells == nil {
		row.Cells = s.cellRoom(max(min(s.width, maxCellsHint), c.col+1))
	}
	var v, inline []byte
	if cb.inline {
		inline = cb.text
	} else {
		v = cb.text
	}
	val, problem := x.cellValue(c, v, inline, &s.strings)
	for len(row.Cells) < c.col {
		row.Cells = append(row.Cells, "")
	}
	if problem != "" {
		row.Problems = append(row.Problems, CellProblem{Col: c.col, Reason: problem})
	}
	row.Cells = append(row.Cells, val)
	return true
}

// cellRoom is an empty row of room for n cells, cut from a shared block:
// one allocation per few thousand cells instead of one per row.
func (s *sheetReader) cellRoom(n int) []string {
	if n > cap(s.cells)-len(s.cells) {
		s.cells = make([]string, 0, max(blockSize/16, n))
	}
	start := len(s.cells)
	s.cells = s.cells[:start+n]
	return s.cells[start : start : start+n]
}

// smallNumber reads one to nine decimal digits.
func smallNumber(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
