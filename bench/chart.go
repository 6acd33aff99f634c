package bench

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/ringscan/ringscan/internal/fsutil"
)

// Chart file names: each SVG has a PNG copy beside it (ChartPNG).
const (
	ChartConcurrency = "rows-per-second-by-concurrency.svg"
	ChartLatency     = "rows-per-second-by-latency.svg"
	ChartPageSize    = "rows-per-second-by-page-size.svg"
	ChartCapacity    = "rows-per-second-by-concurrency-capacity.svg"
)

// limitChartScenarios are the scenarios whose adaptive run's limits are
// drawn over time, one chart each (limitChart names the file).
var limitChartScenarios = []string{"capacity", "capacity-half", "capacity-knee", "capacity-spread", "spread"}

func limitChart(scenario string) string { return "limit-per-host-" + scenario + ".svg" }

// ChartPNG is the name of the PNG copy of an SVG chart.
func ChartPNG(svg string) string { return strings.TrimSuffix(svg, ".svg") + ".png" }

// maxSeries bounds the curves of a chart: more cannot be told apart.
const maxSeries = 5

// palette are the series' colours, in order: black, then Okabe and Ito's
// colour-blind safe blue, vermillion, bluish green and reddish purple,
// which differ in hue and lightness.
var palette = []color.Color{
	color.RGBA{0x00, 0x00, 0x00, 0xff},
	color.RGBA{0x00, 0x72, 0xb2, 0xff},
	color.RGBA{0xd5, 0x5e, 0x00, 0xff},
	color.RGBA{0x00, 0x9e, 0x73, 0xff},
	color.RGBA{0xcc, 0x79, 0xa7, 0xff},
}

// chart is one figure: rows/s against x, one series per strategy.
type chart struct {
	file, title, xLabel string
	sweep               Sweep
	x                   func(Result) float64
	logX                bool
	// legendTop and legendLeft place the legend in the corner the curves
	// leave empty.
	legendTop, legendLeft bool
	// series are the strategies drawn, by their names in the tables, in
	// legend order; at most maxSeries. The tables hold the others. Nil:
	// the first maxSeries strategies of the results.
	series []string
}

var charts = []chart{
	{ChartConcurrency, "Rows/s by concurrency (20 ms per request, page size 100)", "requests in flight (concurrency)",
		SweepConcurrency, func(r Result) float64 { return float64(r.Concurrency) }, true, true, true,
		[]string{"single-stream", "equal-slices", "ringscan", "ringscan-default"}},
	{ChartLatency, "Rows/s by request latency (page size 100)", "added latency per request (ms)",
		SweepLatency, func(r Result) float64 { return float64(r.Latency.Microseconds()) / 1000 }, false, false, true,
		[]string{"single-stream", "equal-slices-c32", "ringscan-default", "equal-slices-c128", "ringscan-tuned-c128"}},
	{ChartPageSize, "Rows/s by page size (5 ms per request)", "page size (rows)",
		SweepPageSize, func(r Result) float64 { return float64(r.PageSize) }, true, false, false,
		[]string{"single-stream", "equal-slices", "ringscan-default"}},
	{ChartCapacity, "Rows/s by concurrency on nodes of capacity 4 (queue 8, 110 ms per page of 1000)", "subranges read at once (concurrency)",
		SweepCapacity, func(r Result) float64 { return float64(r.Concurrency) }, true, false, false,
		[]string{"ringscan-fixed", "ringscan-adaptive"}},
}

// Chart size.
const (
	chartWidth  = 8 * vg.Inch
	chartHeight = 5 * vg.Inch
	pngDPI      = 144
)

