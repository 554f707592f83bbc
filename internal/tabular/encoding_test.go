package tabular

import (
	"bytes"
	"context"
	"testing"
)

// The one pass of a UTF-8 file (checkedAsUTF8) passes exactly the text the
// two passes pass as UTF-8: it is UTF-8 (firstInvalidUTF8) and check does
// not refuse it. Chunks are made small so that sequences, NUL bytes and
// doubly encoded letters fall across their ends.
func FuzzCheckedAsUTF8(f *testing.F) {
	for _, s := range []string{"", "a;b\n1;2\n", "Enhet;Värde\nÖstra;1\n", "Ã¥ngest\n", "a\x00b", "\xE2\x82\xAC;\xF0\x9F\x98\x80\n",
		"Malm\xf6;1\n", "\xE2\x82", "ab\xF0\x9F\x98"} {
		f.Add([]byte(s), uint8(1))
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		in := &textInput{ctx: context.Background(), in: bytes.NewReader(data), enc: EncUTF8, chunk: 1 + int(chunk%16)}
		one := in.checkedAsUTF8()
		bad, err := in.firstInvalidUTF8()
		if err != nil {
			t.Fatal(err)
		}
		twoErr := in.check(Limits{})
		if two := bad < 0 && twoErr == nil; one != two {
			t.Fatalf("one pass %v, two passes %v (first byte not UTF-8: %d, check: %v)", one, two, bad, twoErr)
		}
	})
}

// doubleEncodedUTF8 finds what a search for "Ã" finds.
func FuzzDoubleEncodedUTF8(f *testing.F) {
	for _, s := range []string{"", "Ã", "Ã¥", "xÃ¤ Ã¶", "Män Ã", "\x83Ã¥", "\xC3\xC3\x83\xC2\xA5", "ÃÃ…", "Ã\xC2", "Ã–Ã©"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		wantAt, want := -1, ""
	search:
		for off := 0; ; {
			i := bytes.Index(b[off:], []byte("Ã"))
			if i < 0 {
				break
			}
			i += off
			for _, m := range doubleEncoded {
				if bytes.HasPrefix(b[i:], []byte(m)) {
					wantAt, want = i, m
					break search
				}
			}
			off = i + 1
		}
		if at, got := doubleEncodedUTF8(b); at != wantAt || got != want {
			t.Fatalf("%q: %d %q, want %d %q", b, at, got, wantAt, want)
		}
	})
}
