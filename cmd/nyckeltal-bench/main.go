//go:build unix

// Command nyckeltal-bench measures nyckeltal against DuckDB's own JSON
// reader, the minimum number of requests, a full load, and encoding/csv, and
// prints the figures as ratios (see internal/bench and docs/PERFORMANCE.md).
//
//	nyckeltal-bench [--values 20000000] [--update docs/PERFORMANCE.md]
//
// `native` and `parse` are the measured halves it runs as subprocesses.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/nyckeltal/nyckeltal/internal/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "nyckeltal-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) > 0 && (args[0] == "native" || args[0] == "parse") {
		return runPart(ctx, args[0], args[1:])
	}
	fs := flag.NewFlagSet("nyckeltal-bench", flag.ContinueOnError)
	values := fs.Int64("values", 20_000_000, "values of the Kolada-scale load")
	parserMB := fs.Int64("parser-mb", 50, "size of each synthetic parser input, MB")
	bin := fs.String("bin", "bin", "directory with nyckeltal and kolada-fake")
	work := fs.String("work", filepath.Join(os.TempDir(), "nyckeltal-bench"), "scratch directory (several GB at full scale)")
	update := fs.String("update", "", "also write the figures into this document, between its bench markers")
	if err := fs.Parse(args); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cfg := bench.Config{BinDir: *bin, Self: self, WorkDir: *work, Values: *values, ParserBytes: *parserMB * 1_000_000}
	rep, err := bench.Run(ctx, cfg, os.Stderr)
	if err != nil {
		return err
	}
	text := rep.Markdown()
	fmt.Print(text)
	if *update != "" {
		return bench.UpdateDoc(*update, text)
	}
	return nil
}

func runPart(ctx context.Context, part string, args []string) error {
	fs := flag.NewFlagSet(part, flag.ContinueOnError)
	pages := fs.String("pages", "", "native: directory of saved pages")
	db := fs.String("db", "", "native: the store to create")
	kind := fs.String("kind", "", "parse: webfocus, treserva or csv")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if part == "native" {
		_, err := bench.Native(ctx, *pages, *db)
		return err
	}
	d, err := bench.Parse(ctx, *kind, fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Println(d)
	return nil
}
