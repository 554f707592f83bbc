// Package swedish holds the rules of Swedish words and numbers that every
// part of nyckeltal shares: folding headings and values so that however a
// file wrote them they compare equal (words.go), and writing figures so that
// they read the same in a table, a CSV file and a report (numbers.go).
package swedish

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Fold folds s to lower case without accents (å→a, ö→o, é→e), with "<" and
// ">" spelt lt and gt, and without spaces and punctuation:
// "Sjukfrånvaro, <15 dagar (%)" and "SJUKFRANVARO_LT15_DAGAR" both fold to
// "sjukfranvarolt15dagar".
func Fold(s string) string {
	if !isASCII(s) {
		s = norm.NFD.String(s) // å → a + combining ring, dropped below
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + ('a' - 'A'))
		case r == '<':
			b.WriteString("lt")
		case r == '>':
			b.WriteString("gt")
		case r < utf8.RuneSelf, unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// FoldWords is Fold that keeps one space between words, for values such as
// "egen regi" and "Privat utförare".
func FoldWords(s string) string {
	fields := strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '_' || r == '-' || r == '/' })
	out := fields[:0]
	for _, f := range fields {
		if k := Fold(f); k != "" {
			out = append(out, k)
		}
	}
	return strings.Join(out, " ")
}
