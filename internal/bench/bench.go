//go:build unix

// Package bench measures nyckeltal against the best it could be. Machines
// here are shared and noisy, so every figure that matters is a ratio of two
// things measured side by side in the same run; absolute times are printed
// for information only. Every measured program runs as its own process, so
// that its peak memory is the kernel's count of that program alone.
//
// It is run by `make bench` (cmd/nyckeltal-bench), never by `make test`.
package bench

import (
	"context"
	"fmt"
	"github.com/nyckeltal/nyckeltal/internal/numfmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Config says what to measure and where the binaries are.
type Config struct {
	BinDir      string // bin/ with nyckeltal and kolada-fake
	Self        string // this program, re-run for the native reader and the parsers
	WorkDir     string // scratch space; several GB at full scale
	Values      int64  // Kolada-scale values of the ingest scenario
	ParserBytes int64  // size of each synthetic parser input
}

// Bin is the path of a program in BinDir.
func (c Config) Bin(name string) string { return filepath.Join(c.BinDir, name) }

// Report is one run's figures.
type Report struct {
	Started time.Time
	Load    [2]string // the load average before and after
	Kolada  *KoladaFigures
	Gap     *GapFigures
	Parsers []ParserFigures
}

// Run measures every scenario.
func Run(ctx context.Context, cfg Config, progress io.Writer) (*Report, error) {
	r := &Report{Started: time.Now()}
	r.Load[0] = loadAverage()
	step := func(name string, fn func(dir string) error) error {
		dir := filepath.Join(cfg.WorkDir, name)
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		fmt.Fprintf(progress, "bench: %s …\n", name)
		start := time.Now()
		if err := fn(dir); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Fprintf(progress, "bench: %s done in %s\n", name, time.Since(start).Round(time.Second))
		return os.RemoveAll(dir)
	}
	var err error
	if err = step("kolada", func(dir string) error { r.Kolada, err = runKolada(ctx, cfg, dir); return err }); err != nil {
		return nil, err
	}
	if err = step("gap", func(dir string) error { r.Gap, err = runGap(ctx, cfg, dir); return err }); err != nil {
		return nil, err
	}
	if err = step("parsers", func(dir string) error { r.Parsers, err = runParsers(ctx, cfg, dir); return err }); err != nil {
		return nil, err
	}
	r.Load[1] = loadAverage()
	return r, nil
}

// Markdown renders the report for docs/PERFORMANCE.md.
func (r *Report) Markdown() string {
	var b strings.Builder
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "**not met**"
	}
	mib := func(kb int64) string { return fmt.Sprintf("%.0f MiB", float64(kb)/1024) }
	fmt.Fprintf(&b, "Measured %s on %s/%s, %d CPUs, load average %s before and %s after.\n\n",
		r.Started.Format("2006-01-02 15:04"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), r.Load[0], r.Load[1])

	if k := r.Kolada; k != nil {
		conn := float64(k.Values) / k.Connector.Wall.Seconds()
		native := float64(k.Values) / k.Native.Wall.Seconds()
		ratio := native / conn
		reqRatio := float64(k.Requests) / float64(k.MinRequests)
		incFrac := k.Incremental.Wall.Seconds() / k.Connector.Wall.Seconds()
		fmt.Fprintf(&b, "Kolada scale: %s values (%d KPIs × %d municipalities × %d years × T/K/M, %s answer rows).\n\n",
			numfmt.Group(k.Values, " "), k.KPIs, benchMunicipalities, len(benchYears), numfmt.Group(k.Rows, " "))
		fmt.Fprintf(&b, "| figure | measured | target | |\n|---|---|---|---|\n")
		fmt.Fprintf(&b, "| 1. ingest: DuckDB read_json values/s ÷ connector values/s | %.2f× (%s vs %s values/s) | ≤ 2× | %s |\n",
			ratio, numfmt.Group(int64(native), " "), numfmt.Group(int64(conn), " "), verdict(ratio <= 2))
		fmt.Fprintf(&b, "| 2. requests of a full load ÷ minimum | %.3f (%d ÷ %d) | ≤ 1.2 | %s |\n",
			reqRatio, k.Requests, k.MinRequests, verdict(reqRatio <= 1.2))
		fmt.Fprintf(&b, "| 3. incremental night with nothing new ÷ full load | %.1f %% (%s ÷ %s), %d versions written | ≤ 5 %%, 0 written | %s |\n",
			100*incFrac, k.Incremental.Wall.Round(time.Millisecond), k.Connector.Wall.Round(time.Millisecond), k.Rewritten,
			verdict(incFrac <= 0.05 && k.Rewritten == 0))
		over := k.Values >= 20_000_000
		memTarget := "< 1 GiB at 20 M values"
		fmt.Fprintf(&b, "| 6. peak memory, full load | %s (connector), %s (read_json) | %s | %s |\n",
			mib(k.Connector.PeakKB), mib(k.Native.PeakKB), memTarget, verdictMem(over, k.Connector.PeakKB))
		fmt.Fprintf(&b, "| 6. peak memory, incremental night | %s | | |\n\n", mib(k.Incremental.PeakKB))
	}
	if g := r.Gap; g != nil {
		fmt.Fprintf(&b, "| figure | measured | target | |\n|---|---|---|---|\n")
		fmt.Fprintf(&b, "| 4. `gap --municipality all`, %d rows (290 municipalities × 8 areas × 10 years) | %s whole command (%s of it opening the store and starting; median of 5) | < 1 s | %s |\n",
			g.Rows, g.Gap.Wall.Round(time.Millisecond), g.Startup.Wall.Round(time.Millisecond), verdict(g.Gap.Wall < time.Second))
		fmt.Fprintf(&b, "| 6. peak memory, gap | %s | | |\n\n", mib(g.Gap.PeakKB))
	}
	if len(r.Parsers) > 0 {
		fmt.Fprintf(&b, "| 5. parser | input | parser MB/s | encoding/csv MB/s on the same bytes | parser ÷ csv | peak memory (parser, csv) |\n|---|---|---|---|---|---|\n")
		for _, p := range r.Parsers {
			pm, cm := mbPerSecond(p.Bytes, p.ParseTime), mbPerSecond(p.Bytes, p.CSVTime)
			fmt.Fprintf(&b, "| %s | %.0f MB | %s | %s | %.2f | %s, %s |\n", p.Kind, float64(p.Bytes)/1e6,
				formatFloat(pm, 1), formatFloat(cm, 1), pm/cm, mib(p.Parser.PeakKB), mib(p.CSV.PeakKB))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func verdictMem(atScale bool, kb int64) string {
	switch {
	case !atScale:
		return "(below 20 M values: not judged)"
	case kb < 1<<20:
		return "met"
	}
	return "**not met**"
}

// UpdateDoc replaces the text between the bench markers of a document.
func UpdateDoc(path, text string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	const begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
	s := string(b)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		return fmt.Errorf("%s has no %s … %s markers", path, begin, end)
	}
	s = s[:i+len(begin)] + "\n" + text + s[j:]
	return os.WriteFile(path, []byte(s), 0o644)
}
