package ownfiles

import (
	"iter"
	"math"
	"math/bits"
	"slices"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/store"
)

// Values holds the observations a file makes, compactly: every text (an
// indicator, an enhet, a period, a kön, a regi) once, and per observation a
// key of small numbers and its value. A report of a million rows costs
// tens of megabytes here, where as store.Observation values it cost
// gigabytes; the observations are made one at a time again when staged
// (All).
//
// A wide file (WebFOCUS: one row, several indicator columns) adds a row of
// values with one key; a long file adds a value a key.
type Values struct {
	source  string
	width   int      // values per key
	columns []uint32 // for a wide file: the indicator of each value column

	indicators []string
	indIndex   map[string]uint32
	units      []unitRef
	unitIndex  map[store.UnitKind]*unitTable
	periods    []store.Period
	perIndex   map[store.Period]uint32
	labels     []string // kön and regi texts
	labelIndex map[string]uint8
	// The index each of Indicator, Unit and Period returned last: files
	// repeat a text for many rows in a row, and a comparison is cheaper
	// than a map.
	lastInd, lastUnit, lastPer uint32
	hasLast                    [3]bool

	keys    []Key
	values  []float64 // width a key; NaN is a missing value
	counts  []int64   // for long files with a count column: one a key, -1 none
	prelim  []bool    // one a key, when any is preliminary
	lines   []int32   // the line of each key's row (0: not given)
	dropped []bool    // keys dropped as duplicates (Duplicates); nil when none
	ndrop   int
}

type unitRef struct {
	kind store.UnitKind
	id   string
}

// Key is what one row of values describes, as indexes into a Values.
type Key struct {
	Indicator uint32 // long files only
	Unit      uint32
	Period    uint32
	Gender    uint8
	Regi      uint8
}

// Missing is the value of a missing observation (stored as NULL).
var Missing = math.NaN()

// NewValues makes a container for a wide file whose value columns hold the
// given indicators; with no columns, for a long file (one value a key).
func NewValues(source string, columns ...string) *Values {
	v := &Values{source: source, width: max(1, len(columns)), indIndex: map[string]uint32{},
		unitIndex: map[store.UnitKind]*unitTable{}, perIndex: map[store.Period]uint32{}, labelIndex: map[string]uint8{}}
	for _, c := range columns {
		v.columns = append(v.columns, v.Indicator(c))
	}
	return v
}

// Indicator returns the index of an indicator code.
func (v *Values) Indicator(code string) uint32 {
	if v.hasLast[0] && v.indicators[v.lastInd] == code {
		return v.lastInd
	}
	i, ok := v.indIndex[code]
	if !ok {
		code = strings.Clone(code) // not the whole row's memory
		i = uint32(len(v.indicators))
		v.indicators = append(v.indicators, code)
		v.indIndex[code] = i
	}
	v.lastInd, v.hasLast[0] = i, true
	return i
}

// Unit returns the index of a unit.
func (v *Values) Unit(kind store.UnitKind, id string) uint32 {
	u := unitRef{kind, id}
	if v.hasLast[1] && v.units[v.lastUnit] == u {
		return v.lastUnit
	}
	t := v.unitIndex[kind]
	if t == nil {
		t = &unitTable{others: map[string]uint32{}}
		v.unitIndex[kind] = t
	}
	i, ok := t.find(v.units, id)
	if !ok {
		u.id = strings.Clone(id) // not the whole row's memory
		i = uint32(len(v.units))
		v.units = append(v.units, u)
		t.add(v.units, i)
	}
	v.lastUnit, v.hasLast[1] = i, true
	return i
}

// unitTable numbers the units of one kind by id. A report sorted by enhet
// brings each id after the ones before it: those units are kept in the
// order they came (run), where a new one is told by one comparison with the
// last and a known one found by a binary search, or at once when the ids
// come round again in the same order (a report sorted by period, then
// enhet). A 50 MB report has some 74 000 enhet, and a map's lookup and
// insertion of each took a tenth of its parse's CPU. The units that came
// out of order are in a map.
type unitTable struct {
	run    []uint32 // indexes into units, their ids increasing
	at     int      // where in run the last unit was found
	others map[string]uint32
}

