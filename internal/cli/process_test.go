package cli

// Tests with real processes: a writer killed with SIGKILL at chosen points, two
// writers at once, and readers querying through whole runs. The test binary
// re-executes itself as nyckeltal (NYCKELTAL_TEST_ROLE=main) or as a reader
// (NYCKELTAL_TEST_ROLE=reader); the fake Kolada is served from this process.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/store"
)

func TestMain(m *testing.M) {
	switch os.Getenv("NYCKELTAL_TEST_ROLE") {
	case "main":
		os.Exit(Main(os.Args[1:]))
	case "reader":
		os.Exit(readerMain(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// soak repeats the process tests (make soak sets it).
func soak() int {
	n, _ := strconv.Atoi(os.Getenv("NYCKELTAL_SOAK"))
	return max(n, 1)
}

// proc is a nyckeltal (or reader) process started by a test.
type proc struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	mu     sync.Mutex
	stderr bytes.Buffer
	lines  chan string
	done   chan struct{}
}

func (h *harness) start(role string, extraEnv []string, args ...string) *proc {
	h.t.Helper()
	exe, err := os.Executable()
	if err != nil {
		h.t.Fatal(err)
	}
	p := &proc{lines: make(chan string, 1000), done: make(chan struct{})}
	p.cmd = exec.Command(exe, args...)
	p.cmd.Dir = h.dir
	p.cmd.Env = append(os.Environ(), "NYCKELTAL_TEST_ROLE="+role, "NYCKELTAL_KOLADA_URL="+h.env["NYCKELTAL_KOLADA_URL"])
	p.cmd.Env = append(p.cmd.Env, extraEnv...)
	p.cmd.Stdout = &p.stdout
	errPipe, err := p.cmd.StderrPipe()
	if err != nil {
		h.t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(errPipe)
		for sc.Scan() {
			p.mu.Lock()
			p.stderr.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			select {
			case p.lines <- sc.Text():
			default:
			}
		}
	}()
	h.t.Cleanup(func() { _ = p.cmd.Process.Kill(); _ = p.cmd.Wait() })
	return p
}

// waitLine waits for a stderr line containing s.
func (p *proc) waitLine(t *testing.T, s string) {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case l := <-p.lines:
			if strings.Contains(l, s) {
				return
			}
		case <-p.done:
			t.Fatalf("the process ended before printing %q:\n%s", s, p.errText())
		case <-timeout:
			t.Fatalf("no %q after 60s:\n%s", s, p.errText())
		}
	}
}

func (p *proc) errText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// wait waits for the process and returns its exit code.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	err := p.cmd.Wait()
	<-p.done
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	t.Fatal(err)
	return -1
}

func (p *proc) kill9(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.wait(t)
}

// exec runs a nyckeltal process to its end.
func (h *harness) exec(extraEnv []string, args ...string) (string, string, int) {
	h.t.Helper()
	p := h.start("main", extraEnv, args...)
	code := p.wait(h.t)
	return p.stdout.String(), p.errText(), code
}

func sha(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestLockContentionBetweenProcesses(t *testing.T) {
	h := newHarness(t)
	h.mustRun("run")
	a := h.start("main", []string{"NYCKELTAL_TEST_PAUSE_AT=copied"}, "run")
	a.waitLine(t, "paused at copied")

	_, errs, code := h.exec(nil, "ingest", "kolada")
	if code != ExitBusy || !strings.Contains(errs, "is being written by nyckeltal run") ||
		!strings.Contains(errs, fmt.Sprintf("pid %d", a.cmd.Process.Pid)) {
		t.Fatalf("a second writer: exit %d, want %d naming the first:\n%s", code, ExitBusy, errs)
	}
	for _, args := range [][]string{{"status"}, {"sql", "SELECT count(*) FROM observation"}} {
		if _, errs, code := h.exec(nil, args...); code != ExitOK {
			t.Fatalf("%v beside a writer: exit %d\n%s", args, code, errs)
		}
	}
	a.kill9(t)
	// The lock died with its holder: the next writer takes it over and says so.
	_, errs, code = h.exec(nil, "--log-format", "json", "run")
	if code != ExitOK || !strings.Contains(errs, "took over the write lock") {
		t.Fatalf("after the holder was killed: exit %d\n%s", code, errs)
	}
	var recovered *store.JobRun
	for _, j := range h.status().Jobs {
		if j.LastFailure != nil && j.LastFailure.Trigger == store.TriggerRecovered {
			recovered = j.LastFailure
		}
	}
	if recovered == nil || recovered.PID != a.cmd.Process.Pid {
		t.Fatalf("the killed run is not recorded: %+v", h.status().Jobs)
	}
}

// gate blocks the fake Kolada's first data request until released.
type gate struct {
	reached chan struct{}
	release chan struct{}
	armed   bool
	mu      sync.Mutex
}

func (h *harness) gatedServer() *gate {
	g := &gate{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		armed, reached, release := g.armed, g.reached, g.release
		if armed && strings.Contains(r.URL.Path, "/data/") {
			g.armed = false
		} else {
			armed = false
		}
		g.mu.Unlock()
		if armed {
			close(reached)
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		h.fake.ServeHTTP(w, r)
	}))
	h.t.Cleanup(ts.Close)
	h.env["NYCKELTAL_KOLADA_URL"] = ts.URL + "/v3"
	return g
}

