package tabular

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Encodings of text files.
const (
	EncUTF8        = "UTF-8"
	EncUTF8BOM     = "UTF-8 with BOM"
	EncWindows1252 = "Windows-1252"
	EncUTF16LE     = "UTF-16LE"
	EncUTF16BE     = "UTF-16BE"
)

// doubleEncoded are å ä ö Å Ä Ö é as they look after UTF-8 was read as
// Windows-1252 and written as UTF-8 again.
var doubleEncoded = []string{"Ã¥", "Ã¤", "Ã¶", "Ã…", "Ã„", "Ã–", "Ã©"}

// textInput is a text file whose encoding is known and whose whole text has
// been checked.
type textInput struct {
	ctx   context.Context
	in    Input
	start int64  // the first byte after a UTF-8 byte-order mark
	enc   string // one of the Enc constants
	head  []byte // the first decoded bytes, for sniffing
	chunk int    // bytes read at a time by the checks; 0: chunkSize (tests make it small)
}

func (t *textInput) chunkLen() int {
	if t.chunk > 0 {
		return t.chunk
	}
	return chunkSize
}

// reader is the decoded text from its start, as UTF-8.
func (t *textInput) reader() io.Reader {
	raw := &ctxReader{ctx: t.ctx, r: io.NewSectionReader(t.in, t.start, t.in.Size()-t.start)}
	switch t.enc {
	case EncWindows1252:
		return transform.NewReader(raw, charmap.Windows1252.NewDecoder())
	case EncUTF16LE:
		return transform.NewReader(raw, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder())
	case EncUTF16BE:
		return transform.NewReader(raw, unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder())
	}
	return raw
}

// ContextReader is r that ends a read once ctx ends: a long read of a
// big file stops when the command is stopped.
func ContextReader(ctx context.Context, r io.Reader) io.Reader { return &ctxReader{ctx: ctx, r: r} }

// ctxReader ends a read once its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// openText decides the encoding of in and checks its whole text in one
// pass, before any row is read: a file is refused for its encoding before
// anything of it is used.
func openText(ctx context.Context, in Input, encoding string, lim Limits) (*textInput, error) {
	t := &textInput{ctx: ctx, in: in}
	checked := false
	var bom [3]byte
	n, _ := in.ReadAt(bom[:], 0)
	b := bom[:n]
	switch strings.ToLower(strings.ReplaceAll(encoding, "_", "-")) {
	case "", "auto":
		switch {
		case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
			t.start, t.enc = 3, EncUTF8BOM
		case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
			t.enc = EncUTF16LE
		case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
			t.enc = EncUTF16BE
		default:
			t.enc = EncUTF8
			// Most files are UTF-8: one pass tells so and checks the text as
			// UTF-8 (a pass over 50 MB is some 0.008 s before the first row).
			// Any other file takes the two passes, so that it is read and
			// refused as before.
			if checked = t.checkedAsUTF8(); checked {
				break
			}
			bad, err := t.firstInvalidUTF8()
			if err != nil {
				return nil, err
			}
			if bad >= 0 {
				t.enc = EncWindows1252
			}
		}
	case "utf-8", "utf8":
		t.enc = EncUTF8
		if bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}) {
			t.start = 3
		}
		bad, err := t.firstInvalidUTF8()
		if err != nil {
			return nil, err
		}
		if bad >= 0 {
			line, col := t.rawPosition(bad)
			var c [1]byte
			if _, err := in.ReadAt(c[:], bad); err != nil {
				return nil, err
			}
			return nil, unreadable(line, col, "ogiltig UTF-8 (byte 0x%02X): filen är inte UTF-8 fast den säger det; "+
				"den kan vara Windows-1252", c[0])
		}
	case "windows-1252", "cp1252", "latin1", "iso-8859-1":
		t.enc = EncWindows1252
	default:
		return nil, unreadable(0, 0, "okänd teckenkodning %q: använd auto, utf-8 eller windows-1252", encoding)
	}
	if !checked {
		if err := t.check(lim); err != nil {
			return nil, err
		}
	}
	head := make([]byte, 4096)
	n, err := io.ReadFull(t.reader(), head)
	if err != nil && !errors.Is(err, io.EOF) && err != io.ErrUnexpectedEOF {
		return nil, t.readError(err)
	}
	t.head = head[:n]
	return t, nil
}

