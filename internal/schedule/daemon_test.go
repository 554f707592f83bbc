package schedule

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func mustParse(t *testing.T, spec string) *Schedule {
	t.Helper()
	s, err := Parse(spec, stockholm)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// recorder is a Run func that remembers its calls.
type recorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *recorder) run(_ context.Context, name, trigger string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, name+"/"+trigger)
	return nil
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := slices.Clone(r.calls)
	slices.Sort(out)
	return out
}

func TestCatchUpAfterDowntime(t *testing.T) {
	now := time.Date(2026, 8, 17, 8, 13, 0, 0, stockholm) // a Monday; the server was down at 02:00
	last := map[string]time.Time{
		"kolada":      time.Date(2026, 8, 16, 2, 0, 5, 0, stockholm), // missed 02:00 today
		"kolada-full": time.Date(2026, 8, 16, 3, 0, 5, 0, stockholm), // Sunday's ran; next is next Sunday
		"inbox":       time.Date(2026, 8, 17, 8, 1, 0, 0, stockholm), // its next run, 08:15, is still ahead
	}
	rec := &recorder{}
	d := &Daemon{
		Entries: []Entry{{"kolada", mustParse(t, "0 2 * * *")}, {"kolada-full", mustParse(t, "0 3 * * 0")},
			{"inbox", mustParse(t, "*/15 * * * *")}, {"derived", mustParse(t, "0 4 * * *")}},
		Run: rec.run,
		LastSuccess: func(_ context.Context, name string) (time.Time, bool, error) {
			t, ok := last[name]
			return t, ok, nil
		},
		Now: func() time.Time { return now },
		Log: zerolog.Nop(),
	}
	due, err := d.Due(t.Context(), now)
	if err != nil {
		t.Fatal(err)
	}
	// kolada missed tonight's run; derived never succeeded.
	if want := []string{"kolada", "derived"}; !slices.Equal(due, want) {
		t.Fatalf("due %v, want %v", due, want)
	}

	// Serve runs exactly those at once, as catch-ups, and stops cleanly.
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- d.Serve(ctx) }()
	want := []string{"derived/catch-up", "kolada/catch-up"}
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Equal(rec.got(), want) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve after a stop: %v", err)
	}
	if got := rec.got(); !slices.Equal(got, want) {
		t.Fatalf("ran %v, want %v", got, want)
	}
}

func TestSkipIfStillRunning(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	calls := 0
	var logs bytes.Buffer
	d := &Daemon{
		Entries: []Entry{{"kolada", mustParse(t, "0 2 * * *")}},
		Run: func(ctx context.Context, _, _ string) error {
			mu.Lock()
			calls++
			mu.Unlock()
			close(started)
			<-release
			return nil
		},
		Log: zerolog.New(&logs),
	}
	p := d.prepare(t.Context())
	job := p.wrapped["kolada"]
	first := make(chan struct{})
	go func() { job.Run(); close(first) }()
	<-started
	job.Run() // the 02:00 firing of a run that still goes: skipped at once
	close(release)
	<-first
	if calls != 1 {
		t.Fatalf("Run was called %d times, want 1", calls)
	}
	if !strings.Contains(logs.String(), `"job":"kolada"`) || !strings.Contains(logs.String(), "skipped") {
		t.Fatalf("no log line about the skip: %s", logs.String())
	}
	// Once the first ended, the next firing runs.
	started = make(chan struct{})
	release = make(chan struct{})
	close(release)
	job.Run()
	if calls != 2 {
		t.Fatalf("after the first run ended: %d calls, want 2", calls)
	}
}

func TestPanicIsRecoveredAndTheJobRunsAgain(t *testing.T) {
	calls := 0
	var logs bytes.Buffer
	d := &Daemon{
		Entries: []Entry{{"inbox", mustParse(t, "*/15 * * * *")}},
		Run: func(context.Context, string, string) error {
			calls++
			if calls == 1 {
				panic("a bug in a job")
			}
			return nil
		},
		Log: zerolog.New(&logs),
	}
	job := d.prepare(t.Context()).wrapped["inbox"]
	job.Run()
	job.Run()
	if calls != 2 {
		t.Fatalf("%d calls: the panic left the job blocked", calls)
	}
	if !strings.Contains(logs.String(), "a bug in a job") {
		t.Fatalf("the panic was not logged: %s", logs.String())
	}
}

func TestStopCancelsTheRunningJob(t *testing.T) {
	running := make(chan struct{})
	var sawCancel bool
	d := &Daemon{
		Entries: []Entry{{"kolada", mustParse(t, "0 2 * * *")}},
		Run: func(ctx context.Context, _, _ string) error {
			close(running)
			<-ctx.Done()
			sawCancel = true
			return ctx.Err()
		},
		LastSuccess: func(context.Context, string) (time.Time, bool, error) { return time.Time{}, false, nil },
		StopTimeout: time.Minute,
		Log:         zerolog.Nop(),
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- d.Serve(ctx) }()
	<-running // the catch-up run
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if !sawCancel {
		t.Fatal("the running job was not cancelled")
	}
}

func TestStopGivesUpAfterTheTimeout(t *testing.T) {
	running, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	d := &Daemon{
		Entries: []Entry{{"kolada", mustParse(t, "0 2 * * *")}},
		Run: func(context.Context, string, string) error {
			close(running)
			<-release // ignores cancellation
			return nil
		},
		LastSuccess: func(context.Context, string) (time.Time, bool, error) { return time.Time{}, false, nil },
		StopTimeout: 50 * time.Millisecond,
		Log:         zerolog.Nop(),
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- d.Serve(ctx) }()
	<-running
	cancel()
	if err := <-done; !errors.Is(err, ErrStopTimeout) {
		t.Fatalf("got %v, want ErrStopTimeout", err)
	}
}

func TestBusyStoreIsRetried(t *testing.T) {
	busy := errors.New("busy")
	calls := 0
	d := &Daemon{
		Entries: []Entry{{"kolada", mustParse(t, "0 2 * * *")}},
		Run: func(context.Context, string, string) error {
			calls++
			if calls < 3 {
				return busy
			}
			return nil
		},
		Retry:      func(err error) bool { return errors.Is(err, busy) },
		RetryEvery: time.Millisecond,
		RetryFor:   time.Hour,
		Log:        zerolog.Nop(),
	}
	d.prepare(t.Context()).wrapped["kolada"].Run()
	if calls != 3 {
		t.Fatalf("%d attempts, want 3 (two busy, then done)", calls)
	}
}
