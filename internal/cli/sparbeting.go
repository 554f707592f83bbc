package cli

import (
	"context"
	"io"
	"strconv"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/app"
	"github.com/nyckeltal/nyckeltal/internal/yearrange"

	"github.com/spf13/cobra"

	"github.com/nyckeltal/nyckeltal/internal/sheet"
	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"github.com/nyckeltal/nyckeltal/internal/textsafe"
	"github.com/nyckeltal/nyckeltal/transform/nka"
)

// sparbetingOptions are the options of `nyckeltal sparbeting`.
type sparbetingOptions struct {
	nkaCommon
	formatSet                       bool
	areas, profile, plan            string
	compare, explain                string
	baseYear, targetYear, startYear int
	net                             bool
	// Which of the flags with a configured default were given.
	targetYearSet, profileSet, baseYearSet bool
}

func newSparbetingCmd(f *factory) *cobra.Command {
	opts := &sparbetingOptions{}
	c := &opts.nkaCommon
	cmd := &cobra.Command{
		Use:   "sparbeting [--municipality ID] [--base-year Y] [--areas aldreomsorg,ifo] [--target-year 2027]",
		Short: "Size a sparbeting from the NKA gap against liknande kommuner, with its glide path",
		Long: `Size a savings requirement (sparbeting) from how far the municipality's
nettokostnadsavvikelse lies above its liknande kommuner in the outcome (RS) of a
base year, as controllers do by hand from Kolada (seed: "Sparbetinget … utgår
från nettokostnadsavvikelser för liknande kommuner inom äldreomsorg och IFO
(utfall enligt RS 2022). Målet är att inför budget 2027 vara i nivå med liknande
kommuner").

Per area the gap in mnkr of ` + "`nyckeltal gap`" + ` counts as max(gap_mnkr, 0): an area below
its peers does not pay for another, unless --net. total_tkr is the sum in tkr,
rounded to a whole tkr, and the glide path spreads it over the budget years from
--start-year to the year before --target-year: even, front (falling: 3:2:1 over
three years) or your weights (--profile 50,30,20); the years' whole tkr always
sum to the total.

--compare-base-years 2022,2023 is the omräkning: the sparbeting for each base
year side by side, and per area how the gap moved, split into own NKA, the
peers' NKA and the reference cost (the three add up to the change).

--plan FILE sets an åtgärdsplan (CSV, long löpnr;åtgärd;år;belopp_tkr or wide
with a column per year; Swedish number formats) against the glide path: planned
savings per year, coverage in % and what remains. The plan's printed totals are
checked against its own sums (see data/samples/atgardsplan-2024-2026.csv).

--target (mean, median, p25, share:0.5) says what of the comparison set to
reach by the target year, and --peer-trend what is assumed of it meanwhile:
hold (its NKA stays at the base year's level) or linear:N (it follows its
least-squares line over the N years up to the base year, projected to the
target year). Every output states the target and the assumption in words.
--comparator lan, liknande:2022 or a group of your own ([nka.groups]) change the
comparison set. The sparbeting is also given in kr per invånare (N01951).

--explain AREA writes the whole calculation of one area, step by step, every
figure with its source, in Swedish, as it would go into a tjänsteskrivelse.

The plan may say per amount what kind of saving it is (columns typ: varaktig
or engångs; minskar: budgetram or underskott). Only lasting savings that
lower the budget frame, after the base year and before the target year,
count against the sparbeting; the rest is shown apart with the reason. An
amount in the base year's own budget year is already in its outcome.

--as-of reproduces a sparbeting with the values as the store knew them then.
A total that depends on a missing figure is NULL with a note, never 0.

Källa: Kolada (RKA). Beräkningar: egen bearbetning.`,
		Example: `  nyckeltal sparbeting --municipality 1267 --base-year 2022
  nyckeltal sparbeting --base-year 2024 --areas aldreomsorg,ifo --target-year 2027 --profile front
  nyckeltal sparbeting --base-year 2024 --plan data/samples/atgardsplan-2024-2026.csv
  nyckeltal sparbeting --compare-base-years 2022,2023 --format json
  nyckeltal sparbeting --municipality Höör --base-year 2024 --target median --peer-trend linear:3 --explain aldreomsorg
  nyckeltal sparbeting --base-year 2023 --comparator liknande:2022 --target share:0.5
  nyckeltal sparbeting --base-year 2023 --as-of 2024-06-30 --out sparbeting-2023.xlsx`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fl := cmd.Flags()
			opts.formatSet, opts.targetYearSet = fl.Changed("format"), fl.Changed("target-year")
			opts.profileSet, opts.baseYearSet = fl.Changed("profile"), fl.Changed("base-year")
			return runSparbeting(cmd.Context(), opts, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&c.municipality, "municipality", "", "municipality id or name (default: home_municipality of the configuration)")
	fl.IntVar(&opts.baseYear, "base-year", 0, "the outcome year (RS) the gap is measured in (default: the latest year with final values)")
	fl.StringVar(&opts.areas, "areas", "", "areas, comma-separated (default: nka.sparbeting.areas, aldreomsorg,ifo)")
	fl.StringVar(&c.comparator, "comparator", "", comparatorFlagHelp)
	fl.StringVar(&c.target, "target", "", targetFlagHelp)
	fl.StringVar(&c.peerTrend, "peer-trend", "", peerTrendFlagHelp)
	fl.StringVar(&c.groups, "group", "", "peer group ids to use instead of the automatic choice, one per area")
	fl.IntVar(&opts.targetYear, "target-year", nka.DefaultTargetYear, "the budget year by which to be at the comparator's level (default: nka.sparbeting.target_year)")
	fl.IntVar(&opts.startYear, "start-year", 0, "the first budget year of the glide path (default: base year + 2, at most the year before the target)")
	fl.StringVar(&opts.profile, "profile", "even", "even, front, or weights per budget year like 50,30,20 (default: nka.sparbeting.profile)")
	fl.BoolVar(&opts.net, "net", false, "let areas below the comparator offset those above")
	fl.StringVar(&opts.plan, "plan", "", "an åtgärdsplan CSV to set against the glide path")
	fl.StringVar(&opts.compare, "compare-base-years", "", "the omräkning: base years side by side, like 2022,2023")
	fl.StringVar(&opts.explain, "explain", "", "write the whole calculation of one area (like aldreomsorg) step by step, in Swedish, every figure with its source")
	fl.StringVar(&c.format, "format", "table", formatFlagHelp)
	fl.BoolVar(&c.excel, "excel", false, excelFlagHelp)
	fl.StringVar(&c.out, "out", "", "write to this file instead of standard output")
	fl.BoolVar(&f.forceOut, "force", false, forceOutHelp)
	fl.StringVar(&c.asOf, "as-of", "", "compute with the values as the store knew them at this date (2025-06-01) or time")
	return cmd
}

func runSparbeting(ctx context.Context, opts *sparbetingOptions, f *factory) error {
	// The configuration first: its mistakes are said before the flags'.
	if _, err := f.app.Config(); err != nil {
		return err
	}
	format, err := resolveFormat(opts.format, opts.formatSet, opts.out, opts.excel)
	if err != nil {
		return err
	}
	asOf, err := opts.asOfTime()
	if err != nil {
		return err
	}
	req, err := f.app.SparbetingRequest(app.SparbetingFlags{BaseYear: opts.baseYear, TargetYear: opts.targetYear,
		TargetYearSet: opts.targetYearSet, StartYear: opts.startYear, Net: opts.net, AsOf: asOf, Areas: opts.areas,
		Profile: opts.profile, ProfileSet: opts.profileSet, Comparator: opts.comparator, Target: opts.target,
		PeerTrend: opts.peerTrend})
	if err != nil {
		return err
	}
	if opts.explain != "" && (opts.formatSet && format != "table" || opts.compare != "") {
		return usageErrorf("--explain writes the calculation as text: without --format and --compare-base-years")
	}
	var compareYears []int
	if strings.TrimSpace(opts.compare) != "" {
		if compareYears, err = yearrange.Parse(opts.compare, f.io.Now()); err != nil {
			return usageErrorf("--compare-base-years: %w", err)
		}
		if opts.baseYearSet {
			return usageErrorf("give either --base-year or --compare-base-years")
		}
	}
	res, err := f.app.Sparbeting(ctx, app.SparbetingJob{Request: req, Municipality: opts.municipality, Groups: opts.groups,
		CompareYears: compareYears, PlanFile: opts.plan, Explain: opts.explain})
	if err != nil {
		return err
	}
	switch {
	case res.Omrakning != nil:
		o := res.Omrakning
		return f.writeResult(opts.out, format, opts.excel, resultWriters{
			document: func() *sheet.Document { return nka.OmrakningDocument(o) },
			json:     func(w io.Writer) error { return writeJSON(w, roundOmrakning(o)) },
			csv:      func(w io.Writer) error { return writeOmrakningCSV(w, o) },
		})
	case opts.explain != "":
		return f.writeOutput(opts.out, func(w io.Writer) error {
			_, err := io.WriteString(w, res.Explanation)
			return err
		})
	}
	s := res.Sparbeting
	return f.writeResult(opts.out, format, opts.excel, resultWriters{
		document: func() *sheet.Document { return nka.SparbetingDocument(s) },
		json:     func(w io.Writer) error { return writeJSON(w, roundSparbeting(s)) },
		csv:      func(w io.Writer) error { return writeSparbetingCSV(w, s) },
	})
}

func roundSparbeting(s *nka.Sparbeting) *nka.Sparbeting {
	c := *s
	c.Areas = make([]nka.SparbetingArea, len(s.Areas))
	for i, a := range s.Areas {
		a.NKAPct, a.PeerMeanPct, a.GapPP = swedish.Round6Ptr(a.NKAPct), swedish.Round6Ptr(a.PeerMeanPct), swedish.Round6Ptr(a.GapPP)
		a.ReferenceCostMnkr, a.GapMnkr, a.CountedTkr = swedish.Round6Ptr(a.ReferenceCostMnkr), swedish.Round6Ptr(a.GapMnkr), swedish.Round6Ptr(a.CountedTkr)
		a.PeerMedianPct, a.ComparatorPct = swedish.Round6Ptr(a.PeerMedianPct), swedish.Round6Ptr(a.ComparatorPct)
		a.ReferenceCostRatioMnkr, a.ReferenceCostNetMnkr = swedish.Round6Ptr(a.ReferenceCostRatioMnkr), swedish.Round6Ptr(a.ReferenceCostNetMnkr)
		a.ComparatorStatPct, a.TrendSlopePP = swedish.Round6Ptr(a.ComparatorStatPct), swedish.Round6Ptr(a.TrendSlopePP)
		a.ComparatorProjectedPct, a.GapKrPerInv = swedish.Round6Ptr(a.ComparatorProjectedPct), swedish.Round6Ptr(a.GapKrPerInv)
		a.CountedKrPerInv = swedish.Round6Ptr(a.CountedKrPerInv)
		if a.MissingPeers == nil {
			a.MissingPeers = []string{}
		}
		if a.ComparatorMissing == nil {
			a.ComparatorMissing = []string{}
		}
		c.Areas[i] = a
	}
	c.TotalKrPerInv = swedish.Round6Ptr(s.TotalKrPerInv)
	c.PerYear = make([]nka.YearAmount, len(s.PerYear))
	for i, y := range s.PerYear {
		y.KrPerInv = swedish.Round6Ptr(y.KrPerInv)
		c.PerYear[i] = y
	}
	if s.Plan != nil {
		p := *s.Plan
		p.PerYear = make([]nka.PlanYear, len(s.Plan.PerYear))
		for i, y := range s.Plan.PerYear {
			y.PlannedTkr, y.RemainingTkr, y.CoveragePct = swedish.Round6(y.PlannedTkr), swedish.Round6(y.RemainingTkr), swedish.Round6Ptr(y.CoveragePct)
			y.CountedTkr, y.OneOffTkr, y.DeficitTkr = swedish.Round6(y.CountedTkr), swedish.Round6(y.OneOffTkr), swedish.Round6(y.DeficitTkr)
			y.CumulativeCountedTkr = swedish.Round6(y.CumulativeCountedTkr)
			p.PerYear[i] = y
		}
		p.PlannedTkr, p.PlanTotalTkr = swedish.Round6(p.PlannedTkr), swedish.Round6(p.PlanTotalTkr)
		p.CountedTkr, p.OneOffTkr, p.DeficitTkr = swedish.Round6(p.CountedTkr), swedish.Round6(p.OneOffTkr), swedish.Round6(p.DeficitTkr)
		p.InOutcomeTkr, p.AfterTargetTkr = swedish.Round6(p.InOutcomeTkr), swedish.Round6(p.AfterTargetTkr)
		p.CoveragePct, p.RemainingTkr, p.StatedTotalTkr = swedish.Round6Ptr(p.CoveragePct), swedish.Round6Ptr(p.RemainingTkr), swedish.Round6Ptr(p.StatedTotalTkr)
		c.Plan = &p
	}
	return &c
}

func roundOmrakning(o *nka.Omrakning) *nka.Omrakning {
	c := *o
	c.BaseYears = make([]*nka.Sparbeting, len(o.BaseYears))
	for i, s := range o.BaseYears {
		c.BaseYears[i] = roundSparbeting(s)
	}
	c.Changes = make([]nka.AreaChange, len(o.Changes))
	for i, ch := range o.Changes {
		ch.FromGapTkr, ch.ToGapTkr, ch.ChangeTkr = swedish.Round6Ptr(ch.FromGapTkr), swedish.Round6Ptr(ch.ToGapTkr), swedish.Round6Ptr(ch.ChangeTkr)
		ch.OwnNKATkr, ch.PeersNKATkr, ch.ReferenceCostTkr = swedish.Round6Ptr(ch.OwnNKATkr), swedish.Round6Ptr(ch.PeersNKATkr), swedish.Round6Ptr(ch.ReferenceCostTkr)
		ch.FromCountedTkr, ch.ToCountedTkr = swedish.Round6Ptr(ch.FromCountedTkr), swedish.Round6Ptr(ch.ToCountedTkr)
		c.Changes[i] = ch
	}
	return &c
}

func int64Text(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

// sparbetingCSVColumns are the columns of `sparbeting --format csv`.
var sparbetingCSVColumns = []string{"municipality_id", "base_year", "target_year", "comparator", "record", "area", "year",
	"nka_pct", "peer_group_id", "peer_group_title", "peer_group_year", "group_choice", "group_choice_text", "peer_members",
	"peer_count", "missing_peers", "peer_mean_pct", "peer_median_pct", "comparator_pct", "gap_pp", "reference_cost_mnkr",
	"reference_cost_method", "reference_cost_estimated", "reference_cost_ratio_mnkr", "reference_cost_net_mnkr", "gap_mnkr",
	"counted_tkr", "tkr", "planned_tkr", "coverage_pct", "remaining_tkr", "preliminary", "load_id", "note",
	"target", "peer_trend", "comparator_group", "comparator_stat_pct", "comparator_projected_pct", "comparator_text",
	"population", "gap_kr_per_inv", "counted_kr_per_inv", "kr_per_inv",
	"lopnr", "atgard", "kind", "reduces", "status", "one_off_tkr", "deficit_tkr", "in_outcome_tkr", "after_target_tkr",
	"cumulative_glide_tkr", "cumulative_counted_tkr"}

// writeSparbetingCSV writes one tidy table: a record per area (with
// everything its figure was made from), the total, each glide-path year,
// each plan year, and the notes and sources, every row with the
// municipality, base year and comparator it belongs to.
func writeSparbetingCSV(w io.Writer, s *nka.Sparbeting) error {
	cw := textsafe.NewCSVWriter(w)
	_ = cw.Write(sparbetingCSVColumns)
	col := map[string]int{}
	for i, c := range sparbetingCSVColumns {
		col[c] = i
	}
	row := func(record string, fields map[string]string) {
		rec := make([]string, len(sparbetingCSVColumns))
		rec[0], rec[1], rec[2], rec[3], rec[4] = s.MunicipalityID, strconv.Itoa(s.BaseYear), strconv.Itoa(s.TargetYear), s.Comparator, record
		rec[col["preliminary"]] = "false"
		rec[col["target"]], rec[col["peer_trend"]] = s.Target, s.PeerTrend
		for k, v := range fields {
			rec[col[k]] = v
		}
		_ = cw.Write(rec)
	}
	prelim := strconv.FormatBool(s.Preliminary)
	for _, a := range s.Areas {
		row("area", map[string]string{"area": a.Area, "year": strconv.Itoa(s.BaseYear), "nka_pct": csvNumber(a.NKAPct),
			"peer_group_id": str(a.PeerGroupID), "peer_group_title": str(a.PeerGroupTitle), "peer_group_year": intText(a.PeerGroupYear),
			"group_choice": str(a.GroupChoice), "group_choice_text": str(a.GroupChoiceText), "peer_members": strconv.Itoa(a.PeerMembers),
			"peer_count": strconv.Itoa(a.PeerCount), "missing_peers": strings.Join(a.MissingPeers, "; "),
			"peer_mean_pct": csvNumber(a.PeerMeanPct), "peer_median_pct": csvNumber(a.PeerMedianPct),
			"comparator_pct": csvNumber(a.ComparatorPct), "gap_pp": csvNumber(a.GapPP), "reference_cost_mnkr": csvNumber(a.ReferenceCostMnkr),
			"reference_cost_method": str(a.ReferenceCostMethod), "reference_cost_estimated": strconv.FormatBool(a.ReferenceCostEstimated),
			"reference_cost_ratio_mnkr": csvNumber(a.ReferenceCostRatioMnkr), "reference_cost_net_mnkr": csvNumber(a.ReferenceCostNetMnkr),
			"gap_mnkr": csvNumber(a.GapMnkr), "counted_tkr": csvNumber(a.CountedTkr), "preliminary": strconv.FormatBool(a.Preliminary),
			"load_id": int64Text(a.LoadID), "note": a.Note, "comparator_group": str(a.ComparatorGroup),
			"comparator_stat_pct": csvNumber(a.ComparatorStatPct), "comparator_projected_pct": csvNumber(a.ComparatorProjectedPct),
			"comparator_text": str(a.ComparatorText), "population": csvNumber(a.Population), "gap_kr_per_inv": csvNumber(a.GapKrPerInv),
			"counted_kr_per_inv": csvNumber(a.CountedKrPerInv)})
	}
	row("total", map[string]string{"tkr": int64Text(s.TotalTkr), "preliminary": prelim, "population": csvNumber(s.Population),
		"kr_per_inv": csvNumber(s.TotalKrPerInv)})
	for _, y := range s.PerYear {
		row("glide_path", map[string]string{"year": strconv.Itoa(y.Year), "tkr": strconv.FormatInt(y.Tkr, 10), "preliminary": prelim,
			"note": "profile " + s.Profile, "kr_per_inv": csvNumber(y.KrPerInv)})
	}
	row("assumption", map[string]string{"note": s.Assumption})
	if p := s.Plan; p != nil {
		f := func(x float64) string { return csvNumber(&x) }
		for _, m := range p.Measures {
			for _, a := range m.PerYear {
				row("plan_amount", map[string]string{"year": strconv.Itoa(a.Year), "planned_tkr": f(a.Tkr), "lopnr": m.No, "atgard": m.Name,
					"kind": a.Kind, "reduces": a.Reduces, "status": a.Status, "note": a.StatusText})
			}
		}
		for _, y := range p.PerYear {
			row("plan_year", map[string]string{"year": strconv.Itoa(y.Year), "tkr": strconv.FormatInt(y.GlideTkr, 10),
				"planned_tkr": f(y.PlannedTkr), "coverage_pct": csvNumber(y.CoveragePct), "remaining_tkr": f(y.RemainingTkr),
				"counted_tkr": f(y.CountedTkr), "one_off_tkr": f(y.OneOffTkr), "deficit_tkr": f(y.DeficitTkr),
				"cumulative_glide_tkr": strconv.FormatInt(y.CumulativeGlideTkr, 10), "cumulative_counted_tkr": f(y.CumulativeCountedTkr),
				"preliminary": prelim, "note": p.File})
		}
		row("plan_total", map[string]string{"tkr": int64Text(s.TotalTkr), "planned_tkr": f(p.PlannedTkr),
			"coverage_pct": csvNumber(p.CoveragePct), "remaining_tkr": csvNumber(p.RemainingTkr), "counted_tkr": f(p.CountedTkr),
			"one_off_tkr": f(p.OneOffTkr), "deficit_tkr": f(p.DeficitTkr), "in_outcome_tkr": f(p.InOutcomeTkr),
			"after_target_tkr": f(p.AfterTargetTkr), "preliminary": prelim, "note": p.File})
		for _, d := range p.Discrepancies {
			row("plan_discrepancy", map[string]string{"note": d})
		}
		for _, n := range p.Notes {
			row("plan_note", map[string]string{"note": n})
		}
	}
	for _, n := range s.Notes {
		row("note", map[string]string{"note": n})
	}
	for _, src := range s.Sources {
		row("source", map[string]string{"note": src})
	}
	cw.Flush()
	return cw.Error()
}

func writeOmrakningCSV(w io.Writer, o *nka.Omrakning) error {
	cw := textsafe.NewCSVWriter(w)
	_ = cw.Write([]string{"municipality_id", "target_year", "comparator", "record", "from_base_year", "to_base_year", "area",
		"from_gap_tkr", "to_gap_tkr", "change_tkr", "own_nka_tkr", "peers_nka_tkr", "reference_cost_tkr",
		"from_counted_tkr", "to_counted_tkr", "preliminary", "note"})
	head := []string{o.MunicipalityID, strconv.Itoa(o.TargetYear), o.Comparator}
	for _, c := range o.Changes {
		_ = cw.Write(append(append([]string{}, head...), "change", strconv.Itoa(c.FromBaseYear), strconv.Itoa(c.ToBaseYear), c.Area,
			csvNumber(c.FromGapTkr), csvNumber(c.ToGapTkr), csvNumber(c.ChangeTkr), csvNumber(c.OwnNKATkr), csvNumber(c.PeersNKATkr),
			csvNumber(c.ReferenceCostTkr), csvNumber(c.FromCountedTkr), csvNumber(c.ToCountedTkr), strconv.FormatBool(o.Preliminary), c.Note))
	}
	for _, t := range o.TotalChanges {
		_ = cw.Write(append(append([]string{}, head...), "total", strconv.Itoa(t.FromBaseYear), strconv.Itoa(t.ToBaseYear), "",
			"", "", int64Text(t.ChangeTkr), "", "", "", int64Text(t.FromTotalTkr), int64Text(t.ToTotalTkr), strconv.FormatBool(o.Preliminary), ""))
	}
	for _, b := range o.BaseYears {
		_ = cw.Write(append(append([]string{}, head...), "assumption", "", strconv.Itoa(b.BaseYear), "", "", "", "", "", "", "", "", "",
			"false", b.Assumption))
	}
	for _, s := range o.Sources {
		_ = cw.Write(append(append([]string{}, head...), "source", "", "", "", "", "", "", "", "", "", "", "", "false", s))
	}
	cw.Flush()
	return cw.Error()
}