func (t *textInput) readError(err error) error {
	if t.ctx.Err() != nil {
		return t.ctx.Err()
	}
	return unreadable(0, 0, "avkodning av %s: %v", t.enc, err)
}

const chunkSize = 256 << 10

// firstInvalidUTF8 is the offset of the first byte that is not UTF-8, or -1.
func (t *textInput) firstInvalidUTF8() (int64, error) {
	buf := make([]byte, t.chunkLen()+utf8.UTFMax)
	carry := 0
	off := t.start
	size := t.in.Size()
	for off < size {
		if err := t.ctx.Err(); err != nil {
			return 0, err
		}
		n, err := t.in.ReadAt(buf[carry:carry+t.chunkLen()], off)
		if n == 0 && err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return 0, fmt.Errorf("reading: %w", err)
		}
		off += int64(n)
		chunk := buf[:carry+n]
		// An incomplete sequence at the end waits for the next chunk.
		keep := 0
		if off < size {
			keep = incompleteTail(chunk)
		}
		body := chunk[:len(chunk)-keep]
		if !utf8.Valid(body) {
			for i := 0; i < len(body); {
				r, sz := utf8.DecodeRune(body[i:])
				if r == utf8.RuneError && sz <= 1 {
					return off - int64(len(chunk)) + int64(i), nil
				}
				i += sz
			}
		}
		carry = copy(buf, chunk[len(chunk)-keep:])
	}
	if carry > 0 {
		return size - int64(carry), nil
	}
	return -1, nil
}

// incompleteTail is how many bytes at the end of b begin a UTF-8 sequence
// that b does not finish.
func incompleteTail(b []byte) int {
	for i := 1; i <= utf8.UTFMax-1 && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < 0x80 {
			return 0
		}
		if c >= 0xC0 { // a lead byte
			need := 2
			switch {
			case c >= 0xF0:
				need = 4
			case c >= 0xE0:
				need = 3
			}
			if need > i {
				return i
			}
			return 0
		}
	}
	return 0
}

// check refuses text that cannot be a table export: bytes Windows-1252 does
// not define, NUL bytes, or text that was converted to UTF-8 twice. It reads
// the raw bytes for UTF-8 and Windows-1252 (the patterns are plain bytes
// there) and the decoded text for UTF-16.
func (t *textInput) check(Limits) error {
	_, err := t.scan(false)
	return err
}

// checkedAsUTF8 reports whether the text is UTF-8 and passes check as
// UTF-8, in one pass. False says nothing more: the text may be refused, or
// be Windows-1252, or the reading failed.
func (t *textInput) checkedAsUTF8() bool {
	valid, err := t.scan(true)
	return valid && err == nil
}

