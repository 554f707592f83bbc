//go:build linux

package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// mountTmpfs mounts a small tmpfs at dir, so that a test can fill a disk or
// make it read-only. It needs root (CI runs as root); elsewhere the test
// skips.
func mountTmpfs(t *testing.T, dir, size string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dir, syscall.MNT_DETACH) })
}

func TestFullDiskLeavesThePublishedStoreAsItWas(t *testing.T) {
	h := newHarness(t)
	// A first store of the same data elsewhere tells how big it is.
	h.mustRun("ingest", "kolada")
	fi, err := os.Stat(h.db)
	if err != nil {
		t.Fatal(err)
	}
	// Room for the published store and a little, not for a working copy.
	disk := filepath.Join(h.dir, "small-disk")
	mountTmpfs(t, disk, strconv.FormatInt(fi.Size()*3/2, 10))
	db := filepath.Join(disk, "nyckeltal.duckdb")
	if err := copyBytes(h.db, db); err != nil {
		t.Fatal(err)
	}
	before := sha(t, db)
	h.revise(3, 1)

	_, errs, code := h.run("--db", db, "ingest", "kolada")
	if code == ExitOK || !strings.Contains(errs, "no space left") || !strings.Contains(errs, "the disk of the store is full") {
		t.Fatalf("a full disk: exit %d\n%s", code, errs)
	}
	if sha(t, db) != before {
		t.Fatal("a full disk changed the published store")
	}
	for _, f := range []string{db + ".writing", db + ".writing.wal", db + ".writer"} {
		if _, err := os.Stat(f); err == nil {
			t.Fatalf("%s is left on the full disk", filepath.Base(f))
		}
	}
	// Nothing is lost: readers still read it.
	if out := h.mustRun("--db", db, "status"); !strings.Contains(out, "kolada") {
		t.Fatalf("status after a full disk:\n%s", out)
	}
}

func TestReadOnlyStoreIsReadableButNotWritable(t *testing.T) {
	h := newHarness(t)
	disk := filepath.Join(h.dir, "ro-disk")
	mountTmpfs(t, disk, "64m")
	db := filepath.Join(disk, "nyckeltal.duckdb")
	h.mustRun("--db", db, "ingest", "kolada")
	before := sha(t, db)
	if err := syscall.Mount("", disk, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Skipf("cannot remount read-only: %v", err)
	}

	_, errs, code := h.run("--db", db, "ingest", "kolada")
	if code == ExitOK || !strings.Contains(errs, "read-only file system") || !strings.Contains(errs, "the store's directory (or the file) cannot be written") {
		t.Fatalf("writing a read-only store: exit %d\n%s", code, errs)
	}
	if sha(t, db) != before {
		t.Fatal("the read-only store changed")
	}
	for _, args := range [][]string{{"status"}, {"sql", "SELECT count(*) FROM observation"}, {"gap", "--area", "ifo"}} {
		if _, errs, code := h.run(append([]string{"--db", db}, args...)...); code != ExitOK {
			t.Fatalf("%v on a read-only store: exit %d\n%s", args, code, errs)
		}
	}
}

func copyBytes(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}
