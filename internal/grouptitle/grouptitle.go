// Package grouptitle reads the titles of RKA's "Liknande kommuner" peer
// groups in Kolada — "Liknande kommuner äldreomsorg, Höör, 2024" — into
// their area, municipality and year, however the title is spelt: with a
// comma, dash or colon after "Liknande kommuner" or none, double and
// non-breaking spaces, any case, double UTF-8 encoding, the area as Kolada
// writes it (IFO or individ- och familjeomsorg), municipality names with
// spaces and hyphens (Upplands Väsby, Malung-Sälen), and the year at the end
// or missing. It is the one place that reads these titles: the store keeps
// its readings in the table nka_group_title, which the NKA views read.
//
// A title that says "Liknande kommuner" but cannot be read is not dropped:
// its Reading carries a Problem and a Swedish explanation, and the
// municipality it seems to name, so that the outputs can say so.
package grouptitle

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/nyckeltal/nyckeltal/internal/mojibake"
	"github.com/nyckeltal/nyckeltal/internal/swedish"
)

// Version changes whenever a title is read differently. The store rewrites
// its readings when it opens for writing, and the version is part of the
// views' checksum, so that a reader never uses readings of another version.
const Version = 1

// Problem says why a "Liknande kommuner" title could not be read. The values
// are stable keys for machine formats and SQL.
type Problem string

// The problems, in the order they are looked for.
const (
	None Problem = ""
	// Prefix: "Liknande kommuner" is not the start of the title.
	Prefix Problem = "prefix"
	// YearUnreadable: the title ends in something like a year that is not one.
	YearUnreadable Problem = "year_unreadable"
	// MunicipalityUnknown: the part where the municipality stands names none
	// in the municipality table.
	MunicipalityUnknown Problem = "municipality_unknown"
	// MunicipalityUnreadable: no municipality can be told apart in the title.
	MunicipalityUnreadable Problem = "municipality_unreadable"
	// AreaMissing: nothing stands between "Liknande kommuner" and the municipality.
	AreaMissing Problem = "area_missing"
)

// Municipality is a row of the municipality table, for telling names apart.
type Municipality struct {
	ID   string
	Name string
	Type string // K kommun, L region or Riket
}

// Reading is what a title says.
type Reading struct {
	// Text is the title repaired: double UTF-8 undone, every kind of space
	// one plain space, dashes unified.
	Text string
	// AreaText is the area as the title writes it, AreaKey its normalised
	// words (AreaKey), which are matched against the configured areas.
	AreaText string
	AreaKey  string
	// MunicipalityName is the municipality as the title writes it;
	// MunicipalityID its id, empty when the name is not in the table.
	MunicipalityName string
	MunicipalityID   string
	// NamedMunicipalityID is the municipality the title seems to name, also
	// when the title cannot be read: the one whose outputs must mention it.
	NamedMunicipalityID string
	// Year is the year the title ends with; 0 when it has none.
	Year int
	// Problem is None when the title was read; Detail then is empty.
	Problem Problem
	Detail  string
}

// Reader reads titles, telling municipality names apart with the
// municipality table.
type Reader struct {
	byName   map[string]string   // NameKey → id
	byFolded map[string][]string // swedish.FoldWords → ids (to guess at a mangled name)
}

