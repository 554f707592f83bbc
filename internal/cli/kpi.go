package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nyckeltal/nyckeltal/connectors/kolada"
	"github.com/nyckeltal/nyckeltal/internal/store"
)

func newKPICmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "kpi", Short: "Find Kolada key figures"}
	var remote bool
	var limit int
	var format string
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
			text := strings.Join(args, " ")
			var kpis []store.KPI
			var err error
			if remote {
				kpis, err = e.searchRemote(cmd.Context(), text)
			} else {
				kpis, err = e.searchLocal(cmd.Context(), text, limit)
			}
			if err != nil {
				return err
			}
			return printKPIs(e, kpis, format)
		},
	}
	search.Flags().BoolVar(&remote, "remote", false, "search Kolada's API instead of the local catalogue")
	search.Flags().IntVar(&limit, "limit", 50, "at most this many hits")
	search.Flags().StringVar(&format, "format", "table", "table, csv or json")
	cmd.AddCommand(search)
	return cmd
}

func (e *env) searchLocal(ctx context.Context, text string, limit int) ([]store.KPI, error) {
	st, err := e.openReader(ctx)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return st.SearchKPIs(ctx, text, limit)
}

func (e *env) searchRemote(ctx context.Context, text string) ([]store.KPI, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	client, err := e.koladaClient()
	if err != nil {
		return nil, err
	}
	kpis, err := kolada.SearchKPIs(ctx, client, cfg.Kolada.BaseURL, text)
	if err != nil {
		return nil, fmt.Errorf("searching Kolada: %w", err)
	}
	return kpis, nil
}

func printKPIs(e *env, kpis []store.KPI, format string) error {
	rows := make([][]any, len(kpis))
	for i, k := range kpis {
		rows[i] = []any{k.ID, k.Title, k.OperatingArea}
	}
	if len(kpis) == 0 && format == "table" {
		fmt.Fprintln(e.app.Stderr, "no KPI matches; try fewer or shorter words, or --remote")
		return nil
	}
	return writeRows(e.app.Stdout, format, []string{"id", "title", "operating_area"}, rows)
}
