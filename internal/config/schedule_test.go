package config

import (
	"errors"
	"strings"
	"testing"
)

func TestScheduleSection(t *testing.T) {
	tests := []struct {
		name    string
		toml    string
		wantErr string
		want    []string // the switched-on jobs, by name
	}{
		{name: "defaults", want: []string{"inbox", "kolada", "kolada-full"}},
		{name: "a file's keys merge over the defaults; off switches one off",
			toml: "[schedule.jobs]\nkolada = \"30 1 * * *\"\ninbox = \"off\"\n", want: []string{"kolada", "kolada-full"}},
		{name: "a spec with its own zone", toml: "[schedule.jobs]\nkolada = \"CRON_TZ=UTC 0 1 * * *\"\n",
			want: []string{"inbox", "kolada", "kolada-full"}},
		{name: "six fields", toml: "[schedule.jobs]\nkolada = \"0 0 2 * * *\"\n", wantErr: "schedule.jobs.kolada"},
		{name: "bad time zone", toml: "[schedule]\ntime_zone = \"Europe/Stokholm\"\n", wantErr: "schedule.time_zone"},
		{name: "bad job name", toml: "[schedule.jobs]\n\"Kolada Nightly\" = \"0 2 * * *\"\n", wantErr: "is not a job name"},
		{name: "stop timeout", toml: "[schedule]\nstop_timeout = \"0s\"\n", wantErr: "stop_timeout"},
		{name: "notify format", toml: "[notify]\nformat = \"xml\"\n", wantErr: "notify.format"},
		{name: "notify unknown key", toml: "[notify]\ncmd = [\"mail\"]\n", wantErr: "unknown key(s) notify.cmd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.toml))
			if err == nil {
				err = c.Validate()
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrInvalid) {
					t.Fatalf("got %v, want ErrInvalid containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			entries, err := c.Schedule.Entries()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range entries {
				got = append(got, e.Name)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("jobs %v, want %v", got, tt.want)
			}
		})
	}
}
