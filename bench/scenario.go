package bench

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ringscan/ringscan/cqlsim"
)

// hotTables are the tables of the hot-partition scenarios.
func hotTables() []string {
	var out []string
	for _, typ := range cqlsim.HotClusterings {
		out = append(out, cqlsim.HotTable(typ))
	}
	return out
}

// SimConfig is the simulated cluster and data of a scenario: the flags of
// "ringscan sim". Zero fields mean none or cqlsim's defaults, as noted.
type SimConfig struct {
	// Nodes is the node count. Default 3. The demo keyspace has replication
	// factor 3, so with more than 3 nodes a coordinator chosen without
	// regard to replicas may not hold the data.
	Nodes int `json:",omitempty"`
	// Rows is the number of live rows of the demo table. Required.
	Rows int
	// LargePartitionRows puts this many rows in one partition (skew).
	// Default 0: no large partition.
	LargePartitionRows int `json:",omitempty"`
	// DeletedRows writes and deletes this many extra rows: half of them a
	// run inside one partition, the rest scattered. Default 0: none.
	DeletedRows int `json:",omitempty"`
	// TombstoneBudget is how many deleted rows one page may step over
	// before it returns early, possibly empty. Default: cqlsim's 1000.
	TombstoneBudget int `json:",omitempty"`
	// Latency and Jitter are added to every request; NonReplica again when
	// the coordinator does not replicate the data. Default 0.
	Latency, Jitter, NonReplica time.Duration `json:",omitempty"`
	// SlowNodes nodes have their latency multiplied by SlowFactor.
	SlowNodes  int     `json:",omitempty"`
	SlowFactor float64 `json:",omitempty"`
	// Faults are injected errors, as "ringscan sim --faults", e.g.
	// "overloaded:0.05". Default: none.
	Faults string `json:",omitempty"`
	// Capacity is the reads each node serves at once, one value for every
	// node or one per node ("ringscan sim --capacity"); QueueLimit the
	// reads that may wait, past which one is answered Overloaded; PerRow
	// the service time per row returned. Default: no capacity model.
	Capacity   string        `json:",omitempty"`
	QueueLimit int           `json:",omitempty"`
	PerRow     time.Duration `json:",omitempty"`
	// Knee and KneeCost make a node pushed past Knee reads (served or
	// waiting) serve every read more slowly, by KneeCost for each read
	// beyond ("ringscan sim --knee --knee-cost"). Default: no knee.
	Knee     int     `json:",omitempty"`
	KneeCost float64 `json:",omitempty"`
	// HotRows loads the hot tables (ringscan_demo.hot_int, hot_timestamp,
	// hot_uuid) with this many rows each, a quarter of them in one
	// partition ("ringscan sim --hot-rows"). Default 0: none.
	HotRows int `json:",omitempty"`
}

// Flags returns the "ringscan sim" flags for c.
func (c SimConfig) Flags() []string {
	nodes := c.Nodes
	if nodes == 0 {
		nodes = 3
	}
	none := func(n int) string {
		if n <= 0 {
			return "-1"
		}
		return strconv.Itoa(n)
	}
	f := []string{
		"--nodes", strconv.Itoa(nodes), "--rows", strconv.Itoa(c.Rows),
		"--large-partition-rows", none(c.LargePartitionRows), "--deleted-rows", none(c.DeletedRows),
	}
	if c.TombstoneBudget > 0 {
		f = append(f, "--tombstone-budget", strconv.Itoa(c.TombstoneBudget))
	}
	if c.Latency > 0 {
		f = append(f, "--latency", c.Latency.String())
	}
	if c.Jitter > 0 {
		f = append(f, "--jitter", c.Jitter.String())
	}
	if c.NonReplica > 0 {
		f = append(f, "--non-replica-latency", c.NonReplica.String())
	}
	if c.SlowNodes > 0 {
		f = append(f, "--slow-nodes", strconv.Itoa(c.SlowNodes))
		if c.SlowFactor > 0 {
			f = append(f, "--slow-factor", strconv.FormatFloat(c.SlowFactor, 'g', -1, 64))
		}
	}
	if c.Faults != "" {
		f = append(f, "--faults", c.Faults)
	}
	if c.Capacity != "" {
		f = append(f, "--capacity", c.Capacity)
	}
	if c.QueueLimit != 0 {
		f = append(f, "--queue-limit", strconv.Itoa(c.QueueLimit))
	}
	if c.PerRow > 0 {
		f = append(f, "--cost-per-row", c.PerRow.String())
	}
	if c.Knee > 0 {
		f = append(f, "--knee", strconv.Itoa(c.Knee), "--knee-cost", strconv.FormatFloat(c.KneeCost, 'g', -1, 64))
	}
	if c.HotRows > 0 {
		f = append(f, "--hot-rows", strconv.Itoa(c.HotRows))
	}
	if c.Capacity != "" {
		// The nodes' load, scraped around every run (NodeLoad).
		f = append(f, "--metrics-addr", ":0")
	}
	return f
}

