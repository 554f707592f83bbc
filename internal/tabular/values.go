package tabular

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/swedish"
)

// thousandsSpaces are the spaces that group thousands in Swedish numbers:
// space, no-break space (U+00A0), narrow no-break space (U+202F) and thin
// space (U+2009).
const thousandsSpaces = " \u00a0\u202f\u2009"

// IsMissing reports whether a cell means "no value": empty, or "." as
// WebFOCUS writes a missing value (".." and "…" too, as SCB does).
func IsMissing(s string) bool {
	switch strings.Trim(s, thousandsSpaces+"\t") {
	case "", ".", "..", "…":
		return true
	}
	return false
}

// ParseNumber reads a number written the Swedish or the English way: a
// decimal comma or point, thousands grouped by space, U+00A0 or U+202F, a
// minus sign or U+2212, and an optional trailing % (the value is the
// percentage as written). A missing value (see IsMissing) is (0, false, nil).
func ParseNumber(s string) (float64, bool, error) {
	// Most cells are a plain number such as 12, 7.2 or 7,2: read at once.
	if v, ok := plainDecimal(s); ok {
		return v, true, nil
	}
	return parseNumber(s)
}

// plainDecimal reads an optional minus, digits and at most one decimal
// sign with digits after it, maybe a per cent sign, nothing else and at
// most 15 digits (so that the result is exact as strconv makes it).
func plainDecimal(s string) (float64, bool) {
	// A trailing per cent sign, perhaps after a space, changes nothing.
	if n := len(s); n > 1 && s[n-1] == '%' {
		s = s[:n-1]
		if n := len(s); n > 1 && s[n-1] == ' ' {
			s = s[:n-1]
		}
	}
	i, neg := 0, false
	if len(s) > 0 && s[0] == '-' {
		neg, i = true, 1
	}
	var mant int64
	digits, frac, sep := 0, 0, false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			mant = mant*10 + int64(c-'0')
			digits++
			if sep {
				frac++
			}
		case (c == '.' || c == ',') && !sep:
			sep = true
		default:
			return 0, false
		}
	}
	if digits == 0 || digits > 15 || (sep && frac == 0) || (sep && digits == frac && i == len(s) && s[len(s)-1] == '.') {
		return 0, false
	}
	v := float64(mant)
	if frac > 0 {
		v /= pow10[frac]
	}
	if neg {
		v = -v
	}
	return v, true
}

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// parseNumber is the slow path: swedish.ParseNumber, the one reader of
// numbers as people write them.
func parseNumber(s string) (float64, bool, error) {
	if IsMissing(s) {
		return 0, false, nil
	}
	v, _, err := swedish.ParseNumber(s)
	if err != nil {
		return 0, false, err
	}
	return v, true, nil
}

// ErrDate marks a date that cannot be read.
var ErrDate = errors.New("inget datum")

// ParseISODate reads ÅÅÅÅ-MM-DD, optionally followed by a time of day (which
// is dropped), as exports of case systems write dates.
func ParseISODate(s string) (time.Time, error) {
	t := strings.TrimSpace(s)
	if len(t) > 10 && (t[10] == ' ' || t[10] == 'T') {
		t = t[:10]
	}
	d, err := time.Parse(time.DateOnly, t)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %q (skriv datum som ÅÅÅÅ-MM-DD)", ErrDate, s)
	}
	return d, nil
}

// ParseDate reads ÅÅÅÅ-MM-DD or ÅÅÅÅMMDD (WebFOCUS writes dates as unquoted
// numbers such as 20240131).
func ParseDate(s string) (time.Time, error) {
	t := strings.TrimSpace(s)
	if len(t) == 8 && strings.Trim(t, "0123456789") == "" {
		d, err := time.Parse("20060102", t)
		if err == nil {
			return d, nil
		}
		return time.Time{}, fmt.Errorf("%w: %q", ErrDate, s)
	}
	return ParseISODate(t)
}

// Fold is swedish.Fold: headings compare equal however they were written.
func Fold(s string) string { return swedish.Fold(s) }

// FoldWords is swedish.FoldWords.
func FoldWords(s string) string { return swedish.FoldWords(s) }
