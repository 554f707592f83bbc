package ownfiles

import (
	"errors"
	"strings"
	"testing"

	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/tabular"
)

func scanRows() []tabular.Row {
	return []tabular.Row{
		{Line: 1, Cells: []string{"Utdrag 2024-09-01"}},
		{Line: 2, Cells: []string{"Personnummer", "Enhet", "Antal"}},
		{Line: 3, Cells: []string{"19121212-1212", "Eken", "1212121212"}},      // the column, and a bare number
		{Line: 4, Cells: []string{"19121212-1212", "Boende 121212-1212", "3"}}, // in the enhet
	}
}

func TestScanRows(t *testing.T) {
	t.Parallel()
	rows := scanRows()
	_, err := ScanRows("f.csv", rows, rows[1].Cells, 2, 0, TextRefuse)
	var fe *FileError
	if !errors.As(err, &fe) || len(fe.Problems) != 1 {
		t.Fatalf("err %v", err)
	}
	p := fe.Problems[0]
	if p.Line != 4 || p.Column != `B "Enhet"` || !strings.Contains(p.Reason, "(12****-****)") || strings.Contains(err.Error(), "1212-1212") {
		t.Fatalf("problem %+v", p)
	}
	// Without a personnummer column, the column itself is free text.
	rows = scanRows()
	if _, err := ScanRows("f.csv", rows, rows[1].Cells, 2, -1, TextRefuse); !errors.As(err, &fe) || len(fe.Problems) != 3 {
		t.Fatalf("no personnummer column: %v", err)
	}
	rows = scanRows()
	note, err := ScanRows("f.csv", rows, rows[1].Cells, 2, 0, TextMask)
	if err != nil || !strings.Contains(note, "1 fält") || rows[3].Cells[1] != "Boende 12****-****" || rows[3].Cells[0] != "19121212-1212" {
		t.Fatalf("mask: %v %q %q", err, note, rows[3].Cells)
	}
}

func TestCheckParsed(t *testing.T) {
	t.Parallel()
	values := func(unit string) *Values {
		v := NewValues("webfocus", "X_A")
		v.Add(Key{Unit: v.Unit(store.UnitLocal, unit), Period: v.Period(store.YearPeriod(2024)), Gender: v.Label("T"), Regi: v.Label("alla")}, 1)
		return v
	}
	p := &Parsed{Values: values("1212121212"),
		Decisions: DecisionList{{Line: 7, Utforare: "Handläggare 191212121212"}}}
	err := CheckParsed("f.csv", p)
	var fe *FileError
	if !errors.As(err, &fe) || len(fe.Problems) != 2 || fe.Problems[1].Line != 7 || fe.Problems[1].Column != "utförare" {
		t.Fatalf("err %v", err)
	}
	if err := CheckParsed("f.csv", &Parsed{Values: values("Eken")}); err != nil {
		t.Fatal(err)
	}
}

// A streaming parser scans a row at a time; the value a merged range
// carries to the cells it covers is masked too (it is reported once, where
// the range starts).
func TestTextScanMergedCells(t *testing.T) {
	t.Parallel()
	header := []string{"Enhet", "Värde"}
	rows := []tabular.Row{
		{Line: 2, Cells: []string{"Boende 19121212-1212", "1"}},
		{Line: 3, Cells: []string{"", "2"}, Merged: []string{"Boende 19121212-1212", ""}},
	}
	s := NewTextScan("f.xlsx", TextRefuse, -1)
	for _, r := range rows {
		s.Row(r, header, 1)
	}
	var fe *FileError
	if !errors.As(s.Err(), &fe) || fe.Total != 1 || fe.Problems[0].Line != 2 {
		t.Fatalf("%v", s.Err())
	}
	if strings.Contains(rows[1].Merged[0], "1212-1212") {
		t.Fatalf("merged value not masked: %q", rows[1].Merged[0])
	}
}
