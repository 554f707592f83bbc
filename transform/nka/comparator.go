package nka

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/indicatorid"
	"github.com/nyckeltal/nyckeltal/internal/swedish"

	"github.com/nyckeltal/nyckeltal/internal/store"
)

// Comparators besides a group id and the groups of one's own.
const (
	// ComparatorMean is the mean of the year's Liknande kommuner group.
	ComparatorMean = "mean"
	// ComparatorMedian is the median of the year's Liknande kommuner group.
	ComparatorMedian = "median"
	// ComparatorRiket is riket: NKA 0 by construction.
	ComparatorRiket = "riket"
	// ComparatorLiknande is the year's Liknande kommuner group with the
	// target of --target (mean unless given).
	ComparatorLiknande = "liknande"
	// ComparatorLan is the other municipalities of the county (län): the
	// first two digits of a municipality id.
	ComparatorLan = "lan"
)

// Targets: what of the comparison set the gap is measured against.
const (
	TargetMean   = "mean"
	TargetMedian = "median"
)

// Peer trends: how the comparison set's NKA is assumed to move to the target year.
const (
	PeerTrendHold = "hold"
)

var (
	fixedYearPattern    = regexp.MustCompile(`^liknande:((?:19|20)\d{2})$`)
	ownGroupNamePattern = regexp.MustCompile(`^[a-zåäö][a-zåäö0-9_-]*$`)
	percentilePattern   = regexp.MustCompile(`^p(\d{1,2})$`)
)

// ErrBadTarget marks a --target or --peer-trend that cannot be used.
var ErrBadTarget = errors.New("invalid target")

// reservedComparators cannot name a group of one's own.
var reservedComparators = map[string]bool{ComparatorMean: true, ComparatorMedian: true, ComparatorRiket: true,
	ComparatorLiknande: true, ComparatorLan: true, "län": true}

// NormalizeComparator validates a comparator and returns its canonical form:
// mean, median, riket, liknande, liknande:YYYY, lan, an upper-case Kolada
// group id, or the name of one of own.
func NormalizeComparator(c string, own []OwnGroup) (string, error) {
	c = strings.TrimSpace(c)
	l := strings.ToLower(c)
	switch l {
	case "", ComparatorMean:
		return ComparatorMean, nil
	case ComparatorMedian, ComparatorRiket, ComparatorLiknande:
		return l, nil
	case ComparatorLan, "län":
		return ComparatorLan, nil
	}
	if fixedYearPattern.MatchString(l) {
		return l, nil
	}
	if g := strings.ToUpper(c); indicatorid.IsKoladaGroup(g) {
		return g, nil
	}
	for _, g := range own {
		if g.Name == l {
			return l, nil
		}
	}
	names := make([]string, len(own))
	for i, g := range own {
		names[i] = g.Name
	}
	ownText := ""
	if len(names) > 0 {
		ownText = ", or a group of your own (" + strings.Join(names, ", ") + ")"
	}
	return "", fmt.Errorf("%w %q: use mean, median, riket, liknande, liknande:2022 (the Liknande kommuner group of that year), lan (the county), "+
		"a Kolada group id like G36535%s", ErrBadComparator, c, ownText)
}

// ComparatorUsesLiknande says whether a comparator's target is the chosen
// Liknande kommuner group, so that mean and median are simply its target.
func comparatorIsLiknande(c string) bool {
	return c == ComparatorMean || c == ComparatorMedian || c == ComparatorLiknande
}

// NormalizeTarget validates --target: mean, median, pNN (NN from 1 to 99),
// share:X (0 < X ≤ 1: close that share of the gap to the mean) or
// share:X:STAT (to the median or a percentile). "" gives "" (the
// comparator's own: the median for median, else the mean).
func NormalizeTarget(s string) (string, error) {
	s = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	if s == "" {
		return "", nil
	}
	if stat, ok := normalizeStat(s); ok {
		return stat, nil
	}
	if rest, ok := strings.CutPrefix(s, "share:"); ok {
		num, stat, _ := strings.Cut(rest, ":")
		x, err := strconv.ParseFloat(strings.ReplaceAll(num, ",", "."), 64)
		if err == nil && x > 0 && x <= 1 && !math.IsNaN(x) {
			out := "share:" + strconv.FormatFloat(x, 'f', -1, 64)
			if stat != "" {
				st, ok := normalizeStat(stat)
				if !ok {
					return "", fmt.Errorf("%w %q: after share:X comes mean, median or pNN", ErrBadTarget, s)
				}
				if st != TargetMean {
					out += ":" + st
				}
			}
			return out, nil
		}
		return "", fmt.Errorf("%w %q: share:X needs 0 < X ≤ 1, like share:0.5 (close half the gap)", ErrBadTarget, s)
	}
	return "", fmt.Errorf("%w %q: use mean, median, p25 (a percentile from p1 to p99) or share:0.5 (close half the gap to the mean)", ErrBadTarget, s)
}

