package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func fileSum(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// stageAndCommit writes one load of rows into st.
func stageAndCommit(t *testing.T, st *Store, rows ...Observation) LoadResult {
	t.Helper()
	return load(t, st, "incremental", rows)
}

// published makes a published store with one load of two values.
func published(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pub.duckdb")
	err := UpdateStore(t.Context(), path, UpdateOptions{Command: "test"}, func(u *Update) error {
		stageAndCommit(t, u.Store(), obs("N20900", "0581", 2024, f64(1.5)), obs("N20900", "1267", 2024, f64(-2)))
		return nil
	})
	if err != nil {
		t.Fatalf("first update: %v", err)
	}
	return path
}

func TestUpdatePublishesAtomicallyBesideReaders(t *testing.T) {
	path := published(t)
	before, err := Open(t.Context(), path, ReadOnly)
	if err != nil {
		t.Fatal(err)
	}

	err = UpdateStore(t.Context(), path, UpdateOptions{Command: "test"}, func(u *Update) error {
		if u.Store().Path() != path {
			t.Errorf("the working copy calls itself %s, want the published name %s", u.Store().Path(), path)
		}
		stageAndCommit(t, u.Store(), obs("N20900", "0581", 2024, f64(9)), obs("N20900", "0180", 2024, f64(3)))
		// A reader opened during the update sees the published state.
		during, err := Open(t.Context(), path, ReadOnly)
		if err != nil {
			t.Fatalf("a reader could not open the store during an update: %v", err)
		}
		defer during.Close()
		if n := countRows(t, during, `SELECT count(*) FROM load`); n != 1 {
			t.Errorf("a reader during the update sees %d loads, want the published 1", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The reader opened before keeps its view, without error.
	if n := countRows(t, before, `SELECT count(*) FROM observation`); n != 2 {
		t.Fatalf("an earlier reader sees %d values, want its 2", n)
	}
	// Within one process DuckDB shares one database per path while any
	// handle is open, so the new state shows once the old handle is closed.
	if err := before.Close(); err != nil {
		t.Fatal(err)
	}
	after, err := Open(t.Context(), path, ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer after.Close()
	if n := countRows(t, after, `SELECT count(*) FROM observation`); n != 3 {
		t.Fatalf("a reader after the update sees %d values, want 3", n)
	}
	for _, f := range []string{workFile(path), workFile(path) + ".wal", holderFile(path), path + ".wal"} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s is left behind", filepath.Base(f))
		}
	}
}

func TestFailedUpdatePublishesTheFailureNotTheData(t *testing.T) {
	path := published(t)
	cause := errors.New("the source broke")
	err := UpdateStore(t.Context(), path, UpdateOptions{Command: "test"}, func(u *Update) error {
		l, err := u.Store().BeginLoad(t.Context(), LoadSpec{Source: "kolada", Mode: "incremental"})
		if err != nil {
			return err
		}
		if err := l.Stage(obs("N20900", "0581", 2024, f64(100))); err != nil {
			return err
		}
		return errors.Join(cause, l.Fail(t.Context(), cause))
	})
	if !errors.Is(err, cause) {
		t.Fatalf("got %v, want the job's error", err)
	}
	st, err := Open(t.Context(), path, ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if n := countRows(t, st, `SELECT count(*) FROM load WHERE status = 'failed' AND error = 'the source broke'`); n != 1 {
		t.Fatal("the failed load is not visible in the published store")
	}
	if n := countRows(t, st, `SELECT count(*) FROM observation WHERE value = 100`); n != 0 {
		t.Fatal("the failed load's value was published")
	}
}

func TestPanicPublishesNothing(t *testing.T) {
	path := published(t)
	sum := fileSum(t, path)
	func() {
		defer func() { _ = recover() }()
		_ = UpdateStore(t.Context(), path, UpdateOptions{Command: "test"}, func(u *Update) error {
			stageAndCommit(t, u.Store(), obs("N20900", "0581", 2024, f64(7)))
			panic("a bug")
		})
	}()
	if fileSum(t, path) != sum {
		t.Fatal("a panicking writer changed the published file")
	}
	if _, err := os.Stat(workFile(path)); err == nil {
		t.Fatal("the working copy was left behind")
	}
	// The lock was released.
	if err := UpdateStore(t.Context(), path, UpdateOptions{Command: "test"}, func(*Update) error { return nil }); err != nil {
		t.Fatalf("the lock was not released after a panic: %v", err)
	}
}

func TestSecondWriterIsBusyAndNamesTheFirst(t *testing.T) {
	path := published(t)
	u, err := BeginUpdate(t.Context(), path, UpdateOptions{Command: "run", RunID: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	u.SetJob("kolada")
	_, err = BeginUpdate(t.Context(), path, UpdateOptions{Command: "ingest kolada"})
	if !errors.Is(err, ErrStoreBusy) || !strings.Contains(err.Error(), "nyckeltal run (job kolada), pid") {
		t.Fatalf("second writer: got %v, want ErrStoreBusy naming the first", err)
	}
	u.Discard()
	u2, err := BeginUpdate(t.Context(), path, UpdateOptions{Command: "ingest kolada"})
	if err != nil {
		t.Fatalf("after the first writer ended: %v", err)
	}
	if u2.Stale() != nil {
		t.Fatal("a writer that ended cleanly was taken for a killed one")
	}
	u2.Discard()
}

func TestKilledWriterIsCleanedUpAndRecorded(t *testing.T) {
	path := published(t)
	sum := fileSum(t, path)
	// What a writer killed mid-run leaves: its holder file and a working copy.
	killed := Holder{PID: 424242, Host: "srv01", Command: "run", RunID: "20260816T020000Z-abc123", Job: "kolada",
		Since: time.Date(2026, 8, 16, 0, 0, 0, 0, time.UTC)}
	b, _ := json.Marshal(killed)
	if err := os.WriteFile(holderFile(path), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(workFile(path), []byte("half a copy"), 0o644); err != nil {
		t.Fatal(err)
	}
	if fileSum(t, path) != sum {
		t.Fatal("setup changed the published file")
	}
	u, err := BeginUpdate(t.Context(), path, UpdateOptions{Command: "run"})
	if err != nil {
		t.Fatalf("taking over a stale lock: %v", err)
	}
	if u.Stale() == nil || u.Stale().PID != killed.PID {
		t.Fatalf("stale holder: %+v", u.Stale())
	}
	if err := u.Publish(t.Context()); err != nil {
		t.Fatal(err)
	}
	st, err := Open(t.Context(), path, ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	jobs, err := st.RunJobs(t.Context(), killed.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 1 || jobs[0].Job != "kolada" || jobs[0].Status != StatusFailed || jobs[0].Trigger != TriggerRecovered ||
		!strings.Contains(jobs[0].Error, "pid 424242 on srv01") {
		t.Fatalf("the killed run is not recorded as a failed job: %+v", jobs)
	}
	if n := countRows(t, st, `SELECT count(*) FROM observation`); n != 2 {
		t.Fatalf("data changed: %d values", n)
	}
}

func TestBlockedPublishIsKeptAndPublishedNextTime(t *testing.T) {
	path := published(t)
	sum := fileSum(t, path)
	saved, savedInUse := replaceFile, isFileInUse
	replaceFile = func(context.Context, string, string) error { return errors.New("sharing violation") }
	isFileInUse = func(error) bool { return true } // as Windows says of a file another program has open
	err := UpdateStore(t.Context(), path, UpdateOptions{Command: "test"}, func(u *Update) error {
		stageAndCommit(t, u.Store(), obs("N20900", "0180", 2024, f64(3)))
		return nil
	})
	replaceFile, isFileInUse = saved, savedInUse
	if !errors.Is(err, ErrPublishBlocked) {
		t.Fatalf("got %v, want ErrPublishBlocked", err)
	}
	if fileSum(t, path) != sum {
		t.Fatal("a blocked publication changed the published file")
	}
	if PendingSince(path).IsZero() {
		t.Fatal("the finished result was not kept as pending")
	}
	// The next writer starts from the pending result and publishes both.
	err = UpdateStore(t.Context(), path, UpdateOptions{Command: "test"}, func(u *Update) error {
		stageAndCommit(t, u.Store(), obs("N20900", "1280", 2024, f64(4)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !PendingSince(path).IsZero() {
		t.Fatal("the pending file is left after it was published")
	}
	st, err := Open(t.Context(), path, ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if n := countRows(t, st, `SELECT count(*) FROM observation`); n != 4 {
		t.Fatalf("%d values published, want 4 (2 + the pending one + the new one)", n)
	}
}

func TestJobStatusesAndLastError(t *testing.T) {
	st, _ := openTemp(t)
	t0 := time.Date(2026, 8, 16, 2, 0, 0, 0, time.UTC)
	runs := []JobRun{
		{RunID: "a", Job: "kolada", Trigger: TriggerSchedule, Status: StatusOK, StartedAt: t0, FinishedAt: t0.Add(time.Minute), LoadIDs: []int64{1, 2}},
		{RunID: "b", Job: "kolada", Trigger: TriggerSchedule, Status: StatusFailed, StartedAt: t0.Add(24 * time.Hour), FinishedAt: t0.Add(25 * time.Hour), Error: "Kolada unreachable"},
		{RunID: "b", Job: "inbox", Trigger: TriggerSchedule, Status: StatusOK, StartedAt: t0.Add(25 * time.Hour), FinishedAt: t0.Add(26 * time.Hour)},
	}
	for _, r := range runs {
		if err := st.RecordJobRun(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}
	now := t0.Add(30 * time.Hour)
	s, err := st.Status(t.Context(), now, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Jobs) != 2 || s.Jobs[1].Job != "kolada" || s.Jobs[1].LastSuccess == nil || s.Jobs[1].LastFailure == nil ||
		s.Jobs[1].LastFailure.Error != "Kolada unreachable" || len(s.Jobs[1].LastSuccess.LoadIDs) != 2 {
		t.Fatalf("jobs: %+v", s.Jobs)
	}
	if want := now.Sub(t0.Add(time.Minute)).Hours(); s.Jobs[1].AgeHours == nil || *s.Jobs[1].AgeHours != want {
		t.Fatalf("kolada age %v, want %v", s.Jobs[1].AgeHours, want)
	}
	if s.LastError == nil || s.LastError.Job != "kolada" || s.LastError.RunID != "b" {
		t.Fatalf("last error: %+v", s.LastError)
	}
	last, ok, err := st.LastJobSuccess(t.Context(), "kolada")
	if err != nil || !ok || !last.Equal(t0) {
		t.Fatalf("last success of kolada: %v %v %v, want %v", last, ok, err, t0)
	}
	if _, ok, _ := st.LastJobSuccess(t.Context(), "derived"); ok {
		t.Fatal("a job that never ran has a last success")
	}
}

func TestAfterPublishRunsOnlyOncePublished(t *testing.T) {
	path := published(t)
	var ran []string
	_ = UpdateStore(t.Context(), path, UpdateOptions{Command: "test"}, func(u *Update) error {
		u.Store().AfterPublish(func() {
			if _, err := os.Stat(workFile(path)); err == nil {
				t.Error("AfterPublish ran before the working copy replaced the store")
			}
			ran = append(ran, "published")
		})
		return errors.New("a job failed, the rest is published")
	})
	saved := replaceFile
	replaceFile = func(context.Context, string, string) error { return errors.New("sharing violation") }
	_ = UpdateStore(t.Context(), path, UpdateOptions{Command: "test"}, func(u *Update) error {
		u.Store().AfterPublish(func() { ran = append(ran, "blocked") })
		return nil
	})
	replaceFile = saved
	func() {
		defer func() { _ = recover() }()
		_ = UpdateStore(t.Context(), path, UpdateOptions{Command: "test"}, func(u *Update) error {
			u.Store().AfterPublish(func() { ran = append(ran, "panicked") })
			panic("a bug")
		})
	}()
	if strings.Join(ran, ",") != "published" {
		t.Fatalf("AfterPublish ran for %v, want only the published update", ran)
	}
}

// A publication that fails for another reason than a file in use is not
// ErrPublishBlocked (whose exit code and hint speak of Windows and programs
// holding the file), and keeps its cause; the result is kept all the same.
func TestFailedPublishIsNotBlockedUnlessTheFileIsInUse(t *testing.T) {
	path := published(t)
	cause := &os.LinkError{Op: "rename", Old: "x", New: path, Err: syscall.EXDEV}
	saved := replaceFile
	replaceFile = func(context.Context, string, string) error { return cause }
	err := UpdateStore(t.Context(), path, UpdateOptions{Command: "test"}, func(u *Update) error {
		stageAndCommit(t, u.Store(), obs("N20900", "0180", 2024, f64(3)))
		return nil
	})
	replaceFile = saved
	if err == nil || errors.Is(err, ErrPublishBlocked) || !errors.Is(err, syscall.EXDEV) {
		t.Fatalf("got %v, want the rename's own error, not ErrPublishBlocked", err)
	}
	if PendingSince(path).IsZero() {
		t.Fatal("the finished result was not kept as pending")
	}
}
