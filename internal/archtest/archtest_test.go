package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/nyckeltal/nyckeltal/internal/testkit/repo"
)

const module = "github.com/nyckeltal/nyckeltal"

// layers ranks every package of the module: a package may import only
// packages of a lower rank. The longest prefix of a package's path decides
// its rank. Connectors and transforms are two columns of the same floor: one
// never imports the other.
var layers = []struct {
	prefix string
	rank   int
	holds  string
}{
	{"cmd/", 100, "the mains"},
	{"internal/cli", 90, "the command line: cobra, options and run functions, rendering"},
	{"internal/bench", 90, "make bench: runs the binaries and the parsers against the limits"},
	{"internal/app", 80, "the use cases, the jobs of a run and the derived job"},
	{"internal/app/inbox", 75, "the inbox of the municipality's own files"},
	{"internal/config", 70, "the configuration, composed of the connectors' settings"},
	{"internal/jobs", 60, "the sequential job runner of a run"},
	{"transform/report", 54, "the report"},
	{"transform/tables", 53, "the indicator tables"},
	{"transform/nka", 52, "nettokostnadsavvikelse, sparbeting, omräkning"},
	{"transform/atgardsplan", 50, "the åtgärdsplan"},
	{"transform/catalog", 50, "the indicator catalogue"},
	{"connectors/webfocus", 51, "WebFOCUS reports"},
	{"connectors/treserva", 51, "Treserva extracts"},
	{"connectors/indicators", 51, "long indicator files"},
	{"connectors/ownfiles", 50, "the whole-or-nothing loading of the municipality's own files"},
	{"connectors/kolada", 50, "Kolada's API"},
	{"connectors/kolada/koladafake", 50, "a fake Kolada server for tests and the demo"},
	{"internal/store", 40, "the DuckDB store: every query"},
	{"sql", 30, "the embedded SQL: migrations, views, named queries, analyses"},
	{"internal/tabular", 12, "text decoding and table reading (CSV, XLSX, HTML tables)"},
	{"internal/sheet", 11, "a result laid out for people: text, XLSX, CSV for Excel"},
	{"internal/grouptitle", 12, "reading Kolada's \"Liknande kommuner\" group titles"},
	{"internal/swedish", 10, "Swedish words (folding) and numbers (formatting)"},
	{"internal/personnummer", 10, "personnummer, pseudonyms and the key"},
	{"internal/privfs", 10, "files that may hold personal data"},
	{"internal/outpath", 10, "which output files nyckeltal may write"},
	{"internal/textsafe", 10, "text made safe for CSV, HTML and Markdown"},
	{"internal/mojibake", 10, "repairing doubly encoded UTF-8"},
	{"internal/version", 10, "the build's version"},
	{"internal/indicatorid", 10, "the shapes of Kolada ids and local indicator codes"},
	{"internal/yearrange", 10, "year ranges like 2018-2025"},
	{"internal/schedule", 10, "cron schedules and the daemon loop"},
	{"", 10, "the example configuration, embedded"},
}

// testkit holds test helpers; only tests and the bench may import them.
const testkit = "internal/testkit"

// column is "connectors" or "transform" for the two columns that never
// import each other, else "".
func column(pkg string) string {
	for _, c := range []string{"connectors", "transform"} {
		if pkg == c || strings.HasPrefix(pkg, c+"/") {
			return c
		}
	}
	return ""
}

func rank(pkg string) (int, bool) {
	best, r := -1, 0
	for _, l := range layers {
		p := strings.TrimSuffix(l.prefix, "/")
		if (pkg == p || p != "" && strings.HasPrefix(pkg, p+"/")) && len(p) > best {
			best, r = len(p), l.rank
		}
	}
	return r, best >= 0
}

type goFile struct {
	pkg     string // the package's path in the module ("" for the root)
	path    string
	test    bool
	imports []string
	file    *ast.File
}

