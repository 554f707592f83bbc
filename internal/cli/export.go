package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/nyckeltal/nyckeltal/internal/swedish"
)

// exportOptions are the options of `nyckeltal export parquet`.
type exportOptions struct {
	out string
}

func newExportCmd(f *factory) *cobra.Command {
	cmd := &cobra.Command{Use: "export", Short: "Export the store for other tools (Parquet)"}
	opts := &exportOptions{}
	parquet := &cobra.Command{
		Use:   "parquet --out DIR",
		Short: "Write the current observations, metadata and views as Parquet, Hive-partitioned by source and year",
		Long: `Write the store as Parquet files (zstd), the format Spark, Trino, BigQuery,
Power BI, pandas/polars and DuckDB itself read:

  observation/source=S/year=Y/*.parquet     the current value of every key
  v_kolada_value/year=Y/, v_local_value/source=S/year=Y/, v_nka/year=Y/,
  v_nka_gap/year=Y/                          the analysts' views
  v_peer_group.parquet, v_indicator.parquet, kpi.parquet, municipality.parquet,
  municipality_group(_member).parquet, ou.parquet, local_indicator.parquet,
  nka_area.parquet, load.parquet             metadata and lineage
  _nyckeltal_export.json                     what was written, row counts, how to read it

The partition columns are in the directory names, not the files: read with
hive_partitioning (DuckDB: read_parquet('DIR/observation/**/*.parquet',
hive_partitioning = true)). Not exported: the value history, the run
bookkeeping and the pseudonymised Treserva decisions (personal data).

The export is written beside DIR and swapped in when complete; an existing DIR
must be an earlier export or empty. It reads the store read-only, so it runs
while a load writes. See docs/EXPORT.md for DuckLake, warehouses, and queries
from the DuckDB CLI and Python.`,
		Example: `  nyckeltal export parquet --out export/
  duckdb -c "SELECT source, year, count(*) FROM read_parquet('export/observation/**/*.parquet', hive_partitioning = true) GROUP BY ALL"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runExport(cmd.Context(), opts, f)
		},
	}
	parquet.Flags().StringVar(&opts.out, "out", "", "the directory to write (replaced when it holds an earlier export)")
	cmd.AddCommand(parquet)
	return cmd
}

func runExport(ctx context.Context, opts *exportOptions, f *factory) error {
	if strings.TrimSpace(opts.out) == "" {
		return usageErrorf("--out DIR: the directory to write the Parquet files into")
	}
	ex, err := f.app.Export(ctx, opts.out)
	if err != nil {
		return err
	}
	fmt.Fprintf(f.stdout, "Exporterade %s till %s:\n", ex.Store, ex.Dir)
	tw := tabwriter.NewWriter(f.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SÖKVÄG\tRADER\tPARTITIONERAD EFTER")
	for _, t := range ex.Tables {
		partition := strings.Join(t.PartitionBy, ", ")
		if partition == "" {
			partition = swedish.Missing
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", t.Path, formatInt(t.Rows), partition) // the path names the table
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(f.stdout, "Läs exporten med: duckdb -c \"SELECT * FROM read_parquet('%s/observation/**/*.parquet', hive_partitioning = true) LIMIT 10\"\n", ex.Dir)
	return nil
}
