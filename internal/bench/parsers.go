//go:build unix

package bench

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/connectors/ownfiles"
	"github.com/nyckeltal/nyckeltal/internal/app/inbox"
	"github.com/nyckeltal/nyckeltal/internal/config"
	"github.com/nyckeltal/nyckeltal/internal/testkit/samplegen"
)

// ParserFigures are one parser's throughput against encoding/csv reading
// the same bytes — the floor any CSV-shaped parser stands on — and its peak
// memory.
type ParserFigures struct {
	Kind  string // what was parsed, e.g. "WebFOCUS COMT"
	Bytes int64  // the file's size
	// CSVBytes are the bytes encoding/csv read: the same file, except for
	// XLSX, whose zip bytes are no text: then the same table as COMT.
	CSVBytes    int64
	Parser, CSV measured
	// ParseTime and CSVTime are the times of the parse alone, measured in the
	// subprocess (its start is left out; both read the file as they go),
	// the median of parserRuns runs taken in turns.
	ParseTime, CSVTime time.Duration
	// InflateTime, for XLSX, is the time of inflating every part of the
	// workbook once and doing nothing else (the median, as above): the
	// floor under the parser, which inflates the bench's worksheet once
	// (it has no merged ranges: tabular.OnePass).
	InflateTime time.Duration
}

// InflateBound is the highest parser ÷ csv an XLSX parser can reach that
// inflates its worksheet once, if nothing else took any time; 0 when not
// measured.
func (p ParserFigures) InflateBound() float64 {
	if p.InflateTime <= 0 {
		return 0
	}
	return p.CSVTime.Seconds() / p.InflateTime.Seconds()
}

// OverInflate is the XLSX parser's time ÷ one inflate's; 0 when not
// measured.
func (p ParserFigures) OverInflate() float64 {
	if p.InflateTime <= 0 {
		return 0
	}
	return p.ParseTime.Seconds() / p.InflateTime.Seconds()
}

// ParserMBs is the parser's MB/s (for XLSX: of the same table as COMT).
func (p ParserFigures) ParserMBs() float64 { return mbPerSecond(p.CSVBytes, p.ParseTime) }

// CSVMBs is encoding/csv's MB/s.
func (p ParserFigures) CSVMBs() float64 { return mbPerSecond(p.CSVBytes, p.CSVTime) }

// Ratio is the parser's MB/s ÷ encoding/csv's; the target is at least 0.5.
func (p ParserFigures) Ratio() float64 { return p.ParserMBs() / p.CSVMBs() }

// MemoryTargetKB is 3 × the file's size + 100 MiB.
func (p ParserFigures) MemoryTargetKB() int64 { return 3*p.Bytes/1024 + 100*1024 }

// LoadFigures are a whole load of a big Treserva extract by bin/nyckeltal:
// reading, checking, computing, staging and publishing.
type LoadFigures struct {
	Bytes int64
	Load  measured
}

// BombFigures are the refusal of a small workbook of millions of shared
// strings.
type BombFigures struct {
	Bytes   int64
	Strings int
	Parse   measured
	Took    time.Duration
	Reason  string
}

type parserCase struct {
	kind, parser string // parser: the bench's parse --kind
	file, csv    string // the file, and what encoding/csv reads
}

func runParsers(ctx context.Context, cfg Config, dir string, progress io.Writer) ([]ParserFigures, error) {
	comt := filepath.Join(dir, "webfocus_comt.csv")
	rows := 0
	if _, err := writeFile(comt, func(w io.Writer) (n int64, err error) {
		n, rows, err = samplegen.WriteWebFOCUSReport(w, cfg.ParserBytes)
		return n, err
	}); err != nil {
		return nil, err
	}
	cases := []parserCase{{"WebFOCUS COMT", "webfocus", comt, comt}}
	for _, c := range []struct {
		kind, parser, name string
		write              func(io.Writer) (int64, error)
		sameTable          bool // encoding/csv reads the COMT of the same table
	}{
		{"WebFOCUS EXL2K", "webfocus", "webfocus_exl2k.xls", func(w io.Writer) (int64, error) { return samplegen.WriteWebFOCUSEXL2K(w, cfg.ParserBytes) }, false},
		{"WebFOCUS XLSX", "webfocus", "webfocus.xlsx", func(w io.Writer) (int64, error) { return samplegen.WriteWebFOCUSXLSX(w, rows) }, true},
		{"Treserva", "treserva", "treserva.csv", func(w io.Writer) (int64, error) { return samplegen.WriteTreservaExtract(w, cfg.ParserBytes) }, false},
		{"indicators (long CSV)", "indicators", "indikatorer.csv", func(w io.Writer) (int64, error) { return samplegen.WriteIndicatorFile(w, cfg.ParserBytes) }, false},
	} {
		path := filepath.Join(dir, c.name)
		_, _ = fmt.Fprintf(progress, "bench: writing %s …\n", c.name)
		if _, err := writeFile(path, c.write); err != nil {
			return nil, err
		}
		csvFile := path
		if c.sameTable {
			csvFile = comt
		}
		cases = append(cases, parserCase{c.kind, c.parser, path, csvFile})
	}
	var out []ParserFigures
	for _, c := range cases {
		_, _ = fmt.Fprintf(progress, "bench: parsing %s …\n", c.kind)
		fi, err := os.Stat(c.file)
		if err != nil {
			return nil, err
		}
		ci, err := os.Stat(c.csv)
		if err != nil {
			return nil, err
		}
		f := ParserFigures{Kind: c.kind, Bytes: fi.Size(), CSVBytes: ci.Size()}
		// The machine is shared: the parser and encoding/csv take turns, and
		// the median of their times counts (the peak memory is the highest).
		var parses, csvs, inflates []time.Duration
		for range parserRuns {
			if strings.HasSuffix(c.file, ".xlsx") {
				id, _, err := runParse(ctx, cfg, "inflate", c.file)
				if err != nil {
					return nil, err
				}
				inflates = append(inflates, id)
			}
			pd, pm, err := runParse(ctx, cfg, c.parser, c.file)
			if err != nil {
				return nil, err
			}
			cd, cm, err := runParse(ctx, cfg, "csv", c.csv)
			if err != nil {
				return nil, err
			}
			parses, csvs = append(parses, pd), append(csvs, cd)
			f.Parser.PeakKB, f.CSV.PeakKB = max(f.Parser.PeakKB, pm.PeakKB), max(f.CSV.PeakKB, cm.PeakKB)
		}
		f.ParseTime, f.CSVTime = medianDuration(parses), medianDuration(csvs)
		if len(inflates) > 0 {
			f.InflateTime = medianDuration(inflates)
		}
		out = append(out, f)
	}
	return out, nil
}

