package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// How a writer changes the store without ever disturbing its readers.
//
// DuckDB lets one process hold a file read-write or many hold it read-only,
// never both. So no writer opens the published file: it takes the write lock
// (<db>.lock, an OS file lock that dies with its process), copies the
// published file to a working copy (<db>.writing), writes there, checkpoints
// it, fsyncs it and renames it over the published file, which is atomic. A
// reader that opened the published file earlier keeps reading the old file
// (its inode) until it closes; a reader that opens it afterwards sees the new
// one. A writer that fails or is killed at any moment leaves the published
// file untouched; the next writer deletes its working copy. See
// docs/OPERATIONS.md.

// ErrPublishBlocked means the finished working copy could not replace the
// published file (on Windows: a program still has the file open). It is kept
// as <db>.pending and published by the next writer.
var ErrPublishBlocked = errors.New("the new state of the store could not replace the published file")

// Holder says who holds (or last held) the write lock. It is written to
// <db>.writer while the lock is held and removed when it is released, so a
// holder file found by the next writer names a writer that was killed.
type Holder struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Command string    `json:"command"`
	RunID   string    `json:"run_id,omitempty"`
	Job     string    `json:"job,omitempty"`
	Since   time.Time `json:"since"`
}

func (h Holder) String() string {
	s := "nyckeltal " + h.Command
	if h.Job != "" {
		s += " (job " + h.Job + ")"
	}
	return fmt.Sprintf("%s, pid %d on %s, since %s", s, h.PID, h.Host, h.Since.Local().Format("2006-01-02 15:04:05"))
}

// UpdateOptions describe the writer, for the lock holder file and messages.
type UpdateOptions struct {
	Command string // e.g. "run", "ingest kolada"
	RunID   string
	// Now is the clock for the holder file; time.Now when nil.
	Now func() time.Time
	// MemoryLimit caps DuckDB's memory while writing (see WithMemoryLimit).
	MemoryLimit string
}

// Update is one write session: the write lock, a working copy open
// read-write, and its publication.
type Update struct {
	path    string // the published file
	work    string // the working copy
	source  string // what the working copy was copied from (the published file or a pending one)
	lock    *flock.Flock
	st      *Store
	holder  Holder
	stale   *Holder
	ended   bool
	created bool // there was no published file before
}

// Paths of the files beside a published store.
func lockFile(path string) string    { return path + ".lock" }
func holderFile(path string) string  { return path + ".writer" }
func workFile(path string) string    { return path + ".writing" }
func pendingFile(path string) string { return path + ".pending" }

// UpdateStore runs fn on a working copy of the store at path and publishes
// the result. fn's error does not stop publication: every load is one
// transaction, so what a failed job leaves in the working copy is the
// previous data plus the record of its failure, which status must show. A
// panic in fn, a working copy that cannot be checkpointed, or a kill publish
// nothing.
func UpdateStore(ctx context.Context, path string, opts UpdateOptions, fn func(*Update) error) error {
	u, err := BeginUpdate(ctx, path, opts)
	if err != nil {
		return err
	}
	defer u.Discard()
	ferr := fn(u)
	// Publishing is quick and must happen even after a cancel, so that the
	// cancelled load's failure is recorded.
	if perr := u.Publish(context.WithoutCancel(ctx)); perr != nil {
		return errors.Join(ferr, perr)
	}
	return ferr
}

