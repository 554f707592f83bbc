package tabular

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"sort"
	"strconv"
	"strings"
	"unsafe"

	"github.com/xuri/excelize/v2"
)

// The workbook reader is written here, on archive/zip and encoding/xml,
// rather than taken from excelize: excelize's Rows iterator streams the
// values but not what a value means — the cell's number format (a date, a
// percentage), whether it is a formula without a cached value — and its
// GetCellStyle and GetMergeCells read the whole sheet into memory; opening a
// workbook with it also unpacks every part, into memory or temporary files,
// before anything can be checked. Here the zip directory is checked first
// (its declared sizes against Limits.MaxUnpackedBytes; archive/zip refuses a
// part that unpacks to more than it declares), the shared strings are
// counted as they are read, and a sheet is read a row at a time.

// xlsxReader reads the first sheet of a workbook that has any content.
type xlsxReader struct {
	ctx    context.Context
	lim    Limits
	count  counter
	zr     *zip.Reader
	files  map[string]*zip.File
	sheets []sheetRef
	next   int // the next sheet to try
	sst    []string
	styles []string // cellXfs index → styleDate, stylePercent or stylePlain
	date04 bool
	format Format

	// one, when it is set and not yet exact, has the sheet read in one
	// pass (OnePass).
	one *OnePass

	sheet *sheetReader
	// buffered are the blank rows at the top of the sheet, kept until the
	// sheet proves to have content.
	buffered []Row
	found    bool
}

type sheetRef struct {
	name, part string
}

const (
	styleDate    = "date"
	stylePercent = "percent"
	stylePlain   = "plain"
)

// maxMerges bounds the merged ranges of a sheet.
const maxMerges = 1_000_000

// maxMetaPart bounds the workbook's small parts (workbook, relationships,
// styles), which are read whole.
const maxMetaPart = 64 << 20

func damaged(format string, args ...any) error {
	return unreadable(0, 0, "ingen läsbar XLSX-arbetsbok: "+format, args...)
}

func openXLSX(ctx context.Context, in Input, lim Limits, one *OnePass) (Reader, error) {
	zr, err := zip.NewReader(in, in.Size())
	if err != nil {
		return nil, damaged("%v (arbetsbokens zip-katalog saknas eller är skadad: filen kan vara avkapad; spara den igen)", err)
	}
	r := &xlsxReader{ctx: ctx, lim: lim, count: counter{ctx: ctx, lim: lim}, zr: zr, files: map[string]*zip.File{},
		format: Format{Kind: KindXLSX}, one: one}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		r.files[strings.TrimPrefix(path.Clean("/"+f.Name), "/")] = f
	}
	if total > uint64(lim.MaxUnpackedBytes) {
		return nil, limitError(0, 0, fmt.Sprintf("arbetsboken packas upp till %s", mib(int64(min(total, math.MaxInt64)))),
			mib(lim.MaxUnpackedBytes), "max_unpacked_mb")
	}
	if err := r.readWorkbook(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *xlsxReader) Format() Format { return r.format }

func (r *xlsxReader) Close() error {
	if r.sheet != nil {
		return r.sheet.close()
	}
	return nil
}

