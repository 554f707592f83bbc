//go:build unix

package bench

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/config"
	"github.com/nyckeltal/nyckeltal/internal/inbox"
	"github.com/nyckeltal/nyckeltal/internal/localfile"
	"github.com/nyckeltal/nyckeltal/internal/samplegen"
)

// ParserFigures are the parsers' throughput against encoding/csv reading
// the same bytes: the floor any CSV-shaped parser stands on.
type ParserFigures struct {
	Kind   string
	Bytes  int64
	Parser measured
	CSV    measured
	// ParseTime and CSVTime are the times of the parse alone, measured in the
	// subprocess (its start and the file read are left out).
	ParseTime, CSVTime time.Duration
}

func runParsers(ctx context.Context, cfg Config, dir string) ([]ParserFigures, error) {
	var out []ParserFigures
	for _, kind := range []string{"webfocus", "treserva"} {
		file := filepath.Join(dir, kind+".csv")
		size, err := writeSample(kind, file, cfg.ParserBytes)
		if err != nil {
			return nil, err
		}
		f := ParserFigures{Kind: kind, Bytes: size}
		if f.Parser, err = runMeasured(ctx, nil, cfg.Self, "parse", "--kind", kind, file); err != nil {
			return nil, err
		}
		if f.CSV, err = runMeasured(ctx, nil, cfg.Self, "parse", "--kind", "csv", file); err != nil {
			return nil, err
		}
		if f.ParseTime, err = time.ParseDuration(strings.TrimSpace(f.Parser.Stdout)); err != nil {
			return nil, fmt.Errorf("parse output %q: %w", f.Parser.Stdout, err)
		}
		if f.CSVTime, err = time.ParseDuration(strings.TrimSpace(f.CSV.Stdout)); err != nil {
			return nil, fmt.Errorf("csv output %q: %w", f.CSV.Stdout, err)
		}
		out = append(out, f)
	}
	return out, nil
}

// writeSample writes a synthetic export of about size bytes (samplegen).
func writeSample(kind, path string, size int64) (int64, error) {
	var data []byte
	switch kind {
	case "webfocus":
		data = samplegen.WebFOCUSReport(int(size))
	case "treserva":
		var err error
		if data, err = samplegen.TreservaExtract(int(size)); err != nil {
			return 0, err
		}
	default:
		return 0, fmt.Errorf("no sample of kind %q", kind)
	}
	return int64(len(data)), os.WriteFile(path, data, 0o644)
}

// Parse runs one parser over a file and returns the time of the parse alone.
func Parse(ctx context.Context, kind, path string) (time.Duration, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	var parse func() (*localfile.Parsed, error)
	switch kind {
	case "webfocus", "treserva":
		// The parsers as `nyckeltal ingest` builds them, from the defaults.
		cfg := config.Defaults()
		key := filepath.Join(filepath.Dir(path), "pseudonym.key")
		if err := os.WriteFile(key, []byte("bench key, never used for real data"), 0o600); err != nil {
			return 0, err
		}
		cfg.Local.PseudonymKeyFile = key
		src, err := inbox.NewSources(&cfg, inbox.SourceOptions{})
		if err != nil {
			return 0, err
		}
		dir := inbox.DirWebFOCUS
		if kind == "treserva" {
			dir = inbox.DirTreserva
		}
		p := src.ForDir(dir)
		parse = func() (*localfile.Parsed, error) { return p.ParseFrom(ctx, filepath.Base(path), bytes.NewReader(data)) }
	case "csv":
		start := time.Now()
		r := csv.NewReader(bytes.NewReader(data))
		r.Comma = ';'
		if bytes.HasPrefix(data, []byte(`"`)) {
			r.Comma = ','
		}
		r.FieldsPerRecord = -1
		n := 0
		for {
			rec, err := r.Read()
			if err != nil {
				break
			}
			n += len(rec)
		}
		if n == 0 {
			return 0, fmt.Errorf("csv: nothing read")
		}
		return time.Since(start), nil
	default:
		return 0, fmt.Errorf("no parser %q", kind)
	}
	start := time.Now()
	parsed, err := parse()
	if err != nil {
		return 0, err
	}
	if parsed.Observations() == 0 || len(parsed.Problems) > 0 {
		return 0, fmt.Errorf("%s: %d observations, problems: %v", kind, parsed.Observations(), parsed.Problems[:min(3, len(parsed.Problems))])
	}
	return time.Since(start), nil
}

func mbPerSecond(bytes int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(bytes) / 1e6 / d.Seconds()
}

func formatFloat(f float64, prec int) string { return strconv.FormatFloat(f, 'f', prec, 64) }
