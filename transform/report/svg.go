package report

// The charts are SVG written here, not drawn by a chart library: the report
// must be one file that works offline and prints, so a JavaScript library
// (Chart.js, D3, Vega) would have to be inlined — hundreds of kilobytes of
// script for a few lines and dots, and a page that shows nothing on paper or
// with scripts off — and the Go chart libraries are either unmaintained or
// render raster images. Two chart kinds with axes, ticks and a legend are a
// few hundred lines; the output is deterministic text that diffs, prints
// sharply at any size, and carries each point's value in a <title> (shown on
// hover) and in data- attributes (read by the tests).

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/nyckeltal/nyckeltal/internal/swedish"
	"github.com/nyckeltal/nyckeltal/internal/textsafe"
)

const (
	chartW = 860.0
	chartH = 300.0
)

// series is one line of a line chart, aligned with the chart's x values.
type series struct {
	name, class string
	values      []*float64
	dashed      bool
	peers       bool // computed from a peer group (marked in years of another year's group)
}

type lineSpec struct {
	id, label  string // data-chart id; aria label
	yLabel     string
	xs         []int
	prelim     map[int]bool
	series     []series
	includeY0  bool
	decimals   int
	valueUnit  string
	legendNote string
	// otherGroup marks the years whose peers come from another year's group
	// (year → what to say): "†" on the axis, the peer series' points ringed.
	otherGroup map[int]string
}

type point struct {
	x, y  float64
	class string // own, peer, other
	label string // shown next to the point (the own municipality)
	title string // hover text
	id    string
}

type scatterSpec struct {
	id, label      string
	xLabel, yLabel string
	points         []point
}

// num writes a number the Swedish way: 32 208,5 (a non-breaking space
// between thousands, a decimal comma, a real minus sign).
func num(x float64, dec int) string { return swedish.Number(x, dec) }

func coord(x float64) string { return strconv.FormatFloat(math.Round(x*10)/10, 'f', -1, 64) }

// value6 writes a value for a data- attribute with six decimals: the peers'
// mean comes from a parallel sum in DuckDB, whose last bits differ between
// runs, and the same store must give the same bytes.
func value6(x float64) string { return strconv.FormatFloat(swedish.Round6(x), 'f', -1, 64) }

