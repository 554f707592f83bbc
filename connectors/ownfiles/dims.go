package ownfiles

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"github.com/nyckeltal/nyckeltal/internal/tabular"
)

// ParseGender reads kön: T (totalt), K (kvinnor) or M (män), in the ways
// reports write them. Empty is T.
func ParseGender(s string) (string, error) {
	switch tabular.Fold(s) {
	case "", "t", "tot", "totalt", "total", "alla", "samtliga", "bada", "badakonen", "all":
		return store.GenderTotal, nil
	case "k", "kv", "kvinna", "kvinnor", "f", "female", "women", "woman", "flickor":
		return store.GenderWomen, nil
	case "m", "man", "men", "male", "pojkar":
		return store.GenderMen, nil
	}
	// "Män" folds to "man", caught above; anything else is unknown.
	return "", fmt.Errorf("%q är inget kön (skriv T, K eller M; Totalt, Kvinnor eller Män)", s)
}

// RegiAliases maps the ways files write regi to egen and privat; "alla" is
// the total over both.
type RegiAliases struct {
	Egen   []string
	Privat []string
	Alla   []string
}

// DefaultRegiAliases are the usual Swedish spellings.
var DefaultRegiAliases = RegiAliases{
	Egen:   []string{"egen", "egen regi", "kommunal", "kommunal regi", "kommunen", "e"},
	Privat: []string{"privat", "privat regi", "privat utförare", "privata utförare", "extern", "extern utförare", "enskild", "enskild regi", "LOV", "entreprenad", "p"},
	Alla:   []string{"alla", "totalt", "total", "samtliga", "alla regiformer", "båda"},
}

// DefaultMunicipalityUnits are local.municipality_units' defaults: the enhet
// values that mean the whole municipality.
func DefaultMunicipalityUnits() []string {
	return []string{"Vård- och omsorgskontoret", "Hela kommunen"}
}

// DefaultConfiguredRegi is local.regi's defaults: how files write egen regi
// and privat utförare; alla is DefaultRegiAliases.Alla.
func DefaultConfiguredRegi() RegiAliases {
	return RegiAliases{
		Egen:   []string{"egen", "egen regi", "kommunal", "kommunal regi"},
		Privat: []string{"privat", "privat regi", "privat utförare", "extern", "extern utförare", "enskild", "LOV", "entreprenad"},
		Alla:   DefaultRegiAliases.Alla,
	}
}

// ParseRegi reads regi with the aliases; empty is alla.
func (a RegiAliases) ParseRegi(s string) (string, error) {
	f := tabular.FoldWords(s)
	if f == "" {
		return store.RegiAll, nil
	}
	for _, set := range []struct {
		regi    string
		aliases []string
	}{{store.RegiEgen, a.Egen}, {store.RegiPrivat, a.Privat}, {store.RegiAll, a.Alla}} {
		for _, alias := range set.aliases {
			if tabular.FoldWords(alias) == f {
				return set.regi, nil
			}
		}
	}
	return "", fmt.Errorf("%q är ingen regi som konfigurationen känner (local.regi listar stavningar för egen och privat)", s)
}

var unitSpaces = regexp.MustCompile(`\s+`)

// UnitID normalises an enhet name into a local_unit id: trimmed, inner
// whitespace collapsed, case kept (ids are what analysts see).
func UnitID(s string) string {
	if plainUnit(s) {
		return strings.TrimSpace(s)
	}
	return strings.TrimSpace(unitSpaces.ReplaceAllString(strings.ReplaceAll(s, "\u00a0", " "), " "))
}

// plainUnit: s has nothing the general path would change but its ends —
// no control character, no run of spaces, no no-break space (U+00A0, whose
// UTF-8 starts with 0xC2) — so that trimming it is all UnitID does.
func plainUnit(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < ' ', c == 0xC2:
			return false
		case c == ' ' && i+1 < len(s) && s[i+1] == ' ':
			return false
		}
	}
	return true
}

// totalMarkers start the first cell of total and subtotal rows of styled
// reports; such rows repeat what the other rows say and are skipped.
var totalMarkers = []string{"total", "totalt", "totalsumma", "summa", "delsumma", "subtotal", "grandtotal", "slutsumma", "sum"}

// IsTotalRow reports whether a row is a total or subtotal row: one of its
// dimension cells (or its first cell) starts with TOTAL, Totalt, Summa,
// Delsumma … (WebFOCUS writes "*TOTAL Enhet X").
func IsTotalRow(cells ...string) bool {
	for _, c := range cells {
		if mayBeTotal(c) && isTotalCell(c) {
			return true
		}
	}
	return false
}

func isTotalCell(c string) bool {
	words := strings.Fields(strings.TrimLeft(strings.TrimSpace(c), "*# "))
	if len(words) == 0 {
		return false
	}
	first := tabular.Fold(words[0])
	for _, m := range totalMarkers {
		if first == m {
			return true
		}
	}
	return len(words) > 1 && tabular.Fold(words[0]+words[1]) == "grandtotal"
}

// mayBeTotal: the first letter or digit of c could start a total marker
// (t, s, d or g in any case; folding drops what comes before), so that most
// cells are passed over without folding.
func mayBeTotal(c string) bool {
	for i := 0; i < len(c); i++ {
		switch b := c[i] | 0x20; {
		case b == 't' || b == 's' || b == 'd' || b == 'g':
			return true
		case b >= 'a' && b <= 'z', c[i] >= '0' && c[i] <= '9':
			return false
		case c[i] >= 0x80:
			return true // a letter folding to one of them, or not a letter
		}
	}
	return false
}

// FindHeading finds the heading row among the first maxRows rows: the first
// that names the column key (through aliases), with its columns mapped and
// the required ones it lacks. found is false when no row names key.
func FindHeading[K comparable](file string, rows []tabular.Row, maxRows int, aliases map[string]K, names map[K]string,
	key K, required []K) (at int, cols map[K]int, missing []K, found bool, err error) {
	for i := 0; i < len(rows) && i < maxRows; i++ {
		cols, err := MapHeadings(file, rows[i], aliases, names)
		if err != nil {
			return 0, nil, nil, false, err
		}
		if _, ok := cols[key]; !ok {
			continue
		}
		for _, c := range required {
			if _, ok := cols[c]; !ok {
				missing = append(missing, c)
			}
		}
		return i, cols, missing, true, nil
	}
	return 0, nil, nil, false, nil
}

// MapHeadings maps the cells of a heading row to the columns their folded
// text names (aliases: swedish.Fold of a heading → column). A column named twice
// refuses the file, naming both cells.
func MapHeadings[K comparable](file string, row tabular.Row, aliases map[string]K, names map[K]string) (map[K]int, error) {
	cols := map[K]int{}
	for j, h := range row.Cells {
		c, ok := aliases[swedish.Fold(h)]
		if !ok {
			continue
		}
		if prev, dup := cols[c]; dup {
			return nil, Refuse(file, row.Line, "", "kolumnerna %s och %s är båda %s",
				ColumnLabel(prev, row.Cells[prev]), ColumnLabel(j, h), names[c])
		}
		cols[c] = j
	}
	return cols, nil
}