func normalizeStat(s string) (string, bool) {
	switch s {
	case TargetMean, TargetMedian:
		return s, true
	}
	if m := percentilePattern.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		if n >= 1 && n <= 99 {
			return "p" + strconv.Itoa(n), true
		}
	}
	return "", false
}

// NormalizePeerTrend validates --peer-trend: hold, or linear:N with N from
// 2 to 30 years of history.
func NormalizePeerTrend(s string) (string, error) {
	s = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	if s == "" || s == PeerTrendHold {
		return PeerTrendHold, nil
	}
	if n, ok := strings.CutPrefix(s, "linear:"); ok {
		if k, err := strconv.Atoi(n); err == nil && k >= 2 && k <= 30 {
			return "linear:" + strconv.Itoa(k), nil
		}
	}
	return "", fmt.Errorf("%w: --peer-trend %q: use hold (the comparison set's NKA stays at the base year's level) or linear:N "+
		"(it follows its trend over the last N years, N from 2 to 30, like linear:3)", ErrBadTarget, s)
}

// TrendYears is N of linear:N, 0 for hold.
func TrendYears(trend string) int {
	if n, ok := strings.CutPrefix(trend, "linear:"); ok {
		k, _ := strconv.Atoi(n)
		return k
	}
	return 0
}

// OwnGroup is a comparison group of one's own ([nka.groups.NAME] or a line
// of nka.groups_file): members by municipality id, for every year (year 0)
// or per year. A year's list applies from that year to the year before the
// next list; the earliest also before it.
type OwnGroup struct {
	Name  string
	Title string
	// Members by year; 0 is every year (then the only key).
	Members map[int][]string
}

// ErrInvalidGroup marks a group of one's own that cannot be used.
var ErrInvalidGroup = errors.New("invalid comparison group")

// Validate checks a group's name and lists.
func (g OwnGroup) Validate() error {
	if !ownGroupNamePattern.MatchString(g.Name) {
		return fmt.Errorf("%w %q: name it with lower-case letters, digits, - or _ (like skane_sma)", ErrInvalidGroup, g.Name)
	}
	if reservedComparators[g.Name] || strings.HasPrefix(g.Name, "liknande") || indicatorid.IsKoladaGroup(strings.ToUpper(g.Name)) {
		return fmt.Errorf("%w %q: that name is a built-in comparator (mean, median, riket, liknande, lan) or looks like a Kolada group id", ErrInvalidGroup, g.Name)
	}
	if len(g.Members) == 0 {
		return fmt.Errorf("%w %s: no members", ErrInvalidGroup, g.Name)
	}
	if _, all := g.Members[0]; all && len(g.Members) > 1 {
		return fmt.Errorf("%w %s: give the members either for every year or per year, not both", ErrInvalidGroup, g.Name)
	}
	for y, ms := range g.Members {
		if len(ms) == 0 {
			return fmt.Errorf("%w %s: no members for %d", ErrInvalidGroup, g.Name, y)
		}
		if y != 0 && (y < 1900 || y > 2100) {
			return fmt.Errorf("%w %s: %d is not a year", ErrInvalidGroup, g.Name, y)
		}
	}
	return nil
}

// ownGroupYears are the groups as nka_gap's own_groups_json takes them: a
// row per group and year (Year nil: every year), the years in order.
func ownGroupYears(groups []OwnGroup) []store.NKAOwnGroupYear {
	var rows []store.NKAOwnGroupYear
	for _, g := range groups {
		years := make([]int, 0, len(g.Members))
		for y := range g.Members {
			years = append(years, y)
		}
		sort.Ints(years)
		for _, y := range years {
			r := store.NKAOwnGroupYear{Name: g.Name, Title: g.Title, Members: g.Members[y]}
			if y != 0 {
				yy := y
				r.Year = &yy
			}
			rows = append(rows, r)
		}
	}
	return rows
}

