package catalog

import (
	"bytes"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/swedish"
)

// KPIRef is a Kolada KPI as the KPI catalogue lists it.
type KPIRef struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	// MunicipalityType is K (municipalities), L (regions only) or A (both).
	MunicipalityType string `json:"municipality_type,omitempty"`
	// Unpublished: Kolada no longer publishes it (its publ_period is empty).
	Unpublished bool `json:"-"`
}

// Outcome says how a title was looked up.
type Outcome string

// Outcomes of a lookup.
const (
	Resolved  Outcome = "resolved"  // one KPI: the id is written into the file
	Ambiguous Outcome = "ambiguous" // several KPIs: a person chooses
	NotFound  Outcome = "not found" // none
)

// Reason says why a lookup came out as it did.
type Reason string

// Reasons of a lookup.
const (
	ByExactTitle Reason = "exact title"  // one KPI has the title itself
	ClearlyBest  Reason = "clearly best" // one KPI fits the words clearly better than any other
	SeveralFit   Reason = "several fit"  // two or more fit about equally well
	BestHasFlaw  Reason = "caveat"       // the best fit has a caveat (discontinued, osäkerhetstal …)
	NoneFits     Reason = "none fits"
)

// Candidate is a KPI that fits a title, with its score (higher fits better)
// and what speaks against it.
type Candidate struct {
	KPIRef
	Score   float64
	Caveats []Caveat
}

// Resolution is the lookup of one title: an indicator's kolada_title, or a
// scatter's cost_title or quality_title.
type Resolution struct {
	Kind  string // "indicator" or "scatter"
	Index int    // the entry's position among the entries of its kind
	Entry string // the indicator's code or the scatter's name
	Field string // the key the id goes into: source, cost or quality
	Title string
	// Outcome, with ID when resolved; Candidates are the KPIs that fit,
	// best first (the resolved one among them).
	Outcome    Outcome
	ID         string
	Candidates []Candidate
	Reason     Reason
	// Exact is true when the title equals the KPI's (case, accents and
	// punctuation aside).
	Exact bool
}

type target struct {
	kind, entry, field, titleField, title string
	// name is the indicator as the plan words it; complement says that
	// the plan's wording is the opposite of the KPI's.
	name       string
	complement bool
	index      int
}

// targets lists the titles without an id, in file order.
func (c *Catalog) targets() []target {
	var out []target
	for i, ind := range c.Indicators {
		if ind.Source == "" && ind.KoladaTitle != "" {
			out = append(out, target{"indicator", ind.Code, "source", "kolada_title", ind.KoladaTitle, ind.Name, ind.Complement, i})
		}
	}
	for i, s := range c.Scatters {
		if s.Cost == "" && s.CostTitle != "" {
			out = append(out, target{"scatter", s.Name, "cost", "cost_title", s.CostTitle, "", false, i})
		}
		if s.Quality == "" && s.QualityTitle != "" {
			out = append(out, target{"scatter", s.Name, "quality", "quality_title", s.QualityTitle, "", false, i})
		}
	}
	return out
}

// Unresolved counts the titles still without an id.
func (c *Catalog) Unresolved() int { return len(c.targets()) }

// Scores of the match. A word of the title must be in the KPI's title or
// its description; in the title it counts more. The plan's own wording (the
// indicator's name: "mycket/ganska", "alltid/oftast") counts where the KPI
// says the same. Words of the KPI's title that neither asks for count a
// little against it, so that the KPI that says just what is asked wins.
const (
	titleWordInTitle = 3.0
	titleWordInText  = 1.0
	nameWordInTitle  = 2.0
	nameWordInText   = 1.0
	extraWord        = -0.5
	caveatPenalty    = -10.0
	// clearMargin is how much better than the next the best must fit for
	// its id to be written.
	clearMargin = 2.0
)

type indexed struct {
	ref   KPIRef
	key   string
	title map[string]bool
	text  map[string]bool // the description's stems, computed when needed
}

// Resolve looks up every title without an id in kpis. It proposes, never
// guesses: an id counts as sure when exactly one KPI has the title (case,
// accents, spaces and punctuation aside), or when one KPI fits the words of
// the title and the plan's wording clearly better than every other and has
// no caveat: not discontinued, not an osäkerhetstal or medelvärde, not for
// one regi or for regions only, not worded as the opposite — unless the
// title asks for that. Otherwise the candidates are listed, best first, for
// a person to choose.
func (c *Catalog) Resolve(kpis []KPIRef) []Resolution {
	index := make([]*indexed, 0, len(kpis))
	for _, k := range kpis {
		index = append(index, &indexed{ref: k, key: swedish.Fold(k.Title), title: wordSet(stems(k.Title))})
	}
	sort.Slice(index, func(i, j int) bool { return index[i].ref.ID < index[j].ref.ID })
	var out []Resolution
	for _, t := range c.targets() {
		out = append(out, resolveOne(t, index))
	}
	return out
}

