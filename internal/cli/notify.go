package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/pipeline"
)

// failureSummary is what notify.command reads on stdin (format json).
type failureSummary struct {
	RunID    string       `json:"run_id"`
	Trigger  string       `json:"trigger"`
	Host     string       `json:"host"`
	Store    string       `json:"store"`
	ExitCode int          `json:"exit_code"`
	Error    string       `json:"error"`
	Hint     string       `json:"hint,omitempty"`
	Jobs     []jobSummary `json:"jobs"`
}

type jobSummary struct {
	Job         string  `json:"job"`
	Outcome     string  `json:"outcome"`
	LoadIDs     []int64 `json:"load_ids,omitempty"`
	RowsRead    int64   `json:"rows_read"`
	RowsWritten int64   `json:"rows_written"`
	Requests    int64   `json:"requests"`
	DurationS   float64 `json:"duration_s"`
	Error       string  `json:"error,omitempty"`
}

func (e *env) summarize(rep pipeline.Report, err error) failureSummary {
	host, _ := os.Hostname()
	path, _ := e.dbPath()
	s := failureSummary{RunID: rep.RunID, Trigger: rep.Trigger, Host: host, Store: path,
		ExitCode: ExitCode(err), Error: err.Error(), Hint: hint(err, e), Jobs: []jobSummary{}}
	for _, o := range rep.Outcomes {
		js := jobSummary{Job: o.Job, Outcome: "ok", LoadIDs: o.LoadIDs, RowsRead: o.RowsRead,
			RowsWritten: o.RowsWritten, Requests: o.Requests, DurationS: o.Finished.Sub(o.Started).Seconds()}
		if o.Err != nil {
			js.Outcome, js.Error = "failed", o.Err.Error()
		}
		s.Jobs = append(s.Jobs, js)
	}
	for _, n := range rep.NotRun {
		s.Jobs = append(s.Jobs, jobSummary{Job: n, Outcome: "not run"})
	}
	return s
}

func (s failureSummary) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "nyckeltal: run %s (%s) on %s failed (exit code %d).\n\n", s.RunID, s.Trigger, s.Host, s.ExitCode)
	fmt.Fprintf(&b, "Error: %s\n", s.Error)
	if s.Hint != "" {
		fmt.Fprintf(&b, "Hint: %s\n", s.Hint)
	}
	if len(s.Jobs) > 0 {
		b.WriteString("\nJobs:\n")
		for _, j := range s.Jobs {
			fmt.Fprintf(&b, "  %-12s %-8s %6.1fs", j.Job, j.Outcome, j.DurationS)
			if j.Error != "" {
				fmt.Fprintf(&b, "  %s", j.Error)
			}
			b.WriteString("\n")
		}
	}
	fmt.Fprintf(&b, "\nStore: %s. A failed job leaves its previous data in place; `nyckeltal status` shows the details.\n", s.Store)
	return b.String()
}

// notifyFailure runs notify.command, when configured, with the summary on
// stdin. Its own failure is logged, never returned: the run's error is the
// news.
func (e *env) notifyFailure(ctx context.Context, rep pipeline.Report, runErr error) {
	cfg, err := e.config()
	if err != nil || len(cfg.Notify.Command) == 0 {
		return
	}
	s := e.summarize(rep, runErr)
	var input []byte
	if cfg.Notify.Format == "json" {
		input, _ = json.MarshalIndent(s, "", "  ")
	} else {
		input = []byte(s.text())
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.Notify.Timeout.Duration)
	defer cancel()
	cmd := exec.CommandContext(cctx, cfg.Notify.Command[0], cfg.Notify.Command[1:]...)
	cmd.Stdin = bytes.NewReader(input)
	cmd.Env = append(os.Environ(), "NYCKELTAL_RUN_ID="+s.RunID, fmt.Sprintf("NYCKELTAL_EXIT_CODE=%d", s.ExitCode))
	out, err := cmd.CombinedOutput()
	if err != nil {
		if errors.Is(cctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("stopped after %s: %w", cfg.Notify.Timeout.Duration, err)
		}
		e.log.Error().Err(err).Strs("command", cfg.Notify.Command).Str("output", truncateText(string(out), 500)).
			Msg("notify.command failed")
		return
	}
	e.log.Info().Strs("command", cfg.Notify.Command).Str("run_id", s.RunID).Msg("failure notified")
}
