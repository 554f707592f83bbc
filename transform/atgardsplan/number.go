package atgardsplan

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/swedish"
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
var errNotANumber = errors.New("inget belopp")

var (
	// digits grouped by thousands with dots, as some documents write them:
	// 1.605.000 (a plan's amounts are never fractions of a krona with
	// three decimals)
	dotThousands = regexp.MustCompile(`^[-−–]?\d{1,3}(\.\d{3})+(,\d+)?$`)
	// an apostrophe also groups thousands in some exports: 1'605'000
	apostrophes = strings.NewReplacer("'", " ")
)

// noneMarks are cells that mean "nothing this year".
var noneMarks = map[string]bool{"": true, "-": true, "–": true, "—": true, "−": true, "--": true}

// ParseAmount reads a Swedish-formatted amount: "1 605 000", "1 750,5",
// "1.605.000", "1 605 000 kr", "13 149 tkr", "2,5 mnkr", "100:-", with
// U+00A0 or U+202F as thousands separators. A dash or an empty cell is no
// amount (ok false). unit applies when the text names none. The number
// itself is read by swedish.ParseNumber, the one reader of Swedish numbers;
// the units, dots as thousands separators and the tolerance are the plan's.
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
	num := apostrophes.Replace(strings.TrimSpace(lower))
	if dotThousands.MatchString(num) {
		num = strings.ReplaceAll(num, ".", "")
	}
	if strings.ContainsAny(num, "eE%+") {
		return a, false, fmt.Errorf("%w: %q (skriv belopp som 1 605 000, 1 750,5 eller 13 149 tkr; - för inget)", errNotANumber, text)
	}
	v, decimals, err := swedish.ParseNumber(num)
	if err != nil {
		var ne *swedish.NumberError
		why := ""
		if errors.As(err, &ne) {
			why = ne.Why
		}
		if why == "" {
			why = " (skriv belopp som 1 605 000, 1 750,5 eller 13 149 tkr; - för inget)"
		}
		return a, false, fmt.Errorf("%w: %q%s", errNotANumber, text, why)
	}
	if math.Abs(v) > 1e12 {
		return a, false, fmt.Errorf("%w: %q är orimligt stort", errNotANumber, text)
	}
	a.Tkr = unit.tkr(v)
	if a.Tkr == 0 {
		a.Tkr = 0 // never -0
	}
	a.Tolerance = 0.5 * math.Pow(10, -float64(decimals)) * unit.toTkr()
	return a, true, nil
}
