package nka

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// ErrBadProfile marks a --profile that cannot be used.
var ErrBadProfile = errors.New("invalid profile")

// Profile says how a sparbeting is spread over the budget years.
type Profile struct {
	Name    string    // even, front, or the weights as given
	Weights []float64 // nil for even and front: computed per number of years
}

// ParseProfile reads even, front, or weights such as 50,30,20.
func ParseProfile(s string) (Profile, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	switch s {
	case "", "even":
		return Profile{Name: "even"}, nil
	case "front":
		return Profile{Name: "front"}, nil
	}
	var ws []float64
	for _, part := range strings.Split(s, ",") {
		w, err := strconv.ParseFloat(strings.TrimSpace(strings.ReplaceAll(part, " ", "")), 64)
		if err != nil || w < 0 || w > 1e6 || math.IsNaN(w) {
			return Profile{}, fmt.Errorf("%w %q: use even, front, or non-negative weights per year like 50,30,20", ErrBadProfile, s)
		}
		ws = append(ws, w)
	}
	var sum float64
	for _, w := range ws {
		sum += w
	}
	if sum <= 0 {
		return Profile{}, fmt.Errorf("%w %q: the weights sum to 0", ErrBadProfile, s)
	}
	return Profile{Name: s, Weights: ws}, nil
}

// weights returns the profile's weights for n years. front falls linearly:
// n, n-1, …, 1 (three years: 3:2:1, half of it the first year).
func (p Profile) weights(n int) ([]float64, error) {
	switch {
	case p.Weights != nil:
		if len(p.Weights) != n {
			return nil, fmt.Errorf("%w %s: %d weights for %d budget years", ErrBadProfile, p.Name, len(p.Weights), n)
		}
		return p.Weights, nil
	case p.Name == "front":
		ws := make([]float64, n)
		for i := range ws {
			ws[i] = float64(n - i)
		}
		return ws, nil
	}
	ws := make([]float64, n)
	for i := range ws {
		ws[i] = 1
	}
	return ws, nil
}

// YearAmount is a year's part of a sparbeting, in whole tkr.
type YearAmount struct {
	Year int   `json:"year"`
	Tkr  int64 `json:"tkr"`
	// KrPerInv is Tkr in kronor per invånare of the base year (nil: unknown).
	KrPerInv *float64 `json:"kr_per_inv"`
}

// GlidePath spreads total (whole tkr) over the years from..to by the
// profile. The parts are whole tkr and always sum to total exactly: each year
// gets the floor of its share and the tkr left over go to the largest
// remainders (the earlier year on a tie).
func GlidePath(total int64, from, to int, p Profile) ([]YearAmount, error) {
	if to < from {
		return nil, fmt.Errorf("%w: no budget years from %d to %d", ErrBadProfile, from, to)
	}
	n := to - from + 1
	ws, err := p.weights(n)
	if err != nil {
		return nil, err
	}
	var sum float64
	for _, w := range ws {
		sum += w
	}
	neg := total < 0
	abs := total
	if neg {
		abs = -total
	}
	out := make([]YearAmount, n)
	type rem struct {
		i int
		r float64
	}
	rems := make([]rem, n)
	var given int64
	for i := range out {
		share := float64(abs) * ws[i] / sum
		fl := math.Floor(share)
		out[i] = YearAmount{Year: from + i, Tkr: int64(fl)}
		given += int64(fl)
		rems[i] = rem{i, share - fl}
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for k := 0; given < abs; k++ {
		out[rems[k%n].i].Tkr++
		given++
	}
	if neg {
		for i := range out {
			out[i].Tkr = -out[i].Tkr
		}
	}
	return out, nil
}
