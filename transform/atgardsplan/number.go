package atgardsplan

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Unit is what an amount is written in.
type Unit int

// Units, as multipliers to tkr.
const (
	UnitTkr Unit = iota
	UnitKr
	UnitMnkr
)

func (u Unit) String() string {
	switch u {
	case UnitKr:
		return "kr"
	case UnitMnkr:
		return "mnkr"
	}
	return "tkr"
}

func (u Unit) toTkr() float64 {
	switch u {
	case UnitKr:
		return 0.001
	case UnitMnkr:
		return 1000
	}
	return 1
}

// tkr converts v in u to tkr; kr are divided (not multiplied by 0.001) so
// that whole kronor give exact tkr: 535 000 kr is 535 tkr, not 534.99…
func (u Unit) tkr(v float64) float64 {
	if u == UnitKr {
		return v / 1000
	}
	return v * u.toTkr()
}

// Amount is a parsed amount in tkr, with the rounding its text implies (half
// its last digit), so that a printed total can be checked fairly.
type Amount struct {
	Tkr float64
	// Tolerance is half a unit of the last written digit, in tkr.
	Tolerance float64
	Text      string
}

// errNotANumber is wrapped by ParseAmount's errors.
var errNotANumber = errors.New("not an amount")

var (
	plainDigits  = regexp.MustCompile(`^\d+(\.\d+)?$`)
	dotThousands = regexp.MustCompile(`^\d{1,3}(\.\d{3})+$`)
	// digits grouped by thousands with a space-like separator: 1 605 000
	spaceThousands = regexp.MustCompile(`^\d{1,3}( \d{3})+([.,]\d+)?$`)
	// thousands separators that Swedish documents and Excel use between digits
	spaceLike = strings.NewReplacer("\u00a0", " ", "\u202f", " ", "\u2009", " ", "'", " ")
)

// noneMarks are cells that mean "nothing this year".
var noneMarks = map[string]bool{"": true, "-": true, "–": true, "—": true, "−": true, "--": true}

// ParseAmount reads a Swedish-formatted amount: "1 605 000", "1 750,5",
// "1.605.000", "1 605 000 kr", "13 149 tkr", "2,5 mnkr", "100:-", with
// U+00A0 or U+202F as thousands separators. A dash or an empty cell is no
// amount (ok false). unit applies when the text names none.
func ParseAmount(text string, unit Unit) (a Amount, ok bool, err error) {
	s := strings.TrimSpace(strings.Trim(strings.TrimSpace(text), `"`))
	a.Text = s
	if noneMarks[s] {
		return a, false, nil
	}
	lower := strings.ToLower(s)
	switch {
	case strings.HasSuffix(lower, "mnkr"):
		unit, lower = UnitMnkr, strings.TrimSuffix(lower, "mnkr")
	case strings.HasSuffix(lower, "mkr"):
		unit, lower = UnitMnkr, strings.TrimSuffix(lower, "mkr")
	case strings.HasSuffix(lower, "tkr"):
		unit, lower = UnitTkr, strings.TrimSuffix(lower, "tkr")
	case strings.HasSuffix(lower, "kr"):
		unit, lower = UnitKr, strings.TrimSuffix(lower, "kr")
	case strings.HasSuffix(lower, ":-"):
		unit, lower = UnitKr, strings.TrimSuffix(lower, ":-")
	}
	num := strings.TrimSpace(lower)
	neg := false
	for _, minus := range []string{"-", "−", "–"} {
		if rest, found := strings.CutPrefix(num, minus); found {
			neg, num = true, strings.TrimSpace(rest)
			break
		}
	}
	num = spaceLike.Replace(num)
	if strings.Contains(num, " ") {
		if !spaceThousands.MatchString(num) {
			return a, false, fmt.Errorf("%w: %q (thousands are grouped by three: 1 605 000)", errNotANumber, text)
		}
		num = strings.ReplaceAll(num, " ", "")
	}
	decimals := 0
	switch {
	case strings.Contains(num, ","):
		// decimal comma; any dots are thousands separators
		intPart, frac, _ := strings.Cut(num, ",")
		if strings.Contains(frac, ",") || strings.Contains(frac, ".") {
			return a, false, fmt.Errorf("%w: %q has more than one decimal separator", errNotANumber, text)
		}
		if strings.Contains(intPart, ".") {
			if !dotThousands.MatchString(intPart) {
				return a, false, fmt.Errorf("%w: %q", errNotANumber, text)
			}
			intPart = strings.ReplaceAll(intPart, ".", "")
		}
		if intPart == "" {
			intPart = "0"
		}
		num, decimals = intPart+"."+frac, len(frac)
	case dotThousands.MatchString(num):
		num = strings.ReplaceAll(num, ".", "")
	case strings.Contains(num, "."):
		_, frac, _ := strings.Cut(num, ".")
		decimals = len(frac)
	}
	if !plainDigits.MatchString(num) {
		return a, false, fmt.Errorf("%w: %q (write amounts like 1 605 000, 1 750,5 or 13 149 tkr; - for none)", errNotANumber, text)
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsInf(v, 0) || v > 1e12 {
		return a, false, fmt.Errorf("%w: %q is out of range", errNotANumber, text)
	}
	if neg {
		v = -v
	}
	a.Tkr = unit.tkr(v)
	a.Tolerance = 0.5 * math.Pow(10, -float64(decimals)) * unit.toTkr()
	return a, true, nil
}
