package webfocus

import (
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestGenerateXLSX writes the XLSX sample and test file with -generate; the
// files are committed, so this only runs when they are to change.
func TestGenerateXLSX(t *testing.T) {
	if !*generate {
		t.Skip("run with -generate to rewrite the XLSX samples")
	}
	writeVerksamhet(t, samples+"/verksamhet.xlsx")
	writeDatum(t, "testdata/datum.xlsx")
	writeMerged(t, "testdata/usk_merged.xlsx")
}

// writeMerged is a styled report where each enhet is one merged cell over
// its kön rows, as a report is often tidied in Excel before it is sent.
func writeMerged(t *testing.T, path string) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Undersköterskor"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		t.Fatal(err)
	}
	rows := [][]any{
		{"Antal undersköterskor per enhet och kön (SYNTETISKT EXEMPEL)"},
		{"December 2024"},
		{},
		{"Enhet", "Kön", "Antal undersköterskor"},
		{"Hemtjänst Norr", "Kvinnor", 40},
		{nil, "Män", 8},
		{nil, "Totalt", 48},
		{"Hemtjänst Söder", "Kvinnor", 35},
		{nil, "Män", 6},
		{nil, "Totalt", 41},
		{"TOTAL", nil, 89},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range [][2]string{{"A1", "C1"}, {"A5", "A7"}, {"A8", "A10"}, {"A11", "B11"}} {
		if err := f.MergeCell(sheet, m[0], m[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

func writeVerksamhet(t *testing.T, path string) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Verksamhet"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		t.Fatal(err)
	}
	pct, _ := f.NewStyle(&excelize.Style{NumFmt: 10}) // 0.00%
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	rows := [][]any{
		{"Verksamhetsstatistik vård och omsorg (SYNTETISKT EXEMPEL)"},
		{"Helår 2024"},
		{},
		{"Enhet", "Regi", "Antal undersköterskor", "Andel uppföljda ärenden", "Andel avvikelser avslutade inom 12 veckor",
			"Antal kameror", "Beslut förenklad handläggning trygghetslarm", "Kringtid LOV"},
		{"Hemtjänst Norr", "Egen regi", 48, ".", 0.781, 14, ".", "."},
		{"Hemtjänst Söder", "Egen regi", 41, ".", 0.812, 11, ".", "."},
		{"Omsorgsbolaget Väst", "Privat utförare", 22, ".", 0.694, ".", ".", 0.231},
		{"Särskilt boende Eken", "Egen regi", 63, ".", 0.843, ".", ".", "."},
		{"Myndighet äldre", "Egen regi", ".", 0.934, ".", ".", 212, "."},
		{"TOTAL", "", 174, 0.934, 0.792, 25, 212, 0.231},
		{},
		{"Källa: WebFOCUS, uttag 2025-01-15"},
		{"Rapporten är påhittad och innehåller inga verkliga uppgifter."},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SetCellStyle(sheet, "A4", "H4", bold); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellStyle(sheet, "D5", "E10", pct); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellStyle(sheet, "H5", "H10", pct); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

func writeDatum(t *testing.T, path string) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Sheet1"
	date, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	custom := "yyyy-mm-dd"
	date2, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &custom})
	rows := [][]any{
		{"Enhet", "Från", "Till", "Antal undersköterskor"},
		{"Hemtjänst Norr", 45292, 45382, 47}, // 2024-01-01 – 2024-03-31 as Excel serial dates
		{"Hemtjänst Söder", 45292, 45382, "1 204"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SetCellStyle(sheet, "B2", "B3", date); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellStyle(sheet, "C2", "C3", date2); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}