// Sweep names the variable a group of scenarios or strategies varies, for
// the charts.
type Sweep string

// Sweeps charted.
const (
	// SweepLatency: scenarios that differ by Sim.Latency only.
	SweepLatency Sweep = "latency"
	// SweepConcurrency: one scenario whose strategies differ by
	// Concurrency.
	SweepConcurrency Sweep = "concurrency"
	// SweepPageSize: one scenario whose strategies differ by PageSize.
	SweepPageSize Sweep = "page-size"
	// SweepCapacity: one scenario on nodes of bounded capacity whose
	// strategies differ by Concurrency, fixed against adaptive.
	SweepCapacity Sweep = "capacity-concurrency"
)

// Scenario is one named benchmark case.
type Scenario struct {
	// Name identifies the scenario, e.g. "latency-20ms".
	Name string
	// Description says what it shows, in a few words.
	Description string
	// Sim is the simulated cluster and its data.
	Sim SimConfig
	// Table is the demo keyspace's table the strategies read. Default
	// events, the demo table.
	Table string `json:",omitempty"`
	// PageSize is the page size of every strategy that does not set one.
	PageSize int
	// Strategies are run in order on the same data.
	Strategies []Strategy
	// Sweep is set on scenarios that make a chart's points.
	Sweep Sweep `json:",omitempty"`
	// ClientOnly is set when the scenario varies only client settings, so
	// that it means something on a real cluster too; the others shape the
	// simulator (latency, faults, data) and are skipped with --hosts.
	ClientOnly bool `json:",omitempty"`
}

// Validate reports every problem of s at once.
func (s Scenario) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: scenario %q: "+format, append([]any{ErrInvalidConfig, s.Name}, args...)...))
	}
	if s.Name == "" {
		bad("Name is required")
	}
	if s.Sim.Rows < 1 {
		bad("Sim.Rows is %d; want at least 1", s.Sim.Rows)
	}
	if s.Sim.LargePartitionRows > s.Sim.Rows {
		bad("Sim.LargePartitionRows %d exceeds Sim.Rows %d", s.Sim.LargePartitionRows, s.Sim.Rows)
	}
	if s.PageSize < 1 {
		bad("PageSize is %d; want at least 1", s.PageSize)
	}
	if s.Table != "" && !slices.Contains(hotTables(), s.Table) {
		bad("Table %q is not a demo table; allowed are the default (events) and %s", s.Table, strings.Join(hotTables(), ", "))
	}
	if s.Table != "" && s.Sim.HotRows == 0 {
		bad("Table %s needs Sim.HotRows", s.Table)
	}
	if len(s.Strategies) == 0 {
		bad("no strategies")
	}
	for _, st := range s.Strategies {
		if err := st.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("scenario %q: %w", s.Name, err))
		}
	}
	return errors.Join(errs...)
}

// Strategy constructors.

func singleStream() Strategy { return Strategy{Kind: SingleStream} }

func equalSlices(conc int) Strategy {
	return Strategy{Name: "equal-slices", Kind: EqualSlices, Concurrency: conc}
}

func ringscanDefault() Strategy { return Strategy{Name: "ringscan-default", Kind: Ringscan} }

// ringscanAt is ringscan at a given concurrency with the per-host cap out
// of the way (PerHost = Concurrency), as the equal slices have none.
func ringscanAt(conc int) Strategy {
	return Strategy{Name: "ringscan", Kind: Ringscan, Concurrency: conc, PerHost: conc}
}

// named renames a strategy, e.g. for two concurrencies in one scenario.
func named(s Strategy, name string) Strategy {
	s.Name = name
	return s
}

func tuned(s Strategy) Strategy {
	s.Name = "ringscan-tuned"
	s.Kind = Ringscan
	return s
}

