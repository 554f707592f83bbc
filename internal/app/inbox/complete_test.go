package inbox

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/nyckeltal/nyckeltal/connectors/ownfiles"
	"github.com/nyckeltal/nyckeltal/internal/tabular"
)

const fifteenRows = "indikator;period;kön;värde\n" +
	"X_A;2024;T;1\nX_A;2024;K;2\nX_A;2024;M;3\nX_B;2024;T;4\nX_B;2024;K;5\nX_B;2024;M;6\nX_C;2024;T;7\nX_C;2024;K;8\n" +
	"X_C;2024;M;9\nX_D;2024;T;10\nX_D;2024;K;11\nX_D;2024;M;12\nX_E;2024;T;13\nX_E;2024;K;14\nX_E;2024;M;15\n"

// A file being copied into the inbox is not loaded: 60 % of it, just
// written, stays in the inbox and is neither loaded, refused nor moved.
func TestFileBeingCopiedIsLeft(t *testing.T) {
	st, o := setup(t)
	o.WallClock = time.Now // the real clock: the file was written just now
	path := put(t, o, DirIndicators, "a.csv", fifteenRows[:len(fifteenRows)*6/10])
	res, err := Process(t.Context(), st, o)
	if err != nil || res.Loaded != 0 || res.Refused != 0 || res.Waiting != 1 || !strings.Contains(res.Files[0].Waiting, "inbox_settle") {
		t.Fatalf("%+v %v", res, err)
	}
	if pending, err := Pending(o); pending || err != nil {
		t.Fatalf("pending %v %v: a file still being copied makes no run", pending, err)
	}
	if !strings.Contains(res.Summary(o.InboxDir), "1 ännu inte kompletta: indikatorer/a.csv") {
		t.Fatalf("summary %q", res.Summary(o.InboxDir))
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal("the file left the inbox")
	}
}

// Once left alone for the settle time, a file is loaded — unless it does
// not end as its format ends, which says it is not yet whole.
func TestSettledFiles(t *testing.T) {
	st, o := setup(t)
	start := time.Now()
	o.WallClock = func() time.Time { return start.Add(o.Settle - time.Second) }
	put(t, o, DirIndicators, "a.csv", fifteenRows)
	put(t, o, DirIndicators, "b.csv", fifteenRows[:len(fifteenRows)-3]) // cut mid-line
	res, err := Process(t.Context(), st, o)
	if err != nil || res.Loaded != 0 || res.Waiting != 2 {
		t.Fatalf("within the settle time: %+v %v", res, err)
	}
	o.WallClock = func() time.Time { return start.Add(o.Settle + time.Second) }
	res, err = Process(t.Context(), st, o)
	if err != nil || res.Loaded != 1 || res.Waiting != 1 || res.Files[1].Waiting != "sista raden saknar radslut: den kan fortfarande skrivas" {
		t.Fatalf("after it: %+v %v", res, err)
	}
}

// A file another program holds open for writing is left, whatever its
// times say (Linux: /proc).
func TestFileHeldForWritingIsLeft(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc tells only on Linux")
	}
	st, o := setup(t)
	path := put(t, o, DirIndicators, "a.csv", fifteenRows)
	cmd := exec.Command("sh", "-c", `exec 3>>"$0"; echo ready; read x`, path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	if _, err := out.Read(make([]byte, 6)); err != nil {
		t.Fatal(err)
	}
	res, err := Process(t.Context(), st, o)
	if err != nil || res.Loaded != 0 || res.Waiting != 1 || !strings.Contains(res.Files[0].Waiting, "öppen för skrivning") {
		t.Fatalf("%+v %v", res, err)
	}
	if err := stdin.Close(); err != nil {
		t.Fatal(err)
	}
	// "read" meets the end of its input and the shell exits 1: it is gone,
	// and with it the open file, which is what counts.
	_ = cmd.Wait()
	res, err = Process(t.Context(), st, o)
	if err != nil || res.Loaded != 1 {
		t.Fatalf("once closed: %+v %v", res, err)
	}
}

// growing appends to the file it reads while it reads it.
type growing struct {
	ownfiles.Parser
	path string
}

func (g growing) ParseFrom(ctx context.Context, name string, in tabular.Input) (*ownfiles.Parsed, error) {
	f, err := os.OpenFile(g.path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	_, werr := f.WriteString("X_F;2024;T;16\n")
	if err := errors.Join(werr, f.Close()); err != nil {
		return nil, err
	}
	return g.Parser.ParseFrom(ctx, name, in)
}

// A file that changes while it is read is left for the next run.
func TestFileChangedWhileReadIsLeft(t *testing.T) {
	st, o := setup(t)
	path := put(t, o, DirIndicators, "a.csv", fifteenRows)
	src := *o.Sources
	src.Indicators = growing{Parser: src.Indicators, path: path}
	o.Sources = &src
	res, err := Process(t.Context(), st, o)
	if err != nil || res.Loaded != 0 || res.Waiting != 1 || res.Files[0].Waiting != "filen ändrades medan den lästes" {
		t.Fatalf("%+v %v", res, err)
	}
	if n := count(t, st); n != 0 {
		t.Fatalf("%d loads recorded", n)
	}
}

func count(t *testing.T, st interface {
	MaxLoadID(context.Context) (int64, error)
}) int64 {
	n, err := st.MaxLoadID(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The inbox is read and checked without the store: Prepare needs none, so
// the write lock is taken only to load what it found.
func TestPrepareNeedsNoStore(t *testing.T) {
	_, o := setup(t)
	put(t, o, DirIndicators, "a.csv", fifteenRows)
	put(t, o, DirIndicators, "b.csv", "indikator;period;värde\nX_A;2024;1,2,3\n")
	b, err := Prepare(t.Context(), o)
	if err != nil || b.Ready() != 2 {
		t.Fatalf("%v %+v", err, b)
	}
	var errs []string
	for _, fr := range b.Result().Files {
		if fr.Err != nil {
			errs = append(errs, fr.Err.Error())
		}
	}
	if len(errs) > 0 || filepath.Base(b.Result().Files[0].Path) != "a.csv" {
		t.Fatal(errs)
	}
}
