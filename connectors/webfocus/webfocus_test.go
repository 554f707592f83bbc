package webfocus

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/testkit/repo"

	"github.com/nyckeltal/nyckeltal/connectors/ownfiles"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/testkit/golden"
)

var (
	generate = flag.Bool("generate", false, "regenerate the XLSX samples (data/samples/webfocus, testdata)")
)

var samples = repo.Path("data", "samples", "webfocus")

func options(mod func(*Options)) Options {
	o := Options{Home: "9001", Config: DefaultSettings(), InterimEnd: time.August, MunicipalityUnits: ownfiles.DefaultMunicipalityUnits(),
		Regi: ownfiles.DefaultConfiguredRegi()}
	o.Config.Layouts = map[string][]string{
		"sjuk": {"Enhet", "Period", "Sjukfrånvaro totalt", "varav <15 dagar", "varav 15-60 dagar", "varav >60 dagar"},
	}
	if mod != nil {
		mod(&o)
	}
	return o
}

func parse(t *testing.T, path string, mod func(*Options)) (*ownfiles.Parsed, error) {
	t.Helper()
	p, err := New(options(mod))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return p.Parse(t.Context(), filepath.Base(path), data)
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.CheckString(t, filepath.Join("testdata", name), got)
}

// TestShapes reads one file of every shape and compares what it would load
// with a golden file.
func TestShapes(t *testing.T) {
	tests := []struct {
		name, path, format string
		mod                func(*Options)
		values, skipped    int
	}{
		{"COMT, dates as numbers", samples + "/sjukfranvaro_comt.csv", "COMT", nil, 17 * 4, 0},
		{"DFIX ; Windows-1252", samples + "/timanstallda_dfix.txt", "DFIX ; with header", nil, 8 * 3, 0},
		{"EXL2K HTML as .xls", samples + "/personalomsattning_exl2k.xls", "EXL2K", nil, 4 * 3, 7},
		{"XLSX styled", samples + "/verksamhet.xlsx", "XLSX", nil, 5 * 6, 5},
		{"TABT", "testdata/tabt_avvikelser.txt", "TABT", nil, 6 * 2, 0},
		{"COMMA with a layout", "testdata/comma_sjukfranvaro.csv", "COMMA", nil, 2 * 4, 1},
		{"COMT with a title row", "testdata/comt_title_row.csv", "COMT", nil, 2 * 2, 2},
		{"XLSX with date cells", "testdata/datum.xlsx", "XLSX", nil, 2, 0},
		// Blank and merged BY cells carry the value above them.
		{"COMT, repeated BY values left blank", "testdata/sjukfranvaro_by_comt.csv", "COMT", nil, 7 * 2, 0},
		{"TABT, two BY columns left blank", "testdata/avvikelser_by_tabt.txt", "TABT", nil, 6, 0},
		{"EXL2K, enhet with rowspan", "testdata/sjukfranvaro_kon_exl2k.xls", "EXL2K", nil, 6 * 2, 4},
		{"XLSX, enhet merged over its kön rows", "testdata/usk_merged.xlsx", "XLSX", nil, 6, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse(t, tt.path, tt.mod)
			if err != nil {
				t.Fatal(err)
			}
			if got.Format != tt.format || got.Observations() != tt.values || got.Skipped != int64(tt.skipped) || len(got.Problems) > 0 {
				t.Fatalf("format %s, %d values, %d skipped, problems %v\n%s", got.Format, got.Observations(), got.Skipped,
					got.Problems, ownfiles.Describe(got))
			}
			for o := range got.Values.All() {
				if err := o.Validate(); err != nil {
					t.Fatal(err)
				}
			}
			checkGolden(t, strings.TrimSuffix(filepath.Base(tt.path), filepath.Ext(tt.path))+".golden", ownfiles.Describe(got))
		})
	}
}

