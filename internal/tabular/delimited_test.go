package tabular

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"
)

// readAllRecords reads every record of data as the delimited reader does,
// and the error it ends with (nil at the end of the text).
func readAllRecords(data []byte, comma byte, maxCells, maxRow int, lenient, slowOnly bool) ([]record, error) {
	r := &csvReader{src: newLineSource(bytes.NewReader(data), maxRow), comma: comma, maxCells: maxCells, lenient: lenient, slowOnly: slowOnly}
	var out []record
	for {
		rec, err := r.read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		rec.cells = slices.Clone(rec.cells)
		out = append(out, rec)
	}
}

// The path for simple lines reads what the general path reads:
// the same cells, lines and refusals (cut last line, too many fields).
func FuzzSimpleLines(f *testing.F) {
	f.Add([]byte("a;b;c\r\n1;2;3\r\n"), byte(';'), uint8(0), false)
	f.Add([]byte("a;b;c\n1;2;3"), byte(';'), uint8(0), false)
	f.Add([]byte("a,b\n\"x,y\",2\n3,4\n;;\n"), byte(','), uint8(2), false)
	f.Add([]byte("a;;\n \n;\n\n1;2"), byte(';'), uint8(3), true)
	f.Add([]byte("a\tb\t\n\"q\"\"\"\tz\n"), byte('\t'), uint8(1), false)
	f.Add([]byte("\"Enhet 1\",\"Kvinnor\",20240101,9.4\n\"a,b\",\"\",\"x\"\n\"c\"d,e\n\"open,\nline\",2\n\"last\""), byte(','), uint8(0), false)
	f.Add([]byte("\"a\";\"b\";\n\"a\";\"b\"\"\";c\n;\"\"\n"), byte(';'), uint8(3), false)
	f.Fuzz(func(t *testing.T, data []byte, comma byte, maxCells uint8, lenient bool) {
		if comma == '"' || comma == '\n' || comma == '\r' {
			return
		}
		fast, fastErr := readAllRecords(data, comma, int(maxCells), 1<<10, lenient, false)
		slow, slowErr := readAllRecords(data, comma, int(maxCells), 1<<10, lenient, true)
		if fmt.Sprint(fastErr) != fmt.Sprint(slowErr) {
			t.Fatalf("error %v, the general path's %v", fastErr, slowErr)
		}
		if len(fast) != len(slow) {
			t.Fatalf("%d records, the general path's %d", len(fast), len(slow))
		}
		for i := range fast {
			if fast[i].line != slow[i].line || !slices.Equal(fast[i].cells, slow[i].cells) {
				t.Fatalf("record %d: %d %q, the general path's %d %q", i, fast[i].line, fast[i].cells, slow[i].line, slow[i].cells)
			}
		}
	})
}

// Every lane of a word, with the bytes next to a delimiter or a quote
// that a word-at-a-time search could take for one, in plain and quoted
// fields, with and without the last line ending.
func TestSimpleLinesEveryLane(t *testing.T) {
	t.Parallel()
	for _, comma := range []byte{';', ',', '\t', '|'} {
		for _, b := range []byte{comma, '"', comma ^ 1, comma + 1, comma | 0x80, '"' ^ 1, '"' | 0x80, 0, 0xFF, 'x'} {
			for p := range 20 {
				for _, q := range []int{-1, 3, 9} {
					line := bytes.Repeat([]byte{'a'}, 20)
					line[p] = b
					if q >= 0 && q != p {
						line[q] = comma
					}
					c := string(comma)
					for _, l := range []string{string(line), `"` + string(line) + `"`, `"x"` + c + string(line), string(line) + c + `"y"`,
						`"` + string(line[:10]) + `"` + c + `"` + string(line[10:]) + `"`, `"` + string(line[:7]) + `""` + string(line[7:]) + `"`} {
						for _, end := range []string{"\n", ""} {
							data := []byte("h1" + c + "h2\n" + l + end)
							fast, fastErr := readAllRecords(data, comma, 0, 1<<10, false, false)
							slow, slowErr := readAllRecords(data, comma, 0, 1<<10, false, true)
							if fmt.Sprint(fastErr) != fmt.Sprint(slowErr) || fmt.Sprint(fast) != fmt.Sprint(slow) {
								t.Fatalf("%q: %v %v, the general path's %v %v", data, fast, fastErr, slow, slowErr)
							}
						}
					}
				}
			}
		}
	}
}
