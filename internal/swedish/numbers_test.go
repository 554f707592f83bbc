package swedish

import (
	"errors"
	"math"
	"testing"
)

func TestGroup(t *testing.T) {
	tests := []struct {
		n    int64
		sep  string
		want string
	}{
		{0, " ", "0"}, {999, " ", "999"}, {1000, " ", "1 000"}, {13032, " ", "13 032"},
		{-1234567, " ", "-1 234 567"}, {20001300, "\u00a0", "20\u00a0001\u00a0300"},
		{math.MinInt64, " ", "-9 223 372 036 854 775 808"},
	}
	for _, tt := range tests {
		if got := Group(tt.n, tt.sep); got != tt.want {
			t.Errorf("Group(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestRound6(t *testing.T) {
	tests := []struct{ in, want float64 }{
		{1.23456749, 1.234567}, {1.2345675, 1.234568}, {-0.0000001, 0}, {0.1 + 0.2, 0.3}, {-2.5, -2.5},
	}
	for _, tt := range tests {
		got := Round6(tt.in)
		if got != tt.want || math.Signbit(got) != math.Signbit(tt.want) {
			t.Errorf("Round6(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
	nan := math.NaN()
	for _, p := range []*float64{nil, &nan} {
		if Round6Ptr(p) != nil {
			t.Errorf("Round6Ptr(%v) is not nil", p)
		}
	}
	x := 2.0000004
	if r := Round6Ptr(&x); r == nil || *r != 2 {
		t.Errorf("Round6Ptr(2.0000004) = %v", r)
	}
}

func TestNumberRoundsHalfAwayFromZeroAsPeopleDo(t *testing.T) {
	const n, m = "\u00a0", "\u2212"
	tests := []struct {
		x    float64
		dec  int
		want string
	}{
		{12.5, 0, "13"}, {13.5, 0, "14"}, {-12.5, 0, m + "13"}, {0.125, 2, "0,13"}, {1.005, 2, "1,01"},
		{2.675, 2, "2,68"}, {-0.001, 2, "0,00"}, {-0.005, 2, m + "0,01"}, {0, 1, "0,0"},
		{1234567.891, 1, "1" + n + "234" + n + "567,9"}, {-14204.53, 1, m + "14" + n + "204,5"},
		{999.95, 1, "1" + n + "000,0"}, {7.0843, 4, "7,0843"}, {30.249796, 6, "30,249796"},
		{12.4999999999998, 0, "13"}, // DuckDB's noise around 12.5 is 12.5
		{0.1 + 0.2, 2, "0,30"}, {0.05, 1, "0,1"}, {9.96, 1, "10,0"}, {-0.04, 1, "0,0"}, {83, 1, "83,0"}, {1e-7, 2, "0,00"},
		{123456789.5, 0, "123" + n + "456" + n + "790"}, {0.95, 1, "1,0"}, {1e15, 0, "1" + n + "000" + n + "000" + n + "000" + n + "000" + n + "000"},
	}
	for _, tt := range tests {
		if got := Number(tt.x, tt.dec); got != tt.want {
			t.Errorf("Number(%v, %d) = %q, want %q", tt.x, tt.dec, got, tt.want)
		}
	}
	if got := Number(math.NaN(), 1); got != Missing {
		t.Errorf("Number(NaN) = %q", got)
	}
	if got := NumberPtr(nil, 1); got != Missing {
		t.Errorf("NumberPtr(nil) = %q", got)
	}
	for _, tt := range []struct {
		x    float64
		want string
	}{{1.25, "+1,3"}, {-0.75, m + "0,8"}, {0.04, "±0,0"}, {-0.04, "±0,0"}} {
		if got := Signed(tt.x, 1); got != tt.want {
			t.Errorf("Signed(%v) = %q, want %q", tt.x, got, tt.want)
		}
	}
	for _, tt := range []struct {
		x    float64
		dec  int
		want string
	}{{1750.5, 3, "1" + n + "750,5"}, {-400, 3, m + "400"}, {50, 2, "50"}, {33.3333, 2, "33,33"}, {0.0004, 3, "0"}} {
		if got := Trimmed(tt.x, tt.dec); got != tt.want {
			t.Errorf("Trimmed(%v, %d) = %q, want %q", tt.x, tt.dec, got, tt.want)
		}
	}
	if got := Plain(2022.5, 2); got != "2022,5" {
		t.Errorf("Plain(2022.5) = %q", got)
	}
	if got, want := Int(-13032), m+"13"+n+"032"; got != want {
		t.Errorf("Int(-13032) = %q, want %q", got, want)
	}
	if got := Excel(-1234.5); got != "-1234,5" {
		t.Errorf("Excel(-1234.5) = %q", got)
	}
	if got := Machine(0.1 + 0.2); got != "0.3" {
		t.Errorf("Machine(0.1+0.2) = %q", got)
	}
	for dec, want := range []string{"#,##0", "#,##0.0", "#,##0.00"} {
		if got := NumFmt(dec); got != want {
			t.Errorf("NumFmt(%d) = %q, want %q", dec, got, want)
		}
	}
}

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		dec  int
	}{
		{"12", 12, 0}, {"7,2", 7.2, 1}, {"7.25", 7.25, 2}, {"1 605 000", 1605000, 0}, {"1\u00a0750,5", 1750.5, 1},
		{"1\u202f750,50", 1750.5, 2}, {"\u22121,5", -1.5, 1}, {"–3", -3, 0}, {"-2", -2, 0}, {"+4", 4, 0},
		{"12,5 %", 12.5, 1}, {"1.5e3", 1500, 0}, {" 8 ", 8, 0}, {",5", 0.5, 1},
	}
	for _, tt := range tests {
		v, dec, err := ParseNumber(tt.in)
		if err != nil || v != tt.want || dec != tt.dec {
			t.Errorf("ParseNumber(%q) = %v, %d, %v; want %v, %d", tt.in, v, dec, err, tt.want, tt.dec)
		}
	}
	for _, in := range []string{"", "abc", "1,234.5", "1,2,3", "12 34", "1 2345", "-", "1.2.3", "12kr"} {
		if _, _, err := ParseNumber(in); !errors.Is(err, ErrNotANumber) {
			t.Errorf("ParseNumber(%q) = %v, want ErrNotANumber", in, err)
		}
	}
}

// What Number writes, ParseNumber reads back: the åtgärdsplan's amounts and
// the tables' values survive a round trip through people's notation.
func TestNumberRoundTrip(t *testing.T) {
	for _, x := range []float64{0, 12.5, -1750.5, 1234567.25, -0.125, 13549, 1e9 + 0.5} {
		for dec := 0; dec <= 3; dec++ {
			s := Number(x, dec)
			v, _, err := ParseNumber(s)
			if err != nil {
				t.Fatalf("ParseNumber(Number(%v, %d) = %q): %v", x, dec, s, err)
			}
			if back := Number(v, dec); back != s {
				t.Errorf("Number(%v, %d) = %q reads back as %v, written %q", x, dec, s, v, back)
			}
		}
	}
}
