// Package atgardsplan reads an åtgärdsplan: the measures a förvaltning plans
// against its sparbeting, with the amount each saves per year.
//
// Two CSV layouts are read (delimiter ; , or tab; UTF-8, with or without BOM,
// or Windows-1252 as Swedish Excel saves it; lines starting with # are
// comments):
//
//	long:  löpnr;åtgärd;år;belopp_tkr        one line per measure and year
//	wide:  löpnr;åtgärd;2024;2025;2026;totalt one line per measure
//
// Amounts are in tkr unless the header says otherwise (belopp_kr, "2024 (kr)",
// "totalt mnkr") or the cell does ("13 149 tkr", "1 605 000 kr"). Swedish
// number formats are accepted: "1 605 000", "1 750,5", "1.605.000", U+00A0 or
// U+202F as thousands separators; "-" or an empty cell is no amount.
//
// A printed total (a "totalt" column, a "Summa" line) is never trusted: the
// package sums the measures itself and reports every printed total that
// disagrees (Discrepancies).
//
// Two optional columns say what kind of saving an amount is:
//
//	typ      varaktig (the default: it lowers the cost level for good) or
//	         engångs (once: a grant, a sale)
//	minskar  budgetram (the default: the budget frame can be lowered) or
//	         underskott (it reduces a deficit, not the frame)
//
// A cell holds one word for every year of the line, or words per year:
// "2024: underskott" (2024 reduces a deficit, the other years the frame),
// "engångs" or "2024: underskott, 2025-2026: budgetram".
package atgardsplan

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/nyckeltal/nyckeltal/internal/swedish"
)

// ErrInvalid marks a file that cannot be read as an åtgärdsplan.
var ErrInvalid = errors.New("invalid åtgärdsplan")

// ParseError says where a file went wrong.
type ParseError struct {
	Line   int
	Column string
	Msg    string
}

