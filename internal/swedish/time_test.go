package swedish

import (
	"testing"
	"time"
)

func TestDayTime(t *testing.T) {
	t.Parallel()
	monday := time.Date(2026, 8, 17, 0, 0, 0, 0, time.UTC) // 02:00 CEST
	if got := DayTime(monday, Stockholm); got != "mån 2026-08-17 02:00 CEST" {
		t.Fatalf("DayTime = %q", got)
	}
	if got := DayTime(monday.AddDate(0, 0, 6), Stockholm); got != "sön 2026-08-23 02:00 CEST" {
		t.Fatalf("DayTime on Sunday = %q", got)
	}
}
