package schedule

import (
	"strings"
	"testing"
	"time"
)

var stockholm = func() *time.Location {
	l, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		panic(err)
	}
	return l
}()

func utc(y int, m time.Month, d, h, mi int) time.Time {
	return time.Date(y, m, d, h, mi, 0, 0, time.UTC)
}

func TestParse(t *testing.T) {
	tests := []struct {
		spec    string
		wantErr string
		zone    string
		wall    bool
	}{
		{spec: "0 2 * * *", zone: "Europe/Stockholm", wall: true},
		{spec: "*/15 * * * *", zone: "Europe/Stockholm"},
		{spec: "0 3 * * 0", zone: "Europe/Stockholm", wall: true},
		{spec: "CRON_TZ=UTC 0 2 * * *", zone: "UTC", wall: true},
		{spec: "TZ=America/New_York 30 6 * * 1-5", zone: "America/New_York", wall: true},
		{spec: "@daily", zone: "Europe/Stockholm", wall: true},
		{spec: "@hourly", zone: "Europe/Stockholm"},
		{spec: "@every 90m", zone: "Europe/Stockholm"},
		{spec: "0 */2 * * *", zone: "Europe/Stockholm"},
		{spec: "", wantErr: "empty"},
		{spec: "0 2 * *", wantErr: "4 fields"},
		{spec: "0 0 2 * * *", wantErr: "6 fields"},
		{spec: "61 2 * * *", wantErr: "five fields"},
		{spec: "CRON_TZ=Europe/Stokholm 0 2 * * *", wantErr: "unknown time zone"},
		{spec: "@fortnightly", wantErr: "unknown descriptor"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			s, err := Parse(tt.spec, stockholm)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Location.String() != tt.zone || s.wall != tt.wall {
				t.Fatalf("zone %s wall %v, want %s %v", s.Location, s.wall, tt.zone, tt.wall)
			}
		})
	}
}

// On the last Sunday of March 2026 Swedish clocks go from 02:00 CET to 03:00
// CEST (01:00 UTC); on the last Sunday of October from 03:00 CEST back to
// 02:00 CET (01:00 UTC).
func TestNextAcrossDSTNights(t *testing.T) {
	tests := []struct {
		name string
		spec string
		from time.Time
		want []time.Time
	}{
		{"ordinary nights: 02:00 is 00:00 UTC in summer, 01:00 in winter", "0 2 * * *", utc(2026, 6, 1, 12, 0),
			[]time.Time{utc(2026, 6, 2, 0, 0), utc(2026, 6, 3, 0, 0)}},
		{"spring: 02:00 does not exist, the job runs at the change (03:00 CEST)", "0 2 * * *", utc(2026, 3, 28, 12, 0),
			[]time.Time{utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 0, 0)}},
		{"spring: 02:30 too runs at the change", "30 2 * * *", utc(2026, 3, 28, 12, 0),
			[]time.Time{utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 0, 30)}},
		{"spring: 03:00 is unaffected", "0 3 * * *", utc(2026, 3, 28, 12, 0),
			[]time.Time{utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 1, 0)}},
		{"autumn: 02:00 comes twice, the job runs once, at the first", "0 2 * * *", utc(2026, 10, 24, 12, 0),
			[]time.Time{utc(2026, 10, 25, 0, 0), utc(2026, 10, 26, 1, 0)}},
		{"autumn: 02:45 also once", "45 2 * * *", utc(2026, 10, 24, 12, 0),
			[]time.Time{utc(2026, 10, 25, 0, 45), utc(2026, 10, 26, 1, 45)}},
		{"autumn: started in the second 02:xx, the repeated time is not run again", "45 2 * * *", utc(2026, 10, 25, 1, 10),
			[]time.Time{utc(2026, 10, 26, 1, 45)}},
		{"weekly full refresh on Sunday 03:00 across both nights", "0 3 * * 0", utc(2026, 3, 27, 0, 0),
			[]time.Time{utc(2026, 3, 29, 1, 0), utc(2026, 4, 5, 1, 0)}},
		{"weekly full refresh in October", "0 3 * * 0", utc(2026, 10, 24, 0, 0),
			[]time.Time{utc(2026, 10, 25, 2, 0), utc(2026, 11, 1, 2, 0)}},
		{"every 15 minutes keeps real time through the spring gap", "*/15 * * * *", utc(2026, 3, 29, 0, 40),
			[]time.Time{utc(2026, 3, 29, 0, 45), utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 1, 15)}},
		{"every 15 minutes runs in both passes of the repeated hour", "*/15 * * * *", utc(2026, 10, 24, 23, 50),
			[]time.Time{utc(2026, 10, 25, 0, 0), utc(2026, 10, 25, 0, 15), utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 0, 45),
				utc(2026, 10, 25, 1, 0), utc(2026, 10, 25, 1, 15), utc(2026, 10, 25, 1, 30), utc(2026, 10, 25, 1, 45), utc(2026, 10, 25, 2, 0)}},
		{"CRON_TZ=UTC ignores Swedish time", "CRON_TZ=UTC 0 2 * * *", utc(2026, 3, 28, 12, 0),
			[]time.Time{utc(2026, 3, 29, 2, 0), utc(2026, 3, 30, 2, 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.spec, stockholm)
			if err != nil {
				t.Fatal(err)
			}
			got := s.Upcoming(tt.from, len(tt.want))
			if len(got) != len(tt.want) {
				t.Fatalf("got %v", got)
			}
			for i := range got {
				if !got[i].Equal(tt.want[i]) {
					t.Fatalf("run %d at %s (%s), want %s (%s)", i+1, got[i].UTC(), got[i].In(stockholm), tt.want[i], tt.want[i].In(stockholm))
				}
			}
		})
	}
}

