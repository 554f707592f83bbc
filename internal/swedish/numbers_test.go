package swedish

import (
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
