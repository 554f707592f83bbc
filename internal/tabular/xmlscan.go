package tabular

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"unicode/utf8"
)

// xmlToken is one token of encoding/xml's Decoder.RawToken, unboxed: a
// start element (Attr), an end element, character data (Text) or another
// token (Kind xmlOther). It and its Name, Attr and Text are valid until the
// next token.
type xmlToken struct {
	Kind xmlKind
	Name xml.Name
	Attr []xml.Attr
	Text []byte
}

type xmlKind uint8

const (
	xmlOther xmlKind = iota
	xmlStart
	xmlEnd
	xmlText
)

// xmlTokens gives the raw tokens of an XML document.
type xmlTokens interface {
	next() (*xmlToken, error)
}

// refXML is encoding/xml's RawToken as xmlTokens: the reference.
type refXML struct {
	d   *xml.Decoder
	tok xmlToken
}

func newRefXML(d *xml.Decoder) *refXML { return &refXML{d: d} }

func (r *refXML) next() (*xmlToken, error) {
	tok, err := r.d.RawToken()
	if err != nil {
		return nil, err
	}
	r.tok = tokenOf(tok)
	return &r.tok, nil
}

func tokenOf(tok xml.Token) xmlToken {
	switch t := tok.(type) {
	case xml.StartElement:
		return xmlToken{Kind: xmlStart, Name: t.Name, Attr: t.Attr}
	case xml.EndElement:
		return xmlToken{Kind: xmlEnd, Name: t.Name}
	case xml.CharData:
		return xmlToken{Kind: xmlText, Text: t}
	}
	return xmlToken{Kind: xmlOther}
}

// fastXML gives the raw tokens encoding/xml's Decoder gives (strict, no
// CharsetReader), token for token and error for error, several times
// faster on what a worksheet is made of: elements with quoted attributes
// and character data, with ASCII names and no references. It reads those
// itself, by the reference's rules, and hands every other token — a
// declaration, processing instruction, comment, CDATA, DOCTYPE, a
// character or entity reference, a "\r", a name that is not plain ASCII,
// anything the reference would refuse, a token longer than its buffer and
// the end of the input — to a reference decoder reading from the same
// buffer; after the reference's next end element, character data or
// other token the fast reader takes over again. FuzzFastXML holds the two
// to the same tokens and errors (a syntax error's line counts from the
// start of the input in both).
//
// It is written here because encoding/xml, which reads a byte at a time
// through an interface and allocates every token, is nine tenths of
// reading a worksheet (BenchmarkSheetXML), and no maintained library
// offers an XML reader that refuses exactly what it refuses.
type fastXML struct {
	r    io.Reader
	rerr error // the input's error, once it has returned one
	buf  []byte
	pos  int // the next byte to read in buf

	// lines counts the "\n" in the input before buf[counted].
	lines, counted int
	consumed       int64 // the bytes read from buf since ref began

	needClose bool // the last start element was empty: its end comes next
	toClose   xml.Name
	attrs     []xml.Attr
	strings   stringBlocks

	ref      *xml.Decoder // the reference, while it reads
	refLines int          // the lines before where it began

	tok xmlToken // the token read
}

// fastXMLBuffer is the buffer of fastXML: a longer token goes to the
// reference.
const fastXMLBuffer = 256 << 10

func newFastXML(r io.Reader, size int) *fastXML {
	return &fastXML{r: r, buf: make([]byte, 0, size)}
}

// ReadByte is the reference's input.
func (z *fastXML) ReadByte() (byte, error) {
	if z.pos >= len(z.buf) && !z.fill() {
		return 0, z.rerr
	}
	c := z.buf[z.pos]
	z.pos++
	z.consumed++
	return c, nil
}

// Read is the reference's input too (it reads with ReadByte).
func (z *fastXML) Read(p []byte) (int, error) {
	if z.pos >= len(z.buf) && !z.fill() {
		return 0, z.rerr
	}
	n := copy(p, z.buf[z.pos:])
	z.pos += n
	z.consumed += int64(n)
	return n, nil
}

