package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nyckeltal/nyckeltal/connectors/kolada/koladafake"
	"github.com/nyckeltal/nyckeltal/internal/store"
)

func (h *harness) status() store.Status {
	h.t.Helper()
	var st store.Status
	if err := json.Unmarshal([]byte(h.mustRun("status", "--json")), &st); err != nil {
		h.t.Fatal(err)
	}
	return st
}

func (h *harness) appendConfig(text string) {
	h.t.Helper()
	f, err := os.OpenFile(filepath.Join(h.dir, "nyckeltal.toml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		h.t.Fatal(err)
	}
}

// revise changes n of the fake's 2024 N20900 values, as Kolada does without
// notice, so that the next incremental load has work. It returns the last
// revised municipality.
func (h *harness) revise(n int, delta float64) string {
	h.t.Helper()
	var unit string
	for k, v := range h.ds.Values {
		if n == 0 {
			break
		}
		if k.KPI != "N20900" || k.Gender != "T" || k.Year != 2024 || v.Value == nil || v.Deleted {
			continue
		}
		nv := *v.Value + delta
		h.fake.SetValue(k.KPI, k.Unit, k.Year, k.Gender, &nv, time.Now())
		unit = k.Unit
		n--
	}
	if unit == "" {
		h.t.Fatal("no value to revise")
	}
	return unit
}

// jobStatus finds a job in status, or nil.
func jobStatus(st store.Status, job string) *store.JobStatus {
	for i := range st.Jobs {
		if st.Jobs[i].Job == job {
			return &st.Jobs[i]
		}
	}
	return nil
}

func TestRunPublishesAndRecordsEachJob(t *testing.T) {
	h := newHarness(t)
	out, errs, code := h.run("--log-format", "json", "run")
	if code != ExitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "kolada  ok") || !strings.Contains(out, "Kolada-laddning 1 (full)") {
		t.Fatalf("run output:\n%s", out)
	}
	var jobs []string
	for _, line := range strings.Split(strings.TrimSpace(errs), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["message"] == "job finished" {
			jobs = append(jobs, m["job"].(string))
			if m["outcome"] != "ok" || m["run_id"] == "" || (m["job"] == "kolada" && m["load_id"] != float64(1)) {
				t.Fatalf("job line: %s", line)
			}
		}
	}
	if strings.Join(jobs, ",") != "kolada,inbox" {
		t.Fatalf("job lines for %v, want one each for kolada and inbox, in that order:\n%s", jobs, errs)
	}
	st := h.status()
	kj := jobStatus(st, "kolada")
	if len(st.Jobs) != 2 || kj == nil || kj.LastSuccess == nil || kj.LastSuccess.Trigger != store.TriggerRun || kj.LastFailure != nil {
		t.Fatalf("status jobs: %+v", st.Jobs)
	}
	if st.Sources[0].CurrentValues != h.configuredValues() || st.SizeBytes == 0 {
		t.Fatalf("status: %+v", st)
	}
	for _, f := range []string{h.db + ".writing", h.db + ".writer", h.db + ".wal"} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s left behind after a run", f)
		}
	}
}

func TestFailedRunKeepsTheDataRecordsTheErrorAndNotifies(t *testing.T) {
	h := newHarness(t)
	h.appendConfig("[notify]\ncommand = [\"sh\", \"-c\", \"cat > notified.txt\"]\n")
	h.mustRun("run")
	unit := h.revise(3, 10)
	q := `SELECT value FROM observation WHERE indicator_id = 'N20900' AND unit_id = '` + unit + `' AND year = 2024 AND gender = 'T'`
	before := h.mustRun("sql", "--format", "csv", q)

	h.fake.SetFaults(koladafake.Faults{FailFirst: 1000, FailStatus: http.StatusServiceUnavailable})
	out, errs, code := h.run("run")
	h.fake.SetFaults(koladafake.Faults{})
	if code != ExitNetwork {
		t.Fatalf("failed run: exit %d, want %d\n%s\n%s", code, ExitNetwork, out, errs)
	}
	if !strings.Contains(out, "kolada  MISSLYCKADES") || !strings.Contains(errs, "jobs did not succeed") {
		t.Fatalf("the failure is not clear:\nstdout: %s\nstderr: %s", out, errs)
	}
	if after := h.mustRun("sql", "--format", "csv", q); after != before {
		t.Fatalf("the failed run changed published data: %s -> %s", before, after)
	}
	st := h.status()
	kj := jobStatus(st, "kolada")
	if kj == nil || kj.LastFailure == nil || !strings.Contains(kj.LastFailure.Error, "503") || kj.LastSuccess == nil {
		t.Fatalf("status does not show the failure beside the last success: %+v", st.Jobs)
	}
	if st.LastError == nil || st.LastError.Job != "kolada" || st.Sources[0].LastFailure == nil {
		t.Fatalf("last error %+v, source %+v", st.LastError, st.Sources[0])
	}
	text := h.mustRun("status")
	if !strings.Contains(text, "Jobb (nyckeltal run, schedule):") || !strings.Contains(text, "Senaste fel:") ||
		strings.Contains(text, "åtgärdat") {
		t.Fatalf("status text lacks the jobs:\n%s", text)
	}
	note, err := os.ReadFile(filepath.Join(h.dir, "notified.txt"))
	if err != nil {
		t.Fatalf("notify.command did not run: %v", err)
	}
	for _, want := range []string{"failed (exit code 4)", "kolada", "failed", "503"} {
		if !strings.Contains(string(note), want) {
			t.Fatalf("the notification lacks %q:\n%s", want, note)
		}
	}
	// The next run succeeds and publishes the revision.
	h.mustRun("run")
	if after := h.mustRun("sql", "--format", "csv", q); after == before {
		t.Fatal("the next run did not publish the revised value")
	}
	// The failure stays in status, said to be resolved by the later success.
	if text := h.mustRun("status"); !strings.Contains(text, "åtgärdat: kolada lyckades") || !strings.Contains(text, "(åtgärdat: lyckades") {
		t.Fatalf("status does not say the failure was followed by success:\n%s", text)
	}
}