// BeginUpdate takes the write lock and opens a working copy of the store at
// path (creating a new store when there is none). A second writer gets
// ErrStoreBusy at once, naming the holder.
func BeginUpdate(ctx context.Context, path string, opts UpdateOptions) (*Update, error) {
	if path == "" {
		return nil, errors.New("opening store: empty path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("creating store directory: %w", err)
		}
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	fl := flock.New(lockFile(path))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("taking the write lock %s: %w", lockFile(path), err)
	}
	if !ok {
		if h, _ := ReadHolder(path); h != nil {
			return nil, fmt.Errorf("%w: %s is being written by %s", ErrStoreBusy, path, h)
		}
		return nil, fmt.Errorf("%w: %s is being written by another nyckeltal (lock %s)", ErrStoreBusy, path, lockFile(path))
	}
	host, _ := os.Hostname()
	u := &Update{path: path, work: workFile(path), lock: fl,
		holder: Holder{PID: os.Getpid(), Host: host, Command: opts.Command, RunID: opts.RunID, Since: now()}}
	ready := false
	defer func() {
		if !ready {
			u.Discard()
		}
	}()
	// A holder file under a lock we could take was left by a writer that was
	// killed: the OS released its lock, its working copy is worthless.
	if h, _ := ReadHolder(path); h != nil {
		u.stale = h
	}
	if err := u.writeHolder(); err != nil {
		return nil, err
	}
	pause("locked")
	if err := removeWorkFiles(path); err != nil {
		return nil, err
	}
	if err := u.makeWorkingCopy(ctx); err != nil {
		return nil, err
	}
	st, err := Open(ctx, u.work, ReadWrite, WithMemoryLimit(opts.MemoryLimit))
	if err != nil {
		return nil, err
	}
	st.path = path
	st.inUpdate = true
	u.st = st
	if u.stale != nil {
		if err := st.RecordInterrupted(ctx, *u.stale); err != nil {
			return nil, err
		}
	}
	ready = true
	return u, nil
}

// Store is the working copy, open read-write. Its Path is the published path.
func (u *Update) Store() *Store { return u.st }

// Stale is the holder of a killed writer whose lock this update took over, or
// nil.
func (u *Update) Stale() *Holder { return u.stale }

// SetJob names the job now running, for the holder file: a second writer's
// message, and the record of a kill.
func (u *Update) SetJob(job string) {
	u.holder.Job = job
	_ = u.writeHolder()
}

func (u *Update) writeHolder() error {
	b, err := json.Marshal(u.holder)
	if err != nil {
		return err
	}
	if err := os.WriteFile(holderFile(u.path), b, 0o644); err != nil {
		return fmt.Errorf("writing the lock holder file: %w", err)
	}
	return nil
}

// ReadHolder returns the writer named in the holder file beside path, or nil
// when there is none. It does not tell whether that writer still runs.
func ReadHolder(path string) (*Holder, error) {
	b, err := os.ReadFile(holderFile(path))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var h Holder
	if err := json.Unmarshal(b, &h); err != nil || h.PID == 0 {
		return nil, nil
	}
	return &h, nil
}

// PendingSince returns when a finished but unpublished working copy was left
// (see ErrPublishBlocked), or the zero time.
func PendingSince(path string) time.Time {
	fi, err := os.Stat(pendingFile(path))
	if err != nil {
		return time.Time{}
	}
	return fi.ModTime()
}

func removeWorkFiles(path string) error {
	for _, f := range []string{workFile(path), workFile(path) + ".wal", workFile(path) + ".tmp"} {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing a working copy left by an earlier writer: %w", err)
		}
	}
	return nil
}

// makeWorkingCopy copies the newest complete state (a pending file, else the
// published one) to the working copy.
func (u *Update) makeWorkingCopy(ctx context.Context) error {
	u.source = u.path
	if _, err := os.Stat(pendingFile(u.path)); err == nil {
		u.source = pendingFile(u.path)
	}
	if _, err := os.Stat(u.source); errors.Is(err, fs.ErrNotExist) {
		u.created = true
		return nil
	}
	if err := foldWAL(ctx, u.source); err != nil {
		return err
	}
	if err := copyFile(ctx, u.source, u.work); err != nil {
		return fmt.Errorf("copying %s to a working copy: %w", u.source, err)
	}
	pause("copied")
	return nil
}

// foldWAL checkpoints a write-ahead log that sits beside the published file:
// it means someone wrote to that file directly (an older nyckeltal, or a
// DuckDB client opened read-write), and a copy of the file alone would miss
// it. That needs a moment of exclusive access.
func foldWAL(ctx context.Context, path string) error {
	fi, err := os.Stat(path + ".wal")
	if err != nil {
		return nil
	}
	db, err := sql.Open("duckdb", path)
	if err == nil {
		_, err = db.ExecContext(ctx, query("Checkpoint"))
		if cerr := db.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("folding the write-ahead log %s (%d bytes) into the store: %w", path+".wal", fi.Size(), classifyOpenError(err))
	}
	return nil
}

