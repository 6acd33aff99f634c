package bench

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sampleResults() []Result {
	var rs []Result
	add := func(sc Scenario, st Strategy, rows int64, elapsed time.Duration) {
		r := newResult(sc, st, Measurement{Rows: rows, Distinct: rows, Elapsed: elapsed, Work: 30 * elapsed, Concurrency: 32,
			CPUSeconds: 0.5, MaxRSSKiB: 30 << 10})
		r.Runs = 1
		rs = append(rs, r)
	}
	for _, l := range []time.Duration{0, 20 * time.Millisecond} {
		sc := Scenario{Name: "latency-" + l.String(), Sim: SimConfig{Rows: 100_000, Latency: l}, PageSize: 1000, Sweep: SweepLatency}
		add(sc, singleStream(), 100_000, time.Second+l*100)
		add(sc, equalSlices(32), 100_000, time.Second/2+l*6)
		add(sc, ringscanDefault(), 100_000, time.Second/2+l*5)
	}
	sc := Scenario{Name: "concurrency", Sim: SimConfig{Rows: 50_000}, PageSize: 100, Sweep: SweepConcurrency}
	add(sc, singleStream(), 50_000, 25*time.Second)
	for _, c := range []int{1, 8, 32} {
		add(sc, equalSlices(c), 50_000, 26*time.Second/time.Duration(c))
		add(sc, ringscanAt(c), 50_000, 25*time.Second/time.Duration(c))
	}
	sc = Scenario{Name: "page-size", Sim: SimConfig{Rows: 50_000}, PageSize: 1000, Sweep: SweepPageSize}
	for _, p := range []int{100, 1000} {
		st := singleStream()
		st.PageSize = p
		add(sc, st, 50_000, time.Duration(100_000/p)*time.Millisecond)
	}
	return rs
}

func TestWriteMarkdown(t *testing.T) {
	rs := sampleResults()
	rs[1].Lost, rs[1].Problems = 3, []string{"3 of 100000 rows lost"}
	var buf bytes.Buffer
	meta := Meta{Profile: "quick", Command: "ringscan bench --quick", Machine: "2 cores", Scenarios: []Scenario{{Name: "concurrency", Description: "rows/s by concurrency"}}}
	require.NoError(t, WriteMarkdown(&buf, rs, meta, []string{ChartLatency}))
	md := buf.String()
	for _, want := range []string{
		"- command: `ringscan bench --quick`",
		"## latency-20ms",
		"## concurrency\n\nRows/s by concurrency.",
		"| single-stream | c=1 page=1000 | 100,000 | 100,000 | 1.0x |",
		"| ringscan | c=32 per-host=32 page=100 | 50,000 | 64,000 | 32.0x |",
		"## FAILED CHECKS",
		"latency-0s / equal-slices (c=32 slices=64/node page=1000): 3 of 100000 rows lost",
		"![rows-per-second-by-latency](rows-per-second-by-latency.svg)",
	} {
		assert.Contains(t, md, want)
	}
	// Every table row has as many cells as the header.
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| ") {
			assert.Equal(t, 17, strings.Count(line, "|"), line)
		}
	}
}

func TestThousands(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 1234567.6: "1,234,568", -4321: "-4,321"} {
		assert.Equal(t, want, thousands(v))
	}
}

func TestWriteReport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	require.NoError(t, WriteReport(dir, sampleResults(), Meta{Profile: "test"}))
	for _, name := range []string{ReportMarkdown, ReportJSON, ChartConcurrency, ChartLatency, ChartPageSize,
		ChartPNG(ChartConcurrency), ChartPNG(ChartLatency), ChartPNG(ChartPageSize)} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err, name)
		assert.NotEmpty(t, b, name)
		if strings.HasSuffix(name, ".svg") {
			assert.Contains(t, string(b), "<svg", name)
			assert.Contains(t, string(b), "rows/s", name)
		}
	}
}

func TestWriteChartsSkipsMissingSweeps(t *testing.T) {
	var only []Result
	for _, r := range sampleResults() {
		if r.Sweep == SweepLatency {
			only = append(only, r)
		}
	}
	files, err := WriteCharts(t.TempDir(), only)
	require.NoError(t, err)
	assert.Equal(t, []string{ChartLatency}, files)
}

