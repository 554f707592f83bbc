package personnummer

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
)

// Match is a personnummer or samordningsnummer found in free text: text[Start:End].
type Match struct {
	Start, End   int
	Coordination bool
}

// Find returns every valid personnummer and samordningsnummer in text, in
// every form people write them: with or without the century
// (19121212-1212, 121212-1212), with "-", "+", an en dash, a space or
// nothing before the last four digits (191212121212, 121212 1212), with
// spaces around the separator (121212 - 1212). A number counts when its
// date of birth (day + 60 for a samordningsnummer) exists and its check
// digit is right, so dates, amounts and organisationsnummer are not taken
// for one; digits that continue a longer number or a decimal do not count.
func Find(text string) []Match {
	// Every form has at least ten digits; most cells of a file have fewer,
	// and are passed over without any allocation.
	if len(text) < 10 {
		return nil
	}
	if !hasTenDigits(text) {
		return nil
	}
	runs := digitRuns(text)
	var out []Match
	for i := 0; i < len(runs); i++ {
		r := runs[i]
		n := r.end - r.start
		if (n == 10 || n == 12) && !r.glued(text) {
			if m, ok := candidate(text[r.start:r.end], r.start, r.end); ok {
				out = append(out, m)
				continue
			}
		}
		if (n == 6 || n == 8) && i+1 < len(runs) {
			next := runs[i+1]
			if next.end-next.start == 4 && separator(text[r.end:next.start]) && !next.gluedAfter(text) && !r.gluedBefore(text) {
				if m, ok := candidate(text[r.start:r.end]+text[next.start:next.end], r.start, next.end); ok {
					out = append(out, m)
					i++
				}
			}
		}
	}
	return out
}

// Contains reports whether text holds a valid personnummer or samordningsnummer.
func Contains(text string) bool { return len(Find(text)) > 0 }

// hasTenDigits reports whether text holds at least ten ASCII digits. Every
// cell of a file passes through it, so it counts eight bytes at a time: a
// byte is a digit when its high bit is clear and its low seven bits lie in
// 0x30..0x39, which the two sums below test for all eight bytes at once
// without a carry from one byte into the next.
func hasTenDigits(text string) bool {
	const (
		high = 0x8080808080808080
		low7 = 0x7F7F7F7F7F7F7F7F
		zero = 0x3030303030303030 // '0' in each byte
		over = 0x4646464646464646 // 0x80 - 0x3A: sets the high bit from ':' up
	)
	digits := 0
	i := 0
	for ; i+8 <= len(text); i += 8 {
		x := binary.LittleEndian.Uint64([]byte(text[i : i+8]))
		atLeastZero := ((x | high) - zero) & high
		aboveNine := ((x & low7) + over) & high
		digits += bits.OnesCount64(atLeastZero &^ aboveNine &^ x)
		if digits >= 10 {
			return true
		}
	}
	for ; i < len(text); i++ {
		if isDigit(text[i]) {
			digits++
		}
	}
	return digits >= 10
}

type digitRun struct{ start, end int }

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func digitRuns(text string) []digitRun {
	var out []digitRun
	for i := 0; i < len(text); {
		if !isDigit(text[i]) {
			i++
			continue
		}
		j := i
		for j < len(text) && isDigit(text[j]) {
			j++
		}
		out = append(out, digitRun{i, j})
		i = j
	}
	return out
}

// gluedBefore: the run continues a decimal number ("3.1212121212", "0,5").
func (r digitRun) gluedBefore(text string) bool {
	return r.start >= 2 && (text[r.start-1] == '.' || text[r.start-1] == ',') && isDigit(text[r.start-2])
}

// gluedAfter: a decimal part follows ("1212121212,50").
func (r digitRun) gluedAfter(text string) bool {
	return r.end+1 < len(text) && (text[r.end] == '.' || text[r.end] == ',') && isDigit(text[r.end+1])
}

func (r digitRun) glued(text string) bool { return r.gluedBefore(text) || r.gluedAfter(text) }

// separator is what may stand between the date of birth and the last four
// digits: "-", "+", an en dash, a space (also a non-breaking one), or a sign
// with spaces around it.
func separator(s string) bool {
	signs, spaces := 0, 0
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		switch r {
		case '-', '+', '–', '\u2212':
			signs++
		case ' ', '\u00a0', '\u202f':
			spaces++
		default:
			return false
		}
	}
	return signs <= 1 && spaces <= 2 && signs+spaces >= 1
}

// candidate validates 10 or 12 digits.
func candidate(d string, start, end int) (Match, bool) {
	year := 2000 + atoi(d[:2]) // of a 10-digit number: only 29 February depends on it, and 2000 is a leap year
	if len(d) == 12 {
		if c := d[:2]; c != "18" && c != "19" && c != "20" {
			return Match{}, false
		}
		year, d = atoi(d[:4]), d[2:]
	}
	_, coordination, err := birthDate(year, d[2:4], d[4:6])
	if err != nil || !luhnValid(d) {
		return Match{}, false
	}
	return Match{Start: start, End: end, Coordination: coordination}, true
}
