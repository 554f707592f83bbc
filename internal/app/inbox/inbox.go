// Package inbox loads the files dropped into the inbox directories — one
// per local source — and moves each away afterwards: loaded (or already
// loaded) files to the archive, refused ones to the rejected directory with a
// .error.txt report beside them. Process is a plain function with a context
// so that the scheduler can run it as a job; `nyckeltal ingest inbox` is a
// thin wrapper around it.
package inbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/connectors/ownfiles"
	"github.com/nyckeltal/nyckeltal/internal/config"
	"github.com/nyckeltal/nyckeltal/internal/personnummer"
	"github.com/nyckeltal/nyckeltal/internal/privfs"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"github.com/nyckeltal/nyckeltal/internal/tabular"
)

// Options say where the inbox is and how to load.
type Options struct {
	InboxDir    string
	ArchiveDir  string
	RejectedDir string
	Sources     *Sources
	// SkipBadRows loads the good rows of files with bad rows; the refused
	// rows go to a quarantine CSV in the rejected directory.
	SkipBadRows bool
	// DeleteTreserva deletes loaded Treserva extracts instead of archiving
	// them (they hold personnummer).
	DeleteTreserva bool
	// Now names moved files.
	Now func() time.Time
	// Settle is how long a file must have been left alone (its size,
	// modification and change times) before it is loaded; 0 loads a file
	// as soon as it is whole (local.inbox_settle).
	Settle time.Duration
	// WallClock is the clock the file times are compared with (time.Now;
	// tests set it).
	WallClock func() time.Time
	// HeldForWriting tells which files other programs hold open for
	// writing; nil asks the system (Linux: /proc, best effort).
	HeldForWriting func([]os.FileInfo) []bool
	// MaxBytes refuses larger files before they are read (local.limits).
	MaxBytes int64
}

// FromConfig makes Options from the configuration ([local]).
func FromConfig(cfg *config.Config, so SourceOptions) (Options, error) {
	src, err := NewSources(cfg, so)
	if err != nil {
		return Options{}, err
	}
	return Options{InboxDir: cfg.Local.InboxDir, ArchiveDir: cfg.Local.ArchiveDir, RejectedDir: cfg.Local.RejectedDir,
		Sources: src, DeleteTreserva: !cfg.Local.Treserva.ArchiveExtracts, Now: time.Now,
		Settle: cfg.Local.InboxSettle.Duration, MaxBytes: cfg.Local.Limits.MaxFileMB << 20}, nil
}

// FileResult is what happened to one inbox file.
type FileResult struct {
	ownfiles.Result
	Dir string // webfocus, treserva or indikatorer
	// MovedTo is where the file went (archive or rejected); empty when it
	// stayed in the inbox or was deleted.
	MovedTo string
	Deleted bool
	// ErrorFile is the .error.txt beside a rejected file.
	ErrorFile string
	// Err is set when the file could not be processed for another reason
	// than its content (no pseudonym key, a store error); it stays in the
	// inbox for the next run.
	Err error
	// Waiting says why a file that is not yet complete was left in the
	// inbox for the next run (Swedish): it changed within the settle time,
	// a program holds it open for writing, it does not end as its format
	// does, or it changed while it was read.
	Waiting string
}

// Result sums up one run over the inbox.
type Result struct {
	Files []FileResult
	// Misplaced are files directly in the inbox directory, which are not
	// read: a file belongs in the directory of its source.
	Misplaced []string
	Loaded    int
	Unchanged int
	Refused   int
	Failed    int
	// Waiting counts the files not yet complete, left for the next run.
	Waiting int
}

// Summary is the one line a run prints about the inbox.
func (r *Result) Summary(inboxDir string) string {
	s := fmt.Sprintf("Inkorgen %s: %d laddade, %d redan laddade, %d avvisade, %d kvar till nästa körning", inboxDir,
		r.Loaded, r.Unchanged, r.Refused, r.Failed+r.Waiting)
	if r.Waiting > 0 {
		s += fmt.Sprintf(" (%d ännu inte kompletta: ", r.Waiting)
		var names []string
		for _, f := range r.Files {
			if f.Waiting != "" {
				names = append(names, fmt.Sprintf("%s/%s: %s", f.Dir, f.File, f.Waiting))
			}
		}
		if len(names) > 3 {
			names = append(names[:3], "…")
		}
		s += strings.Join(names, "; ") + ")"
	}
	return s
}

