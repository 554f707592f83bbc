package cli

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// newTestFactory is what App.Run builds before a command's run function is
// called, without cobra: the process's surroundings and the application.
func newTestFactory(t *testing.T, env map[string]string) (*factory, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	var out, errs bytes.Buffer
	proc := &App{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errs, Now: time.Now,
		Getenv: func(k string) string { return env[k] }, IsTerminal: func(io.Writer) bool { return false }}
	f := &factory{io: proc, log: zerolog.Nop(), stdout: &output{w: &out}, stderr: &output{w: &errs},
		dbFlag: filepath.Join(t.TempDir(), "none.duckdb")}
	f.app = f.newApp("test")
	return f, &out, &errs
}

// The run functions take their options and the factory; mistakes in the
// options are said before the store or the network is touched.
func TestRunFunctionsWithoutCobra(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f, _, _ := newTestFactory(t, nil)
	var usage *UsageError
	for name, run := range map[string]func() error{
		"gap xlsx to stdout": func() error {
			return runGap(ctx, &gapOptions{nkaCommon: nkaCommon{format: "xlsx"}, formatSet: true}, f)
		},
		"gap bad as-of":      func() error { return runGap(ctx, &gapOptions{nkaCommon: nkaCommon{format: "table", asOf: "igår"}}, f) },
		"tables without out": func() error { return runTables(ctx, &tablesOptions{}, f) },
		"report without out": func() error { return runReport(ctx, &reportOptions{}, f) },
		"explain with compare": func() error {
			return runSparbeting(ctx, &sparbetingOptions{nkaCommon: nkaCommon{format: "table"}, explain: "aldreomsorg", compare: "2022,2023"}, f)
		},
		"export without out": func() error { return runExport(ctx, &exportOptions{}, f) },
		"sql two queries": func() error {
			return runSQL(ctx, &sqlOptions{args: []string{"SELECT 1"}, file: "q.sql", format: "table"}, f)
		},
	} {
		if err := run(); !errors.As(err, &usage) {
			t.Errorf("%s: %v, want a usage error", name, err)
		}
	}
	// A command that needs the store says it is missing.
	if err := runStatus(ctx, &statusOptions{recent: 1}, f); err == nil || ExitCode(err) != ExitData {
		t.Errorf("status without a store: %v (exit %d)", err, ExitCode(err))
	}
}

// A run function's own output: key generate writes the key and says where.
func TestKeyGenerateRunFunction(t *testing.T) {
	t.Parallel()
	f, out, _ := newTestFactory(t, nil)
	key := filepath.Join(t.TempDir(), "k")
	if err := runKeyGenerate(key, f); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Skrev en ny pseudonymnyckel till "+key) {
		t.Fatalf("output: %q", out.String())
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) {
	return 0, errors.New("no space left on the terminal")
}

// Output that cannot be written is an error of the command, not silence.
func TestLostOutputIsAnError(t *testing.T) {
	t.Parallel()
	var errs bytes.Buffer
	proc := &App{Stdin: strings.NewReader(""), Stdout: failingWriter{}, Stderr: &errs, Now: time.Now,
		Getenv: func(string) string { return "" }, IsTerminal: func(io.Writer) bool { return false }}
	code := proc.Run(t.Context(), []string{"--log-format", "console", "key", "generate", filepath.Join(t.TempDir(), "k")})
	if code != ExitFailure || !strings.Contains(errs.String(), "writing the output") {
		t.Fatalf("exit %d, stderr %q; want %d and the write error", code, errs.String(), ExitFailure)
	}
}