func (e *ParseError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("rad %d, kolumn %s: %s", e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("rad %d: %s", e.Line, e.Msg)
}

// Unwrap lets errors.Is match ErrInvalid.
func (e *ParseError) Unwrap() error { return ErrInvalid }

// Measure is one åtgärd with its savings per year, in tkr.
type Measure struct {
	Line    int             `json:"line"`
	No      string          `json:"lopnr"`
	Name    string          `json:"atgard"`
	Amounts map[int]float64 `json:"-"`
	// StatedTotal is the measure's printed total; StatedTotalText is its
	// text, also when it is "-".
	StatedTotal     *Amount `json:"-"`
	StatedTotalText string  `json:"-"`
	hasTotalCell    bool
	// Kind and Reduces say per year what kind of saving an amount is
	// (KindOf and ReducesOf give the defaults); year 0 is every year not
	// named.
	Kind    map[int]string `json:"-"`
	Reduces map[int]string `json:"-"`
}

// Kinds of saving (the column typ) and what a saving reduces (minskar).
const (
	KindLasting     = "varaktig"
	KindOneOff      = "engångs"
	ReducesFrame    = "budgetram"
	ReducesDeficit  = "underskott"
	defaultKindYear = 0
)

// KindOf is the kind of the measure's amount in year: varaktig unless the
// plan says engångs.
func (m Measure) KindOf(year int) string {
	return lookupYear(m.Kind, year, KindLasting)
}

// ReducesOf is what the measure's amount in year reduces: the budget frame
// unless the plan says underskott.
func (m Measure) ReducesOf(year int) string {
	return lookupYear(m.Reduces, year, ReducesFrame)
}

func lookupYear(m map[int]string, year int, def string) string {
	if v, ok := m[year]; ok {
		return v
	}
	if v, ok := m[defaultKindYear]; ok {
		return v
	}
	return def
}

// HasKinds says whether the plan has a typ or minskar column.
func (p *Plan) HasKinds() bool { return p.kindColumns }

// Total is the measure's own sum over its years.
func (m Measure) Total() float64 {
	var t float64
	for _, v := range m.Amounts {
		t += v
	}
	return t
}

// Plan is a parsed åtgärdsplan.
type Plan struct {
	Format   string // long or wide
	Measures []Measure
	// StatedTotal is a printed plan total (a Summa line), if any.
	StatedTotal     *Amount
	StatedTotalLine int
	// StatedYearTotals are printed per-year sums (a Summa line in the wide layout).
	StatedYearTotals map[int]Amount
	// Notes say what was read in a way worth knowing (ignored columns,
	// duplicate lines that were added up).
	Notes       []string
	kindColumns bool
}

// Years are the years any measure has an amount for, in order.
func (p *Plan) Years() []int {
	seen := map[int]bool{}
	for _, m := range p.Measures {
		for y := range m.Amounts {
			seen[y] = true
		}
	}
	years := make([]int, 0, len(seen))
	for y := range seen {
		years = append(years, y)
	}
	sort.Ints(years)
	return years
}

// YearTotals sums the measures per year.
func (p *Plan) YearTotals() map[int]float64 {
	out := map[int]float64{}
	for _, m := range p.Measures {
		for y, v := range m.Amounts {
			out[y] += v
		}
	}
	return out
}

// Total sums every measure and year.
func (p *Plan) Total() float64 {
	var t float64
	for _, m := range p.Measures {
		t += m.Total()
	}
	return t
}

// Discrepancies lists every printed total that the plan's own rows do not
// add up to, and every row whose total column is "-" although it has
// amounts.
func (p *Plan) Discrepancies() []string {
	var out []string
	for _, m := range p.Measures {
		sum := m.Total()
		label := measureLabel(m)
		switch {
		case m.StatedTotal != nil && math.Abs(m.StatedTotal.Tkr-sum) > m.StatedTotal.Tolerance+1e-9:
			out = append(out, fmt.Sprintf("%s: den tryckta summan är %s tkr men åren summerar till %s tkr (skillnad %s tkr)",
				label, FormatTkr(m.StatedTotal.Tkr), FormatTkr(sum), FormatTkr(sum-m.StatedTotal.Tkr)))
		case m.hasTotalCell && m.StatedTotal == nil && sum != 0:
			text := m.StatedTotalText
			if text == "" {
				text = "tom"
			}
			out = append(out, fmt.Sprintf("%s: summakolumnen är %q men åren summerar till %s tkr", label, text, FormatTkr(sum)))
		}
	}
	years := p.YearTotals()
	stated := make([]int, 0, len(p.StatedYearTotals))
	for y := range p.StatedYearTotals {
		stated = append(stated, y)
	}
	sort.Ints(stated)
	for _, y := range stated {
		a := p.StatedYearTotals[y]
		if math.Abs(a.Tkr-years[y]) > a.Tolerance+1e-9 {
			out = append(out, fmt.Sprintf("den tryckta summan för %d är %s tkr men åtgärderna summerar till %s tkr (skillnad %s tkr)",
				y, FormatTkr(a.Tkr), FormatTkr(years[y]), FormatTkr(years[y]-a.Tkr)))
		}
	}
	if p.StatedTotal != nil {
		total := p.Total()
		if math.Abs(p.StatedTotal.Tkr-total) > p.StatedTotal.Tolerance+1e-9 {
			out = append(out, fmt.Sprintf("planens tryckta totalsumma %s tkr (rad %d) är inte summan av åtgärderna: de summerar till %s tkr (skillnad %s tkr)",
				FormatTkr(p.StatedTotal.Tkr), p.StatedTotalLine, FormatTkr(total), FormatTkr(total-p.StatedTotal.Tkr)))
		}
	}
	return out
}

func measureLabel(m Measure) string {
	if m.No != "" {
		return fmt.Sprintf("åtgärd %s (%s)", m.No, m.Name)
	}
	return fmt.Sprintf("åtgärd %q", m.Name)
}

// FormatTkr writes tkr the Swedish way, with at most three decimals:
// 13 549, 1 750,5, −400 (swedish.Trimmed).
func FormatTkr(v float64) string { return swedish.Trimmed(v, 3) }

// column roles of a header
type role int

const (
	roleIgnore role = iota
	roleNo
	roleName
	roleYear       // long: the year of the line
	roleAmount     // long: the amount of the line
	roleYearAmount // wide: the amount of the column's year
	roleTotal      // wide: the printed row total
	roleKind       // typ: varaktig or engångs
	roleReduces    // minskar: budgetram or underskott
)

type column struct {
	role  role
	year  int
	unit  Unit
	title string
}

var (
	yearHeader = regexp.MustCompile(`^((?:19|20)\d{2})\b\s*\*?\s*(.*)$`)
	unitWords  = regexp.MustCompile(`\b(tkr|kr|mnkr|mkr)\b`)
)

// normalizeHeader lowers and strips accents and punctuation: "Löpnr" → "lopnr",
// "Belopp (tkr)" → "belopp tkr".
func normalizeHeader(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.NewReplacer("å", "a", "ä", "a", "ö", "o", "é", "e", "_", " ", "(", " ", ")", " ", ".", " ", ":", " ").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

func unitIn(s string, def Unit) Unit {
	switch unitWords.FindString(s) {
	case "kr":
		return UnitKr
	case "tkr":
		return UnitTkr
	case "mnkr", "mkr":
		return UnitMnkr
	}
	return def
}

func classify(header []string) ([]column, error) {
	cols := make([]column, len(header))
	for i, h := range header {
		n := normalizeHeader(h)
		c := column{title: strings.TrimSpace(h)}
		if m := yearHeader.FindStringSubmatch(n); m != nil {
			y, _ := strconv.Atoi(m[1])
			c.role, c.year, c.unit = roleYearAmount, y, unitIn(m[2], UnitTkr)
			cols[i] = c
			continue
		}
		first, _, _ := strings.Cut(n, " ")
		switch {
		case n == "" && i == 0:
			c.role = roleNo
		case first == "lopnr" || first == "nr" || first == "lopnummer" || first == "nummer" || n == "#":
			c.role = roleNo
		case first == "atgard" || first == "atgarder" || first == "namn" || first == "beskrivning":
			c.role = roleName
		case n == "ar" || n == "year" || n == "budgetar":
			c.role = roleYear
		case first == "belopp" || first == "besparing" || first == "tkr" || first == "kr" || first == "amount":
			c.role, c.unit = roleAmount, unitIn(n, UnitTkr)
		case first == "totalt" || first == "total" || first == "summa":
			c.role, c.unit = roleTotal, unitIn(n, UnitTkr)
		case first == "typ" || first == "art" || first == "varaktighet" || n == "kind":
			c.role = roleKind
		case first == "minskar" || first == "paverkar" || n == "reduces":
			c.role = roleReduces
		}
		cols[i] = c
	}
	return cols, nil
}

func hasRole(cols []column, r role) int {
	for i, c := range cols {
		if c.role == r {
			return i
		}
	}
	return -1
}

// decode turns the file into UTF-8 text: UTF-8 (a BOM is dropped) or, when
// it is not valid UTF-8, Windows-1252 as Swedish Excel writes CSV.
func decode(b []byte) (string, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if utf8.Valid(b) {
		return string(b), nil
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return "", fmt.Errorf("%w: varken UTF-8 eller Windows-1252: %w", ErrInvalid, err)
	}
	return string(out), nil
}

func sniffDelimiter(text string) rune {
	for _, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		switch {
		case strings.Contains(t, ";"):
			return ';'
		case strings.Contains(t, "\t"):
			return '\t'
		}
		return ','
	}
	return ';'
}

// MaxSize is the largest file Parse reads; an åtgärdsplan is a page or two.
const MaxSize = 4 << 20

// Parse reads an åtgärdsplan.
func Parse(r io.Reader) (*Plan, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading åtgärdsplan: %w", err)
	}
	if len(b) > MaxSize {
		return nil, fmt.Errorf("%w: större än %d MiB; är det rätt fil?", ErrInvalid, MaxSize>>20)
	}
	text, err := decode(b)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = sniffDelimiter(text)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = false
	var (
		p    = &Plan{StatedYearTotals: map[int]Amount{}}
		cols []column
		byNo = map[string]int{} // long layout: measure key → index
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &ParseError{Line: pe.Line, Msg: pe.Err.Error()}
			}
			return nil, fmt.Errorf("reading åtgärdsplan: %w", err)
		}
		if blank(rec) {
			continue
		}
		if cols == nil {
			if cols, err = classify(rec); err != nil {
				return nil, err
			}
			switch {
			case hasRole(cols, roleYear) >= 0 && hasRole(cols, roleAmount) >= 0:
				p.Format = "long"
			case hasRole(cols, roleYearAmount) >= 0:
				p.Format = "wide"
			default:
				return nil, &ParseError{Line: line, Msg: "första raden ska vara en rubrikrad: löpnr;åtgärd;år;belopp_tkr (en rad per åtgärd och år) " +
					"eller löpnr;åtgärd;2024;2025;2026;totalt (en kolumn per år)"}
			}
			if hasRole(cols, roleName) < 0 && hasRole(cols, roleNo) < 0 {
				return nil, &ParseError{Line: line, Msg: "rubrikraden har varken en kolumn åtgärd eller löpnr"}
			}
			p.kindColumns = hasRole(cols, roleKind) >= 0 || hasRole(cols, roleReduces) >= 0
			var ignored []string
			for _, c := range cols {
				if c.role == roleIgnore && c.title != "" {
					ignored = append(ignored, c.title)
				}
			}
			if len(ignored) > 0 {
				p.Notes = append(p.Notes, "kolumner som inte används: "+strings.Join(ignored, ", "))
			}
			continue
		}
		if err := p.addRecord(rec, cols, line, byNo); err != nil {
			return nil, err
		}
	}
	if cols == nil {
		return nil, &ParseError{Line: 1, Msg: "filen är tom"}
	}
	if len(p.Measures) == 0 {
		return nil, &ParseError{Line: 1, Msg: "filen har en rubrikrad men inga åtgärder"}
	}
	return p, nil
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func cell(rec []string, i int) string {
	if i < 0 || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

func isSumLabel(s string) bool {
	switch normalizeHeader(s) {
	case "summa", "totalt", "total", "summa totalt", "totalsumma", "summa atgarder":
		return true
	}
	return false
}

func (p *Plan) addRecord(rec []string, cols []column, line int, byNo map[string]int) error {
	no := strings.TrimSuffix(cell(rec, hasRole(cols, roleNo)), ".")
	name := strings.Join(strings.Fields(cell(rec, hasRole(cols, roleName))), " ")
	sumLine := isSumLabel(name) || (name == "" && isSumLabel(no))
	if p.Format == "long" {
		return p.addLong(rec, cols, line, no, name, sumLine, byNo)
	}
	m := Measure{Line: line, No: no, Name: name, Amounts: map[int]float64{}}
	sumAmounts := 0
	for i, c := range cols {
		switch c.role {
		case roleYearAmount:
			a, ok, err := ParseAmount(cell(rec, i), c.unit)
			if err != nil {
				return &ParseError{Line: line, Column: c.title, Msg: err.Error()}
			}
			if !ok {
				continue
			}
			if sumLine {
				p.StatedYearTotals[c.year] = a
				sumAmounts++
			} else {
				m.Amounts[c.year] += a.Tkr
			}
		case roleTotal:
			a, ok, err := ParseAmount(cell(rec, i), c.unit)
			if err != nil {
				return &ParseError{Line: line, Column: c.title, Msg: err.Error()}
			}
			if sumLine {
				if ok {
					p.StatedTotal, p.StatedTotalLine = &a, line
				}
				continue
			}
			m.hasTotalCell, m.StatedTotalText = true, cell(rec, i)
			if ok {
				m.StatedTotal = &a
			}
		}
	}
	if sumLine {
		if p.StatedTotal == nil && sumAmounts == 0 {
			// "Summa;;;;13 149 tkr" with no totalt column: the last amount on the line
			for i := len(rec) - 1; i >= 0; i-- {
				if a, ok, err := ParseAmount(rec[i], UnitTkr); err == nil && ok && !isSumLabel(rec[i]) {
					p.StatedTotal, p.StatedTotalLine = &a, line
					break
				}
			}
		}
		return nil
	}
	if name == "" && no == "" {
		return &ParseError{Line: line, Msg: "en åtgärd utan löpnr och åtgärd"}
	}
	if err := readKinds(&m, rec, cols, line, 0); err != nil {
		return err
	}
	p.Measures = append(p.Measures, m)
	return nil
}

// kindWords are the words of the typ and minskar columns, normalised
// (normalizeHeader) to the canonical word.
var kindWords = map[role]map[string]string{
	roleKind: {"varaktig": KindLasting, "varaktiga": KindLasting, "permanent": KindLasting, "bestaende": KindLasting,
		"engangs": KindOneOff, "engang": KindOneOff, "engangsatgard": KindOneOff, "engangseffekt": KindOneOff, "tillfallig": KindOneOff},
	roleReduces: {"budgetram": ReducesFrame, "budgetramen": ReducesFrame, "ram": ReducesFrame, "ramen": ReducesFrame,
		"underskott": ReducesDeficit, "underskottet": ReducesDeficit},
}

// readKinds reads the typ and minskar cells of a line into m. lineYear is
// the year of a long layout's line (0 in the wide layout); a word without a
// year then applies to that year.
func readKinds(m *Measure, rec []string, cols []column, line, lineYear int) error {
	for i, c := range cols {
		if c.role != roleKind && c.role != roleReduces {
			continue
		}
		text := cell(rec, i)
		if text == "" {
			continue
		}
		target := &m.Kind
		if c.role == roleReduces {
			target = &m.Reduces
		}
		if *target == nil {
			*target = map[int]string{}
		}
		for _, item := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ';' || r == '/' }) {
			years, word, hasYears := strings.Cut(item, ":")
			if !hasYears {
				years, word = "", years
			}
			w, ok := kindWords[c.role][normalizeHeader(word)]
			if !ok {
				want := "varaktig eller engångs"
				if c.role == roleReduces {
					want = "budgetram eller underskott"
				}
				return &ParseError{Line: line, Column: c.title, Msg: fmt.Sprintf("%q: skriv %s, för alla år eller per år som \"2024: %s\"",
					strings.TrimSpace(item), want, strings.Fields(want)[len(strings.Fields(want))-1])}
			}
			from, to := lineYear, lineYear
			if hasYears {
				var err error
				if from, to, err = yearRange(years); err != nil {
					return &ParseError{Line: line, Column: c.title, Msg: err.Error()}
				}
				if lineYear != 0 && (from > lineYear || to < lineYear) {
					continue // a long layout's line: another year's word
				}
				if lineYear != 0 {
					from, to = lineYear, lineYear
				}
			}
			for y := from; y <= to; y++ {
				(*target)[y] = w
			}
		}
	}
	return nil
}

