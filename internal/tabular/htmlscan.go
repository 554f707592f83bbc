package tabular

import "bytes"

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
		if err = r.beginCell(); err != nil {
			return true, err
		}
		attrs.apply(r)
	}
	return
}

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

func (a *plainAttrs) apply(r *htmlReader) {
	if a.has == 0 {
		return
	}
	if a.has&attrColspan != 0 {
		r.cellAttr([]byte("colspan"), a.colspan)
	}
	if a.has&attrRowspan != 0 {
		r.cellAttr([]byte("rowspan"), a.rowspan)
	}
	if a.has&attrXnum != 0 {
		r.cellAttr([]byte("x:num"), a.xnum)
	}
	if a.has&attrXerr != 0 {
		r.cellAttr([]byte("x:err"), a.xerr)
	}
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
