package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// kpiSearchOptions are the options of `nyckeltal kpi search`.
type kpiSearchOptions struct {
	text   string
	remote bool
	limit  int
	format string
}

func newKPICmd(f *factory) *cobra.Command {
	cmd := &cobra.Command{Use: "kpi", Short: "Find Kolada key figures"}
	opts := &kpiSearchOptions{}
	search := &cobra.Command{
		Use:   "search TEXT",
		Short: "Find KPI ids by words of their title",
		Long: `Find KPI ids by words of their title, id or operating area. Every word must
match; case and accents do not matter ("aldreomsorg" finds "äldreomsorg").

It searches the KPI catalogue in the store (kept by every Kolada load when
kolada.catalogue = "all"). --remote asks Kolada's /kpi?title= instead.`,
		Example: `  nyckeltal kpi search nettokostnadsavvikelse äldreomsorg
  nyckeltal kpi search "väntetid särskilt boende"
  nyckeltal kpi search --remote helhetsbedömning --format json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.text = strings.Join(args, " ")
			return runKPISearch(cmd.Context(), opts, f)
		},
	}
	search.Flags().BoolVar(&opts.remote, "remote", false, "search Kolada's API instead of the local catalogue")
	search.Flags().IntVar(&opts.limit, "limit", 50, "at most this many hits")
	search.Flags().StringVar(&opts.format, "format", "table", "table (for people, Swedish headings), csv or json (stable English keys)")
	cmd.AddCommand(search)
	return cmd
}

func runKPISearch(ctx context.Context, opts *kpiSearchOptions, f *factory) error {
	kpis, err := f.app.SearchKPIs(ctx, opts.text, opts.limit, opts.remote)
	if err != nil {
		return err
	}
	rows := make([][]any, len(kpis))
	for i, k := range kpis {
		rows[i] = []any{k.ID, k.Title, k.OperatingArea}
	}
	if len(kpis) == 0 && opts.format == "table" {
		fmt.Fprintln(f.stderr, "Inget nyckeltal passar; försök med färre eller kortare ord, eller --remote")
		return nil
	}
	cols := []string{"id", "title", "operating_area"} // csv and json: stable keys
	if opts.format == "table" {
		cols = []string{"Id", "Titel", "Verksamhetsområde"} // the table is for people
	}
	return writeRows(f.stdout, opts.format, cols, rows)
}