// TestRenderCharts re-renders the charts from results.json alone: the
// same files as the run wrote.
func TestRenderCharts(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, WriteReport(dir, sampleResults(), Meta{Profile: "test"}))
	before := map[string][]byte{}
	for _, c := range []string{ChartConcurrency, ChartLatency, ChartPageSize} {
		for _, name := range []string{c, ChartPNG(c)} {
			b, err := os.ReadFile(filepath.Join(dir, name))
			require.NoError(t, err)
			before[name] = b
			require.NoError(t, os.Remove(filepath.Join(dir, name)))
		}
	}
	files, err := RenderCharts(dir)
	require.NoError(t, err)
	assert.Equal(t, []string{ChartConcurrency, ChartLatency, ChartPageSize}, files)
	for name, b := range before {
		got, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.True(t, bytes.Equal(b, got), "%s differs", name)
	}
	_, err = RenderCharts(t.TempDir())
	assert.Error(t, err, "no results.json")
	bad := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(bad, ReportJSON), []byte(`{"Results": [{"Nope": 1}]}`), 0o644))
	_, err = RenderCharts(bad)
	assert.ErrorContains(t, err, "Nope")
}

// TestChartLooks checks what the issue asked of the charts: the fonts
// embedded in the SVG, a PNG beside it, at most 5 series in distinct
// colours, and legend names that are the tables' strategy names.
func TestChartLooks(t *testing.T) {
	var rs []Result
	names := []string{"single-stream", "equal-slices-c32", "ringscan-c32", "ringscan-tuned-c32", "equal-slices-c128",
		"ringscan-tuned-c128", "ringscan-default"}
	for _, l := range []time.Duration{0, 5 * time.Millisecond, 20 * time.Millisecond} {
		for i, n := range names {
			rs = append(rs, Result{Scenario: "latency-" + l.String(), Strategy: n, Sweep: SweepLatency, Latency: l,
				Rows: 10, RowsPerSecond: float64(1000 * (i + 1))})
		}
	}
	rs = append(rs, sampleResults()...)
	dir := t.TempDir()
	_, err := WriteCharts(dir, rs)
	require.NoError(t, err)
	text := regexp.MustCompile(`>([^<]*)</text>`)
	stroke := regexp.MustCompile(`stroke:(#[0-9A-Fa-f]{6})`)
	for _, tc := range []struct {
		file   string
		legend []string
	}{
		{ChartLatency, []string{"single-stream", "equal-slices-c32", "ringscan-default", "equal-slices-c128", "ringscan-tuned-c128"}},
		{ChartConcurrency, []string{"single-stream", "equal-slices", "ringscan"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, tc.file))
			require.NoError(t, err)
			svg := string(b)
			assert.Contains(t, svg, "@font-face", "fonts embedded")
			assert.Contains(t, svg, "base64,")
			var shown []string
			for _, m := range text.FindAllStringSubmatch(svg, -1) {
				if strings.Contains(m[1], "-") && !strings.ContainsAny(m[1], " /") || slices.Contains(tc.legend, m[1]) {
					shown = append(shown, m[1])
				}
			}
			assert.ElementsMatch(t, tc.legend, shown, "the legend names the tables' strategies, nothing else")
			colours := map[string]bool{}
			for _, m := range stroke.FindAllStringSubmatch(svg, -1) {
				colours[strings.ToLower(m[1])] = true
			}
			for i := range tc.legend {
				r, g, bl, _ := palette[i].RGBA()
				assert.True(t, colours[fmt.Sprintf("#%02x%02x%02x", r>>8, g>>8, bl>>8)], "series %d has its own colour", i)
			}
			f, err := os.Open(filepath.Join(dir, ChartPNG(tc.file)))
			require.NoError(t, err)
			defer f.Close()
			img, err := png.Decode(f)
			require.NoError(t, err)
			assert.Equal(t, image.Rect(0, 0, 8*pngDPI, 5*pngDPI), img.Bounds())
		})
	}
	assert.LessOrEqual(t, len(palette), maxSeries)
}
