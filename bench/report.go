package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Meta describes a run for its report.
type Meta struct {
	// Profile is "quick", "full" or "custom".
	Profile string
	// Command is the command line that produced the results.
	Command string
	// Machine describes the machine (see Machine).
	Machine string
	// Date is when the run started.
	Date time.Time
	// Load is the machine's load average before and after the run (other
	// work on the machine skews the figures).
	Load string `json:",omitempty"`
	// Scenarios are the scenarios run, for their descriptions.
	Scenarios []Scenario `json:"-"`
}

// Machine describes this machine: cores, CPU model, OS and Go version.
func Machine() string {
	model := "unknown CPU"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
		_ = f.Close()
	}
	return fmt.Sprintf("%d cores (%s), %s/%s, %s", runtime.NumCPU(), model, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// LoadAverage returns the 1, 5 and 15 minute load averages from
// /proc/loadavg, or "" where there is none.
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// WriteMarkdown writes the results as Markdown: one table per scenario,
// then the failed checks, if any.
func WriteMarkdown(w io.Writer, rs []Result, meta Meta, charts []string) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	p("# ringscan benchmark results\n\n")
	if meta.Profile != "" {
		p("- profile: %s\n", meta.Profile)
	}
	if meta.Command != "" {
		p("- command: `%s`\n", meta.Command)
	}
	if meta.Machine != "" {
		p("- machine: %s\n", meta.Machine)
	}
	if !meta.Date.IsZero() {
		p("- date: %s\n", meta.Date.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if meta.Load != "" {
		p("- load average: %s\n", meta.Load)
	}
	p("\nrows/s: rows read per second of scan. x single: rows/s over single-stream's in the same scenario (and page size). " +
		"CPU: the scanning process's CPU seconds per million rows; cqlsim CPU: the simulator's, the work the strategy's requests cost the cluster. RSS: the scanning process's peak resident set. " +
		"makespan: scan time over the ideal (sum of per-range times / concurrency). pages: pages received, i.e. requests needed (retries excluded). " +
		"lost, dup: rows missed and rows read twice; both must be 0 (checked row by row, or by count alone for the count, discard and jsonl modes). " +
		"startup: from the child's start of work (before it connects) to its first page request; total: from the same start to its last row, startup included: the whole process but for its own launch. " +
		"With several runs of a strategy (runs), the figures are the median run's by rows/s.\n")
	desc := map[string]string{}
	capacity := map[string]bool{}
	for _, s := range meta.Scenarios {
		desc[s.Name] = s.Description
		capacity[s.Name] = s.Sim.Capacity != ""
	}
	for _, group := range groupByScenario(rs) {
		p("\n## %s\n\n", group[0].Scenario)
		if d := desc[group[0].Scenario]; d != "" {
			p("%s.\n\n", upperFirst(d))
		}
		p("| strategy | settings | rows | rows/s | x single | CPU s/M rows | cqlsim CPU s/M rows | peak RSS MiB | makespan/ideal | pages | retries | lost | dup | startup ms | total s | runs |\n")
		p("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
		for _, r := range group {
			if r.Err != "" {
				p("| %s | %s | failed: %s | | | | | | | | | | | | | %d |\n", r.Strategy, r.Settings, escapePipes(r.Err), r.Runs)
				continue
			}
			p("| %s | %s | %s | %s | %s | %.2f | %s | %.0f | %s | %s | %d | %d | %d | %.0f | %.2f | %d |\n",
				r.Strategy, r.Settings, thousands(float64(r.Rows)), thousands(r.RowsPerSecond),
				speedup(r, group), r.CPUPerMillionRows, ratio(r.ClusterCPUPerMillionRows), r.PeakRSSMiB, ratio(r.MakespanRatio),
				thousands(float64(r.Pages)), r.Retries, r.Lost, r.Duplicated,
				float64(r.Startup)/float64(time.Millisecond), r.Total.Seconds(), r.Runs)
		}
		if capacity[group[0].Scenario] {
			writeLoad(p, group)
		}
	}
	var failed []string
	for _, r := range rs {
		if !r.OK() {
			why := r.Err
			if why == "" {
				why = strings.Join(r.Problems, ", ")
			}
			failed = append(failed, fmt.Sprintf("- %s / %s (%s): %s", r.Scenario, r.Strategy, r.Settings, why))
		}
	}
	if len(failed) > 0 {
		p("\n## FAILED CHECKS\n\n%s\n", strings.Join(failed, "\n"))
	} else if len(rs) > 0 {
		p("\nEvery run read exactly the table's rows: none lost, none duplicated, the same set for every strategy of a scenario.\n")
	}
	if len(charts) > 0 {
		p("\n## Charts\n\n")
		for _, c := range charts {
			p("![%s](%s)\n\n", strings.TrimSuffix(c, filepath.Ext(c)), c)
		}
	}
	return bw.Flush()
}

// WriteJSON writes the results and meta as JSON.
func WriteJSON(w io.Writer, rs []Result, meta Meta) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Meta    Meta
		Results []Result
	}{meta, rs})
}

