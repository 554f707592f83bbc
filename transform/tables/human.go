package tables

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"github.com/nyckeltal/nyckeltal/transform/catalog"
)

// The layout shared by the formats for people (Markdown, HTML and the
// report): per indicator a small table with what it needs, the notes below.

// fileTitle is "PART — Exempelköping (9001)".
func (r *Result) fileTitle(part string) string {
	return fmt.Sprintf("%s — %s (%s)", part, r.MunicipalityName, r.MunicipalityID)
}

// Systems lists the sources of the values shown, Kolada first.
func (r *Result) Systems() []string {
	seen := map[string]bool{}
	var local []string
	kolada := false
	for _, t := range r.Indicators {
		if t.Kolada {
			kolada = kolada || len(t.Rows) > 0
			continue
		}
		if len(t.Rows) > 0 && t.SourceSystem != "" && !seen[t.SourceSystem] {
			seen[t.SourceSystem] = true
			local = append(local, t.SourceSystem)
		}
	}
	sort.Strings(local)
	if kolada {
		return append([]string{"Kolada (RKA)"}, local...)
	}
	return local
}

// SourceLabel is the line every file carries: where the values come from,
// and that the computed columns are the municipality's own. With Kolada
// values it begins with the label Kolada's terms ask for.
func (r *Result) SourceLabel() string {
	s := r.Systems()
	if len(s) == 0 || s[0] == "Kolada (RKA)" {
		label := "Källa: Kolada (RKA). " + Label
		if len(s) > 1 {
			label += " Kommunens egna uppgifter: " + joinAnd(s[1:]) + "."
		}
		return label
	}
	return "Källa: " + joinAnd(s) + ". " + Label
}

