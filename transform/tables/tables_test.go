package tables

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/testkit/golden"
	"github.com/nyckeltal/nyckeltal/internal/testkit/tablesfixture"
	"github.com/nyckeltal/nyckeltal/transform/catalog"
)

func f(x float64) *float64 { return &x }

func TestJudge(t *testing.T) {
	tests := []struct {
		name       string
		dir        catalog.Direction
		prev, cur  *float64
		decimals   int
		want       Verdict
		wantReason string
	}{
		{"öka, up", catalog.Increase, f(80), f(83), 1, Improved, ""},
		{"öka, down", catalog.Increase, f(83), f(80), 1, Worsened, ""},
		{"minska, down", catalog.Decrease, f(8.4), f(7.9), 1, Improved, ""},
		{"minska, up", catalog.Decrease, f(7.9), f(8.4), 1, Worsened, ""},
		{"öka, tie", catalog.Increase, f(83), f(83), 1, Unchanged, ""},
		{"minska, tie", catalog.Decrease, f(12), f(12), 0, Unchanged, ""},
		{"equal at the decimals shown", catalog.Increase, f(83.04), f(83.01), 1, Unchanged, ""},
		{"different at the decimals shown", catalog.Increase, f(83.04), f(83.06), 1, Improved, ""},
		{"rounding half away from zero", catalog.Decrease, f(0.04), f(0.05), 1, Worsened, ""},
		{"previous year missing", catalog.Increase, nil, f(83), 1, NoVerdict, ""},
		{"this year missing", catalog.Decrease, f(83), nil, 1, NoVerdict, ""},
		{"both missing", catalog.Increase, nil, nil, 1, NoVerdict, ""},
		{"negative values, minska", catalog.Decrease, f(-2.5), f(-3.1), 1, Improved, ""},
		{"NaN", catalog.Increase, f(math.NaN()), f(1), 1, NoVerdict, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Judge(tt.dir, tt.prev, tt.cur, tt.decimals); got != tt.want {
				t.Fatalf("Judge = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHumanNumbers(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{humanNumber(f(1234567.891), 1), "1\u00a0234\u00a0567,9"},
		{humanNumber(f(-0.04), 1), "0,0"},
		{humanNumber(f(-12.5), 0), "\u221213"},
		{humanNumber(nil, 1), "–"},
		{humanChange(f(0.3), 1), "+0,3"},
		{humanChange(f(-0.34), 1), "\u22120,3"},
		{humanChange(f(0.01), 1), "±0,0"},
		{machineNumber(f(83.50000000001)), "83.5"},
		{excelNumber(f(-1.25)), "-1,25"},
		{machineNumber(nil), ""},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%d: %q, want %q", i, tt.got, tt.want)
		}
	}
}

var (
	fixtureOnce sync.Once
	fixturePath string
	fixtureDir  string
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if fixtureDir != "" {
		_ = os.RemoveAll(fixtureDir) // a temporary directory; the tests' outcome is decided
	}
	os.Exit(code)
}

// fixture is the fixture store, built once for the package's tests.
func fixture(t *testing.T) string {
	t.Helper()
	fixtureOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tables-fixture-")
		if err != nil {
			t.Fatal(err)
		}
		fixtureDir = dir
		fixturePath = tablesfixture.Build(t, dir)
	})
	if fixturePath == "" {
		t.Fatal("the fixture store could not be built")
	}
	return fixturePath
}

func testCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Load(filepath.Join("testdata", "catalog.toml"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// build makes the tables of the fixture store, opened read-only as the
// command opens it.
func build(t *testing.T, c *catalog.Catalog, years []int) *Result {
	t.Helper()
	st, err := store.Open(t.Context(), fixture(t), store.ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b := &Builder{Store: st, NKA: tablesfixture.Engine(st)}
	r, err := b.Build(t.Context(), Request{Catalog: c, Municipality: tablesfixture.Home, HomeMunicipality: tablesfixture.Home,
		Years: years, InterimEndMonth: 8})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func find(t *testing.T, r *Result, code string) *IndicatorTable {
	t.Helper()
	for _, it := range r.Indicators {
		if it.Indicator.Code == code {
			return it
		}
	}
	t.Fatalf("no table for %s", code)
	return nil
}

func row(t *testing.T, it *IndicatorTable, split Split, period string) Row {
	t.Helper()
	for _, r := range it.Rows {
		if r.Split == split && r.Period.Label() == period {
			return r
		}
	}
	t.Fatalf("%s: no row %s %s", it.Indicator.Code, split.Label(), period)
	return Row{}
}

var total = Split{Total, ""}

func TestVerdictsFromTheStore(t *testing.T) {
	r := build(t, testCatalog(t), nil)
	tests := []struct {
		code, period string
		split        Split
		want         Verdict
		prelim       bool
		noteHas      string
	}{
		{"2.1.01", "2024 delår", total, Worsened, false, ""},                         // minska, 7,9 → 8,4
		{"2.1.01", "2024 delår", Split{Gender, "M"}, Improved, false, ""},            // 5,2 → 5,0
		{"2.1.01", "2024 delår", Split{Unit, "Hemtjänst Norr"}, Improved, false, ""}, // 8,8 → 8,2
		{"2.1.02", "2024", total, Unchanged, false, ""},                              // 12,04 → 12,01 at one decimal
		{"2.1.03", "2024 delår", total, Improved, false, ""},                         // öka, 410 → 432
		{"1.1.05", "2024 delår", total, Improved, true, ""},                          // minska, 4 → 3, preliminary
		{"1.1.07", "2023", total, NoVerdict, false, "värde saknas"},                  // the missing year between two
		{"1.1.07", "2024", total, NoVerdict, false, "ingen jämförelse: 2023 saknas"},
		{"2.2.02", "2024 delår", total, NoVerdict, false, "värde saknas"}, // NULL in the file
	}
	for _, tt := range tests {
		t.Run(tt.code+" "+tt.split.Label()+" "+tt.period, func(t *testing.T) {
			got := row(t, find(t, r, tt.code), tt.split, tt.period)
			if got.Verdict != tt.want || got.Preliminary != tt.prelim || !strings.Contains(got.Note, tt.noteHas) {
				t.Fatalf("verdict %q prelim %v note %q; want %q %v %q", got.Verdict, got.Preliminary, got.Note, tt.want, tt.prelim, tt.noteHas)
			}
			if got.Value == nil && got.Change != nil {
				t.Fatal("a change without a value")
			}
		})
	}
	// the enhet split of 2.1.01 is asked for; 1.1.06 has only enheter
	if it := find(t, r, "1.1.06"); len(it.Rows) != 3 || !strings.Contains(strings.Join(it.Notes, " "), "bara per enhet") {
		t.Fatalf("1.1.06: %d rows, notes %v", len(it.Rows), it.Notes)
	}
	// a kvartal the catalogue does not ask for is not shown
	for _, row := range find(t, r, "1.1.05").Rows {
		if row.Period.Period == catalog.Quarter1 {
			t.Fatal("kvartal 1 shown for an indicator reported delår and helår")
		}
	}
	for _, code := range []string{"1.1.03", "1.1.04", "2.1.04"} {
		if it := find(t, r, code); len(it.Rows) != 0 || len(it.Notes) == 0 {
			t.Fatalf("%s: rows %v, notes %v: want no rows and a note saying why", code, it.Rows, it.Notes)
		}
	}
}

// TestPeerStatsAgreeWithSQL checks the peer mean, median and rank of every
// Kolada row against the members' values read straight from the store.
func TestPeerStatsAgreeWithSQL(t *testing.T) {
	r := build(t, testCatalog(t), nil)
	st, err := store.Open(t.Context(), fixture(t), store.ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	checked := 0
	for _, code := range []string{"1.1.01", "2.2.01"} {
		it := find(t, r, code)
		for _, row := range it.Rows {
			if row.Peers == nil {
				continue
			}
			gender := "T"
			if row.Split.Kind == Gender {
				gender = row.Split.Key
			}
			rows, err := st.DB().QueryContext(t.Context(), `SELECT o.value FROM municipality_group_member gm
				JOIN observation o ON o.unit_id = gm.member_id AND o.indicator_id = ? AND o.year = ? AND o.gender = ?
				WHERE gm.group_id = ? AND gm.member_id <> ? AND o.value IS NOT NULL ORDER BY o.value`,
				it.SourceID, row.Period.Year, gender, row.Peers.GroupID, tablesfixture.Home)
			if err != nil {
				t.Fatal(err)
			}
			var xs []float64
			for rows.Next() {
				var x float64
				if err := rows.Scan(&x); err != nil {
					t.Fatal(err)
				}
				xs = append(xs, x)
			}
			if err := rows.Close(); err != nil {
				t.Fatal(err)
			}
			var sum float64
			for _, x := range xs {
				sum += x
			}
			if len(xs) != row.Peers.WithValue || math.Abs(sum/float64(len(xs))-*row.Peers.Mean) > 1e-9 {
				t.Fatalf("%s %s %s: mean %v of %d, SQL %v of %d", code, row.Split.Label(), row.Period.Label(),
					*row.Peers.Mean, row.Peers.WithValue, sum/float64(len(xs)), len(xs))
			}
			median := xs[len(xs)/2]
			if len(xs)%2 == 0 {
				median = (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
			}
			if math.Abs(median-*row.Peers.Median) > 1e-9 {
				t.Fatalf("%s %s: median %v, SQL %v", code, row.Period.Label(), *row.Peers.Median, median)
			}
			if row.Value != nil {
				better := 0
				for _, x := range xs {
					if (it.Indicator.Direction == catalog.Increase && roundTo(x, 1) > roundTo(*row.Value, 1)) ||
						(it.Indicator.Direction == catalog.Decrease && roundTo(x, 1) < roundTo(*row.Value, 1)) {
						better++
					}
				}
				if row.Peers.Rank != better+1 || row.Peers.Of != len(xs)+1 {
					t.Fatalf("%s %s: rank %d of %d, want %d of %d", code, row.Period.Label(), row.Peers.Rank, row.Peers.Of, better+1, len(xs)+1)
				}
			}
			checked++
		}
	}
	if checked < 8 {
		t.Fatalf("only %d rows with peers checked", checked)
	}
}

// writeAll writes every format (and the Excel CSV into excel/) into dir.
func writeAll(t *testing.T, r *Result, dir string) {
	t.Helper()
	if _, err := r.WriteFiles(dir, Formats, CSVOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.WriteFiles(filepath.Join(dir, "excel"), []string{"csv"}, CSVOptions{Excel: true}); err != nil {
		t.Fatal(err)
	}
}

func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// TestGoldenFiles compares every file of every format with testdata/golden/
// (go test ./transform/tables -update rewrites them). Workbooks are compared
// as a dump of their cells, number formats and frozen panes.
func TestGoldenFiles(t *testing.T) {
	dir := t.TempDir()
	writeAll(t, build(t, testCatalog(t), nil), dir)
	files := listFiles(t, dir)
	if len(files) != 4*3+3 {
		t.Fatalf("files: %v", files)
	}
	for _, name := range files {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		goldenName := name
		if strings.HasSuffix(name, ".xlsx") {
			b, goldenName = []byte(dumpXLSX(t, filepath.Join(dir, name))), name+".txt"
		}
		golden.Check(t, filepath.Join("testdata", "golden", goldenName), b)
	}
	excel, err := os.ReadFile(filepath.Join(dir, "excel", "malomrade-2.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(excel, []byte("\ufeffKod;Indikator;")) || !bytes.Contains(excel, []byte(";7,9;")) {
		t.Fatalf("the Excel CSV lacks the BOM, ; or the decimal comma:\n%.300s", excel)
	}
}

// dumpXLSX lists a workbook's sheets, frozen panes, and every cell with its
// value and number format.
func dumpXLSX(t *testing.T, path string) string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	props, err := f.GetDocProps()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "created %s modified %s\n", props.Created, props.Modified)
	for _, sheet := range f.GetSheetList() {
		panes, err := f.GetPanes(sheet)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "sheet %q frozen %v x %d y %d top-left %s\n", sheet, panes.Freeze, panes.XSplit, panes.YSplit, panes.TopLeftCell)
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		for r, row := range rows {
			for c, v := range row {
				if v == "" {
					continue
				}
				ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
				format := ""
				if id, err := f.GetCellStyle(sheet, ref); err == nil && id != 0 {
					if st, err := f.GetStyle(id); err == nil && st.CustomNumFmt != nil {
						format = " [" + *st.CustomNumFmt + "]"
					}
				}
				typ, _ := f.GetCellType(sheet, ref)
				kind := "s"
				if typ == excelize.CellTypeNumber || typ == excelize.CellTypeUnset && format != "" {
					kind = "n"
				}
				fmt.Fprintf(&b, "%s %s %s%s\n", ref, kind, v, format)
			}
		}
	}
	return b.String()
}

// TestDeterministic builds the tables twice from the same store and
// requires every file, workbooks included, to be byte-identical.
func TestDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	writeAll(t, build(t, testCatalog(t), nil), a)
	writeAll(t, build(t, testCatalog(t), nil), b)
	files := listFiles(t, a)
	if got := listFiles(t, b); strings.Join(got, ",") != strings.Join(files, ",") {
		t.Fatalf("different files: %v and %v", files, got)
	}
	for _, name := range files {
		x, _ := os.ReadFile(filepath.Join(a, name))
		y, _ := os.ReadFile(filepath.Join(b, name))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs on the same store", name)
		}
	}
}

// TestBuiltinCatalogue builds the tables of the shipped uppdragsplan: every
// indicator gets a table, and those without values say why.
func TestBuiltinCatalogue(t *testing.T) {
	c, err := catalog.Load("")
	if err != nil {
		t.Fatal(err)
	}
	r := build(t, c, []int{2023, 2024})
	if len(r.Indicators) != len(c.Indicators) {
		t.Fatalf("%d tables for %d indicators", len(r.Indicators), len(c.Indicators))
	}
	withValues := 0
	for _, it := range r.Indicators {
		if len(it.Rows) == 0 && len(it.Notes) == 0 {
			t.Errorf("%s: no rows and no note", it.Indicator.Code)
		}
		if l := it.Latest(); l != nil && l.Value != nil {
			withValues++
		}
	}
	if withValues < 8 {
		t.Fatalf("only %d indicators with values", withValues)
	}
	dir := t.TempDir()
	if _, err := r.WriteFiles(dir, Formats, CSVOptions{Excel: true}); err != nil {
		t.Fatal(err)
	}
	if n := len(listFiles(t, dir)); n != 4*3 {
		t.Fatalf("%d files", n)
	}
}

func TestParseFormats(t *testing.T) {
	if got, err := ParseFormats("html, csv,markdown", nil); err != nil || strings.Join(got, ",") != "csv,md,html" {
		t.Fatalf("%v %v", got, err)
	}
	if _, err := ParseFormats("pdf", nil); err == nil {
		t.Fatal("pdf accepted")
	}
	if got, _ := ParseFormats("", []string{"xlsx"}); strings.Join(got, ",") != "xlsx" {
		t.Fatalf("default: %v", got)
	}
}

// TestOtherMunicipality: the tables of a municipality other than the home
// one have its Kolada values, and say that local values are the home
// municipality's; one without a peer group says so instead of comparing.
func TestOtherMunicipality(t *testing.T) {
	st, err := store.Open(t.Context(), fixture(t), store.ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b := &Builder{Store: st, NKA: tablesfixture.Engine(st)}
	r, err := b.Build(t.Context(), Request{Catalog: testCatalog(t), Municipality: "9002", HomeMunicipality: tablesfixture.Home, InterimEndMonth: 8})
	if err != nil {
		t.Fatal(err)
	}
	if r.MunicipalityName != "Påhittstad" {
		t.Fatalf("name %q", r.MunicipalityName)
	}
	local := find(t, r, "2.1.01")
	if len(local.Rows) != 0 || !strings.Contains(strings.Join(local.Notes, " "), "hemkommunen 9001") {
		t.Fatalf("local rows for another municipality: %v %v", local.Rows, local.Notes)
	}
	kolada := find(t, r, "1.1.01")
	if len(kolada.Rows) == 0 {
		t.Fatal("no Kolada rows")
	}
	for _, row := range kolada.Rows {
		if row.Peers != nil {
			t.Fatalf("9002 has no peer group, yet %v", row.Peers)
		}
		if row.Split.Kind == Total && row.Value != nil && !strings.Contains(row.Note, "ingen grupp liknande kommuner") {
			t.Fatalf("row without the note: %+v", row)
		}
	}
}

// TestKoladaSpecials: the rows of Kolada indicators that are made, not read:
// a complement, the regi rows of other KPIs, an earlier id for earlier
// years, an id chosen from a title; and the notes that say why a KPI has no
// values.
func TestKoladaSpecials(t *testing.T) {
	r := build(t, testCatalog(t), nil)
	notes := func(code string) string { return strings.Join(find(t, r, code).Notes, " ") }

	// the complement: 100 − U23471, its peers and Riket too; the direction the catalogue's
	nojda, inte := find(t, r, "1.1.01"), find(t, r, "1.1.10")
	for _, p := range []string{"2022", "2024", "2025"} {
		a, b := row(t, nojda, total, p), row(t, inte, total, p)
		if math.Abs(*a.Value+*b.Value-100) > 1e-9 || math.Abs(*a.Riket+*b.Riket-100) > 1e-9 ||
			math.Abs(*a.Peers.Mean+*b.Peers.Mean-100) > 1e-9 || math.Abs(*a.Peers.Median+*b.Peers.Median-100) > 1e-9 {
			t.Fatalf("%s: %v + %v, Riket %v + %v, mean %v + %v: not 100", p, *a.Value, *b.Value, *a.Riket, *b.Riket, *a.Peers.Mean, *b.Peers.Mean)
		}
		if a.Peers.Rank != b.Peers.Rank { // values and direction both turned: the same place
			t.Errorf("%s: ranks %d and %d of %d", p, a.Peers.Rank, b.Peers.Rank, a.Peers.Of)
		}
	}
	if v := row(t, inte, total, "2025").Verdict; v != Worsened { // 22 → 25 not satisfied, direction minska
		t.Errorf("complement verdict %q", v)
	}
	if !strings.Contains(inte.SourceLabel(), "100 − U23471 (egen bearbetning)") || !strings.Contains(notes("1.1.10"), "Egen bearbetning: värdet är 100 minus") {
		t.Errorf("complement not labelled: %q / %q", inte.SourceLabel(), notes("1.1.10"))
	}

	// regi rows from the kommunal- and enskild-regi KPIs, read as they are
	st, err := store.Open(t.Context(), fixture(t), store.ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stored := func(kpi string, year int, gender string) float64 {
		var x float64
		if err := st.DB().QueryRowContext(t.Context(), `SELECT value FROM observation WHERE source = 'kolada' AND indicator_id = ?
			AND unit_id = ? AND year = ? AND gender = ?`, kpi, tablesfixture.Home, year, gender).Scan(&x); err != nil {
			t.Fatalf("%s %d %s: %v", kpi, year, gender, err)
		}
		return x
	}
	regi := find(t, r, "1.1.08")
	for _, tt := range []struct {
		split Split
		kpi   string
	}{{Split{Regi, "egen"}, "U21443"}, {Split{Regi, "privat"}, "U21438"}} {
		if got := row(t, regi, tt.split, "2024"); *got.Value != stored(tt.kpi, 2024, "T") || got.Peers == nil {
			t.Errorf("%s 2024: %v, stored %v", tt.split.Label(), *got.Value, stored(tt.kpi, 2024, "T"))
		}
	}
	if n := notes("1.1.08"); !strings.Contains(n, "Egen regi: Kolada:s nyckeltal U21443 för kommunal regi") || !strings.Contains(n, "Privat regi: Kolada:s nyckeltal U21438") {
		t.Errorf("regi notes: %s", n)
	}

	// the earlier id for the years the new one has no value
	renamed := find(t, r, "1.1.09")
	if got := row(t, renamed, total, "2023"); *got.Value != stored("U21467", 2023, "T") || !strings.Contains(got.Note, "värde från U21467") {
		t.Errorf("2023 from the earlier id: %v %q", *got.Value, got.Note)
	}
	if got := row(t, renamed, Split{Gender, "K"}, "2022"); *got.Value != stored("U21467", 2022, "K") {
		t.Errorf("2022 kvinnor from the earlier id: %v", *got.Value)
	}
	if got := row(t, renamed, total, "2024"); *got.Value != stored("U21505", 2024, "T") || got.Note != "" {
		t.Errorf("2024 from the new id: %v %q", *got.Value, got.Note)
	}
	if !strings.Contains(notes("1.1.09"), "För 2022–2023 saknar U21505 värde; där visas värdet från U21467") {
		t.Errorf("earlier id note: %s", notes("1.1.09"))
	}

	// a title: chosen when one KPI clearly fits best, listed when several do
	if it := find(t, r, "1.1.11"); it.SourceID != "U21505" || len(it.Rows) == 0 || !strings.Contains(notes("1.1.11"), "valdes automatiskt") {
		t.Errorf("1.1.11: id %q, %d rows, notes %s", it.SourceID, len(it.Rows), notes("1.1.11"))
	}
	for code, want := range map[string]string{
		"1.1.03": "passar flera nyckeltal i Kolada, så inget valdes automatiskt; de som passar bäst: U23464",
		"1.1.04": "Nyckeltalet U99999 har inte hämtats från Kolada än",
		"1.1.12": "Kolada publicerar inte U60531",
		"1.1.13": "Kolada känner inte till nyckeltalet U99998",
		"2.2.01": "Kolada redovisar inte N20900 per kön.",
	} {
		if n := notes(code); !strings.Contains(n, want) {
			t.Errorf("%s: notes %q lack %q", code, n, want)
		}
	}
	if got := row(t, nojda, total, "2023"); got.Value != nil || got.Note != "Kolada har inget värde" {
		t.Errorf("a fetched year without a value: %v %q", got.Value, got.Note)
	}
}