func (g *gate) arm() (reached, release chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.armed, g.reached, g.release = true, make(chan struct{}), make(chan struct{})
	return g.reached, g.release
}

func TestKillNineAtAnyMomentLeavesThePublishedStoreAsItWas(t *testing.T) {
	h := newHarness(t)
	g := h.gatedServer()
	h.mustRun("run")
	// Where a writer can be: waiting for Kolada, copying, committing a load,
	// between its checkpoint and the rename, and just after the rename.
	points := []string{"locked", "copying", "copied", "fetching", "committing", "checkpointed", "published"}
	for i := 0; i < soak(); i++ {
		for _, point := range points {
			t.Run(point, func(t *testing.T) {
				unit := h.revise(5, 1)
				before := sha(t, h.db)
				env := []string{"NYCKELTAL_TEST_PAUSE_AT=" + point}
				var reached, release chan struct{}
				if point == "fetching" {
					env = nil
					reached, release = g.arm()
					defer close(release)
				}
				p := h.start("main", env, "run")
				if reached != nil {
					select {
					case <-reached:
					case <-p.done:
						t.Fatalf("the run ended before fetching data:\n%s", p.errText())
					}
				} else {
					p.waitLine(t, "paused at "+point)
				}
				p.kill9(t)

				if point == "published" {
					// Killed after the rename: the new state is complete and published.
					if sha(t, h.db) == before {
						t.Fatal("killed after the rename, the store was not replaced")
					}
				} else if sha(t, h.db) != before {
					t.Fatalf("killed at %s, the published store changed", point)
				}
				st := h.status()
				if st.Sources[0].CurrentValues != h.configuredValues() {
					t.Fatalf("killed at %s: %d current values, want %d", point, st.Sources[0].CurrentValues, h.configuredValues())
				}
				if _, errs, code := h.exec(nil, "run"); code != ExitOK {
					t.Fatalf("the run after a kill at %s: exit %d\n%s", point, code, errs)
				}
				for _, f := range []string{h.db + ".writing", h.db + ".writing.wal", h.db + ".writer"} {
					if _, err := os.Stat(f); err == nil {
						t.Fatalf("%s is left after the next run", filepath.Base(f))
					}
				}
				got := h.mustRun("sql", "--format", "csv", `SELECT count(*) FROM observation o JOIN observation_history p
					ON p.unit_id = o.unit_id AND p.indicator_id = o.indicator_id AND p.year = o.year AND p.gender = o.gender
					AND p.valid_to_load = o.load_id WHERE o.indicator_id = 'N20900' AND o.unit_id = '`+unit+`' AND o.year = 2024 AND o.gender = 'T'`)
				if strings.TrimSpace(got) != "count_star()\n1" {
					t.Fatalf("the next run did not publish the revision: %s", got)
				}
			})
		}
	}
}

// readerSummary is what a reader process prints at the end.
type readerSummary struct {
	Iterations int      `json:"iterations"`
	Errors     []string `json:"errors"`
	Violations []string `json:"violations"`
	States     []int64  `json:"states"` // the load counts seen, in order, without repeats
}

// consistency finds what a partial load would leave: a running load, an ok
// load whose versions do not match its counts, or versions of a load that is
// not ok.
const consistency = `SELECT
	(SELECT count(*) FROM load WHERE status = 'running'),
	(SELECT count(*) FROM load l WHERE l.status = 'ok'
	   AND (SELECT count(*) FROM observation_version v WHERE v.valid_from_load = l.load_id) <> l.rows_inserted + l.rows_updated),
	(SELECT count(*) FROM load l WHERE l.status = 'ok'
	   AND (SELECT count(*) FROM observation_version v WHERE v.valid_to_load = l.load_id) <> l.rows_updated + l.rows_deleted),
	(SELECT count(*) FROM observation_version v WHERE NOT EXISTS
	   (SELECT 1 FROM load l WHERE l.load_id = v.valid_from_load AND l.status = 'ok')),
	(SELECT count(*) FROM job_run j, unnest(j.load_ids) AS u(id) WHERE u.id NOT IN (SELECT load_id FROM load)),
	(SELECT count(*) FROM load)`

