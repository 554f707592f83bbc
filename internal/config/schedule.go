package config

import (
	"fmt"
	"regexp"
	"sort"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/schedule"
)

// ScheduleConfig is the `nyckeltal schedule` daemon's configuration.
type ScheduleConfig struct {
	// TimeZone applies to every spec without its own CRON_TZ= prefix.
	TimeZone string `toml:"time_zone"`
	// StopTimeout bounds the wait for the running job after SIGTERM/SIGINT.
	StopTimeout Duration `toml:"stop_timeout"`
	// Jobs maps a job name to a standard 5-field cron spec; "off" switches a
	// default off. Keys set in a file are merged over the defaults.
	Jobs map[string]string `toml:"jobs"`
}

// NotifyConfig is what runs when a run or a scheduled job fails.
type NotifyConfig struct {
	// Command is run with the failure summary on stdin; empty: none. A list,
	// so that no shell (and no quoting) is involved on any system.
	Command []string `toml:"command"`
	// Format of the summary: "text" (for mail) or "json" (for webhooks).
	Format  string   `toml:"format"`
	Timeout Duration `toml:"timeout"`
}

// ScheduleOff switches a default schedule off.
const ScheduleOff = "off"

func defaultSchedule() ScheduleConfig {
	return ScheduleConfig{
		TimeZone:    schedule.DefaultTimeZone,
		StopTimeout: Duration{time.Minute},
		Jobs: map[string]string{
			"kolada":      "0 2 * * *",    // every night at 02:00
			"inbox":       "*/15 * * * *", // every 15 minutes
			"kolada-full": "0 3 * * 0",    // Sunday 03:00
		},
	}
}

func defaultNotify() NotifyConfig {
	return NotifyConfig{Command: []string{}, Format: "text", Timeout: Duration{time.Minute}}
}

var jobName = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// Location is the schedule's time zone.
func (s ScheduleConfig) Location() (*time.Location, error) {
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("schedule.time_zone %q is not a time zone (write e.g. Europe/Stockholm)", s.TimeZone)
	}
	return loc, nil
}

// Entries parses the switched-on jobs, sorted by name.
func (s ScheduleConfig) Entries() ([]schedule.Entry, error) {
	loc, err := s.Location()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(s.Jobs))
	for n := range s.Jobs {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []schedule.Entry
	for _, n := range names {
		spec := s.Jobs[n]
		if spec == ScheduleOff || spec == "" {
			continue
		}
		if !jobName.MatchString(n) {
			return nil, fmt.Errorf("schedule.jobs: %q is not a job name (lower-case letters, digits and -)", n)
		}
		sc, err := schedule.Parse(spec, loc)
		if err != nil {
			return nil, fmt.Errorf("schedule.jobs.%s: %w", n, err)
		}
		out = append(out, schedule.Entry{Name: n, Schedule: sc})
	}
	return out, nil
}

func (s ScheduleConfig) validate() []string {
	var errs []string
	if _, err := s.Entries(); err != nil {
		errs = append(errs, err.Error())
	}
	if s.StopTimeout.Duration <= 0 {
		errs = append(errs, "schedule.stop_timeout must be positive")
	}
	return errs
}

func (n NotifyConfig) validate() []string {
	var errs []string
	if n.Format != "text" && n.Format != "json" {
		errs = append(errs, fmt.Sprintf("notify.format %q must be \"text\" or \"json\"", n.Format))
	}
	if n.Timeout.Duration <= 0 {
		errs = append(errs, "notify.timeout must be positive")
	}
	return errs
}
