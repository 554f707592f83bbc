package swedish

// The one place that writes numbers for people and reads the numbers people
// write. Every output a person reads — the terminal's tables, notes, CSV for
// Excel, XLSX number formats, Markdown, HTML, the report and its charts —
// writes a figure through Number (or Signed, Int, Trimmed), so that 12,5
// reads "13" and 0,125 reads "0,13" everywhere. Machine formats (JSON,
// RFC 4180 CSV) write Machine.
//
// How a figure is rounded: first to six decimals (Round6: what lies beyond
// is floating-point noise, and DuckDB's parallel sums differ there from run
// to run), then the shortest decimal form of that value — the digits a
// person sees when the value is printed in full — is rounded half away from
// zero to the decimals shown. strconv would round the binary value half to
// even instead: 12.5 would become "12", 0.125 "0.12" and 1.005 (in binary
// just below) "1.00", where a person, and Excel, write 13, 0,13 and 1,01.
//
// How it is written: a decimal comma, the whole part's digits in groups of
// three separated by a no-break space (U+00A0, so that a figure never
// breaks across lines and a terminal shows an ordinary space), a real minus
// sign (U+2212), and no sign on a value that rounds to zero. A missing value
// is an en dash (Missing), never 0.

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

const (
	// Thousands separates groups of three digits: a no-break space.
	Thousands = "\u00a0"
	// Minus is the minus sign of a negative figure (U+2212).
	Minus = "\u2212"
	// Missing stands for a value that does not exist; a note says why.
	Missing = "–"
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

// Group writes n with its digits in groups of three separated by sep:
// Group(13032, " ") is "13 032", with an ASCII minus. Outputs for people
// use Int; Group is for texts in English (make bench's report).
func Group(n int64, sep string) string {
	s := strconv.FormatInt(n, 10)
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

// Int writes a whole number for people: Int(-13032) is "−13 032".
func Int(n int64) string {
	if n < 0 {
		return Minus + strings.TrimPrefix(Group(n, Thousands), "-")
	}
	return Group(n, Thousands)
}

// decimalDigits rounds x (after Round6 when dec is at most 6) half away
// from zero to dec decimals, from its shortest decimal form: the sign, the
// whole part's digits and the decimals' digits. ok is false for NaN and ±Inf.
func decimalDigits(x float64, dec int) (neg bool, whole, frac string, ok bool) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return false, "", "", false
	}
	if dec < 0 {
		dec = 0
	}
	if dec <= 6 {
		x = Round6(x)
	}
	s := strconv.FormatFloat(x, 'f', -1, 64)
	neg = strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ = strings.Cut(s, ".")
	if len(frac) <= dec {
		frac += strings.Repeat("0", dec-len(frac))
	} else {
		up := frac[dec] >= '5'
		digits := []byte(whole + frac[:dec])
		if up {
			i := len(digits) - 1
			for ; i >= 0; i-- {
				if digits[i] == '9' {
					digits[i] = '0'
					continue
				}
				digits[i]++
				break
			}
			if i < 0 {
				digits = append([]byte{'1'}, digits...)
			}
		}
		whole, frac = string(digits[:len(digits)-dec]), string(digits[len(digits)-dec:])
	}
	if strings.Trim(whole+frac, "0") == "" {
		neg = false // a value that rounds to zero has no sign
	}
	return neg, whole, frac, true
}

// groupDigits puts a no-break space between groups of three digits.
func groupDigits(digits string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(Thousands)
		}
		b.WriteRune(r)
	}
	return b.String()
}

func compose(sign, whole, frac string) string {
	s := sign + groupDigits(whole)
	if frac != "" {
		s += "," + frac
	}
	return s
}

// Number writes x with dec decimals for people: Number(-14204.53, 1) is
// "−14 204,5", Number(12.5, 0) "13", Number(0.125, 2) "0,13". NaN and ±Inf
// are Missing.
func Number(x float64, dec int) string {
	neg, whole, frac, ok := decimalDigits(x, dec)
	if !ok {
		return Missing
	}
	sign := ""
	if neg {
		sign = Minus
	}
	return compose(sign, whole, frac)
}

// Rounded is x rounded as Number shows it, as a number (never -0): two
// values that read the same at the decimals shown are equal.
func Rounded(x float64, dec int) float64 {
	neg, whole, frac, ok := decimalDigits(x, dec)
	if !ok {
		return x
	}
	v, _ := strconv.ParseFloat(whole+"."+frac+"0", 64)
	if neg {
		v = -v
	}
	if v == 0 {
		return 0
	}
	return v
}

// NumberPtr is Number for a value that may be missing (nil is Missing).
func NumberPtr(p *float64, dec int) string {
	if p == nil {
		return Missing
	}
	return Number(*p, dec)
}

// Signed writes a change with its sign: "+1,2", "−0,8", and "±0,0" for one
// that rounds to zero.
func Signed(x float64, dec int) string {
	neg, whole, frac, ok := decimalDigits(x, dec)
	if !ok {
		return Missing
	}
	sign := "+"
	switch {
	case neg:
		sign = Minus
	case strings.Trim(whole+frac, "0") == "":
		sign = "±"
	}
	return compose(sign, whole, frac)
}

// SignedPtr is Signed for a value that may be missing.
func SignedPtr(p *float64, dec int) string {
	if p == nil {
		return Missing
	}
	return Signed(*p, dec)
}

