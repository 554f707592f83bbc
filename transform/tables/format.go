package tables

import (
	"math"
	"strconv"

	"github.com/nyckeltal/nyckeltal/internal/swedish"
)

// machineNumber writes a number for CSV: a decimal point, no grouping;
// NULL is an empty cell, never 0.
func machineNumber(p *float64) string {
	if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
		return ""
	}
	return swedish.Machine(*p)
}

// excelNumber is machineNumber with a decimal comma, as Swedish Excel reads it.
func excelNumber(p *float64) string {
	if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
		return ""
	}
	return swedish.Excel(*p)
}

const dash = swedish.Missing

// humanNumber writes a number as a Swedish reader expects it (swedish.Number:
// 1 234,5 with a no-break space and a real minus sign); a missing value is
// a dash (the row's note says why).
func humanNumber(p *float64, decimals int) string { return swedish.NumberPtr(p, decimals) }

// humanChange writes a change with its sign: +1,2, −0,8, ±0,0.
func humanChange(p *float64, decimals int) string { return swedish.SignedPtr(p, decimals) }

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