func readFiles(t *testing.T) []goFile {
	t.Helper()
	root := repo.Root()
	var out []goFile
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if p != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "out" || name == "bin" || name == "data") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		pkg := filepath.ToSlash(rel)
		if pkg == "." {
			pkg = ""
		}
		gf := goFile{pkg: pkg, path: p, test: strings.HasSuffix(p, "_test.go"), file: f}
		for _, im := range f.Imports {
			v, _ := strconv.Unquote(im.Path.Value)
			gf.imports = append(gf.imports, v)
		}
		out = append(out, gf)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 100 {
		t.Fatalf("read only %d Go files from %s", len(out), root)
	}
	return out
}

// Every import of the module's own packages points down the layers (tests
// may import what they need to drive a package from outside).
func TestImportsPointDown(t *testing.T) {
	t.Parallel()
	var bad []string
	for _, f := range readFiles(t) {
		from, ok := rank(f.pkg)
		if !ok || f.test || strings.HasPrefix(f.pkg, testkit) {
			continue // a package without a layer is TestEveryPackageHasALayer's
		}
		for _, im := range f.imports {
			if im != module && !strings.HasPrefix(im, module+"/") {
				continue
			}
			to := strings.TrimPrefix(strings.TrimPrefix(im, module), "/")
			if strings.HasPrefix(to, testkit) {
				if f.pkg != "internal/bench" {
					bad = append(bad, f.path+": imports the test helper "+to)
				}
				continue
			}
			r, ok := rank(to)
			switch {
			case !ok:
				bad = append(bad, f.path+": imports "+to+", which has no layer")
			case r >= from && to != f.pkg:
				bad = append(bad, f.path+": imports "+to+", which is not below it")
			case column(f.pkg) != "" && column(to) != "" && column(f.pkg) != column(to):
				bad = append(bad, f.path+": imports "+to+": connectors and transforms do not import each other")
			}
		}
	}
	report(t, bad)
}

// Only the store talks to the database: no package outside internal/store
// imports database/sql or the DuckDB driver (the store's own tests do).
func TestOnlyTheStoreImportsTheDatabase(t *testing.T) {
	t.Parallel()
	var bad []string
	for _, f := range readFiles(t) {
		if f.pkg == "internal/store" {
			continue
		}
		for _, im := range f.imports {
			if im == "database/sql" || im == "database/sql/driver" || strings.HasPrefix(im, "github.com/duckdb/") {
				bad = append(bad, f.path+": imports "+im)
			}
		}
	}
	report(t, bad)
}

// Outside the store, code reads through the store's typed methods: only
// tests and test helpers use Store.DB(), to look at what a load wrote.
func TestNoQueriesOutsideTheStore(t *testing.T) {
	t.Parallel()
	var bad []string
	for _, f := range readFiles(t) {
		if f.test || f.pkg == "internal/store" || strings.HasPrefix(f.pkg, testkit) {
			continue
		}
		ast.Inspect(f.file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 0 {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "DB" {
				bad = append(bad, f.path+": calls .DB(); read through a method of internal/store instead")
			}
			return true
		})
	}
	report(t, bad)
}

// The table names every package directory of the module.
func TestEveryPackageHasALayer(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, f := range readFiles(t) {
		seen[f.pkg] = true
	}
	var bad []string
	for pkg := range seen {
		if _, ok := rank(pkg); !ok && !strings.HasPrefix(pkg, testkit) && pkg != "internal/archtest" {
			bad = append(bad, pkg+": no layer in the table of archtest_test.go; add it (and to the README's layout)")
		}
	}
	report(t, bad)
}

func report(t *testing.T, bad []string) {
	t.Helper()
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b)
	}
}

// The test reads the files it checks; make sure it reads this repository.
func TestReadsTheRepository(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(filepath.Join(repo.Root(), "internal", "store", "store.go")); err != nil {
		t.Fatal(err)
	}
}
