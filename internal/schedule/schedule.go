// Package schedule parses cron specs into schedules that behave well on the
// nights Sweden changes between summer and winter time, and runs them as a
// daemon with github.com/robfig/cron/v3. Operator examples (crontab, systemd,
// Windows Task Scheduler) are in schedules/ at the repository root.
package schedule

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// DefaultTimeZone is where the municipalities' nights are.
const DefaultTimeZone = "Europe/Stockholm"

// Schedule is a parsed cron spec: a standard 5-field spec ("0 2 * * *"), a
// descriptor (@daily, @weekly, @every 1h), optionally prefixed with CRON_TZ=
// (or TZ=) and a time-zone name; without it the default zone applies.
//
// robfig/cron computes in real time, which on a DST night skips a job set in
// the hour that does not exist (02:00–02:59 on the last Sunday of March in
// Sweden) and runs a job set in the repeated hour twice (the last Sunday of
// October). Schedule fixes both for specs with a fixed hour, as Vixie cron and
// cronie do: a job in the skipped hour runs at the change (03:00 summer time),
// and one in the repeated hour runs once, at its first occurrence. Specs whose
// hour field is a wildcard (*/15 * * * *, @hourly, @every) keep real time:
// every 15 minutes stays every 15 minutes, through both nights.
type Schedule struct {
	Spec     string
	Location *time.Location
	// wall is true for fixed-hour specs, computed on the wall clock.
	wall   bool
	native cron.Schedule // the spec in Location, real time
	onUTC  cron.Schedule // the same spec on a clock without DST
}

var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Parse reads spec; def is the zone when the spec names none.
func Parse(spec string, def *time.Location) (*Schedule, error) {
	body := strings.TrimSpace(spec)
	loc := def
	if loc == nil {
		loc = time.Local
	}
	if strings.HasPrefix(body, "CRON_TZ=") || strings.HasPrefix(body, "TZ=") {
		tz, rest, _ := strings.Cut(body, " ")
		_, name, _ := strings.Cut(tz, "=")
		l, err := time.LoadLocation(name)
		if err != nil {
			return nil, fmt.Errorf("cron spec %q: unknown time zone %q (write e.g. CRON_TZ=Europe/Stockholm)", spec, name)
		}
		loc, body = l, strings.TrimSpace(rest)
	}
	if body == "" {
		return nil, fmt.Errorf("cron spec %q is empty", spec)
	}
	wall, err := hasFixedHour(body)
	if err != nil {
		return nil, fmt.Errorf("cron spec %q: %w", spec, err)
	}
	native, err := parser.Parse(body)
	if err != nil {
		return nil, fmt.Errorf("cron spec %q: %w (use five fields: minute hour day-of-month month day-of-week, e.g. \"0 2 * * *\")", spec, err)
	}
	s := &Schedule{Spec: spec, Location: loc, wall: wall, native: native}
	if ss, ok := native.(*cron.SpecSchedule); ok {
		ss.Location = loc
		if wall {
			onUTC, _ := parser.Parse(body)
			onUTC.(*cron.SpecSchedule).Location = time.UTC
			s.onUTC = onUTC
		}
	} else {
		s.wall = false // @every: a constant delay
	}
	return s, nil
}

// hasFixedHour tells whether the hour field is fixed (not * or */n).
func hasFixedHour(body string) (bool, error) {
	if strings.HasPrefix(body, "@") {
		switch strings.Fields(body)[0] {
		case "@every", "@hourly":
			return false, nil
		case "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight":
			return true, nil
		}
		return false, fmt.Errorf("unknown descriptor %s", strings.Fields(body)[0])
	}
	f := strings.Fields(body)
	if len(f) != 5 {
		return false, fmt.Errorf("%d fields; use five: minute hour day-of-month month day-of-week, e.g. \"0 2 * * *\"", len(f))
	}
	return !strings.HasPrefix(f[1], "*"), nil
}

// Next returns the first activation after t, or the zero time if none.
func (s *Schedule) Next(t time.Time) time.Time {
	if !s.wall {
		return s.native.Next(t)
	}
	w := wallClock(t.In(s.Location))
	// A spec such as "0 2 30 2 *" never matches; robfig gives up after five
	// years and returns zero. The loop only repeats for activations that fall
	// in the second pass of a repeated hour.
	for range 1000 {
		nw := s.onUTC.Next(w)
		if nw.IsZero() {
			return nw
		}
		if at := instant(nw, s.Location); at.After(t) {
			return at
		}
		w = nw
	}
	return time.Time{}
}

// Upcoming returns the next n activations after t.
func (s *Schedule) Upcoming(t time.Time, n int) []time.Time {
	var out []time.Time
	for range n {
		t = s.Next(t)
		if t.IsZero() {
			break
		}
		out = append(out, t)
	}
	return out
}

// Missed reports whether an activation fell between last (the start of the
// last successful run) and now, so that a daemon that was down should run
// the job at once.
func (s *Schedule) Missed(last, now time.Time) bool {
	n := s.Next(last)
	return !n.IsZero() && !n.After(now)
}

// wallClock is t's wall-clock reading as a UTC time, a clock without DST.
func wallClock(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// instant is the moment the wall clock of loc shows w (a UTC-coded wall
// time): the first such moment when the hour repeats, and the moment of the
// change when w falls in the hour that is skipped.
func instant(w time.Time, loc *time.Location) time.Time {
	_, before := w.Add(-12 * time.Hour).In(loc).Zone()
	_, after := w.Add(12 * time.Hour).In(loc).Zone()
	var found time.Time
	for _, off := range []int{before, after} {
		at := w.Add(-time.Duration(off) * time.Second)
		if wallClock(at.In(loc)).Equal(w) && (found.IsZero() || at.Before(found)) {
			found = at
		}
	}
	if !found.IsZero() {
		return found
	}
	// In the gap: the zone that follows begins at the change.
	start, _ := w.Add(-time.Duration(before) * time.Second).In(loc).ZoneBounds()
	return start
}