func TestWritersNeedTheLockReadersDoNot(t *testing.T) {
	h := newHarness(t)
	h.mustRun("run")
	u, err := store.BeginUpdate(t.Context(), h.db, store.UpdateOptions{Command: "run", RunID: "held"})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Discard()
	for _, args := range [][]string{{"run"}, {"ingest", "kolada"}, {"migrate"}, {"schedule", "--once", "kolada"}} {
		_, errs, code := h.run(args...)
		if code != ExitBusy || !strings.Contains(errs, "is being written by nyckeltal run") {
			t.Fatalf("%v while another writes: exit %d, %s", args, code, errs)
		}
	}
	for _, args := range [][]string{{"status"}, {"status", "--json"}, {"sql", "SELECT count(*) FROM observation"}, {"kpi", "search", "äldreomsorg"}, {"schedule", "--list"}} {
		if _, errs, code := h.run(args...); code != ExitOK {
			t.Fatalf("%v while a writer works: exit %d, %s", args, code, errs)
		}
	}
	if st := h.status(); st.Writer == nil || st.Writer.RunID != "held" {
		t.Fatalf("status does not name the writer: %+v", st.Writer)
	}
}

func TestScheduleListAndOnce(t *testing.T) {
	h := newHarness(t)
	out := h.mustRun("schedule", "--list") // testDay is Sunday 2026-08-16, 14:00 in Stockholm
	for _, want := range []string{
		"tidszon Europe/Stockholm, nu 2026-08-16 14:00 CEST",
		"mån 2026-08-17 02:00 CEST, tis 2026-08-18 02:00 CEST",
		"sön 2026-08-23 03:00 CEST",
		"aldrig",
		"inbox",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("schedule --list lacks %q:\n%s", want, out)
		}
	}
	if _, errs, code := h.run("schedule", "--once", "nope"); code != ExitUsage || !strings.Contains(errs, "kolada-full") {
		t.Fatalf("--once nope: exit %d, %s", code, errs)
	}
	h.mustRun("schedule", "--once", "kolada-full")
	st := h.status()
	if len(st.Jobs) != 1 || st.Jobs[0].Job != "kolada-full" || st.Jobs[0].LastSuccess.Trigger != store.TriggerOnce ||
		st.RecentLoads[0].Mode != "full" {
		t.Fatalf("after --once kolada-full: %+v, loads %+v", st.Jobs, st.RecentLoads)
	}
	out = h.mustRun("schedule", "--list")
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "kolada-full ") && (strings.Contains(line, "aldrig") || !strings.HasSuffix(strings.TrimSpace(line), "nej")) {
			t.Fatalf("kolada-full's last success is not listed:\n%s", out)
		}
	}
}

func TestScheduleDaemonCatchesUpAndStopsCleanly(t *testing.T) {
	h := newHarness(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		_, _, code := h.runCtx(ctx, "schedule")
		done <- code
	}()
	// Neither Kolada job ever ran: both catch up at once, one after the other.
	deadline := time.Now().Add(60 * time.Second)
	var jobs []store.JobStatus
	for time.Now().Before(deadline) {
		if st, err := store.Open(t.Context(), h.db, store.ReadOnly); err == nil {
			s, err := st.Status(t.Context(), time.Now(), 0)
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			if err == nil && len(s.Jobs) == 2 {
				jobs = s.Jobs
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != ExitOK {
		t.Fatalf("the daemon exited %d after a stop, want 0", code)
	}
	if len(jobs) != 2 {
		t.Fatal("the daemon did not catch up both Kolada jobs")
	}
	for _, j := range jobs {
		if j.LastSuccess == nil || j.LastSuccess.Trigger != store.TriggerCatchUp {
			t.Fatalf("job %s: %+v", j.Job, j.LastSuccess)
		}
	}
}

func (h *harness) runCtx(ctx context.Context, args ...string) (string, string, int) {
	var out, errb syncBuffer
	app := &App{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return h.env[k] }, Now: func() time.Time { return testDay },
		IsTerminal: func(io.Writer) bool { return false }}
	code := app.Run(ctx, args)
	return out.String(), errb.String(), code
}

// syncBuffer is a bytes.Buffer for writers on several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