// WriteCharts writes an SVG chart and its PNG copy into dir for each
// sweep the results hold, and returns the names of the SVG files written.
// The SVG embeds the fonts it uses (Liberation, from the go-fonts
// module), so that it renders the same in any viewer, with or without
// those fonts installed; the PNG is for viewers that do not render SVG.
// Each file is replaced atomically.
func WriteCharts(dir string, rs []Result) ([]string, error) {
	var written []string
	for _, c := range charts {
		p, ok, err := c.plot(rs)
		if err != nil {
			return written, fmt.Errorf("chart %s: %w", c.file, err)
		}
		if !ok {
			continue
		}
		svg := vgsvg.NewWith(vgsvg.UseWH(chartWidth, chartHeight), vgsvg.EmbedFonts(true))
		png := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(chartWidth, chartHeight), vgimg.UseDPI(pngDPI))}
		for _, out := range []struct {
			name string
			c    interface {
				vg.CanvasWriterTo
			}
		}{{c.file, svg}, {ChartPNG(c.file), png}} {
			p.Draw(draw.New(out.c))
			var buf bytes.Buffer
			if _, err := out.c.WriteTo(&buf); err != nil {
				return written, fmt.Errorf("chart %s: %w", out.name, err)
			}
			if err := fsutil.WriteAtomic(filepath.Join(dir, out.name), buf.Bytes(), 0o644); err != nil {
				return written, fmt.Errorf("chart %s: %w", out.name, err)
			}
		}
		written = append(written, c.file)
	}
	for _, sc := range limitChartScenarios {
		p, ok, err := plotLimits(sc, rs)
		if err != nil {
			return written, fmt.Errorf("chart %s: %w", limitChart(sc), err)
		}
		if !ok {
			continue
		}
		if err := writePlot(dir, limitChart(sc), p); err != nil {
			return written, err
		}
		written = append(written, limitChart(sc))
	}
	return written, nil
}

// writePlot writes p as an SVG and its PNG copy.
func writePlot(dir, file string, p *plot.Plot) error {
	svg := vgsvg.NewWith(vgsvg.UseWH(chartWidth, chartHeight), vgsvg.EmbedFonts(true))
	png := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(chartWidth, chartHeight), vgimg.UseDPI(pngDPI))}
	for _, out := range []struct {
		name string
		c    vg.CanvasWriterTo
	}{{file, svg}, {ChartPNG(file), png}} {
		p.Draw(draw.New(out.c))
		var buf bytes.Buffer
		if _, err := out.c.WriteTo(&buf); err != nil {
			return fmt.Errorf("chart %s: %w", out.name, err)
		}
		if err := fsutil.WriteAtomic(filepath.Join(dir, out.name), buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("chart %s: %w", out.name, err)
		}
	}
	return nil
}

// plotLimits draws the per-host limits over time of scenario's adaptive
// strategy (the reported run): one step line per host.
func plotLimits(scenario string, rs []Result) (*plot.Plot, bool, error) {
	i := slices.IndexFunc(rs, func(r Result) bool {
		return r.Scenario == scenario && r.Strategy == "ringscan-adaptive" && r.OK() && len(r.Limits) > 0
	})
	if i < 0 {
		return nil, false, nil
	}
	r := rs[i]
	byHost := map[string]plotter.XYs{}
	var hosts []string
	for _, pt := range r.Limits {
		xys, ok := byHost[pt.Host]
		if !ok {
			hosts = append(hosts, pt.Host)
		}
		x := pt.At.Seconds()
		if len(xys) > 0 {
			xys = append(xys, plotter.XY{X: x, Y: xys[len(xys)-1].Y}) // a step
		}
		byHost[pt.Host] = append(xys, plotter.XY{X: x, Y: float64(pt.Limit)})
	}
	slices.Sort(hosts)
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Adaptive per-host limit over time (%s, run at %s rows/s)", scenario, thousands(r.RowsPerSecond))
	p.X.Label.Text = "seconds since the scan started"
	p.Y.Label.Text = "page requests in flight allowed (limit)"
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	end := r.Elapsed.Seconds()
	for k, h := range hosts {
		xys := append(byHost[h], plotter.XY{X: end, Y: byHost[h][len(byHost[h])-1].Y})
		l, err := plotter.NewLine(xys)
		if err != nil {
			return nil, false, err
		}
		l.Color = palette[k%len(palette)]
		l.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(h, l)
	}
	p.Y.Min = 0
	p.Y.Max *= 1.3
	return p, true, nil
}

// series groups points by strategy name, in order of first appearance.
type series struct {
	name string
	xys  plotter.XYs
}