// find returns the index of the unit of id, if known.
func (t *unitTable) find(units []unitRef, id string) (uint32, bool) {
	n := len(t.run)
	if n == 0 || id > units[t.run[n-1]].id {
		// Greater than every id of the run, and so than every other id:
		// each was less than the run's last when it was added.
		return 0, false
	}
	if next := t.at + 1; next < n && units[t.run[next]].id == id {
		t.at = next
		return t.run[next], true
	}
	if k, found := slices.BinarySearchFunc(t.run, id, func(i uint32, id string) int { return strings.Compare(units[i].id, id) }); found {
		t.at = k
		return t.run[k], true
	}
	i, ok := t.others[id]
	return i, ok
}

// add adds unit i, new (find found no unit of its id).
func (t *unitTable) add(units []unitRef, i uint32) {
	id := units[i].id
	if n := len(t.run); n == 0 || id > units[t.run[n-1]].id {
		t.run = append(t.run, i)
		t.at = len(t.run) - 1
		return
	}
	t.others[id] = i
}

// Period returns the index of a period.
func (v *Values) Period(p store.Period) uint32 {
	if v.hasLast[2] && v.periods[v.lastPer] == p {
		return v.lastPer
	}
	i, ok := v.perIndex[p]
	if !ok {
		i = uint32(len(v.periods))
		v.periods = append(v.periods, p)
		v.perIndex[p] = i
	}
	v.lastPer, v.hasLast[2] = i, true
	return i
}

// SetPeriod replaces the period of index i everywhere (a period that is
// known only at the end of a file, from its footing).
func (v *Values) SetPeriod(i uint32, p store.Period) {
	delete(v.perIndex, v.periods[i])
	v.periods[i] = p
	v.perIndex[p] = i
}

// Label returns the index of a kön or regi text.
func (v *Values) Label(s string) uint8 {
	// A file has a handful of kön and regi texts: a look along them is
	// cheaper than a map.
	if len(v.labels) <= 8 {
		for i, l := range v.labels {
			if l == s {
				return uint8(i)
			}
		}
	} else if i, ok := v.labelIndex[s]; ok {
		return i
	}
	if len(v.labels) == 255 {
		panic("ownfiles: more than 255 kön and regi texts")
	}
	s = strings.Clone(s)
	i := uint8(len(v.labels))
	v.labels = append(v.labels, s)
	v.labelIndex[s] = i
	return i
}

// Grow makes room for n more keys.
func (v *Values) Grow(n int) {
	v.keys = slices.Grow(v.keys, n)
	v.lines = slices.Grow(v.lines, n)
	v.values = slices.Grow(v.values, n*v.width)
}

// Add adds a key and its values: width values for a wide file (in column
// order), one for a long file; Missing for none.
func (v *Values) Add(k Key, values ...float64) { v.AddLine(0, k, values...) }

// AddLine is Add of the row on line, for Duplicates.
func (v *Values) AddLine(line int, k Key, values ...float64) {
	if len(values) != v.width {
		panic("ownfiles: Values.Add with the wrong number of values")
	}
	v.keys = append(v.keys, k)
	v.lines = append(v.lines, int32(line))
	v.values = append(v.values, values...)
	if v.counts != nil {
		v.counts = append(v.counts, -1)
	}
	if v.prelim != nil {
		v.prelim = append(v.prelim, false)
	}
}

// AddCounted adds a key of a long file with its value, the number of
// observations behind it (negative: none) and whether it is preliminary.
func (v *Values) AddCounted(k Key, value float64, count int64, preliminary bool) {
	v.AddCountedLine(0, k, value, count, preliminary)
}