// niceTicks gives about n round tick values covering lo..hi.
func niceTicks(lo, hi float64, n int) []float64 {
	if hi <= lo {
		lo, hi = lo-1, hi+1
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	start := math.Floor(lo/step) * step
	var out []float64
	for v := start; v <= hi+step*1e-9; v += step {
		out = append(out, math.Round(v/step)*step)
	}
	if len(out) > 0 && out[len(out)-1] < hi {
		out = append(out, out[len(out)-1]+step)
	}
	return out
}

func stepDecimals(ticks []float64) int {
	if len(ticks) < 2 {
		return 0
	}
	step := ticks[1] - ticks[0]
	d := 0
	for d < 4 && math.Abs(step*math.Pow(10, float64(d))-math.Round(step*math.Pow(10, float64(d)))) > 1e-9 {
		d++
	}
	return d
}

type svgw struct {
	b strings.Builder
}

func (s *svgw) printf(format string, args ...any) { fmt.Fprintf(&s.b, format, args...) }

// esc is textsafe.HTML: every text of the report goes through it.
func esc(s string) string { return textsafe.HTML(s) }

// writeLineChart draws years on x and the series on y.
func writeLineChart(w io.Writer, spec lineSpec) error {
	const left, right, top, bottom = 58.0, 230.0, 14.0, 40.0
	plotW, plotH := chartW-left-right, chartH-top-bottom
	lo, hi := math.Inf(1), math.Inf(-1)
	n := 0
	for _, s := range spec.series {
		for _, v := range s.values {
			if v != nil {
				lo, hi = math.Min(lo, *v), math.Max(hi, *v)
				n++
			}
		}
	}
	if n == 0 {
		return nil
	}
	if spec.includeY0 {
		lo, hi = math.Min(lo, 0), math.Max(hi, 0)
	}
	pad := (hi - lo) * 0.08
	ticks := niceTicks(lo-pad, hi+pad, 5)
	y0, y1 := ticks[0], ticks[len(ticks)-1]
	tickDec := stepDecimals(ticks)
	const inset = 18.0 // keeps the first and last points off the axes
	xAt := func(i int) float64 {
		if len(spec.xs) == 1 {
			return left + plotW/2
		}
		return left + inset + (plotW-2*inset)*float64(i)/float64(len(spec.xs)-1)
	}
	yAt := func(v float64) float64 { return top + plotH*(1-(v-y0)/(y1-y0)) }
	var s svgw
	s.printf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="%s" height="%s" role="img" aria-label="%s" data-chart="%s">`+"\n",
		coord(chartW), coord(chartH), coord(chartW), coord(chartH), esc(spec.label), esc(spec.id))
	s.printf(`<g class="grid" stroke="#d5dbe3" stroke-width="1">`)
	for _, t := range ticks {
		s.printf(`<line x1="%s" x2="%s" y1="%s" y2="%s"/>`, coord(left), coord(left+plotW), coord(yAt(t)), coord(yAt(t)))
	}
	s.printf("</g>\n")
	if spec.includeY0 && y0 < 0 && y1 > 0 {
		s.printf(`<line class="zero" x1="%s" x2="%s" y1="%s" y2="%s" stroke="#5b6778" stroke-width="1.2"/>`+"\n",
			coord(left), coord(left+plotW), coord(yAt(0)), coord(yAt(0)))
	}
	s.printf(`<g class="axis" font-size="12" fill="#1d2733">`)
	for _, t := range ticks {
		s.printf(`<text x="%s" y="%s" text-anchor="end">%s</text>`, coord(left-6), coord(yAt(t)+4), num(t, tickDec))
	}
	for i, x := range spec.xs {
		label := strconv.Itoa(x)
		if spec.prelim[x] {
			label += "*"
		}
		if spec.otherGroup[x] != "" {
			label += "†"
		}
		s.printf(`<text x="%s" y="%s" text-anchor="middle">%s</text>`, coord(xAt(i)), coord(top+plotH+18), label)
	}
	s.printf(`<text x="14" y="%s" text-anchor="middle" transform="rotate(-90 14 %s)">%s</text>`,
		coord(top+plotH/2), coord(top+plotH/2), esc(spec.yLabel))
	s.printf("</g>\n")
	for _, sr := range spec.series {
		dash := ""
		if sr.dashed {
			dash = ` stroke-dasharray="6 4"`
		}
		var seg []string
		flush := func() {
			if len(seg) > 1 {
				s.printf(`<polyline class="line %s" fill="none" stroke-width="2.2"%s points="%s"/>`+"\n", sr.class, dash, strings.Join(seg, " "))
			}
			seg = nil
		}
		for i, v := range sr.values {
			if v == nil {
				flush()
				continue
			}
			seg = append(seg, coord(xAt(i))+","+coord(yAt(*v)))
		}
		flush()
		for i, v := range sr.values {
			if v == nil {
				continue
			}
			fill := ""
			if spec.prelim[spec.xs[i]] {
				fill = ` fill="#ffffff"` // hollow: a preliminary value
			}
			other, note := "", ""
			if why := spec.otherGroup[spec.xs[i]]; why != "" && sr.peers {
				// ringed: the peers of another year's group
				other, note = ` data-other-group="`+esc(why)+`"`, " ("+esc(why)+")"
				s.printf(`<circle class="ring" cx="%s" cy="%s" r="7.5" fill="none" stroke="#5b6778" stroke-width="1.2" stroke-dasharray="2 2"/>`,
					coord(xAt(i)), coord(yAt(*v)))
			}
			s.printf(`<circle class="pt %s" data-series="%s" data-x="%d" data-y="%s"%s cx="%s" cy="%s" r="4"%s stroke-width="2"><title>%s %d: %s %s%s</title></circle>`+"\n",
				sr.class, esc(sr.name), spec.xs[i], value6(*v), other, coord(xAt(i)), coord(yAt(*v)), fill,
				esc(sr.name), spec.xs[i], num(*v, spec.decimals), esc(spec.valueUnit), note)
		}
	}
	// legend
	lx := left + plotW + 18
	s.printf(`<g class="legend" font-size="12" fill="#1d2733">`)
	for i, sr := range spec.series {
		ly := top + 14 + float64(i)*22
		dash := ""
		if sr.dashed {
			dash = ` stroke-dasharray="6 4"`
		}
		s.printf(`<line class="line %s" x1="%s" x2="%s" y1="%s" y2="%s" stroke-width="2.2"%s/>`, sr.class, coord(lx), coord(lx+24), coord(ly), coord(ly), dash)
		s.printf(`<text x="%s" y="%s">%s</text>`, coord(lx+30), coord(ly+4), esc(sr.name))
	}
	if spec.legendNote != "" {
		s.printf(`<text x="%s" y="%s" fill="#5b6778">%s</text>`, coord(lx), coord(top+14+float64(len(spec.series))*22+6), esc(spec.legendNote))
	}
	s.printf("</g>\n</svg>\n")
	_, err := io.WriteString(w, s.b.String())
	return err
}

// writeScatter draws cost on x and quality on y, one dot per municipality.
func writeScatter(w io.Writer, spec scatterSpec) error {
	const left, right, top, bottom = 58.0, 230.0, 14.0, 44.0
	plotW, plotH := chartW-left-right, chartH+60-top-bottom
	h := chartH + 60
	if len(spec.points) == 0 {
		return nil
	}
	xlo, xhi, ylo, yhi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, p := range spec.points {
		xlo, xhi = math.Min(xlo, p.x), math.Max(xhi, p.x)
		ylo, yhi = math.Min(ylo, p.y), math.Max(yhi, p.y)
	}
	xpad, ypad := (xhi-xlo)*0.06, (yhi-ylo)*0.08
	xt, yt := niceTicks(xlo-xpad, xhi+xpad, 6), niceTicks(ylo-ypad, yhi+ypad, 5)
	x0, x1, y0, y1 := xt[0], xt[len(xt)-1], yt[0], yt[len(yt)-1]
	xAt := func(v float64) float64 { return left + plotW*(v-x0)/(x1-x0) }
	yAt := func(v float64) float64 { return top + plotH*(1-(v-y0)/(y1-y0)) }
	var s svgw
	s.printf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="%s" height="%s" role="img" aria-label="%s" data-chart="%s">`+"\n",
		coord(chartW), coord(h), coord(chartW), coord(h), esc(spec.label), esc(spec.id))
	s.printf(`<g class="grid" stroke="#d5dbe3" stroke-width="1">`)
	for _, t := range yt {
		s.printf(`<line x1="%s" x2="%s" y1="%s" y2="%s"/>`, coord(left), coord(left+plotW), coord(yAt(t)), coord(yAt(t)))
	}
	for _, t := range xt {
		s.printf(`<line x1="%s" x2="%s" y1="%s" y2="%s"/>`, coord(xAt(t)), coord(xAt(t)), coord(top), coord(top+plotH))
	}
	s.printf("</g>\n")
	xd, yd := stepDecimals(xt), stepDecimals(yt)
	s.printf(`<g class="axis" font-size="12" fill="#1d2733">`)
	for _, t := range yt {
		s.printf(`<text x="%s" y="%s" text-anchor="end">%s</text>`, coord(left-6), coord(yAt(t)+4), num(t, yd))
	}
	for _, t := range xt {
		s.printf(`<text x="%s" y="%s" text-anchor="middle">%s</text>`, coord(xAt(t)), coord(top+plotH+18), num(t, xd))
	}
	s.printf(`<text x="%s" y="%s" text-anchor="middle">%s</text>`, coord(left+plotW/2), coord(top+plotH+38), esc(spec.xLabel))
	s.printf(`<text x="14" y="%s" text-anchor="middle" transform="rotate(-90 14 %s)">%s</text>`,
		coord(top+plotH/2), coord(top+plotH/2), esc(spec.yLabel))
	s.printf("</g>\n")
	// others first, then peers, the municipality itself last (on top)
	for _, class := range []string{"other", "peer", "own"} {
		for _, p := range spec.points {
			if p.class != class {
				continue
			}
			r := map[string]string{"other": "3.5", "peer": "5", "own": "7"}[class]
			s.printf(`<circle class="pt %s" data-series="%s" data-id="%s" data-x="%s" data-y="%s" cx="%s" cy="%s" r="%s"><title>%s</title></circle>`+"\n",
				class, class, esc(p.id), value6(p.x), value6(p.y),
				coord(xAt(p.x)), coord(yAt(p.y)), r, esc(p.title))
			if p.label != "" {
				s.printf(`<text class="pt-label %s" x="%s" y="%s" font-size="12" font-weight="600">%s</text>`+"\n",
					class, coord(xAt(p.x)+10), coord(yAt(p.y)-8), esc(p.label))
			}
		}
	}
	lx := left + plotW + 18
	s.printf(`<g class="legend" font-size="12" fill="#1d2733">`)
	for i, it := range []struct{ class, text, r string }{{"own", "Kommunen", "7"}, {"peer", "Liknande kommuner", "5"}, {"other", "Övriga kommuner", "3.5"}} {
		ly := top + 14 + float64(i)*22
		s.printf(`<circle class="legend-pt %s" cx="%s" cy="%s" r="%s"/><text x="%s" y="%s">%s</text>`,
			it.class, coord(lx+8), coord(ly), it.r, coord(lx+22), coord(ly+4), it.text)
	}
	s.printf("</g>\n</svg>\n")
	_, err := io.WriteString(w, s.b.String())
	return err
}

// chartCSS colours the series; kept apart from the tables' CSS.
const chartCSS = `
.line.own { stroke: var(--own); } .line.mean { stroke: var(--peer); } .line.median { stroke: #6b8fbf; }
circle.pt.own, circle.legend-pt.own { fill: var(--own); stroke: var(--own); }
circle.pt.mean { fill: var(--peer); stroke: var(--peer); } circle.pt.median { fill: #6b8fbf; stroke: #6b8fbf; }
circle.pt.peer, circle.legend-pt.peer { fill: var(--peer); stroke: #ffffff; stroke-width: 1; }
circle.pt.other, circle.legend-pt.other { fill: #9aa5b1; stroke: #ffffff; stroke-width: .8; opacity: .85; }
circle.pt.own[fill="#ffffff"], circle.pt.mean[fill="#ffffff"], circle.pt.median[fill="#ffffff"] { fill: #ffffff; }
.pt-label.own { fill: var(--own); }
table.trend td, table.trend th { font-size: .8rem; }
`
