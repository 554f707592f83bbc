package tables

import (
	"bufio"
	"github.com/nyckeltal/nyckeltal/internal/textsafe"
	"io"
	"strings"
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

// contentSecurityPolicy forbids every fetch: the page is one file, and a
// browser refuses (and reports) anything that would reach outside it.
const contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

// HTMLHead writes the start of a self-contained page up to <body>.
func HTMLHead(w io.Writer, title string) error {
	_, err := io.WriteString(w, "<!DOCTYPE html>\n<html lang=\"sv\">\n<head>\n<meta charset=\"utf-8\">\n"+
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"+
		"<meta http-equiv=\"Content-Security-Policy\" content=\""+contentSecurityPolicy+"\">\n"+
		"<meta name=\"generator\" content=\"nyckeltal\">\n"+
		"<title>"+esc(title)+"</title>\n<style>"+CSS+"</style>\n</head>\n<body>\n")
	return err
}

// HTMLTail ends the page.
func HTMLTail(w io.Writer) error {
	_, err := io.WriteString(w, "</body>\n</html>\n")
	return err
}

// esc is textsafe.HTML: every text of an HTML file goes through it.
func esc(s string) string { return textsafe.HTML(s) }

// headCell splits "X (egen bearbetning)" into the name and a small line, so
// the computed columns say so without wide headers.
func headCell(col string, numeric bool) string {
	class := ""
	if numeric {
		class = ` class="num"`
	}
	if name, ok := strings.CutSuffix(col, " (egen bearbetning)"); ok {
		return "<th" + class + ">" + esc(name) + "<small>egen bearbetning</small></th>"
	}
	return "<th" + class + ">" + esc(col) + "</th>"
}

func writeHTMLTable(w *bufio.Writer, t humanTable) {
	w.WriteString("<table>\n<thead><tr>")
	for i, c := range t.cols {
		w.WriteString(headCell(c, t.numeric[i]))
	}
	w.WriteString("</tr></thead>\n<tbody>\n")
	for ri, r := range t.rows {
		w.WriteString("<tr>")
		for i, c := range r {
			switch {
			case t.numeric[i]:
				w.WriteString(`<td class="num">` + esc(c) + "</td>")
			case t.cols[i] == "Anmärkning":
				w.WriteString(`<td class="note">` + esc(c) + "</td>")
			case strings.HasPrefix(t.cols[i], "Bedömning") && ri < len(t.verdict) && t.verdict[ri] != NoVerdict:
				w.WriteString(`<td class="v-` + esc(string(t.verdict[ri])) + `">` + esc(c) + "</td>")
			default:
				w.WriteString("<td>" + esc(c) + "</td>")
			}
		}
		w.WriteString("</tr>\n")
	}
	w.WriteString("</tbody>\n</table>\n")
}

// WriteDetailHTMLBody writes a målområde's indicator tables as an HTML
// fragment with headings of level hl (and below).
func (r *Result) WriteDetailHTMLBody(w io.Writer, malomrade string, hl int) error {
	bw := bufio.NewWriter(w)
	h := func(level int, id, text string) {
		tag := "h" + itoa(min(level, 6))
		attr := ""
		if id != "" {
			attr = ` id="` + esc(id) + `"`
		}
		bw.WriteString("<" + tag + attr + ">" + esc(text) + "</" + tag + ">\n")
	}
	mal := ""
	for _, t := range r.Of(malomrade) {
		if t.Mal.ID != mal {
			mal = t.Mal.ID
			h(hl, "mal-"+mal, "Mål "+t.Mal.ID+": "+t.Mal.Name)
		}
		ht := t.human()
		bw.WriteString(`<section class="indicator">` + "\n")
		h(hl+1, ht.id, ht.heading)
		for _, line := range ht.meta {
			bw.WriteString(`<p class="meta">` + esc(line) + "</p>\n")
		}
		if len(ht.rows) > 0 {
			writeHTMLTable(bw, ht)
		}
		if len(ht.notes) > 0 {
			bw.WriteString(`<ul class="notes">`)
			for _, n := range ht.notes {
				bw.WriteString("<li>" + esc(n) + "</li>")
			}
			bw.WriteString("</ul>\n")
		}
		bw.WriteString("</section>\n")
	}
	return bw.Flush()
}

// WriteOverviewHTMLBody writes the overview as an HTML fragment.
func (r *Result) WriteOverviewHTMLBody(w io.Writer, hl int) error {
	bw := bufio.NewWriter(w)
	for _, s := range r.overview() {
		tag := "h" + itoa(hl)
		bw.WriteString("<" + tag + ` id="` + esc(s.id) + `">` + esc(s.heading) + "</" + tag + ">\n")
		bw.WriteString(`<p class="meta">` + esc(s.summary) + "</p>\n")
		writeHTMLTable(bw, s.table)
	}
	return bw.Flush()
}

// WriteFooterHTML writes the explanations and the source label.
func (r *Result) WriteFooterHTML(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("<footer>\n")
	for _, f := range r.Footer() {
		bw.WriteString("<p>" + esc(f) + "</p>\n")
	}
	bw.WriteString("</footer>\n")
	return bw.Flush()
}

func (r *Result) writeHTMLPage(w io.Writer, title string, body func(io.Writer) error) error {
	bw := bufio.NewWriter(w)
	full := r.fileTitle(title)
	if err := HTMLHead(bw, full); err != nil {
		return err
	}
	bw.WriteString("<h1>" + esc(full) + "</h1>\n")
	bw.WriteString(`<p class="about">` + esc(r.About()) + "</p>\n")
	bw.WriteString(`<p class="label">` + esc(r.SourceLabel()) + "</p>\n")
	if err := body(bw); err != nil {
		return err
	}
	if err := r.WriteFooterHTML(bw); err != nil {
		return err
	}
	if err := HTMLTail(bw); err != nil {
		return err
	}
	return bw.Flush()
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
