package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/nyckeltal/nyckeltal/connectors/kolada"
	"github.com/nyckeltal/nyckeltal/internal/app"
	"github.com/nyckeltal/nyckeltal/internal/store"
	"github.com/nyckeltal/nyckeltal/internal/swedish"
)

func newKoladaCmd(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "kolada",
		Short: "Ask Kolada how it answers (probe)",
	}
	cmd.AddCommand(newKoladaProbeCmd(f))
	return cmd
}

// probeOptions are the options of `kolada probe`.
type probeOptions struct {
	json bool
}

func newKoladaProbeCmd(f *factory) *cobra.Command {
	opts := &probeOptions{}
	cmd := &cobra.Command{
		Use:   "probe",
		Short: "Find out how Kolada's API answers where that is not documented, and store it",
		Long: `Ask Kolada about ten polite questions (rate limited like every request) whose
answers public evidence does not settle, print what they tell, and store them in
the tables kolada_probe and kolada_probe_finding (view v_kolada_probe). It loads
no data.

What it finds out (docs/KOLADA-API.md has the evidence for each):
  no_data          is "no data" 200 with an empty page, or 404?
  group_means      does a group id in the municipality segment answer the group's mean?
  empty_last_page  does the last page (or an empty one) carry a next_url?
  next_url_params  does next_url keep from_date and per_page?
  listed_units     does a request for listed municipalities answer only them?
  all_units        does a request for every municipality answer groups or regions too?
  rate_limit       does Kolada advertise or enforce a rate limit?
  v2               what does the retired v2 API answer (410 Gone, or an error with 200)?

The Kolada connector handles every one of these answers; it follows the newest
probe of its base URL where that matters: when the probe found that Kolada
answers no data with 200, a 404 on a data route is an error instead of no data.
` + "`nyckeltal run`" + ` probes by itself on its first run and after a Kolada failure the
probe could explain. The probe asks about the first KPI of kolada.kpis, the home
municipality and the year before last.`,
		Example: `  nyckeltal kolada probe
  nyckeltal kolada probe --json | jq '.findings[] | {behaviour, answer}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runKoladaProbe(cmd.Context(), opts, f)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the findings as JSON, for monitoring")
	return cmd
}

func runKoladaProbe(ctx context.Context, opts *probeOptions, f *factory) error {
	probe, before, err := f.app.ProbeKolada(ctx)
	if err != nil {
		return err
	}
	if opts.json {
		return writeProbeJSON(f.stdout, probe, before)
	}
	printProbe(f.stdout, probe, before)
	return nil
}

// probeJSON is the --json form: the stored probe, and for each finding what
// the connector does about it and what it was in the probe before.
type probeJSON struct {
	*store.KoladaProbe
	Findings []probeFindingJSON `json:"findings"`
	// Changed lists the behaviours whose answer differs from the previous
	// probe of the same base URL.
	Changed []string `json:"changed"`
}

type probeFindingJSON struct {
	store.KoladaFinding
	Before    string `json:"before,omitempty"`
	Connector string `json:"connector"`
}

func writeProbeJSON(w io.Writer, p, before *store.KoladaProbe) error {
	out := probeJSON{KoladaProbe: p, Changed: []string{}}
	for _, f := range p.Findings {
		pf := probeFindingJSON{KoladaFinding: f, Connector: kolada.ConnectorAction(f.Behaviour, f.Answer)}
		if before != nil {
			pf.Before = before.Answer(f.Behaviour)
			if pf.Before != f.Answer {
				out.Changed = append(out.Changed, f.Behaviour)
			}
		}
		out.Findings = append(out.Findings, pf)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// printProbe is the probe for people, in Swedish; the behaviours' and
// answers' keys (no_data, empty_200 …) stay as stored, beside their names.
func printProbe(w *output, p, before *store.KoladaProbe) {
	fmt.Fprintf(w, "Avläsning %d av hur Kolada svarar, %s, %s (%s anrop):\n", p.ID, p.BaseURL,
		swedish.Time(p.ProbedAt), formatInt(p.Requests))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  BETEENDE\tSVAR\tVAD KOLADA SVARADE")
	for _, f := range p.Findings {
		changed := ""
		if before != nil && before.Answer(f.Behaviour) != f.Answer {
			changed = fmt.Sprintf(" (var %s %s)", orDash(before.Answer(f.Behaviour)), swedish.Date(before.ProbedAt))
		}
		fmt.Fprintf(tw, "  %s (%s)\t%s%s\t%s\n", kolada.BehaviourText(f.Behaviour), f.Behaviour, f.Answer, changed, f.Detail)
		fmt.Fprintf(tw, "  \t\tanslutningen: %s\n", kolada.ConnectorAction(f.Behaviour, f.Answer))
	}
	_ = tw.Flush() // a failed write stays in w, which the command returns
	fmt.Fprintln(w, "Sparad i kolada_probe (SELECT * FROM v_kolada_probe); Kolada-anslutningen följer den senaste avläsningen av sin bas-URL.")
}

func orDash(s string) string { return app.OrDash(s) }