// readerMain queries the store until the stop file appears: with -hold one
// connection for the whole time, else a new one for every query.
func readerMain(args []string) int {
	hold := len(args) == 3 && args[2] == "hold"
	db, stop := args[0], args[1]
	ctx := context.Background()
	var sum readerSummary
	var held *store.Store
	check := func(st *store.Store) {
		var running, badNew, badEnded, orphans, badJobs, loads int64
		err := st.DB().QueryRowContext(ctx, consistency).Scan(&running, &badNew, &badEnded, &orphans, &badJobs, &loads)
		if err != nil {
			sum.Errors = append(sum.Errors, err.Error())
			return
		}
		if running+badNew+badEnded+orphans+badJobs > 0 {
			sum.Violations = append(sum.Violations, fmt.Sprintf("loads=%d running=%d bad_new=%d bad_ended=%d orphans=%d bad_jobs=%d",
				loads, running, badNew, badEnded, orphans, badJobs))
		}
		if len(sum.States) == 0 || sum.States[len(sum.States)-1] != loads {
			sum.States = append(sum.States, loads)
			fmt.Fprintf(os.Stderr, "state loads=%d\n", loads)
		}
	}
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(stop); err == nil {
			break
		}
		sum.Iterations++
		if hold {
			if held == nil {
				var err error
				if held, err = store.Open(ctx, db, store.ReadOnly); err != nil {
					sum.Errors = append(sum.Errors, err.Error())
					continue
				}
			}
			check(held)
			time.Sleep(time.Millisecond)
			continue
		}
		st, err := store.Open(ctx, db, store.ReadOnly)
		if err != nil {
			sum.Errors = append(sum.Errors, err.Error())
			continue
		}
		check(st)
		_ = st.Close() // a reader; what it saw is checked
	}
	if held != nil {
		_ = held.Close() // a reader; what it saw is checked
	}
	_ = json.NewEncoder(os.Stdout).Encode(sum)
	return 0
}

func TestReadersQueryThroughWholeRunsAndNeverSeeAPartialLoad(t *testing.T) {
	h := newHarness(t)
	h.mustRun("run")
	stop := filepath.Join(h.dir, "stop-readers")
	fresh := h.start("reader", nil, h.db, stop)
	held := h.start("reader", nil, h.db, stop, "hold")
	fresh.waitLine(t, "state loads=1")
	held.waitLine(t, "state loads=1")

	runs := 3 * soak()
	for i := range runs {
		h.revise(20, float64(i+1))
		if _, errs, code := h.run("run"); code != ExitOK {
			t.Fatalf("run %d: exit %d\n%s", i+1, code, errs)
		}
	}
	final := int64(1 + runs)
	fresh.waitLine(t, fmt.Sprintf("state loads=%d", final))
	if err := os.WriteFile(stop, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]*proc{"fresh": fresh, "held": held} {
		if code := p.wait(t); code != 0 {
			t.Fatalf("%s reader exited %d:\n%s", name, code, p.errText())
		}
		var s readerSummary
		if err := json.Unmarshal(p.stdout.Bytes(), &s); err != nil {
			t.Fatalf("%s reader: %v: %s", name, err, p.stdout.String())
		}
		if s.Iterations == 0 || len(s.Errors) > 0 || len(s.Violations) > 0 {
			t.Fatalf("%s reader: %d queries, errors %v, partial states %v", name, s.Iterations, s.Errors, s.Violations)
		}
		switch name {
		case "fresh":
			// It saw the first and the last state, and only whole runs between.
			if s.States[0] != 1 || s.States[len(s.States)-1] != final {
				t.Fatalf("fresh reader saw states %v, want 1 … %d", s.States, final)
			}
		case "held":
			// An open connection keeps the state it opened, through every run.
			if len(s.States) != 1 || s.States[0] != 1 {
				t.Fatalf("held reader saw states %v, want only 1", s.States)
			}
		}
	}
}

