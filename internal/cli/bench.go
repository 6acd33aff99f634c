package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ringscan/ringscan/bench"
)

func newBenchCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		profile  string
		quick    bool
		out      string
		only     string
		hosts    []string
		port     int
		keyspace string
		table    string
		username string
		timeout  time.Duration
		repeats  int
		render   bool
		cpuProf  string
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Benchmark ringscan against single-stream paging and equal token slices",
		Long: `bench measures ringscan against the ways people scan whole tables today, on
the same data in the same run:

  single-stream   one SELECT * paged by the driver (the synchronous baseline)
  equal-slices    equal token slices over a fixed number of goroutines, no
                  replica routing, no per-host limit (scylla-bench -mode scan,
                  ScyllaDB's full-scan sample)
  ringscan        with its defaults, and with settings tuned for the scenario

By default every scenario runs on cqlsim, started in a child process with the
scenario's latency, faults, skew, tombstones or slow node. With --hosts it
reads a real cluster's table instead (only the scenarios that vary client
settings). Every strategy runs in a child process of its own, so that its CPU
time and peak RSS are its own. Every run's rows are checked: a lost, duplicated
or unknown row fails the benchmark (exit 1).

It writes results.md (Markdown tables), results.json and charts (rows/s by
concurrency, by latency, by page size; SVG with the fonts embedded, and a PNG
copy of each) into --out, and prints the tables. --render draws the charts
of --out's results.json again without running anything.`,
		Example: `  ringscan bench --quick --out bench-out
  ringscan bench --out bench-full
  ringscan bench --hosts 10.0.0.1,10.0.0.2 -k ks -t events --out bench-prod
  ringscan bench --render --out docs/benchmarks`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if render {
				for _, f := range []string{"quick", "profile", "scenario", "hosts", "port", "keyspace", "table", "username", "timeout", "repeats"} {
					if cmd.Flags().Changed(f) {
						return badInput(fmt.Errorf("--render runs nothing: --%s does not apply", f))
					}
				}
				files, err := bench.RenderCharts(out)
				if err != nil {
					return badInput(fmt.Errorf("--render: %w", err))
				}
				for _, f := range files {
					fmt.Fprintf(stderr, "wrote %s and %s\n", filepath.Join(out, f), filepath.Join(out, bench.ChartPNG(f)))
				}
				return nil
			}
			profiles := map[string]func() []bench.Scenario{"full": bench.Full, "quick": bench.Quick, "cpu": bench.CPU, "startup": bench.Startup, "hot": bench.Hot,
				"capacity": bench.Capacity}
			if quick {
				profile = "quick"
			}
			mk, ok := profiles[profile]
			if !ok {
				return badInput(fmt.Errorf("invalid --profile %q: allowed are full, quick, cpu, startup, capacity, hot", profile))
			}
			scenarios := mk()
			if only != "" {
				re, err := regexp.Compile(only)
				if err != nil {
					return badInput(fmt.Errorf("invalid --scenario %q: %w", only, err))
				}
				var keep []bench.Scenario
				for _, s := range scenarios {
					if re.MatchString(s.Name) {
						keep = append(keep, s)
					}
				}
				if len(keep) == 0 {
					names := make([]string, len(scenarios))
					for i, s := range scenarios {
						names[i] = s.Name
					}
					return badInput(fmt.Errorf("--scenario %q matches none of the %s profile's scenarios: %s", only, profile, strings.Join(names, ", ")))
				}
				scenarios, profile = keep, profile+" (scenarios matching "+only+")"
			}
			bin, err := os.Executable()
			if err != nil {
				return fmt.Errorf("cannot find the ringscan binary to run the children: %w", err)
			}
			if repeats == 0 {
				repeats = 3
				if quick {
					repeats = 1
				}
			}
			cfg := bench.Config{Scenarios: scenarios, Binary: bin, Timeout: timeout, Repeats: repeats, Progress: stderr, CPUProfileDir: cpuProf}
			if cmd.Flags().Changed("hosts") {
				if (keyspace == "") != (table == "") {
					return badInput(errors.New("--keyspace and --table go together: give both, or neither for ringscan_demo.events"))
				}
				cfg.Cluster = &bench.Target{Hosts: hosts, Port: port, Keyspace: keyspace, Table: table, Username: username}
			}
			if err := cfg.Validate(); err != nil {
				return badInput(err)
			}
			// The results are written into --out at the end, after runs
			// that may take an hour: an --out that cannot take them is
			// refused before anything runs, not once they are lost.
			if err := os.MkdirAll(out, 0o755); err != nil {
				return badInput(fmt.Errorf("invalid --out %s: %w", out, err))
			}
			if err := probeFile("--out", filepath.Join(out, bench.ReportJSON)); err != nil {
				return badInput(err)
			}
			meta := bench.Meta{Profile: profile, Command: "ringscan " + strings.Join(os.Args[1:], " "),
				Machine: bench.Machine(), Date: time.Now(), Scenarios: scenarios}
			loadBefore := bench.LoadAverage()
			results, runErr := bench.Run(ctx, cfg)
			if loadBefore != "" {
				meta.Load = "before " + loadBefore + ", after " + bench.LoadAverage() + " (1, 5, 15 min)"
			}
			if len(results) > 0 {
				if err := bench.WriteReport(out, results, meta); err != nil {
					return errors.Join(runErr, fmt.Errorf("write the report into %s: %w", out, err))
				}
				var md bytes.Buffer
				if err := bench.WriteMarkdown(&md, results, meta, nil); err == nil {
					_, _ = stdout.Write(md.Bytes())
				}
				fmt.Fprintf(stderr, "wrote %s, %s and the charts into %s\n", bench.ReportMarkdown, bench.ReportJSON, out)
			}
			var ce *bench.CheckError
			switch {
			case errors.As(runErr, &ce):
				return &exitError{code: ExitPartial, err: runErr}
			case runErr != nil && ctx.Err() != nil:
				return &exitError{code: ExitInterrupted, err: runErr}
			case runErr != nil:
				return &exitError{code: ExitAborted, err: runErr}
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&quick, "quick", false, "run the quick profile (under 2 minutes on 2 cores) instead of the full one (as --profile quick)")
	fs.StringVar(&profile, "profile", "full", "scenarios to run: full, quick, cpu (client and server CPU per row, no latency), startup (time to the first page request), capacity (nodes of bounded capacity: adaptive against fixed per-host limits) or hot (one partition holds a quarter of the rows: partition splitting)")
	fs.StringVar(&out, "out", "bench-results", "directory for results.md, results.json and the charts")
	fs.StringVar(&only, "scenario", "", "run only the scenarios whose name matches this regular expression")
	fs.StringSliceVar(&hosts, "hosts", nil, "read this real cluster instead of cqlsim (contact points, comma separated)")
	fs.IntVar(&port, "port", 9042, "native protocol port, with --hosts")
	fs.StringVarP(&keyspace, "keyspace", "k", "", "keyspace of the table to read, with --hosts (default ringscan_demo)")
	fs.StringVarP(&table, "table", "t", "", "table to read, with --hosts (default events)")
	fs.StringVar(&username, "username", "", "user for PasswordAuthenticator, with --hosts; the password comes from $RINGSCAN_PASSWORD")
	fs.DurationVar(&timeout, "timeout", 30*time.Second, "timeout of one page request")
	fs.BoolVar(&render, "render", false, "only draw the charts of --out's results.json again (after a change to how charts look)")
	fs.StringVar(&cpuProf, "cpu-profile", "", "write a CPU profile (pprof) of every strategy's run into this existing directory, one file per run named by the strategy and its process id: where a strategy's client CPU goes")
	fs.IntVar(&repeats, "repeats", 0, "runs of each strategy, stopping early after 5 s of runs; the median is reported (default 3, 1 with --quick)")
	return cmd
}

