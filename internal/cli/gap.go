package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nyckeltal/nyckeltal/internal/app"
	"github.com/nyckeltal/nyckeltal/internal/sheet"
	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"github.com/nyckeltal/nyckeltal/internal/textsafe"
	"github.com/nyckeltal/nyckeltal/transform/nka"
)

// gapJSONKeys are the keys of `gap --format json`, in order; the CSV has the
// same columns.
var gapJSONKeys = []string{"municipality_id", "municipality", "area", "year", "nka_pct", "nka_mnkr",
	"peer_group_id", "peer_group_title", "peer_group_year", "group_choice", "group_choice_text", "peer_members",
	"peer_count", "peer_mean_pct", "peer_median_pct", "comparator", "comparator_pct", "gap_pp", "reference_cost_mnkr",
	"reference_cost_method", "reference_cost_estimated", "reference_cost_ratio_mnkr", "reference_cost_net_mnkr",
	"net_cost_mnkr", "gap_mnkr", "preliminary", "missing_peers", "load_id", "note",
	"target", "peer_trend", "target_year", "comparator_group", "comparator_group_title", "comparator_members",
	"comparator_count", "comparator_missing", "comparator_stat_pct", "trend_slope_pp", "trend_from_year", "trend_to_year",
	"comparator_projected_pct", "comparator_text", "population", "gap_kr_per_inv"}

// gapOptions are the options of `nyckeltal gap`.
type gapOptions struct {
	nkaCommon
	formatSet  bool
	years      string
	areas      string
	targetYear int
}

