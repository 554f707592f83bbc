package nka

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// MaxGroupsFileSize is the largest groups file ParseGroupsCSV reads.
const MaxGroupsFileSize = 1 << 20

// ParseGroupsCSV reads comparison groups of one's own from a CSV with the
// columns grupp;år;kommun (and optionally titel): one line per member, år
// empty for every year. Delimiter ; , or tab; UTF-8 (with or without BOM) or
// Windows-1252 as Swedish Excel saves it; lines starting with # are
// comments. Members are municipality ids or names as written (resolve them
// with Engine.ResolveOwnGroups).
//
// Written here with encoding/csv rather than on internal/tabular, which is
// being reshaped in parallel (issue 12); three columns need little, and the
// errors name the groups file's own lines. Once both have landed, this can
// read through tabular.Read.
func ParseGroupsCSV(r io.Reader) ([]OwnGroup, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxGroupsFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading the groups file: %w", err)
	}
	if len(b) > MaxGroupsFileSize {
		return nil, fmt.Errorf("%w: the groups file is larger than 1 MiB; is it the right file?", ErrInvalidGroup)
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	text := string(b)
	if !utf8.Valid(b) {
		if text, err = charmap.Windows1252.NewDecoder().String(string(b)); err != nil {
			return nil, fmt.Errorf("%w: the groups file is neither UTF-8 nor Windows-1252", ErrInvalidGroup)
		}
	}
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = sniffComma(text)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	col := map[string]int{}
	byName := map[string]*OwnGroup{}
	var order []string
	seen := map[string]bool{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrInvalidGroup, line, err)
		}
		if blankRecord(rec) {
			continue
		}
		if len(col) == 0 {
			for i, h := range rec {
				switch foldHeader(h) {
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
						ErrInvalidGroup, line, strings.Join(rec, string(cr.Comma)))
				}
			}
			continue
		}
		get := func(k string) string {
			i, ok := col[k]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
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
		if t := get("titel"); t != "" {
			g.Title = t
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

func sniffComma(text string) rune {
	for _, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		switch {
		case strings.Contains(t, ";"):
			return ';'
		case strings.Contains(t, "\t"):
			return '\t'
		}
		return ','
	}
	return ';'
}

func blankRecord(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func foldHeader(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.NewReplacer("å", "a", "ä", "a", "ö", "o").Replace(s)
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