// ReadJSON reads results and their meta as WriteJSON wrote them (the
// scenarios' descriptions, which WriteJSON leaves out, excepted).
func ReadJSON(r io.Reader) ([]Result, Meta, error) {
	var doc struct {
		Meta    Meta
		Results []Result
	}
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, Meta{}, fmt.Errorf("results: %w", err)
	}
	return doc.Results, doc.Meta, nil
}

// RenderCharts writes the charts of dir's results.json into dir again,
// without running anything, and returns the SVG files' names: for a
// change of the charts' looks, the measurements are kept.
func RenderCharts(dir string) ([]string, error) {
	f, err := os.Open(filepath.Join(dir, ReportJSON))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rs, _, err := ReadJSON(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name(), err)
	}
	if len(rs) == 0 {
		return nil, fmt.Errorf("%s holds no results", f.Name())
	}
	return WriteCharts(dir, rs)
}

// Report file names in the output directory.
const (
	ReportMarkdown = "results.md"
	ReportJSON     = "results.json"
)

// WriteReport writes results.md, results.json and the charts into dir,
// creating it if needed.
func WriteReport(dir string, rs []Result, meta Meta) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	charts, err := WriteCharts(dir, rs)
	if err != nil {
		return err
	}
	write := func(name string, f func(io.Writer) error) error {
		out, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if err := f(out); err != nil {
			_ = out.Close()
			return err
		}
		return out.Close()
	}
	if err := write(ReportMarkdown, func(w io.Writer) error { return WriteMarkdown(w, rs, meta, charts) }); err != nil {
		return err
	}
	return write(ReportJSON, func(w io.Writer) error { return WriteJSON(w, rs, meta) })
}

// writeLoad writes what the simulated nodes went through during each
// strategy's reported run, and the rows/s of every run.
func writeLoad(p func(string, ...any), group []Result) {
	p("\nServer side, the reported run (cqlsim's metrics): Overloaded answers and their share of all answers; per node, the p99 wait for a turn over the median service time (under 2 means under twice the unloaded service time). rows/s of every run, in order.\n\n")
	p("| strategy | rows/s of every run | Overloaded | per node: p99 queue wait / p50 service |\n|---|---|--:|---|\n")
	for _, r := range group {
		runs := make([]string, len(r.RunRates))
		for i, v := range r.RunRates {
			runs[i] = thousands(v)
		}
		nodes := make([]string, len(r.Nodes))
		for i, n := range r.Nodes {
			x := 0.0
			if n.P50Service > 0 {
				x = float64(n.P99QueueWait) / float64(n.P50Service)
			}
			nodes[i] = fmt.Sprintf("%s: %s / %s = %.2f", n.Node, n.P99QueueWait.Round(100*time.Microsecond), n.P50Service.Round(100*time.Microsecond), x)
		}
		p("| %s | %s | %d (%.2f%%) | %s |\n", r.Strategy, strings.Join(runs, ", "), r.Overloaded, 100*r.OverloadedShare, strings.Join(nodes, "; "))
	}
}

// groupByScenario splits results into runs of one scenario, in order.
func groupByScenario(rs []Result) [][]Result {
	var out [][]Result
	for i, r := range rs {
		if i == 0 || rs[i-1].Scenario != r.Scenario {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], r)
	}
	return out
}

// speedup is r's rows/s over single-stream's in the same scenario: at the
// same page size when there is one, else the scenario's single-stream run
// (a strategy tuned with another page size); "-" when there is none.
func speedup(r Result, group []Result) string {
	var base *Result
	for i, s := range group {
		if s.Kind != SingleStream || !s.OK() || s.RowsPerSecond <= 0 {
			continue
		}
		if s.PageSize == r.PageSize {
			base = &group[i]
			break
		}
		if base == nil {
			base = &group[i]
		}
	}
	if base == nil {
		return "-"
	}
	return strconv.FormatFloat(r.RowsPerSecond/base.RowsPerSecond, 'f', 1, 64) + "x"
}

func ratio(v float64) string {
	if v <= 0 {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// thousands formats v rounded, with comma separators: 1234567 as 1,234,567.
func thousands(v float64) string {
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func escapePipes(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
