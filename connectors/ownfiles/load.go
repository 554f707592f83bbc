package ownfiles

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
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
	// MaxBytes refuses a larger file before it is read (0: the default of
	// tabular.Limits).
	MaxBytes int64
}

// ErrChanged means the file changed (its size, modification time or
// identity) while it was read, or between being read and being loaded: it
// is still being written, and is left for the next run.
var ErrChanged = errors.New("the file changed while it was read")

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

// Prepared is a file read and checked whole — everything that can be done
// without the store — waiting to be loaded. Preparing takes no lock: a
// command reads and checks its files first and takes the store's write lock
// only to load them (Load), so that a big or hostile file never holds the
// store while it is read.
type Prepared struct {
	res     Result
	path    string
	opts    Options
	parsed  *Parsed
	refusal *FileError
	size    int64
	info    os.FileInfo
	spent   time.Duration
}

// Result is what is known of the file so far.
func (pf *Prepared) Result() Result { return pf.res }

// Parsed is what the parser made of the file; nil when it was refused
// before it was read.
func (pf *Prepared) Parsed() *Parsed { return pf.parsed }

// Refusal is why the file will be refused, or nil.
func (pf *Prepared) Refusal() *FileError { return pf.refusal }

// fileInput is an open file as a tabular.Input of the size it had when it
// was opened: a file that grows meanwhile is read as it was (and then found
// changed).
type fileInput struct {
	f    *os.File
	size int64
}

func (fi fileInput) Size() int64 { return fi.size }

func (fi fileInput) ReadAt(p []byte, off int64) (int, error) {
	if off >= fi.size {
		return 0, io.EOF
	}
	short := false
	if rest := fi.size - off; int64(len(p)) > rest {
		p, short = p[:rest], true
	}
	n, err := fi.f.ReadAt(p, off)
	if err == nil && short {
		err = io.EOF
	}
	return n, err
}

// sameFile reports whether a and b describe the same file with the same
// size and modification time.
func sameFile(a, b os.FileInfo) bool {
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// LoadFile reads the file at path with p and loads it as one load, whole or
// not at all: Prepare, then Load. The same bytes loaded before are a no-op
// (unless opts.Force). A file with problems is refused with a *FileError
// (errors.Is ErrRefused) and recorded as a failed load, unless
// opts.SkipBadRows, which loads the good rows and writes the refused ones,
// masked, to a quarantine CSV.
func LoadFile(ctx context.Context, st *store.Store, p Parser, path string, opts Options) (Result, error) {
	pf, err := Prepare(ctx, p, path, opts)
	if err != nil {
		return pf.Result(), err
	}
	return pf.Load(ctx, st)
}

// Prepare reads and checks the file at path with p, without the store: its
// SHA-256, every row, every personnummer check. A file that cannot be loaded
// comes back with its Refusal, to be recorded by Load. An error is not the
// file's fault (it cannot be read, no pseudonym key, a cancelled context),
// or ErrChanged.
func Prepare(ctx context.Context, p Parser, path string, opts Options) (pf *Prepared, err error) {
	start := time.Now()
	// A file name may hold a personnummer too ("beslut_19121212-1212.csv");
	// what is stored, logged and printed names the file masked.
	name := personnummer.Mask(filepath.Base(path))
	pf = &Prepared{path: path, opts: opts, res: Result{Path: personnummer.Mask(path), File: name, Source: p.Source()}}
	defer func() {
		pf.spent = time.Since(start)
		pf.res.Duration = pf.spent
		pf.res.Notes = maskAll(pf.res.Notes)
		if err != nil && !errors.Is(err, ErrRefused) {
			err = maskedError{err}
		}
	}()
	f, err := os.Open(path)
	if err != nil {
		return pf, fmt.Errorf("reading %s: %w", path, err)
	}
	defer f.Close()
	before, err := f.Stat()
	if err != nil {
		return pf, fmt.Errorf("reading %s: %w", path, err)
	}
	if before.IsDir() {
		return pf, fmt.Errorf("reading %s: it is a directory", path)
	}
	pf.info, pf.size = before, before.Size()
	maxBytes := opts.MaxBytes
	if maxBytes <= 0 {
		maxBytes = tabular.DefaultLimits().MaxBytes
	}
	if pf.size > maxBytes {
		pf.refusal = refusal(name, 0, "", "filen är %d MiB; lokala uttag över %d MiB tas inte emot (local.limits.max_file_mb)",
			pf.size>>20, maxBytes>>20)
		return pf, nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, tabular.ContextReader(ctx, io.NewSectionReader(f, 0, pf.size))); err != nil {
		if ctx.Err() != nil {
			return pf, ctx.Err()
		}
		return pf, fmt.Errorf("reading %s: %w", path, err)
	}
	pf.res.SHA256 = hex.EncodeToString(h.Sum(nil))
	parsed, err := p.ParseFrom(ctx, name, fileInput{f: f, size: pf.size})
	var fe *FileError
	switch {
	case errors.As(err, &fe):
		pf.refusal = fe
	case err != nil:
		return pf, err
	}
	if changed, err := changedSince(path, before); err != nil || changed {
		if err == nil {
			err = fmt.Errorf("%s: %w; it is left for the next run", path, ErrChanged)
		}
		return pf, err
	}
	if pf.refusal != nil {
		return pf, nil
	}
	pf.parsed = parsed
	res := &pf.res
	res.Format = parsed.Format
	if errors.As(CheckParsed(name, parsed), &fe) {
		// Nothing the parser made is kept, not even its parameters.
		pf.parsed, pf.refusal = nil, fe
		return pf, nil
	}
	res.Rows, res.Skipped, res.Notes = parsed.Rows, parsed.Skipped, parsed.Notes
	res.RefusedRows = int64(parsed.NumRefused())
	switch {
	case parsed.NumProblems() > 0 && !opts.SkipBadRows:
		pf.refusal = &FileError{File: name, Problems: parsed.Problems, Total: parsed.NumProblems()}
	case parsed.NumRefused() > MaxRefusedRows:
		pf.refusal = &FileError{File: name, Problems: append([]Problem{{File: name, Reason: fmt.Sprintf(
			"fler än %d felaktiga rader: filen tas inte emot ens med --skip-bad-rows; rätta uttaget", MaxRefusedRows)}},
			parsed.Problems...), Total: 1 + parsed.NumProblems()}
	case parsed.Observations() == 0:
		why := "the file holds no data rows"
		if parsed.NumProblems() > 0 {
			why = "every data row was refused"
		}
		pf.refusal = &FileError{File: name, Problems: append([]Problem{{File: name, Reason: why}}, parsed.Problems...),
			Total: 1 + parsed.NumProblems()}
	}
	return pf, nil
}

// changedSince reports whether the file at path is no longer the file
// described by before.
func changedSince(path string, before os.FileInfo) (bool, error) {
	now, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return true, nil
		}
		return false, fmt.Errorf("reading %s: %w", path, err)
	}
	return !sameFile(before, now), nil
}

