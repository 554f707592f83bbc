// Command kolada-fake serves a fake Kolada v3 API on loopback, for `make demo`,
// benchmarks and offline trials. It serves either a snapshot directory (the
// JSON files of ../shared/kolada) or a synthetic, clearly fictional data set.
// --quirks makes it answer the ways Kolada might where that is not known
// (docs/KOLADA-API.md); the fault flags inject 503s, 429s, truncated bodies,
// dropped connections and slow answers at random, with a seed.
//
//	kolada-fake --synthetic demo --addr 127.0.0.1:0 --url-file /tmp/url
//	kolada-fake --data ../shared/kolada --catalogue ../shared/kolada/kpi_catalogue.json --generate-values U21505,U23521
//	kolada-fake --synthetic demo --quirks 404-no-data,empty-last-page --rate-503 0.1
//	NYCKELTAL_KOLADA_URL=$(cat /tmp/url) nyckeltal ingest kolada
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nyckeltal/nyckeltal/connectors/kolada/koladafake"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "kolada-fake:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on (port 0 picks a free one)")
	dir := flag.String("data", "", "serve this snapshot directory (kpi.json, municipality.json, municipality_groups.json, data.json)")
	synthetic := flag.String("synthetic", "", `serve synthetic data: "demo", or a number of municipalities`)
	extra := flag.Int("extra-kpis", 0, "with --synthetic N: generic KPIs divided by gender, for volume")
	generated := flag.Int("generated", 0, "serve this many generated KPIs (X00001…) for 290 municipalities, 2016–2025, T/K/M, computed on demand: Kolada scale in little memory")
	municipalities := flag.Int("municipalities", 290, "with --generated: how many municipalities")
	urlFile := flag.String("url-file", "", "write the base URL (…/v3) to this file once listening")
	writeDir := flag.String("write", "", "write the data set as snapshot files to this directory and exit")
	catalogue := flag.String("catalogue", "", "serve this KPI catalogue file (a JSON array of /kpi records, like kpi_catalogue.json) as /kpi")
	generate := flag.String("generate-values", "", "give these KPIs (comma-separated ids of the catalogue) generated values for every municipality")
	generateYears := flag.String("generate-years", "2018-2025", "the years of --generate-values: FROM-TO")
	withCatalogue := flag.Bool("with-catalogue-kpis", false, "with --synthetic demo: add the Kolada KPIs of the built-in indicator catalogue, with fictional titles and generated values")
	quirks := flag.String("quirks", "", "answer as Kolada might where that is not known (docs/KOLADA-API.md),\n"+
		"a comma-separated list of\n"+koladafake.QuirksHelp()+"or all (every quirk but reject-groups)")
	faults := faultFlags()
	flag.Parse()

	q, err := koladafake.ParseQuirks(*quirks)
	if err != nil {
		return fmt.Errorf("--quirks: %w", err)
	}
	if sum := faults.Rate503 + faults.Rate429 + faults.RateTruncate + faults.RateReset + faults.RateSlow; sum < 0 || sum > 1 {
		return fmt.Errorf("the fault rates add up to %g: they are the chances of one draw and must add up to at most 1", sum)
	}

	now := time.Now()
	var ds *koladafake.Dataset
	switch {
	case *dir != "":
		if ds, err = koladafake.LoadDir(*dir, now.AddDate(0, 0, -1)); err != nil {
			return err
		}
	case *generated > 0:
		ds = koladafake.Scale(koladafake.ScaleParams{Municipalities: *municipalities, KPIs: *generated,
			Years: []int{2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025}, Seed: 1, Now: now})
	case *synthetic == "demo":
		p := koladafake.DemoParams(now)
		ds = koladafake.Synthetic(p)
		if *withCatalogue {
			if err := addCatalogueKPIs(ds, p.Years, now); err != nil {
				return err
			}
		}
	case *synthetic != "":
		n, err := strconv.Atoi(*synthetic)
		if err != nil || n < 1 {
			return fmt.Errorf("--synthetic %q: use demo or a number of municipalities", *synthetic)
		}
		ds = koladafake.Synthetic(koladafake.SynthParams{Municipalities: n, Years: []int{2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025},
			ExtraKPIs: *extra, FocalMunicipalities: -1, Seed: 1, Now: now, Quality: true})
	default:
		return errors.New("give --data DIR, --synthetic demo|N or --generated N")
	}
	if *catalogue != "" {
		recs, err := koladafake.ReadCatalogue(*catalogue)
		if err != nil {
			return err
		}
		if err := ds.AddCatalogue(recs); err != nil {
			return err
		}
	}
	if *generate != "" {
		var from, to int
		if _, err := fmt.Sscanf(*generateYears, "%d-%d", &from, &to); err != nil || from > to {
			return fmt.Errorf("--generate-years %q: use FROM-TO, like 2018-2025", *generateYears)
		}
		var years []int
		for y := from; y <= to; y++ {
			years = append(years, y)
		}
		ids := strings.Split(*generate, ",")
		if got := ds.GenerateValues(ids, years, now.AddDate(0, 0, -1)); len(got) < len(ids) {
			fmt.Fprintf(os.Stderr, "kolada-fake: %d of %d KPIs got values (the others are unknown to the catalogue or published for regions only)\n", len(got), len(ids))
		}
	}
	if *writeDir != "" {
		return ds.WriteDir(*writeDir)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fake := koladafake.New(ds)
	fake.SetQuirks(q)
	fake.SetFaults(*faults)
	base := "http://" + ln.Addr().String() + "/v3"
	if *urlFile != "" {
		if err := os.WriteFile(*urlFile, []byte(base+"\n"), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "%s at %s (quirks: %s)\n", fake, base, q)
	srv := &http.Server{Handler: fake, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdown); err != nil {
			fmt.Fprintf(os.Stderr, "stopping: %v\n", err)
		}
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// faultFlags are the fault settings of koladafake.Faults as flags.
func faultFlags() *koladafake.Faults {
	f := &koladafake.Faults{}
	flag.Int64Var(&f.Seed, "seed", 1, "seed of the random faults")
	flag.Float64Var(&f.Rate503, "rate-503", 0, "chance of answering 503")
	flag.Float64Var(&f.Rate429, "rate-429", 0, "chance of answering 429 with Retry-After")
	flag.DurationVar(&f.RetryAfter, "retry-after", time.Second, "the Retry-After of 429 answers (whole seconds)")
	flag.Float64Var(&f.RateTruncate, "rate-truncate", 0, "chance of cutting a body in half")
	flag.Float64Var(&f.RateReset, "rate-reset", 0, "chance of dropping the connection")
	flag.Float64Var(&f.RateSlow, "rate-slow", 0, "chance of a slow answer")
	flag.DurationVar(&f.SlowDelay, "slow-delay", 5*time.Second, "how slow a slow answer is")
	flag.IntVar(&f.FailFirst, "fail-first", 0, "answer the first N requests with --fail-status")
	flag.IntVar(&f.FailStatus, "fail-status", http.StatusServiceUnavailable, "the status of the --fail-first answers")
	return f
}
