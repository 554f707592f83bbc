package report

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath finds Debian's chromium (or $NYCKELTAL_CHROMIUM).
func chromiumPath() string {
	if p := os.Getenv("NYCKELTAL_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser starts headless Chromium, or skips the test when there is none
// (and fails it when NYCKELTAL_REQUIRE_CHROMIUM is set, as .ci/run does).
// Chromium's own flags keep it quiet: no background networking, component
// updates, first-run or sync, a throwaway profile.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("NYCKELTAL_REQUIRE_CHROMIUM") != "" {
			t.Fatal("chromium is required (NYCKELTAL_REQUIRE_CHROMIUM is set) but not installed: apt-get install -y chromium")
		}
		t.Skip("chromium not found: install it (apt-get install -y chromium) or set NYCKELTAL_CHROMIUM to run the browser check of the report")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1200, 900),
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-pings", true), chromedp.Flag("disable-domain-reliability", true),
	)
	actx, acancel := chromedp.NewExecAllocator(t.Context(), opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	if _, err := chromedp.Run(bctx, chromedp.Title()); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return bctx
}

// pageProblems records what a page complains about: console errors and
// warnings, uncaught exceptions, browser log entries of level error or
// warning (a Content-Security-Policy violation, a failed load), and requests
// for anything but the file itself.
type pageProblems struct {
	mu       sync.Mutex
	problems []string
	requests []string
}

func (p *pageProblems) add(s string) { p.mu.Lock(); p.problems = append(p.problems, s); p.mu.Unlock() }

func (p *pageProblems) listen(t *testing.T, ctx context.Context) {
	t.Helper()
	err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				p.add(fmt.Sprintf("console %s (%d arguments)", ev.Type, len(ev.Args)))
			}
		case *runtime.EventExceptionThrown:
			p.add("exception: " + ev.ExceptionDetails.Text)
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning {
				p.add(fmt.Sprintf("log %s (%s): %s %s", ev.Entry.Level, ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
			}
		case *network.EventRequestWillBeSent:
			p.mu.Lock()
			p.requests = append(p.requests, ev.Request.URL)
			p.mu.Unlock()
		case *network.EventLoadingFailed:
			p.add("loading failed: " + ev.ErrorText + " " + string(ev.BlockedReason))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (p *pageProblems) check(t *testing.T, self string) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.problems) > 0 {
		t.Errorf("the page reported:\n  %s", strings.Join(p.problems, "\n  "))
	}
	for _, u := range p.requests {
		if u != self {
			t.Errorf("the page requested %s", u)
		}
	}
}

func (p *pageProblems) count() int { p.mu.Lock(); defer p.mu.Unlock(); return len(p.problems) }

// open loads a file in a new tab and waits until it has rendered.
func open(t *testing.T, bctx context.Context, path string) (context.Context, *pageProblems) {
	t.Helper()
	tctx, cancel := chromedp.NewContext(bctx)
	t.Cleanup(cancel)
	if _, err := chromedp.Run(tctx, chromedp.Title()); err != nil { // opens the tab
		t.Fatal(err)
	}
	p := &pageProblems{}
	p.listen(t, tctx)
	ctx, stop := context.WithTimeout(tctx, 60*time.Second)
	defer stop()
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Fatalf("loading %s: %v", path, err)
	}
	return tctx, p
}

