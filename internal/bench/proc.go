//go:build unix

package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// measured is one subprocess: its wall time and its peak resident memory.
type measured struct {
	Wall   time.Duration
	PeakKB int64
	Stdout string
}

// runMeasured runs a command to completion and reads its peak resident
// memory from /proc/PID/status (VmHWM) as it runs, so that the measured
// process is nothing but the program: the kernel's rusage of a child counts
// the parent's memory at the fork too. Without /proc, rusage is used.
func runMeasured(ctx context.Context, env []string, name string, args ...string) (measured, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return measured{}, fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	var hwm atomic.Int64
	done := make(chan struct{})
	go func() {
		status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
		for {
			if kb := vmHWM(status); kb > hwm.Load() {
				hwm.Store(kb)
			}
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	m := measured{Wall: time.Since(start), Stdout: out.String(), PeakKB: hwm.Load()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru != nil && m.PeakKB == 0 {
		m.PeakKB = ru.Maxrss // kilobytes on Linux
	}
	if err != nil {
		return m, fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, tail(errb.String(), 2000))
	}
	return m, nil
}

// vmHWM is the peak resident memory in kB that /proc/PID/status reports, or 0.
func vmHWM(status string) int64 {
	b, err := os.ReadFile(status)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb
		}
	}
	return 0
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// loadAverage is the 1-minute load average, to show how busy the machine was.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "unknown"
	}
	return f[0]
}

// execCommand starts a helper process (the fake Kolada) that is not measured.
func execCommand(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stderr = os.Stderr
	return cmd
}