// fill reads more input after what is buffered, keeping the unread bytes
// and the last byte read (the reference may give it back); false when
// there is no more or no room.
func (z *fastXML) fill() bool {
	if z.rerr != nil {
		return false
	}
	if keep := max(z.pos-1, 0); keep > 0 {
		if z.counted < keep {
			z.lines += bytes.Count(z.buf[z.counted:keep], newline)
			z.counted = keep
		}
		n := copy(z.buf, z.buf[keep:])
		z.buf, z.pos, z.counted = z.buf[:n], z.pos-keep, z.counted-keep
	}
	if len(z.buf) == cap(z.buf) {
		return false
	}
	for range 100 { // as bufio, give up on a reader that returns nothing
		n, err := z.r.Read(z.buf[len(z.buf):cap(z.buf)])
		z.buf = z.buf[:len(z.buf)+n]
		if err != nil {
			z.rerr = err
		}
		if n > 0 {
			return true
		}
		if err != nil {
			return false
		}
	}
	z.rerr = io.ErrNoProgress
	return false
}

var newline = []byte{'\n'}

func (z *fastXML) next() (*xmlToken, error) {
	if z.ref != nil {
		return z.refNext()
	}
	if z.needClose {
		z.needClose = false
		z.tok = xmlToken{Kind: xmlEnd, Name: z.toClose}
		return &z.tok, nil
	}
	for {
		n := z.scan(z.buf[z.pos:])
		if n > 0 {
			z.pos += n
			return &z.tok, nil
		}
		if n == 0 && z.fill() {
			continue
		}
		z.handOff()
		return z.refNext()
	}
}

// window is the unread input in the buffer, for a caller that reads some
// of it itself (skip); nil while the reference reads or an end element is
// pending.
func (z *fastXML) window() []byte {
	if z.ref != nil || z.needClose {
		return nil
	}
	return z.buf[z.pos:]
}

// grow reads more input after the window: false when there is no more, no
// room, or no window.
func (z *fastXML) grow() bool {
	if z.ref != nil || z.needClose {
		return false
	}
	return z.fill()
}

// skip has the caller's n bytes of the window read.
func (z *fastXML) skip(n int) { z.pos += n }

// handOff has the reference read from the next byte.
func (z *fastXML) handOff() {
	z.lines += bytes.Count(z.buf[z.counted:z.pos], newline)
	z.counted = z.pos
	z.refLines, z.consumed = z.lines, 0
	z.ref = xml.NewDecoder(z) // strict, as the reference; z is its io.ByteReader
}

func (z *fastXML) refNext() (*xmlToken, error) {
	tok, err := z.ref.RawToken()
	if err != nil {
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			err = &xml.SyntaxError{Msg: se.Msg, Line: se.Line + z.refLines}
		}
		return nil, err
	}
	z.tok = tokenOf(tok)
	if z.tok.Kind != xmlStart {
		// Nothing is pending in the reference after these but the byte it
		// may have read ahead and given back, which is still in buf.
		z.pos -= int(z.consumed - z.ref.InputOffset())
		z.ref = nil
	}
	return &z.tok, nil
}