func TestEveryNightOfTheYearRunsExactlyOnce(t *testing.T) {
	s, err := Parse("0 2 * * *", stockholm)
	if err != nil {
		t.Fatal(err)
	}
	runs := s.Upcoming(time.Date(2025, 12, 31, 12, 0, 0, 0, stockholm), 365)
	for i, r := range runs {
		day := time.Date(2026, 1, 1, 0, 0, 0, 0, stockholm).AddDate(0, 0, i)
		l := r.In(stockholm)
		if l.Year() != day.Year() || l.YearDay() != day.YearDay() {
			t.Fatalf("run %d is on %s, want %s: a night was skipped or run twice", i, l, day.Format("2006-01-02"))
		}
		if l.Hour() != 2 && !(l.Hour() == 3 && l.Month() == time.March) {
			t.Fatalf("run %d at %s", i, l)
		}
	}
}

func TestMissed(t *testing.T) {
	s, err := Parse("0 2 * * *", stockholm)
	if err != nil {
		t.Fatal(err)
	}
	at := func(m time.Month, d, h, mi int) time.Time { return time.Date(2026, m, d, h, mi, 0, 0, stockholm) }
	tests := []struct {
		name      string
		last, now time.Time
		want      bool
	}{
		{"last night's run succeeded", at(8, 16, 2, 0), at(8, 16, 9, 0), false},
		{"a run that started late last night still counts", at(8, 16, 2, 40), at(8, 17, 1, 59), false},
		{"down at 02:00 tonight", at(8, 16, 2, 0), at(8, 17, 8, 0), true},
		{"exactly at the next activation", at(8, 16, 2, 0), at(8, 17, 2, 0), true},
		{"down for a week", at(8, 9, 2, 0), at(8, 16, 12, 0), true},
	}
	for _, tt := range tests {
		if got := s.Missed(tt.last, tt.now); got != tt.want {
			t.Errorf("%s: Missed = %v, want %v", tt.name, got, tt.want)
		}
	}
}