// compare4 are the strategies of the data-shape scenarios: the two
// baselines, ringscan's defaults and ringscan tuned.
func compare4(t Strategy) []Strategy {
	return []Strategy{singleStream(), equalSlices(32), ringscanDefault(), tuned(t)}
}

// ringscanSplit is ringscan at a concurrency with as many subranges as
// goroutines (never fewer than the ring's vnode ranges): each goroutine
// starts with one long subrange, and the worker splits running subranges
// when goroutines fall idle, so the tail stays short with fewer requests.
func ringscanSplit(conc int) Strategy {
	return Strategy{Name: fmt.Sprintf("ringscan-tuned-c%d", conc), Kind: Ringscan, Concurrency: conc, PerHost: conc, Splits: conc}
}

// latencyScenarios read rows with page size 100 at each latency, with
// both baselines and ringscan at concurrency 32 and 128. The 50 ms one is
// the headline case: it also runs the variants that only it needs
// (equal slices tuned the same way, ringscan at 128 with default splits).
func latencyScenarios(rows int, latencies []time.Duration) []Scenario {
	var out []Scenario
	for _, l := range latencies {
		sc := Scenario{
			Name:        fmt.Sprintf("latency-%dms", l.Milliseconds()),
			Description: fmt.Sprintf("%d ms added to every request, page size 100", l.Milliseconds()),
			Sim:         SimConfig{Rows: rows, Latency: l},
			PageSize:    100,
			Strategies: []Strategy{
				singleStream(),
				named(equalSlices(32), "equal-slices-c32"), named(ringscanAt(32), "ringscan-c32"), ringscanSplit(32),
				named(equalSlices(128), "equal-slices-c128"), ringscanSplit(128),
				ringscanDefault(),
				// Adaptive per-host limits on nodes without a capacity
				// limit: what growing towards the ceiling costs.
				{Name: "ringscan-adaptive", Kind: Ringscan, Adaptive: true},
			},
			Sweep: SweepLatency,
		}
		if l == 50*time.Millisecond {
			sc.Description += "; the headline case"
			sc.Strategies = append(sc.Strategies,
				Strategy{Name: "equal-slices-tuned-c32", Kind: EqualSlices, Concurrency: 32, Slices: 32},
				Strategy{Name: "equal-slices-tuned-c128", Kind: EqualSlices, Concurrency: 128, Slices: 128},
				named(ringscanAt(128), "ringscan-c128"))
		}
		out = append(out, sc)
	}
	return out
}

func concurrencyScenario(rows int, levels []int) Scenario {
	s := Scenario{
		Name:        "concurrency",
		Description: "20 ms per request, page size 100: rows/s as the requests in flight grow",
		Sim:         SimConfig{Rows: rows, Latency: 20 * time.Millisecond},
		PageSize:    100,
		Strategies:  []Strategy{singleStream()},
		Sweep:       SweepConcurrency,
		ClientOnly:  true,
	}
	for _, c := range levels {
		s.Strategies = append(s.Strategies, equalSlices(c), ringscanAt(c))
	}
	s.Strategies = append(s.Strategies, ringscanDefault())
	return s
}

func pageSizeScenario(rows int, sizes []int) Scenario {
	s := Scenario{
		Name:        "page-size",
		Description: "5 ms per request: rows/s by page size",
		Sim:         SimConfig{Rows: rows, Latency: 5 * time.Millisecond},
		PageSize:    1000,
		Sweep:       SweepPageSize,
		ClientOnly:  true,
	}
	for _, p := range sizes {
		for _, st := range []Strategy{singleStream(), equalSlices(32), ringscanDefault()} {
			st.PageSize = p
			s.Strategies = append(s.Strategies, st)
		}
	}
	return s
}

// capacitySim is the capacity scenarios' cluster: 3 nodes serving 4 reads
// at once (capacities, e.g. "2,4,4", to differ), 8 more waiting, 10 ms
// per read plus 100 µs per row (110 ms for a page of 1000), 200k rows.
func capacitySim(capacities string) SimConfig {
	return SimConfig{Rows: 200_000, Latency: 10 * time.Millisecond, Capacity: capacities, QueueLimit: 8, PerRow: 100 * time.Microsecond}
}

// baselines are the capacity scenarios' baselines: single-stream, and
// equal slices at 12 goroutines, the cluster's capacity (at 32 they would
// be refused by the hundred, and fail after their 10 retries).
func baselines() []Strategy {
	return []Strategy{singleStream(), named(equalSlices(12), "equal-slices-c12")}
}

