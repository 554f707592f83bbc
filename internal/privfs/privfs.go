// Package privfs writes files that may hold personal data — rejected
// extracts, quarantine CSVs, .error.txt reports, archived extracts — so that
// only the account that runs nyckeltal can read them: files 0600 in
// directories 0700, whatever the umask and whatever mode an existing
// directory or a moved file had.
package privfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// File and Dir are the modes of private files and directories.
const (
	File fs.FileMode = 0o600
	Dir  fs.FileMode = 0o700
)

// MkdirAll makes dir, and its missing parents as ordinary directories (0755:
// a parent may be the store's own directory, which analysts read), and sets
// dir itself, new or old, to 0700.
func MkdirAll(dir string) error {
	dir = filepath.Clean(dir)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	if err := os.Mkdir(dir, Dir); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return os.Chmod(dir, Dir)
}

// WriteFile writes data to path (replacing it) with mode 0600, in a directory
// made private with MkdirAll.
func WriteFile(path string, data []byte) error {
	if err := MkdirAll(filepath.Dir(path)); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, File)
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	return errors.Join(werr, f.Chmod(File), f.Close())
}

// Move renames from into the private directory of to and makes it 0600:
// the file itself, as it is, never a copy, unless from and to lie on
// different file systems, where it is copied (0600 from the start) and the
// original removed.
func Move(from, to string) error {
	if err := MkdirAll(filepath.Dir(to)); err != nil {
		return err
	}
	if err := os.Rename(from, to); err != nil {
		if err := copyFile(from, to); err != nil {
			return fmt.Errorf("moving %s: %w", from, err)
		}
		if err := os.Remove(from); err != nil {
			return fmt.Errorf("moving %s: %w", from, err)
		}
	}
	return os.Chmod(to, File)
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, File)
	if err != nil {
		return err
	}
	_, werr := f.Write(b)
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		_ = os.Remove(to) // a half-written copy must not stay; the error above is the one to report
		return err
	}
	return nil
}