// newBenchRunCmd is the hidden child of "ringscan bench": it runs one
// strategy and prints its measurement as JSON.
func newBenchRunCmd(stdout io.Writer) *cobra.Command {
	var task, cpuProfile string
	cmd := &cobra.Command{
		Use:    bench.ChildCommand,
		Short:  "Run one benchmark strategy (used by ringscan bench)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var t bench.Job
			dec := json.NewDecoder(strings.NewReader(task))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&t); err != nil {
				return badInput(fmt.Errorf("invalid --task: %w", err))
			}
			stop, err := startCPUProfile(cpuProfile, t.Strategy.Label())
			if err != nil {
				return err
			}
			m, err := bench.Exec(cmd.Context(), t)
			if perr := stop(); err == nil && perr != nil {
				return perr
			}
			if err != nil {
				return &exitError{code: ExitAborted, err: err}
			}
			return json.NewEncoder(stdout).Encode(m)
		},
	}
	cmd.Flags().StringVar(&task, "task", "", "the task as JSON")
	cmd.Flags().StringVar(&cpuProfile, "cpu-profile", "", "write a CPU profile of the run (pprof) into this directory, named by the strategy and the process id")
	return cmd
}

// startCPUProfile starts a CPU profile of this process into dir (none if
// dir is empty), in a file named by the strategy and the process id, and
// returns the function that stops it and closes the file.
func startCPUProfile(dir, strategy string) (func() error, error) {
	if dir == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s-%d.pprof", strategy, os.Getpid())))
	if err != nil {
		return nil, badInput(fmt.Errorf("invalid --cpu-profile: %w", err))
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}
