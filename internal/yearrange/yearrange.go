// Package yearrange reads the years a setting or a flag names: "2018-2025",
// "2018-" (to this year), "2024" or "2019,2021,2023-2024".
package yearrange

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Parse reads "2018-2025", "2018-" (to now's year), "2024" or
// "2019,2021,2023-2024" into sorted distinct years.
func Parse(s string, now time.Time) ([]int, error) {
	parts := splitList(s)
	if len(parts) == 0 {
		return nil, errors.New("no years")
	}
	seen := map[int]bool{}
	for _, p := range parts {
		from, to, isRange := strings.Cut(p, "-")
		lo, err := parseYear(from)
		if err != nil {
			return nil, err
		}
		hi := lo
		if isRange {
			if strings.TrimSpace(to) == "" {
				hi = now.Year()
			} else if hi, err = parseYear(to); err != nil {
				return nil, err
			}
		}
		if hi < lo {
			return nil, fmt.Errorf("year range %q runs backwards", p)
		}
		if hi-lo > 100 {
			return nil, fmt.Errorf("year range %q is longer than a century", p)
		}
		for y := lo; y <= hi; y++ {
			seen[y] = true
		}
	}
	years := make([]int, 0, len(seen))
	for y := range seen {
		years = append(years, y)
	}
	sort.Ints(years)
	return years, nil
}

func parseYear(s string) (int, error) {
	y, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || y < 1900 || y > 2100 {
		return 0, fmt.Errorf("%q is not a year between 1900 and 2100 (write 2018-2025, 2018- or 2024)", strings.TrimSpace(s))
	}
	return y, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
