// Package golden compares test output with golden files under testdata/.
// `go test ./PACKAGE -update` rewrites them; review the diff before
// committing. Only tests import it.
package golden

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

var update = testingFlag()

// Update reports whether the test run was given -update.
func Update() bool { return *update }

// Check compares got with the file at path, after writing got there when
// the run was given -update.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("output differs from %s (run go test with -update, then review the diff); got:\n%s", path, clip(got, 4000))
	}
}

// CheckString is Check for text.
func CheckString(t testing.TB, path, got string) {
	t.Helper()
	Check(t, path, []byte(got))
}

func clip(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	return append(append([]byte(nil), b[:n]...), "…"...)
}
