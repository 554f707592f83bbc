// Package indicators reads the plain long format for every other system
// (Combine, Ekonomisystemet, egen granskning, Palliativa registret, Senior
// Alert, BPSD-registret …): one value a row, with its indicator code, name,
// unit, period, kön, regi and enhet. CSV (; , or tab) or XLSX.
package indicators

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/connectors/ownfiles"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"github.com/nyckeltal/nyckeltal/internal/tabular"
)

// Source is the source name of everything this connector writes.
const Source = "indicators"

type column int

const (
	cCode column = iota
	cName
	cUnit
	cSystem
	cPeriod
	cGender
	cRegi
	cEnhet
	cValue
	cCount
	cComment
)

var columnNames = map[column]string{cCode: "indikator", cName: "namn", cUnit: "måttenhet", cSystem: "källa",
	cPeriod: "period", cGender: "kön", cRegi: "regi", cEnhet: "enhet", cValue: "värde", cCount: "antal_obs", cComment: "kommentar"}

// headings: the documented Swedish heading first, then accepted variants.
var headings = map[column][]string{
	cCode:    {"indikator", "indikatorkod", "kod", "indicator", "indicator_code", "code"},
	cName:    {"namn", "indikatornamn", "benämning", "name", "title"},
	cUnit:    {"måttenhet", "mått", "unit", "enhet_mått"},
	cSystem:  {"källa", "källsystem", "system", "source", "source_system"},
	cPeriod:  {"period"},
	cGender:  {"kön", "gender"},
	cRegi:    {"regi"},
	cEnhet:   {"enhet", "org_enhet", "verksamhet", "org_unit"},
	cValue:   {"värde", "value"},
	cCount:   {"antal_obs", "n", "count"},
	cComment: {"kommentar", "anmärkning", "comment", "not"},
}

var required = []column{cCode, cPeriod, cValue}

// Options configure the reader.
type Options struct {
	Home              string
	MunicipalityUnits []string
	Regi              ownfiles.RegiAliases
	InterimEnd        time.Month
	// PersonnummerInText says what a personnummer outside its column does
	// (local.personnummer_in_text): refuse the file (default) or be masked.
	PersonnummerInText ownfiles.TextPolicy
	// Limits bound the work of one file (local.limits).
	Limits tabular.Limits
}

// Parser reads long indicator files.
type Parser struct {
	opts    Options
	aliases map[string]column
	munis   map[string]bool
}

// New prepares a parser.
func New(opts Options) (*Parser, error) {
	if opts.Home == "" {
		return nil, fmt.Errorf("indicators: no home municipality")
	}
	if opts.InterimEnd == 0 {
		opts.InterimEnd = time.August
	}
	p := &Parser{opts: opts, aliases: map[string]column{}, munis: map[string]bool{}}
	for c, hs := range headings {
		for _, h := range hs {
			p.aliases[swedish.Fold(h)] = c
		}
	}
	for _, m := range opts.MunicipalityUnits {
		p.munis[swedish.Fold(m)] = true
	}
	return p, nil
}

// Source is "indicators".
func (p *Parser) Source() string { return Source }

type meta struct {
	name, unit, system string
	line               int
}

// Parse reads a whole file held in memory.
func (p *Parser) Parse(ctx context.Context, name string, data []byte) (*ownfiles.Parsed, error) {
	return p.ParseFrom(ctx, name, bytes.NewReader(data))
}

// headerSearchRows is how far down the heading row is looked for.
const headerSearchRows = 10

