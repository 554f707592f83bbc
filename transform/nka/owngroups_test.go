package nka

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestParseGroupsCSV(t *testing.T) {
	text := "\ufeffGrupp;År;Kommun;Titel\n" +
		"# a comment\n" +
		"skane_sma;;1214;Små kommuner i Skåne\n" +
		"skane_sma;;Bjuv;\n" +
		"skane_sma;;Bjuv;\n" + // twice is once
		"beslut;2022;1214;\n" +
		"beslut;2024;1214;\n" +
		"beslut;2024;Malung-Sälen;\n"
	got, err := ParseGroupsCSV(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	want := []OwnGroup{
		{Name: "skane_sma", Title: "Små kommuner i Skåne", Members: map[int][]string{0: {"1214", "Bjuv"}}},
		{Name: "beslut", Title: "beslut", Members: map[int][]string{2022: {"1214"}, 2024: {"1214", "Malung-Sälen"}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	// comma-separated and Windows-1252, as Swedish Excel saves it
	got, err = ParseGroupsCSV(strings.NewReader("grupp,\xe5r,kommun\nh\xf6\xf6r,,1267\n"))
	if err != nil || len(got) != 1 || got[0].Name != "höör" {
		t.Fatalf("cp1252: %+v %v", got, err)
	}
	// an XLSX workbook, as Excel saves it
	x := excelize.NewFile()
	for i, row := range [][]any{{"Grupp", "År", "Kommun"}, {"skane_sma", nil, "1214"}, {"skane_sma", nil, "Bjuv"}} {
		if err := x.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, err = ParseGroupsCSV(&buf)
	if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0].Members, map[int][]string{0: {"1214", "Bjuv"}}) {
		t.Fatalf("xlsx: %+v %v", got, err)
	}
	for _, tt := range []struct{ text, want string }{
		{"grupp;kommun\nx;1214\n", "the header must name the columns grupp;år;kommun"},
		{"grupp;år;kommun\nx;tjugo;1214\n", `line 2: år "tjugo" is not a year`},
		{"grupp;år;kommun\n;;1214\n", "line 2: grupp and kommun are both needed"},
		{"grupp;år;kommun\nx;;1214\nx;2024;1260\n", "either for every year or per year"},
		{"grupp;år;kommun\nmean;;1214\n", "built-in comparator"},
		{"grupp;år;kommun\nG123;;1214\n", "built-in comparator"},
		{"grupp;år;kommun\nmy group;;1214\n", "lower-case letters"},
		{"", "empty"},
	} {
		_, err := ParseGroupsCSV(strings.NewReader(tt.text))
		if err == nil || !errors.Is(err, ErrInvalidGroup) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want ErrInvalidGroup containing %q", tt.text, err, tt.want)
		}
	}
	if _, err := MergeOwnGroups(want, want[:1]); err == nil || !errors.Is(err, ErrInvalidGroup) {
		t.Errorf("a group defined twice: %v", err)
	}
}

func TestNormalizeComparatorTargetTrend(t *testing.T) {
	own := []OwnGroup{{Name: "skane_sma"}}
	for in, want := range map[string]string{"": "mean", "Median": "median", "LÄN": "lan", "lan": "lan", "Liknande:2022": "liknande:2022",
		"g36535": "G36535", "skane_sma": "skane_sma", "liknande": "liknande", "riket": "riket"} {
		if got, err := NormalizeComparator(in, own); err != nil || got != want {
			t.Errorf("comparator %q: %q %v, want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"average", "liknande:22", "other", "G"} {
		if _, err := NormalizeComparator(bad, own); !errors.Is(err, ErrBadComparator) {
			t.Errorf("comparator %q: %v", bad, err)
		}
	}
	for in, want := range map[string]string{"": "", "MEAN": "mean", "p25": "p25", "P05": "p5", "share:0.5": "share:0.5",
		"share: 0,25": "share:0.25", "share:0.5:median": "share:0.5:median", "share:1:mean": "share:1"} {
		if got, err := NormalizeTarget(in); err != nil || got != want {
			t.Errorf("target %q: %q %v, want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"p0", "p100", "share:0", "share:1.5", "share:x", "share:0.5:max", "top"} {
		if _, err := NormalizeTarget(bad); !errors.Is(err, ErrBadTarget) {
			t.Errorf("target %q: %v", bad, err)
		}
	}
	for in, want := range map[string]string{"": "hold", "HOLD": "hold", "linear:3": "linear:3", "linear: 10": "linear:10"} {
		if got, err := NormalizePeerTrend(in); err != nil || got != want {
			t.Errorf("trend %q: %q %v, want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"linear:1", "linear:31", "linear", "up"} {
		if _, err := NormalizePeerTrend(bad); !errors.Is(err, ErrBadTarget) {
			t.Errorf("trend %q: %v", bad, err)
		}
	}
	if got := AssumptionText("lan", "p25", "linear:4", 2023, 2027); got != "Målet är att till budget 2027 nå 25:e percentilen för "+
		"övriga kommuner i länet. Antagande: jämförelsens NKA följer sin linjära trend (minsta kvadrat) över de 4 åren 2020–2023 "+
		"fram till 2027." {
		t.Errorf("assumption %q", got)
	}
}

// FuzzParseGroupsCSV: any input parses or fails with ErrInvalidGroup; a
// parsed group is valid and every member is non-empty.
func FuzzParseGroupsCSV(f *testing.F) {
	for _, s := range []string{"grupp;år;kommun\nx;;1214\n", "grupp;år;kommun;titel\nb;2022;Bjuv;T\nb;2024;1214;\n",
		"grupp,år,kommun\n\"a\",,\"1\"\n", "#\n\ngrupp\tår\tkommun\nq\t\t0\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		groups, err := ParseGroupsCSV(strings.NewReader(s))
		if err != nil {
			if !errors.Is(err, ErrInvalidGroup) {
				t.Fatalf("error without ErrInvalidGroup: %v", err)
			}
			return
		}
		for _, g := range groups {
			if err := g.Validate(); err != nil {
				t.Fatalf("an invalid group parsed: %v", err)
			}
			for _, ms := range g.Members {
				for _, m := range ms {
					if strings.TrimSpace(m) == "" {
						t.Fatalf("an empty member in %+v", g)
					}
				}
			}
		}
	})
}
