//go:build !windows

package privfs

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Not parallel: it sets the process's umask.
func TestPrivateWhateverTheUmask(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	root := t.TempDir()
	dir := filepath.Join(root, "rejected", "webfocus")
	if err := os.MkdirAll(dir, 0o777); err != nil { // an old, open directory
		t.Fatal(err)
	}
	src := filepath.Join(root, "inbox.csv")
	if err := os.WriteFile(src, []byte("personnummer;enhet\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	to := filepath.Join(dir, "inbox.csv")
	if err := Move(src, to); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(to+".error.txt", []byte("refused")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(filepath.Join(root, "new", "q.csv"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{dir: Dir, to: File, to + ".error.txt": File,
		filepath.Join(root, "new"): Dir, filepath.Join(root, "new", "q.csv"): File} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode().Perm(), want)
		}
	}
	if _, err := os.Stat(src); !os.IsNotExist(err) {
		t.Fatal("the moved file is still in the inbox")
	}
}