// capacityScenarios compare adaptive per-host limits with fixed ones on
// nodes of bounded capacity: the too-much fixed setting, the ideal one
// (known only to the tester), adaptive; then with one node at half the
// capacity of the others; then rows/s against concurrency, fixed against
// adaptive.
func capacityScenarios() []Scenario {
	adaptive := Strategy{Name: "ringscan-adaptive", Kind: Ringscan, Concurrency: 128, Adaptive: true}
	fixed := func(n int) Strategy {
		return Strategy{Name: fmt.Sprintf("ringscan-per-host-%d", n), Kind: Ringscan, Concurrency: 128, PerHost: n}
	}
	sweep := Scenario{
		Name:        "capacity-concurrency",
		Description: "the capacity cluster: rows/s as the concurrency grows, fixed per-host cap (= concurrency) against adaptive",
		Sim:         capacitySim("4"),
		PageSize:    1000,
		Sweep:       SweepCapacity,
		Strategies:  baselines(),
	}
	for _, c := range []int{4, 8, 16, 32, 64, 128} {
		sweep.Strategies = append(sweep.Strategies,
			Strategy{Name: "ringscan-fixed", Kind: Ringscan, Concurrency: c, PerHost: c},
			Strategy{Name: "ringscan-adaptive", Kind: Ringscan, Concurrency: c, Adaptive: true})
	}
	return []Scenario{
		{
			Name:        "capacity",
			Description: "3 nodes serving 4 reads at once, 8 more waiting (Overloaded past them), 10 ms + 100 µs per row, 200k rows, page size 1000, concurrency 128",
			Sim:         capacitySim("4"),
			PageSize:    1000,
			Strategies:  append(baselines(), adaptive, fixed(64), fixed(4)),
		},
		{
			Name:        "capacity-half",
			Description: "as capacity, but the first node serves 2 reads at once: half the others' capacity",
			Sim:         capacitySim("2,4,4"),
			PageSize:    1000,
			Strategies:  append(baselines(), adaptive, fixed(64), fixed(4), fixed(3)),
		},
		{
			// The capacity scenario five times longer: what finding the
			// capacity costs adaptive (slow start, a page time at the
			// initial limit) weighs a fifth as much.
			Name:        "capacity-long",
			Description: "as capacity, with 1M rows: the cost of finding the capacity spread over a scan five times as long",
			Sim:         longSim(capacitySim("4")),
			PageSize:    1000,
			Strategies:  []Strategy{named(equalSlices(12), "equal-slices-c12"), adaptive, fixed(64), fixed(4)},
		},
		{
			// Not the scenario: the same nodes collapsing past
			// 8 reads in them, as a real node's caches and compaction
			// suffer (ScyllaDB issue 3856), so that a cap that fills the
			// queues pays for it in the steady state, not only at the
			// start.
			Name:        "capacity-knee",
			Description: "as capacity, but a node holding more than 8 reads (served or waiting) serves each 25% more slowly for every read beyond: at 12 (a full queue) twice as slowly",
			Sim:         kneeSim(capacitySim("4")),
			PageSize:    1000,
			Strategies:  append(baselines(), adaptive, fixed(64), fixed(4)),
		},
		{
			Name: "capacity-spread",
			Description: "as capacity, with up to 50 ms more per read, uniformly at random (latencies spread over 110-160 ms a page): " +
				"an adaptive limit must not take the spread for a queue",
			Sim:        spreadSim(capacitySim("4")),
			PageSize:   1000,
			Strategies: append(baselines(), adaptive, fixed(64), fixed(4)),
		},
		{
			// Long enough (about 30 windows of 75 ms) for the limits to
			// reach what the scan asks of each node, light enough on CPU
			// (page 100) that the simulator's latency is its own; no
			// single-stream, which would take 4 minutes.
			Name:        "spread",
			Description: "3 nodes without a capacity limit, 50 ms + up to 50 ms per request, uniformly at random, 300k rows, page size 100, concurrency 128",
			Sim:         SimConfig{Rows: 300_000, Latency: 50 * time.Millisecond, Jitter: 50 * time.Millisecond},
			PageSize:    100,
			Strategies:  []Strategy{named(equalSlices(128), "equal-slices-c128"), adaptive, named(ringscanAt(128), "ringscan-per-host-128")},
		},
		sweep,
	}
}