// scan reads the token at the start of b into z.tok: its length, 0 when
// b ends inside it, -1 when it is one for the reference.
func (z *fastXML) scan(b []byte) int {
	if len(b) == 0 {
		return z.more(b)
	}
	if b[0] != '<' {
		j := bytes.IndexByte(b, '<')
		if j < 0 {
			return z.more(b)
		}
		if !plainXMLText(b[:j], true) {
			return -1
		}
		z.tok = xmlToken{Kind: xmlText, Text: b[:j]}
		return j
	}
	if len(b) < 2 {
		return z.more(b)
	}
	if b[1] == '/' {
		name, i := scanXMLName(b, 2)
		if i <= 0 {
			return z.or(b, i)
		}
		i = skipXMLSpace(b, i)
		if i >= len(b) {
			return z.more(b)
		}
		if b[i] != '>' {
			return -1
		}
		z.tok = xmlToken{Kind: xmlEnd, Name: z.name(name)}
		return i + 1
	}
	name, i := scanXMLName(b, 1)
	if i <= 0 {
		return z.or(b, i)
	}
	attrs, empty := z.attrs[:0], false
	for {
		i = skipXMLSpace(b, i)
		if i+1 >= len(b) {
			return z.more(b)
		}
		if b[i] == '/' {
			if b[i+1] != '>' {
				return -1
			}
			empty, i = true, i+2
			break
		}
		if b[i] == '>' {
			i++
			break
		}
		key, j := scanXMLName(b, i)
		if j <= 0 {
			return z.or(b, j)
		}
		j = skipXMLSpace(b, j)
		if j >= len(b) {
			return z.more(b)
		}
		if b[j] != '=' {
			return -1
		}
		j = skipXMLSpace(b, j+1)
		if j >= len(b) {
			return z.more(b)
		}
		q := b[j]
		if q != '"' && q != '\'' {
			return -1
		}
		end := bytes.IndexByte(b[j+1:], q)
		if end < 0 {
			return z.more(b)
		}
		val := b[j+1 : j+1+end]
		if !plainXMLText(val, false) {
			return -1
		}
		attrs = append(attrs, xml.Attr{Name: z.name(key), Value: z.strings.text(val)})
		i = j + 1 + end + 1
	}
	z.attrs = attrs
	if attrs == nil {
		attrs = []xml.Attr{} // as the reference
	}
	z.tok = xmlToken{Kind: xmlStart, Name: z.name(name), Attr: attrs}
	if empty {
		z.needClose, z.toClose = true, z.tok.Name
	}
	return i
}

// more: b ends inside a token; 0 (read more) unless the token fills the
// buffer, which the reference then reads.
func (z *fastXML) more(b []byte) int {
	if len(b) >= cap(z.buf)-1 {
		return -1
	}
	return 0
}

// or is more(b) when i is 0 (b ends inside a name), else i.
func (z *fastXML) or(b []byte, i int) int {
	if i == 0 {
		return z.more(b)
	}
	return i
}

// scanXMLName reads the plain ASCII name at b[i:] and returns the index
// after it: 0 when b ends inside it, -1 when it is not one the fast reader
// reads (not ASCII, not a name, or more than one colon).
func scanXMLName(b []byte, i int) ([]byte, int) {
	start := i
	if i >= len(b) {
		return nil, 0
	}
	if c := b[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == ':') {
		return nil, -1
	}
	colons := 0
	for ; i < len(b); i++ {
		c := b[i]
		if c == ':' {
			colons++
		} else if !isXMLNameByte(c) {
			if c >= utf8.RuneSelf || colons > 1 {
				return nil, -1
			}
			return b[start:i], i
		}
	}
	return nil, 0
}

func isXMLNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-'
}

func skipXMLSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// name is the reference's Name of a name (nsname), without making a string
// of the names a worksheet is made of.
func (z *fastXML) name(b []byte) xml.Name {
	i := bytes.IndexByte(b, ':')
	if i <= 0 || i == len(b)-1 {
		return xml.Name{Local: xmlNameString(b)}
	}
	return xml.Name{Space: xmlNameString(b[:i]), Local: xmlNameString(b[i+1:])}
}

func xmlNameString(b []byte) string {
	switch string(b) {
	case "c":
		return "c"
	case "v":
		return "v"
	case "r":
		return "r"
	case "s":
		return "s"
	case "t":
		return "t"
	case "row":
		return "row"
	case "is":
		return "is"
	case "f":
		return "f"
	case "spans":
		return "spans"
	case "si":
		return "si"
	}
	return string(b)
}

// plainXMLText: b reads as itself in the reference (no reference, no
// "\r", no "<", only characters XML allows; in text no "]]>").
func plainXMLText(b []byte, text bool) bool {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '&' || c == '<' || c == '\r':
				return false
			case c < 0x20 && c != '\t' && c != '\n':
				return false
			case c == '>' && text && i >= 2 && b[i-1] == ']' && b[i-2] == ']':
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 || r == 0xFFFE || r == 0xFFFF {
			return false
		}
		i += size
	}
	return true
}