// Process loads every new, complete file of the inbox, oldest first, each
// as its own load: Prepare, then Batch.Load. It returns an error when a file
// could not be processed for a reason other than its content (the file
// stays in the inbox) or when ctx ends; refused files are not errors of
// Process, they are in the Result.
func Process(ctx context.Context, st *store.Store, o Options) (*Result, error) {
	b, err := Prepare(ctx, o)
	switch {
	case b == nil:
		return &Result{}, err
	case b.stopped != nil:
		return b.res, err
	}
	res, lerr := b.Load(ctx, st)
	return res, errors.Join(err, lerr)
}

// Batch is the inbox read and checked, waiting for the store.
type Batch struct {
	o     Options
	res   *Result
	ready []readyFile
	// stopped is the error that ended Prepare early (a cancelled context).
	stopped error
}

type readyFile struct {
	index    int // in res.Files
	file     inboxFile
	prepared *ownfiles.Prepared
}

// Prepare reads and checks every new file of the inbox without the store:
// a file is taken only when it is complete — left alone for o.Settle, held
// open for writing by no other program, ending as its format ends — and is
// then read and checked whole (ownfiles.Prepare). A file that is not yet
// complete, or that changes while it is read, is left for the next run and
// counted in Result.Waiting. Nothing is moved.
func Prepare(ctx context.Context, o Options) (*Batch, error) {
	if o.Sources == nil {
		return nil, errors.New("inbox: no sources")
	}
	o = o.withDefaults()
	b := &Batch{o: o, res: &Result{}}
	res := b.res
	files, err := listInbox(o.InboxDir)
	if err != nil {
		return nil, err
	}
	if entries, err := os.ReadDir(o.InboxDir); err == nil {
		for _, e := range entries {
			if e.Type().IsRegular() && !ignored(e.Name()) {
				res.Misplaced = append(res.Misplaced, e.Name())
			}
		}
	}
	infos := make([]os.FileInfo, len(files))
	for i, f := range files {
		infos[i] = f.info
	}
	held := o.HeldForWriting(infos)
	var errs []error
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			b.stopped = err
			return b, err
		}
		fr := FileResult{Dir: f.dir}
		fr.File, fr.Path, fr.Source = personnummer.Mask(filepath.Base(f.path)), personnummer.Mask(f.path), o.Sources.ForDir(f.dir).Source()
		if why := o.waiting(f, held[i]); why != "" {
			fr.Waiting = why
			res.Waiting++
			res.Files = append(res.Files, fr)
			continue
		}
		lo := ownfiles.Options{SkipBadRows: o.SkipBadRows, QuarantineDir: filepath.Join(o.RejectedDir, f.dir), Now: o.Now,
			MaxBytes: o.MaxBytes}
		pf, err := ownfiles.Prepare(ctx, o.Sources.ForDir(f.dir), f.path, lo)
		fr.Result = pf.Result()
		switch {
		case errors.Is(err, ownfiles.ErrChanged):
			fr.Waiting = "filen ändrades medan den lästes"
			res.Waiting++
		case err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)):
			res.Files = append(res.Files, fr)
			b.stopped = err
			return b, err
		case err != nil:
			res.Failed++
			fr.Err = err
			errs = append(errs, fmt.Errorf("%s/%s: %w", f.dir, filepath.Base(f.path), err))
		default:
			b.ready = append(b.ready, readyFile{index: len(res.Files), file: f, prepared: pf})
		}
		res.Files = append(res.Files, fr)
	}
	return b, errors.Join(errs...)
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.WallClock == nil {
		o.WallClock = time.Now
	}
	if o.HeldForWriting == nil {
		o.HeldForWriting = heldForWriting
	}
	return o
}

// waiting says why a file is not yet complete, or "".
func (o Options) waiting(f inboxFile, held bool) string {
	if held {
		return "ett annat program har filen öppen för skrivning"
	}
	if o.Settle > 0 {
		if age := o.WallClock().Sub(changed(f.info)); age < o.Settle {
			return fmt.Sprintf("filen ändrades för mindre än %s sedan (local.inbox_settle)", o.Settle)
		}
	}
	fh, err := os.Open(f.path)
	if err != nil {
		return "filen kunde inte öppnas: " + err.Error()
	}
	defer fh.Close()
	if ok, why := tabular.Complete(io.NewSectionReader(fh, 0, f.info.Size())); !ok {
		return why + ": den kan fortfarande skrivas"
	}
	return ""
}

