package localfile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/personnummer"
	"github.com/nyckeltal/nyckeltal/internal/privfs"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/tabular"
	"github.com/nyckeltal/nyckeltal/internal/textsafe"
)

// Outcomes of a file.
const (
	Loaded    = "loaded"    // its values are in the store (maybe without its refused rows)
	Unchanged = "unchanged" // the same bytes were loaded before: nothing done
	Refused   = "refused"   // nothing of it was loaded
)

// Options steer LoadFile.
type Options struct {
	// SkipBadRows loads the good rows of a file with bad rows and writes the
	// bad ones to a quarantine CSV instead of refusing the whole file.
	SkipBadRows bool
	// QuarantineDir receives the quarantine CSVs (default: beside the file).
	QuarantineDir string
	// Force loads a file even when the same bytes were loaded before.
	Force bool
	// Now names quarantine files.
	Now func() time.Time
}

// Result is what happened to one file.
type Result struct {
	Path   string
	File   string
	Source string
	Format string
	SHA256 string
	// Outcome is Loaded, Unchanged or Refused.
	Outcome string
	// Load is the load that read the file (also for a refused file, whose
	// load is recorded as failed); PreviousLoad the one that read the same
	// bytes before, for Unchanged.
	Load         store.LoadResult
	PreviousLoad int64
	Rows         int64
	Skipped      int64
	RefusedRows  int64
	// Problems are the first MaxReported problems (masked); TotalProblems
	// counts them all.
	Problems      []Problem
	TotalProblems int
	Quarantine    string
	Notes         []string
	Indicators    int
	// Duration is how long reading, checking and loading the file took.
	Duration time.Duration
}

// LoadFile reads the file at path with p and loads it as one load, whole or
// not at all. The same bytes loaded before are a no-op (unless opts.Force).
// A file with problems is refused with a *FileError (errors.Is ErrRefused)
// and recorded as a failed load, unless opts.SkipBadRows, which loads the
// good rows and writes the refused ones, masked, to a quarantine CSV.
func LoadFile(ctx context.Context, st *store.Store, p Parser, path string, opts Options) (res Result, err error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	start := time.Now()
	defer func() {
		res.Duration = time.Since(start)
		res.Notes = maskAll(res.Notes)
		if err != nil && !errors.Is(err, ErrRefused) {
			err = maskedError{err}
		}
	}()
	// A file name may hold a personnummer too ("beslut_19121212-1212.csv");
	// what is stored, logged and printed names the file masked.
	name := personnummer.Mask(filepath.Base(path))
	res = Result{Path: personnummer.Mask(path), File: name, Source: p.Source()}
	fi, err := os.Stat(path)
	if err != nil {
		return res, fmt.Errorf("reading %s: %w", path, err)
	}
	if fi.IsDir() {
		return res, fmt.Errorf("reading %s: it is a directory", path)
	}
	if fi.Size() > tabular.MaxFileBytes {
		return refuse(ctx, st, res, nil, 0, Refuse(name, 0, "", "the file is %d MB; local extracts above %d MB are refused",
			fi.Size()>>20, tabular.MaxFileBytes>>20).(*FileError))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return res, fmt.Errorf("reading %s: %w", path, err)
	}
	sum := sha256.Sum256(data)
	res.SHA256 = hex.EncodeToString(sum[:])
	if !opts.Force {
		prev, err := st.LoadedFile(ctx, p.Source(), res.SHA256)
		if err != nil {
			return res, err
		}
		if prev != nil {
			res.Outcome, res.PreviousLoad = Unchanged, prev.ID
			return res, nil
		}
	}
	parsed, err := p.Parse(ctx, name, data)
	var fe *FileError
	if errors.As(err, &fe) {
		return refuse(ctx, st, res, nil, int64(len(data)), fe)
	}
	if err != nil {
		return res, err
	}
	if errors.As(CheckParsed(name, parsed), &fe) {
		// Nothing the parser made is kept, not even its parameters.
		res.Format = parsed.Format
		return refuse(ctx, st, res, nil, int64(len(data)), fe)
	}
	res.Format, res.Rows, res.Skipped, res.Notes = parsed.Format, parsed.Rows, parsed.Skipped, parsed.Notes
	res.RefusedRows = int64(len(parsed.Refused))
	if len(parsed.Problems) > 0 && !opts.SkipBadRows {
		fe := &FileError{File: name, Problems: parsed.Problems, Total: len(parsed.Problems)}
		return refuse(ctx, st, res, parsed, int64(len(data)), fe)
	}
	if len(parsed.Observations) == 0 {
		why := "the file holds no data rows"
		if len(parsed.Problems) > 0 {
			why = "every data row was refused"
		}
		fe := &FileError{File: name, Problems: append([]Problem{{File: name, Reason: why}}, parsed.Problems...),
			Total: 1 + len(parsed.Problems)}
		return refuse(ctx, st, res, parsed, int64(len(data)), fe)
	}
	res.TotalProblems = len(parsed.Problems)
	res.Problems = maskProblems(parsed.Problems[:min(len(parsed.Problems), MaxReported)])
	if len(parsed.Refused) > 0 {
		dir := opts.QuarantineDir
		if dir == "" {
			dir = filepath.Dir(path)
		}
		q, err := writeQuarantine(dir, name, opts.Now(), parsed)
		if err != nil {
			return res, err
		}
		res.Quarantine = q
	}
	res.Load, err = stage(ctx, st, res, parsed, int64(len(data)), res.Path)
	if err != nil {
		if res.Quarantine != "" {
			_ = os.Remove(res.Quarantine)
			res.Quarantine = ""
		}
		return res, err
	}
	res.Outcome = Loaded
	res.Indicators = len(parsed.Indicators)
	return res, nil
}