// kneeSim is sc collapsing past 8 reads in a node.
func kneeSim(sc SimConfig) SimConfig {
	sc.Knee, sc.KneeCost = 8, 0.25
	return sc
}

// longSim is sc with 1M rows.
func longSim(sc SimConfig) SimConfig {
	sc.Rows = 1_000_000
	return sc
}

// spreadSim is sc with up to 50 ms more per read, uniformly at random.
func spreadSim(sc SimConfig) SimConfig {
	sc.Jitter = 50 * time.Millisecond
	return sc
}

// Capacity is the capacity profile: the capacity scenarios alone.
func Capacity() []Scenario { return capacityScenarios() }

// Quick is the quick profile: a few small scenarios, under 2 minutes on 2
// cores. It reads 10k rows where the full profile reads 50k, so its
// ratios understate the full profile's: a scan's fixed costs (connecting
// pages of every range, the last short page of each range, the tail)
// weigh more.
func Quick() []Scenario {
	out := latencyScenarios(10_000, []time.Duration{0, 20 * time.Millisecond, 50 * time.Millisecond})
	return append(out, concurrencyScenario(10_000, []int{1, 8, 32}))
}

// Full is the full profile: every scenario of docs/benchmarks.md.
func Full() []Scenario {
	const rows = 100_000
	out := latencyScenarios(50_000, []time.Duration{0, 5 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond})
	return append(append(out,
		concurrencyScenario(50_000, []int{1, 2, 4, 8, 16, 32, 64, 128}),
		pageSizeScenario(rows, []int{100, 1000, 5000, 10000}),
		Scenario{
			Name:        "skew",
			Description: "one partition holds 10% of the rows; 5 ms per request, page size 100",
			Sim:         SimConfig{Rows: rows, LargePartitionRows: rows / 10, Latency: 5 * time.Millisecond},
			PageSize:    100,
			// One partition is read page after page by one goroutine
			// whatever the split: bigger pages shorten it.
			Strategies: compare4(Strategy{Concurrency: 32, PerHost: 32, PageSize: 1000}),
		},
		Scenario{
			Name:        "tombstones",
			Description: "as many tombstones as live rows, half of them in one run inside one partition; a page steps over at most 100; 5 ms per request, page size 100",
			Sim:         SimConfig{Rows: rows, DeletedRows: rows, TombstoneBudget: 100, Latency: 5 * time.Millisecond},
			PageSize:    100,
			Strategies:  compare4(Strategy{Concurrency: 32, PerHost: 32}),
		},
		Scenario{
			Name:        "slow-node",
			Description: "6 nodes, 10 ms per request, one node 3x slower (30 ms), 10 ms more when the coordinator is not a replica; page size 100",
			Sim: SimConfig{Nodes: 6, Rows: rows, Latency: 10 * time.Millisecond, NonReplica: 10 * time.Millisecond,
				SlowNodes: 1, SlowFactor: 3},
			PageSize:   100,
			Strategies: compare4(Strategy{Concurrency: 32, PerHost: 16}),
		},
		Scenario{
			Name:        "faults",
			Description: "5% of requests fail with Overloaded; 5 ms per request, page size 100",
			Sim:         SimConfig{Rows: rows, Latency: 5 * time.Millisecond, Faults: "overloaded:0.05"},
			PageSize:    100,
			Strategies:  compare4(Strategy{Concurrency: 32, PerHost: 32, BackoffBase: 10 * time.Millisecond, BackoffMax: 500 * time.Millisecond}),
		},
	), append(capacityScenarios(), Hot()...)...)
}

// Hot is the hot-partition profile: in each of the hot tables one
// partition holds a quarter of 200k rows, clustered by int, timestamp
// (cut by value) or uuid (no midpoint: read from both ends); 5 ms per
// request, page size 100, 32 at once. Equal slices and ringscan with
// partition splitting off read the hot partition page after page on one
// goroutine; ringscan splits it in the scan's tail.
func Hot() []Scenario {
	const rows = 200_000
	var out []Scenario
	for _, typ := range cqlsim.HotClusterings {
		how := "cut by value"
		if typ == "uuid" {
			how = "no midpoint: read from both ends"
		}
		out = append(out, Scenario{
			Name:        "hot-" + typ,
			Description: fmt.Sprintf("one partition holds 25%% of %dk rows, clustered by %s (%s); 5 ms per request, page size 100", rows/1000, typ, how),
			Sim:         SimConfig{Rows: 1000, HotRows: rows, Latency: 5 * time.Millisecond},
			Table:       cqlsim.HotTable(typ),
			PageSize:    100,
			Strategies: []Strategy{
				singleStream(),
				equalSlices(32),
				{Name: "ringscan-no-partition-split", Kind: Ringscan, Concurrency: 32, PerHost: 32, NoPartitionSplit: true},
				ringscanAt(32),
				ringscanDefault(),
			},
		})
	}
	return out
}

