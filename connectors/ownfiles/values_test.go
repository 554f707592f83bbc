package ownfiles

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/nyckeltal/nyckeltal/internal/store"
)

// valuesFromBytes makes a Values of keys drawn from data: a few bits a
// field, so that duplicates are common; lines as a parser adds them (in
// order; some repeated when step is 0).
func valuesFromBytes(data []byte, wide bool) *Values {
	v := NewValues("test")
	if wide {
		v = NewValues("test", "a", "b")
	}
	line := 1
	for len(data) >= 4 {
		k := Key{Unit: uint32(data[0] & 7), Period: uint32(data[1] & 3), Gender: data[2] & 3, Regi: (data[2] >> 2) & 1}
		if !wide {
			k.Indicator = uint32(data[3] & 3)
		}
		line += int(data[3] >> 6) // 0: the same line again
		if wide {
			v.AddLine(line, k, 1, 2)
		} else {
			v.AddLine(line, k, 1)
		}
		data = data[4:]
	}
	return v
}

func dupLines(ds []Duplicate) []int {
	var out []int
	for _, d := range ds {
		out = append(out, d.Line)
	}
	return out
}

// The packed path finds the duplicates the comparison sort finds: the
// same rows, each with the line it repeats (when lines differ, exactly;
// rows of one line may pair up either way, as the reference's unstable
// sort pairs them).
func FuzzDuplicatesPacked(f *testing.F) {
	f.Add([]byte{1, 1, 1, 0x40, 1, 1, 1, 0x40, 2, 1, 1, 0x40}, false)
	f.Add([]byte{1, 1, 1, 0x40, 1, 1, 1, 0x00, 1, 1, 1, 0x80, 9, 9, 9, 0xc1}, true)
	f.Fuzz(func(t *testing.T, data []byte, wide bool) {
		fast, ref := valuesFromBytes(data, wide), valuesFromBytes(data, wide)
		if len(fast.keys) < 2 {
			return
		}
		packed, ok := fast.packedKeys()
		if !ok {
			t.Fatal("small keys in order were not packed")
		}
		got, want := fast.packedDuplicates(packed), ref.sortedDuplicates()
		if fast.ndrop != ref.ndrop || !slices.Equal(dupLines(got), dupLines(want)) {
			t.Fatalf("packed %v, reference %v", got, want)
		}
		strict := true
		for i := 1; i < len(fast.lines); i++ {
			strict = strict && fast.lines[i] > fast.lines[i-1]
		}
		if strict && (!slices.Equal(got, want) || !slices.Equal(fast.dropped, ref.dropped)) {
			t.Fatalf("packed %v, reference %v", got, want)
		}
		if fast.Len() != ref.Len() {
			t.Fatalf("%d observations kept, reference %d", fast.Len(), ref.Len())
		}
	})
}

func TestDuplicatesOutOfOrderLinesUseTheReference(t *testing.T) {
	t.Parallel()
	v := NewValues("test")
	v.AddLine(5, Key{Unit: 1}, 1)
	v.AddLine(3, Key{Unit: 1}, 2)
	if _, ok := v.packedKeys(); ok {
		t.Fatal("lines out of order were packed")
	}
	got := v.Duplicates()
	if len(got) != 1 || got[0] != (Duplicate{Line: 5, First: 3}) {
		t.Fatalf("duplicates %v", got)
	}
}

// radixSort sorts as slices.Sort does, also where numbers share bytes
// (passes it skips) or repeat.
func FuzzRadixSort(f *testing.F) {
	f.Add(uint64(1), uint16(300), uint8(0), uint8(0))
	f.Add(uint64(2), uint16(5000), uint8(0xF0), uint8(7))
	f.Add(uint64(3), uint16(256), uint8(0xFF), uint8(0))
	f.Add(uint64(4), uint16(10), uint8(0x0F), uint8(3))
	f.Fuzz(func(t *testing.T, seed uint64, n uint16, zeroBytes, few uint8) {
		rng := rand.New(rand.NewPCG(seed, 9))
		xs := make([]uint64, n)
		for i := range xs {
			x := rng.Uint64()
			if few > 0 {
				x = rng.Uint64N(uint64(few)) << (8 * (few & 7))
			}
			for b := range 8 {
				if zeroBytes&(1<<b) != 0 {
					x &^= 0xFF << (8 * b)
				}
			}
			xs[i] = x
		}
		want := slices.Clone(xs)
		slices.Sort(want)
		radixSort(xs)
		if !slices.Equal(xs, want) {
			t.Fatalf("radix order differs from slices.Sort (n=%d)", n)
		}
	})
}