func newGapCmd(f *factory) *cobra.Command {
	opts := &gapOptions{}
	c := &opts.nkaCommon
	cmd := &cobra.Command{
		Use:   "gap [--municipality ID|all] [--year Y] [--area SLUGS] [--comparator mean|median|lan|riket|GROUP] [--target mean|median|pNN|share:0.5] [--peer-trend hold|linear:N]",
		Short: "Nettokostnadsavvikelse against liknande kommuner, per area and year",
		Long: `Compare a municipality's nettokostnadsavvikelse (NKA) with its "Liknande kommuner"
peer groups, per area and year, from the Kolada values in the store.

Per municipality, area and year:
  nka_pct, nka_mnkr      Kolada's NKA in % of the reference cost and in mnkr
  peer_group_id/title    the group of the latest year <= the year, else the earliest
  peer_group_year        later one; --group overrides. The titles are read however
  group_choice           RKA spelt them; group_choice says why the group is the
                         year's: same_year, latest_earlier, later_group, no_year,
                         override (group_choice_text: "samma år", "senaste tidigare",
                         "ingen tidigare grupp: senare grupp används", …)
  peer_members           the group's members (the municipality is never its own peer)
  peer_count             those with a value; missing_peers lists the others by name
  peer_mean_pct          unweighted mean of those members, as Kolada computes group values
  peer_median_pct        their median
  comparator_pct         the value gap_pp is measured against: the mean, the median,
                         riket (0) or a group's mean
  gap_pp                 nka_pct minus comparator_pct
  reference_cost_mnkr    nka_mnkr / (nka_pct / 100) (method ratio); where |nka_pct| is
                         below nka.min_abs_nka_pct that is unstable, and the area's
                         net cost (kr/inv × invånare) minus nka_mnkr is used instead
                         (method net_cost, reference_cost_estimated true); both
                         derivations side by side in reference_cost_ratio_mnkr and
                         reference_cost_net_mnkr
  gap_mnkr               gap_pp / 100 × reference_cost_mnkr: what the municipality would
                         spend less (or more) at the comparator's cost level
  gap_kr_per_inv         gap_mnkr × 10⁶ / invånare (N01951, population): the same per
                         invånare, the figure politicians compare
  comparator_group…      the comparison set (--comparator), its members with and
                         without a value; comparator_stat_pct its --target statistic
                         that year, comparator_projected_pct the same projected to
                         --target-year by --peer-trend linear:N; comparator_text says
                         all of it, the assumption included, in words

--comparator: mean or median (the year's Liknande kommuner group), liknande (the
same, with --target), liknande:2022 (the group of 2022 for every year: follow a
plan decided against it), lan (the other municipalities of the county: the first
two digits of the id), riket (0), a Kolada group id, or a group of your own
([nka.groups.NAME] or nka.groups_file). --target: mean, median, p25 (a
percentile, as Excel's PERCENTIL) or share:0.5 (close half the gap). --peer-trend:
hold, or linear:N (the comparison set's NKA projected to --target-year along its
least-squares line over the N years up to the row's year).
  preliminary            any figure behind the row is preliminary (year marked * in tables)
  load_id                the latest load that wrote a value behind the row

A "Liknande kommuner" group whose title cannot be read, names no configured
area, or is passed over for a group of the same year that Kolada published
later is named in the notes of the municipality it seems to name (all of
them: nyckeltal sql "SELECT * FROM v_nka_group_problem").

Areas: aldreomsorg, ifo, lss, forskola, fritidshem, grundskola, gymnasieskola,
overgripande (change or add them under [nka.areas] in the configuration).
Missing data is NULL with a note, never 0. --as-of computes with the values as
the store knew them then, so last year's figures can be reproduced exactly.

The same computation is in the store for analysts: the views v_nka,
v_peer_group and v_nka_gap (see README).

Källa: Kolada (RKA). Beräkningar: egen bearbetning.`,
		Example: `  nyckeltal gap                                   # the home municipality, every area and year
  nyckeltal gap --municipality 1267 --year 2024 --area aldreomsorg,ifo
  nyckeltal gap --municipality Höör --comparator median --format json
  nyckeltal gap --municipality all --year 2024 --out gap-2024.csv
  nyckeltal gap --year 2024 --out gap-2024.csv --excel       # Swedish headings, ; and decimal comma, for Excel
  nyckeltal gap --municipality 1267 --area aldreomsorg --group G176571 --as-of 2025-06-01
  nyckeltal gap --municipality Höör --comparator lan --target median
  nyckeltal gap --municipality Höör --comparator liknande:2024 --peer-trend linear:3 --target-year 2027
  nyckeltal gap --out gap.xlsx`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.formatSet = cmd.Flags().Changed("format")
			return runGap(cmd.Context(), opts, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&c.municipality, "municipality", "", "municipality id or name, or all (default: home_municipality of the configuration)")
	fl.StringVar(&opts.years, "year", "", "years: 2024, 2019-2024 or 2022,2024 (default: every year in the store)")
	fl.StringVar(&opts.areas, "area", "", "areas, comma-separated: aldreomsorg,ifo,… (default: every area)")
	fl.StringVar(&c.comparator, "comparator", "", comparatorFlagHelp)
	fl.StringVar(&c.target, "target", "", targetFlagHelp)
	fl.StringVar(&c.peerTrend, "peer-trend", "", peerTrendFlagHelp)
	fl.IntVar(&opts.targetYear, "target-year", 0, "the year --peer-trend linear:N projects to (default: nka.sparbeting.target_year)")
	fl.StringVar(&c.groups, "group", "", "peer group ids to use instead of the automatic choice, one per area (the area comes from the group's title)")
	fl.StringVar(&c.format, "format", "table", formatFlagHelp)
	fl.BoolVar(&c.excel, "excel", false, excelFlagHelp)
	fl.StringVar(&c.out, "out", "", "write to this file instead of standard output")
	fl.BoolVar(&f.forceOut, "force", false, forceOutHelp)
	fl.StringVar(&c.asOf, "as-of", "", "compute with the values as the store knew them at this date (2025-06-01) or time")
	return cmd
}

func runGap(ctx context.Context, opts *gapOptions, f *factory) error {
	format, err := resolveFormat(opts.format, opts.formatSet, opts.out, opts.excel)
	if err != nil {
		return err
	}
	asOf, err := opts.asOfTime()
	if err != nil {
		return err
	}
	res, q, err := f.app.Gap(ctx, app.GapRequest{Municipality: opts.municipality, Years: opts.years, Areas: opts.areas,
		Comparator: opts.comparator, Target: opts.target, PeerTrend: opts.peerTrend, TargetYear: opts.targetYear,
		Groups: opts.groups, AsOf: asOf})
	if err != nil {
		return err
	}
	if format != "table" {
		for _, n := range res.Notes { // the table has them below it; machine formats have no place for them
			f.log.Warn().Msg(n)
		}
	}
	if len(res.Rows) == 0 && format == "table" {
		if len(res.YearsWithValues) > 0 && len(q.Years) > 0 {
			return &nka.NoYearError{Municipality: strings.Join(q.Municipalities, ", "), Areas: nka.Slugs(res.Areas), Asked: q.Years,
				Years: res.YearsWithValues}
		}
		return fmt.Errorf("%w: nothing to compare: %s", nka.ErrNoData, strings.Join(append(res.Notes,
			"the store has no NKA values with a peer group for this selection"), "; "))
	}
	return f.writeResult(opts.out, format, opts.excel, resultWriters{
		document: func() *sheet.Document { return nka.GapDocument(res, q) },
		json:     func(w io.Writer) error { return writeGapJSON(w, res.Rows) },
		csv:      func(w io.Writer) error { return writeGapCSV(w, res.Rows) },
	})
}

// labelled appends the source label that every computed figure carries.
func labelled(note string) string {
	if note == "" {
		return nka.Label
	}
	return note + ". " + nka.Label
}

// gapJSONRow is GapRow with rounded numbers and the label in the note.
func gapJSONRow(r nka.GapRow) nka.GapRow {
	r.NKAPct, r.NKAMnkr, r.PeerMeanPct, r.PeerMedianPct = swedish.Round6Ptr(r.NKAPct), swedish.Round6Ptr(r.NKAMnkr), swedish.Round6Ptr(r.PeerMeanPct), swedish.Round6Ptr(r.PeerMedianPct)
	r.GapPP, r.ReferenceCostMnkr, r.GapMnkr = swedish.Round6Ptr(r.GapPP), swedish.Round6Ptr(r.ReferenceCostMnkr), swedish.Round6Ptr(r.GapMnkr)
	r.ComparatorPct, r.NetCostMnkr = swedish.Round6Ptr(r.ComparatorPct), swedish.Round6Ptr(r.NetCostMnkr)
	r.ReferenceCostRatioMnkr, r.ReferenceCostNetMnkr = swedish.Round6Ptr(r.ReferenceCostRatioMnkr), swedish.Round6Ptr(r.ReferenceCostNetMnkr)
	r.ComparatorStatPct, r.TrendSlopePP = swedish.Round6Ptr(r.ComparatorStatPct), swedish.Round6Ptr(r.TrendSlopePP)
	r.ComparatorProjectedPct, r.GapKrPerInv = swedish.Round6Ptr(r.ComparatorProjectedPct), swedish.Round6Ptr(r.GapKrPerInv)
	r.Note = labelled(r.Note)
	if r.MissingPeers == nil {
		r.MissingPeers = []string{}
	}
	if r.ComparatorMissing == nil {
		r.ComparatorMissing = []string{}
	}
	return r
}

// writeGapJSON writes an array of objects with exactly the keys of the issue
// (gapJSONKeys), one object a line (as readable in a diff as indented JSON,
// and a whole country's rows encode in a fraction of the time); the note of
// every row ends with the source label.
func writeGapJSON(w io.Writer, rows []nka.GapRow) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("[")
	for i, r := range rows {
		b, err := json.Marshal(gapJSONRow(r))
		if err != nil {
			return err
		}
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n  ")
		bw.Write(b)
	}
	bw.WriteString("\n]\n")
	return bw.Flush()
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func intText(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

func writeGapCSV(w io.Writer, rows []nka.GapRow) error {
	cw := textsafe.NewCSVWriter(w)
	if err := cw.Write(gapJSONKeys); err != nil {
		return err
	}
	for _, r := range rows {
		rec := []string{r.MunicipalityID, r.Municipality, r.Area, strconv.Itoa(r.Year), csvNumber(r.NKAPct), csvNumber(r.NKAMnkr),
			str(r.PeerGroupID), str(r.PeerGroupTitle), intText(r.PeerGroupYear), str(r.GroupChoice), str(r.GroupChoiceText),
			strconv.Itoa(r.PeerMembers), strconv.Itoa(r.PeerCount), csvNumber(r.PeerMeanPct), csvNumber(r.PeerMedianPct),
			r.Comparator, csvNumber(r.ComparatorPct), csvNumber(r.GapPP), csvNumber(r.ReferenceCostMnkr), str(r.ReferenceCostMethod),
			strconv.FormatBool(r.ReferenceCostEstimated), csvNumber(r.ReferenceCostRatioMnkr), csvNumber(r.ReferenceCostNetMnkr),
			csvNumber(r.NetCostMnkr), csvNumber(r.GapMnkr), strconv.FormatBool(r.Preliminary),
			strings.Join(r.MissingPeers, "; "), int64Text(r.LoadID), labelled(r.Note),
			r.Target, r.PeerTrend, intText(r.TargetYear), str(r.ComparatorGroup), str(r.ComparatorGroupTitle),
			strconv.Itoa(r.ComparatorMembers), strconv.Itoa(r.ComparatorCount), strings.Join(r.ComparatorMissing, "; "),
			csvNumber(r.ComparatorStatPct), csvNumber(r.TrendSlopePP), intText(r.TrendFromYear), intText(r.TrendToYear),
			csvNumber(r.ComparatorProjectedPct), str(r.ComparatorText), csvNumber(r.Population), csvNumber(r.GapKrPerInv)}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
