package inbox

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/config"
	"github.com/nyckeltal/nyckeltal/internal/personnummer"
	"github.com/nyckeltal/nyckeltal/internal/store"
)

func setup(t *testing.T) (*store.Store, Options) {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(t.Context(), filepath.Join(dir, "s.duckdb"), store.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	cfg := config.Defaults()
	cfg.HomeMunicipality = "9001"
	cfg.Local.InboxDir, cfg.Local.ArchiveDir, cfg.Local.RejectedDir =
		filepath.Join(dir, "inbox"), filepath.Join(dir, "archive"), filepath.Join(dir, "rejected")
	o, err := FromConfig(&cfg, SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The files a test puts are old enough for the settle time.
	o.WallClock = func() time.Time { return time.Now().Add(2 * o.Settle) }
	return st, o
}

func put(t *testing.T, o Options, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(o.InboxDir, dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// A file that cannot be processed for another reason than its content (here:
// no pseudonym key) stays in the inbox; the others are loaded.
func TestProcessLeavesWhatItCannotDo(t *testing.T) {
	st, o := setup(t)
	extract := put(t, o, DirTreserva, "beslut.csv", "Personnummer;Insats;Beslutsdatum;Beslut;Verkställighetsdatum\n")
	put(t, o, DirIndicators, "a.csv", "indikator;period;värde\nX_A;2024;1\n")
	put(t, o, DirIndicators, "~$a.csv", "Excel's lock file")
	put(t, o, "", "lost.csv", "indikator;period;värde\nX_A;2024;1\n")
	res, err := Process(t.Context(), st, o)
	if !errors.Is(err, personnummer.ErrNoKey) || res.Loaded != 1 || res.Failed != 1 || res.Refused != 0 ||
		len(res.Misplaced) != 1 || res.Misplaced[0] != "lost.csv" {
		t.Fatalf("%+v %v", res, err)
	}
	if _, err := os.Stat(extract); err != nil {
		t.Fatal("the extract left the inbox without being loaded")
	}
	// Files move only once the store is published (here: closed).
	if _, err := os.Stat(filepath.Join(o.InboxDir, DirIndicators, "a.csv")); err != nil {
		t.Fatal("the loaded file left the inbox before the store was published")
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(o.ArchiveDir, DirIndicators, "a.csv")); err != nil {
		t.Fatal("the loaded file was not archived")
	}
	if _, err := os.Stat(filepath.Join(o.InboxDir, DirIndicators, "~$a.csv")); err != nil {
		t.Fatal("a lock file was touched")
	}
}

func TestProcessStopsWhenCancelled(t *testing.T) {
	st, o := setup(t)
	put(t, o, DirIndicators, "a.csv", "indikator;period;värde\nX_A;2024;1\n")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	res, err := Process(ctx, st, o)
	if !errors.Is(err, context.Canceled) || len(res.Files) != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	if _, err := os.Stat(filepath.Join(o.InboxDir, DirIndicators, "a.csv")); err != nil {
		t.Fatal("a cancelled run moved a file")
	}
}

func TestDeleteLoadedExtracts(t *testing.T) {
	st, o := setup(t)
	key := filepath.Join(t.TempDir(), "k")
	if err := os.WriteFile(key, []byte("q2JYzX0mL9u7f1cQWm1d2vRk8e3pT6yH"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.HomeMunicipality = "9001"
	cfg.Local = config.DefaultLocal()
	cfg.Local.PseudonymKeyFile = key
	src, err := NewSources(&cfg, SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	o.Sources, o.DeleteTreserva = src, true
	p := put(t, o, DirTreserva, "beslut.csv", "Personnummer;Insats;Ansökningsdatum;Beslutsdatum;Beslut;Verkställighetsdatum\n"+
		"19400101-0018;Särskilt boende;2024-01-02;2024-01-20;Bifall;2024-05-06\n")
	res, err := Process(t.Context(), st, o)
	if err != nil || res.Loaded != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if !res.Files[0].Deleted {
		t.Fatalf("extract not deleted once published: %+v", res.Files[0])
	}
	if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("the loaded extract was kept")
	}
}