func TestRefusedFiles(t *testing.T) {
	header := `"Enhet","Period","Sjukfrånvaro totalt","varav <15 dagar"` + "\n"
	tests := []struct {
		name, content string
		mod           func(*Options)
		// fileErr: the whole file is refused; otherwise row problems.
		fileErr  bool
		want     string
		wantLine int
	}{
		{"no known heading", "\"Namn\",\"Värde\"\n\"a\",1\n", nil, true, "no heading row names a configured indicator column", 0},
		{"bad number", header + `"Hemtjänst Norr","2024-Q1",7.2,3.1` + "\n" + `"Hemtjänst Söder","2024-Q1",7x2,3.1` + "\n", nil, false, `kolumn C "Sjukfrånvaro totalt": "7x2" är inget tal`, 3},
		{"both separators", header + `"Hemtjänst Norr","2024-Q1","1.234,5",3.1` + "\n", nil, false, "både , och .", 2},
		{"bad period", header + `"Hemtjänst Norr","2024-13",7.2,3.1` + "\n", nil, false, "ingen månad 13", 2},
		{"odd range", "\"Enhet\",\"Från\",\"Till\",\"Sjukfrånvaro totalt\"\n\"X\",20240215,20240510,1\n", nil, false, "varken ett år, ett kvartal", 2},
		{"duplicate row", header + `"Hemtjänst Norr","2024-Q1",7.2,3.1` + "\n" + `"Hemtjänst Norr","2024 K1",7.3,3.1` + "\n", nil, false, "samma enhet, period, kön och regi som rad 2", 3},
		{"no period anywhere", "\"Enhet\",\"Sjukfrånvaro totalt\"\n\"X\",1\n", nil, true, "filen anger ingen period", 0},
		{"two indicator columns", "\"Enhet\",\"Period\",\"Sjukfrånvaro totalt\",\"Total sjukfrånvaro\"\n\"X\",2024,1,1\n", nil, true, "innehåller båda WF_SJUKFRANVARO_TOTALT", 1},
		{"shifted row", "Enhet;Period;Sjukfrånvaro totalt\nHemtjänst;Norr;2024;7,2\n", nil, false, "fler celler än det finns kolumnrubriker", 2},
		{"unknown regi", "\"Enhet\",\"Period\",\"Regi\",\"Kringtid LOV\"\n\"X\",2024,\"Kooperativ\",1\n", nil, false, "ingen regi som konfigurationen känner", 2},
		{"binary xls", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest", nil, true, "binär arbetsbok från Excel 97", 0},
		{"double-encoded", "\"Enhet\",\"Period\",\"SjukfrÃ¥nvaro totalt\"\n", nil, true, "konverterats till UTF-8 två gånger", 1},
		{"undefined Windows-1252 byte", "Enhet;Period;Sjukfr\x81nvaro totalt\n", nil, true, "varken UTF-8 eller Windows-1252", 1},
		{"broken quote", header + `"Hemtjänst "Norr","2024-Q1",7.2,3.1` + "\n", nil, true, "citattecken", 2},
		{"empty", "   \n", nil, true, "filen är tom", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(options(tt.mod))
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Parse(t.Context(), "f.csv", []byte(tt.content))
			var problems []ownfiles.Problem
			var fe *ownfiles.FileError
			switch {
			case tt.fileErr && errors.As(err, &fe):
				problems = fe.Problems
				if !errors.Is(err, ownfiles.ErrRefused) {
					t.Fatal("a FileError is not ErrRefused")
				}
			case !tt.fileErr && err == nil:
				problems = got.Problems
				if len(got.Refused) != 1 {
					t.Fatalf("refused rows: %d, want 1", len(got.Refused))
				}
			default:
				t.Fatalf("err %v (%T), want file error %v", err, err, tt.fileErr)
			}
			if len(problems) == 0 || !strings.Contains(problems[0].String(), tt.want) || problems[0].Line != tt.wantLine {
				t.Fatalf("problems %v; want line %d with %q", problems, tt.wantLine, tt.want)
			}
		})
	}
}

func TestTitleNamedLikeAnIndicator(t *testing.T) {
	p, err := New(options(nil))
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Parse(t.Context(), "f.csv", []byte("\"Personalomsättning\"\n\"Enhet\",\"Period\",\"Personalomsättning\"\n\"X\",2024,5\n"))
	if err != nil || got.Observations() != 1 || got.Params["header_line"] != 2 || got.Skipped != 1 {
		t.Fatalf("%v %+v", err, got)
	}
}

func TestPeriodFlag(t *testing.T) {
	content := "\"Enhet\",\"Sjukfrånvaro totalt\"\n\"X\",1\n"
	p, err := New(options(func(o *Options) { o.Period = "delår 2025" }))
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Parse(t.Context(), "f.csv", []byte(content))
	if err != nil {
		t.Fatal(err)
	}
	o := got.Values.List()[0]
	if o.Period != store.InterimPeriod(2025, time.August) || o.UnitKind != store.UnitLocal || o.UnitID != "X" {
		t.Fatalf("%+v", o)
	}
	if _, err := New(options(func(o *Options) { o.Period = "sommaren" })); err == nil {
		t.Fatal("a bad --period was accepted")
	}
}

// FuzzParse: any input is either refused or read into valid observations;
// never a panic or a hang.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"testdata", samples} {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, name := range files {
			if strings.HasSuffix(name, ".golden") {
				continue
			}
			if b, err := os.ReadFile(name); err == nil && len(b) < 1<<20 {
				f.Add(b)
			}
		}
	}
	p, err := New(options(nil))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := p.Parse(t.Context(), "fuzz", data)
		if err != nil {
			if got != nil {
				t.Fatal("an error with partial data")
			}
			return
		}
		for o := range got.Values.All() {
			if err := o.Validate(); err != nil {
				t.Fatal(err)
			}
		}
	})
}