func TestDaemonStopsCleanlyOnSIGTERMDuringAJob(t *testing.T) {
	h := newHarness(t)
	g := h.gatedServer()
	h.mustRun("run") // kolada has succeeded; kolada-full never has, so it catches up at start
	unit := h.revise(5, 100)
	q := `SELECT value FROM observation WHERE indicator_id = 'N20900' AND unit_id = '` + unit + `' AND year = 2024 AND gender = 'T'`
	before := h.mustRun("sql", "--format", "csv", q)

	reached, release := g.arm()
	defer close(release)
	p := h.start("main", nil, "--log-format", "json", "schedule")
	select {
	case <-reached: // kolada-full is fetching data
	case <-p.done:
		t.Fatalf("the daemon ended:\n%s", p.errText())
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t); code != ExitOK {
		t.Fatalf("the daemon exited %d after SIGTERM, want 0:\n%s", code, p.errText())
	}
	if !strings.Contains(p.errText(), `"message":"stopped"`) {
		t.Fatalf("no clean stop in the log:\n%s", p.errText())
	}
	if after := h.mustRun("sql", "--format", "csv", q); after != before {
		t.Fatalf("the cancelled job's values are visible: %s -> %s", before, after)
	}
	var full *store.JobStatus
	st := h.status()
	for i := range st.Jobs {
		if st.Jobs[i].Job == "kolada-full" {
			full = &st.Jobs[i]
		}
	}
	if full == nil || full.LastFailure == nil || full.LastFailure.Trigger != store.TriggerCatchUp ||
		!strings.Contains(full.LastFailure.Error, "stopped before it finished") {
		t.Fatalf("the cancelled job is not recorded as failed: %+v", full)
	}
	if st.RecentLoads[0].Status != store.StatusFailed || st.RecentLoads[0].Mode != "full" {
		t.Fatalf("the cancelled load: %+v", st.RecentLoads[0])
	}
	if _, err := os.Stat(h.db + ".writing"); err == nil {
		t.Fatal("the working copy is left after a clean stop")
	}
}

// TestKillNineAtRandomMoments kills runs after a random delay (seeded, so a
// failure can be replayed) anywhere between their start and their end. Each
// time the published store is either exactly as before or completely the new
// state, and the next run ends with the same values as the fake holds, as an
// uninterrupted run would. `make soak` repeats it.
func TestKillNineAtRandomMoments(t *testing.T) {
	h := newHarness(t)
	h.mustRun("run")
	start := time.Now()
	h.revise(1, 0.5)
	h.mustRun("run")
	whole := time.Since(start) / 2
	rng := rand.New(rand.NewPCG(7, uint64(soak())))
	for i := 0; i < 3*soak(); i++ {
		delay := time.Duration(rng.Int64N(int64(whole)))
		t.Run(fmt.Sprintf("after_%s", delay.Round(time.Millisecond)), func(t *testing.T) {
			h.revise(5, 1)
			before := sha(t, h.db)
			p := h.start("main", nil, "run")
			time.Sleep(delay)
			_ = p.cmd.Process.Signal(syscall.SIGKILL)
			p.wait(t)

			if after := sha(t, h.db); after != before {
				// Killed after the rename: the new state must be whole.
				if got := h.status().Sources[0].CurrentValues; got != h.configuredValues() {
					t.Fatalf("a store replaced by a killed run holds %d current values, want %d", got, h.configuredValues())
				}
			}
			if _, errs, code := h.exec(nil, "run"); code != ExitOK {
				t.Fatalf("the run after the kill: exit %d\n%s", code, errs)
			}
			h.checkSameAsFake(t, "N20900", 2024)
		})
	}
}

// checkSameAsFake compares the store's current values of one KPI and year
// with what the fake Kolada holds.
func (h *harness) checkSameAsFake(t *testing.T, kpi string, year int) {
	t.Helper()
	out := h.mustRun("sql", "--format", "csv", fmt.Sprintf(`SELECT unit_id, value FROM observation
		WHERE indicator_id = '%s' AND year = %d AND gender = 'T' AND unit_kind = 'municipality' ORDER BY unit_id`, kpi, year))
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		unit, value, _ := strings.Cut(line, ",")
		got[unit] = value
	}
	n := 0
	for k, v := range h.ds.Values {
		if k.KPI != kpi || k.Year != year || k.Gender != "T" || v.Deleted || k.OU {
			continue
		}
		n++
		want := ""
		if v.Value != nil {
			want = strconv.FormatFloat(*v.Value, 'f', -1, 64)
		}
		if got[k.Unit] != want {
			t.Fatalf("%s %s %d: the store has %q, the fake %q", kpi, k.Unit, year, got[k.Unit], want)
		}
	}
	if n != len(got) {
		t.Fatalf("%d values in the store, %d in the fake", len(got), n)
	}
}
