package outpath

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestGuard(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }
	for _, name := range []string{"s.duckdb", "pseudonym.key", "nyckeltal.toml", "mine.csv", "theirs.csv"} {
		if err := os.WriteFile(at(name), []byte(name), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(at("pseudonym.key"), at("link.html")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(at("nyckeltal.toml"), at("hard.csv")); err != nil {
		t.Fatal(err)
	}
	if err := Record(at("mine.csv")); err != nil {
		t.Fatal(err)
	}
	g := Guard{Store: at("s.duckdb"), Key: at("pseudonym.key"), Config: at("nyckeltal.toml")}
	forced := g
	forced.Force = true
	tests := []struct {
		path  string
		guard Guard
		want  error
	}{
		{at("new.csv"), g, nil},
		{at("mine.csv"), g, nil},
		{at("theirs.csv"), g, ErrNotOurs},
		{at("theirs.csv"), forced, nil},
		{at("s.duckdb"), forced, ErrProtected},
		{at("s.duckdb.wal"), forced, ErrProtected},
		{at("pseudonym.key"), forced, ErrProtected},
		{at("nyckeltal.toml"), forced, ErrProtected},
		{at("link.html"), forced, ErrProtected},
		{at("hard.csv"), forced, ErrProtected},
		{filepath.Join(dir, ".", "sub", "..", "s.duckdb"), forced, ErrProtected},
		{dir, forced, ErrNotOurs}, // a directory
	}
	for _, tt := range tests {
		if err := tt.guard.Check(tt.path); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("Check(%s, force %v) = %v, want %v", tt.path, tt.guard.Force, err, tt.want)
		}
	}
	// A file nyckeltal wrote and someone changed is not nyckeltal's any more.
	if err := os.WriteFile(at("mine.csv"), []byte("edited"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := g.Check(at("mine.csv")); !errors.Is(err, ErrNotOurs) {
		t.Fatalf("an edited output: %v", err)
	}
	if err := g.CheckDir(dir); !errors.Is(err, ErrProtected) {
		t.Fatalf("a directory holding the store: %v", err)
	}
	if err := g.CheckDir(filepath.Join(dir, "export")); err != nil {
		t.Fatal(err)
	}
	// A damaged record claims nothing.
	if err := os.WriteFile(at(ManifestName), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if ok, err := Written(at("mine.csv")); ok || err != nil {
		t.Fatalf("damaged record: %v %v", ok, err)
	}
}
