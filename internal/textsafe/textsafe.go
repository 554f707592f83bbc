// Package textsafe makes text from the store safe to put into the files
// people open: spreadsheet cells (CSV, XLSX) that a spreadsheet would take
// for a formula, Markdown that a renderer would take for markup or HTML, and
// HTML. Text in the store comes partly from files others wrote (enheter,
// indicator names, Treserva's utförare …), so every text cell of every
// output goes through here: one helper per format, not one per call site.
package textsafe

import (
	"encoding/csv"
	"html"
	"io"
	"strconv"
	"strings"
)

// Cell neutralises a spreadsheet cell of text the way OWASP describes for
// CSV injection: a cell that starts with "=", "+", "-", "@", a tab or a
// carriage return gets a leading apostrophe, so that Excel and LibreOffice
// show it as text instead of running it as a formula. A number written as
// text ("-12.5", "-12,5", "+3") is left alone: numbers stay numbers.
func Cell(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) || isNumber(s) {
		return s
	}
	return "'" + s
}

// isNumber: a plain decimal number, with a point or a decimal comma.
func isNumber(s string) bool {
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return !strings.ContainsAny(s, "xXpPnNiI_") // not 0x1p3, NaN, Inf or 1_000
	}
	if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
		return isNumber(strings.Replace(s, ",", ".", 1))
	}
	return false
}

// Cells neutralises every cell of a record (Cell).
func Cells(rec []string) []string {
	out := make([]string, len(rec))
	for i, c := range rec {
		out[i] = Cell(c)
	}
	return out
}

// CSVWriter is a csv.Writer whose every cell goes through Cell. Comma and
// UseCRLF are set as on csv.Writer.
type CSVWriter struct{ *csv.Writer }

// NewCSVWriter returns a CSVWriter writing to w.
func NewCSVWriter(w io.Writer) *CSVWriter { return &CSVWriter{csv.NewWriter(w)} }

// Write writes one record, neutralised.
func (w *CSVWriter) Write(rec []string) error { return w.Writer.Write(Cells(rec)) }

// WriteAll writes records, neutralised, and flushes.
func (w *CSVWriter) WriteAll(recs [][]string) error {
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// HTML escapes text for HTML element content and quoted attribute values:
// & < > " and '.
func HTML(s string) string { return html.EscapeString(s) }

var markdown = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "|", `\|`, "~", `\~`,
	"\r\n", " ", "\n", " ", "\r", " ",
)

// Markdown escapes text for a Markdown paragraph, heading, list item or
// table cell, so that it shows as written and nothing in it is markup: HTML
// (a <script>, an <img onerror>) becomes entities, emphasis, code, links and
// table pipes are backslash-escaped, line breaks become spaces, and a
// leading heading or list marker is escaped.
func Markdown(s string) string {
	s = markdown.Replace(s)
	// A heading, list or setext marker counts only when a space or the end
	// follows it ("# x", "- x", "1. x"; not "-5" or "1.1").
	marker := 0
	switch {
	case s == "":
		return s
	case strings.ContainsRune("#-+=", rune(s[0])):
		marker = 1
		for marker < len(s) && s[marker] == s[0] {
			marker++
		}
	default:
		i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
		if i > 0 && (s[i] == '.' || s[i] == ')') {
			marker = i + 1
		}
	}
	if marker > 0 && (marker == len(s) || s[marker] == ' ' || s[marker] == '\t') {
		i := marker - 1
		if strings.ContainsRune("#-+=", rune(s[0])) {
			i = 0
		}
		return s[:i] + `\` + s[i:]
	}
	return s
}
