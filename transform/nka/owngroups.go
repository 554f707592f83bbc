package nka

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/tabular"
)

// MaxGroupsFileSize is the largest groups file ParseGroupsCSV reads.
const MaxGroupsFileSize = 1 << 20

// ParseGroupsCSV reads comparison groups of one's own from a table with the
// columns grupp;år;kommun (and optionally titel): one line per member, år
// empty for every year. It is read by internal/tabular, as the local files
// are: delimited text (; , tab or |; UTF-8 with or without BOM, or
// Windows-1252 as Swedish Excel saves it) or an XLSX workbook; a line whose
// first cell starts with # is a comment. Members are municipality ids or
// names as written (resolve them with Engine.ResolveOwnGroups).
func ParseGroupsCSV(r io.Reader) ([]OwnGroup, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxGroupsFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading the groups file: %w", err)
	}
	if len(b) > MaxGroupsFileSize {
		return nil, fmt.Errorf("%w: the groups file is larger than 1 MiB; is it the right file?", ErrInvalidGroup)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, fmt.Errorf("%w: the groups file is empty", ErrInvalidGroup)
	}
	t, err := tabular.Read(b, tabular.Options{})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidGroup, err)
	}
	col := map[string]int{}
	byName := map[string]*OwnGroup{}
	var order []string
	seen := map[string]bool{}
	for _, row := range t.Rows {
		line := row.Line
		if row.Blank() || strings.HasPrefix(strings.TrimSpace(row.Cell(0)), "#") {
			continue
		}
		if len(col) == 0 {
			for i, h := range row.Cells {
				switch tabular.Fold(h) {
				case "grupp", "group", "namn":
					col["grupp"] = i
				case "ar", "year":
					col["ar"] = i
				case "kommun", "kommunkod", "municipality", "medlem":
					col["kommun"] = i
				case "titel", "title", "beskrivning":
					col["titel"] = i
				}
			}
			for _, need := range []string{"grupp", "ar", "kommun"} {
				if _, ok := col[need]; !ok {
					return nil, fmt.Errorf("%w: line %d: the header must name the columns grupp;år;kommun (optionally titel), not %q",
						ErrInvalidGroup, line, strings.Join(row.Cells, ";"))
				}
			}
			continue
		}
		get := func(k string) string {
			i, ok := col[k]
			if !ok {
				return ""
			}
			return strings.TrimSpace(row.Cell(i))
		}
		name := strings.ToLower(get("grupp"))
		member := strings.Join(strings.Fields(get("kommun")), " ")
		if name == "" || member == "" {
			return nil, fmt.Errorf("%w: line %d: grupp and kommun are both needed", ErrInvalidGroup, line)
		}
		year := 0
		if y := get("ar"); y != "" {
			if year, err = strconv.Atoi(y); err != nil || year < 1900 || year > 2100 {
				return nil, fmt.Errorf("%w: line %d: år %q is not a year (leave it empty for every year)", ErrInvalidGroup, line, y)
			}
		}
		g := byName[name]
		if g == nil {
			g = &OwnGroup{Name: name, Title: name, Members: map[int][]string{}}
			byName[name] = g
			order = append(order, name)
		}
		if title := get("titel"); title != "" {
			g.Title = title
		}
		key := fmt.Sprintf("%s/%d/%s", name, year, strings.ToLower(member))
		if seen[key] {
			continue // the same member twice is one member
		}
		seen[key] = true
		g.Members[year] = append(g.Members[year], member)
	}
	if len(col) == 0 {
		return nil, fmt.Errorf("%w: the groups file is empty", ErrInvalidGroup)
	}
	out := make([]OwnGroup, 0, len(order))
	for _, n := range order {
		if err := byName[n].Validate(); err != nil {
			return nil, err
		}
		out = append(out, *byName[n])
	}
	return out, nil
}

// MergeOwnGroups joins the groups of the configuration and of the groups
// file; a name in both is an error (which one was meant cannot be told).
func MergeOwnGroups(a, b []OwnGroup) ([]OwnGroup, error) {
	out := append([]OwnGroup(nil), a...)
	for _, g := range b {
		if _, dup := OwnGroupByName(out, g.Name); dup {
			return nil, fmt.Errorf("%w %s: defined both in [nka.groups] and in the groups file; keep one", ErrInvalidGroup, g.Name)
		}
		out = append(out, g)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// ResolveOwnGroups turns the members of groups (ids or names) into the
// municipality ids the store knows; a member it cannot find is an error
// naming the group, so that a comparison is never made over fewer members
// than the group was given.
func (e *Engine) ResolveOwnGroups(ctx context.Context, groups []OwnGroup) ([]OwnGroup, error) {
	out := make([]OwnGroup, len(groups))
	cache := map[string]string{}
	for i, g := range groups {
		r := OwnGroup{Name: g.Name, Title: g.Title, Members: map[int][]string{}}
		for y, ms := range g.Members {
			seen := map[string]bool{}
			for _, m := range ms {
				id, ok := cache[m]
				if !ok {
					var err error
					if id, _, err = e.ResolveMunicipality(ctx, m); err != nil {
						if errors.Is(err, ErrUnknownMunicipality) {
							return nil, fmt.Errorf("%w %s: member %q: %w", ErrInvalidGroup, g.Name, m, err)
						}
						return nil, err
					}
					cache[m] = id
				}
				if !seen[id] {
					seen[id] = true
					r.Members[y] = append(r.Members[y], id)
				}
			}
			sort.Strings(r.Members[y])
		}
		out[i] = r
	}
	return out, nil
}