// Load loads a prepared file into st as one load (or records its refusal
// as a failed load). A file whose bytes were loaded before is Unchanged
// (unless Force); a file that changed since it was prepared is ErrChanged.
func (pf *Prepared) Load(ctx context.Context, st *store.Store) (res Result, err error) {
	start := time.Now()
	res = pf.res
	defer func() {
		res.Duration = pf.spent + time.Since(start)
		res.Notes = maskAll(res.Notes)
		if err != nil && !errors.Is(err, ErrRefused) {
			err = maskedError{err}
		}
	}()
	if !pf.opts.Force && res.SHA256 != "" {
		prev, err := st.LoadedFile(ctx, res.Source, res.SHA256)
		if err != nil {
			return res, err
		}
		if prev != nil {
			res.Outcome, res.PreviousLoad = Unchanged, prev.ID
			return res, nil
		}
	}
	if changed, err := changedSince(pf.path, pf.info); err != nil || changed {
		if err == nil {
			err = fmt.Errorf("%s: %w; it is left for the next run", pf.path, ErrChanged)
		}
		return res, err
	}
	if pf.refusal != nil {
		return refuse(ctx, st, res, pf.parsed, pf.size, pf.refusal)
	}
	parsed := pf.parsed
	res.TotalProblems = parsed.NumProblems()
	res.Problems = maskProblems(parsed.Problems[:min(len(parsed.Problems), MaxReported)])
	if len(parsed.Refused) > 0 {
		dir := pf.opts.QuarantineDir
		if dir == "" {
			dir = filepath.Dir(pf.path)
		}
		now := time.Now
		if pf.opts.Now != nil {
			now = pf.opts.Now
		}
		q, err := writeQuarantine(dir, res.File, now(), parsed)
		if err != nil {
			return res, err
		}
		res.Quarantine = q
	}
	res.Load, err = stage(ctx, st, res, parsed, pf.size, res.Path)
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
	// The observations and decisions are made from their compact form one
	// at a time and appended; DuckDB's appender sends them in batches.
	i := 0
	for o := range parsed.Values.All() {
		if i++; i%4096 == 0 && ctx.Err() != nil {
			return fail(ctx.Err())
		}
		if err := l.Stage(o); err != nil {
			return fail(err)
		}
	}
	// What the file delivers whole, derived from its values here, where it
	// is staged (see Values.Scopes).
	for _, sc := range parsed.Values.Scopes() {
		if err := l.StageScope(sc); err != nil {
			return fail(err)
		}
	}
	if parsed.Decisions != nil {
		all := parsed.Decisions.All()
		if d, ok := parsed.Decisions.(interface {
			Drain() iter.Seq[store.Decision]
		}); ok {
			all = d.Drain() // a big extract's decisions leave memory as they are staged
		}
		for d := range all {
			if i++; i%4096 == 0 && ctx.Err() != nil {
				return fail(ctx.Err())
			}
			if err := l.StageDecision(d); err != nil {
				return fail(err)
			}
		}
	}
	l.CountRead(int64(parsed.Observations()))
	return l.Commit(ctx)
}

// refuse records the refused file as a failed load and returns the report.
func refuse(ctx context.Context, st *store.Store, res Result, parsed *Parsed, size int64, fe *FileError) (Result, error) {
	res.Outcome = Refused
	res.TotalProblems = fe.Total
	res.Problems = maskProblems(fe.Problems[:min(len(fe.Problems), MaxReported)])
	if parsed != nil {
		res.Rows, res.Skipped, res.RefusedRows = parsed.Rows, parsed.Skipped, int64(parsed.NumRefused())
	}
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
	_, bomErr := tmp.WriteString("\uFEFF")
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
	if err := errors.Join(bomErr, w.Error(), tmp.Close()); err != nil {
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

// FileInput is an open file as a tabular.Input of its present size.
func FileInput(f *os.File) (tabular.Input, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return fileInput{f: f, size: fi.Size()}, nil
}