func joinAnd(xs []string) string {
	if len(xs) == 1 {
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " och " + xs[len(xs)-1]
}

// YearsText is "2019–2024".
func (r *Result) YearsText() string {
	switch len(r.Years) {
	case 0:
		return "inga år med värden"
	case 1:
		return strconv.Itoa(r.Years[0])
	}
	return fmt.Sprintf("%d–%d", r.Years[0], r.Years[len(r.Years)-1])
}

// About says what the tables describe: the catalogue, the years and the
// state of the store.
func (r *Result) About() string {
	return fmt.Sprintf("%s · år %s · databasens senaste laddning %s", r.Catalog.Title, r.YearsText(),
		swedish.Time(r.DataAsOf))
}

// Footer explains how to read the computed columns.
func (r *Result) Footer() []string {
	return []string{
		"Förändring: mot samma period året före (procentenheter för andelar). Bedömning: förbättring eller försämring i indikatorns riktning (öka/minska); värden som är lika med de decimaler som visas är oförändrade.",
		"Liknande kommuner: RKA:s grupp för området (samma grupp som nettokostnadsavvikelsen jämförs med det året); medelvärde utan viktning, som Kolada räknar gruppvärden; rang 1 är bäst i indikatorns riktning bland kommunen och gruppens kommuner med värde.",
		"Preliminära värden är märkta med en stjärna efter perioden (2025*). Ett streck (–) är ett värde som saknas, och anmärkningen säger varför; ett värde som saknas visas aldrig som 0.",
		r.SourceLabel(),
	}
}

type humanTable struct {
	id      string
	heading string
	meta    []string
	cols    []string
	numeric []bool
	rows    [][]string
	verdict []Verdict // per row, for styling
	notes   []string
}

func periodCell(r Row) string {
	if r.Preliminary {
		return r.Period.Label() + "*"
	}
	return r.Period.Label()
}

func verdictText(v Verdict) string {
	if v == NoVerdict {
		return dash
	}
	return string(v)
}

func (t *IndicatorTable) sourceText() string {
	s := t.SourceSystem
	if t.SourceID != "" && t.Indicator.Complement {
		s += " 100 − " + t.SourceID
	} else if t.SourceID != "" {
		s += " " + t.SourceID
	}
	if t.SourceName != "" && t.SourceName != t.Indicator.Name {
		s += ": " + t.SourceName
	}
	if t.SourceID == "" && t.Indicator.KoladaTitle != "" {
		s += " (titel: " + t.Indicator.KoladaTitle + ")"
	}
	return s
}

func (t *IndicatorTable) human() humanTable {
	ind := t.Indicator
	h := humanTable{id: "ind-" + ind.Code, heading: ind.Code + " " + ind.Name}
	h.meta = append(h.meta, fmt.Sprintf("Riktning: %s · Måttenhet: %s · Period: %s · Källa: %s",
		directionText(string(ind.Direction)), orDefault(ind.Unit, dash), periodsText(ind), t.sourceText()))
	if !t.Kolada {
		h.meta = append(h.meta, "Egen uppföljning: ingen jämförelse med liknande kommuner eller riket.")
	}
	for _, g := range t.Groups {
		years := strconv.Itoa(g.From)
		if g.To != g.From {
			years += "–" + strconv.Itoa(g.To)
		}
		h.meta = append(h.meta, "Liknande kommuner "+years+": "+g.Name())
	}
	dec := ind.DecimalsShown()
	if t.Kolada {
		h.cols = []string{"Indelning", "Period", "Värde", "Förändring (egen bearbetning)", "Bedömning (egen bearbetning)",
			"Liknande kommuner, medel (egen bearbetning)", "Liknande kommuner, median (egen bearbetning)",
			"Rang (egen bearbetning)", "Riket", "Anmärkning"}
		h.numeric = []bool{false, false, true, true, false, true, true, true, true, false}
	} else {
		h.cols = []string{"Indelning", "Period", "Värde", "Förändring (egen bearbetning)", "Bedömning (egen bearbetning)", "Anmärkning"}
		h.numeric = []bool{false, false, true, true, false, false}
	}
	for _, r := range t.Rows {
		row := []string{r.Split.Label(), periodCell(r), humanNumber(r.Value, dec), humanChange(r.Change, dec), verdictText(r.Verdict)}
		if t.Kolada {
			mean, median, rank := dash, dash, dash
			if p := r.Peers; p != nil {
				mean, median, rank = humanNumber(p.Mean, dec), humanNumber(p.Median, dec), rankText(p)
				if p.WithValue < p.Members {
					r.Note = joinNote(r.Note, fmt.Sprintf("%d av %d i gruppen har värde", p.WithValue, p.Members))
				}
			}
			row = append(row, mean, median, rank, humanNumber(r.Riket, dec))
		}
		row = append(row, r.Note)
		h.rows = append(h.rows, row)
		h.verdict = append(h.verdict, r.Verdict)
	}
	h.notes = t.Notes
	return h
}

func periodsText(ind catalog.Indicator) string {
	parts := make([]string, len(ind.Periods))
	for i, p := range ind.Periods {
		parts[i] = p.Label()
	}
	return strings.Join(parts, ", ")
}

type overviewSection struct {
	id, heading string
	summary     string
	table       humanTable
}

func countsText(c Counts) string {
	return fmt.Sprintf("förbättring %d · försämring %d · oförändrad %d · utan bedömning %d · utan värden %d",
		c.Improved, c.Worsened, c.Unchanged, c.NoVerdict, c.NoData)
}

// overview lays out one table per målområde with each indicator's latest period.
func (r *Result) overview() []overviewSection {
	var out []overviewSection
	for _, m := range r.Catalog.Malomraden {
		ts := r.Of(m.ID)
		s := overviewSection{id: "oversikt-" + m.ID, heading: "Målområde " + m.ID + ": " + m.Name, summary: countsText(Summarize(ts))}
		s.table.cols = []string{"Kod", "Indikator", "Riktning", "Period", "Värde", "Förändring (egen bearbetning)",
			"Bedömning (egen bearbetning)", "Liknande kommuner, medel (egen bearbetning)", "Rang (egen bearbetning)", "Riket", "Anmärkning"}
		s.table.numeric = []bool{false, false, false, false, true, true, false, true, true, true, false}
		for _, t := range ts {
			ind := t.Indicator
			dec := ind.DecimalsShown()
			row := t.Latest()
			name := ind.Name
			if ind.Unit != "" {
				name += " (" + ind.Unit + ")"
			}
			if row == nil {
				s.table.rows = append(s.table.rows, []string{ind.Code, name, directionText(string(ind.Direction)), dash, dash, dash, dash, dash, dash, dash,
					strings.Join(t.Notes, " ")})
				s.table.verdict = append(s.table.verdict, NoVerdict)
				continue
			}
			mean, rank := dash, dash
			if p := row.Peers; p != nil {
				mean, rank = humanNumber(p.Mean, dec), rankText(p)
			}
			note := row.Note
			if row.Value == nil {
				note = joinNote(note, strings.Join(t.Notes, " "))
			}
			s.table.rows = append(s.table.rows, []string{ind.Code, name, directionText(string(ind.Direction)), periodCell(*row),
				humanNumber(row.Value, dec), humanChange(row.Change, dec), verdictText(row.Verdict), mean, rank,
				humanNumber(row.Riket, dec), note})
			s.table.verdict = append(s.table.verdict, row.Verdict)
		}
		out = append(out, s)
	}
	return out
}
