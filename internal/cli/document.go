package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/outpath"
	"github.com/nyckeltal/nyckeltal/internal/sheet"
	"github.com/nyckeltal/nyckeltal/internal/swedish"
)

// writeJSON writes v indented.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// outExtensions are the extensions --out knows, and the format each means.
var outExtensions = map[string]string{".txt": "table", ".csv": "csv", ".json": "json", ".xlsx": "xlsx"}

// resolveFormat takes --format, else the extension of --out (.txt, .csv,
// .json or .xlsx; another is an error, so that gap.ods never becomes a text
// file), else table. --excel goes with csv only.
func resolveFormat(format string, formatSet bool, out string, excel bool) (string, error) {
	if !formatSet && out != "" && out != "-" {
		ext := strings.ToLower(filepath.Ext(out))
		f, ok := outExtensions[ext]
		if !ok {
			if ext == "" {
				return "", usageErrorf("--out %s has no extension: name the file .txt (the table), .csv, .json or .xlsx, or give --format", out)
			}
			return "", usageErrorf("--out %s: %s is not a format nyckeltal writes: name the file .txt (the table), .csv, .json or .xlsx, or give --format", out, ext)
		}
		format = f
	}
	switch format {
	case "table", "csv", "json":
	case "xlsx":
		if out == "" || out == "-" {
			return "", usageErrorf("--format xlsx writes a workbook: give --out FILE.xlsx")
		}
	default:
		return "", usageErrorf("--format %q: use table, csv, json or xlsx", format)
	}
	if excel && format != "csv" {
		return "", usageErrorf("--excel is a kind of CSV: give it with --format csv or --out FILE.csv (not %s)", format)
	}
	return format, nil
}

// resultWriters are a result's forms: the document for people (the terminal
// table, XLSX, CSV for Excel) and the machine forms with stable English keys.
type resultWriters struct {
	document func() *sheet.Document
	json     func(io.Writer) error
	csv      func(io.Writer) error
}

// writeResult writes a result in format (table, csv, json or xlsx; csv for
// Excel with excel) to --out or standard output.
func (f *factory) writeResult(out, format string, excel bool, r resultWriters) error {
	return f.writeOutput(out, func(w io.Writer) error {
		switch {
		case format == "json":
			return r.json(w)
		case format == "csv" && !excel:
			return r.csv(w)
		case format == "csv":
			return r.document().WriteExcelCSV(w)
		case format == "xlsx":
			return r.document().WriteXLSX(w)
		}
		return r.document().WriteText(w)
	})
}

// writeOutput writes through fn to --out (a temporary file renamed into
// place, so a reader never sees half a file) or to standard output. --out is
// never the store, the key or the configuration, and replaces only a file
// nyckeltal wrote, unless --force (internal/outpath).
func (f *factory) writeOutput(out string, fn func(io.Writer) error) error {
	if out == "" || out == "-" {
		return fn(f.stdout)
	}
	g, err := f.app.OutputGuard()
	if err != nil {
		return err
	}
	if err := g.Check(out); err != nil {
		return err
	}
	dir := filepath.Dir(out)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(out)+".*.tmp")
	if err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriter(tmp)
	if err := fn(bw); err != nil {
		_ = tmp.Close() // the error of the writing is the one to report
		return err
	}
	if err := bw.Flush(); err != nil {
		_ = tmp.Close() // the error of the writing is the one to report
		return fmt.Errorf("writing %s: %w", out, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	// CreateTemp makes the file private; the result is an ordinary report file.
	_ = os.Chmod(tmp.Name(), 0o644)
	if err := os.Rename(tmp.Name(), out); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	return outpath.Record(out)
}

// csvNumber writes a rounded number for CSV; NULL is an empty cell.
func csvNumber(p *float64) string {
	r := swedish.Round6Ptr(p)
	if r == nil {
		return ""
	}
	return strconv.FormatFloat(*r, 'f', -1, 64)
}
