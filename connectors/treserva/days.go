package treserva

import (
	"math"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/tabular"
)

// Dates of decisions are kept as days since 1970-01-01 (UTC), so that a
// decision is a few dozen bytes and an extract of millions of rows fits in
// memory.

// noDate is a date that is not there.
const noDate int32 = math.MinInt32

func dayOf(t time.Time) int32 { return int32(t.Unix() / 86400) }

func timeOf(d int32) time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

func timePtr(d int32) *time.Time {
	if d == noDate {
		return nil
	}
	t := timeOf(d)
	return &t
}

// civilDay is the day number of a date (Howard Hinnant's days_from_civil).
func civilDay(y, m, d int) int32 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int32(era*146097 + doe - 719468)
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func digits2(s string) (int, bool) {
	if s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

// isoDay reads ÅÅÅÅ-MM-DD, optionally followed by a time of day, as
// tabular.ParseISODate does, without allocating; err says why not.
func isoDay(s string) (int32, error) {
	t := s
	if len(t) > 10 && (t[10] == ' ' || t[10] == 'T') {
		t = t[:10]
	}
	if len(t) == 10 && t[4] == '-' && t[7] == '-' {
		hi, ok1 := digits2(t[0:2])
		lo, ok2 := digits2(t[2:4])
		m, ok3 := digits2(t[5:7])
		d, ok4 := digits2(t[8:10])
		y := hi*100 + lo
		if ok1 && ok2 && ok3 && ok4 && m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m) {
			return civilDay(y, m, d), nil
		}
	}
	_, err := tabular.ParseISODate(s)
	if err == nil { // cannot happen: the same rules
		err = tabular.ErrDate
	}
	return 0, err
}

// yearOf is the calendar year of a day.
func yearOf(d int32) int { return timeOf(d).Year() }

// ageOn is the age in whole years on day at of a person born on birth.
func ageOn(birth, at int32) int {
	// civilDate, not time.Time: it is asked for every decision.
	by, bm, bd := civilDate(birth)
	ty, tm, td := civilDate(at)
	age := ty - by
	if tm < bm || (tm == bm && td < bd) {
		age--
	}
	return age
}

// threeMonthsAfterDay is ThreeMonthsAfter on day numbers.
func threeMonthsAfterDay(d int32) int32 {
	y, m, day := civilDate(d)
	m += 3
	if m > 12 {
		y, m = y+1, m-12
	}
	return civilDay(y, m, min(day, daysIn(y, m)))
}

// civilDate is the date of a day number (Howard Hinnant's civil_from_days).
func civilDate(z32 int32) (y, m, d int) {
	z := int(z32) + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}
