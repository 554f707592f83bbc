package swedish

import "testing"

func TestCount(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n    int
		want string
	}{
		{0, "0 rader"},
		{1, "1 rad"},
		{2, "2 rader"},
		{1200, "1\u00a0200 rader"},
	} {
		if got := Count(tc.n, "rad", "rader"); got != tc.want {
			t.Errorf("Count(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
