package tabular

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"
)

// candidateDelimiters in order of preference when two fit equally well:
// Swedish exports use ';' because ',' is the decimal sign.
var candidateDelimiters = []rune{';', '\t', '|', ','}

func delimiterName(d rune) string {
	switch d {
	case '\t':
		return "tab"
	case ' ':
		return "space"
	}
	return string(d)
}

func newCSVReader(text string, d rune) *csv.Reader {
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = d
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	return r
}

// detectDelimiter picks the candidate that splits the first lines into the
// most rows of one common width (at least two columns).
func detectDelimiter(text string, candidates []rune) (rune, error) {
	best, bestScore := rune(0), 0
	for _, d := range candidates {
		r := newCSVReader(text, d)
		widths := map[int]int{}
		for n := 0; n < 200; n++ {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				break
			}
			if len(rec) >= 2 {
				widths[len(rec)]++
			}
		}
		score := 0
		for _, c := range widths {
			score = max(score, c)
		}
		if score > bestScore {
			best, bestScore = d, score
		}
	}
	if best == 0 {
		names := make([]string, len(candidates))
		for i, d := range candidates {
			names[i] = delimiterName(d)
		}
		return 0, unreadable(0, 0, "found no column delimiter (tried %s): is this a table export?", strings.Join(names, " "))
	}
	return best, nil
}

func readDelimited(text, enc string, opts Options) (*Table, error) {
	d := opts.Delimiter
	if d == 0 {
		cands := opts.Delimiters
		if len(cands) == 0 {
			cands = candidateDelimiters
		}
		var err error
		if d, err = detectDelimiter(text, cands); err != nil {
			return nil, err
		}
	}
	t := &Table{Format: Format{Kind: KindDelimited, Encoding: enc, Delimiter: d}}
	r := newCSVReader(text, d)
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, unreadable(pe.Line, pe.Column, "%v (a quote \" inside a field must be doubled, \"\")", pe.Err)
			}
			return nil, unreadable(0, 0, "reading: %v", err)
		}
		line, _ := r.FieldPos(0)
		t.Rows = append(t.Rows, Row{Line: line, Cells: rec})
		if len(t.Rows) > opts.MaxRows {
			return nil, unreadable(line, 0, "more than %d rows", opts.MaxRows)
		}
	}
	return t, nil
}
