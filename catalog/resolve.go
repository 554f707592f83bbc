package catalog

import (
	"bytes"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/fold"
)

// KPIRef is a Kolada KPI as the KPI catalogue lists it.
type KPIRef struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// Outcome says how a title was looked up.
type Outcome string

// Outcomes of a lookup.
const (
	Resolved  Outcome = "resolved"  // one KPI: the id is written into the file
	Ambiguous Outcome = "ambiguous" // several KPIs: a person chooses
	NotFound  Outcome = "not found" // none
)

// Resolution is the lookup of one title: an indicator's kolada_title, or a
// scatter's cost_title or quality_title.
type Resolution struct {
	Kind  string // "indicator" or "scatter"
	Index int    // the entry's position among the entries of its kind
	Entry string // the indicator's code or the scatter's name
	Field string // the key the id goes into: source, cost or quality
	Title string
	// Outcome, with ID when resolved and Candidates when ambiguous.
	Outcome    Outcome
	ID         string
	Candidates []KPIRef
	// Exact is true when the title equals the KPI's (case, accents and
	// punctuation aside); otherwise every word of it is in the KPI's title.
	Exact bool
}

type target struct {
	kind, entry, field, titleField, title string
	index                                 int
}

// targets lists the titles without an id, in file order.
func (c *Catalog) targets() []target {
	var out []target
	for i, ind := range c.Indicators {
		if ind.Source == "" && ind.KoladaTitle != "" {
			out = append(out, target{"indicator", ind.Code, "source", "kolada_title", ind.KoladaTitle, i})
		}
	}
	for i, s := range c.Scatters {
		if s.Cost == "" && s.CostTitle != "" {
			out = append(out, target{"scatter", s.Name, "cost", "cost_title", s.CostTitle, i})
		}
		if s.Quality == "" && s.QualityTitle != "" {
			out = append(out, target{"scatter", s.Name, "quality", "quality_title", s.QualityTitle, i})
		}
	}
	return out
}

// Unresolved counts the titles still without an id.
func (c *Catalog) Unresolved() int { return len(c.targets()) }

// Resolve looks up every title without an id in kpis. An id counts as sure
// when exactly one KPI has the title (case, accents, spaces and punctuation
// aside), or, when none has it exactly, exactly one KPI's title holds every
// word of it (each as the start of a word: "trygg" matches "trygghet"). More
// than one is ambiguous and left to a person, as is none.
func (c *Catalog) Resolve(kpis []KPIRef) []Resolution {
	type entry struct {
		ref   KPIRef
		key   string
		words []string
	}
	index := make([]entry, 0, len(kpis))
	for _, k := range kpis {
		index = append(index, entry{k, fold.Key(k.Title), strings.Fields(fold.Words(k.Title))})
	}
	sort.Slice(index, func(i, j int) bool { return index[i].ref.ID < index[j].ref.ID })
	var out []Resolution
	for _, t := range c.targets() {
		r := Resolution{Kind: t.kind, Index: t.index, Entry: t.entry, Field: t.field, Title: t.title}
		key := fold.Key(t.title)
		words := strings.Fields(fold.Words(t.title))
		var exact, byWords []KPIRef
		for _, e := range index {
			if e.key == key {
				exact = append(exact, e.ref)
			} else if len(words) > 0 && allWordsIn(words, e.words) {
				byWords = append(byWords, e.ref)
			}
		}
		switch {
		case len(exact) == 1:
			r.Outcome, r.ID, r.Exact = Resolved, exact[0].ID, true
		case len(exact) > 1:
			r.Outcome, r.Candidates = Ambiguous, exact
		case len(byWords) == 1:
			r.Outcome, r.ID = Resolved, byWords[0].ID
		case len(byWords) > 1:
			r.Outcome, r.Candidates = Ambiguous, byWords
		default:
			r.Outcome = NotFound
		}
		out = append(out, r)
	}
	return out
}

func allWordsIn(words, titleWords []string) bool {
	for _, w := range words {
		found := false
		for _, tw := range titleWords {
			if strings.HasPrefix(tw, w) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
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