// valuesGroupedFromBytes makes a Values of keys mostly grouped as a sorted
// report writes them (enhet and indicator stepping up, now and then back),
// groups of any size, lines mostly increasing.
func valuesGroupedFromBytes(data []byte, wide bool) *Values {
	v := NewValues("test")
	if wide {
		v = NewValues("test", "a", "b")
	}
	line, unit, ind := 1, uint32(3), uint32(0)
	for len(data) >= 4 {
		switch data[0] >> 5 {
		case 0, 1, 2, 3:
			// the same enhet
		case 4, 5:
			unit++
		case 6:
			unit += uint32(data[0] & 3)
		case 7:
			unit -= min(unit, uint32(data[0]&3))
		}
		if !wide && data[3]&0x30 == 0x30 {
			ind = (ind + uint32(data[3]&1)) % 4
		}
		k := Key{Indicator: ind, Unit: unit, Period: uint32(data[1] & 3), Gender: data[2] & 3, Regi: (data[2] >> 2) & 1}
		if data[3]&0xC0 != 0 || data[1]&0x80 == 0 {
			line++ // else the same line again
		}
		if wide {
			v.AddLine(line, k, 1, 2)
		} else {
			v.AddLine(line, k, 1)
		}
		data = data[4:]
	}
	return v
}

// The grouped path, where it applies, finds exactly the duplicates the
// comparison sort finds; where it does not, it drops nothing.
func FuzzDuplicatesGrouped(f *testing.F) {
	f.Add([]byte{1, 1, 1, 0x40, 1, 1, 1, 0x40, 0x80, 1, 1, 0x40, 1, 2, 1, 0x40}, false)
	f.Add([]byte{1, 1, 1, 0x40, 1, 1, 1, 0x00, 0xA0, 1, 1, 0x80, 0xE1, 9, 9, 0xc1}, true)
	f.Add(bytes.Repeat([]byte{1, 0x81, 2, 0x40}, 40), false)
	f.Fuzz(func(t *testing.T, data []byte, wide bool) {
		fast, ref := valuesGroupedFromBytes(data, wide), valuesGroupedFromBytes(data, wide)
		if len(fast.keys) < 2 {
			return
		}
		got, ok := fast.groupedDuplicates()
		if !ok {
			if fast.ndrop != 0 || fast.dropped != nil {
				t.Fatal("the grouped path dropped keys and gave up")
			}
			return
		}
		want := ref.sortedDuplicates()
		if !slices.Equal(got, want) || !slices.Equal(fast.dropped, ref.dropped) || fast.ndrop != ref.ndrop {
			t.Fatalf("grouped %v, reference %v", got, want)
		}
		if fast.Len() != ref.Len() {
			t.Fatalf("%d observations kept, reference %d", fast.Len(), ref.Len())
		}
	})
}

// A report sorted by enhet takes the grouped path; a row of an earlier
// enhet after a later one does not.
func TestDuplicatesGroupedPathAppliesToSortedReports(t *testing.T) {
	t.Parallel()
	v := NewValues("test", "a")
	line := 1
	for unit := range uint32(50) {
		for period := range uint32(4) {
			line++
			v.AddLine(line, Key{Unit: unit, Period: period}, 1)
		}
	}
	line++
	v.AddLine(line, Key{Unit: 49, Period: 2}, 1)
	got, ok := v.groupedDuplicates()
	if !ok || len(got) != 1 || got[0] != (Duplicate{Line: line, First: line - 2}) {
		t.Fatalf("grouped %v, %v", got, ok)
	}
	v.AddLine(line+1, Key{Unit: 3}, 1)
	if _, ok := v.groupedDuplicates(); ok {
		t.Fatal("an earlier enhet after a later one took the grouped path")
	}
}

// A long file sorted by enhet, then indicator, takes the grouped path too.
func TestDuplicatesGroupedPathAppliesToLongFilesByEnhet(t *testing.T) {
	t.Parallel()
	v := NewValues("test")
	line := 1
	for unit := range uint32(20) {
		for ind := range uint32(5) {
			for period := range uint32(3) {
				line++
				v.AddLine(line, Key{Indicator: ind, Unit: unit, Period: period}, 1)
			}
		}
	}
	if got, ok := v.groupedDuplicates(); !ok || len(got) != 0 {
		t.Fatalf("grouped %v, %v", got, ok)
	}
}

// Unit numbers units as a map of every (kind, id) would, in the order they
// are first seen, whatever the order of the ids: increasing (a report
// sorted by enhet), coming round again (sorted by period, then enhet), or
// any.
func FuzzUnitNumbers(f *testing.F) {
	f.Add([]byte{1, 1, 1, 1, 0x80, 0x80, 0x40, 0x41, 2, 3, 7})
	f.Add(bytes.Repeat([]byte{1, 1, 1, 0x90}, 20))
	f.Fuzz(func(t *testing.T, data []byte) {
		v := NewValues("test")
		ref := map[unitRef]uint32{}
		x := 0
		for _, b := range data {
			switch b >> 6 {
			case 0, 1:
				x += int(b & 3) // onwards, or the same id again
			case 2:
				x = int(b & 63) // round again, or anywhere
			case 3:
				x -= int(b & 7)
			}
			kind := store.UnitLocal
			if b&0x20 != 0 && b>>6 == 3 {
				kind = store.UnitMunicipality
			}
			id := fmt.Sprintf("Enhet %03d", x)
			if x < 0 {
				id = fmt.Sprintf("Enhet %d", x) // "-" sorts before the digits
			}
			want, ok := ref[unitRef{kind, id}]
			if !ok {
				want = uint32(len(ref))
				ref[unitRef{kind, id}] = want
			}
			if got := v.Unit(kind, id); got != want {
				t.Fatalf("Unit(%s, %q) = %d, want %d", kind, id, got, want)
			}
		}
	})
}