// AddCountedLine is AddCounted of the row on line, for Duplicates.
func (v *Values) AddCountedLine(line int, k Key, value float64, count int64, preliminary bool) {
	if count >= 0 && v.counts == nil {
		v.counts = make([]int64, len(v.keys), cap(v.keys))
		for i := range v.counts {
			v.counts[i] = -1
		}
	}
	if preliminary && v.prelim == nil {
		v.prelim = make([]bool, len(v.keys), cap(v.keys))
	}
	v.AddLine(line, k, value)
	if count >= 0 {
		v.counts[len(v.counts)-1] = count
	}
	if preliminary {
		v.prelim[len(v.prelim)-1] = true
	}
}

// Len is the number of observations.
func (v *Values) Len() int {
	if v == nil {
		return 0
	}
	return (len(v.keys) - v.ndrop) * v.width
}

// Duplicate is a row that says again what an earlier row said: the same
// key (indicator, unit, period, kön, regi).
type Duplicate struct {
	Line, First int
}

// Duplicates finds the keys added more than once, keeps each one's first
// row and drops the others, and returns the rows dropped (by line) with the
// line they repeat. Sorting the keys at the end costs a few bytes a row,
// where a map of every key seen cost tens.
func (v *Values) Duplicates() []Duplicate {
	if v == nil || len(v.keys) < 2 {
		return nil
	}
	if out, ok := v.groupedDuplicates(); ok {
		return out
	}
	if packed, ok := v.packedKeys(); ok {
		return v.packedDuplicates(packed)
	}
	return v.sortedDuplicates()
}

// sortedDuplicates is Duplicates by sorting the keys' indexes with a
// comparison: any keys, any lines. It is the reference the fast path
// (packedDuplicates) is fuzzed against.
func (v *Values) sortedDuplicates() []Duplicate {
	idx := make([]int32, len(v.keys))
	for i := range idx {
		idx[i] = int32(i)
	}
	keyCmp := func(a, b Key) int {
		switch {
		case a.Indicator != b.Indicator:
			return cmpU(a.Indicator, b.Indicator)
		case a.Unit != b.Unit:
			return cmpU(a.Unit, b.Unit)
		case a.Period != b.Period:
			return cmpU(a.Period, b.Period)
		case a.Gender != b.Gender:
			return cmpU(uint32(a.Gender), uint32(b.Gender))
		}
		return cmpU(uint32(a.Regi), uint32(b.Regi))
	}
	slices.SortFunc(idx, func(a, b int32) int {
		if c := keyCmp(v.keys[a], v.keys[b]); c != 0 {
			return c
		}
		return cmpU(uint32(v.lines[a]), uint32(v.lines[b]))
	})
	var out []Duplicate
	first := idx[0]
	for _, i := range idx[1:] {
		if v.keys[i] != v.keys[first] {
			first = i
			continue
		}
		out = append(out, v.drop(int(i), int(first)))
	}
	slices.SortFunc(out, func(a, b Duplicate) int { return a.Line - b.Line })
	return out
}

// maxGroup bounds the rows of one (indicator, enhet) that
// groupedDuplicates compares with each other, each with each.
const maxGroup = 32

