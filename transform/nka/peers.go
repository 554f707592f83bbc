package nka

import (
	"context"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/store"
)

// PeerGroup is the "Liknande kommuner" group that the gap uses for a
// municipality, area and year, with its members: what other comparisons
// (the indicator tables, the report's scatters) compare the municipality
// with, so that they and `nyckeltal gap` always name the same group.
type PeerGroup struct {
	Area  string
	Year  int
	ID    string
	Title string
	// GroupYear is the year in the group's title; for a year before the
	// first group it is later than Year.
	GroupYear *int
	// Choice says why the group is the year's (GapRow.GroupChoice), and
	// ChoiceText says it in Swedish ("samma år", "senaste tidigare", …).
	Choice, ChoiceText string
	// Members, sorted by id; the municipality itself is never among them.
	Members []Member
}

// Member is a municipality of a peer group.
type Member = store.NKAMember

// PeerGroups returns, per year the area has NKA values, the group the gap
// chooses for the municipality (the group of the latest year ≤ the year, else
// the earliest later one, or a --group override), with its members. Years
// without a group are absent.
func (e *Engine) PeerGroups(ctx context.Context, municipality, area string, asOf *time.Time) (map[int]PeerGroup, error) {
	res, err := e.Gap(ctx, Query{Municipalities: []string{municipality}, Areas: []string{area}, AsOf: asOf})
	if err != nil {
		return nil, err
	}
	out := map[int]PeerGroup{}
	members := map[string][]Member{}
	for _, r := range res.Rows {
		if r.PeerGroupID == nil {
			continue
		}
		id := *r.PeerGroupID
		if _, ok := members[id]; !ok {
			if members[id], err = e.groupMembers(ctx, id, asOf); err != nil {
				return nil, err
			}
		}
		g := PeerGroup{Area: r.Area, Year: r.Year, ID: id, GroupYear: r.PeerGroupYear, Members: members[id]}
		if r.PeerGroupTitle != nil {
			g.Title = *r.PeerGroupTitle
		}
		if r.GroupChoice != nil && r.GroupChoiceText != nil {
			g.Choice, g.ChoiceText = *r.GroupChoice, *r.GroupChoiceText
		}
		out[r.Year] = g
	}
	return out, nil
}

func (e *Engine) groupMembers(ctx context.Context, groupID string, asOf *time.Time) ([]Member, error) {
	return e.Store.NKAGroupMembers(ctx, asOf, StoreAreas(e.Areas), groupID)
}
