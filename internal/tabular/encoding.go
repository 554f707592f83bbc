package tabular

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
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

// Decode turns data into text. "auto" (or "") takes UTF-16 and UTF-8 by
// their byte-order mark, valid UTF-8 as UTF-8, and anything else as
// Windows-1252, the encoding of Swedish Windows exports. A guess that cannot
// be right is refused: bytes Windows-1252 does not define, NUL bytes of a
// binary file, or text that was converted to UTF-8 twice ("Ã¶" for "ö").
func Decode(data []byte, encoding string) (string, string, error) {
	var text, enc string
	switch strings.ToLower(strings.ReplaceAll(encoding, "_", "-")) {
	case "", "auto":
		switch {
		case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
			if err := checkUTF8(data[3:]); err != nil {
				return "", "", err
			}
			text, enc = string(data[3:]), EncUTF8BOM
		case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
			return decodeUTF16(data)
		case utf8.Valid(data):
			text, enc = string(data), EncUTF8
		default:
			return decode1252(data)
		}
	case "utf-8", "utf8":
		b := bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})
		if err := checkUTF8(b); err != nil {
			return "", "", err
		}
		text, enc = string(b), EncUTF8
	case "windows-1252", "cp1252", "latin1", "iso-8859-1":
		return decode1252(data)
	default:
		return "", "", unreadable(0, 0, "unknown encoding %q: use auto, utf-8 or windows-1252", encoding)
	}
	return text, enc, checkText(text)
}

func decode1252(data []byte) (string, string, error) {
	for i, b := range data {
		switch b {
		case 0x81, 0x8D, 0x8F, 0x90, 0x9D:
			line, col := position(data, i)
			return "", "", unreadable(line, col, "byte 0x%02X is neither UTF-8 nor Windows-1252: the file has another encoding "+
				"(export it as UTF-8 or Windows-1252)", b)
		}
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(data)
	if err != nil {
		return "", "", unreadable(0, 0, "decoding Windows-1252: %v", err)
	}
	text := string(out)
	return text, EncWindows1252, checkText(text)
}

func decodeUTF16(data []byte) (string, string, error) {
	enc, name := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), EncUTF16LE
	if data[0] == 0xFE {
		enc, name = unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), EncUTF16BE
	}
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return "", "", unreadable(0, 0, "decoding %s: %v", name, err)
	}
	text := string(out)
	return text, name, checkText(text)
}

func checkUTF8(b []byte) error {
	if utf8.Valid(b) {
		return nil
	}
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			line, col := position(b, i)
			return unreadable(line, col, "invalid UTF-8 (byte 0x%02X): the file is not UTF-8 although it says so; "+
				"it may be Windows-1252", b[i])
		}
		i += size
	}
	return nil
}

// checkText refuses decoded text that cannot be a table export.
func checkText(text string) error {
	if i := strings.IndexByte(text, 0); i >= 0 {
		line, col := position([]byte(text), i)
		return unreadable(line, col, "the file holds NUL bytes: it is binary, not text")
	}
	for _, m := range doubleEncoded {
		if i := strings.Index(text, m); i >= 0 {
			line, col := position([]byte(text), i)
			return unreadable(line, col, "the text looks converted to UTF-8 twice (%q where å, ä or ö belongs): "+
				"export the file again, or give its true encoding with --encoding", m)
		}
	}
	return nil
}

// position is the 1-based line and column (in bytes) of offset i.
func position(b []byte, i int) (int, int) {
	line := 1 + bytes.Count(b[:i], []byte{'\n'})
	col := i + 1
	if nl := bytes.LastIndexByte(b[:i], '\n'); nl >= 0 {
		col = i - nl
	}
	return line, col
}