// ParseFrom reads a whole file, a row at a time.
func (p *Parser) ParseFrom(ctx context.Context, name string, in tabular.Input) (*ownfiles.Parsed, error) {
	rd, err := tabular.Open(ctx, in, tabular.Options{Limits: p.opts.Limits})
	if err != nil {
		return nil, ownfiles.ReadError(name, err)
	}
	defer rd.Close()
	head, err := ownfiles.Head(name, rd, headerSearchRows)
	if err != nil {
		return nil, err
	}
	f := rd.Format()
	word := tabular.LineWord(f)
	headerAt, cols, err := p.findHeader(name, head)
	if err != nil {
		return nil, err
	}
	header, headerLine := head[headerAt].Cells, head[headerAt].Line
	scan := ownfiles.NewTextScan(name, p.opts.PersonnummerInText, -1)
	for _, r := range head[:headerAt+1] {
		scan.Row(r, header, headerLine)
	}
	format := "long CSV"
	switch f.Kind {
	case tabular.KindXLSX:
		format = "long XLSX"
	case tabular.KindHTML:
		format = "long HTML table"
	}
	out := &ownfiles.Parsed{Format: format, Header: header,
		Params: map[string]any{"encoding": f.Encoding, "header_" + word: headerLine}}
	if f.Delimiter != 0 {
		out.Params["delimiter"] = string(f.Delimiter)
		out.Format += fmt.Sprintf(" %c", f.Delimiter)
	}
	var unused []string
	for j, h := range header {
		if _, ok := p.aliases[swedish.Fold(h)]; !ok && strings.TrimSpace(h) != "" {
			unused = append(unused, ownfiles.ColumnLabel(j, h))
		}
	}
	if len(unused) > 0 {
		out.Notes = append(out.Notes, "kolumner som inte används: "+strings.Join(unused, ", "))
	}
	used := map[int]column{}
	colIndex := [cComment + 1]int{} // cols as an array: looked up for every cell of every row
	for c := range colIndex {
		colIndex[c] = -1
	}
	for c, j := range cols {
		used[j] = c
		colIndex[c] = j
	}
	values := ownfiles.NewValues(Source)
	out.Values = values
	shape := ownfiles.NewShape(f, len(header))
	metas := map[string]*meta{}
	// The meta of the code asked for last: a file gives an indicator's
	// rows one after the other.
	var lastCode string
	var lastMeta *meta
	metaOf := func(code string) *meta {
		if lastMeta != nil && code == lastCode {
			return lastMeta
		}
		m := metas[code]
		if m != nil {
			lastCode, lastMeta = code, m
		}
		return m
	}
	if n := ownfiles.EstimateRows(f, in.Size(), head); n > 0 {
		values.Grow(n)
	}
	rp := &rowPreparer{p: p, header: header, headerLine: headerLine, word: word, colIndex: colIndex, used: used, scan: scan, shape: shape}
	prep := rp.start(ownfiles.Rows(name, head, headerAt+1, rd))
	defer prep.Stop() // before rd is closed: the reader is not read after it
	for b := range prep.Batches() {
		for i := range b.Rows {
			pr := &b.Rows[i]
			r := pr.Row
			out.Rows++
			var reasons []string
			problem := func(c column, format string, args ...any) {
				label := ""
				if j, ok := cols[c]; ok {
					label = ownfiles.ColumnLabel(j, header[j])
				}
				msg := fmt.Sprintf(format, args...)
				out.Problem(name, r.Line, label, "%s", msg)
				reasons = append(reasons, strings.TrimSpace(label+" "+msg))
			}
			if pr.short != "" {
				problem(-1, "%s", pr.short)
			}
			if pr.extra >= len(header) {
				problem(-1, "raden har fler celler än det finns kolumnrubriker (%s %s)", "kolumn", tabular.ColumnName(pr.extra))
			}
			for _, cp := range r.Problems {
				if c, ok := used[cp.Col]; ok {
					problem(c, "%s", cp.Reason)
				}
			}
			code := pr.code
			if pr.codeErr != nil {
				problem(cCode, "%v", pr.codeErr)
			}
			m := meta{name: pr.name, unit: pr.unit, system: pr.system, line: r.Line}
			if prev := metaOf(code); prev != nil {
				for _, f := range []struct {
					c        column
					was, now string
				}{{cName, prev.name, m.name}, {cUnit, prev.unit, m.unit}, {cSystem, prev.system, m.system}} {
					if f.now != "" && f.was != "" && f.now != f.was {
						problem(f.c, "%s %q skiljer sig från %q på rad %d för samma indikator", columnNames[f.c], f.now, f.was, prev.line)
					}
				}
			}
			if pr.periodErr != nil {
				problem(cPeriod, "%v", pr.periodErr)
			}
			if pr.genderErr != nil {
				problem(cGender, "%v", pr.genderErr)
			}
			if pr.regiErr != nil {
				problem(cRegi, "%v", pr.regiErr)
			}
			if pr.valueErr != nil {
				problem(cValue, "%v", pr.valueErr)
			}
			if pr.badCount != "" {
				problem(cCount, "%q är inget heltal", pr.badCount)
			}
			if len(reasons) > 0 {
				out.Refuse(ownfiles.RefusedRow{Line: r.Line, Cells: r.Cells, Reasons: reasons})
				continue
			}
			// What is kept is copied: a row's texts share memory with the rows around it.
			if prev := metaOf(code); prev != nil {
				m = meta{name: first(prev.name, m.name), unit: first(prev.unit, m.unit), system: first(prev.system, m.system), line: prev.line}
				if m != *prev {
					m.name, m.unit, m.system = strings.Clone(m.name), strings.Clone(m.unit), strings.Clone(m.system)
					*prev = m
				}
			} else {
				m.name, m.unit, m.system = strings.Clone(m.name), strings.Clone(m.unit), strings.Clone(m.system)
				metas[strings.Clone(code)] = &m
			}
			// Two rows of one key are found when the whole file is read (Duplicates).
			k := ownfiles.Key{Indicator: values.Indicator(code), Unit: values.Unit(pr.enhet.kind, pr.enhet.id), Period: values.Period(pr.period),
				Gender: values.Label(pr.gender), Regi: values.Label(pr.regi)}
			values.AddCountedLine(r.Line, k, pr.value, pr.count, false)
		}
		if b.Err != nil {
			return nil, b.Err
		}
		prep.Reuse(b) // nothing of a batch is kept
	}
	// The batches have ended: what rp counted is read from here on.
	if err := scan.Err(); err != nil {
		return nil, err
	}
	if dups := values.Duplicates(); len(dups) > 0 {
		lines := map[int]bool{}
		for _, d := range dups {
			lines[d.Line] = true
		}
		cells, err := ownfiles.Reread(ctx, name, in, tabular.Options{Limits: p.opts.Limits}, lines)
		if err != nil {
			return nil, err
		}
		for _, d := range dups {
			msg := fmt.Sprintf("samma indikator, enhet, period, kön och regi som rad %d", d.First)
			out.Problem(name, d.Line, "", "%s", msg)
			out.Refuse(ownfiles.RefusedRow{Line: d.Line, Cells: cells[d.Line], Reasons: []string{msg}})
		}
	}
	if note := scan.Note(); note != "" {
		out.Notes = append(out.Notes, note)
	}
	out.Notes = append(out.Notes, shape.Notes()...)
	ids := make([]string, 0, len(metas))
	for c := range metas {
		ids = append(ids, c)
	}
	sort.Strings(ids)
	for _, c := range ids {
		m := *metas[c]
		out.Indicators = append(out.Indicators, store.LocalIndicator{ID: c, Source: Source, Title: m.name, Unit: m.unit, SourceSystem: m.system})
	}
	return out, nil
}

