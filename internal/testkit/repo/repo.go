// Package repo finds the repository's files for tests, wherever the test's
// package sits: the root (the directory of go.mod) and ../shared beside it.
// Tests that need ../shared skip when it is absent, so a relative path that
// no longer points at it after a package moves would skip silently; a path
// from the root does not.
package repo

import (
	"path/filepath"
	"runtime"
)

// root is found from this file's own path, not the working directory: test
// binaries re-run themselves as child processes in temporary directories.
var root = func() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("repo: cannot locate the source")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}()

// Root is the repository's root directory.
func Root() string { return root }

// Path joins parts to the repository's root.
func Path(parts ...string) string { return filepath.Join(append([]string{root}, parts...)...) }

// Shared joins parts to ../shared beside the repository (the documents and
// the Kolada snapshot). Whether it exists is the test's to check.
func Shared(parts ...string) string {
	return filepath.Join(append([]string{filepath.Dir(root), "shared"}, parts...)...)
}
