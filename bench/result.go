package bench

import (
	"fmt"
	"time"
)

// Result is the outcome of one strategy in one scenario.
type Result struct {
	Scenario string
	Strategy string
	Kind     Kind
	// Settings describes the strategy's settings, e.g. "c=32 per-host=8 page=1000".
	Settings string
	// Sweep, Latency, Concurrency and PageSize place the result on the
	// charts.
	Sweep       Sweep `json:",omitempty"`
	Latency     time.Duration
	Concurrency int
	PageSize    int

	// Rows is the number of rows read; Elapsed the scan's wall time.
	Rows    int64
	Elapsed time.Duration
	// RowsPerSecond is Rows / Elapsed.
	RowsPerSecond float64
	// CPUPerMillionRows is the scanning process's CPU seconds per million
	// rows read.
	CPUPerMillionRows float64
	// ClusterCPUPerMillionRows is the simulator's CPU seconds per million
	// rows read, while the strategy ran: the work the strategy's requests
	// cost the cluster. 0 on a real cluster.
	ClusterCPUPerMillionRows float64
	// PeakRSSMiB is the scanning process's peak resident set size.
	PeakRSSMiB float64
	// MakespanRatio is Elapsed divided by the ideal makespan, the sum of
	// the per-range read times divided by the concurrency: 1 for a perfect
	// schedule, more when a few long ranges make the scan's tail. 1 for
	// single-stream by definition.
	MakespanRatio float64
	// Retries counts page requests sent again after an error.
	Retries int64
	// Pages counts the pages received: the requests the scan needed.
	Pages int64
	// RowsDropped counts the rows ringscan read past the end of a subrange
	// split while its statement ran, and dropped: rows the cluster read
	// twice.
	RowsDropped int64 `json:",omitempty"`
	// Restarts counts the statements a split cut short, read on by a new
	// statement bounded by the new end.
	Restarts int64 `json:",omitempty"`
	// Startup is the time from the child's start of work (before it
	// connects) to its first page request; Total from then to its last
	// row: the whole run but for the process's own start.
	Startup, Total time.Duration
	// Hashed says whether every row was hashed and checked; otherwise only
	// the row count was checked.
	Hashed bool
	// Lost counts the table's rows not read; Duplicated the rows read
	// more than once. Both must be 0.
	Lost, Duplicated int64
	// Digest identifies the set of distinct rows read.
	Digest uint64 `json:",string"`
	// Runs is the number of runs of the strategy: the figures are those of
	// the run with the median rows/s (or of a failed run).
	Runs int
	// RunRates are the rows/s of every run of the strategy, in order.
	RunRates []float64 `json:",omitempty"`
	// Nodes is what each simulated node's reads went through during the
	// run (from the simulator's metrics); Overloaded sums their Overloaded
	// answers, OverloadedShare their share of every answer.
	Nodes           []NodeLoad `json:",omitempty"`
	Overloaded      int64      `json:",omitempty"`
	OverloadedShare float64    `json:",omitempty"`
	// Limits are the per-host limits over the run.
	Limits []LimitPoint `json:",omitempty"`
	// Problems lists what the check found wrong; Err why the run failed.
	Problems []string `json:",omitempty"`
	Err      string   `json:",omitempty"`

	distinct    int64
	distinctSum uint64
}

// OK reports whether the run finished and read exactly the table's rows.
func (r Result) OK() bool { return r.Err == "" && len(r.Problems) == 0 }

// newResult computes a result's figures from a child's measurement; the
// row check is done later, with the scenario's other results.
func newResult(sc Scenario, st Strategy, m Measurement) Result {
	page := sc.PageSize
	if st.PageSize > 0 {
		page = st.PageSize
	}
	r := Result{
		Scenario: sc.Name, Strategy: st.Label(), Kind: st.Kind, Settings: st.Settings(sc.PageSize),
		Sweep: sc.Sweep, Latency: sc.Sim.Latency, Concurrency: st.EffectiveConcurrency(), PageSize: page,
		Rows: m.Rows, Elapsed: m.Elapsed, Retries: m.Retries, Pages: m.Pages, RowsDropped: m.RowsDropped, Restarts: m.Restarts, Digest: m.Digest,
		Startup: m.Startup, Total: m.Total, Hashed: m.Hashed, Limits: m.Limits,
		PeakRSSMiB:  float64(m.MaxRSSKiB) / 1024,
		distinct:    m.Distinct,
		distinctSum: m.DistinctSum,
	}
	if m.Elapsed > 0 {
		r.RowsPerSecond = float64(m.Rows) / m.Elapsed.Seconds()
	}
	if m.Rows > 0 {
		r.CPUPerMillionRows = m.CPUSeconds / float64(m.Rows) * 1e6
	}
	r.MakespanRatio = MakespanRatio(m.Elapsed, m.Work, m.Concurrency)
	if st.Kind == SingleStream {
		r.MakespanRatio = 1
	}
	return r
}

// MakespanRatio is elapsed divided by the ideal makespan work/concurrency;
// 0 when there is no work to divide.
func MakespanRatio(elapsed, work time.Duration, concurrency int) float64 {
	if work <= 0 || concurrency < 1 {
		return 0
	}
	ideal := work.Seconds() / float64(concurrency)
	return elapsed.Seconds() / ideal
}

// checkScenario checks the results of one scenario: each against want,
// then all against each other, so that every strategy is shown to have
// read the same set of rows. Without want (a real cluster), the reference
// is the run that read the most distinct rows.
func checkScenario(rs []Result, want *Expected) {
	if want == nil {
		var ref *Result
		for i := range rs {
			if rs[i].Err == "" && (ref == nil || rs[i].distinct > ref.distinct) {
				ref = &rs[i]
			}
		}
		if ref == nil {
			return
		}
		want = &Expected{Rows: ref.distinct, Checksum: ref.distinctSum}
	}
	var ref *Result
	for i := range rs {
		r := &rs[i]
		if r.Err != "" {
			continue
		}
		if !r.Hashed {
			// Counted only: the count must be the table's.
			if r.Rows != want.Rows {
				r.Problems = append(r.Problems, fmt.Sprintf("%d rows read, the table has %d", r.Rows, want.Rows))
			}
			continue
		}
		r.Lost, r.Duplicated, r.Problems = Check(*want, Measurement{Rows: r.Rows, Distinct: r.distinct, DistinctSum: r.distinctSum})
		if len(r.Problems) > 0 {
			continue
		}
		if ref == nil {
			ref = r
		} else if r.Digest != ref.Digest {
			r.Problems = append(r.Problems, "read another set of rows than "+ref.Strategy+" ("+ref.Settings+")")
		}
	}
}
