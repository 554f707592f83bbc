package ownfiles

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/personnummer"
	"github.com/nyckeltal/nyckeltal/internal/tabular"
)

// TextPolicy says what becomes of a personnummer or samordningsnummer found
// in a text field of a local file outside its personnummer column
// (local.personnummer_in_text).
type TextPolicy string

const (
	// TextRefuse refuses the file, naming line and column with the number
	// masked: the extract is corrected at its source. The default.
	TextRefuse TextPolicy = "refuse"
	// TextMask masks the number in the field and loads the file, with a note.
	TextMask TextPolicy = "mask"
)

// ParseTextPolicy reads local.personnummer_in_text; empty is TextRefuse.
func ParseTextPolicy(s string) (TextPolicy, error) {
	switch TextPolicy(strings.ToLower(strings.TrimSpace(s))) {
	case "", TextRefuse:
		return TextRefuse, nil
	case TextMask:
		return TextMask, nil
	}
	return "", fmt.Errorf("%q: use \"refuse\" or \"mask\"", s)
}

// inTextReason is the refusal of a field that holds a personnummer.
const inTextReason = "personnummer eller samordningsnummer (%s) i ett fält där det inte hör hemma; " +
	"ta bort det ur uttaget, eller låt local.personnummer_in_text = \"mask\" maskera det"

// ScanRows searches every cell of rows for a personnummer or
// samordningsnummer (personnummer.Find: every written form) before the
// parser reads anything from them, so that none is stored, logged or
// exported. pnrCol is the column that holds personnummer by design (-1:
// none); its cells are left to the parser in rows below headerLine. A cell
// that is only ten digits is read as a number, not a personnummer (an amount
// of kronor can look like one); CheckParsed catches such a cell where it
// becomes text.
//
// With TextRefuse a hit is a *FileError naming every line and column, the
// number masked; with TextMask the cells are masked in place and note says
// how many. The parsers call it on the rows they read, the heading and
// title rows included; a streaming parser uses a TextScan, a row at a time.
func ScanRows(file string, rows []tabular.Row, header []string, headerLine, pnrCol int, policy TextPolicy) (note string, err error) {
	s := NewTextScan(file, policy, pnrCol)
	for _, r := range rows {
		s.Row(r, header, headerLine)
	}
	return s.Note(), s.Err()
}

// TextScan is ScanRows a row at a time, for parsers that stream: Row on
// every row before anything is read from it, Err and Note at the end.
type TextScan struct {
	file     string
	policy   TextPolicy
	pnrCol   int
	problems []Problem
	total    int
	masked   int
}

// NewTextScan starts a scan of a file's rows (see ScanRows).
func NewTextScan(file string, policy TextPolicy, pnrCol int) *TextScan {
	return &TextScan{file: file, policy: policy, pnrCol: pnrCol}
}

// Row scans the cells of one row, and the values merged cells carry.
func (s *TextScan) Row(r tabular.Row, header []string, headerLine int) {
	for j, c := range r.Cells {
		if j == s.pnrCol && r.Line > headerLine {
			continue
		}
		found := personnummer.Find(c)
		if len(found) == 0 || bareNumber(c, found) {
			continue
		}
		if s.policy == TextMask {
			r.Cells[j] = personnummer.MaskFound(c)
			s.masked++
			continue
		}
		h := ""
		if j < len(header) && r.Line > headerLine {
			h = header[j]
		}
		for _, m := range found {
			s.total++
			if len(s.problems) < MaxKeptProblems {
				s.problems = append(s.problems, Problem{File: s.file, Line: r.Line, Column: ColumnLabel(j, personnummer.Mask(h)),
					Reason: fmt.Sprintf(inTextReason, personnummer.MaskField(c[m.Start:m.End]))})
			}
		}
	}
	// A merged range's value is its first cell's, reported there; here it
	// is only masked.
	for j, c := range r.Merged {
		if j == s.pnrCol && r.Line > headerLine {
			continue
		}
		if found := personnummer.Find(c); len(found) > 0 && !bareNumber(c, found) {
			r.Merged[j] = personnummer.MaskFound(c)
		}
	}
}

// Err is the refusal of every personnummer found (TextRefuse), or nil.
func (s *TextScan) Err() error {
	if len(s.problems) > 0 {
		return &FileError{File: s.file, Problems: s.problems, Total: s.total}
	}
	return nil
}

// Note says how many fields were masked (TextMask), or "".
func (s *TextScan) Note() string {
	if s.masked == 0 {
		return ""
	}
	return fmt.Sprintf("%d fält med personnummer eller samordningsnummer utanför personnummerkolumnen maskerades "+
		"(local.personnummer_in_text = \"mask\")", s.masked)
}

// bareNumber: the cell is one run of exactly ten digits, which may be a number.
func bareNumber(cell string, found []personnummer.Match) bool {
	t := strings.TrimSpace(cell)
	if len(found) != 1 || len(t) != 10 {
		return false
	}
	for i := 0; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			return false
		}
	}
	return true
}

// CheckParsed searches every text a parser produced — enheter, indicator
// names and units, the Treserva decisions' insats, lagrum, utförare and
// enhet, notes, headings and parameters — for a personnummer or
// samordningsnummer, whatever the parser did: the last check before
// anything is stored, logged or printed. Any hit refuses the file.
func CheckParsed(file string, p *Parsed) error {
	var problems []Problem
	seen := map[string]bool{}
	check := func(line int, field, text string) {
		found := personnummer.Find(text)
		if len(found) == 0 {
			return
		}
		key := fmt.Sprint(line, field, text)
		if seen[key] {
			return
		}
		seen[key] = true
		for _, m := range found {
			problems = append(problems, Problem{File: file, Line: line, Column: field,
				Reason: fmt.Sprintf(inTextReason, personnummer.MaskField(text[m.Start:m.End]))})
		}
	}
	for _, id := range p.Values.Units() {
		check(0, "enhet", id)
	}
	for _, id := range p.Values.Indicators() {
		check(0, "indikator", id)
	}
	for _, li := range p.Indicators {
		for _, f := range [][2]string{{"indikator", li.ID}, {"namn", li.Title}, {"måttenhet", li.Unit},
			{"källsystem", li.SourceSystem}, {"beskrivning", li.Description}} {
			check(0, f[0], f[1])
		}
	}
	if p.Decisions != nil {
		p.Decisions.Texts(check)
	}
	for _, n := range p.Notes {
		check(0, "anmärkning", n)
	}
	for j, h := range p.Header {
		check(0, ColumnLabel(j, ""), h)
	}
	keys := make([]string, 0, len(p.Params))
	for k := range p.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		check(0, "parameter "+k, fmt.Sprint(p.Params[k]))
	}
	if len(problems) > 0 {
		return &FileError{File: file, Problems: problems, Total: len(problems)}
	}
	return nil
}
