package indicators

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/nyckeltal/nyckeltal/connectors/ownfiles"
)

// A file cut short is refused whole: the sample cut inside its last value
// would turn 71,0 into 7.
func TestCutFileIsRefused(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	cut := b[:bytes.LastIndex(b, []byte("71,0"))+1]
	got, err := newParser(t).Parse(t.Context(), "f.csv", cut)
	var fe *ownfiles.FileError
	if !errors.As(err, &fe) || got != nil || fe.Problems[0].Line != 16 || !strings.Contains(fe.Problems[0].Reason, "saknar radslut") {
		t.Fatalf("err %v", err)
	}
	// A row with fewer fields than the headings is refused.
	got, err = newParser(t).Parse(t.Context(), "f.csv", []byte("indikator;period;värde;enhet\nX_A;2024;71,0;Eken\nX_A;2024;7\n"))
	if err != nil || got.NumRefused() != 1 || got.Problems[0].Line != 3 || !strings.Contains(got.Problems[0].Reason, "raden har 3 fält men rubrikraden 4") {
		t.Fatalf("short row: %v %v", err, got.Problems)
	}
}

// A merged enhet carries its value to the rows it covers; an empty enhet
// is the whole municipality, as the format says (each row stands alone).
func TestMergedEnhet(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range [][]any{{"indikator", "period", "kön", "enhet", "värde"},
		{"SA_BMI_UNDER22", "2024", "K", "Särskilt boende Eken", 24.5}, {"SA_BMI_UNDER22", "2024", "M", nil, 20},
		{"SA_BMI_UNDER22", "2024", "T", nil, 23}} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.MergeCell("Sheet1", "D2", "D3"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := newParser(t).Parse(t.Context(), "f.xlsx", buf.Bytes())
	if err != nil || len(got.Problems) > 0 {
		t.Fatalf("%v %v", err, got.Problems)
	}
	units := map[string]string{}
	for o := range got.Values.All() {
		units[o.Gender] = o.UnitID
	}
	if units["K"] != "Särskilt boende Eken" || units["M"] != "Särskilt boende Eken" || units["T"] != "9001" {
		t.Fatalf("units %v", units)
	}
}