// Ready counts the files read and checked, waiting to be loaded.
func (b *Batch) Ready() int { return len(b.ready) }

// Result is what Prepare found, before anything is loaded.
func (b *Batch) Result() *Result { return b.res }

// Load loads the prepared files into st, each as its own load. Files are
// moved (to the archive, or to rejected with their .error.txt) only once the
// store's new state is published (store.AfterPublish): a run that is killed
// or cannot publish leaves them in the inbox, and the next run loads them
// again. MovedTo, ErrorFile, Deleted and a failed move's Err are set then.
func (b *Batch) Load(ctx context.Context, st *store.Store) (*Result, error) {
	o, res := b.o, b.res
	var errs []error
	type pendingMove struct {
		index  int
		file   inboxFile
		reject bool
	}
	var moves []pendingMove
	defer func() {
		if len(moves) == 0 {
			return
		}
		st.AfterPublish(func() {
			for _, m := range moves {
				fr := &res.Files[m.index]
				do := o.archive
				if m.reject {
					do = o.reject
				}
				// A file that cannot be moved stays in the inbox; loading it
				// again is a no-op (same SHA-256), after which it is moved.
				if err := do(fr, m.file); err != nil {
					fr.Err = err
				}
			}
		})
	}()
	if b.stopped != nil {
		return res, b.stopped
	}
	for _, rf := range b.ready {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		fr := &res.Files[rf.index]
		var err error
		fr.Result, err = rf.prepared.Load(ctx, st)
		rf.prepared = nil // its rows are staged: let them go
		switch {
		case errors.Is(err, ownfiles.ErrRefused):
			res.Refused++
			moves = append(moves, pendingMove{index: rf.index, file: rf.file, reject: true})
		case errors.Is(err, ownfiles.ErrChanged):
			fr.Waiting = "filen ändrades efter att den lästes"
			res.Waiting++
		case err != nil:
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return res, err
			}
			res.Failed++
			fr.Err = err
			errs = append(errs, fmt.Errorf("%s/%s: %w", rf.file.dir, filepath.Base(rf.file.path), err))
		default:
			if fr.Outcome == ownfiles.Unchanged {
				res.Unchanged++
			} else {
				res.Loaded++
			}
			moves = append(moves, pendingMove{index: rf.index, file: rf.file})
		}
	}
	return res, errors.Join(errs...)
}

type inboxFile struct {
	dir, path string
	mod       time.Time
	info      os.FileInfo
}

// ignored are names of files being written or of editors' lock files.
func ignored(name string) bool {
	lower := strings.ToLower(name)
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~$") || strings.HasSuffix(name, "~") ||
		strings.HasSuffix(lower, ".part") || strings.HasSuffix(lower, ".tmp") || strings.HasSuffix(lower, ".crdownload") ||
		strings.HasSuffix(lower, ".error.txt")
}

// listInbox lists the files of every inbox directory, creating missing
// directories, ordered by directory, then oldest first, then by name (so a
// corrected file dropped after the first is loaded after it).
func listInbox(root string) ([]inboxFile, error) {
	var out []inboxFile
	for _, dir := range Dirs {
		p := filepath.Join(root, dir)
		mkdir := func(d string) error { return os.MkdirAll(d, 0o755) }
		if dir == DirTreserva {
			mkdir = privfs.MkdirAll // personal data
		}
		if err := mkdir(p); err != nil {
			return nil, fmt.Errorf("creating inbox directory: %w", err)
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, fmt.Errorf("reading inbox: %w", err)
		}
		var files []inboxFile
		for _, e := range entries {
			if !e.Type().IsRegular() || ignored(e.Name()) {
				continue
			}
			info, err := e.Info()
			if err != nil {
				continue // removed meanwhile
			}
			files = append(files, inboxFile{dir: dir, path: filepath.Join(p, e.Name()), mod: info.ModTime(), info: info})
		}
		sort.Slice(files, func(i, j int) bool {
			if !files[i].mod.Equal(files[j].mod) {
				return files[i].mod.Before(files[j].mod)
			}
			return files[i].path < files[j].path
		})
		out = append(out, files...)
	}
	return out, nil
}

