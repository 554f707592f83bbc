package tables

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Formats are the file formats, in the order files are written.
var Formats = []string{"csv", "xlsx", "md", "html"}

// ErrBadFormat marks an unknown format name.
var ErrBadFormat = errors.New("unknown table format")

// ParseFormats reads "csv,xlsx"; empty gives def.
func ParseFormats(s string, def []string) ([]string, error) {
	parts := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ',' || r == ' ' || r == ';' })
	if len(parts) == 0 {
		parts = def
	}
	seen := map[string]bool{}
	var out []string
	for _, f := range Formats {
		for _, p := range parts {
			if p == "markdown" {
				p = "md"
			}
			if p == f && !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	for _, p := range parts {
		if p == "markdown" {
			p = "md"
		}
		if !seen[p] {
			return nil, fmt.Errorf("%w %q: use csv, xlsx, md or html", ErrBadFormat, p)
		}
	}
	return out, nil
}

var unsafeName = regexp.MustCompile(`[^0-9A-Za-z._-]+`)

// FileNames are the files of one format: the overview first, then one per
// målområde.
func (r *Result) FileNames(format string) []string {
	out := []string{"oversikt." + format}
	for _, m := range r.Catalog.Malomraden {
		out = append(out, "malomrade-"+unsafeName.ReplaceAllString(m.ID, "_")+"."+format)
	}
	return out
}

// WriteFiles writes every file of the formats into dir (created when
// missing) and returns their paths. Each file is written beside its place
// and renamed into it, so a reader never sees half a file.
func (r *Result) WriteFiles(dir string, formats []string, csvOpts CSVOptions) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	var written []string
	for _, format := range formats {
		names := r.FileNames(format)
		for i, name := range names {
			var fn func(io.Writer) error
			if i == 0 {
				fn = r.overviewWriter(format, csvOpts)
			} else {
				id := r.Catalog.Malomraden[i-1].ID
				fn = r.detailWriter(format, id, csvOpts)
			}
			path := filepath.Join(dir, name)
			if err := WriteFileAtomic(path, fn); err != nil {
				return written, err
			}
			written = append(written, path)
		}
	}
	return written, nil
}

func (r *Result) overviewWriter(format string, o CSVOptions) func(io.Writer) error {
	switch format {
	case "csv":
		return func(w io.Writer) error { return r.WriteOverviewCSV(w, o) }
	case "xlsx":
		return r.WriteOverviewXLSX
	case "md":
		return r.WriteOverviewMarkdown
	}
	return r.WriteOverviewHTML
}

func (r *Result) detailWriter(format, id string, o CSVOptions) func(io.Writer) error {
	switch format {
	case "csv":
		return func(w io.Writer) error { return r.WriteDetailCSV(w, id, o) }
	case "xlsx":
		return func(w io.Writer) error { return r.WriteDetailXLSX(w, id) }
	case "md":
		return func(w io.Writer) error { return r.WriteDetailMarkdown(w, id) }
	}
	return func(w io.Writer) error { return r.WriteDetailHTML(w, id) }
}

// WriteFileAtomic writes path through fn: into a temporary file beside it,
// renamed into place when complete.
func WriteFileAtomic(path string, fn func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriter(tmp)
	if err := fn(bw); err != nil {
		_ = tmp.Close() // the error of the writing is the one to report
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		_ = tmp.Close() // the error of the writing is the one to report
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	_ = os.Chmod(tmp.Name(), 0o644) // CreateTemp makes it private; these are ordinary report files
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
