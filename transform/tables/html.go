package tables

import (
	"bytes"
	_ "embed"
	"html/template"
	"io"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/textsafe"
)

// CSS is the style of the HTML tables and the report: system fonts only
// (nothing is fetched), readable on screen and on paper.
const CSS = `
:root { --ink: #1d2733; --muted: #5b6778; --line: #d5dbe3; --head: #eef2f6; --good: #1b7a3d; --bad: #b3261e; --own: #c2410c; --peer: #1f5fa8; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); margin: 2rem auto; max-width: 72rem; padding: 0 1.5rem; line-height: 1.45; font-size: 15px; }
h1 { font-size: 1.7rem; margin: 0 0 .3rem; } h2 { font-size: 1.35rem; margin: 2.2rem 0 .6rem; border-bottom: 2px solid var(--line); padding-bottom: .2rem; }
h3 { font-size: 1.1rem; margin: 1.8rem 0 .4rem; } h4 { font-size: 1rem; margin: 1.4rem 0 .3rem; }
p.meta, p.about, .note, figcaption { color: var(--muted); }
p.meta { margin: .1rem 0; font-size: .9rem; }
p.label { font-weight: 600; }
table { border-collapse: collapse; margin: .6rem 0 .4rem; width: 100%; font-size: .88rem; }
th, td { border-bottom: 1px solid var(--line); padding: .28rem .45rem; text-align: left; vertical-align: top; }
th { background: var(--head); font-weight: 600; }
th small { display: block; font-weight: 400; color: var(--muted); font-size: .75rem; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; } td.num { white-space: nowrap; }
td.note { min-width: 12rem; font-size: .82rem; color: var(--muted); }
td.v-förbättring { color: var(--good); font-weight: 600; } td.v-försämring { color: var(--bad); font-weight: 600; }
ul.notes { margin: .2rem 0 .8rem; padding-left: 1.2rem; color: var(--muted); font-size: .88rem; }
nav.toc ul { columns: 2; font-size: .92rem; }
section.indicator { break-inside: avoid-page; }
figure { margin: 1rem 0 1.6rem; break-inside: avoid; }
svg { max-width: 100%; height: auto; font-family: inherit; }
.summary { display: flex; gap: 1rem; flex-wrap: wrap; margin: .6rem 0; }
.summary div { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .9rem; }
.summary strong { display: block; font-size: 1.4rem; }
footer { margin-top: 3rem; border-top: 2px solid var(--line); padding-top: .8rem; color: var(--muted); font-size: .85rem; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 10.5pt; }
  h2 { break-before: auto; break-after: avoid; } h3, h4 { break-after: avoid; }
  thead { display: table-header-group; } tr { break-inside: avoid; }
  nav.toc { display: none; }
  a { color: inherit; text-decoration: none; }
}
`

//go:embed html.tmpl
var htmlTemplates string

// pages holds the templates of html.tmpl.
var pages = template.Must(template.New("tables").Funcs(template.FuncMap{
	"esc": func(s string) template.HTML { return template.HTML(esc(s)) },
	"css": func() template.CSS { return template.CSS(CSS) },
}).Parse(htmlTemplates))

// HTMLHead writes the start of a self-contained page up to <body>.
func HTMLHead(w io.Writer, title string) error { return pages.ExecuteTemplate(w, "head", title) }

// HTMLTail ends the page.
func HTMLTail(w io.Writer) error { return pages.ExecuteTemplate(w, "tail", nil) }

// esc is textsafe.HTML: every text of an HTML file goes through it.
func esc(s string) string { return textsafe.HTML(s) }

// htmlHeading is a heading of a level (2–6) with an id ("": none).
type htmlHeading struct {
	Level    int
	ID, Text string
}

type htmlHeadCell struct {
	Name              string
	Numeric, Computed bool
}

type htmlCell struct{ Class, Text string }

// htmlTable is a humanTable as html.tmpl lays it out.
type htmlTable struct {
	Head []htmlHeadCell
	Rows [][]htmlCell
}

// headCell splits "X (egen bearbetning)" into the name and a small line, so
// the computed columns say so without wide headers.
func headCell(col string, numeric bool) htmlHeadCell {
	if name, ok := strings.CutSuffix(col, " (egen bearbetning)"); ok {
		return htmlHeadCell{Name: name, Numeric: numeric, Computed: true}
	}
	return htmlHeadCell{Name: col, Numeric: numeric}
}

