package tables

import (
	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"math"
	"strconv"
	"strings"
)

// machineNumber writes a number for CSV: a decimal point, no grouping;
// NULL is an empty cell, never 0.
func machineNumber(p *float64) string {
	if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
		return ""
	}
	return strconv.FormatFloat(swedish.Round6(*p), 'f', -1, 64)
}

// excelNumber is machineNumber with a decimal comma, as Swedish Excel reads it.
func excelNumber(p *float64) string {
	return strings.Replace(machineNumber(p), ".", ",", 1)
}

const (
	nbsp  = "\u00a0"
	minus = "\u2212"
	dash  = "–"
)

// humanNumber writes a number as a Swedish reader expects it: 1 234,5 with a
// non-breaking space between thousands and a real minus sign; a missing
// value is a dash (the row's note says why).
func humanNumber(p *float64, decimals int) string {
	if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
		return dash
	}
	return swedishNumber(*p, decimals, false)
}

// humanChange writes a change with its sign: +1,2, −0,8, ±0,0.
func humanChange(p *float64, decimals int) string {
	if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
		return dash
	}
	return swedishNumber(*p, decimals, true)
}

// fixed writes x with the decimals, rounding the shortest decimal form of x
// half away from zero, as people round (strconv rounds the binary value half
// to even: 12.5 would become 12, and 1.005 would become 1.00).
func fixed(x float64, decimals int) string {
	s := strconv.FormatFloat(x, 'f', -1, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) <= decimals {
		frac += strings.Repeat("0", decimals-len(frac))
	} else {
		up := frac[decimals] >= '5'
		digits := []byte(whole + frac[:decimals])
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
		whole, frac = string(digits[:len(digits)-decimals]), string(digits[len(digits)-decimals:])
	}
	out := whole
	if decimals > 0 {
		out += "." + frac
	}
	if neg && strings.Trim(out, "0.") != "" {
		out = "-" + out
	}
	return out
}

func swedishNumber(x float64, decimals int, signed bool) string {
	s := fixed(x, decimals)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(s, ".")
	zero := strings.Trim(whole+frac, "0") == ""
	var b strings.Builder
	switch {
	case zero && signed:
		b.WriteString("±")
	case neg && !zero:
		b.WriteString(minus)
	case signed:
		b.WriteString("+")
	}
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(nbsp)
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteString(",")
		b.WriteString(frac)
	}
	return b.String()
}

// rankText is "2 av 8".
func rankText(p *PeerStats) string {
	if p == nil || p.Rank == 0 {
		return dash
	}
	return strconv.Itoa(p.Rank) + " av " + strconv.Itoa(p.Of)
}

func directionText(d string) string {
	if d == "öka" {
		return "öka"
	}
	return "minska"
}

func yesNo(b bool) string {
	if b {
		return "ja"
	}
	return "nej"
}
