package swedish

import "time"

// Stockholm is Europe/Stockholm, the time every output for people is
// written in (the binary links time/tzdata, so it exists on Windows too).
var Stockholm = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
}()

// Time writes a moment for people: in Swedish time, to the minute, with the
// zone named: "2026-12-01 18:52 CET" (CEST in summer). Every output that
// says when something happened — a load, the store's state, a run — writes
// it so, never UTC beside local time.
func Time(t time.Time) string { return t.In(Stockholm).Format("2006-01-02 15:04 MST") }

// Date writes the day of a moment in Swedish time: "2026-12-01".
func Date(t time.Time) string { return t.In(Stockholm).Format(time.DateOnly) }

// weekdays are the Swedish abbreviations of the days, Sunday first as
// time.Weekday counts them.
var weekdays = [...]string{"sön", "mån", "tis", "ons", "tors", "fre", "lör"}

// DayTime writes a moment in loc with its Swedish weekday, for a schedule
// whose firings are in its own time zone: "mån 2026-08-17 02:00 CEST".
func DayTime(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	return weekdays[t.Weekday()] + " " + t.Format("2006-01-02 15:04 MST")
}
