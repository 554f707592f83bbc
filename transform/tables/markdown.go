package tables

import (
	"bufio"
	"github.com/nyckeltal/nyckeltal/internal/textsafe"
	"io"
	"strings"
)

// mdEscape is textsafe.Markdown: every text of a Markdown file goes through it.
func mdEscape(s string) string { return textsafe.Markdown(s) }

func writeMDTable(w *bufio.Writer, t humanTable) {
	w.WriteString("| " + strings.Join(mapStrings(t.cols, mdEscape), " | ") + " |\n|")
	for _, n := range t.numeric {
		if n {
			w.WriteString("---:|")
		} else {
			w.WriteString("---|")
		}
	}
	w.WriteString("\n")
	for _, r := range t.rows {
		w.WriteString("| " + strings.Join(mapStrings(r, mdEscape), " | ") + " |\n")
	}
}

func mapStrings(xs []string, f func(string) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

func (r *Result) writeMDHead(w *bufio.Writer, title string) {
	w.WriteString("# " + mdEscape(r.fileTitle(title)) + "\n\n")
	w.WriteString(mdEscape(r.About()) + "\n\n")
	w.WriteString(mdEscape(r.SourceLabel()) + "\n")
}

func (r *Result) writeMDFooter(w *bufio.Writer) {
	w.WriteString("\n---\n\n")
	for _, f := range r.Footer() {
		w.WriteString(mdEscape(f) + "\n\n")
	}
}

// WriteDetailMarkdown writes a målområde's indicator tables as Markdown.
func (r *Result) WriteDetailMarkdown(w io.Writer, malomrade string) error {
	bw := bufio.NewWriter(w)
	m, _ := r.Catalog.MalomradeByID(malomrade)
	r.writeMDHead(bw, "Målområde "+m.ID+": "+m.Name)
	mal := ""
	for _, t := range r.Of(malomrade) {
		if t.Mal.ID != mal {
			mal = t.Mal.ID
			bw.WriteString("\n## Mål " + mdEscape(t.Mal.ID+": "+t.Mal.Name) + "\n")
		}
		h := t.human()
		bw.WriteString("\n### " + mdEscape(h.heading) + "\n\n")
		for _, line := range h.meta {
			bw.WriteString(mdEscape(line) + "  \n")
		}
		if len(h.rows) > 0 {
			bw.WriteString("\n")
			writeMDTable(bw, h)
		}
		if len(h.notes) > 0 {
			bw.WriteString("\n")
			for _, n := range h.notes {
				bw.WriteString("- " + mdEscape(n) + "\n")
			}
		}
	}
	r.writeMDFooter(bw)
	return bw.Flush()
}

// WriteOverviewMarkdown writes the overview as Markdown.
func (r *Result) WriteOverviewMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	r.writeMDHead(bw, "Översikt")
	for _, s := range r.overview() {
		bw.WriteString("\n## " + mdEscape(s.heading) + "\n\n" + mdEscape(s.summary) + "\n\n")
		writeMDTable(bw, s.table)
	}
	r.writeMDFooter(bw)
	return bw.Flush()
}
