package swedish

// The few number rules every output of nyckeltal shares, so that a figure
// reads the same in a table, a CSV file and a report.

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Round6 keeps six decimals: a millionth of a percentage point, one krona of
// an mnkr figure. What lies beyond is floating-point noise (DuckDB's
// parallel sums differ in the last bits from run to run), which would make
// two outputs of the same store differ. It never returns -0.
func Round6(x float64) float64 {
	v := math.Round(x*1e6) / 1e6
	if v == 0 {
		return 0
	}
	return v
}

// Round6Ptr is Round6 for a value that may be missing: nil, NaN and ±Inf
// come back nil.
func Round6Ptr(p *float64) *float64 {
	if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
		return nil
	}
	v := Round6(*p)
	return &v
}

// Group writes n with its digits in groups of three, as Swedish readers
// expect: Group(13032, " ") is "13 032". Tables set in type use a
// non-breaking space.
func Group(n int64, sep string) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Number writes x with dec decimals the Swedish way: a decimal comma, the
// whole part's digits in groups of three with a non-breaking space, and a
// real minus sign (U+2212): Number(-14204.53, 1) is "−14 204,5". A value
// that rounds to zero has no sign.
func Number(x float64, dec int) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "–"
	}
	s := strconv.FormatFloat(x, 'f', dec, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	if neg && strings.Trim(whole+frac, "0") != "" {
		b.WriteString("\u2212")
	}
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString("\u00a0")
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteString("," + frac)
	}
	return b.String()
}
