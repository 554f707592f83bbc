package tabular

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"strings"
)

// scan reads the rows of the outer table straight from the fast
// tokenizer's buffer, for as long as they are made of what an EXL2K row is
// made of: <tr …>, <td …> and <th …> with plain attributes, </td>, </th>,
// </tr>, and text without a character reference or a carriage return.
// Each of those tokens it reads does to the reader what step does with the
// same token from the tokenizer; it stops before anything else — another
// tag, a comment, an entity, an attribute it cannot read at a glance, a
// token near the tokenizer's limit, the end of what is buffered — and step
// reads that token as a token, so that what is unusual is read (and
// refused) by the general path. done says whether it read anything.
// FuzzHTMLReader holds the rows it makes to those of the reference
// tokenizer.
//
// It is there because a token at a time through the tokenizer's methods
// was most of the parser's time: in CPU profiles of a 50 MB export's parse
// (2 shared cores, 2026-12-01) the reader's goroutine took 375 ms with the
// tokens, 145–157 ms with scan (docs/PERFORMANCE.md).
func (r *htmlReader) scan() (done bool, err error) {
	b, ok := r.fast.buffered()
	if !ok {
		return false, nil
	}
	// A token the fast tokenizer would hand to the reference for its
	// length is left to it.
	maxTok := r.fast.maxTok - 4
	if maxTok < 8 {
		return false, nil
	}
	p := 0
	defer func() {
		if r.textRef != nil {
			// The buffer may move under step's tokens.
			r.text.Write(r.textRef)
			r.textRef = nil
		}
		r.fast.advance(p)
		done = p > 0
	}()
	for rows := r.rows; r.rows-rows < 64; {
		if p >= len(b) {
			return
		}
		if b[p] != '<' {
			// A text token: up to the next "<" that begins a tag.
			end := -1
			for j := p; ; {
				// Most text is a few bytes: a loop finds its end sooner
				// than a call.
				k := 0
				for k < 16 && j+k < len(b) && b[j+k] != '<' {
					k++
				}
				if k == 16 || j+k == len(b) {
					if k = bytes.IndexByte(b[j:], '<'); k < 0 {
						return
					}
				}
				if j+k+1 >= len(b) {
					return
				}
				j += k
				if c := b[j+1]; isASCIILetter(c) || c == '/' || c == '!' || c == '?' {
					end = j
					break
				}
				j++
			}
			if end-p+2 >= maxTok {
				return
			}
			if r.inCell {
				text := b[p:end]
				for _, c := range text {
					if c == '&' || c == '\r' {
						return
					}
				}
				if r.textRef == nil && r.text.Len() == 0 {
					r.textRef = text
				} else if err := r.addText(text); err != nil {
					p = end
					return true, err
				}
			}
			p = end
			continue
		}
		// A tag: three bytes of it, and the one after, are needed.
		if p+4 >= len(b) {
			return
		}
		if b[p+1] == '/' {
			if b[p+4] != '>' || b[p+2] != 't' {
				return
			}
			switch b[p+3] {
			case 'd', 'h':
				err = r.endCell()
			case 'r':
				err = r.endRow()
			default:
				return
			}
			p += 5
			if err != nil {
				return true, err
			}
			continue
		}
		if b[p+1] != 't' {
			return
		}
		kind := b[p+2]
		if kind != 'd' && kind != 'h' && kind != 'r' {
			return
		}
		if c := b[p+3]; c != '>' && !isHTMLSpace(c) {
			return
		}
		if kind != 'r' && !r.inCell {
			// A cell read before, bytes for bytes, makes what it made then.
			if n, v := r.seen.find(b[p:]); v != nil {
				r.inRow = true
				p += n
				if err = r.putValue(v.value, v.problem, int(v.colspan), int(v.rowspan)); err != nil {
					return true, err
				}
				continue
			}
		}
		start := p
		var attrs plainAttrs
		end, ok := attrs.read(b[p:], maxTok)
		if !ok {
			return
		}
		p += end
		if kind == 'r' {
			if err = r.endRow(); err != nil {
				return true, err
			}
			r.inRow = true
			continue
		}
		if !r.inCell {
			// A whole cell, its text plain and its end tag right after it,
			// is put at once, without the state a cell read token by token
			// needs (a third of the reader's time went to that state).
			t := p
			k := t
			for k < len(b) && !cellTextStop[b[k]] {
				k++
			}
			if k+4 < len(b) && b[k+1] == '/' && b[k+2] == 't' && (b[k+3] == 'd' || b[k+3] == 'h') && b[k+4] == '>' &&
				b[k] == '<' && k-t+2 < maxTok {
				r.inRow = true
				var xnum []byte
				if attrs.has&attrXnum != 0 {
					xnum = bytes.TrimSpace(attrs.xnum)
				}
				c := attrs.cell()
				value, problem := r.cellValue(b[t:k], c, xnum)
				p = k + 5
				r.seen.add(b[start:p], value, problem, c)
				if err = r.putValue(value, problem, c.colspan, c.rowspan); err != nil {
					return true, err
				}
				continue
			}
		}
		if err = r.beginCell(); err != nil {
			return true, err
		}
		attrs.apply(r)
	}
	return
}