// scan is check, and with validate also whether the raw text is UTF-8
// (valid; t.enc is EncUTF8): it stops at the first byte that is not.
func (t *textInput) scan(validate bool) (valid bool, err error) {
	var r io.Reader = &ctxReader{ctx: t.ctx, r: io.NewSectionReader(t.in, t.start, t.in.Size()-t.start)}
	twice := doubleEncodedUTF8
	decoded := false
	switch t.enc {
	case EncWindows1252:
		twice = doubleEncoded1252
	case EncUTF16LE, EncUTF16BE:
		r, decoded = t.reader(), true
	}
	const overlap = 3
	size := t.chunkLen()
	buf := make([]byte, size+overlap)
	carry := 0
	pending := 0   // validate: bytes at the end of buf[:carry] not yet validated (a sequence the chunk did not finish)
	var base int64 // offset of buf[0] in the stream
	var lines int  // newlines before buf[0], for decoded text
	lastNL := int64(-1)
	for {
		n, err := io.ReadFull(r, buf[carry:carry+size])
		chunk := buf[:carry+n]
		if validate {
			body := chunk[carry-pending:]
			if err == nil { // more follows: an unfinished sequence waits for it
				body = body[:len(body)-incompleteTail(body)]
			}
			if !utf8.Valid(body) {
				return false, nil
			}
			pending = len(chunk) - (carry - pending + len(body))
		}
		pos := func(i int) (int, int) {
			if !decoded {
				return t.rawPosition(t.start + base + int64(i))
			}
			l, last := lines+1, lastNL
			for j := 0; j < i; j++ {
				if chunk[j] == '\n' {
					l, last = l+1, base+int64(j)
				}
			}
			return l, int(base + int64(i) - last)
		}
		if t.enc == EncWindows1252 {
			for i, c := range chunk {
				switch c {
				case 0x81, 0x8D, 0x8F, 0x90, 0x9D:
					line, col := pos(i)
					return false, unreadable(line, col, "byte 0x%02X är varken UTF-8 eller Windows-1252: filen har en annan teckenkodning "+
						"(exportera den som UTF-8 eller Windows-1252)", c)
				}
			}
		}
		if i := bytes.IndexByte(chunk, 0); i >= 0 {
			line, col := pos(i)
			return false, unreadable(line, col, "filen innehåller NUL-byte: den är binär, inte text")
		}
		if i, m := twice(chunk); i >= 0 {
			line, col := pos(i)
			return false, unreadable(line, col, "texten ser ut att ha konverterats till UTF-8 två gånger (%q där å, ä eller ö hör hemma): "+
				"exportera filen igen, eller ange dess verkliga teckenkodning med --encoding", m)
		}
		if err != nil {
			if errors.Is(err, io.EOF) || err == io.ErrUnexpectedEOF {
				return validate, nil
			}
			return false, t.readError(err)
		}
		keep := min(overlap, len(chunk))
		if decoded {
			for j, c := range chunk[:len(chunk)-keep] {
				if c == '\n' {
					lines, lastNL = lines+1, base+int64(j)
				}
			}
		}
		base += int64(len(chunk) - keep)
		carry = copy(buf, chunk[len(chunk)-keep:])
	}
}

// doubleEncodedUTF8 finds "Ã" followed by one of the second halves of
// doubleEncoded, in UTF-8.
//
// It looks for the second byte of "Ã" (0x83), rare in Swedish text, and
// then at the byte before it: a search for "Ã" stops at the 0xC3 that
// begins every å, ä and ö (a third of the encoding check's time on a
// Swedish EXL2K export, in a profile of 2026-12-01). FuzzDoubleEncodedUTF8
// holds it to that search.
func doubleEncodedUTF8(b []byte) (int, string) {
	for off := 1; ; {
		j := bytes.IndexByte(b[min(off, len(b)):], 0x83)
		if j < 0 {
			return -1, ""
		}
		j += off
		if b[j-1] != 0xC3 {
			off = j + 1
			continue
		}
		i := j - 1
		rest := b[i:]
		for _, m := range doubleEncoded {
			if bytes.HasPrefix(rest, []byte(m)) {
				return i, m
			}
		}
		off = j + 1
	}
}

// doubleEncoded1252 finds the Windows-1252 bytes of doubleEncoded: 0xC3 and
// the byte of ¥ ¤ ¶ … „ – ©.
func doubleEncoded1252(b []byte) (int, string) {
	for off := 0; ; {
		i := bytes.IndexByte(b[off:], 0xC3)
		if i < 0 || i+off+1 >= len(b) {
			return -1, ""
		}
		i += off
		for k, c := range []byte{0xA5, 0xA4, 0xB6, 0x85, 0x84, 0x96, 0xA9} {
			if b[i+1] == c {
				return i, doubleEncoded[k]
			}
		}
		off = i + 1
	}
}

// rawPosition is the 1-based line and column (in bytes) of offset off of
// the raw input; it reads the input up to off again, which only happens
// when a file is refused.
func (t *textInput) rawPosition(off int64) (int, int) {
	line, last := 1, int64(-1)
	buf := make([]byte, chunkSize)
	for base := int64(0); base < off; {
		n, err := t.in.ReadAt(buf[:min(int64(len(buf)), off-base)], base)
		for i, c := range buf[:n] {
			if c == '\n' {
				line, last = line+1, base+int64(i)
			}
		}
		base += int64(n)
		if err != nil || n == 0 {
			break
		}
	}
	if t.start > 0 && last < 0 {
		last = t.start - 1 // a byte-order mark is not a column
	}
	return line, int(off - last)
}
