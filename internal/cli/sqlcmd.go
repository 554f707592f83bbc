package cli

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	sqlfiles "github.com/nyckeltal/nyckeltal/sql"
)

// sqlOptions are the options of `nyckeltal sql`.
type sqlOptions struct {
	stdin                  io.Reader
	args                   []string
	file, analysis, format string
	list                   bool
}

func newSQLCmd(f *factory) *cobra.Command {
	opts := &sqlOptions{}
	cmd := &cobra.Command{
		Use:   `sql [--format table|csv|json] "QUERY" | -f FILE | --analysis NAME`,
		Short: "Run a read-only SQL query against the store",
		Long: `Run one read-only SQL query against the store and print the result. The store
is opened read-only, so nothing can be changed by mistake and a running load is
never in the way.

Useful tables and views: observation (current values), observation_history
(every version), observation_as_of(TIMESTAMP) (the values as known then), load
(lineage), kpi, municipality, municipality_group, v_municipality_group_member,
v_kolada_value (Kolada values with names; "Källa: Kolada"), and for the
nettokostnadsavvikelse against liknande kommuner v_nka, v_peer_group, v_nka_gap
and the table macro nka_gap(comparator := 'median', as_of := '2025-06-02').

Ready-made analyses ship with the binary: list them with --list and run one
with --analysis NAME.

One statement is run: SELECT (WITH, FROM-first, VALUES, SHOW, DESCRIBE,
SUMMARIZE) or EXPLAIN, over the store's tables, views and table macros. Refused,
with a message saying so (exit code 2): COPY, ATTACH, INSTALL, LOAD, EXPORT,
SET, CREATE (temporary tables, views and macros too), any other change, and
every function that reads a file (read_text, read_csv, read_parquet, glob, a
file name in FROM): the query sees the store and nothing else of the machine.
Any DuckDB client (the duckdb CLI, DBeaver, Python, R) can open the same file
read-only for more (docs/SECURITY.md).`,
		Example: `  nyckeltal sql "SELECT kpi_id, municipality, year, value FROM v_kolada_value WHERE municipality_id = '0581' AND kpi_id = 'N20900' ORDER BY year"
  nyckeltal sql --format csv -f my-query.sql > result.csv
  nyckeltal sql --analysis revisions`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.stdin, opts.args = cmd.InOrStdin(), args
			return runSQL(cmd.Context(), opts, f)
		},
	}
	cmd.Flags().StringVarP(&opts.file, "file", "f", "", "read the query from FILE (- for standard input)")
	cmd.Flags().StringVarP(&opts.analysis, "analysis", "a", "", "run a ready-made analysis (see --list)")
	cmd.Flags().BoolVar(&opts.list, "list", false, "list the ready-made analyses")
	cmd.Flags().StringVar(&opts.format, "format", "table", "table, csv or json")
	return cmd
}

func runSQL(ctx context.Context, opts *sqlOptions, f *factory) error {
	if opts.list {
		for _, n := range analysisNames() {
			fmt.Fprintln(f.stdout, n)
		}
		return nil
	}
	query, err := pickQuery(opts.stdin, opts.args, opts.file, opts.analysis)
	if err != nil {
		return err
	}
	if opts.format != "table" && opts.format != "csv" && opts.format != "json" {
		return usageErrorf("--format %q: use table, csv or json", opts.format)
	}
	res, err := f.app.Query(ctx, query)
	if err != nil {
		return err
	}
	return writeRows(f.stdout, opts.format, res.Columns, res.Rows)
}

func pickQuery(stdin io.Reader, args []string, file, analysis string) (string, error) {
	given := 0
	for _, set := range []bool{len(args) == 1, file != "", analysis != ""} {
		if set {
			given++
		}
	}
	if given != 1 {
		return "", usageErrorf(`give exactly one of "QUERY", -f FILE or --analysis NAME`)
	}
	switch {
	case file == "-":
		b, err := io.ReadAll(stdin)
		return string(b), err
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", usageErrorf("reading query: %w", err)
		}
		return string(b), nil
	case analysis != "":
		b, err := fs.ReadFile(sqlfiles.Analyses, "analyses/"+strings.TrimSuffix(analysis, ".sql")+".sql")
		if err != nil {
			return "", usageErrorf("no analysis named %q; these exist: %s", analysis, strings.Join(analysisNames(), ", "))
		}
		return string(b), nil
	}
	return args[0], nil
}

func analysisNames() []string {
	files, _ := fs.Glob(sqlfiles.Analyses, "analyses/*.sql")
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(strings.TrimPrefix(f, "analyses/"), ".sql"))
	}
	sort.Strings(names)
	return names
}
