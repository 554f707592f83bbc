//go:build unix

// Command nyckeltal-bench measures nyckeltal against DuckDB's own JSON
// reader, the minimum number of requests, a full load, and encoding/csv, and
// prints the figures as ratios (see internal/bench and docs/PERFORMANCE.md).
//
//	nyckeltal-bench [--values 20000000] [--only kolada|parsers] [--update docs/PERFORMANCE.md]
//
// --only parsers measures only the local-file parsers (and the big Treserva
// load and the hostile workbook), leaving the Kolada figures of the document
// as they are.
//
// `native` and `parse` are the measured halves it runs as subprocesses;
// `gen --kind K --mb N FILE` writes one parser input, so that `parse` can be
// timed alone (e.g. in alternating pairs against another build).
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
	if len(args) > 0 && (args[0] == "native" || args[0] == "parse" || args[0] == "gen") {
		return runPart(ctx, args[0], args[1:])
	}
	fs := flag.NewFlagSet("nyckeltal-bench", flag.ContinueOnError)
	values := fs.Int64("values", 20_000_000, "values of the Kolada-scale load")
	parserMB := fs.Int64("parser-mb", 50, "size of each synthetic parser input, MB")
	loadMB := fs.Int64("load-mb", 500, "size of the Treserva extract loaded whole, MB")
	bomb := fs.Int("bomb-strings", 26_000_000, "shared strings of the hostile workbook")
	only := fs.String("only", "", `run one part: "kolada" (ingest and gap) or "parsers" (parsers, big load, hostile workbook)`)
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
	if *only != "" && *only != "kolada" && *only != "parsers" {
		return fmt.Errorf("--only %q: use kolada or parsers", *only)
	}
	cfg := bench.Config{BinDir: *bin, Self: self, WorkDir: *work, Values: *values, ParserBytes: *parserMB * 1_000_000,
		LoadBytes: *loadMB * 1_000_000, BombStrings: *bomb, Only: *only}
	rep, err := bench.Run(ctx, cfg, os.Stderr)
	if err != nil {
		return err
	}
	for _, part := range []struct{ name, text string }{{"kolada", rep.KoladaMarkdown()}, {"parsers", rep.ParsersMarkdown()}} {
		if part.text == "" {
			continue
		}
		fmt.Print(part.text)
		if *update != "" {
			if err := bench.UpdateDoc(*update, part.name, part.text); err != nil {
				return err
			}
		}
	}
	return nil
}

func runPart(ctx context.Context, part string, args []string) error {
	fs := flag.NewFlagSet(part, flag.ContinueOnError)
	pages := fs.String("pages", "", "native: directory of saved pages")
	db := fs.String("db", "", "native: the store to create")
	kind := fs.String("kind", "", "parse: webfocus, treserva, indicators, csv, or inflate (an XLSX's parts, nothing else); gen: comt, exl2k, xlsx, treserva or indicators")
	megabytes := fs.Int64("mb", 50, "gen: size of the input, MB (xlsx: the rows of that many MB of COMT)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if part == "gen" {
		if fs.NArg() != 1 {
			return fmt.Errorf("gen: name the file to write")
		}
		n, err := bench.Generate(*kind, fs.Arg(0), *megabytes)
		if err != nil {
			return err
		}
		fmt.Println(n, "bytes")
		return nil
	}
	if part == "native" {
		_, err := bench.Native(ctx, *pages, *db)
		return err
	}
	d, refused, err := bench.Parse(ctx, *kind, fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Println(d)
	if refused != "" {
		fmt.Println(refused)
	}
	return nil
}
