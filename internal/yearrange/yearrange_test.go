package yearrange

import (
	"reflect"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in      string
		want    []int
		wantErr bool
	}{
		{"2018-2020", []int{2018, 2019, 2020}, false},
		{"2024-", []int{2024, 2025, 2026}, false},
		{"2024", []int{2024}, false},
		{"2021,2019, 2021", []int{2019, 2021}, false},
		{"2019,2023-2024", []int{2019, 2023, 2024}, false},
		{"2025-2018", nil, true},
		{"20x4", nil, true},
		{"", nil, true},
		{"1800", nil, true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in, now)
		if (err != nil) != tt.wantErr || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q) = %v, %v; want %v, err %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
