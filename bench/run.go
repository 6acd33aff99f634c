package bench

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/simproc"
)

// Config configures a benchmark run.
type Config struct {
	// Scenarios are run in order. Required; see Quick and Full.
	Scenarios []Scenario
	// Binary is the ringscan binary that runs the simulator ("ringscan
	// sim") and every strategy ("ringscan bench-run"), each in a child
	// process. Required; the ringscan command passes itself.
	Binary string
	// Cluster, when set, is a real cluster to read instead of cqlsim: only
	// the ClientOnly scenarios run, on its table. Default: a cqlsim child
	// process per scenario.
	Cluster *Target
	// Timeout bounds one page request of a strategy. Default 30s.
	Timeout time.Duration
	// Repeats is how many times each strategy runs, at most: runs stop
	// early once they took RepeatBudget in all. The run with the median
	// rows/s is reported; every run is checked. Default 1.
	Repeats int
	// RepeatBudget is the wall time after which a strategy is not run
	// again. Default 5s.
	RepeatBudget time.Duration
	// RunTimeout bounds one run of a strategy, connecting included; a run
	// that takes longer is stopped (its goroutines dumped to a file) and
	// fails. Default 10m.
	RunTimeout time.Duration
	// Progress receives one line per run. Default: none.
	Progress io.Writer
	// CPUProfileDir, when set, is an existing directory into which every
	// strategy's child writes a CPU profile (pprof) of its run, named by
	// the strategy and the child's process id. Default: no profiles.
	CPUProfileDir string
}