// Pending reports whether any inbox directory holds a complete file to
// process, so that a frequent schedule costs nothing while the inbox is
// empty or its files are still being copied.
func Pending(o Options) (bool, error) {
	files, err := listInbox(o.InboxDir)
	if err != nil || len(files) == 0 {
		return false, err
	}
	o = o.withDefaults()
	infos := make([]os.FileInfo, len(files))
	for i, f := range files {
		infos[i] = f.info
	}
	held := o.HeldForWriting(infos)
	for i, f := range files {
		if o.waiting(f, held[i]) == "" {
			return true, nil
		}
	}
	return false, nil
}

func (o Options) archive(fr *FileResult, f inboxFile) error {
	if f.dir == DirTreserva && o.DeleteTreserva {
		if err := os.Remove(f.path); err != nil {
			return fmt.Errorf("deleting loaded extract %s: %w", f.path, err)
		}
		fr.Deleted = true
		return nil
	}
	to, err := move(f.path, filepath.Join(o.ArchiveDir, f.dir), o.Now())
	if err != nil {
		return err
	}
	fr.MovedTo = to
	return nil
}

func (o Options) reject(fr *FileResult, f inboxFile) error {
	to, err := move(f.path, filepath.Join(o.RejectedDir, f.dir), o.Now())
	if err != nil {
		return err
	}
	fr.MovedTo = to
	fr.ErrorFile = to + ".error.txt"
	return privfs.WriteFile(fr.ErrorFile, []byte(ErrorReport(fr.Result, o.Now())))
}

// ErrorReport is the text of a .error.txt: what was refused, why, and what
// to do. It holds no personnummer (the problems are masked).
func ErrorReport(r ownfiles.Result, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s avvisades av nyckeltal %s; inget av filen laddades.\n", r.File, swedish.Time(now))
	if r.Load.LoadID != 0 {
		fmt.Fprintf(&b, "Försöket är registrerat som laddning %d (misslyckad) av källan %s.\n", r.Load.LoadID, r.Source)
	}
	if r.Format != "" {
		fmt.Fprintf(&b, "Läst som: %s.\n", r.Format)
	}
	fmt.Fprintf(&b, "SHA-256: %s\n\n", r.SHA256)
	if r.TotalProblems > len(r.Problems) {
		fmt.Fprintf(&b, "%d problem; de första %d:\n", r.TotalProblems, len(r.Problems))
	} else {
		fmt.Fprintf(&b, "%d problem:\n", r.TotalProblems)
	}
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "  %s\n", p)
	}
	fmt.Fprintf(&b, "\nGör så här: rätta filen och lägg den i inkorgen igen, eller ladda filens felfria rader med\n"+
		"  nyckeltal ingest %s --skip-bad-rows FIL\n(de avvisade raderna skrivs då till en karantänfil, CSV).\n", r.Source)
	return b.String()
}

// move puts a file into dir under its name, or under name-2, name-3 … when
// that is taken, and returns the new path. Archived and rejected files may
// hold personal data (a Treserva extract dropped into the wrong folder, a
// file loaded with its personnummer masked): dir is 0700 and the file 0600,
// moved as it is.
func move(path, dir string, now time.Time) (string, error) {
	if err := privfs.MkdirAll(dir); err != nil {
		return "", fmt.Errorf("creating %s: %w", dir, err)
	}
	base := filepath.Base(path)
	ext := filepath.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	to := filepath.Join(dir, base)
	for i := 2; ; i++ {
		if _, err := os.Lstat(to); errors.Is(err, os.ErrNotExist) {
			break
		}
		to = filepath.Join(dir, fmt.Sprintf("%s-%d%s", stem, i, ext))
		if i > 10000 {
			to = filepath.Join(dir, fmt.Sprintf("%s-%s%s", stem, now.Format("20060102T150405.000000000"), ext))
			break
		}
	}
	if err := privfs.Move(path, to); err != nil {
		return "", fmt.Errorf("moving %s to %s: %w", path, dir, err)
	}
	return to, nil
}