// cellTextStop are the bytes that end a cell's text as scan puts a whole
// cell: the "<" of a tag, and what only step reads ('&', '\r').
var cellTextStop = func() (t [256]bool) {
	t['<'], t['&'], t['\r'] = true, true, true
	return t
}()

// plainAttrs are the attributes of a cell that htmlReader.cellAttr reads,
// as plainAttrs.read found them last (cellAttr would read them in order,
// and the last of a key is what is left).
type plainAttrs struct {
	colspan, rowspan, xnum, xerr []byte
	has                          uint8 // 1 << attribute
}

const (
	attrColspan = 1 << iota
	attrRowspan
	attrXnum
	attrXerr
)

// apply gives the cell that beginCell began the attributes, as cellAttr
// would.
func (a *plainAttrs) apply(r *htmlReader) {
	if a.has == 0 {
		return
	}
	r.cell = a.cell()
	if a.has&attrXnum != 0 {
		r.xnum = append(r.xnum[:0], bytes.TrimSpace(a.xnum)...)
	}
}

// cell is what cellAttr makes of the attributes from a cell's start.
func (a *plainAttrs) cell() cellStart {
	c := cellStart{colspan: 1, rowspan: 1}
	if a.has == 0 {
		return c
	}
	if a.has&attrColspan != 0 {
		c.colspan = spanValue(a.colspan)
	}
	if a.has&attrRowspan != 0 {
		c.rowspan = spanValue(a.rowspan)
	}
	c.hasXnum = a.has&attrXnum != 0
	if a.has&attrXerr != 0 {
		c.xerr = strings.TrimSpace(string(a.xerr))
	}
	return c
}

// read reads the start tag at the start of b ("<td", "<th" or "<tr" and
// then a space or ">") and returns its length, when its attributes are
// plain: lower-case keys of letters, digits, ':', '-' and '_', each alone
// or with "=" right after it and then a quoted value without '&' or '\r'
// or an unquoted one without '&' or '/'. The tokenizer reads such a tag to
// the same keys and values, and not as self-closing. ok is false for any
// other tag, or one not buffered whole within max bytes.
func (a *plainAttrs) read(b []byte, max int) (end int, ok bool) {
	if len(b) > max {
		b = b[:max]
	}
	for i := 3; i < len(b); {
		c := b[i]
		switch {
		case c == '>':
			return i + 1, true
		case isHTMLSpace(c):
			i++
			continue
		case !keyBytes[c]:
			return 0, false
		}
		keyStart := i
		for i < len(b) && keyBytes[b[i]] {
			i++
		}
		if i >= len(b) {
			return 0, false
		}
		key := b[keyStart:i]
		var val []byte
		switch c := b[i]; {
		case c == '>':
		case isHTMLSpace(c):
			// A space after a key may come before its "=": not plain.
			j := i
			for j < len(b) && isHTMLSpace(b[j]) {
				j++
			}
			if j >= len(b) || b[j] == '=' {
				return 0, false
			}
			i = j
		case c != '=':
			return 0, false
		default:
			i++
			if i >= len(b) {
				return 0, false
			}
			switch q := b[i]; q {
			case '"', '\'':
				start := i + 1
				for i = start; i < len(b) && b[i] != q; i++ {
					if b[i] == '&' || b[i] == '\r' {
						return 0, false
					}
				}
				if i >= len(b) {
					return 0, false
				}
				val = b[start:i]
				i++
			default:
				if isHTMLSpace(q) || q == '>' {
					return 0, false
				}
				start := i
				for ; i < len(b) && !isHTMLSpace(b[i]) && b[i] != '>'; i++ {
					if b[i] == '&' || b[i] == '/' {
						return 0, false
					}
				}
				val = b[start:i]
			}
		}
		switch string(key) {
		case "colspan":
			a.colspan, a.has = val, a.has|attrColspan
		case "rowspan":
			a.rowspan, a.has = val, a.has|attrRowspan
		case "x:num":
			a.xnum, a.has = val, a.has|attrXnum
		case "x:err":
			a.xerr, a.has = val, a.has|attrXerr
		}
	}
	return 0, false
}