func (c chart) plot(rs []Result) (*plot.Plot, bool, error) {
	var ss []*series
	var xs []float64
	for _, r := range rs {
		if r.Sweep != c.sweep || !r.OK() || r.RowsPerSecond <= 0 {
			continue
		}
		i := slices.IndexFunc(ss, func(s *series) bool { return s.name == r.Strategy })
		if i < 0 {
			ss = append(ss, &series{name: r.Strategy})
			i = len(ss) - 1
		}
		x := c.x(r)
		ss[i].xys = append(ss[i].xys, plotter.XY{X: x, Y: r.RowsPerSecond})
		xs = append(xs, x)
	}
	if c.sweep != SweepConcurrency {
		// A strategy measured at one point of a sweep makes no curve
		// (e.g. the headline case's extra variants).
		ss = slices.DeleteFunc(ss, func(s *series) bool { return len(s.xys) < 2 })
	}
	ss = c.pick(ss)
	if len(ss) == 0 {
		return nil, false, nil
	}
	slices.Sort(xs)
	xs = slices.Compact(xs)
	p := plot.New()
	p.Title.Text = c.title
	p.X.Label.Text = c.xLabel
	p.Y.Label.Text = "rows/s (log scale)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = logTicks{}
	p.Legend.Top = c.legendTop
	p.Legend.Left = c.legendLeft
	p.Legend.Padding = vg.Points(2)
	if !c.legendLeft {
		// Keeps the legend's line samples off the chart's right edge.
		p.Legend.XOffs = -vg.Points(8)
	}
	p.Add(plotter.NewGrid())
	ticks := make(plot.ConstantTicks, len(xs))
	for i, x := range xs {
		ticks[i] = plot.Tick{Value: x, Label: strconv.FormatFloat(x, 'g', -1, 64)}
	}
	p.X.Tick.Marker = ticks
	if c.logX {
		p.X.Scale = plot.LogScale{}
	}
	lo, hi := xs[0], xs[len(xs)-1]
	if lo == hi {
		lo, hi = lo*0.9, hi*1.1
	}
	for i, s := range ss {
		slices.SortFunc(s.xys, func(a, b plotter.XY) int {
			switch {
			case a.X < b.X:
				return -1
			case a.X > b.X:
				return 1
			}
			return 0
		})
		col := palette[i%len(palette)]
		if len(s.xys) == 1 && c.sweep == SweepConcurrency {
			// A strategy measured at one concurrency only: single-stream
			// (always 1) as a dashed level line across the chart, the
			// default settings as a lone point. The legend names the
			// strategy as the tables do.
			if s.xys[0].X == 1 {
				l, err := plotter.NewLine(plotter.XYs{{X: lo, Y: s.xys[0].Y}, {X: hi, Y: s.xys[0].Y}})
				if err != nil {
					return nil, false, err
				}
				l.Color = col
				l.Width = vg.Points(1.5)
				l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
				p.Add(l)
				p.Legend.Add(s.name, l)
				continue
			}
		}
		l, pts, err := plotter.NewLinePoints(s.xys)
		if err != nil {
			return nil, false, err
		}
		l.Color, pts.Color = col, col
		l.Width = vg.Points(1.5)
		pts.Shape = plotutil.Shape(i)
		pts.Radius = vg.Points(3)
		p.Add(l, pts)
		p.Legend.Add(s.name, l, pts)
	}
	// Room around the points, so that none sits on an axis or under the
	// legend's edge.
	p.Y.Min, p.Y.Max = p.Y.Min/1.5, p.Y.Max*1.5
	if c.logX {
		p.X.Min, p.X.Max = lo/1.25, hi*1.25
	} else {
		pad := (hi - lo) * 0.04
		p.X.Min, p.X.Max = lo-pad, hi+pad
	}
	return p, true, nil
}

// pick keeps the series of c.series, in that order, or, when the results
// hold none of them (a custom run), the first maxSeries.
func (c chart) pick(ss []*series) []*series {
	var out []*series
	for _, name := range c.series {
		if i := slices.IndexFunc(ss, func(s *series) bool { return s.name == name }); i >= 0 {
			out = append(out, ss[i])
		}
	}
	if len(out) == 0 {
		out = ss[:min(len(ss), maxSeries)]
	}
	return out
}

// logTicks marks powers of ten and 2x, 5x between them, labelled as 1k,
// 20k, 1M.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	if lo <= 0 {
		lo = 1
	}
	for e := math.Floor(math.Log10(lo)); math.Pow(10, e) <= hi; e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, e)
			if v < lo || v > hi {
				continue
			}
			ts = append(ts, plot.Tick{Value: v, Label: siLabel(v)})
		}
	}
	return ts
}

// siLabel formats 2000 as 2k and 1500000 as 1.5M.
func siLabel(v float64) string {
	switch {
	case v >= 1e6:
		return strconv.FormatFloat(v/1e6, 'g', 3, 64) + "M"
	case v >= 1e3:
		return strconv.FormatFloat(v/1e3, 'g', 3, 64) + "k"
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

var _ plot.Ticker = logTicks{}