// open opens a part, counting what it unpacks.
func (r *xlsxReader) open(name string) (io.ReadCloser, *zip.File, error) {
	f := r.files[name]
	if f == nil {
		return nil, nil, damaged("delen %s saknas", name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, nil, damaged("%s: %v", name, err)
	}
	return rc, f, nil
}

func (r *xlsxReader) readPart(name string) ([]byte, error) {
	rc, f, err := r.open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if f.UncompressedSize64 > maxMetaPart {
		return nil, limitError(0, 0, fmt.Sprintf("delen %s är %s", name, mib(int64(min(f.UncompressedSize64, math.MaxInt64)))),
			mib(maxMetaPart), "max_unpacked_mb")
	}
	b, err := io.ReadAll(&ctxReader{ctx: r.ctx, r: rc})
	if err != nil {
		if r.ctx.Err() != nil {
			return nil, r.ctx.Err()
		}
		return nil, damaged("%s: %v", name, err)
	}
	return b, nil
}

type relationship struct {
	id, typ, target string
}

// readRels reads the relationships of a part.
func (r *xlsxReader) readRels(part string) ([]relationship, error) {
	name := path.Join(path.Dir(part), "_rels", path.Base(part)+".rels")
	if r.files[name] == nil {
		return nil, nil
	}
	b, err := r.readPart(name)
	if err != nil {
		return nil, err
	}
	var out []relationship
	err = r.walk(name, bytes.NewReader(b), func(d *xml.Decoder, se xml.StartElement) error {
		if se.Name.Local == "Relationship" {
			out = append(out, relationship{id: attr(se, "Id"), typ: attr(se, "Type"), target: attr(se, "Target")})
		}
		return nil
	})
	return out, err
}

func resolve(base, target string) string {
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return strings.TrimPrefix(path.Clean("/"+path.Join(path.Dir(base), target)), "/")
}

func (r *xlsxReader) readWorkbook() error {
	wb := "xl/workbook.xml"
	rels, err := r.readRels("")
	if err != nil {
		return err
	}
	for _, rel := range rels {
		if strings.HasSuffix(rel.typ, "/officeDocument") {
			wb = resolve("", rel.target)
		}
	}
	if r.files[wb] == nil {
		return damaged("den har ingen workbook-del")
	}
	b, err := r.readPart(wb)
	if err != nil {
		return err
	}
	type sheet struct{ name, rid string }
	var sheets []sheet
	err = r.walk(wb, bytes.NewReader(b), func(d *xml.Decoder, se xml.StartElement) error {
		switch se.Name.Local {
		case "sheet":
			s := sheet{name: attr(se, "name")}
			for _, a := range se.Attr {
				if a.Name.Local == "id" && a.Name.Space != "" {
					s.rid = a.Value
				}
			}
			sheets = append(sheets, s)
		case "workbookPr":
			v := attr(se, "date1904")
			r.date04 = v == "1" || v == "true"
		}
		return nil
	})
	if err != nil {
		return err
	}
	wbRels, err := r.readRels(wb)
	if err != nil {
		return err
	}
	targets := map[string]string{}
	for _, rel := range wbRels {
		target := resolve(wb, rel.target)
		targets[rel.id] = target
		switch {
		case strings.HasSuffix(rel.typ, "/sharedStrings"):
			if err := r.readSharedStrings(target); err != nil {
				return err
			}
		case strings.HasSuffix(rel.typ, "/styles"):
			if err := r.readStyles(target); err != nil {
				return err
			}
		}
	}
	for _, s := range sheets {
		if t, ok := targets[s.rid]; ok && r.files[t] != nil {
			r.sheets = append(r.sheets, sheetRef{name: s.name, part: t})
		}
	}
	if len(r.sheets) == 0 {
		return damaged("den har inget arbetsblad")
	}
	return nil
}

// walk decodes an XML part and calls fn with every start element, bounding
// the nesting.
func (r *xlsxReader) walk(name string, rd io.Reader, fn func(*xml.Decoder, xml.StartElement) error) error {
	d := xml.NewDecoder(rd)
	depth := 0
	for n := 0; ; n++ {
		if n&4095 == 0 && r.ctx.Err() != nil {
			return r.ctx.Err()
		}
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return r.xmlError(name, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth++; depth > r.lim.MaxNesting {
				return limitError(0, 0, fmt.Sprintf("%s har element i %d nivåer", name, depth), r.lim.MaxNesting, "max_nesting")
			}
			if err := fn(d, t); err != nil {
				return err
			}
		case xml.EndElement:
			depth--
		}
	}
}

func (r *xlsxReader) xmlError(name string, err error) error {
	if r.ctx.Err() != nil {
		return r.ctx.Err()
	}
	var le *Error
	if errors.As(err, &le) {
		return err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, zip.ErrChecksum) || errors.Is(err, zip.ErrFormat) {
		return damaged("delen %s slutar för tidigt eller är skadad (%v): filen kan vara avkapad", name, err)
	}
	return damaged("%s: %v", name, err)
}

func attr(se xml.StartElement, name string) string { return attrOf(se.Attr, name) }

func attrOf(attrs []xml.Attr, name string) string {
	for _, a := range attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// readSharedStrings reads the shared strings a string at a time, counting
// them against Limits.MaxSharedStrings: a small file with millions of tiny
// strings is refused when the limit is passed, before it costs more.
func (r *xlsxReader) readSharedStrings(name string) error {
	rc, _, err := r.open(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	d := newFastXML(&ctxReader{ctx: r.ctx, r: rc}, 64<<10)
	var text []byte
	var blocks stringBlocks
	depth, inSI, inT, phonetic := 0, false, false, 0
	for {
		t, err := d.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return r.xmlError(name, err)
		}
		switch t.Kind {
		case xmlStart:
			if depth++; depth > r.lim.MaxNesting {
				return limitError(0, 0, fmt.Sprintf("%s har element i %d nivåer", name, depth), r.lim.MaxNesting, "max_nesting")
			}
			switch t.Name.Local {
			case "si":
				inSI = true
				text = text[:0]
			case "t":
				inT = inSI
			case "rPh":
				phonetic++
			}
		case xmlEnd:
			depth--
			switch t.Name.Local {
			case "si":
				inSI = false
				if len(r.sst) >= r.lim.MaxSharedStrings {
					return limitError(0, 0, fmt.Sprintf("arbetsboken har fler än %s delade strängar", formatLimit(r.lim.MaxSharedStrings)),
						r.lim.MaxSharedStrings, "max_shared_strings")
				}
				if len(r.sst)&4095 == 0 && r.ctx.Err() != nil {
					return r.ctx.Err()
				}
				r.sst = append(r.sst, blocks.text(text))
			case "t":
				inT = false
			case "rPh":
				phonetic--
			}
		case xmlText:
			if inT && phonetic == 0 {
				text = append(text, t.Text...)
				if len(text) > r.lim.MaxRowBytes {
					return limitError(0, 0, fmt.Sprintf("en delad sträng är längre än %s", mib(int64(r.lim.MaxRowBytes))),
						mib(int64(r.lim.MaxRowBytes)), "max_row_kb")
				}
			}
		}
	}
	return nil
}

// readStyles classifies every cell format as a date, a percentage or plain.
func (r *xlsxReader) readStyles(name string) error {
	b, err := r.readPart(name)
	if err != nil {
		return err
	}
	custom := map[int]string{}
	inXfs := false
	var xfs []int
	err = r.walk(name, bytes.NewReader(b), func(d *xml.Decoder, se xml.StartElement) error {
		switch se.Name.Local {
		case "numFmt":
			id, err := strconv.Atoi(attr(se, "numFmtId"))
			if err == nil {
				custom[id] = attr(se, "formatCode")
			}
		case "cellXfs":
			inXfs = true
		case "cellStyleXfs", "dxfs":
			inXfs = false
		case "xf":
			if inXfs {
				id, _ := strconv.Atoi(attr(se, "numFmtId"))
				xfs = append(xfs, id)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	r.styles = make([]string, len(xfs))
	for i, id := range xfs {
		var code *string
		if c, ok := custom[id]; ok {
			code = &c
		}
		r.styles[i] = numFmtKind(id, code)
	}
	return nil
}

func (r *xlsxReader) Next() (Row, error) {
	for {
		if len(r.buffered) > 0 && r.found {
			row := r.buffered[0]
			r.buffered = r.buffered[1:]
			return row, nil
		}
		if r.sheet == nil {
			if r.next >= len(r.sheets) {
				return Row{}, unreadable(0, 0, "arbetsboken har inget blad med innehåll")
			}
			s := r.sheets[r.next]
			r.next++
			var err error
			if r.sheet, err = r.openSheet(s); err != nil {
				return Row{}, err
			}
			r.count = counter{ctx: r.ctx, lim: r.lim}
		}
		row, err := r.sheet.next()
		if errors.Is(err, io.EOF) && r.sheet.scan != nil {
			err = r.sheet.endOnePass(r.found)
		}
		if errors.Is(err, io.EOF) {
			if r.found {
				return Row{}, io.EOF
			}
			// A sheet without content: try the next. Nothing was read from
			// it, so nothing is lost if it does not close cleanly.
			_ = r.sheet.close()
			r.sheet, r.buffered = nil, nil
			continue
		}
		if err != nil {
			return Row{}, err
		}
		if err := r.count.row(row.Line, len(row.Cells)); err != nil {
			return Row{}, err
		}
		if r.found {
			return row, nil
		}
		if row.Blank() {
			if len(r.buffered) < 10000 {
				r.buffered = append(r.buffered, row)
			}
			continue
		}
		r.found = true
		r.format.Sheet = r.sheet.name
		if f := r.files[r.sheet.part]; f != nil {
			r.format.SheetBytes = int64(min(f.UncompressedSize64, 1<<62))
		}
		r.buffered = append(r.buffered, row)
	}
}

// sheetReader reads one worksheet a row at a time.
type sheetReader struct {
	x       *xlsxReader
	name    string
	part    string
	rc      io.ReadCloser
	ahead   *readAhead // inflates rc
	d       xmlTokens
	depth   int
	merges  []mergeRange
	active  []int    // merges that cover the current row
	origin  []string // the value of each merge's first cell
	nextM   int      // the next merge (by first row) not yet active
	lastRow int
	// firstRow is the first row read (0 before one); lastRow the last.
	firstRow int
	// scan finds the merged ranges in the bytes read, in a one-pass
	// reading (merges are then found at the end).
	scan    *mergeScanner
	scanIn  *scanningReader
	ended   error // what endOnePass decided
	done    bool
	width   int    // the cells of the last row, for the next row's
	v, is   []byte // the text of the cell's <v> and <is>
	strings stringBlocks
	cells   []string // the block cellRoom cuts rows from
}

type mergeRange struct{ r1, c1, r2, c2 int } // 1-based rows, 0-based columns

func (r *xlsxReader) openSheet(s sheetRef) (*sheetReader, error) {
	onePass := r.one != nil && !r.one.exact
	var merges []mergeRange
	if known, ok := r.one.knownMerges(s.part); ok {
		merges = known
	} else if !onePass {
		var err error
		if merges, err = r.readMerges(s.part); err != nil {
			return nil, err
		}
	}
	rc, _, err := r.open(s.part)
	if err != nil {
		return nil, err
	}
	sr := &sheetReader{x: r, name: s.name, part: s.part, rc: rc, merges: merges, origin: make([]string, len(merges))}
	sr.ahead = newReadAhead(&ctxReader{ctx: r.ctx, r: rc})
	var in io.Reader = sr.ahead
	if onePass {
		r.one.used = true
		sr.scan = r.newMergeScanner(s.part)
		sr.scanIn = &scanningReader{r: sr.ahead, m: sr.scan}
		in = sr.scanIn
	}
	sr.d = newFastXML(in, fastXMLBuffer)
	return sr, nil
}

func (s *sheetReader) close() error {
	if s.rc == nil {
		return nil
	}
	_ = s.ahead.Close() // no longer reading rc
	err := s.rc.Close()
	s.rc = nil
	return err
}

// readMerges finds the merged ranges of a sheet. They follow the cells in
// the sheet's XML, so the part is read once to find them (only the bytes
// are searched; no XML is decoded until <mergeCells>).
func (r *xlsxReader) readMerges(part string) ([]mergeRange, error) {
	rc, _, err := r.open(part)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	br := bufio.NewReaderSize(&ctxReader{ctx: r.ctx, r: rc}, 256<<10)
	m := r.newMergeScanner(part)
	chunk := make([]byte, m.chunk)
	for {
		n, rerr := io.ReadFull(br, chunk)
		if rerr != nil && rerr != io.EOF && rerr != io.ErrUnexpectedEOF {
			// What was read is searched first (n < m.chunk: nothing of
			// it has been).
			_ = m.write(chunk[:n])
			if err := m.search(true); err != nil {
				return nil, err
			}
			return nil, r.xmlError(part, rerr)
		}
		if err := m.write(chunk[:n]); err != nil {
			return nil, err
		}
		if rerr != nil {
			return m.finish()
		}
	}
}

// mergeChunk is what mergeScanner searches at a time.
const mergeChunk = 256 << 10

// mergeScanner finds the merged ranges in the bytes of a sheet's part,
// written to it in pieces of any size: it searches them chunk bytes at a
// time, whatever the pieces, so that it finds and refuses the same
// whether the part is read for it alone (readMerges) or read as the sheet
// is read (a one-pass reading, OnePass).
type mergeScanner struct {
	r      *xlsxReader
	part   string
	merges []mergeRange
	buf    []byte
	chunk  int // mergeChunk; smaller in tests
	staged int // bytes of buf written since the last search
	from   int // where the search goes on in buf
}

func (r *xlsxReader) newMergeScanner(part string) *mergeScanner {
	return &mergeScanner{r: r, part: part, buf: make([]byte, 0, 1<<20), chunk: mergeChunk}
}

func (m *mergeScanner) write(p []byte) error {
	for len(p) > 0 {
		k := min(len(p), m.chunk-m.staged)
		m.buf = append(m.buf, p[:k]...)
		m.staged += k
		p = p[k:]
		if m.staged == m.chunk {
			m.staged = 0
			if err := m.search(false); err != nil {
				return err
			}
		}
	}
	return nil
}

// finish searches what is left and returns the ranges by first row.
func (m *mergeScanner) finish() ([]mergeRange, error) {
	if err := m.search(true); err != nil {
		return nil, err
	}
	merges := m.merges
	sort.Slice(merges, func(i, j int) bool { return merges[i].r1 < merges[j].r1 })
	return merges, nil
}

func (m *mergeScanner) search(last bool) error {
	const marker, context = "mergeCell", 64 // context: room for "<prefix:" before the marker
	buf, from := m.buf, m.from
	incomplete := -1
	for {
		i := bytes.Index(buf[from:], []byte(marker))
		if i < 0 {
			from = max(from, len(buf)-len(marker)+1)
			break
		}
		i += from
		end := bytes.IndexByte(buf[i:], '>')
		if end < 0 {
			incomplete = i
			break
		}
		tag := buf[i : i+end]
		from = i + end
		if !isElementName(buf, i) || len(tag) <= len(marker) || !isSpace(tag[len(marker)]) {
			continue
		}
		ref := tagAttr(tag, "ref")
		mr, ok := parseRange(ref)
		if !ok {
			return damaged("%s: det sammanfogade området %q kan inte läsas", m.part, ref)
		}
		if mr.c2 >= m.r.lim.MaxColumns {
			return limitError(mr.r1, 0, fmt.Sprintf("det sammanfogade området %s går utanför kolumngränsen", ref),
				m.r.lim.MaxColumns, "max_columns")
		}
		m.merges = append(m.merges, mr)
		if len(m.merges) > maxMerges {
			return limitError(0, 0, "arbetsbladet har för många sammanfogade områden", maxMerges, "max_cells")
		}
	}
	m.from = from
	if last {
		return nil
	}
	// Keep what a marker cut by the chunk's end, and the context before it, needs.
	cut := len(buf) - len(marker) - context
	if incomplete >= 0 {
		cut = incomplete - context
	}
	cut = max(0, min(cut, from))
	if cut > 0 {
		m.buf = append(buf[:0], buf[cut:]...)
		m.from -= cut
	}
	if len(m.buf) > 64<<20 {
		return damaged("%s: ett sammanfogat område som aldrig tar slut", m.part)
	}
	return nil
}

// isElementName: the name at i begins an element: "<mergeCell" or
// "<prefix:mergeCell".
func isElementName(b []byte, i int) bool {
	j := i - 1
	if j >= 0 && b[j] == ':' {
		for j--; j >= 0 && (isNameByte(b[j])); j-- {
		}
	}
	return j >= 0 && b[j] == '<'
}

func isNameByte(c byte) bool {
	return c == '_' || c == '-' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '/' }

// tagAttr finds attribute name="v" or name='v' in a start tag's bytes.
func tagAttr(tag []byte, name string) string {
	for off := 0; ; {
		i := bytes.Index(tag[off:], []byte(name))
		if i < 0 {
			return ""
		}
		i += off
		off = i + len(name)
		if i == 0 || !isSpace(tag[i-1]) {
			continue
		}
		rest := bytes.TrimLeft(tag[off:], " \t\r\n")
		if len(rest) < 2 || rest[0] != '=' {
			continue
		}
		rest = bytes.TrimLeft(rest[1:], " \t\r\n")
		if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
			return ""
		}
		q := rest[0]
		if j := bytes.IndexByte(rest[1:], q); j >= 0 {
			return string(rest[1 : 1+j])
		}
		return ""
	}
}

// parseRef reads a cell reference such as B7 (or $B$7) into a 0-based column
// and a 1-based row.
func parseRef[T string | []byte](ref T) (col, row int, ok bool) {
	i := 0
	for i < len(ref) && ref[i] == '$' {
		i++
	}
	c := 0
	n := 0
	for ; i < len(ref); i++ {
		ch := ref[i] | 0x20
		if ch < 'a' || ch > 'z' {
			break
		}
		c = c*26 + int(ch-'a'+1)
		if n++; n > 3 {
			return 0, 0, false
		}
	}
	if n == 0 {
		return 0, 0, false
	}
	if i < len(ref) && ref[i] == '$' {
		i++
	}
	r := 0
	digits := 0
	for ; i < len(ref); i++ {
		if ref[i] < '0' || ref[i] > '9' {
			return 0, 0, false
		}
		r = r*10 + int(ref[i]-'0')
		if digits++; digits > 7 {
			return 0, 0, false
		}
	}
	if digits == 0 || r == 0 {
		return 0, 0, false
	}
	return c - 1, r, true
}

func parseRange(ref string) (mergeRange, bool) {
	a, b, found := strings.Cut(ref, ":")
	if !found {
		b = a
	}
	c1, r1, ok1 := parseRef(a)
	c2, r2, ok2 := parseRef(b)
	if !ok1 || !ok2 {
		return mergeRange{}, false
	}
	return mergeRange{r1: min(r1, r2), c1: min(c1, c2), r2: max(r1, r2), c2: max(c1, c2)}, true
}

// next reads the next <row>.
func (s *sheetReader) next() (Row, error) {
	if s.done {
		return Row{}, io.EOF
	}
	x := s.x
	var row Row
	inRow := false
	var c xlsxCell
	inCell := false
	var textOf *[]byte // where character data goes
	inIs := 0
	phonetic := 0
	fast, _ := s.d.(*fastXML)
	for {
		if fast != nil && !inCell && textOf == nil && inIs == 0 && phonetic == 0 {
			// The common tags of a row, read at once (xlsxcell.go).
			if !inRow {
				if line := s.fastRowStart(fast); line > 0 {
					s.depth++
					inRow, row = true, Row{Line: line}
					s.lastRow = line
					if s.firstRow == 0 {
						s.firstRow = line
					}
				}
			}
			if inRow {
				for s.fastCell(fast, &row) {
				}
				if fastRowEnd(fast) {
					s.depth--
					s.width = len(row.Cells)
					s.applyMerges(&row)
					return row, nil
				}
			}
		}
		t, err := s.d.next()
		if errors.Is(err, io.EOF) {
			s.done = true
			if inRow || s.depth > 0 {
				return Row{}, damaged("arbetsbladet %s slutar mitt bland sina rader: filen kan vara avkapad", s.part)
			}
			return Row{}, io.EOF
		}
		if err != nil {
			return Row{}, x.xmlError(s.part, err)
		}
		switch t.Kind {
		case xmlStart:
			if s.depth++; s.depth > x.lim.MaxNesting {
				return Row{}, limitError(0, 0, fmt.Sprintf("%s har element i %d nivåer", s.part, s.depth), x.lim.MaxNesting, "max_nesting")
			}
			switch t.Name.Local {
			case "row":
				inRow = true
				row = Row{}
				if n, err := strconv.Atoi(attrOf(t.Attr, "r")); err == nil && n > 0 {
					row.Line = n
				} else {
					row.Line = s.lastRow + 1
				}
				if row.Line <= s.lastRow {
					return Row{}, damaged("%s: rad %d kommer efter rad %d", s.part, row.Line, s.lastRow)
				}
				s.lastRow = row.Line
				if s.firstRow == 0 {
					s.firstRow = row.Line
				}
			case "c":
				if !inRow {
					continue
				}
				inCell = true
				c = xlsxCell{col: len(row.Cells), typ: attrOf(t.Attr, "t")}
				if ref := attrOf(t.Attr, "r"); ref != "" {
					col, _, ok := parseRef(ref)
					if !ok || col < len(row.Cells) {
						return Row{}, damaged("%s: cellreferensen %q kan inte läsas eller står i fel ordning", s.part, ref)
					}
					c.col = col
				}
				if c.col >= x.lim.MaxColumns {
					return Row{}, limitError(row.Line, 0, fmt.Sprintf("raden har en cell i kolumn %d", c.col+1), x.lim.MaxColumns, "max_columns")
				}
				if st := attrOf(t.Attr, "s"); st != "" {
					c.style, _ = strconv.Atoi(st)
				}
				s.v, s.is = s.v[:0], s.is[:0]
				if row.Cells == nil {
					row.Cells = s.cellRoom(max(min(s.width, maxCellsHint), c.col+1))
				}
			case "v":
				if inCell {
					c.hasV = true
					textOf = &s.v
				}
			case "f":
				if inCell {
					c.formula = true
				}
			case "is":
				if inCell {
					inIs++
					c.hasV = true
				}
			case "t":
				if inIs > 0 && phonetic == 0 {
					textOf = &s.is
				}
			case "rPh":
				phonetic++
			}
		case xmlEnd:
			s.depth--
			switch t.Name.Local {
			case "v", "t":
				textOf = nil
			case "is":
				inIs--
			case "rPh":
				phonetic--
			case "c":
				if !inCell {
					continue
				}
				inCell = false
				val, problem := x.cellValue(c, s.v, s.is, &s.strings)
				for len(row.Cells) < c.col {
					row.Cells = append(row.Cells, "")
				}
				if problem != "" {
					row.Problems = append(row.Problems, CellProblem{Col: c.col, Reason: problem})
				}
				row.Cells = append(row.Cells, val)
			case "row":
				if inRow {
					s.width = len(row.Cells)
					s.applyMerges(&row)
					return row, nil
				}
			case "sheetData":
				s.done = true
				return Row{}, io.EOF
			}
		case xmlText:
			if textOf != nil {
				*textOf = append(*textOf, t.Text...)
				if len(*textOf) > x.lim.MaxRowBytes {
					return Row{}, limitError(row.Line, 0, fmt.Sprintf("en cell är längre än %s", mib(int64(x.lim.MaxRowBytes))),
						mib(int64(x.lim.MaxRowBytes)), "max_row_kb")
				}
			}
		}
	}
}

// applyMerges fills Row.Merged for the cells that merged ranges cover.
func (s *sheetReader) applyMerges(row *Row) {
	if len(s.merges) == 0 {
		return
	}
	for s.nextM < len(s.merges) && s.merges[s.nextM].r1 <= row.Line {
		s.active = append(s.active, s.nextM)
		s.nextM++
	}
	keep := s.active[:0]
	for _, i := range s.active {
		m := s.merges[i]
		if m.r2 < row.Line {
			continue
		}
		keep = append(keep, i)
		if m.r1 == row.Line {
			s.origin[i] = row.Cell(m.c1)
		}
		for len(row.Cells) <= m.c2 {
			row.Cells = append(row.Cells, "")
		}
		if row.Merged == nil {
			row.Merged = make([]string, len(row.Cells))
		}
		for len(row.Merged) < len(row.Cells) {
			row.Merged = append(row.Merged, "")
		}
		for col := m.c1; col <= m.c2; col++ {
			if col == m.c1 && row.Line == m.r1 {
				continue
			}
			row.Merged[col] = s.origin[i]
		}
	}
	s.active = keep
	if row.Merged != nil {
		for len(row.Merged) < len(row.Cells) {
			row.Merged = append(row.Merged, "")
		}
	}
}

type xlsxCell struct {
	col     int
	typ     string
	style   int
	hasV    bool
	formula bool
}

// cellValue is a cell's value as text: raw, except that a number formatted
// as a date becomes ÅÅÅÅ-MM-DD and one formatted as a percentage becomes
// the percentage shown (0.072 → 7.2). A formula without a cached value and
// an error value are problems.
// The value is made a string in keep only when it is the cell's value (a
// shared string's index or a number in a plain format is not copied
// twice); v and inline are not kept.
func (r *xlsxReader) cellValue(c xlsxCell, v, inline []byte, keep *stringBlocks) (string, string) {
	if c.formula && !c.hasV {
		return "", "formel utan sparat värde: arbetsboken har inte räknats om och sparats (öppna den i Excel, spara och exportera igen)"
	}
	switch c.typ {
	case "s":
		i, err := strconv.Atoi(transient(bytes.TrimSpace(v)))
		if err != nil || i < 0 || i >= len(r.sst) {
			return "", fmt.Sprintf("hänvisar till delad sträng %q som inte finns: arbetsboken är skadad", v)
		}
		return r.sst[i], ""
	case "inlineStr":
		return keep.text(inline), ""
	case "e":
		return "", errorProblem(string(bytes.TrimSpace(v)))
	case "str", "b", "d":
		return keep.text(v), ""
	}
	raw := bytes.TrimSpace(v)
	if len(raw) == 0 {
		if c.formula {
			return "", "formel utan sparat värde: arbetsboken har inte räknats om och sparats (öppna den i Excel, spara och exportera igen)"
		}
		return "", ""
	}
	kind := stylePlain
	if c.style >= 0 && c.style < len(r.styles) {
		kind = r.styles[c.style]
	}
	// A number in a plain format is its text, whether or not it reads as a
	// number: only a date or a percentage needs reading.
	if kind != stylePlain {
		if f, err := strconv.ParseFloat(transient(raw), 64); err == nil {
			switch kind {
			case styleDate:
				if tm, err := excelize.ExcelDateToTime(f, r.date04); err == nil {
					return tm.Format("2006-01-02"), ""
				}
			case stylePercent:
				return strconv.FormatFloat(f*100, 'g', 15, 64), ""
			}
		}
	}
	return keep.text(raw), ""
}

// transient is b as a string that must not outlive b (strconv copies the
// text it keeps in its errors).
func transient(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// numFmtKind classifies Excel's built-in number formats and custom format
// codes as date, percentage or plain.
func numFmtKind(id int, custom *string) string {
	if custom != nil && *custom != "" {
		code := strings.ToLower(stripQuoted(*custom))
		switch {
		case strings.Contains(code, "%"):
			return stylePercent
		case strings.ContainsAny(code, "yd"):
			return styleDate
		}
		return stylePlain
	}
	switch {
	case id == 9 || id == 10:
		return stylePercent
	case id >= 14 && id <= 17, id == 22, id >= 27 && id <= 36, id >= 50 && id <= 58:
		return styleDate
	}
	return stylePlain
}

// stripQuoted drops "literal text" and [colour/locale] parts of a format code.
func stripQuoted(code string) string {
	var b strings.Builder
	inQuote, inBracket := false, false
	for _, r := range code {
		switch {
		case r == '"':
			inQuote = !inQuote
		case r == '[' && !inQuote:
			inBracket = true
		case r == ']' && !inQuote:
			inBracket = false
		case !inQuote && !inBracket:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ColumnName is the spreadsheet name of 0-based column i: A, B, … Z, AA.
func ColumnName(i int) string {
	name, err := excelize.ColumnNumberToName(i + 1)
	if err != nil {
		return fmt.Sprint(i + 1)
	}
	return name
}