// copyFile copies src to dst and syncs dst. On Linux io.Copy between files
// uses copy_file_range, which shares blocks on filesystems that can.
func copyFile(ctx context.Context, src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	// The first chunk separately, so the crash tests can stop a writer mid-copy.
	if _, err := io.CopyN(out, in, 1<<20); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	pause("copying")
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		return err
	}
	return out.Sync()
}

// Publish checkpoints the working copy and atomically replaces the published
// file with it, then releases the lock.
func (u *Update) Publish(ctx context.Context) error {
	if u.ended {
		return errors.New("publishing: the update already ended")
	}
	defer u.Discard()
	if _, err := u.st.db.ExecContext(ctx, query("Checkpoint")); err != nil {
		return fmt.Errorf("checkpointing the working copy: %w", err)
	}
	err := u.st.db.Close()
	u.st.db = nil
	if err != nil {
		return fmt.Errorf("closing the working copy: %w", err)
	}
	if fi, err := os.Stat(u.work + ".wal"); err == nil && fi.Size() > 0 {
		return fmt.Errorf("the working copy still has a write-ahead log after its checkpoint; not publishing it")
	}
	_ = os.Remove(u.work + ".wal")
	if err := syncFile(u.work); err != nil {
		return fmt.Errorf("syncing the working copy: %w", err)
	}
	pause("checkpointed")
	if err := replaceFile(ctx, u.work, u.path); err != nil {
		// Only a file in use (Windows) is ErrPublishBlocked, with its exit
		// code and hint; any other failure is said as what it is. Either
		// way the result is kept for the next writer.
		cause := fmt.Errorf("publishing the store: %w", err)
		if isFileInUse(err) {
			cause = fmt.Errorf("%w: %w", ErrPublishBlocked, err)
		}
		if perr := os.Rename(u.work, pendingFile(u.path)); perr != nil {
			return fmt.Errorf("%w (and keeping it as %s failed: %w)", cause, pendingFile(u.path), perr)
		}
		return fmt.Errorf("%w; it is kept as %s and the next writing command publishes it", cause, pendingFile(u.path))
	}
	if u.source != u.path {
		_ = os.Remove(u.source) // the pending file, now published
	}
	_ = syncDir(filepath.Dir(u.path))
	pause("published")
	u.st.runAfterPublish()
	return nil
}

// isFileInUse is fileInUse; a test stands in for Windows.
var isFileInUse = fileInUse

// replaceFile renames src over dst. On Windows that fails while another
// program has dst open (DuckDB opens files without FILE_SHARE_DELETE), so it
// is retried for a while before giving up.
var replaceFile = func(ctx context.Context, src, dst string) error {
	deadline := time.Now().Add(publishRetryFor)
	for {
		err := os.Rename(src, dst)
		if err == nil || runtime.GOOS != "windows" || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Second):
		}
	}
}

// publishRetryFor is how long a blocked rename is retried (Windows only).
const publishRetryFor = 2 * time.Minute

// Discard ends the update without publishing: the working copy is deleted and
// the lock released. It does nothing after Publish.
func (u *Update) Discard() {
	if u.ended {
		return
	}
	u.ended = true
	if u.st != nil && u.st.db != nil {
		_ = u.st.db.Close()
		u.st.db = nil
	}
	_ = removeWorkFiles(u.path)
	_ = os.Remove(holderFile(u.path))
	_ = u.lock.Unlock()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close() // the error of the sync is the one to report
		return err
	}
	return f.Close()
}

// syncDir makes a rename durable. Windows cannot open a directory for that;
// NTFS journals the rename itself.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// pause stops this process at a named point when NYCKELTAL_TEST_PAUSE_AT
// names it, so the crash tests can SIGKILL a writer exactly there. It prints
// one line to stderr first. Without the variable it does nothing.
func pause(point string) {
	want := os.Getenv("NYCKELTAL_TEST_PAUSE_AT")
	if want == "" || !strings.EqualFold(want, point) {
		return
	}
	fmt.Fprintf(os.Stderr, "nyckeltal-test: paused at %s\n", point)
	select {}
}
