// Package personnummer validates Swedish personnummer and samordningsnummer,
// replaces them by keyed pseudonyms, and masks them in anything a person may
// read. A personnummer never leaves this package in clear text: Number has no
// method that returns its digits, and errors never quote the input.
package personnummer

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrInvalid is returned for anything that is not a valid personnummer or
// samordningsnummer. Its messages never contain the number.
var ErrInvalid = errors.New("ogiltigt personnummer")

// Number is a validated personnummer or samordningsnummer in its 12-digit form.
type Number struct {
	digits       string // YYYYMMDDNNNC; a samordningsnummer keeps its day + 60
	birth        time.Time
	coordination bool
}

// String masks the number, so that printing a Number by mistake leaks nothing.
func (n Number) String() string { return Mask(n.digits) }

// BirthYear is the year of birth.
func (n Number) BirthYear() int { return n.birth.Year() }

// Gender is "K" (kvinna) or "M" (man), from the third digit of the birth
// number: odd for men, even for women.
func (n Number) Gender() string {
	if (n.digits[10]-'0')%2 == 1 {
		return "M"
	}
	return "K"
}

// Coordination reports whether it is a samordningsnummer (day of birth + 60).
func (n Number) Coordination() bool { return n.coordination }

// AgeOn is the age in whole years on day t.
func (n Number) AgeOn(t time.Time) int {
	age := t.Year() - n.birth.Year()
	if t.Month() < n.birth.Month() || (t.Month() == n.birth.Month() && t.Day() < n.birth.Day()) {
		age--
	}
	return age
}

func invalid(reason string) error { return fmt.Errorf("%w: %s", ErrInvalid, reason) }

// Parse reads a personnummer or samordningsnummer in any usual form:
// ÅÅÅÅMMDD-NNNN, ÅÅÅÅMMDDNNNN, ÅÅMMDD-NNNN, ÅÅMMDDNNNN, or ÅÅMMDD+NNNN for a
// person who has turned 100. The century of a 10-digit number is the one that
// makes the person younger than 100 on ref (at least 100 with "+"). The check
// digit is verified.
func Parse(s string, ref time.Time) (Number, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Number{}, invalid("tomt")
	}
	// The digits, after room for a century; only their count beyond 12.
	var buf [14]byte
	count := 0
	sep, sepAt := byte(0), -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if count < 12 {
				buf[2+count] = c
			}
			count++
		case (c == '-' || c == '+' || c == ' ') && sepAt < 0:
			// "19121212 1212" is seen in hand-typed extracts.
			sep, sepAt = c, count
		default:
			return Number{}, invalid("inte 10 eller 12 siffror")
		}
	}
	if sepAt >= 0 && sepAt != count-4 {
		return Number{}, invalid("skiljetecken på fel plats")
	}
	var year int
	var d string
	switch count {
	case 12:
		d = string(buf[2:14])
		year = atoi(d[:4])
	case 10:
		yy := atoi(string(buf[2:4]))
		century, err := inferCentury(yy, string(buf[4:8]), sep == '+', ref)
		if err != nil {
			return Number{}, err
		}
		year = century + yy
		buf[0], buf[1] = byte('0'+century/1000), byte('0'+century/100%10)
		d = string(buf[:12])
	default:
		return Number{}, invalid(fmt.Sprintf("%d siffror; ett personnummer har 10 eller 12", count))
	}
	birth, coordination, err := birthDate(year, d[4:6], d[6:8])
	if err != nil {
		return Number{}, err
	}
	if !luhnValid(d[2:]) {
		return Number{}, invalid("fel kontrollsiffra (den sista siffran stämmer inte; ett skrivfel?)")
	}
	n := Number{digits: d, birth: birth, coordination: coordination}
	if !ref.IsZero() {
		if err := CheckOn(birth, sep == '+', ref); err != nil {
			return Number{}, err
		}
	}
	return n, nil
}

// CheckOn is the part of Parse that depends on the reference date, for a
// reader that parses with a zero ref before it knows the date and checks
// later: the date of birth may not be after ref, and "+" (plus) marks a
// person of 100 or more on ref.
func CheckOn(birth time.Time, plus bool, ref time.Time) error {
	if birth.After(ref) {
		return invalid("födelsedatum efter uttagets datum")
	}
	if plus && (Number{birth: birth}).AgeOn(ref) < 100 {
		return invalid(`"+" betecknar en person som är 100 år eller äldre, men födelsedatumet säger annat`)
	}
	return nil
}

// Birth is the date of birth (the real day for a samordningsnummer).
func (n Number) Birth() time.Time { return n.birth }

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// inferCentury picks 1800, 1900 or 2000 for a two-digit year: the latest
// whose date of birth is not after ref and, with "+", is at least 100 years
// before it.
func inferCentury(yy int, mmdd string, plus bool, ref time.Time) (int, error) {
	if ref.IsZero() {
		ref = time.Now()
	}
	for _, c := range []int{2000, 1900, 1800} {
		birth, _, err := birthDate(c+yy, mmdd[:2], mmdd[2:])
		if err != nil {
			return 0, err
		}
		if birth.After(ref) {
			continue
		}
		if plus && birth.AddDate(100, 0, 0).After(ref) {
			continue
		}
		return c, nil
	}
	return 0, invalid("inget århundrade passar födelsedatumet")
}

// birthDate validates month and day; a day of 61–91 is a samordningsnummer.
func birthDate(year int, mm, dd string) (time.Time, bool, error) {
	month, day := atoi(mm), atoi(dd)
	coordination := false
	if day > 60 {
		day -= 60
		coordination = true
	}
	if month < 1 || month > 12 || day < 1 {
		return time.Time{}, false, invalid("inget giltigt födelsedatum")
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day {
		return time.Time{}, false, invalid("inget giltigt födelsedatum")
	}
	return t, coordination, nil
}

// luhnValid checks the last of ten digits with the Luhn algorithm.
func luhnValid(ten string) bool {
	sum := 0
	for i := 0; i < 9; i++ {
		v := int(ten[i]-'0') * (2 - i%2)
		sum += v/10 + v%10
	}
	return (10-sum%10)%10 == int(ten[9]-'0')
}

// CheckDigit computes the Luhn check digit of nine digits (ÅÅMMDDNNN); used to
// make synthetic test numbers.
func CheckDigit(nine string) (byte, error) {
	if len(nine) != 9 {
		return 0, errors.New("check digit: need nine digits")
	}
	for i := 0; i < 9; i++ {
		if nine[i] < '0' || nine[i] > '9' {
			return 0, errors.New("check digit: need nine digits")
		}
	}
	for c := byte('0'); c <= '9'; c++ {
		if luhnValid(nine + string(c)) {
			return c, nil
		}
	}
	return 0, errors.New("check digit: none fits")
}