// yearRange reads "2024" or "2024-2026" (also with an en dash).
func yearRange(s string) (int, int, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "–", "-"))
	a, b, isRange := strings.Cut(s, "-")
	from, err := strconv.Atoi(strings.TrimSpace(a))
	if err != nil || from < 1900 || from > 2100 {
		return 0, 0, fmt.Errorf("%q är inget år (skriv \"2024: underskott\" eller \"2024-2025: engångs\")", s)
	}
	to := from
	if isRange {
		if to, err = strconv.Atoi(strings.TrimSpace(b)); err != nil || to < from || to > 2100 {
			return 0, 0, fmt.Errorf("%q är inget intervall av år", s)
		}
	}
	return from, to, nil
}

func (p *Plan) addLong(rec []string, cols []column, line int, no, name string, sumLine bool, byNo map[string]int) error {
	yi, ai := hasRole(cols, roleYear), hasRole(cols, roleAmount)
	yearText := cell(rec, yi)
	a, ok, err := ParseAmount(cell(rec, ai), cols[ai].unit)
	if err != nil {
		return &ParseError{Line: line, Column: cols[ai].title, Msg: err.Error()}
	}
	if sumLine {
		if !ok {
			return nil
		}
		if y, err := strconv.Atoi(yearText); err == nil {
			p.StatedYearTotals[y] = a
		} else {
			p.StatedTotal, p.StatedTotalLine = &a, line
		}
		return nil
	}
	if name == "" && no == "" {
		return &ParseError{Line: line, Msg: "en åtgärd utan löpnr och åtgärd"}
	}
	key := no
	if key == "" {
		key = "name:" + strings.ToLower(name)
	}
	idx, seen := byNo[key]
	if !seen {
		p.Measures = append(p.Measures, Measure{Line: line, No: no, Name: name, Amounts: map[int]float64{}})
		idx = len(p.Measures) - 1
		byNo[key] = idx
	}
	m := &p.Measures[idx]
	if m.Name == "" {
		m.Name = name
	}
	if isSumLabel(yearText) {
		m.hasTotalCell, m.StatedTotalText = true, cell(rec, ai)
		if ok {
			m.StatedTotal = &a
		}
		return nil
	}
	y, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(yearText, "*")))
	if err != nil || y < 1900 || y > 2100 {
		return &ParseError{Line: line, Column: cols[yi].title, Msg: fmt.Sprintf("%q är inget år (eller totalt)", yearText)}
	}
	if err := readKinds(m, rec, cols, line, y); err != nil {
		return err
	}
	if !ok {
		return nil
	}
	if _, dup := m.Amounts[y]; dup {
		p.Notes = append(p.Notes, fmt.Sprintf("rad %d: %s har %d två gånger; beloppen läggs ihop", line, measureLabel(*m), y))
	}
	m.Amounts[y] += a.Tkr
	return nil
}