// CPU is the cpu profile: a cluster with no added latency, where the
// client's CPU per row and the server's work per row decide the speed.
// At each page size and concurrency, ringscan counting (tokens only)
// against equal slices selecting token(pk) only (ScyllaDB's full-scan
// sample) and equal slices counting on the server (one SELECT count(*)
// per slice), both reading all columns and dropping them, and ringscan's
// JSON Lines and CSV encoding against equal slices that only hash every
// row's bytes.
func CPU() []Scenario {
	var out []Scenario
	for _, page := range []int{1000, 5000} {
		for _, c := range []int{16, 64} {
			out = append(out, Scenario{
				Name:        fmt.Sprintf("cpu-p%d-c%d", page, c),
				Description: fmt.Sprintf("1M rows, no added latency, page size %d, concurrency %d: client and server CPU per row", page, c),
				Sim:         SimConfig{Rows: 1_000_000},
				PageSize:    page,
				Strategies: []Strategy{
					{Name: "ringscan-count", Kind: Ringscan, Concurrency: c, Mode: CountRows},
					{Name: "equal-slices-token", Kind: EqualSlices, Concurrency: c, TokenOnly: true, Mode: CountRows},
					{Name: "equal-slices-count-star", Kind: EqualSlices, Concurrency: c, ServerCount: true, Mode: CountRows},
					{Name: "ringscan-count-server", Kind: Ringscan, Concurrency: c, ServerCount: true, Mode: CountRows},
					{Name: "ringscan-discard", Kind: Ringscan, Concurrency: c, Mode: Discard},
					{Name: "equal-slices-discard", Kind: EqualSlices, Concurrency: c, Mode: Discard},
					{Name: "ringscan-jsonl", Kind: Ringscan, Concurrency: c, Mode: JSONL},
					{Name: "ringscan-csv", Kind: Ringscan, Concurrency: c, Mode: CSV},
					{Name: "equal-slices-hash", Kind: EqualSlices, Concurrency: c},
				},
				ClientOnly: true,
			})
		}
	}
	return out
}

// Startup is the start-up profile: the time to the first page request at
// 0 and 20 ms per request, on a small table, and a 200k-row count at 20 ms
// where start-up weighs on the whole process's time, against equal slices
// tuned to 128 slices.
func Startup() []Scenario {
	var out []Scenario
	for _, l := range []time.Duration{0, 20 * time.Millisecond} {
		out = append(out, Scenario{
			Name:        fmt.Sprintf("startup-%dms", l.Milliseconds()),
			Description: fmt.Sprintf("2000 rows, %d ms per request: the time to the first page request", l.Milliseconds()),
			Sim:         SimConfig{Rows: 2000, Latency: l},
			PageSize:    1000,
			Strategies: []Strategy{
				{Name: "ringscan-count", Kind: Ringscan, Mode: CountRows},
				{Name: "equal-slices-token", Kind: EqualSlices, Concurrency: 32, Slices: 128, TokenOnly: true, Mode: CountRows},
			},
		})
	}
	return append(out, Scenario{
		Name:        "count-20ms",
		Description: "200k rows, 20 ms per request, page size 1000, concurrency 32: the whole count, start-up included",
		Sim:         SimConfig{Rows: 200_000, Latency: 20 * time.Millisecond},
		PageSize:    1000,
		Strategies: []Strategy{
			{Name: "ringscan-count", Kind: Ringscan, Concurrency: 32, Mode: CountRows},
			{Name: "ringscan-count-server", Kind: Ringscan, Concurrency: 32, ServerCount: true, Mode: CountRows},
			{Name: "equal-slices-token-128", Kind: EqualSlices, Concurrency: 32, Slices: 128, TokenOnly: true, Mode: CountRows},
		},
	})
}
