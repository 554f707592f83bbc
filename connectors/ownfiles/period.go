package ownfiles

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/tabular"
)

// ErrPeriod marks text that is not a reporting period.
var ErrPeriod = errors.New("ingen period")

// swedishMonths maps month names and their usual abbreviations (folded).
var swedishMonths = map[string]time.Month{
	"januari": 1, "jan": 1, "februari": 2, "feb": 2, "mars": 3, "mar": 3, "april": 4, "apr": 4,
	"maj": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augusti": 8, "aug": 8,
	"september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11,
	"december": 12, "dec": 12,
	// English, as some report headings are written.
	"january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "august": 8, "october": 10, "oct": 10,
}

const monthNames = `januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december|` +
	`january|february|march|may|june|july|august|october|jan|feb|mar|apr|jun|jul|aug|sept|sep|okt|oct|nov|dec`

var (
	reYear        = regexp.MustCompile(`^(\d{4})$`)
	reHelar       = regexp.MustCompile(`^(?:helar|helarsrapport|bokslut|arsbokslut|ar|arsredovisning)\s*(\d{4})$|^(\d{4})\s*(?:helar|bokslut)$`)
	reDelar       = regexp.MustCompile(`^(?:delar|delarsrapport|delarsbokslut)\s*(\d{4})$|^(\d{4})\s*(?:delar|delarsrapport)$`)
	reQuarterYF   = regexp.MustCompile(`^(\d{4})\s*[-/ ]?\s*(?:q|k|kv|kvartal)\s*([1-4])$`)
	reQuarterQF   = regexp.MustCompile(`^(?:q|k|kv|kvartal)\s*([1-4])\s*[-/ ]?\s*(\d{4})$`)
	reQuarterOrd  = regexp.MustCompile(`^(?:([1-4])\s*:?\s*(?:a|e)?\s*kvartalet)\s*(\d{4})$`)
	reMonthNum    = regexp.MustCompile(`^(\d{4})\s*(?:-|/|m)?\s*(\d{2})$`)
	reMonthName   = regexp.MustCompile(`^(` + monthNames + `)\.?\s*(\d{4})$`)
	reDateRange   = regexp.MustCompile(`^(\d{4}-?\d{2}-?\d{2})\s*(?:-|--|–|—|till|to|tom|t\.o\.m\.?)\s*(\d{4}-?\d{2}-?\d{2})$`)
	reMonthRange  = regexp.MustCompile(`^(\d{4})-?(\d{2})\s*(?:--|–|—|-|till)\s*(\d{4})-?(\d{2})$`)
	reNameRange   = regexp.MustCompile(`^(` + monthNames + `)\.?\s*(?:-|–|—|till)\s*(` + monthNames + `)\.?\s*(\d{4})$`)
	reUpTo        = regexp.MustCompile(`^(?:tom|per|ackumulerat tom|ack tom)\s*(\d{4}-?\d{2}-?\d{2})$`)
	reSpaceDashes = strings.NewReplacer("–", "-", "—", "-", "−", "-")
)

func year(s string) int { y, _ := strconv.Atoi(s); return y }

