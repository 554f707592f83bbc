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
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/nyckeltal/nyckeltal/internal/swedish"
)

// Config says what to measure and where the binaries are.
type Config struct {
	BinDir      string // bin/ with nyckeltal and kolada-fake
	Self        string // this program, re-run for the native reader and the parsers
	WorkDir     string // scratch space; several GB at full scale
	Values      int64  // Kolada-scale values of the ingest scenario
	ParserBytes int64  // size of each synthetic parser input
	LoadBytes   int64  // size of the Treserva extract loaded whole
	BombStrings int    // shared strings of the hostile workbook
	// Only runs one part: "kolada" (ingest and gap) or "parsers" (the
	// parsers, the big Treserva load and the hostile workbook); "" both.
	Only string
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
	Big     *LoadFigures // the big Treserva load
	Bomb    *BombFigures
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
		_, _ = fmt.Fprintf(progress, "bench: %s …\n", name)
		start := time.Now()
		if err := fn(dir); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		_, _ = fmt.Fprintf(progress, "bench: %s done in %s\n", name, time.Since(start).Round(time.Second))
		return os.RemoveAll(dir)
	}
	var err error
	if cfg.Only == "" || cfg.Only == "kolada" {
		if err = step("kolada", func(dir string) error { r.Kolada, err = runKolada(ctx, cfg, dir); return err }); err != nil {
			return nil, err
		}
		if err = step("gap", func(dir string) error { r.Gap, err = runGap(ctx, cfg, dir); return err }); err != nil {
			return nil, err
		}
	}
	if cfg.Only == "" || cfg.Only == "parsers" {
		if err = step("parsers", func(dir string) error { r.Parsers, err = runParsers(ctx, cfg, dir, progress); return err }); err != nil {
			return nil, err
		}
		if err = step("treserva-load", func(dir string) error { r.Big, err = runLoad(ctx, cfg, dir); return err }); err != nil {
			return nil, err
		}
		if err = step("shared-strings", func(dir string) error { r.Bomb, err = runBomb(ctx, cfg, dir); return err }); err != nil {
			return nil, err
		}
	}
	r.Load[1] = loadAverage()
	return r, nil
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**not met**"
}

func mib(kb int64) string { return fmt.Sprintf("%s MiB", swedish.Group(kb/1024, " ")) }

func (r *Report) header() string {
	return fmt.Sprintf("Measured %s on %s/%s, %d CPUs, load average %s before and %s after.\n\n",
		r.Started.Format("2006-01-02 15:04"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), r.Load[0], r.Load[1])
}

// KoladaMarkdown renders the Kolada and gap figures for docs/PERFORMANCE.md.
func (r *Report) KoladaMarkdown() string {
	if r.Kolada == nil && r.Gap == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(r.header())
	if k := r.Kolada; k != nil {
		conn := float64(k.Values) / k.Connector.Wall.Seconds()
		native := float64(k.Values) / k.Native.Wall.Seconds()
		ratio := native / conn
		reqRatio := float64(k.Requests) / float64(k.MinRequests)
		incFrac := k.Incremental.Wall.Seconds() / k.Connector.Wall.Seconds()
		fmt.Fprintf(&b, "Kolada scale: %s values (%d KPIs × %d municipalities × %d years × T/K/M, %s answer rows).\n\n",
			swedish.Group(k.Values, " "), k.KPIs, benchMunicipalities, len(benchYears), swedish.Group(k.Rows, " "))
		fmt.Fprintf(&b, "| figure | measured | target | |\n|---|---|---|---|\n")
		fmt.Fprintf(&b, "| 1. ingest: DuckDB read_json values/s ÷ connector values/s | %.2f× (%s vs %s values/s) | ≤ 2× | %s |\n",
			ratio, swedish.Group(int64(native), " "), swedish.Group(int64(conn), " "), verdict(ratio <= 2))
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
	return b.String()
}

// ParsersMarkdown renders the parser figures against their targets.
func (r *Report) ParsersMarkdown() string {
	if len(r.Parsers) == 0 && r.Big == nil && r.Bomb == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(r.header())
	if len(r.Parsers) > 0 {
		fmt.Fprintf(&b, "| 5. parser | input | parser MB/s | encoding/csv MB/s on the same bytes | parser ÷ csv (target ≥ 0.50) | | peak memory, parser (csv) | target: 3 × input + 100 MiB | |\n")
		fmt.Fprintf(&b, "|---|---|---|---|---|---|---|---|---|\n")
		for _, p := range r.Parsers {
			input := fmt.Sprintf("%.0f MB", float64(p.Bytes)/1e6)
			if p.CSVBytes != p.Bytes {
				input += fmt.Sprintf(" (the table of %.0f MB of COMT)", float64(p.CSVBytes)/1e6)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %.2f | %s | %s (%s) | %s | %s |\n", p.Kind, input,
				formatFloat(p.ParserMBs(), 1), formatFloat(p.CSVMBs(), 1), p.Ratio(), verdict(p.Ratio() >= 0.5),
				mib(p.Parser.PeakKB), mib(p.CSV.PeakKB), mib(p.MemoryTargetKB()), verdict(p.Parser.PeakKB <= p.MemoryTargetKB()))
		}
		b.WriteString("\n")
		for _, p := range r.Parsers {
			if bound := p.InflateBound(); bound > 0 {
				fmt.Fprintf(&b, "%s: inflating the workbook once, and nothing else, took %s (median), %.2f × encoding/csv's time on the same table. "+
					"The parser inflates this worksheet once (it has no merged ranges; a sheet whose merged ranges cover its rows is read again), "+
					"so inflating alone keeps its parser ÷ csv under %.2f; the parse took %.2f × one inflate's time.\n\n",
					p.Kind, p.InflateTime.Round(time.Millisecond), p.InflateTime.Seconds()/p.CSVTime.Seconds(), bound, p.OverInflate())
			}
		}
	}
	if l := r.Big; l != nil {
		fmt.Fprintf(&b, "| figure | measured | target | |\n|---|---|---|---|\n")
		fmt.Fprintf(&b, "| 7. `ingest treserva` of a %.0f MB extract, whole (read, check, compute, stage, publish) | %s, peak memory %s | < 1 GiB | %s |\n",
			float64(l.Bytes)/1e6, l.Load.Wall.Round(100*time.Millisecond), mib(l.Load.PeakKB), verdict(l.Load.PeakKB < 1<<20))
	}
	if bo := r.Bomb; bo != nil {
		if r.Big == nil {
			fmt.Fprintf(&b, "| figure | measured | target | |\n|---|---|---|---|\n")
		}
		fmt.Fprintf(&b, "| 8. a %s kB XLSX of %s tiny shared strings | refused in %s, peak memory %s: \"%s\" | refused quickly, with its reason | %s |\n",
			swedish.Group(bo.Bytes/1000, " "), swedish.Group(int64(bo.Strings), " "), bo.Took.Round(10*time.Millisecond), mib(bo.Parse.PeakKB),
			strings.ReplaceAll(bo.Reason, "|", "\\|"), verdict(bo.Took < 10*time.Second))
	}
	b.WriteString("\n")
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

// UpdateDoc replaces the text between the markers <!-- bench:NAME:begin -->
// and <!-- bench:NAME:end --> of a document.
func UpdateDoc(path, name, text string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	begin, end := "<!-- bench:"+name+":begin -->", "<!-- bench:"+name+":end -->"
	s := string(b)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		return fmt.Errorf("%s has no %s … %s markers", path, begin, end)
	}
	s = s[:i+len(begin)] + "\n" + text + s[j:]
	return os.WriteFile(path, []byte(s), 0o644)
}