// groupedDuplicates is Duplicates of keys grouped as a report sorted by
// its BY columns writes them: the rows of each (indicator, enhet) one after
// the other, each group's pair greater than the group's before, compared
// by indicator first or by enhet first throughout (units and indicators are
// numbered as first seen, so a sorted file numbers them in order). A key can then repeat only within its group, which is checked
// alone: a pass over the keys, where sorting them all took a tenth of a
// 50 MB report's parse. ok is false, and nothing is dropped, when the keys
// are not so grouped, a group has more than maxGroup rows, or the lines do
// not strictly increase (the rows' order is then the sort's to say). It is
// fuzzed against sortedDuplicates.
func (v *Values) groupedDuplicates() (out []Duplicate, ok bool) {
	keys, lines := v.keys, v.lines
	type pair struct{ i, first int }
	var found []pair
	start := 0
	byIndicator, byUnit := true, true // the groups' order so far: by (indicator, unit), by (unit, indicator)
	for i := 1; i < len(keys); i++ {
		if lines[i] <= lines[i-1] {
			return nil, false
		}
		a, b := keys[i-1], keys[i]
		if a.Indicator != b.Indicator || a.Unit != b.Unit {
			byIndicator = byIndicator && (a.Indicator < b.Indicator || (a.Indicator == b.Indicator && a.Unit < b.Unit))
			byUnit = byUnit && (a.Unit < b.Unit || (a.Unit == b.Unit && a.Indicator < b.Indicator))
			if !byIndicator && !byUnit {
				return nil, false
			}
			start = i
			continue
		}
		if i-start >= maxGroup {
			return nil, false
		}
		for j := start; j < i; j++ {
			if keys[j] == b {
				found = append(found, pair{i, j}) // j is the first: the earliest equal key
				break
			}
		}
	}
	for _, f := range found {
		out = append(out, v.drop(f.i, f.first))
	}
	return out, true
}

// packedKeys packs every key and its index into one uint64 — the key's
// fields in the bits their largest values need, the index below — so that
// the keys sort as plain numbers, several times faster than by comparison.
// It needs the lines in the order the keys were added (as every parser adds
// them: ties by index are then ties by line) and at most 64 bits; else ok
// is false.
func (v *Values) packedKeys() (packed []uint64, ok bool) {
	var maxKey Key
	for i, k := range v.keys {
		if i > 0 && v.lines[i] < v.lines[i-1] {
			return nil, false
		}
		maxKey.Indicator = max(maxKey.Indicator, k.Indicator)
		maxKey.Unit = max(maxKey.Unit, k.Unit)
		maxKey.Period = max(maxKey.Period, k.Period)
		maxKey.Gender = max(maxKey.Gender, k.Gender)
		maxKey.Regi = max(maxKey.Regi, k.Regi)
	}
	widths := [6]int{
		bits.Len32(maxKey.Indicator), bits.Len32(maxKey.Unit), bits.Len32(maxKey.Period),
		bits.Len8(maxKey.Gender), bits.Len8(maxKey.Regi), bits.Len(uint(len(v.keys) - 1)),
	}
	total := 0
	for _, w := range widths {
		total += w
	}
	if total > 64 {
		return nil, false
	}
	packed = make([]uint64, len(v.keys))
	for i, k := range v.keys {
		x := uint64(k.Indicator)
		x = x<<widths[1] | uint64(k.Unit)
		x = x<<widths[2] | uint64(k.Period)
		x = x<<widths[3] | uint64(k.Gender)
		x = x<<widths[4] | uint64(k.Regi)
		packed[i] = x<<widths[5] | uint64(i)
	}
	return packed, true
}

// packedDuplicates is Duplicates of packedKeys: equal keys sort next to
// each other, the first added first.
func (v *Values) packedDuplicates(packed []uint64) []Duplicate {
	radixSort(packed)
	indexBits := bits.Len(uint(len(v.keys) - 1))
	mask := uint64(1)<<indexBits - 1
	var out []Duplicate
	first := packed[0]
	for _, x := range packed[1:] {
		if x>>indexBits != first>>indexBits {
			first = x
			continue
		}
		out = append(out, v.drop(int(x&mask), int(first&mask)))
	}
	slices.SortFunc(out, func(a, b Duplicate) int { return a.Line - b.Line })
	return out
}

// drop drops key i, a duplicate of key first.
func (v *Values) drop(i, first int) Duplicate {
	if v.dropped == nil {
		v.dropped = make([]bool, len(v.keys))
	}
	v.dropped[i] = true
	v.ndrop++
	return Duplicate{Line: int(v.lines[i]), First: int(v.lines[first])}
}

