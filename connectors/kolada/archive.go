package kolada

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// An archive keeps the raw answers of one load in a directory of its own:
//
//	<root>/20260816T020000Z-load42-incremental/
//	    pages.jsonl          one line per page, in the order fetched
//	    pages/000001.json.gz the answer, gzip; the header's comment is its URL
//	    load.json            the load's plan, written last: its presence
//	                         with "complete": true marks a finished load
//
// Replaying an archive reproduces the load exactly, without network.

// ErrIncompleteArchive means the archived load did not finish; replaying it
// would pass a partial load off as a whole one.
var ErrIncompleteArchive = errors.New("archive of an unfinished load")

const archiveFormat = 1

type archiveLoad struct {
	Format     int       `json:"format"`
	Source     string    `json:"source"`
	LoadID     int64     `json:"load_id"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	// Today is the date that decided which values were preliminary.
	Today    time.Time `json:"today"`
	Plan     loadPlan  `json:"plan"`
	Pages    int       `json:"pages"`
	Complete bool      `json:"complete"`
}

type archivePage struct {
	Seq       int       `json:"seq"`
	URL       string    `json:"url"`
	FetchedAt time.Time `json:"fetched_at"`
	File      string    `json:"file"`
	SHA256    string    `json:"sha256"`
	Bytes     int       `json:"bytes"`
}

type archiveWriter struct {
	dir      string
	manifest *os.File
	pages    int
}

func newArchiveWriter(root string, loadID int64, started time.Time, mode string) (*archiveWriter, error) {
	dir := filepath.Join(root, fmt.Sprintf("%s-load%d-%s", started.UTC().Format("20060102T150405Z"), loadID, mode))
	if err := os.MkdirAll(filepath.Join(dir, "pages"), 0o755); err != nil {
		return nil, fmt.Errorf("creating archive: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "pages.jsonl"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("creating archive: %w", err)
	}
	return &archiveWriter{dir: dir, manifest: f}, nil
}

func (a *archiveWriter) add(url string, fetched time.Time, body []byte) error {
	a.pages++
	name := fmt.Sprintf("%06d.json.gz", a.pages)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	// The URL lives in pages.jsonl, not in the gzip header: DuckDB's
	// read_json refuses gzip files whose header has a name or comment, and
	// analysts should be able to read the archive with it.
	zw.ModTime = fetched
	if _, err := zw.Write(body); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(a.dir, "pages", name), buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("archiving page %d: %w", a.pages, err)
	}
	sum := sha256.Sum256(body)
	line, _ := json.Marshal(archivePage{Seq: a.pages, URL: url, FetchedAt: fetched.UTC(), File: "pages/" + name,
		SHA256: hex.EncodeToString(sum[:]), Bytes: len(body)})
	if _, err := a.manifest.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("archiving page %d: %w", a.pages, err)
	}
	return nil
}

// complete writes load.json atomically; only then is the archive replayable.
func (a *archiveWriter) complete(l archiveLoad) error {
	if err := a.manifest.Sync(); err != nil {
		return err
	}
	if err := a.manifest.Close(); err != nil {
		return err
	}
	l.Format, l.Pages, l.Complete = archiveFormat, a.pages, true
	b, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(a.dir, "load.json.tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("finishing archive: %w", err)
	}
	return os.Rename(tmp, filepath.Join(a.dir, "load.json"))
}

func (a *archiveWriter) abandon() {
	if a != nil && a.manifest != nil {
		_ = a.manifest.Close() // an abandoned archive is incomplete anyway (no load.json)
	}
}

// archiveDirs finds the archived loads under dir: dir itself when it is one,
// else its subdirectories that are, oldest first (their names start with the
// load's start time).
func archiveDirs(dir string) ([]string, error) {
	if _, err := os.Stat(filepath.Join(dir, "pages.jsonl")); err == nil {
		return []string{dir}, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading archive: %w", err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, e.Name(), "pages.jsonl")); err == nil {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil, fmt.Errorf("reading archive: no archived load in %s (expected pages.jsonl and load.json)", dir)
	}
	return out, nil
}

// readArchive opens one archived load.
func readArchive(dir string) (archiveLoad, []archivePage, error) {
	var l archiveLoad
	b, err := os.ReadFile(filepath.Join(dir, "load.json"))
	if errors.Is(err, os.ErrNotExist) {
		return l, nil, fmt.Errorf("%s: %w (no load.json): it cannot be replayed", dir, ErrIncompleteArchive)
	}
	if err != nil {
		return l, nil, fmt.Errorf("reading archive: %w", err)
	}
	if err := json.Unmarshal(b, &l); err != nil {
		return l, nil, fmt.Errorf("reading %s: %w", filepath.Join(dir, "load.json"), err)
	}
	if !l.Complete {
		return l, nil, fmt.Errorf("%s: %w", dir, ErrIncompleteArchive)
	}
	if l.Format != archiveFormat {
		return l, nil, fmt.Errorf("%s: archive format %d, this nyckeltal reads %d", dir, l.Format, archiveFormat)
	}
	f, err := os.Open(filepath.Join(dir, "pages.jsonl"))
	if err != nil {
		return l, nil, fmt.Errorf("reading archive: %w", err)
	}
	defer f.Close()
	var pages []archivePage
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var p archivePage
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			return l, nil, fmt.Errorf("reading %s line %d: %w", filepath.Join(dir, "pages.jsonl"), len(pages)+1, err)
		}
		pages = append(pages, p)
	}
	if err := sc.Err(); err != nil {
		return l, nil, err
	}
	if len(pages) != l.Pages {
		return l, nil, fmt.Errorf("%s: load.json counts %d pages but pages.jsonl lists %d", dir, l.Pages, len(pages))
	}
	return l, pages, nil
}

// archiveReader reads an archived load's pages, checking each against its
// recorded hash.
type archiveReader struct {
	dir string
}

func (a *archiveReader) read(p archivePage) ([]byte, error) {
	f, err := os.Open(filepath.Join(a.dir, p.File))
	if err != nil {
		return nil, fmt.Errorf("reading archived page %d: %w", p.Seq, err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("reading archived page %d: %w", p.Seq, err)
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("reading archived page %d: %w", p.Seq, err)
	}
	sum := sha256.Sum256(body)
	if hex.EncodeToString(sum[:]) != p.SHA256 {
		return nil, fmt.Errorf("archived page %d (%s) does not match its recorded SHA-256", p.Seq, p.File)
	}
	return body, nil
}