// OwnGroupByName finds a group of one's own.
func OwnGroupByName(groups []OwnGroup, name string) (OwnGroup, bool) {
	for _, g := range groups {
		if g.Name == name {
			return g, true
		}
	}
	return OwnGroup{}, false
}

// EffectiveTarget is the target a comparator is measured by: target when
// given, else the comparator's own (median for median, the mean otherwise).
func EffectiveTarget(cmp, target string) string {
	switch {
	case target != "":
		return target
	case cmp == ComparatorMedian:
		return TargetMedian
	}
	return TargetMean
}

// statWords names a statistic in Swedish: medelvärdet, medianen, 25:e percentilen.
func statWords(stat string) string {
	switch stat {
	case TargetMean:
		return "medelvärdet"
	case TargetMedian:
		return "medianen"
	}
	if m := percentilePattern.FindStringSubmatch(stat); m != nil {
		return swedishOrdinal(m[1]) + " percentilen"
	}
	return stat
}

// swedishOrdinal writes 1:a, 2:a, 3:e … 11:e, 12:e, 21:a.
func swedishOrdinal(n string) string {
	k, _ := strconv.Atoi(n)
	if (k%10 == 1 || k%10 == 2) && k%100 != 11 && k%100 != 12 {
		return n + ":a"
	}
	return n + ":e"
}

// comparatorSetWords names a comparison set in Swedish, without the group
// ids the rows give per area.
func comparatorSetWords(cmp string) string {
	switch {
	case comparatorIsLiknande(cmp):
		return "liknande kommuner"
	case cmp == ComparatorLan:
		return "övriga kommuner i länet"
	case cmp == ComparatorRiket:
		return "riket"
	case indicatorid.IsKoladaGroup(cmp):
		return "gruppen " + cmp
	}
	if m := fixedYearPattern.FindStringSubmatch(cmp); m != nil {
		return "liknande kommuner enligt gruppen för " + m[1]
	}
	return "den egna jämförelsegruppen " + cmp
}

// TargetText says in Swedish what the gap is measured against:
// "medelvärdet för liknande kommuner", "50 % av avståndet till medianen för
// övriga kommuner i länet", "riket (NKA 0 per definition)".
func TargetText(cmp, target string) string {
	target = EffectiveTarget(cmp, target)
	stat, share := target, ""
	if rest, ok := strings.CutPrefix(target, "share:"); ok {
		num, st, _ := strings.Cut(rest, ":")
		stat = TargetMean
		if st != "" {
			stat = st
		}
		x, _ := strconv.ParseFloat(num, 64)
		share = swedish.Trimmed(x*100, 4) + " % av avståndet till "
	}
	if cmp == ComparatorRiket {
		return share + "riket (NKA 0 per definition)"
	}
	return share + statWords(stat) + " för " + comparatorSetWords(cmp)
}

// AssumptionText states the sparbeting's target and what is assumed of the
// comparison set's NKA until the target year, in Swedish, for every output.
func AssumptionText(cmp, target, trend string, base, targetYear int) string {
	goal := "nå "
	if strings.HasPrefix(EffectiveTarget(cmp, target), "share:") {
		goal = "sluta "
	}
	s := fmt.Sprintf("Målet är att till budget %d %s%s.", targetYear, goal, TargetText(cmp, target))
	switch n := TrendYears(trend); {
	case cmp == ComparatorRiket:
		s += " Riket har NKA 0 per definition, så inget antagande om dess utveckling behövs."
	case n > 0:
		s += fmt.Sprintf(" Antagande: jämförelsens NKA följer sin linjära trend (minsta kvadrat) över de %d åren %d–%d fram till %d.",
			n, base-n+1, base, targetYear)
	default:
		s += fmt.Sprintf(" Antagande: jämförelsens NKA ligger kvar på %d års nivå till %d.", base, targetYear)
	}
	return s
}

// GapAssumptionText says for the gap rows what comparator_pct is and what
// is assumed of the comparison set, in Swedish: "medelvärdet för liknande
// kommuner, samma år som raden".
func GapAssumptionText(cmp, target, trend string, targetYear int) string {
	s := TargetText(cmp, target)
	switch n := TrendYears(trend); {
	case cmp == ComparatorRiket:
	case n > 0 && targetYear != 0:
		s += fmt.Sprintf(", framskrivet till %d med linjär trend (minsta kvadrat) över de %d åren till och med radens år", targetYear, n)
	case n > 0:
		s += ": en trend behöver ett målår att skriva fram till"
	default:
		s += ", samma år som raden (ingen trend antagen)"
	}
	return s
}