// isHome: an enhet that means the whole municipality (its id, or one of
// local.municipality_units).
func (p *Parser) isHome(u string) bool {
	return u == p.opts.Home || p.munis[swedish.Fold(u)]
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func lastFilled(cells []string) int {
	for i := len(cells) - 1; i >= 0; i-- {
		if strings.TrimSpace(cells[i]) != "" {
			return i
		}
	}
	return -1
}

func (p *Parser) findHeader(file string, rows []tabular.Row) (int, map[column]int, error) {
	i, cols, missing, found, err := ownfiles.FindHeading(file, rows, headerSearchRows, p.aliases, columnNames, cCode, required)
	switch {
	case err != nil:
		return 0, nil, err
	case !found:
		return 0, nil, ownfiles.Refuse(file, 0, "", "ingen rubrikrad med en kolumn indikator bland de första 10 raderna: det långa formatets "+
			"kolumner är indikator, namn, måttenhet, källa, period, kön, regi, enhet, värde (se connectors/indicators/README.md)")
	case len(missing) > 0:
		names := make([]string, len(missing))
		for j, c := range missing {
			names[j] = columnNames[c]
		}
		return 0, nil, ownfiles.Refuse(file, rows[i].Line, "", "obligatoriska kolumner saknas: %s; kolumnerna är "+
			"indikator, namn, måttenhet, källa, period, kön, regi, enhet, värde (se connectors/indicators/README.md)",
			strings.Join(names, ", "))
	}
	return i, cols, nil
}
