// Package mojibake repairs text that was encoded as UTF-8 twice.
package mojibake

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Marks are the characters that start every double-encoded character Repair
// undoes; text without them is never changed.
const Marks = "ÃÂâ"

// Repair undoes double UTF-8 encoding, which Kolada has been seen to send
// in group titles ("HÃ¶Ã¶r" for "Höör"): UTF-8 bytes read as Windows-1252 (or
// Latin-1) and encoded as UTF-8 again. Text that is not mangled is returned
// unchanged; text mangled twice is repaired twice.
//
// Written here rather than taken from a library: the Go ports of ftfy are
// unmaintained, and the one case Kolada shows is undone exactly by
// golang.org/x/text's Windows-1252 encoder.
func Repair(s string) string {
	if !strings.ContainsAny(s, Marks) {
		return s
	}
	for range 3 {
		fixed, ok := undoDoubleEncoding(s)
		if !ok {
			return s
		}
		s = fixed
	}
	return s
}

func undoDoubleEncoding(s string) (string, bool) {
	// Every double-encoded Swedish letter starts with Ã (U+00C3), a
	// non-breaking space with Â (U+00C2), a dash or quotation mark with â (U+00E2).
	if !strings.ContainsAny(s, Marks) {
		return s, false
	}
	for _, cm := range []*charmap.Charmap{charmap.Windows1252, charmap.ISO8859_1} {
		b, err := cm.NewEncoder().String(s)
		if err != nil || b == s || !utf8.ValidString(b) {
			continue
		}
		return b, true
	}
	return s, false
}