func (t humanTable) html() htmlTable {
	var out htmlTable
	for i, c := range t.cols {
		out.Head = append(out.Head, headCell(c, t.numeric[i]))
	}
	for ri, r := range t.rows {
		row := make([]htmlCell, len(r))
		for i, c := range r {
			switch {
			case t.numeric[i]:
				row[i] = htmlCell{"num", c}
			case t.cols[i] == "Anmärkning":
				row[i] = htmlCell{"note", c}
			case strings.HasPrefix(t.cols[i], "Bedömning") && ri < len(t.verdict) && t.verdict[ri] != NoVerdict:
				row[i] = htmlCell{"v-" + string(t.verdict[ri]), c}
			default:
				row[i] = htmlCell{"", c}
			}
		}
		out.Rows = append(out.Rows, row)
	}
	return out
}

type htmlIndicator struct {
	Mal     *htmlHeading // a new mål starts here
	Heading htmlHeading
	Meta    []string
	Table   *htmlTable
	Notes   []string
}

// WriteDetailHTMLBody writes a målområde's indicator tables as an HTML
// fragment with headings of level hl (and below).
func (r *Result) WriteDetailHTMLBody(w io.Writer, malomrade string, hl int) error {
	var inds []htmlIndicator
	mal := ""
	for _, t := range r.Of(malomrade) {
		var ind htmlIndicator
		if t.Mal.ID != mal {
			mal = t.Mal.ID
			ind.Mal = &htmlHeading{Level: min(hl, 6), ID: "mal-" + mal, Text: "Mål " + t.Mal.ID + ": " + t.Mal.Name}
		}
		ht := t.human()
		ind.Heading = htmlHeading{Level: min(hl+1, 6), ID: ht.id, Text: ht.heading}
		ind.Meta, ind.Notes = ht.meta, ht.notes
		if len(ht.rows) > 0 {
			tb := ht.html()
			ind.Table = &tb
		}
		inds = append(inds, ind)
	}
	return pages.ExecuteTemplate(w, "detail", struct{ Indicators []htmlIndicator }{inds})
}

type htmlOverviewSection struct {
	Heading htmlHeading
	Summary string
	Table   htmlTable
}

// WriteOverviewHTMLBody writes the overview as an HTML fragment.
func (r *Result) WriteOverviewHTMLBody(w io.Writer, hl int) error {
	var sections []htmlOverviewSection
	for _, s := range r.overview() {
		sections = append(sections, htmlOverviewSection{Heading: htmlHeading{Level: hl, ID: s.id, Text: s.heading},
			Summary: s.summary, Table: s.table.html()})
	}
	return pages.ExecuteTemplate(w, "overview", sections)
}

// WriteFooterHTML writes the explanations and the source label.
func (r *Result) WriteFooterHTML(w io.Writer) error {
	return pages.ExecuteTemplate(w, "footer", r.Footer())
}

func (r *Result) writeHTMLPage(w io.Writer, title string, body func(io.Writer) error) error {
	var b bytes.Buffer
	if err := body(&b); err != nil {
		return err
	}
	full := r.fileTitle(title)
	return pages.ExecuteTemplate(w, "page", struct {
		Title, About, Label string
		Body                template.HTML // written by the templates above
		Footer              []string
	}{full, r.About(), r.SourceLabel(), template.HTML(b.String()), r.Footer()})
}

// WriteDetailHTML writes a målområde's tables as a self-contained page.
func (r *Result) WriteDetailHTML(w io.Writer, malomrade string) error {
	m, _ := r.Catalog.MalomradeByID(malomrade)
	return r.writeHTMLPage(w, "Målområde "+m.ID+": "+m.Name, func(w io.Writer) error {
		return r.WriteDetailHTMLBody(w, malomrade, 2)
	})
}

// WriteOverviewHTML writes the overview as a self-contained page.
func (r *Result) WriteOverviewHTML(w io.Writer) error {
	return r.writeHTMLPage(w, "Översikt", func(w io.Writer) error { return r.WriteOverviewHTMLBody(w, 2) })
}