func (v *Values) isDropped(i int) bool { return v.dropped != nil && v.dropped[i] }

// Units are the units of the observations, each once.
func (v *Values) Units() iter.Seq2[store.UnitKind, string] {
	return func(yield func(store.UnitKind, string) bool) {
		if v == nil {
			return
		}
		for _, u := range v.units {
			if !yield(u.kind, u.id) {
				return
			}
		}
	}
}

// Indicators are the indicator codes of the observations, each once.
func (v *Values) Indicators() []string {
	if v == nil {
		return nil
	}
	return v.indicators
}

// All makes the observations one at a time, in the order they were added.
func (v *Values) All() iter.Seq[store.Observation] {
	return func(yield func(store.Observation) bool) {
		if v == nil {
			return
		}
		for i, k := range v.keys {
			if v.isDropped(i) {
				continue
			}
			for j := 0; j < v.width; j++ {
				ind := k.Indicator
				if v.columns != nil {
					ind = v.columns[j]
				}
				u := v.units[k.Unit]
				o := store.Observation{Source: v.source, IndicatorID: v.indicators[ind], UnitKind: u.kind, UnitID: u.id,
					Period: v.periods[k.Period], Gender: v.labels[k.Gender], Regi: v.labels[k.Regi]}
				if x := v.values[i*v.width+j]; !math.IsNaN(x) {
					o.Value = &x
				}
				if v.counts != nil && v.counts[i] >= 0 {
					c := v.counts[i]
					o.Count = &c
				}
				if v.prelim != nil {
					o.Preliminary = v.prelim[i]
				}
				if !yield(o) {
					return
				}
			}
		}
	}
}

// List makes every observation: for tests and small files.
func (v *Values) List() []store.Observation {
	out := make([]store.Observation, 0, v.Len())
	for o := range v.All() {
		out = append(out, o)
	}
	return out
}

// Scopes declares what a file delivers whole: for every indicator, unit (an
// enhet or the municipality) and period among its observations, all the
// values of that slice, every kön and regi split. Loading a corrected file
// therefore replaces its values and ends splits it no longer has, while
// units and periods it does not mention are left alone — so two reports that
// each cover some of the enheter can be loaded side by side. They come
// sorted by indicator, unit kind, unit, period type and start: the texts are
// ranked once and the keys sorted as numbers.
func (v *Values) Scopes() []store.Scope {
	if v == nil || len(v.keys) == 0 {
		return nil
	}
	indRank := rank(len(v.indicators), func(a, b int) int { return strings.Compare(v.indicators[a], v.indicators[b]) })
	unitRank := rank(len(v.units), func(a, b int) int {
		ua, ub := v.units[a], v.units[b]
		if c := strings.Compare(string(ua.kind), string(ub.kind)); c != 0 {
			return c
		}
		return strings.Compare(ua.id, ub.id)
	})
	perRank := rank(len(v.periods), func(a, b int) int {
		pa, pb := v.periods[a], v.periods[b]
		if c := strings.Compare(string(pa.Type), string(pb.Type)); c != 0 {
			return c
		}
		return pa.Start.Compare(pb.Start)
	})
	// A scope as ranks: indicator, unit, period.
	type scope struct{ ind, unit, per uint32 }
	var all []scope
	if v.columns != nil {
		pairs := make([]scope, 0, len(v.keys))
		for i, k := range v.keys {
			if !v.isDropped(i) {
				pairs = append(pairs, scope{0, unitRank[k.Unit], perRank[k.Period]})
			}
		}
		pairs = sortUnique(pairs, func(a, b scope) int { return cmp3(a.ind, a.unit, a.per, b.ind, b.unit, b.per) })
		inds := make([]uint32, len(v.columns))
		for i, c := range v.columns {
			inds[i] = indRank[c]
		}
		slices.Sort(inds)
		all = make([]scope, 0, len(pairs)*len(inds))
		for _, ind := range slices.Compact(inds) {
			for _, p := range pairs {
				all = append(all, scope{ind, p.unit, p.per})
			}
		}
	} else {
		all = make([]scope, 0, len(v.keys))
		for i, k := range v.keys {
			if !v.isDropped(i) {
				all = append(all, scope{indRank[k.Indicator], unitRank[k.Unit], perRank[k.Period]})
			}
		}
		all = sortUnique(all, func(a, b scope) int { return cmp3(a.ind, a.unit, a.per, b.ind, b.unit, b.per) })
	}
	indOf, unitOf, perOf := inverse(indRank), inverse(unitRank), inverse(perRank)
	out := make([]store.Scope, len(all))
	for i, sc := range all {
		u, p := v.units[unitOf[sc.unit]], v.periods[perOf[sc.per]]
		out[i] = store.Scope{Source: v.source, IndicatorID: v.indicators[indOf[sc.ind]], UnitKind: u.kind, UnitID: u.id,
			PeriodType: p.Type, Year: p.Year, PeriodStart: p.Start}
	}
	return out
}