// TestReportInChromium opens the report in headless Chromium: it loads with
// no console error and no request beyond its own file, every chart has the
// points the report model has, the points are laid out on screen, the page
// prints to PDF on A4, and a screenshot is written (its path is logged; set
// NYCKELTAL_SCREENSHOT_DIR to choose where).
func TestReportInChromium(t *testing.T) {
	bctx := browser(t)
	r, html := buildReport(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "rapport.html")
	if err := os.WriteFile(path, html, 0o644); err != nil {
		t.Fatal(err)
	}
	tctx, problems := open(t, bctx, path)
	ctx, stop := context.WithTimeout(tctx, 60*time.Second)
	defer stop()

	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	counts, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]int](
		`Object.fromEntries([...document.querySelectorAll('svg[data-chart]')].map(s => [s.dataset.chart, s.querySelectorAll('circle.pt').length]))`))
	if err != nil {
		t.Fatal(err)
	}
	drawn, err := chromedp.Run(ctx, chromedp.Evaluate[int](
		`[...document.querySelectorAll('circle.pt')].filter(c => { const b = c.getBoundingClientRect(); return b.width > 0 && b.height > 0; }).length`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(title, "Exempelköping") {
		t.Errorf("title %q", title)
	}
	want := map[string]int{}
	total := 0
	for _, tr := range r.Trends {
		n := 0
		for _, row := range tr.Rows {
			for _, v := range []*float64{row.NKAPct, row.PeerMeanPct, row.PeerMedianPct} {
				if v != nil {
					n++
				}
			}
		}
		if n > 0 {
			want["nka-"+tr.Area.Slug] = n
			total += n
		}
	}
	for i, sc := range r.Scatters {
		if len(sc.Points) > 0 {
			want[fmt.Sprintf("scatter-%d", i+1)] = len(sc.Points)
			total += len(sc.Points)
		}
	}
	if len(want) < 4 {
		t.Fatalf("the fixture gives only %d charts", len(want))
	}
	for id, n := range want {
		if counts[id] != n {
			t.Errorf("chart %s has %d points in the browser, want %d", id, counts[id], n)
		}
	}
	if len(counts) != len(want) {
		t.Errorf("charts in the browser %v, want %v", counts, want)
	}
	if drawn != total {
		t.Errorf("%d of %d points are laid out with a size", drawn, total)
	}

	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(80))
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPreferCSSPageSize()))
	if err != nil {
		t.Fatal(err)
	}
	shotDir := os.Getenv("NYCKELTAL_SCREENSHOT_DIR")
	if shotDir == "" {
		shotDir = filepath.Join(os.TempDir(), "nyckeltal-report-screenshot")
	}
	if err := os.MkdirAll(shotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	shotPath := filepath.Join(shotDir, "rapport.jpg")
	if err := os.WriteFile(shotPath, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(shotDir, "rapport.pdf"), pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	// the first screen and two charts as PNG, for a person to look at
	for name, sel := range map[string]string{"rapport-forsta-sidan.png": "", "rapport-nka.png": "#nka-aldreomsorg", "rapport-kostnad-kvalitet.png": "#scatter-1", "rapport-indikator.png": "section.indicator", "rapport-oversikt.png": "#indikatorer + p + h3 + p + table"} {
		var png []byte
		if sel == "" {
			png, err = chromedp.Run(ctx, chromedp.CaptureScreenshot())
		} else {
			png, err = chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(sel)))
		}
		if err != nil {
			t.Fatalf("screenshot of %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shotDir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pages := strings.Count(string(pdf), "/Type /Page\n") + strings.Count(string(pdf), "/Type /Page/") + strings.Count(string(pdf), "/Type /Page>")
	t.Logf("screenshot %s (%d bytes), print %s (%d bytes)", shotPath, len(shot), filepath.Join(shotDir, "rapport.pdf"), len(pdf))
	if len(shot) < 10000 || !strings.HasPrefix(string(pdf), "%PDF") || len(pdf) < 10000 {
		t.Errorf("screenshot %d bytes; PDF %d bytes (%d pages counted)", len(shot), len(pdf), pages)
	}
	problems.check(t, "file://"+path)
}

// TestChromiumCheckCatchesProblems makes sure the check can fail: a page
// that asks for an image from outside is reported (its Content-Security-Policy
// blocks the request, and the browser says so).
func TestChromiumCheckCatchesProblems(t *testing.T) {
	bctx := browser(t)
	path := filepath.Join(t.TempDir(), "bad.html")
	bad := `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"></head>` +
		`<body><img src="http://192.0.2.1/x.png"><p>x</p></body></html>`
	if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	_, problems := open(t, bctx, path)
	for i := 0; i < 50 && problems.count() == 0; i++ {
		time.Sleep(20 * time.Millisecond) // the report of the violation may trail the load
	}
	if problems.count() == 0 {
		t.Fatal("a page asking for an external image was not reported")
	}
}
