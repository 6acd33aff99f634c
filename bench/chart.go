package bench

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// Chart file names.
const (
	ChartConcurrency = "rows-per-second-by-concurrency.svg"
	ChartLatency     = "rows-per-second-by-latency.svg"
	ChartPageSize    = "rows-per-second-by-page-size.svg"
)

// chart is one figure: rows/s against x, one series per strategy.
type chart struct {
	file, title, xLabel string
	sweep               Sweep
	x                   func(Result) float64
	logX                bool
	// legendTop and legendLeft place the legend in the corner the curves
	// leave empty.
	legendTop, legendLeft bool
}

var charts = []chart{
	{ChartConcurrency, "Rows/s by concurrency (20 ms per request, page size 100)", "requests in flight (concurrency)",
		SweepConcurrency, func(r Result) float64 { return float64(r.Concurrency) }, true, true, true},
	{ChartLatency, "Rows/s by request latency (page size 100)", "added latency per request (ms)",
		SweepLatency, func(r Result) float64 { return float64(r.Latency.Microseconds()) / 1000 }, false, true, false},
	{ChartPageSize, "Rows/s by page size (5 ms per request)", "page size (rows)",
		SweepPageSize, func(r Result) float64 { return float64(r.PageSize) }, true, false, false},
}

// WriteCharts writes an SVG chart into dir for each sweep the results
// hold, and returns the names of the files written.
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
		if err := p.Save(8*vg.Inch, 5*vg.Inch, filepath.Join(dir, c.file)); err != nil {
			return written, fmt.Errorf("chart %s: %w", c.file, err)
		}
		written = append(written, c.file)
	}
	return written, nil
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
		col := plotutil.Color(i)
		if len(s.xys) == 1 && c.sweep == SweepConcurrency {
			// A strategy measured at one concurrency only: single-stream
			// (always 1) as a level line across the chart, the default
			// settings as a lone point.
			if s.xys[0].X == 1 {
				l, err := plotter.NewLine(plotter.XYs{{X: lo, Y: s.xys[0].Y}, {X: hi, Y: s.xys[0].Y}})
				if err != nil {
					return nil, false, err
				}
				l.Color = col
				l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
				p.Add(l)
				p.Legend.Add(s.name+" (c=1)", l)
				continue
			}
		}
		l, pts, err := plotter.NewLinePoints(s.xys)
		if err != nil {
			return nil, false, err
		}
		l.Color, pts.Color = col, col
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