// rank orders the indexes 0…n-1 by cmp and returns each index's place.
func rank(n int, cmp func(a, b int) int) []uint32 {
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, cmp)
	out := make([]uint32, n)
	for place, i := range order {
		out[i] = uint32(place)
	}
	return out
}

func inverse(r []uint32) []int {
	out := make([]int, len(r))
	for i, place := range r {
		out[place] = i
	}
	return out
}

func sortUnique[T comparable](s []T, cmp func(a, b T) int) []T {
	slices.SortFunc(s, cmp)
	return slices.Compact(s)
}

func cmp3(a1, a2, a3, b1, b2, b3 uint32) int {
	switch {
	case a1 != b1:
		return cmpU(a1, b1)
	case a2 != b2:
		return cmpU(a2, b2)
	}
	return cmpU(a3, b3)
}

func cmpU(a, b uint32) int {
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
}

// DecisionList is Decisions as a plain slice: for tests and small extracts.
type DecisionList []store.Decision

// Len is the number of decisions.
func (l DecisionList) Len() int { return len(l) }

// All yields every decision.
func (l DecisionList) All() iter.Seq[store.Decision] {
	return func(yield func(store.Decision) bool) {
		for _, d := range l {
			if !yield(d) {
				return
			}
		}
	}
}

// Texts visits the texts of every decision.
func (l DecisionList) Texts(fn func(line int, field, text string)) {
	for _, d := range l {
		for _, f := range [][2]string{{"insats", d.Insats}, {"lagrum", d.Lagrum}, {"utförare", d.Utforare},
			{"enhet", d.Enhet}, {"regi", d.Regi}} {
			fn(d.Line, f[0], f[1])
		}
	}
}

// radixSort sorts xs as slices.Sort does: a least-significant-digit radix
// sort, a byte a pass, skipping the bytes all numbers share (the high
// bytes of packed keys are mostly zero). On hundreds of thousands of keys
// it takes a fraction of a comparison sort's time (the slices package has
// no radix sort); short lists are sorted by comparison.
func radixSort(xs []uint64) {
	if len(xs) < 256 {
		slices.Sort(xs)
		return
	}
	var counts [8][256]int
	for _, x := range xs {
		for b := range 8 {
			counts[b][byte(x>>(8*b))]++
		}
	}
	src, dst := xs, make([]uint64, len(xs))
	for b := range 8 {
		c := &counts[b]
		if c[byte(src[0]>>(8*b))] == len(src) {
			continue // every number has this byte
		}
		at := 0
		for v := range c {
			c[v], at = at, at+c[v]
		}
		shift := 8 * b
		for _, x := range src {
			v := byte(x >> shift)
			dst[c[v]] = x
			c[v]++
		}
		src, dst = dst, src
	}
	if &src[0] != &xs[0] {
		copy(xs, src)
	}
}
