package kolada

import (
	"strconv"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/store"
)

// Preliminary reports whether a KPI's value for year is preliminary on the
// date today: the year is at or after the KPI's latest published period and
// its (final) publication date has not come yet.
func Preliminary(k *store.KPI, year int, today time.Time) bool {
	if k == nil || k.PublicationDate == nil {
		return false
	}
	period, err := strconv.Atoi(k.PublPeriod)
	if err != nil {
		return false
	}
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	return year >= period && day.Before(*k.PublicationDate)
}
