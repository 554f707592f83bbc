package catalog

import (
	"regexp"
	"strings"
	"unicode"

	snowball "github.com/kljensen/snowball/swedish"

	"github.com/nyckeltal/nyckeltal/internal/swedish"
)

// The words of titles are compared as Swedish stems (Snowball's Swedish
// stemmer: "trygghet", "trygga" and "tryggt" are all "trygg"), folded to
// lower case without accents. Function words carry no meaning for the match.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`och i på av med för som att de den det dem en ett till om sin sitt sina
		hen är procent andel eller från per vid har sig denne dennes hur vad så ska kan alla sig
		antal kr inv helår år`) {
		m[swedish.Fold(w)] = true
	}
	return m
}()

// negations turn a statement into its opposite: a title with one and a KPI
// without it (or the other way round) measure opposite things.
var negations = map[string]bool{"inte": true, "ej": true, "aldrig": true, "ingen": true, "inget": true, "inga": true}

// stems splits s into the folded stems of its content words, in order,
// without repeats.
func stems(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		k := swedish.Fold(w)
		if k == "" || stopWords[k] {
			continue
		}
		st := swedish.Fold(snowball.Stem(w, true))
		if st == "" {
			st = k
		}
		if !seen[st] {
			seen[st] = true
			out = append(out, st)
		}
	}
	return out
}

// hasNegation says whether s holds a negation word.
func hasNegation(s string) bool {
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if negations[w] {
			return true
		}
	}
	return false
}

// stemIn says whether the stem q is among words: equal, or a word starting
// with it ("trygg" in "trygghetslarm", "måltid" in "måltidsmiljö"), or, for
// longer stems, a compound holding it ("personal" in "hemtjänstpersonalen").
func stemIn(q string, words map[string]bool) bool {
	if words[q] {
		return true
	}
	for w := range words {
		if (len(q) >= 4 && strings.HasPrefix(w, q)) || (len(q) >= 6 && strings.Contains(w, q)) {
			return true
		}
	}
	return false
}

func wordSet(ws []string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// Caveat is why a KPI is not what a plan means unless it says so.
type Caveat string

// Caveats of a candidate KPI.
const (
	Discontinued   Caveat = "upphört"                        // "(-2024)", or no longer published
	Uncertainty    Caveat = "osäkerhetstal"                  // the margin of a survey figure, not the figure
	Mean           Caveat = "medelvärde"                     // an index over several questions
	RegiOnly       Caveat = "en regi"                        // kommunal or enskild regi only, not every utförare
	RegionsOnly    Caveat = "bara regioner"                  // not published for municipalities
	OppositeSense  Caveat = "motsatt formulering"            // a negation on one side only
	FewAnswersFlag Caveat = "svarsfrekvens eller antal svar" // the survey's size, not its answer
	MissingWord    Caveat = "ett ord saknas"                 // one word of the title is not the KPI's
)

var discontinuedTitle = regexp.MustCompile(`\(-\s*\d{4}\)`)

// caveats lists what speaks against k for a title and name that do not ask
// for it; query is the folded stems of both.
func caveats(k KPIRef, query map[string]bool, negQuery, complement bool) []Caveat {
	title := swedish.FoldWords(k.Title)
	has := func(w string) bool { return strings.Contains(" "+title+" ", " "+w+" ") }
	var out []Caveat
	if (discontinuedTitle.MatchString(k.Title) || k.Unpublished) && !query["upphort"] {
		out = append(out, Discontinued)
	}
	if strings.Contains(title, "osakerhetstal") && !stemIn("osakerhetstal", query) {
		out = append(out, Uncertainty)
	}
	if strings.Contains(title, "medelvarde") && !stemIn("medelvard", query) {
		out = append(out, Mean)
	}
	if (strings.Contains(title, "kommunal regi") || strings.Contains(title, "enskild regi")) && !query["regi"] {
		out = append(out, RegiOnly)
	}
	if k.MunicipalityType == "L" || (has("region") && !query["region"]) {
		out = append(out, RegionsOnly)
	}
	if (strings.Contains(title, "svarsfrekvens") || strings.Contains(title, "antal svar") || strings.Contains(title, "svarande")) &&
		!stemIn("svar", query) {
		out = append(out, FewAnswersFlag)
	}
	if neg := hasNegation(k.Title); neg != negQuery && !(complement && negQuery && !neg) {
		out = append(out, OppositeSense)
	}
	return out
}
