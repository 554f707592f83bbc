package nka

import (
	"testing"
)

// TestPeerGroups: the group of each year is the one the gap uses, with its
// members; the municipality is never its own member (G11 lists Alfa).
func TestPeerGroups(t *testing.T) {
	eng, _ := engineFor(t, smallWorld())
	groups, err := eng.PeerGroups(t.Context(), "1001", "aldreomsorg", nil)
	if err != nil {
		t.Fatal(err)
	}
	gap, err := eng.Gap(t.Context(), Query{Municipalities: []string{"1001"}, Areas: []string{"aldreomsorg"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != len(gap.Rows) || len(groups) == 0 {
		t.Fatalf("%d groups for %d gap rows", len(groups), len(gap.Rows))
	}
	for _, r := range gap.Rows {
		g, ok := groups[r.Year]
		if !ok || r.PeerGroupID == nil || g.ID != *r.PeerGroupID || g.Title != *r.PeerGroupTitle {
			t.Fatalf("%d: group %+v, gap row group %v", r.Year, g, r.PeerGroupID)
		}
	}
	want := map[string]string{"G10": "1002,1003,1004,1005", "G11": "1002,1003,1006"}
	for year, g := range groups {
		var ids string
		for i, m := range g.Members {
			if i > 0 {
				ids += ","
			}
			ids += m.ID
			if m.Name == "" {
				t.Errorf("%s: member %s without a name", g.ID, m.ID)
			}
		}
		if ids != want[g.ID] {
			t.Errorf("%d: %s members %s, want %s", year, g.ID, ids, want[g.ID])
		}
	}
	if g := groups[2021]; g.ID != "G10" || g.GroupYear == nil || *g.GroupYear != 2022 {
		t.Errorf("2021 (before the first group) uses %+v, want G10 of 2022", g)
	}
	none, err := eng.PeerGroups(t.Context(), "1006", "aldreomsorg", nil)
	if err != nil || len(none) != 0 {
		t.Fatalf("a municipality without a group: %v %v", none, err)
	}
}