// Trimmed writes x with at most dec decimals and no trailing zeros:
// Trimmed(1750.5, 3) is "1 750,5", Trimmed(50, 2) "50", Trimmed(2022.5, 2)
// "2 022,5" (use Plain for a year).
func Trimmed(x float64, dec int) string {
	neg, whole, frac, ok := decimalDigits(x, dec)
	if !ok {
		return Missing
	}
	frac = strings.TrimRight(frac, "0")
	sign := ""
	if neg && strings.Trim(whole+frac, "0") != "" {
		sign = Minus
	}
	return compose(sign, whole, frac)
}

// Plain is Trimmed without thousands separators, for a year or a
// mean of years: "2023", "2022,5".
func Plain(x float64, dec int) string {
	return strings.ReplaceAll(Trimmed(x, dec), Thousands, "")
}

// Excel writes a value for CSV that Swedish Excel reads as a number: every
// decimal (after Round6), a decimal comma, no thousands separator and an
// ASCII minus (Excel does not read U+2212 as one): "-1234,5".
func Excel(x float64) string {
	return strings.Replace(Machine(x), ".", ",", 1)
}

// Machine writes a value for programs (RFC 4180 CSV): a decimal point, every
// decimal after Round6, no grouping: "-1234.5".
func Machine(x float64) string {
	return strconv.FormatFloat(Round6(x), 'f', -1, 64)
}

// NumFmt is the XLSX number format of a figure with dec decimals:
// "#,##0.0". Excel shows it with the reader's own separators (1 234,5 in
// Swedish Excel); a literal space in the format would break at a million.
func NumFmt(dec int) string {
	if dec <= 0 {
		return "#,##0"
	}
	return "#,##0." + strings.Repeat("0", dec)
}

// spaces that group thousands in Swedish numbers: space, no-break space
// (U+00A0), narrow no-break space (U+202F) and thin space (U+2009).
const thousandsSpaces = " \u00a0\u202f\u2009"

var (
	plainNumber   = regexp.MustCompile(`^\d*([.,]\d+)?$`)
	groupedNumber = regexp.MustCompile(`^\d{1,3}( \d{3})+([.,]\d+)?$`)
	expNumber     = regexp.MustCompile(`^\d*(\.\d+)?[eE][-+]?\d+$`)
	spaceLike     = strings.NewReplacer("\u00a0", " ", "\u202f", " ", "\u2009", " ")
)

// ErrNotANumber is what ParseNumber's errors are (errors.Is).
var ErrNotANumber = errors.New("inget tal")

// NumberError is a text that is not a number, and why, in Swedish: it
// reaches the problem reports a statistician reads.
type NumberError struct {
	Text string
	Why  string // " (mer än ett decimaltecken)", or ""
}

func (e *NumberError) Error() string { return fmt.Sprintf("%q är inget tal%s", e.Text, e.Why) }

// Is makes errors.Is(err, ErrNotANumber) true.
func (e *NumberError) Is(target error) bool { return target == ErrNotANumber }

// ParseNumber reads a number as Swedish documents and exports write it, and
// as English ones do: a decimal comma or point, the thousands grouped by a
// space, U+00A0, U+202F or U+2009 ("1 605 000", "1 750,5"), a minus sign
// ("-", U+2212, or the en dash Swedish typography uses), an optional "+",
// an exponent ("1.5e3", as programs write) and an optional trailing "%"
// (the value is the percentage as written). decimals is the number of
// decimals written (0 with an exponent). Both a comma and a point, two
// decimal signs, or digits grouped otherwise than by three are refused: the
// reader cannot know which is meant.
func ParseNumber(s string) (v float64, decimals int, err error) {
	t := strings.Trim(s, thousandsSpaces+"\t")
	if rest, ok := strings.CutSuffix(t, "%"); ok {
		t = strings.TrimRight(rest, thousandsSpaces)
	}
	neg := false
	for _, sign := range []string{"-", Minus, "–"} {
		if rest, ok := strings.CutPrefix(t, sign); ok {
			neg, t = true, strings.TrimLeft(rest, thousandsSpaces)
			break
		}
	}
	if !neg {
		t = strings.TrimPrefix(t, "+")
	}
	t = spaceLike.Replace(t)
	bad := func(why string) (float64, int, error) {
		return 0, 0, &NumberError{Text: s, Why: why}
	}
	switch {
	case t == "" || t == "." || t == ",":
		return bad("")
	case strings.Contains(t, ",") && strings.Contains(t, "."):
		return bad(" (både , och . i samma tal: skriv tusental med mellanslag, t.ex. 1 234,5)")
	case strings.Count(t, ",") > 1 || strings.Count(t, ".") > 1:
		return bad(" (mer än ett decimaltecken)")
	case expNumber.MatchString(t):
	case groupedNumber.MatchString(t):
		t = strings.ReplaceAll(t, " ", "")
	case plainNumber.MatchString(t):
	case strings.Contains(t, " ") && strings.Trim(t, "0123456789 ,.") == "":
		return bad(" (tusental grupperas tre och tre: 1 605 000)")
	default:
		return bad("")
	}
	if !expNumber.MatchString(t) {
		if _, frac, ok := strings.Cut(strings.Replace(t, ",", ".", 1), "."); ok {
			decimals = len(frac)
		}
	}
	v, err = strconv.ParseFloat(strings.Replace(t, ",", ".", 1), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return bad("")
	}
	if neg {
		v = -v
	}
	return v, decimals, nil
}
