package kolada

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrUnknownGroup means a group id of the query is not a Kolada group.
var ErrUnknownGroup = errors.New("no such Kolada municipality group")

// ErrNotAsProbed means Kolada answered otherwise than the latest probe found
// it does; the probe should look again (`nyckeltal run` does so by itself).
//
//lint:ignore ST1005 Kolada is a name
var ErrNotAsProbed = errors.New("Kolada answered otherwise than its latest probe found")

// groupIDs are the group ids (G…) among ids.
func groupIDs(ids []string) []string {
	var out []string
	for _, id := range ids {
		if strings.HasPrefix(id, "G") {
			out = append(out, id)
		}
	}
	return out
}

// groupMembers asks Kolada for the members of the groups the query names.
// Group values are never asked of the API, where v3 may not compute them
// (docs/KOLADA-API.md): the members' values are fetched, and
// v_kolada_group_value computes the group's unweighted mean from them, the
// way the NKA comparison computes its peers'.
func groupMembers(ctx context.Context, f Fetcher, opts Options) (map[string][]string, error) {
	ids := groupIDs(opts.Municipalities)
	if len(ids) == 0 {
		return nil, nil
	}
	base := strings.TrimSuffix(opts.BaseURL, "/")
	out := map[string][]string{}
	for _, gc := range chunk(ids, MaxIDsPerSegment) {
		request := base + "/municipality_groups/" + strings.Join(gc, ",") + pageQuery(opts.PerPage, "")
		seen := map[string]bool{}
		for url := request; url != "" && !seen[url]; {
			seen[url] = true
			body, err := f.Get(ctx, url)
			if err != nil && url != request && notFound(err) {
				break // a page a next_url named has nothing
			}
			if err != nil {
				return nil, fmt.Errorf("asking for the members of groups %s: %w", strings.Join(gc, ","), err)
			}
			p, err := decodePage[Group](body)
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", url, err)
			}
			for _, g := range p.Values {
				for _, m := range g.Members {
					out[g.ID] = append(out[g.ID], m.ID)
				}
				if _, ok := out[g.ID]; !ok {
					out[g.ID] = []string{}
				}
			}
			url, _ = nextPage(request, p.NextURL, len(p.Values))
		}
	}
	var missing, empty []string
	for _, id := range ids {
		members, ok := out[id]
		switch {
		case !ok:
			missing = append(missing, id)
		case len(members) == 0:
			empty = append(empty, id)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: %s (Kolada's /municipality_groups does not know it)", ErrUnknownGroup, strings.Join(missing, ", "))
	}
	if len(empty) > 0 {
		return nil, fmt.Errorf("%w: %s has no members, so there is nothing to fetch for it", ErrUnknownGroup, strings.Join(empty, ", "))
	}
	return out, nil
}

// expandGroups replaces the group ids among ids by their members.
func expandGroups(ids []string, members map[string][]string) []string {
	if len(members) == 0 {
		return ids
	}
	seen := map[string]bool{}
	var out []string
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, id := range ids {
		if ms, ok := members[id]; ok {
			sorted := append([]string(nil), ms...)
			sort.Strings(sorted)
			for _, m := range sorted {
				add(m)
			}
			continue
		}
		add(id)
	}
	return out
}
