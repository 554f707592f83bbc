package tabular

import (
	"bytes"
	"io"

	"golang.org/x/net/html"
)

// htmlTokens is what htmlReader needs of a tokenizer: the methods of
// golang.org/x/net/html's Tokenizer, which fastTokenizer also has.
type htmlTokens interface {
	Next() html.TokenType
	Err() error
	Text() []byte
	TagName() (name []byte, hasAttr bool)
	TagAttr() (key, val []byte, moreAttr bool)
}

// fastTokenizer tokenizes HTML as golang.org/x/net/html's Tokenizer does,
// token for token, several times faster on what an Excel HTML workbook is
// made of: text and tags. It reads those itself — by the same rules, which
// it mirrors function for function — and hands every other token to the
// reference tokenizer: a comment, a doctype, a processing instruction, a
// raw-text element (<style>, <script>, <title> …) and what follows it, an
// attribute value with a character reference, a token too long for its
// buffer or near Limits.MaxRowBytes, and the end of the input. The
// reference then reads from where the fast one stopped, in the state a
// tokenizer starts in, until it has returned a tag after which that state
// holds again; the fast one then takes over the bytes the reference had
// read and not used. FuzzHTMLTokenizer holds the two to the same tokens.
//
// It is written here because tokenizing is the greater part of reading an
// EXL2K export and no library offers a faster tokenizer that gives the same
// tokens (html.Tokenizer is the reference; a parser such as html.Parse
// builds the whole document). Measured on a 5 MB export
// (BenchmarkHTMLTokenizer, 2 shared cores, 2026-12-01): the reference 82–92
// MB/s, this one 145–162 MB/s; the whole WebFOCUS EXL2K parser went from
// 81–86 to 96–102 MB/s with it.
type fastTokenizer struct {
	r       io.Reader
	readErr error // the input's error, once it has returned one
	buf     []byte
	spare   []byte // the other buffer, for handing back
	pos     int    // where the next token starts in buf
	maxBuf  int    // the reference's SetMaxBuf
	maxTok  int    // a token of this many bytes goes to the reference

	// The token read.
	tt       html.TokenType
	text     []byte
	textDone bool
	name     []byte
	nameDone bool
	attrs    [][2][]byte
	nAttr    int

	// The reference while it reads, and its input.
	ref     *html.Tokenizer
	handoff *handoffReader
	safe    bool // the reference's last token leaves it in its first state
}

// fastTokenLimit bounds the tokens the fast tokenizer reads itself.
const fastTokenLimit = 64 << 10

func newFastTokenizer(r io.Reader, maxBuf int) *fastTokenizer {
	maxTok := fastTokenLimit
	if maxBuf > 0 {
		// The reference refuses a token when the bytes it has read of it
		// (two more than a text token: the "<x" after it) reach maxBuf.
		maxTok = min(maxTok, maxBuf-8)
	}
	return &fastTokenizer{r: r, buf: make([]byte, 0, 2*fastTokenLimit), maxBuf: maxBuf, maxTok: max(maxTok, 0)}
}

// handoffReader is the input of the reference: what the fast tokenizer had
// buffered, then the rest of its input.
type handoffReader struct {
	head []byte
	z    *fastTokenizer
}

func (h *handoffReader) Read(p []byte) (int, error) {
	if len(h.head) > 0 {
		n := copy(p, h.head)
		h.head = h.head[n:]
		return n, nil
	}
	return h.z.read(p)
}

// read reads the input; once it has failed it fails the same way.
func (z *fastTokenizer) read(p []byte) (int, error) {
	if z.readErr != nil {
		return 0, z.readErr
	}
	n, err := z.r.Read(p)
	if err != nil {
		z.readErr = err
	}
	return n, err
}

// fill reads more of the input after what is buffered; false when there
// is no more, or the token being read is too long to be read here.
func (z *fastTokenizer) fill() bool {
	if z.readErr != nil || len(z.buf)-z.pos >= z.maxTok {
		return false
	}
	if z.pos > 0 {
		n := copy(z.buf, z.buf[z.pos:])
		z.buf, z.pos = z.buf[:n], 0
	}
	for range 100 { // as the reference, give up on a reader that returns nothing
		n, _ := z.read(z.buf[len(z.buf):cap(z.buf)])
		z.buf = z.buf[:len(z.buf)+n]
		if n > 0 {
			return true
		}
		if z.readErr != nil {
			return false
		}
	}
	z.readErr = io.ErrNoProgress
	return false
}