// NewReader prepares a Reader. A kommun wins over a region of the same name;
// Riket (0000) is never a group's municipality.
func NewReader(ms []Municipality) *Reader {
	sorted := append([]Municipality(nil), ms...)
	sort.SliceStable(sorted, func(i, j int) bool {
		ki, kj := sorted[i].Type == "K" || sorted[i].Type == "", sorted[j].Type == "K" || sorted[j].Type == ""
		if ki != kj {
			return ki
		}
		return sorted[i].ID < sorted[j].ID
	})
	r := &Reader{byName: map[string]string{}, byFolded: map[string][]string{}}
	for _, m := range sorted {
		if m.ID == "0000" || strings.TrimSpace(m.Name) == "" {
			continue
		}
		k := NameKey(m.Name)
		if _, ok := r.byName[k]; !ok {
			r.byName[k] = m.ID
		}
		f := swedish.FoldWords(k)
		if !contains(r.byFolded[f], m.ID) {
			r.byFolded[f] = append(r.byFolded[f], m.ID)
		}
	}
	return r
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// NameKey is how municipality names are compared: case, spaces and the
// spacing of hyphens do not matter ("Malung - Sälen", "malung-sälen"), but
// letters do (Håbo and Habo are two municipalities).
func NameKey(s string) string {
	s = strings.ToLower(clean(s))
	s = strings.NewReplacer("-", " ", "–", " ").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

// AreaKey is how areas are compared: the words without case, accents or
// punctuation, and without a leading "Liknande kommuner" — so that the
// configuration's group_title "Liknande kommuner, övergripande" and the title
// part "Övergripande" both give "overgripande", and "individ- och
// familjeomsorg" gives "individ och familjeomsorg".
func AreaKey(s string) string {
	toks := tokenize(clean(s))
	if i := prefixAt(toks); i == 0 {
		toks = toks[2:]
	}
	var words []string
	for _, t := range toks {
		if !t.sep {
			words = append(words, t.text)
		}
	}
	return swedish.FoldWords(strings.Join(words, " "))
}

// SaysLiknande reports whether a title mentions "Liknande kommuner" at all,
// however spaced or cased: only such titles are peer groups to read.
func SaysLiknande(title string) bool {
	return strings.Contains(swedish.Fold(mojibake.Repair(title)), "liknandekommuner")
}

// Read reads a title. ok is false when the title does not mention
// "Liknande kommuner": then it is no peer group and nothing is to be said.
func (r *Reader) Read(title string) (rd Reading, ok bool) {
	if !SaysLiknande(title) {
		return Reading{}, false
	}
	rd.Text = clean(title)
	toks := tokenize(rd.Text)
	i := prefixAt(toks)
	if i < 0 {
		toks = unglue(toks)
		i = prefixAt(toks)
	}
	if i != 0 {
		rd.fail(Prefix, `titeln börjar inte med "Liknande kommuner"`)
		rd.NamedMunicipalityID = r.guess(toks)
		return rd, true
	}
	rest := trimSeps(toks[2:])
	if k := yearStart(rest); k < len(rest) {
		if y, text := readYear(rest[k:]); y != 0 {
			rd.Year = y
		} else {
			rd.fail(YearUnreadable, fmt.Sprintf("året %q kan inte läsas", text))
		}
		rest = trimSeps(rest[:k])
		if n := len(rest); n > 0 && !rest[n-1].sep && strings.EqualFold(rest[n-1].text, "år") {
			rest = trimSeps(rest[:n-1])
		}
	}
	if len(rest) == 0 {
		rd.fail(AreaMissing, "titeln saknar område och kommun")
		rd.NamedMunicipalityID = r.guess(toks)
		return rd, true
	}
	areaEnd := r.splitMunicipality(&rd, rest)
	areaToks := trimSeps(rest[:areaEnd])
	if n := len(areaToks); n > 0 && rd.Year == 0 && rd.Problem == None && allDigits(areaToks[n-1].text) {
		// the year between area and municipality: "äldreomsorg 2024, Höör"
		if y, text := readYear(areaToks[n-1:]); y != 0 {
			rd.Year = y
		} else {
			rd.fail(YearUnreadable, fmt.Sprintf("året %q kan inte läsas", text))
		}
		areaToks = areaToks[:n-1]
	}
	var area []string
	for _, t := range areaToks {
		if !t.sep {
			area = append(area, t.text)
		}
	}
	rd.AreaText = strings.Join(area, " ")
	rd.AreaKey = AreaKey(rd.AreaText)
	if rd.AreaKey == "" && rd.Problem == None {
		rd.fail(AreaMissing, "titeln saknar område")
	}
	if rd.NamedMunicipalityID == "" {
		rd.NamedMunicipalityID = r.guess(rest)
	}
	return rd, true
}

// splitMunicipality finds the municipality at the end of rest (the longest
// known name among the last words, which a municipality name never
// interrupts with a comma or colon; else whatever follows the last
// separator) and returns where the area ends.
func (r *Reader) splitMunicipality(rd *Reading, rest []token) int {
	runStart := len(rest)
	for runStart > 0 && !rest[runStart-1].sep {
		runStart--
	}
	// a spaced dash may stand inside a name ("Malung - Sälen")
	dashStart := len(rest)
	for dashStart > 0 && (!rest[dashStart-1].sep || rest[dashStart-1].text == "-" || rest[dashStart-1].text == "–") {
		dashStart--
	}
	// a municipality name has a few words at most (Upplands Väsby)
	limit, words := len(rest), 0
	for limit > 0 && words < maxNameWords {
		limit--
		if !rest[limit].sep {
			words++
		}
	}
	dashStart = max(dashStart, limit)
	for s := dashStart; s < len(rest); s++ {
		if rest[s].sep {
			continue
		}
		name := joinWords(rest[s:])
		if id, ok := r.lookup(name); ok {
			rd.MunicipalityName, rd.MunicipalityID, rd.NamedMunicipalityID = name, id, id
			return s
		}
	}
	if runStart > 0 {
		name := joinWords(rest[runStart:])
		rd.MunicipalityName = name
		rd.fail(MunicipalityUnknown, fmt.Sprintf("kommunen %q finns inte i databasens kommunlista", name))
		return runStart
	}
	rd.fail(MunicipalityUnreadable, "ingen kommun kan läsas ur titeln")
	return 0
}

// lookup finds a municipality by its name, also written as "Höörs kommun"
// or "Stockholms stad".
func (r *Reader) lookup(name string) (string, bool) {
	k := NameKey(name)
	if id, ok := r.byName[k]; ok {
		return id, true
	}
	for _, suffix := range []string{" kommun", " stad"} {
		if base, found := strings.CutSuffix(k, suffix); found {
			if id, ok := r.byName[base]; ok {
				return id, true
			}
			if base, found := strings.CutSuffix(base, "s"); found {
				if id, ok := r.byName[base]; ok {
					return id, true
				}
			}
		}
	}
	return "", false
}

// guess is the municipality a title seems to name: a known name anywhere in
// it, the longest first; failing that, one whose name folds to the same
// letters (a mangled "Hoor" for Höör) when only one does.
func (r *Reader) guess(toks []token) string {
	var words []string
	for _, t := range toks {
		if !t.sep {
			words = append(words, t.text)
		}
	}
	for n := min(len(words), 5); n >= 1; n-- {
		for i := 0; i+n <= len(words); i++ {
			if id, ok := r.byName[NameKey(strings.Join(words[i:i+n], " "))]; ok {
				return id
			}
		}
	}
	for n := min(len(words), 5); n >= 1; n-- {
		for i := 0; i+n <= len(words); i++ {
			if ids := r.byFolded[swedish.FoldWords(strings.Join(words[i:i+n], " "))]; len(ids) == 1 {
				return ids[0]
			}
		}
	}
	return ""
}

func (rd *Reading) fail(p Problem, detail string) {
	if rd.Problem == None {
		rd.Problem, rd.Detail = p, detail
	}
}

// maxNameWords bounds the words a municipality name is looked for in.
const maxNameWords = 5

// token is a word or a separator (, ; : – | / ( ) [ ] and a dash or full
// stop standing apart).
type token struct {
	text string
	sep  bool
}

// clean repairs double UTF-8, composes letters (NFC), makes every kind of
// space one plain space and every dash either a hyphen or an en dash.
func clean(s string) string {
	s = mojibake.Repair(s)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = norm.NFC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || r == '\u200B' || r == '\uFEFF' || unicode.IsControl(r):
			space = true
			continue
		case r == '\u2010' || r == '\u2011':
			r = '-'
		case r == '\u2012' || r == '\u2013' || r == '\u2014' || r == '\u2015' || r == '\u2212':
			r = '–'
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

func isSep(r rune) bool {
	switch r {
	case ',', ';', ':', '–', '|', '/', '(', ')', '[', ']', '"', '”', '“', '»', '«':
		return true
	}
	return false
}

// tokenize splits cleaned text into words and separators. A hyphen inside or
// at the end of a word belongs to it (Malung-Sälen, "individ- och"); one that
// stands apart separates. A full stop ending a word separates; one inside a
// word ("inkl.öppen") belongs to it.
func tokenize(s string) []token {
	rs := []rune(s)
	var out []token
	var word []rune
	flush := func() {
		if len(word) > 0 {
			out = append(out, token{text: string(word)})
			word = word[:0]
		}
	}
	for i, r := range rs {
		prevWord := i > 0 && !unicode.IsSpace(rs[i-1]) && !isSep(rs[i-1])
		nextWord := i+1 < len(rs) && !unicode.IsSpace(rs[i+1]) && !isSep(rs[i+1])
		switch {
		case r == ' ':
			flush()
		case isSep(r):
			flush()
			out = append(out, token{text: string(r), sep: true})
		case r == '-' && !prevWord:
			flush()
			out = append(out, token{text: "-", sep: true})
		case r == '.' && !nextWord:
			flush()
			out = append(out, token{text: ".", sep: true})
		default:
			word = append(word, r)
		}
	}
	flush()
	return out
}

// prefixAt is the index of the words "Liknande kommuner", or -1.
func prefixAt(toks []token) int {
	for i := 0; i+1 < len(toks); i++ {
		if !toks[i].sep && !toks[i+1].sep && strings.EqualFold(toks[i].text, "liknande") && strings.EqualFold(toks[i+1].text, "kommuner") {
			return i
		}
	}
	return -1
}

// unglue splits a dash written without spaces after the prefix:
// "Liknande kommuner-äldreomsorg" reads as "Liknande kommuner - äldreomsorg".
func unglue(toks []token) []token {
	for i := 1; i < len(toks); i++ {
		w := toks[i].text
		if toks[i].sep || toks[i-1].sep || !strings.EqualFold(toks[i-1].text, "liknande") || len(w) <= len("kommuner-") ||
			!strings.EqualFold(w[:len("kommuner")], "kommuner") || w[len("kommuner")] != '-' {
			continue
		}
		out := append([]token(nil), toks[:i]...)
		out = append(out, token{text: w[:len("kommuner")]}, token{text: "-", sep: true}, token{text: w[len("kommuner-"):]})
		return append(out, toks[i+1:]...)
	}
	return toks
}

func trimSeps(toks []token) []token {
	for len(toks) > 0 && toks[0].sep {
		toks = toks[1:]
	}
	for len(toks) > 0 && toks[len(toks)-1].sep {
		toks = toks[:len(toks)-1]
	}
	return toks
}

func joinWords(toks []token) string {
	var words []string
	for _, t := range toks {
		if !t.sep {
			words = append(words, t.text)
		}
	}
	return strings.Join(words, " ")
}

// yearStart is where the trailing year part of rest begins: the words with
// digits at its end and the separators among them, up to a comma, semicolon
// or colon; len(rest) when there is none.
func yearStart(rest []token) int {
	k := len(rest)
	for k > 0 && ((rest[k-1].sep && !partBreak(rest[k-1].text)) || (!rest[k-1].sep && hasDigit(rest[k-1].text))) {
		k--
	}
	for k < len(rest) && rest[k].sep {
		k++
	}
	return k
}

// readYear reads the year part: one word of four digits from 1900 to 2099.
// Otherwise it returns 0 and the part as written.
func readYear(part []token) (int, string) {
	var words []string
	var b strings.Builder
	for i, t := range part {
		if i > 0 && !t.sep && !part[i-1].sep {
			b.WriteByte(' ')
		}
		b.WriteString(t.text)
		if !t.sep {
			words = append(words, t.text)
		}
	}
	if len(words) == 1 && len(words[0]) == 4 {
		if y, err := strconv.Atoi(words[0]); err == nil && y >= 1900 && y <= 2099 {
			return y, words[0]
		}
	}
	return 0, strings.TrimSpace(b.String())
}

// partBreak: a separator that parts the title's parts (area, municipality,
// year) rather than belonging to one of them.
func partBreak(sep string) bool { return sep == "," || sep == ";" || sep == ":" }

func allDigits(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsDigit(r) }) < 0
}

func hasDigit(s string) bool {
	return strings.IndexFunc(s, unicode.IsDigit) >= 0
}