// keyBytes are the bytes of the attribute keys plainAttrs.read reads.
var keyBytes = func() (t [256]bool) {
	for c := range t {
		t[c] = 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == ':' || c == '-' || c == '_'
	}
	return t
}()

// cellCache remembers whole cells that scan put at once — "<td", plain
// attributes, ">", plain text, "</td>" — by their bytes: the same bytes in
// the same reader make the same cell, whatever comes before or after them.
// A cell is found by its extent (cellExtent: a cell is kept only when
// that is the extent scan read it to) and a hash of its bytes; one cell in
// each slot, as valueCache. An EXL2K report repeats its cells (the enhet
// row after row, the same few hundred figures): looking one up took about
// a quarter of the instructions of reading its attributes and working out
// its value (cachegrind, a 5 MB export, 2026-12-01).
type cellCache struct {
	slots [cellSlots]seenCell
}

const (
	cellSlots = 4096
	// maxCellKey bounds the cells remembered, and the bytes looked at to
	// find one.
	maxCellKey = 128
)

type seenCell struct {
	key              string
	value, problem   string
	colspan, rowspan int32
	// seen is the hash of the last cell not kept that fell in this slot:
	// a cell is kept the second time it is read, so that cells read once
	// (a report of distinct figures) neither cost a copy each nor push out
	// the cells that repeat.
	seen uint32
}

// cellExtent is the length of the cell at the start of b as cellCache
// sees it, or -1: up to the "</td>" or "</th>" at the first '<' after its
// start. (A cell whose start tag holds a '<' in a quoted value has another
// extent than scan reads, and is not kept.)
func cellExtent(b []byte) int {
	if len(b) > maxCellKey {
		b = b[:maxCellKey]
	}
	k := indexByteShort(b, 3, '<')
	if k >= 0 && k+4 < len(b) && b[k+1] == '/' && b[k+2] == 't' && (b[k+3] == 'd' || b[k+3] == 'h') && b[k+4] == '>' {
		return k + 5
	}
	return -1
}

// indexByteShort is the index of the first c in b from i on, or -1: eight
// bytes at a time, for the few bytes of a tag or a cell's text, where
// bytes.IndexByte's call costs more than its search saves.
func indexByteShort(b []byte, i int, c byte) int {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	pat := lo * uint64(c)
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:]) ^ pat
		// The lowest byte of w that is 0 is the lowest with its high bit
		// set here (a borrow marks only bytes above it).
		if m := (w - lo) &^ w & hi; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(b); i++ {
		if b[i] == c {
			return i
		}
	}
	return -1
}

// slot is the slot of a cell (at least 9 bytes: "<td></td>") and a hash
// of it: of its length and its last 24 bytes, where cells differ (the full
// key is compared, so cells alike at their end only share a slot).
func (c *cellCache) slot(key []byte) (*seenCell, uint32) {
	const k = 0x9E3779B97F4A7C15
	n := len(key)
	h := uint64(n)
	h = bits.RotateLeft64((h^binary.LittleEndian.Uint64(key[n-8:]))*k, 31)
	h = bits.RotateLeft64((h^binary.LittleEndian.Uint64(key[max(n-16, 0):]))*k, 31)
	h = bits.RotateLeft64((h^binary.LittleEndian.Uint64(key[max(n-24, 0):]))*k, 31)
	h ^= h >> 29
	return &c.slots[h&(cellSlots-1)], uint32(h >> 32)
}

// find is the cell at the start of b, if it was kept, and its length.
func (c *cellCache) find(b []byte) (int, *seenCell) {
	n := cellExtent(b)
	if n < 0 {
		return 0, nil
	}
	s, _ := c.slot(b[:n])
	if s.key != string(b[:n]) {
		return 0, nil
	}
	return n, s
}

// add is a cell (its bytes) that scan read at once: kept when it was read
// before (see seenCell.seen).
func (c *cellCache) add(cell []byte, value, problem string, start cellStart) {
	if cellExtent(cell) != len(cell) {
		return
	}
	s, h := c.slot(cell)
	if s.seen != h {
		s.seen = h
		return
	}
	*s = seenCell{string(cell), value, problem, int32(start.colspan), int32(start.rowspan), h}
}