func resolveOne(t target, index []*indexed) Resolution {
	r := Resolution{Kind: t.kind, Index: t.index, Entry: t.entry, Field: t.field, Title: t.title}
	key := swedish.Fold(t.title)
	var exact []Candidate
	for _, e := range index {
		if e.key == key {
			exact = append(exact, Candidate{KPIRef: e.ref})
		}
	}
	switch {
	case len(exact) == 1:
		r.Outcome, r.ID, r.Exact, r.Reason, r.Candidates = Resolved, exact[0].ID, true, ByExactTitle, exact
		return r
	case len(exact) > 1:
		r.Outcome, r.Reason, r.Candidates = Ambiguous, SeveralFit, exact
		return r
	}
	titleQ := stems(t.title)
	var nameQ []string
	inTitleQ := wordSet(titleQ)
	for _, w := range stems(t.name) {
		if !inTitleQ[w] {
			nameQ = append(nameQ, w)
		}
	}
	query := wordSet(append(append([]string(nil), titleQ...), nameQ...))
	negQuery := hasNegation(t.title) || hasNegation(t.name)
	var cands []Candidate
	// Every word of the title must fit; when no KPI has them all, KPIs that
	// lack one word of a longer title are proposed, never written.
	for missing := 0; missing <= 1 && len(cands) == 0; missing++ {
		if len(titleQ) == 0 || (missing > 0 && len(titleQ) < 3) {
			break
		}
		for _, e := range index {
			score, lacks, ok := e.score(titleQ, nameQ, query, missing)
			if !ok {
				continue
			}
			cv := caveats(e.ref, query, negQuery, t.complement)
			if lacks != "" {
				cv = append(cv, MissingWord)
			}
			cands = append(cands, Candidate{KPIRef: e.ref, Score: score, Caveats: cv})
		}
	}
	rank := func(c Candidate) float64 { return c.Score + caveatPenalty*float64(len(c.Caveats)) }
	sort.SliceStable(cands, func(i, j int) bool {
		if a, b := rank(cands[i]), rank(cands[j]); a != b {
			return a > b
		}
		return cands[i].ID < cands[j].ID
	})
	r.Candidates = cands
	switch {
	case len(cands) == 0:
		r.Outcome, r.Reason = NotFound, NoneFits
	case len(cands[0].Caveats) > 0:
		r.Outcome, r.Reason = Ambiguous, BestHasFlaw
	case len(cands) > 1 && rank(cands[0])-rank(cands[1]) < clearMargin:
		r.Outcome, r.Reason = Ambiguous, SeveralFit
	default:
		r.Outcome, r.Reason, r.ID = Resolved, ClearlyBest, cands[0].ID
	}
	return r
}

// score fits e to the title's and the name's words; ok is false when more
// than allowMissing words of the title are in neither its title nor its
// description, and lacks names the one missing.
func (e *indexed) score(titleQ, nameQ []string, query map[string]bool, allowMissing int) (score float64, lacks string, ok bool) {
	for _, q := range titleQ {
		switch {
		case stemIn(q, e.title):
			score += titleWordInTitle
		case stemIn(q, e.textWords()):
			score += titleWordInText
		case lacks == "" && allowMissing > 0:
			lacks = q
		default:
			return 0, "", false
		}
	}
	for _, q := range nameQ {
		switch {
		case stemIn(q, e.title):
			score += nameWordInTitle
		case stemIn(q, e.textWords()):
			score += nameWordInText
		}
	}
	for w := range e.title {
		if !matchesAny(w, query) {
			score += extraWord
		}
	}
	return score, lacks, true
}

func (e *indexed) textWords() map[string]bool {
	if e.text == nil {
		e.text = wordSet(stems(e.ref.Description))
	}
	return e.text
}

// matchesAny says whether the title word w is one of the query's stems (or
// holds one).
func matchesAny(w string, query map[string]bool) bool {
	one := map[string]bool{w: true}
	for q := range query {
		if stemIn(q, one) {
			return true
		}
	}
	return false
}

// Apply returns a copy of c with the resolved ids set.
func (c *Catalog) Apply(res []Resolution) *Catalog {
	out := *c
	out.Indicators = append([]Indicator(nil), c.Indicators...)
	out.Scatters = append([]Scatter(nil), c.Scatters...)
	for _, r := range res {
		if r.Outcome != Resolved {
			continue
		}
		switch {
		case r.Kind == "indicator":
			out.Indicators[r.Index].Source = r.ID
		case r.Field == "cost":
			out.Scatters[r.Index].Cost = r.ID
		case r.Field == "quality":
			out.Scatters[r.Index].Quality = r.ID
		}
	}
	return &out
}