// Validate reports every problem of c at once.
func (c Config) Validate() error {
	var errs []error
	if len(c.Scenarios) == 0 {
		errs = append(errs, fmt.Errorf("%w: no scenarios", ErrInvalidConfig))
	}
	if c.Binary == "" {
		errs = append(errs, fmt.Errorf("%w: Binary is required: the ringscan binary that runs the children", ErrInvalidConfig))
	}
	if c.Cluster != nil && len(c.Cluster.Hosts) == 0 {
		errs = append(errs, fmt.Errorf("%w: Cluster has no hosts", ErrInvalidConfig))
	}
	if c.Repeats < 0 {
		errs = append(errs, fmt.Errorf("%w: Repeats is %d; want 1 or more (0 for the default 1)", ErrInvalidConfig, c.Repeats))
	}
	if c.RepeatBudget < 0 {
		errs = append(errs, fmt.Errorf("%w: RepeatBudget is %v; want a positive duration", ErrInvalidConfig, c.RepeatBudget))
	}
	if c.RunTimeout < 0 {
		errs = append(errs, fmt.Errorf("%w: RunTimeout is %v; want a positive duration", ErrInvalidConfig, c.RunTimeout))
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("%w: Timeout is %v; want a positive duration", ErrInvalidConfig, c.Timeout))
	}
	if c.CPUProfileDir != "" {
		if fi, err := os.Stat(c.CPUProfileDir); err != nil || !fi.IsDir() {
			errs = append(errs, fmt.Errorf("%w: CPUProfileDir %q is not an existing directory", ErrInvalidConfig, c.CPUProfileDir))
		}
	}
	for _, s := range c.Scenarios {
		if err := s.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// CheckError is returned by Run when a run failed, or read a row twice,
// missed one, or read rows the table does not hold. The results are
// returned with it, each run's Problems and Err saying what went wrong.
type CheckError struct {
	Failures []string // "scenario / strategy (settings): problem"
}

func (e *CheckError) Error() string {
	return fmt.Sprintf("%d benchmark runs failed their check: %s", len(e.Failures), strings.Join(e.Failures, "; "))
}

// Run runs every scenario, each strategy in a child process, and checks
// that every strategy read exactly the table's rows. It returns the
// results of every run; the error is a *CheckError when a check failed,
// or why the benchmark could not go on (a simulator that did not start,
// a cancelled ctx).
func Run(ctx context.Context, cfg Config) ([]Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	progress := cfg.Progress
	if progress == nil {
		progress = io.Discard
	}
	var all []Result
	var failures []string
	for _, sc := range cfg.Scenarios {
		if cfg.Cluster != nil && !sc.ClientOnly {
			fmt.Fprintf(progress, "%s: skipped (it needs the simulator)\n", sc.Name)
			continue
		}
		rs, err := runScenario(ctx, cfg, sc, progress)
		all = append(all, rs...)
		if err != nil {
			return all, err
		}
		for _, r := range rs {
			switch {
			case r.Err != "":
				failures = append(failures, fmt.Sprintf("%s / %s (%s): %s", r.Scenario, r.Strategy, r.Settings, r.Err))
			case len(r.Problems) > 0:
				failures = append(failures, fmt.Sprintf("%s / %s (%s): %s", r.Scenario, r.Strategy, r.Settings, strings.Join(r.Problems, ", ")))
			}
		}
	}
	if len(failures) > 0 {
		return all, &CheckError{Failures: failures}
	}
	return all, nil
}

func runScenario(ctx context.Context, cfg Config, sc Scenario, progress io.Writer) ([]Result, error) {
	target := Target{}
	var want *Expected
	simPid, metricsURL := 0, ""
	if cfg.Cluster != nil {
		target = *cfg.Cluster
		fmt.Fprintf(progress, "%s: reading %s (%s)\n", sc.Name, strings.Join(target.Hosts, ","), sc.Description)
	} else {
		start := time.Now()
		p, err := simproc.StartBinary(ctx, cfg.Binary, sc.Sim.Flags()...)
		if err != nil {
			return nil, fmt.Errorf("scenario %s: start cqlsim: %w", sc.Name, err)
		}
		defer func() { _ = p.Stop() }()
		if p.Rows != int64(sc.Sim.Rows) {
			return nil, fmt.Errorf("scenario %s: cqlsim loaded %d rows, want %d", sc.Name, p.Rows, sc.Sim.Rows)
		}
		target = Target{Hosts: p.Hosts, Port: p.Port}
		simPid, metricsURL = p.Pid(), p.MetricsURL
		want = &Expected{Rows: p.Rows, Checksum: p.Checksum}
		if sc.Table != "" {
			t, ok := p.Tables[cqlsim.DemoKeyspace+"."+sc.Table]
			if !ok {
				return nil, fmt.Errorf("scenario %s: cqlsim loaded no table %s.%s", sc.Name, cqlsim.DemoKeyspace, sc.Table)
			}
			target.Keyspace, target.Table = cqlsim.DemoKeyspace, sc.Table
			want = &Expected{Rows: t.Rows, Checksum: t.Checksum}
		}
		fmt.Fprintf(progress, "%s: cqlsim with %d rows ready in %v (%s)\n", sc.Name, p.Rows, time.Since(start).Round(time.Millisecond), sc.Description)
	}
	repeats, budget := max(cfg.Repeats, 1), cfg.RepeatBudget
	if budget == 0 {
		budget = 5 * time.Second
	}
	runTimeout := cfg.RunTimeout
	if runTimeout == 0 {
		runTimeout = 10 * time.Minute
	}
	// runs[i] are strategy i's runs, all checked; one per strategy is
	// reported. Strategies take turns, round after round, so that a drift
	// of the machine (load, heat, the simulator's caches) spreads over all
	// of them instead of favouring the ones run first.
	runs := make([][]Result, len(sc.Strategies))
	spent := make([]time.Duration, len(sc.Strategies))
	failed := make([]bool, len(sc.Strategies))
	for n := range repeats {
		for i, st := range sc.Strategies {
			if failed[i] || (n > 0 && spent[i] >= budget) {
				continue
			}
			task := Job{Target: target, Strategy: st, PageSize: sc.PageSize, Timeout: cfg.Timeout}
			t0 := time.Now()
			simCPU0, simOK := procCPUSeconds(simPid)
			var load0 nodeMetrics
			if metricsURL != "" {
				load0, _ = scrapeNodes(metricsURL)
			}
			m, err := runChild(ctx, cfg.Binary, task, runTimeout, cfg.CPUProfileDir)
			simCPU1, _ := procCPUSeconds(simPid)
			var nodes []NodeLoad
			if load0 != nil {
				if load1, serr := scrapeNodes(metricsURL); serr == nil {
					nodes = loadBetween(load0, load1)
				}
			}
			spent[i] += time.Since(t0)
			if ctx.Err() != nil {
				return nil, context.Cause(ctx)
			}
			r := newResult(sc, st, m)
			r.Runs = 1
			r.Nodes = nodes
			var reads int64
			for _, n := range nodes {
				r.Overloaded += n.Overloaded
				reads += n.Reads
			}
			if reads+r.Overloaded > 0 {
				r.OverloadedShare = float64(r.Overloaded) / float64(reads+r.Overloaded)
			}
			if simPid != 0 && simOK && m.Rows > 0 {
				r.ClusterCPUPerMillionRows = (simCPU1 - simCPU0) / float64(m.Rows) * 1e6
			}
			if err != nil {
				r.Err = err.Error()
				failed[i] = true
			}
			runs[i] = append(runs[i], r)
		}
	}
	var flat []Result
	for i := range runs {
		flat = append(flat, runs[i]...)
	}
	checkScenario(flat, want)
	rs := make([]Result, len(sc.Strategies))
	k := 0
	for i := range runs {
		runs[i] = flat[k : k+len(runs[i])]
		k += len(runs[i])
		rs[i] = pickRun(runs[i])
		for _, r := range runs[i] {
			rs[i].RunRates = append(rs[i].RunRates, r.RowsPerSecond)
		}
	}
	for _, r := range rs {
		status := "ok"
		switch {
		case r.Err != "":
			status = "FAILED: " + r.Err
		case len(r.Problems) > 0:
			status = "CHECK FAILED: " + strings.Join(r.Problems, ", ")
		}
		fmt.Fprintf(progress, "  %-24s %-44s %9.0f rows/s  %6.2fs  %s\n", r.Strategy, r.Settings, r.RowsPerSecond, r.Elapsed.Seconds(), status)
	}
	return rs, nil
}

// ChildCommand is the hidden ringscan subcommand that runs one Job and
// prints its Measurement as JSON.
const ChildCommand = "bench-run"

// runChild runs "ringscan bench-run --task JSON" and decodes what it
// prints. A child still running after timeout is sent SIGQUIT, so that
// the Go runtime prints its goroutines, kept in a file named in the error.
func runChild(ctx context.Context, bin string, t Job, timeout time.Duration, profileDir string) (Measurement, error) {
	task, err := json.Marshal(t)
	if err != nil {
		return Measurement{}, err
	}
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	args := []string{ChildCommand, "--task", string(task)}
	if profileDir != "" {
		args = append(args, "--cpu-profile", profileDir)
	}
	cmd := exec.CommandContext(runCtx, bin, args...)
	cmd.Cancel = func() error { return dumpSignal(cmd.Process) }
	cmd.WaitDelay = 10 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if runCtx.Err() != nil && ctx.Err() == nil {
			where := "(could not save its goroutines)"
			if f, ferr := os.CreateTemp("", "ringscan-bench-run-*.txt"); ferr == nil {
				_, _ = f.Write(stderr.Bytes())
				_ = f.Close()
				where = "(its goroutines are in " + f.Name() + ")"
			}
			return Measurement{}, fmt.Errorf("%s did not finish within %v %s", ChildCommand, timeout, where)
		}
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		return Measurement{}, fmt.Errorf("%s: %v: %s", ChildCommand, err, msg)
	}
	var m Measurement
	if err := json.Unmarshal(stdout.Bytes(), &m); err != nil {
		return Measurement{}, fmt.Errorf("%s printed no measurement: %w", ChildCommand, err)
	}
	return m, nil
}

// pickRun returns the run to report among a strategy's runs: a failed one
// if any (failures are never hidden), else the one with the median rows/s.
// Its Runs is the number of runs.
func pickRun(runs []Result) Result {
	for _, r := range runs {
		if !r.OK() {
			r.Runs = len(runs)
			return r
		}
	}
	sorted := slices.Clone(runs)
	slices.SortStableFunc(sorted, func(a, b Result) int { return cmp.Compare(a.RowsPerSecond, b.RowsPerSecond) })
	r := sorted[(len(sorted)-1)/2]
	r.Runs = len(runs)
	return r
}
