package personnummer

import (
	"regexp"
	"strings"
)

// anyNumber finds whatever may be a personnummer in free text: 10 to 12
// digits, with or without a separator before the last four.
var anyNumber = regexp.MustCompile(`\d{6,8}[-+ ]?\d{4}`)

// Mask hides every possible personnummer in text, keeping only the first
// digits of the year: "19121212-1212" becomes "1912****-****" and
// "121212-1212" becomes "12****-****". Use it on every message, report or
// file that shows data from a file that holds personnummer.
func Mask(text string) string {
	return anyNumber.ReplaceAllStringFunc(MaskFound(text), func(m string) string {
		digits := 0
		for i := 0; i < len(m); i++ {
			if m[i] >= '0' && m[i] <= '9' {
				digits++
			}
		}
		if digits < 10 {
			return m
		}
		return MaskField(m)
	})
}

// MaskField masks a cell of a personnummer column, valid or not: all digits
// after the first four of a 12-digit form (the first two otherwise) become
// "*", so a broken number is not shown either.
func MaskField(s string) string {
	digits := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			digits++
		}
	}
	keep := 2
	if digits >= 12 {
		keep = 4
	}
	var b strings.Builder
	seen := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			seen++
			if seen > keep {
				r = '*'
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

// MaskFound masks the personnummer and samordningsnummer Find finds (in
// every form, "121212 - 1212" too), and nothing else.
func MaskFound(text string) string {
	found := Find(text)
	if len(found) == 0 {
		return text
	}
	var b strings.Builder
	at := 0
	for _, m := range found {
		b.WriteString(text[at:m.Start])
		b.WriteString(MaskField(text[m.Start:m.End]))
		at = m.End
	}
	b.WriteString(text[at:])
	return b.String()
}