// runParse runs `parse --kind kind file` in a subprocess and returns the
// time of the parse alone that it prints, and the process's figures.
func runParse(ctx context.Context, cfg Config, kind, file string) (time.Duration, measured, error) {
	m, err := runMeasured(ctx, nil, cfg.Self, "parse", "--kind", kind, file)
	if err != nil {
		return 0, m, err
	}
	d, err := parseDuration(m.Stdout)
	return d, m, err
}

// parserRuns is how many times each parser and encoding/csv run.
const parserRuns = 3

func medianDuration(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func parseDuration(out string) (time.Duration, error) {
	first, _, _ := strings.Cut(strings.TrimSpace(out), "\n")
	d, err := time.ParseDuration(strings.TrimSpace(first))
	if err != nil {
		return 0, fmt.Errorf("parse output %q: %w", out, err)
	}
	return d, nil
}

// writeFile writes a sample to path.
func writeFile(path string, write func(io.Writer) (int64, error)) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	n, err := write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// runLoad loads a Treserva extract of cfg.LoadBytes with bin/nyckeltal.
func runLoad(ctx context.Context, cfg Config, dir string) (*LoadFigures, error) {
	path := filepath.Join(dir, "beslut.csv")
	n, err := writeFile(path, func(w io.Writer) (int64, error) { return samplegen.WriteTreservaExtract(w, cfg.LoadBytes) })
	if err != nil {
		return nil, err
	}
	key := filepath.Join(dir, "pseudonym.key")
	if err := os.WriteFile(key, []byte("bench key, never used for real data: 8f2c1a9e7d"), 0o600); err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "load.toml")
	text := fmt.Sprintf("home_municipality = \"0581\"\n[store]\npath = %q\n[local]\npseudonym_key_file = %q\n"+
		"[local.treserva]\nyears = \"2023-2024\"\n", filepath.Join(dir, "load.duckdb"), key)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		return nil, err
	}
	m, err := runMeasured(ctx, nil, cfg.Bin("nyckeltal"), "--config", conf, "--log-format", "json", "ingest", "treserva", path)
	if err != nil {
		return nil, err
	}
	return &LoadFigures{Bytes: n, Load: m}, nil
}

// runBomb has the WebFOCUS parser refuse a workbook of cfg.BombStrings tiny
// shared strings.
func runBomb(ctx context.Context, cfg Config, dir string) (*BombFigures, error) {
	path := filepath.Join(dir, "shared_strings.xlsx")
	n, err := writeFile(path, func(w io.Writer) (int64, error) { return samplegen.WriteSharedStringsBomb(w, cfg.BombStrings) })
	if err != nil {
		return nil, err
	}
	m, err := runMeasured(ctx, nil, cfg.Self, "parse", "--kind", "webfocus", path)
	if err != nil {
		return nil, err
	}
	b := &BombFigures{Bytes: n, Strings: cfg.BombStrings, Parse: m}
	first, reason, _ := strings.Cut(strings.TrimSpace(m.Stdout), "\n")
	if b.Took, err = time.ParseDuration(strings.TrimSpace(first)); err != nil {
		return nil, fmt.Errorf("parse output %q: %w", m.Stdout, err)
	}
	b.Reason = strings.TrimSpace(reason)
	if b.Reason == "" {
		return nil, fmt.Errorf("the workbook of %d shared strings was not refused", cfg.BombStrings)
	}
	return b, nil
}