var (
	blockHeader = regexp.MustCompile(`^\s*\[\[\s*([A-Za-z0-9_-]+)\s*\]\]\s*(#.*)?$`)
	tableHeader = regexp.MustCompile(`^\s*\[`)
)

// Rewrite writes the resolved ids into src, the catalogue file c was parsed
// from, and returns the new text. Only the lines of the keys it sets change:
// an existing `source = ""` line (cost, quality for scatters) gets the id
// and keeps its indentation and trailing comment, or gains the KPI's title as
// a comment when it had none; an entry without such a line gets one before
// its kolada_title (cost_title, quality_title). Every other byte — comments,
// blank lines, the order of entries and keys, line endings — stays as it
// was. The result is parsed again and must equal c with the ids set;
// otherwise (an entry written in a form this line editor does not follow,
// like an inline table) nothing is returned but an error, and the ids must be
// set by hand.
func Rewrite(src []byte, c *Catalog, res []Resolution, titles map[string]string) ([]byte, error) {
	eol := "\n"
	if bytes.Contains(src, []byte("\r\n")) {
		eol = "\r\n"
	}
	lines := strings.SplitAfter(string(src), "\n")
	type blockKey struct {
		kind  string
		index int
	}
	// where each [[kind]] block starts and ends
	type span struct{ start, end int }
	blocks := map[blockKey]*span{}
	counts := map[string]int{}
	var open *span
	inMultiline := false
	for i, line := range lines {
		trimmed := strings.TrimRight(line, "\r\n")
		if strings.Count(trimmed, `"""`)%2 == 1 || strings.Count(trimmed, `'''`)%2 == 1 {
			inMultiline = !inMultiline
			continue
		}
		if inMultiline {
			continue
		}
		if m := blockHeader.FindStringSubmatch(trimmed); m != nil {
			if open != nil {
				open.end = i
			}
			open = &span{start: i + 1, end: len(lines)}
			blocks[blockKey{m[1], counts[m[1]]}] = open
			counts[m[1]]++
			continue
		}
		if tableHeader.MatchString(trimmed) && open != nil {
			open.end = i
			open = nil
		}
	}
	type edit struct {
		line    int
		replace bool
		text    string
	}
	var edits []edit
	for _, r := range res {
		if r.Outcome != Resolved {
			continue
		}
		b := blocks[blockKey{r.Kind, r.Index}]
		if b == nil {
			return nil, fmt.Errorf("%s %s: its [[%s]] block was not found in the file", r.Kind, r.Entry, r.Kind)
		}
		keyLine := regexp.MustCompile(`^(\s*` + regexp.QuoteMeta(r.Field) + `\s*=\s*)("(?:[^"\\]|\\.)*"|'[^']*')(.*)$`)
		titleKey := map[string]string{"source": "kolada_title", "cost": "cost_title", "quality": "quality_title"}[r.Field]
		titleLine := regexp.MustCompile(`^(\s*)` + regexp.QuoteMeta(titleKey) + `\s*=`)
		done := false
		for i := b.start; i < b.end && !done; i++ {
			trimmed := strings.TrimRight(lines[i], "\r\n")
			if m := keyLine.FindStringSubmatch(trimmed); m != nil {
				rest := m[3]
				if strings.TrimSpace(rest) == "" && titles[r.ID] != "" {
					rest = "  # " + oneLine(titles[r.ID])
				}
				edits = append(edits, edit{i, true, m[1] + strconv.Quote(r.ID) + rest + eol})
				done = true
			}
		}
		for i := b.start; i < b.end && !done; i++ {
			if m := titleLine.FindStringSubmatch(lines[i]); m != nil {
				text := m[1] + r.Field + " = " + strconv.Quote(r.ID)
				if titles[r.ID] != "" {
					text += "  # " + oneLine(titles[r.ID])
				}
				edits = append(edits, edit{i, false, text + eol})
				done = true
			}
		}
		if !done {
			return nil, fmt.Errorf("%s %s: neither %s nor %s is on a line of its own", r.Kind, r.Entry, r.Field, titleKey)
		}
	}
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].line > edits[j].line })
	for _, e := range edits {
		if e.replace {
			lines[e.line] = e.text
		} else {
			lines = append(lines[:e.line], append([]string{e.text}, lines[e.line:]...)...)
		}
	}
	out := []byte(strings.Join(lines, ""))
	got, err := Parse(out, c.File)
	if err != nil {
		return nil, fmt.Errorf("the edited file does not read back: %w", err)
	}
	want := c.Apply(res)
	if !reflect.DeepEqual(got, want) {
		return nil, fmt.Errorf("the edited file does not read back as the catalogue with the ids set")
	}
	return out, nil
}

// oneLine keeps a title on one comment line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