func fileInfo(res Result, parsed *Parsed, size int64, problems []Problem) *store.FileInfo {
	fi := &store.FileInfo{Name: res.File, SHA256: res.SHA256, Bytes: size, Format: res.Format,
		Rows: res.Rows, Skipped: res.Skipped, Refused: res.RefusedRows, Quarantine: res.Quarantine}
	if len(problems) > 0 {
		fi.Problems = problems
	}
	if parsed != nil {
		fi.Format = parsed.Format
	}
	return fi
}

func params(res Result, parsed *Parsed, path string) map[string]any {
	out := map[string]any{"file": res.File, "path": path}
	if parsed != nil {
		for k, v := range parsed.Params {
			out[k] = v
		}
	}
	return out
}

func stage(ctx context.Context, st *store.Store, res Result, parsed *Parsed, size int64, path string) (store.LoadResult, error) {
	l, err := st.BeginLoad(ctx, store.LoadSpec{Source: res.Source, Mode: "file", Params: params(res, parsed, path),
		File: fileInfo(res, parsed, size, res.Problems)})
	if err != nil {
		return store.LoadResult{}, err
	}
	defer l.Abort(ctx)
	fail := func(err error) (store.LoadResult, error) {
		return store.LoadResult{}, errors.Join(err, l.Fail(ctx, err))
	}
	for _, li := range parsed.Indicators {
		if err := l.StageLocalIndicator(li); err != nil {
			return fail(err)
		}
	}
	for i, o := range parsed.Observations {
		if i%4096 == 0 && ctx.Err() != nil {
			return fail(ctx.Err())
		}
		if err := l.Stage(o); err != nil {
			return fail(err)
		}
	}
	for _, sc := range parsed.Scopes {
		if err := l.StageScope(sc); err != nil {
			return fail(err)
		}
	}
	for _, d := range parsed.Decisions {
		if err := l.StageDecision(d); err != nil {
			return fail(err)
		}
	}
	l.CountRead(int64(len(parsed.Observations)))
	return l.Commit(ctx)
}

// refuse records the refused file as a failed load and returns the report.
func refuse(ctx context.Context, st *store.Store, res Result, parsed *Parsed, size int64, fe *FileError) (Result, error) {
	res.Outcome = Refused
	res.TotalProblems = fe.Total
	res.Problems = maskProblems(fe.Problems[:min(len(fe.Problems), MaxReported)])
	masked := &FileError{File: res.File, Problems: res.Problems, Total: fe.Total}
	if parsed != nil {
		res.Format = parsed.Format
	}
	l, err := st.BeginLoad(ctx, store.LoadSpec{Source: res.Source, Mode: "file", Params: params(res, parsed, res.Path),
		File: fileInfo(res, parsed, size, res.Problems)})
	if err != nil {
		return res, errors.Join(masked, err)
	}
	if err := l.Fail(ctx, masked); err != nil {
		return res, errors.Join(masked, err)
	}
	res.Load = store.LoadResult{LoadID: l.ID(), Source: res.Source, Mode: "file", Status: store.StatusFailed, Error: masked.Error()}
	return res, masked
}

// writeQuarantine writes the refused rows, masked, as a CSV that Excel opens
// (UTF-8 with BOM, ';'): line, reasons, then the row's cells.
func writeQuarantine(dir, name string, now time.Time, parsed *Parsed) (string, error) {
	if err := privfs.MkdirAll(dir); err != nil {
		return "", fmt.Errorf("creating quarantine directory: %w", err)
	}
	path := filepath.Join(dir, fmt.Sprintf("%s.%s.refused-rows.csv", name, now.Format("20060102T150405")))
	tmp, err := os.CreateTemp(dir, ".quarantine-*")
	if err != nil {
		return "", fmt.Errorf("writing quarantine file: %w", err)
	}
	defer os.Remove(tmp.Name())
	tmp.WriteString("\uFEFF")
	w := textsafe.NewCSVWriter(tmp) // the cells come from someone else's file
	w.Comma = ';'
	header := []string{"rad", "orsak"}
	for _, h := range parsed.Header {
		header = append(header, personnummer.Mask(h))
	}
	w.Write(header)
	for _, r := range parsed.Refused {
		rec := []string{strconv.Itoa(r.Line), personnummer.Mask(joinReasons(r.Reasons))}
		for _, c := range r.Cells {
			rec = append(rec, personnummer.Mask(c))
		}
		w.Write(rec)
	}
	w.Flush()
	if err := errors.Join(w.Error(), tmp.Close()); err != nil {
		return "", fmt.Errorf("writing quarantine file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("writing quarantine file: %w", err)
	}
	if err := os.Chmod(path, privfs.File); err != nil {
		return "", fmt.Errorf("writing quarantine file: %w", err)
	}
	return path, nil
}

func joinReasons(rs []string) string {
	out := ""
	for i, r := range rs {
		if i > 0 {
			out += "; "
		}
		out += r
	}
	return out
}

func maskAll(ss []string) []string {
	for i, s := range ss {
		ss[i] = personnummer.Mask(s)
	}
	return ss
}

// maskedError masks personnummer in an error's text and keeps its chain for
// errors.Is.
type maskedError struct{ err error }

func (e maskedError) Error() string { return personnummer.Mask(e.err.Error()) }
func (e maskedError) Unwrap() error { return e.err }