// Parse runs one parser over a file, reading it as it goes, and returns the
// time of the parse alone; refused says why a refused file was refused.
func Parse(ctx context.Context, kind, path string) (d time.Duration, refused string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	switch kind {
	case "csv":
		return parseCSV(f)
	case "inflate":
		return inflate(f)
	}
	// The parsers as `nyckeltal ingest` builds them, from the defaults.
	cfg := config.Defaults()
	key := filepath.Join(filepath.Dir(path), "pseudonym.key")
	if err := os.WriteFile(key, []byte("bench key, never used for real data"), 0o600); err != nil {
		return 0, "", err
	}
	cfg.Local.PseudonymKeyFile = key
	src, err := inbox.NewSources(&cfg, inbox.SourceOptions{})
	if err != nil {
		return 0, "", err
	}
	dir := map[string]string{"webfocus": inbox.DirWebFOCUS, "treserva": inbox.DirTreserva, "indicators": inbox.DirIndicators}[kind]
	if dir == "" {
		return 0, "", fmt.Errorf("no parser %q", kind)
	}
	in, err := ownfiles.FileInput(f)
	if err != nil {
		return 0, "", err
	}
	start := time.Now()
	parsed, err := src.ForDir(dir).ParseFrom(ctx, filepath.Base(path), in)
	d = time.Since(start)
	var fe *ownfiles.FileError
	switch {
	case errors.As(err, &fe):
		return d, fe.Error(), nil
	case err != nil:
		return 0, "", err
	case parsed.Observations() == 0 || len(parsed.Problems) > 0:
		return 0, "", fmt.Errorf("%s: %d observations, problems: %v", kind, parsed.Observations(), parsed.Problems[:min(3, len(parsed.Problems))])
	}
	return d, "", nil
}

// parseCSV reads a file with encoding/csv, as it comes: the yardstick.
// Quotes are read leniently in HTML (its attributes hold quotes mid-field).
func parseCSV(f *os.File) (time.Duration, string, error) {
	start := time.Now()
	br := bufio.NewReaderSize(f, 64<<10)
	head, _ := br.Peek(4096)
	r := csv.NewReader(br)
	r.FieldsPerRecord = -1
	switch {
	case strings.Contains(string(head), "<html"), strings.Contains(string(head), "<table"):
		r.LazyQuotes = true
	case strings.Count(string(head), ";") > strings.Count(string(head), ","):
		r.Comma = ';'
	}
	n := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if err != nil && !errors.As(err, &pe) {
			return 0, "", err
		}
		n += len(rec)
	}
	if n == 0 {
		return 0, "", fmt.Errorf("csv: nothing read")
	}
	return time.Since(start), "", nil
}

// inflate inflates every part of a workbook once and does nothing else.
func inflate(f *os.File) (time.Duration, string, error) {
	start := time.Now()
	fi, err := f.Stat()
	if err != nil {
		return 0, "", err
	}
	zr, err := zip.NewReader(f, fi.Size())
	if err != nil {
		return 0, "", err
	}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			return 0, "", err
		}
		_, err = io.Copy(io.Discard, rc)
		if cerr := rc.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return 0, "", fmt.Errorf("%s: %w", zf.Name, err)
		}
	}
	return time.Since(start), "", nil
}

func mbPerSecond(bytes int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(bytes) / 1e6 / d.Seconds()
}

func formatFloat(f float64, prec int) string { return strconv.FormatFloat(f, 'f', prec, 64) }

// Generate writes one of the parser bench's synthetic inputs of about
// megabytes MB to path, so that a parser can be timed alone (`nyckeltal-bench
// gen`, then `nyckeltal-bench parse`, in turns with another build). kind: comt, exl2k,
// xlsx (the rows of that many MB of COMT), treserva or indicators.
func Generate(kind, path string, megabytes int64) (int64, error) {
	size := megabytes * 1_000_000
	switch kind {
	case "comt":
		return writeFile(path, func(w io.Writer) (int64, error) {
			n, _, err := samplegen.WriteWebFOCUSReport(w, size)
			return n, err
		})
	case "exl2k":
		return writeFile(path, func(w io.Writer) (int64, error) { return samplegen.WriteWebFOCUSEXL2K(w, size) })
	case "xlsx":
		_, rows, err := samplegen.WriteWebFOCUSReport(io.Discard, size)
		if err != nil {
			return 0, err
		}
		return writeFile(path, func(w io.Writer) (int64, error) { return samplegen.WriteWebFOCUSXLSX(w, rows) })
	case "treserva":
		return writeFile(path, func(w io.Writer) (int64, error) { return samplegen.WriteTreservaExtract(w, size) })
	case "indicators":
		return writeFile(path, func(w io.Writer) (int64, error) { return samplegen.WriteIndicatorFile(w, size) })
	}
	return 0, fmt.Errorf("no generator %q: use comt, exl2k, xlsx, treserva or indicators", kind)
}