// ParsePeriod reads the way reports write a period: 2024; helår 2024;
// delår 2024 (1 January to the end of interimEnd); 2024-Q1, Q1 2024, kvartal
// 1 2024, 2024 K1; 2024-08, 202408, augusti 2024; ranges such as
// 2024-01-01–2024-08-31, 20240101-20240831, 2024-01--2024-08 and
// januari–augusti 2024; and t.o.m. 2024-08-31 (year to date). A range must be
// a whole year, quarter, month, or 1 January to the end of a month (a delår).
func ParsePeriod(text string, interimEnd time.Month) (store.Period, error) {
	s := normalisePeriodText(text)
	bad := func(why string) (store.Period, error) {
		return store.Period{}, fmt.Errorf("%w: %q%s", ErrPeriod, strings.TrimSpace(text), why)
	}
	if s == "" {
		return bad(" (tom)")
	}
	var m []string
	switch {
	case match(reYear, s, &m):
		return checkYear(store.YearPeriod(year(m[1])))
	case match(reHelar, s, &m):
		return checkYear(store.YearPeriod(year(m[1] + m[2])))
	case match(reDelar, s, &m):
		return checkYear(store.InterimPeriod(year(m[1]+m[2]), interimEnd))
	case match(reQuarterYF, s, &m):
		q, _ := strconv.Atoi(m[2])
		return checkYear(store.QuarterPeriod(year(m[1]), q))
	case match(reQuarterQF, s, &m):
		q, _ := strconv.Atoi(m[1])
		return checkYear(store.QuarterPeriod(year(m[2]), q))
	case match(reQuarterOrd, s, &m):
		q, _ := strconv.Atoi(m[1])
		return checkYear(store.QuarterPeriod(year(m[2]), q))
	case match(reMonthNum, s, &m):
		mo, _ := strconv.Atoi(m[2])
		if mo < 1 || mo > 12 {
			return bad(" (det finns ingen månad " + m[2] + ")")
		}
		return checkYear(store.MonthPeriod(year(m[1]), time.Month(mo)))
	case match(reMonthName, s, &m):
		return checkYear(store.MonthPeriod(year(m[2]), swedishMonths[m[1]]))
	case match(reDateRange, s, &m):
		from, err1 := tabular.ParseDate(m[1])
		to, err2 := tabular.ParseDate(m[2])
		if err1 != nil || err2 != nil {
			return bad(" (inget giltigt datum)")
		}
		return ClassifyRange(from, to)
	case match(reMonthRange, s, &m):
		m1, _ := strconv.Atoi(m[2])
		m2, _ := strconv.Atoi(m[4])
		if m1 < 1 || m1 > 12 || m2 < 1 || m2 > 12 {
			return bad(" (ingen giltig månad)")
		}
		return ClassifyRange(monthStart(year(m[1]), time.Month(m1)), monthEnd(year(m[3]), time.Month(m2)))
	case match(reNameRange, s, &m):
		y := year(m[3])
		return ClassifyRange(monthStart(y, swedishMonths[m[1]]), monthEnd(y, swedishMonths[m[2]]))
	case match(reUpTo, s, &m):
		to, err := tabular.ParseDate(m[1])
		if err != nil {
			return bad(" (inget giltigt datum)")
		}
		return ClassifyRange(monthStart(to.Year(), 1), to)
	}
	if _, err := tabular.ParseDate(s); err == nil {
		return bad(" (ett enstaka datum är ingen period: skriv ett intervall som 2024-01-01–2024-08-31, t.o.m. 2024-08-31 eller 2024-08)")
	}
	return bad(" (skriv t.ex. 2024, delår 2024, 2024-Q1, 2024-08 eller 2024-01-01–2024-08-31)")
}

func match(re *regexp.Regexp, s string, m *[]string) bool {
	*m = re.FindStringSubmatch(s)
	return *m != nil
}

func checkYear(p store.Period) (store.Period, error) {
	if p.Year < 1900 || p.Year > 2100 {
		return store.Period{}, fmt.Errorf("%w: året %d ligger utanför 1900–2100", ErrPeriod, p.Year)
	}
	return p, nil
}

// normalisePeriodText lower-cases, strips accents (delår → delar, helår →
// helar), unifies dashes, spaces and "t.o.m.", and drops a leading "period:".
func normalisePeriodText(text string) string {
	s := reSpaceDashes.Replace(strings.ToLower(strings.TrimSpace(text)))
	s = strings.NewReplacer("\u00a0", " ", "\u202f", " ", "t.o.m.", "tom", "t.o.m", "tom", "t o m", "tom",
		"till och med", "tom").Replace(s)
	words := strings.Fields(s)
	for i, w := range words {
		words[i] = rejoin(w, tabular.Fold)
	}
	s = strings.Join(words, " ")
	for _, prefix := range []string{"period:", "period", "avser:", "avser"} {
		s = strings.TrimSpace(strings.TrimPrefix(s, prefix))
	}
	return s
}

// rejoin folds the letters and digits of w between its separators (- . / :),
// keeping the separators, so "Delår" → "delar" and "2024-01-01" stays.
func rejoin(w string, fold func(string) string) string {
	var out, part strings.Builder
	flush := func() {
		out.WriteString(fold(part.String()))
		part.Reset()
	}
	for _, r := range w {
		if r == '-' || r == '.' || r == '/' || r == ':' {
			flush()
			out.WriteRune(r)
			continue
		}
		part.WriteRune(r)
	}
	flush()
	return out.String()
}

func monthStart(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC) }
func monthEnd(y int, m time.Month) time.Time   { return monthStart(y, m).AddDate(0, 1, -1) }

