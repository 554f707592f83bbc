// Package outpath decides whether nyckeltal may write an output file (every
// --out, and the files of the nightly "derived" job), and remembers which
// files it wrote.
//
// Two rules:
//
//   - The store (and the files beside it that share its name: .wal, the lock,
//     the working copy), the pseudonym key and the configuration are never
//     written, whatever the flags.
//   - An existing file is replaced only when nyckeltal wrote it and nobody
//     changed it since, or with --force.
//
// How nyckeltal knows its own files: every file it writes is recorded, by
// name and SHA-256 of its content, in the hidden file .nyckeltal-outputs.json
// of the same directory. An existing file whose name is listed there with the
// hash of its present content is nyckeltal's; any other existing file — one
// that was never written by nyckeltal, or was edited, replaced or copied in
// since — is not. The record survives renames of the directory (it moves
// along) but not a copy of one file to another directory, which then counts
// as someone else's. An in-file marker could not work for CSV, and a marker
// can be faked by pasting it; a hash of the content cannot.
package outpath

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ManifestName is the record of the files nyckeltal wrote in a directory.
const ManifestName = ".nyckeltal-outputs.json"

// ErrProtected means the path is the store, the key or the configuration.
var ErrProtected = errors.New("output path is protected")

// ErrNotOurs means the path holds a file that nyckeltal did not write (or
// that was changed since) and --force was not given.
var ErrNotOurs = errors.New("output file was not written by nyckeltal")

// Guard checks output paths.
type Guard struct {
	// Store, Key and Config are never written; empty ones are ignored.
	Store, Key, Config string
	// Force replaces existing files that nyckeltal did not write.
	Force bool
}

// Check says whether path may be written: not a protected file, not a
// directory, and either new, nyckeltal's own unchanged file, or Force.
func (g Guard) Check(path string) error {
	if err := g.checkProtected(path); err != nil {
		return err
	}
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("checking %s: %w", path, err)
	case fi.IsDir():
		return fmt.Errorf("%w: %s is a directory", ErrNotOurs, path)
	}
	if g.Force {
		return nil
	}
	ours, err := Written(path)
	if err != nil {
		return err
	}
	if !ours {
		return fmt.Errorf("%w: %s exists, and nyckeltal did not write it or it was changed since (no matching entry in %s)",
			ErrNotOurs, path, ManifestName)
	}
	return nil
}

// CheckDir says whether a directory that is replaced as a whole (an export)
// may be: it must not be, or hold, a protected file.
func (g Guard) CheckDir(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for _, p := range g.protected() {
		pa, err := filepath.Abs(p)
		if err != nil {
			continue
		}
		if rel, err := filepath.Rel(abs, pa); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return fmt.Errorf("%w: %s holds %s", ErrProtected, dir, p)
		}
	}
	return nil
}

func (g Guard) protected() []string {
	var out []string
	for _, p := range []string{g.Store, g.Key, g.Config} {
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return out
}

// checkProtected compares by file identity (hard and symbolic links too) and
// by path; the store also protects the files beside it that start with its
// name (store.duckdb.wal, the lock, the working copy).
func (g Guard) checkProtected(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	target, statErr := os.Stat(path)
	for _, p := range g.protected() {
		pa, err := filepath.Abs(p)
		if err != nil {
			continue
		}
		what := map[string]string{g.Store: "the store", g.Key: "the pseudonym key", g.Config: "the configuration"}[p]
		same := pa == abs
		if fi, err := os.Stat(p); err == nil && statErr == nil && os.SameFile(fi, target) {
			same = true
		}
		if p == g.Store && filepath.Dir(pa) == filepath.Dir(abs) && strings.HasPrefix(filepath.Base(abs), filepath.Base(pa)+".") {
			same = true
		}
		if same {
			return fmt.Errorf("%w: %s is %s (%s)", ErrProtected, path, what, p)
		}
	}
	return nil
}

// Written reports whether path is a file nyckeltal wrote and nobody changed
// since.
func Written(path string) (bool, error) {
	m, err := readManifest(filepath.Dir(path))
	if err != nil {
		return false, err
	}
	want, ok := m.Files[filepath.Base(path)]
	if !ok {
		return false, nil
	}
	got, err := hashFile(path)
	if err != nil {
		return false, err
	}
	return got == want, nil
}

// Record notes path, as it is now, as written by nyckeltal.
func Record(paths ...string) error {
	byDir := map[string][]string{}
	for _, p := range paths {
		byDir[filepath.Dir(p)] = append(byDir[filepath.Dir(p)], p)
	}
	dirs := make([]string, 0, len(byDir))
	for d := range byDir {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for _, dir := range dirs {
		m, err := readManifest(dir)
		if err != nil {
			return err
		}
		for _, p := range byDir[dir] {
			h, err := hashFile(p)
			if err != nil {
				return fmt.Errorf("recording %s: %w", p, err)
			}
			m.Files[filepath.Base(p)] = h
		}
		if err := writeManifest(dir, m); err != nil {
			return err
		}
	}
	return nil
}

type manifest struct {
	About string            `json:"about"`
	Files map[string]string `json:"files"` // name → SHA-256 of the content nyckeltal wrote
}

func readManifest(dir string) (*manifest, error) {
	m := &manifest{Files: map[string]string{}}
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", filepath.Join(dir, ManifestName), err)
	}
	if err := json.Unmarshal(b, m); err != nil {
		// A damaged record claims nothing: every file counts as someone else's.
		return &manifest{Files: map[string]string{}}, nil
	}
	if m.Files == nil {
		m.Files = map[string]string{}
	}
	return m, nil
}

func writeManifest(dir string, m *manifest) error {
	m.About = "The files nyckeltal wrote in this directory and the SHA-256 of their content; " +
		"nyckeltal replaces only these, unchanged, unless --force (docs/SECURITY.md)."
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ManifestName+".*.tmp")
	if err != nil {
		return fmt.Errorf("recording outputs: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		_ = tmp.Close() // the error of the writing is the one to report
		return fmt.Errorf("recording outputs: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("recording outputs: %w", err)
	}
	_ = os.Chmod(tmp.Name(), 0o644)
	if err := os.Rename(tmp.Name(), filepath.Join(dir, ManifestName)); err != nil {
		return fmt.Errorf("recording outputs: %w", err)
	}
	return nil
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
