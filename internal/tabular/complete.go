package tabular

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
)

// Complete reports whether in ends as its format ends — delimited text with
// a line ending (or a closing quote), an HTML document with </html> (or,
// without <html>, a table with </table>), a workbook with a whole zip
// directory — and if not, why (Swedish). It reads only the head and the
// tail, for the inbox to tell a file still being copied from one to load;
// the readers check the whole file again when they read it.
func Complete(in Input) (bool, string) {
	size := in.Size()
	if size == 0 {
		return false, "filen är tom"
	}
	head := make([]byte, min(size, 4096))
	if _, err := in.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return false, "filen kunde inte läsas: " + err.Error()
	}
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		if _, err := zip.NewReader(in, size); err != nil {
			return false, "arbetsbokens zip-katalog saknas eller är ofullständig (" + err.Error() + ")"
		}
		return true, ""
	case bytes.HasPrefix(head, []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")):
		return true, "" // refused as a binary .xls when read
	}
	tail := make([]byte, min(size, 512))
	if _, err := in.ReadAt(tail, size-int64(len(tail))); err != nil && !errors.Is(err, io.EOF) {
		return false, "filen kunde inte läsas: " + err.Error()
	}
	if bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}) {
		// UTF-16: the ASCII of the tail is every other byte.
		head, tail = bytes.ReplaceAll(head, []byte{0}, nil), bytes.ReplaceAll(tail, []byte{0}, nil)
	}
	if looksLikeHTML(head) {
		end := bytes.ToLower(bytes.TrimRight(tail, " \t\r\n"))
		if bytes.Contains(bytes.ToLower(head), []byte("<html")) {
			if !bytes.HasSuffix(end, []byte("</html>")) {
				return false, "filen slutar utan </html>"
			}
			return true, ""
		}
		if !bytes.HasSuffix(end, []byte("</table>")) {
			return false, "filen slutar utan </table>"
		}
		return true, ""
	}
	// White space after the last line ending is nothing (the reader skips it).
	if t := bytes.TrimRight(tail, " \t"); len(t) > 0 {
		switch t[len(t)-1] {
		case '\n', '\r', '"':
			return true, ""
		}
	}
	return false, "sista raden saknar radslut"
}