// ClassifyRange turns an inclusive date range into a period: a calendar
// year, a quarter, a month, or a delår (1 January to the end of a month).
// 1 January–31 March is kvartal 1.
func ClassifyRange(from, to time.Time) (store.Period, error) {
	bad := func() (store.Period, error) {
		return store.Period{}, fmt.Errorf("%w: %s–%s är varken ett år, ett kvartal, en månad eller ett delår (1 januari till slutet av en månad)",
			ErrPeriod, from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	if to.Before(from) || from.Year() != to.Year() || from.Day() != 1 || !to.Equal(monthEnd(to.Year(), to.Month())) {
		return bad()
	}
	y := from.Year()
	switch {
	case from.Month() == 1 && to.Month() == 12:
		return checkYear(store.YearPeriod(y))
	case from.Month() == to.Month():
		return checkYear(store.MonthPeriod(y, from.Month()))
	case (from.Month()-1)%3 == 0 && to.Month() == from.Month()+2:
		return checkYear(store.QuarterPeriod(y, int(from.Month()-1)/3+1))
	case from.Month() == 1:
		return checkYear(store.InterimPeriod(y, to.Month()))
	}
	return bad()
}

// findPeriodPatterns find a period inside a report heading such as
// "Sjukfrånvaro januari–augusti 2024, Vård- och omsorgskontoret".
var findPeriodPatterns = []*regexp.Regexp{
	regexp.MustCompile(`\b\d{4}-?\d{2}-?\d{2}\s*(?:-|--|till|to|tom)\s*\d{4}-?\d{2}-?\d{2}\b`),
	regexp.MustCompile(`\btom\s*\d{4}-?\d{2}-?\d{2}\b`),
	regexp.MustCompile(`\b(?:` + monthNames + `)\.?\s*(?:-|till)\s*(?:` + monthNames + `)\.?\s*\d{4}\b`),
	regexp.MustCompile(`\b(?:helar|delar|helarsrapport|delarsrapport|bokslut)\s*\d{4}\b|\b\d{4}\s*(?:helar|delar)\b`),
	regexp.MustCompile(`\b(?:kvartal|kv|q)\s*[1-4]\s*[-/ ]?\s*\d{4}\b|\b\d{4}\s*[-/ ]?\s*(?:kvartal|kv|q)\s*[1-4]\b|\b[1-4]\s*:?\s*(?:a|e)?\s*kvartalet\s*\d{4}\b`),
	regexp.MustCompile(`\b(?:period|avser)\s*:?\s*\d{4}(?:\s*[-/m]?\s*\d{2})?\b`),
	regexp.MustCompile(`\b(?:` + monthNames + `)\.?\s*\d{4}\b`),
}

// FindPeriod looks for one period in free text (a report heading). It
// returns false when there is none; an error when the text names two
// different periods.
func FindPeriod(text string, interimEnd time.Month) (store.Period, bool, error) {
	s := normalisePeriodText(text)
	var found []store.Period
	for _, re := range findPeriodPatterns {
		for _, m := range re.FindAllString(s, -1) {
			if p, err := ParsePeriod(m, interimEnd); err == nil {
				found = append(found, p)
			}
		}
		if len(found) > 0 {
			break // the most specific pattern that matched wins
		}
	}
	if len(found) == 0 {
		return store.Period{}, false, nil
	}
	for _, p := range found[1:] {
		if p != found[0] {
			return store.Period{}, false, fmt.Errorf("%w: rubriken nämner mer än en period (%s och %s)",
				ErrPeriod, Label(found[0]), Label(p))
		}
	}
	return found[0], true, nil
}

// Label writes a period the way Swedish reports do: 2024, 2024 kvartal 1,
// 2024 delår jan–aug, 2024-08.
func Label(p store.Period) string {
	short := []string{"", "jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"}
	switch p.Type {
	case store.PeriodYear:
		return strconv.Itoa(p.Year)
	case store.PeriodQuarter:
		return fmt.Sprintf("%d kvartal %d", p.Year, (int(p.Start.Month())-1)/3+1)
	case store.PeriodInterim:
		return fmt.Sprintf("%d delår jan–%s", p.Year, short[p.End.Month()])
	case store.PeriodMonth:
		return p.Start.Format("2006-01")
	}
	return fmt.Sprintf("%s %s–%s", p.Type, p.Start.Format(time.DateOnly), p.End.Format(time.DateOnly))
}
