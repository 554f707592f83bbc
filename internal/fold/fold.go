// Package fold makes headings and values comparable however a file wrote
// them: case, accents, spaces and punctuation do not matter.
package fold

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

var accents = runes.Remove(runes.In(unicode.Mn))

// Key folds s to lower case without accents (å→a, ö→o, é→e), with "<" and
// ">" spelt lt and gt, and without spaces and punctuation:
// "Sjukfrånvaro, <15 dagar (%)" and "SJUKFRANVARO_LT15_DAGAR" both fold to
// "sjukfranvarolt15dagar".
func Key(s string) string {
	t, _, err := transform.String(transform.Chain(norm.NFD, accents, norm.NFC), s)
	if err != nil {
		t = s
	}
	var b strings.Builder
	for _, r := range strings.ToLower(t) {
		switch {
		case r == '<':
			b.WriteString("lt")
		case r == '>':
			b.WriteString("gt")
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Words is Key that keeps one space between words, for values such as
// "egen regi" and "Privat utförare".
func Words(s string) string {
	fields := strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '_' || r == '-' || r == '/' })
	out := fields[:0]
	for _, f := range fields {
		if k := Key(f); k != "" {
			out = append(out, k)
		}
	}
	return strings.Join(out, " ")
}
