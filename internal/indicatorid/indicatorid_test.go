package indicatorid

import "testing"

func TestShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s                    string
		kolada, group, local bool
	}{
		{"N20900", true, false, false},
		{"U23471", true, false, false},
		{"n20900", false, false, false},
		{"N2090", false, false, true},
		{"G36535", true, true, false}, // a group id of five digits has a KPI id's shape too
		{"WF_SJUKFRANVARO_TOTALT", false, false, true},
		{"TRE_SABO_VANTAT_3M", false, false, true},
		{"X", false, false, false},
		{"", false, false, false},
	}
	for _, tt := range tests {
		if got := IsKolada(tt.s); got != tt.kolada {
			t.Errorf("IsKolada(%q) = %v", tt.s, got)
		}
		if got := IsKoladaGroup(tt.s); got != tt.group {
			t.Errorf("IsKoladaGroup(%q) = %v", tt.s, got)
		}
		if got := IsLocal(tt.s); got != tt.local {
			t.Errorf("IsLocal(%q) = %v", tt.s, got)
		}
		if got := CheckLocal(tt.s) == nil; got != tt.local {
			t.Errorf("CheckLocal(%q) = %v", tt.s, CheckLocal(tt.s))
		}
	}
}
