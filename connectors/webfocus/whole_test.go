package webfocus

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/nyckeltal/nyckeltal/connectors/ownfiles"
)

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Rows are whole or refused: a file cut short is refused whole, a row with
// fewer fields than the headings is refused, and a cell without a usable
// value refuses its row, naming the cell.
func TestWholeRowsOrRefused(t *testing.T) {
	t.Parallel()
	comt := readFile(t, samples+"/sjukfranvaro_comt.csv")
	exl2k := readFile(t, samples+"/personalomsattning_exl2k.xls")
	header := `"Enhet","Period","Sjukfrånvaro totalt","varav <15 dagar"` + "\n"
	tests := []struct {
		name    string
		content []byte
		fileErr bool
		want    string
		line    int
		column  string
	}{
		// The last line cut after its fifth field: three values would be NULL.
		{"COMT last line cut", comt[:bytes.LastIndex(comt, []byte(",3.1,"))], true, "saknar radslut", 18, "60"},
		{"COMT cut inside a quoted enhet", comt[:bytes.LastIndex(comt, []byte("Vård"))+4], true, "slutar inne i ett citerat fält", 18, "1"},
		{"a short row amid the file", []byte(header + `"Hemtjänst Norr","2024-Q1",7.2` + "\n" + `"Hemtjänst Söder","2024-Q1",7.1,3.0` + "\n"),
			false, "raden har 3 fält men rubrikraden 4", 2, `D "varav <15 dagar"`},
		{"EXL2K cut mid-table", exl2k[:bytes.Index(exl2k, []byte("Särskilt boende Linden"))], true, "slutar inne i en tabell", 9, ""},
		{"EXL2K without its end", exl2k[:bytes.Index(exl2k, []byte("</body>"))], true, "slutar utan </html>", 0, ""},
		{"x:num disagrees with the text", bytes.Replace(exl2k, []byte(`x:num="0.059">5,9%`), []byte(`x:num="0.59">5,9%`), 1),
			false, `x:num "0.59" stämmer inte med texten "5,9%"`, 6, `B "Personalomsättning %"`},
		{"an error value", bytes.Replace(exl2k, []byte(`x:num="0.036">3,6%`), []byte(`>#DIV/0!`), 1),
			false, "felvärdet #DIV/0!", 6, `C "Personalrörlighet %"`},
		{"a blank enhet with nothing above", []byte(header + `"","2024-Q1",7.2,3.1` + "\n" + `"Hemtjänst Norr","2024-Q1",7.1,3.0` + "\n"),
			false, "enhet saknas", 2, `A "Enhet"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(options(nil))
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Parse(t.Context(), "f.csv", tt.content)
			var problems []ownfiles.Problem
			var fe *ownfiles.FileError
			switch {
			case tt.fileErr && errors.As(err, &fe):
				problems = fe.Problems
			case !tt.fileErr && err == nil:
				problems = got.Problems
				if len(got.Refused) != 1 {
					t.Fatalf("refused rows: %d, want 1\n%s", len(got.Refused), ownfiles.Describe(got))
				}
			default:
				t.Fatalf("err %v; want a file error: %v", err, tt.fileErr)
			}
			if len(problems) == 0 || !strings.Contains(problems[0].String(), tt.want) || problems[0].Line != tt.line ||
				problems[0].Column != tt.column {
				t.Fatalf("problems %v; want line %d, column %q with %q", problems, tt.line, tt.column, tt.want)
			}
		})
	}
}

// A formula whose workbook was never recalculated has no value; it is not
// read as a missing value.
func TestFormulaWithoutCachedValue(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range [][]any{{"Enhet", "Period", "Antal undersköterskor"}, {"Hemtjänst Norr", "2024", 48}, {"Hemtjänst Söder", "2024"}} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SetCellFormula("Sheet1", "C3", "C2-7"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	p, err := New(options(nil))
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Parse(t.Context(), "f.xlsx", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Problems) != 1 || got.Problems[0].Line != 3 || got.Problems[0].Column != `C "Antal undersköterskor"` ||
		!strings.Contains(got.Problems[0].Reason, "formel utan sparat värde") {
		t.Fatalf("problems %v\n%s", got.Problems, ownfiles.Describe(got))
	}
}

// A row is the municipality's only when its label says so, or when the
// file has no enhet column at all.
func TestWholeMunicipality(t *testing.T) {
	t.Parallel()
	p, err := New(options(nil))
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Parse(t.Context(), "f.csv", []byte("\"Period\",\"Sjukfrånvaro totalt\"\n\"2024-Q1\",7.2\n"))
	if err != nil || got.Observations() != 1 || got.Values.List()[0].UnitID != "9001" {
		t.Fatalf("no enhet column: %v\n%s", err, ownfiles.Describe(got))
	}
	got, err = p.Parse(t.Context(), "f.csv", []byte("\"Enhet\",\"Period\",\"Sjukfrånvaro totalt\"\n\"Hela kommunen\",\"2024-Q1\",7.2\n\"9001\",\"2024-Q2\",7.0\n"))
	if err != nil || got.Observations() != 2 {
		t.Fatalf("%v\n%s", err, ownfiles.Describe(got))
	}
	for o := range got.Values.All() {
		if o.UnitID != "9001" {
			t.Fatalf("%+v", o)
		}
	}
}