func (z *fastTokenizer) Next() html.TokenType {
	if z.ref != nil {
		if !z.safe {
			return z.refNext()
		}
		z.handBack()
	}
	z.text, z.textDone, z.name, z.nameDone, z.attrs, z.nAttr = nil, false, nil, false, z.attrs[:0], 0
	for i := 0; ; {
		b := z.buf[z.pos:]
		j := bytes.IndexByte(b[i:], '<')
		if j < 0 || i+j+1 >= len(b) {
			// The text goes on beyond what is buffered.
			if j < 0 {
				i = len(b)
			} else {
				i += j
			}
			if !z.fill() {
				return z.handOff()
			}
			continue
		}
		i += j
		if i+2 >= z.maxTok {
			return z.handOff()
		}
		c := b[i+1]
		if !isASCIILetter(c) && c != '/' && c != '!' && c != '?' {
			i++ // a "<" of the text
			continue
		}
		if i > 0 {
			z.tt, z.text = html.TextToken, b[:i]
			z.pos += i
			return z.tt
		}
		if c != '/' && !isASCIILetter(c) {
			return z.handOff() // a comment, doctype or processing instruction
		}
		if c == '/' {
			if len(b) < 3 {
				if !z.fill() {
					return z.handOff()
				}
				continue
			}
			if !isASCIILetter(b[2]) {
				return z.handOff() // "</>" or a bogus comment
			}
		}
		end, ok := z.readTag(b, c != '/')
		if !ok {
			if end < 0 && z.fill() {
				continue
			}
			return z.handOff()
		}
		z.pos += end
		return z.tt
	}
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isHTMLSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' }

// readTag reads the tag at the start of b as the reference's readTag and
// readStartTag do, and returns its length. ok is false when it is not read
// here: end < 0 when b ends inside it, else it is one for the reference (a
// raw-text element, a character reference in a value, too long).
func (z *fastTokenizer) readTag(b []byte, start bool) (end int, ok bool) {
	z.attrs = z.attrs[:0]
	i := 2 // after "<" and the first letter of the name, or "</"
	if !start {
		i = 3
	}
	at := func(k int) (byte, bool) {
		if k >= len(b) || k >= z.maxTok {
			return 0, false
		}
		return b[k], true
	}
	incomplete := func() (int, bool) {
		if len(b) >= z.maxTok {
			return 0, false
		}
		return -1, false
	}
	// readTagName
	nameStart, nameEnd := i-1, 0
	for {
		c, ok := at(i)
		if !ok {
			return incomplete()
		}
		i++
		if isHTMLSpace(c) {
			nameEnd = i - 1
			break
		}
		if c == '/' || c == '>' {
			i--
			nameEnd = i
			break
		}
	}
	skipSpace := func() bool {
		for {
			c, ok := at(i)
			if !ok {
				return false
			}
			if !isHTMLSpace(c) {
				return true
			}
			i++
		}
	}
	if !skipSpace() {
		return incomplete()
	}
	var lastValEnd int
	for {
		c, ok := at(i)
		if !ok {
			return incomplete()
		}
		i++
		if c == '>' {
			break
		}
		i--
		// readTagAttrKey
		keyStart := i
		for {
			c, ok := at(i)
			if !ok {
				return incomplete()
			}
			i++
			if c == '=' && keyStart+1 == i {
				continue // a "=" before the name begins is part of it
			}
			if c == '=' || isHTMLSpace(c) || c == '/' || c == '>' {
				i--
				break
			}
		}
		keyEnd := i
		// readTagAttrVal
		valStart, valEnd := i, i
		if !skipSpace() {
			return incomplete()
		}
		c, ok = at(i)
		if !ok {
			return incomplete()
		}
		i++
		switch {
		case c == '/':
		case c != '=':
			i--
		default:
			if !skipSpace() {
				return incomplete()
			}
			quote, ok := at(i)
			if !ok {
				return incomplete()
			}
			i++
			switch quote {
			case '>':
				i--
			case '\'', '"':
				valStart = i
				for {
					c, ok := at(i)
					if !ok {
						return incomplete()
					}
					i++
					if c == quote {
						valEnd = i - 1
						break
					}
				}
			default:
				valStart = i - 1
			unquoted:
				for {
					c, ok := at(i)
					if !ok {
						return incomplete()
					}
					i++
					switch {
					case isHTMLSpace(c):
						valEnd = i - 1
						break unquoted
					case c == '>':
						i--
						valEnd = i
						break unquoted
					}
				}
			}
		}
		if start && keyStart != keyEnd {
			val := b[valStart:valEnd]
			if bytes.IndexByte(val, '&') >= 0 {
				return 0, false // a character reference: the reference unescapes
			}
			z.attrs = append(z.attrs, [2][]byte{b[keyStart:keyEnd], val})
			lastValEnd = valEnd
		}
		if !skipSpace() {
			return incomplete()
		}
	}
	name := b[nameStart:nameEnd]
	z.name = name
	if !start {
		z.tt = html.EndTagToken
		return i, true
	}
	if isRawTag(name) {
		return 0, false
	}
	z.tt = html.StartTagToken
	if b[i-2] == '/' && (len(z.attrs) == 0 || i-2 != lastValEnd-1) {
		z.tt = html.SelfClosingTagToken
	}
	return i, true
}

// isRawTag: after this start tag the reference reads raw text (or RCDATA).
func isRawTag(name []byte) bool {
	if len(name) < 3 || len(name) > 9 {
		return false
	}
	var lower [9]byte
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	switch string(lower[:len(name)]) {
	case "iframe", "noembed", "noframes", "noscript", "plaintext", "script", "style", "textarea", "title", "xmp":
		return true
	}
	return false
}

// handOff has the reference read from the start of the next token.
func (z *fastTokenizer) handOff() html.TokenType {
	z.handoff = &handoffReader{head: z.buf[z.pos:], z: z}
	z.ref = html.NewTokenizer(z.handoff)
	if z.maxBuf > 0 {
		z.ref.SetMaxBuf(z.maxBuf)
	}
	return z.refNext()
}

func (z *fastTokenizer) refNext() html.TokenType {
	z.tt = z.ref.Next()
	z.safe = false
	switch z.tt {
	case html.EndTagToken:
		z.safe = true
	case html.StartTagToken, html.SelfClosingTagToken:
		z.safe = !isRawTag(rawTagName(z.ref.Raw()))
	}
	return z.tt
}

// rawTagName is the name of the start tag raw ("<name …>").
func rawTagName(raw []byte) []byte {
	for i := 1; i < len(raw); i++ {
		if c := raw[i]; isHTMLSpace(c) || c == '/' || c == '>' {
			return raw[1:i]
		}
	}
	return raw[min(1, len(raw)):]
}

// handBack takes the bytes the reference has read and not used.
func (z *fastTokenizer) handBack() {
	rest := z.ref.Buffered()
	b := append(append(z.spare[:0], rest...), z.handoff.head...)
	if cap(b) < 2*fastTokenLimit {
		b = append(make([]byte, 0, 2*fastTokenLimit), b...)
	}
	z.spare, z.buf, z.pos = z.buf[:0], b, 0
	z.ref, z.handoff = nil, nil
}

// buffered is what is buffered from the start of the next token on, for
// htmlReader.scan; ok is false while the reference reads.
func (z *fastTokenizer) buffered() (b []byte, ok bool) {
	if z.ref != nil {
		if !z.safe {
			return nil, false
		}
		z.handBack()
	}
	return z.buf[z.pos:], true
}

// advance skips n bytes that htmlReader.scan has read.
func (z *fastTokenizer) advance(n int) { z.pos += n }

func (z *fastTokenizer) Err() error {
	if z.ref != nil {
		return z.ref.Err()
	}
	return nil // the fast tokenizer never ends: the reference reads the end
}

func (z *fastTokenizer) Text() []byte {
	if z.ref != nil {
		return z.ref.Text()
	}
	if z.tt != html.TextToken {
		return nil
	}
	s := z.text
	if z.textDone {
		s = nil
	}
	z.textDone = true
	s = convertNewlines(s)
	if bytes.IndexByte(s, '&') >= 0 {
		s = []byte(html.UnescapeString(string(s)))
	}
	return s
}

func (z *fastTokenizer) TagName() ([]byte, bool) {
	if z.ref != nil {
		return z.ref.TagName()
	}
	if z.nameDone || (z.tt != html.StartTagToken && z.tt != html.EndTagToken && z.tt != html.SelfClosingTagToken) {
		return nil, false
	}
	z.nameDone = true
	return lowerASCII(z.name), z.nAttr < len(z.attrs)
}

func (z *fastTokenizer) TagAttr() (key, val []byte, moreAttr bool) {
	if z.ref != nil {
		return z.ref.TagAttr()
	}
	if z.nAttr >= len(z.attrs) || (z.tt != html.StartTagToken && z.tt != html.SelfClosingTagToken) {
		return nil, nil, false
	}
	a := z.attrs[z.nAttr]
	z.nAttr++
	return lowerASCII(a[0]), convertNewlines(a[1]), z.nAttr < len(z.attrs)
}

// lowerASCII lower-cases A-Z in place, as the reference does.
func lowerASCII(b []byte) []byte {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return b
}

// convertNewlines turns "\r\n" and "\r" into "\n" in place, as the
// reference does.
func convertNewlines(s []byte) []byte {
	i := bytes.IndexByte(s, '\r')
	if i < 0 {
		return s
	}
	dst := i
	for src := i; src < len(s); src++ {
		if s[src] == '\r' {
			if src+1 < len(s) && s[src+1] == '\n' {
				src++
			}
			s[dst] = '\n'
		} else {
			s[dst] = s[src]
		}
		dst++
	}
	return s[:dst]
}
