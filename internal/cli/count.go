package cli

import (
	"cmp"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/sink"
)

func newCountCmd(stdout, stderr io.Writer) *cobra.Command {
	cf := newConnFlags()
	var jf jobFlags
	var by []string
	var top int
	var onServer bool
	var sizing countSizing
	cmd := &cobra.Command{
		Use:   "count",
		Short: "Count a table's rows in parallel; the total alone goes to stdout",
		Long: `count counts every row of a table in parallel and writes the total alone on
stdout; details and progress go to stderr. --by range, host and partition (one
or several, comma separated) add per-range, per-host or top-N-partition counts
with their share of the rows (on stderr), like dsbulk's count modes; ranges are
listed in token order. With --checkpoint the count resumes after a crash
without counting a row twice.
Each subrange is counted on the server, with one SELECT count(*), so that no
row crosses the network; --by partition, --where and --per-host adaptive read
every row's token instead (its key inside a large partition, to split it), as
--on-server=false does. An --on-server given explicitly, on the command line, as
$RINGSCAN_ON_SERVER or in a settings file, is refused with any of those three.
An unsharded count on the server that is not resuming reads the table's size
estimates (system.size_estimates) and splits a subrange estimated to hold more
than --on-server-split-mb further, so that each count(*) ends within the
server's range read timeout, as the Spark connector sizes its cassandraCount;
--size-estimates=false turns that off. A --shard count reads them only with
--size-estimates (docs/distributed.md), and a resume reads the plan its
checkpoint recorded.`,
		Example: `  ringscan count -k shop -t orders
  ringscan count -k shop -t orders --by host,partition --top 20
  ringscan count -k shop -t orders --on-server=false     # read every row's token`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := sizing.given(cmd.Flags())
			if err != nil {
				return badInput(err)
			}
			jf.everyGiven = fromCommandLine(cmd.Flags(), "checkpoint-every")
			cf.splitRowsGiven = fromCommandLine(cmd.Flags(), "partition-split-rows")
			cfl := countFlags{by: by, top: top, topGiven: fromCommandLine(cmd.Flags(), "top"), onServer: onServer,
				onServerSet: cmd.Flags().Changed("on-server"), sizing: s}
			return runCount(cmd.Context(), cf, &jf, cfl, stdout, stderr)
		},
	}
	fs := cmd.Flags()
	cf.registerConn(fs)
	cf.registerPlan(fs, true)
	cf.registerRead(fs)
	cf.registerColumns(fs) // hidden: refused with a message saying why
	cf.shape.registerWhere(fs)
	cf.shape.registerTokens(fs)
	jf.register(cmd)
	cmd.Flags().StringSliceVar(&by, "by", nil, "also count by range, host and/or partition (the --top largest), comma separated")
	cmd.Flags().IntVar(&top, "top", 10, "number of largest partitions listed with --by partition")
	cmd.Flags().BoolVar(&onServer, "on-server", true, "count each subrange on the server with one SELECT count(*), no row sent (a subrange whose count fails is read page by page); --on-server=false reads every row's token instead, as --by partition, --where and --per-host adaptive always do")
	sizing.register(cmd.Flags())
	_ = cmd.Flags().MarkHidden("columns") // count reads the partition key only
	return cmd
}

// Modes of --by.
const (
	byRange     = "range"
	byHost      = "host"
	byPartition = "partition"
)

// parseBy reads the --by modes, in the order given, once each; dsbulk's
// plural names (ranges, hosts, partitions) and global (the total, always
// printed) are taken too.
func parseBy(list []string) ([]string, error) {
	var modes []string
	for _, m := range list {
		m = strings.ToLower(strings.TrimSpace(m))
		switch m {
		case "ranges", "hosts", "partitions":
			m = strings.TrimSuffix(m, "s")
		case "global":
			continue
		}
		switch m {
		case byRange, byHost, byPartition:
		default:
			return nil, fmt.Errorf("invalid --by %q: allowed are range, host, partition, comma separated", strings.Join(list, ","))
		}
		if !slices.Contains(modes, m) {
			modes = append(modes, m)
		}
	}
	return modes, nil
}

// notOnServer says why a count of cfg with the --by modes by cannot be
// counted on the server, as the end of "--on-server cannot ...": "" when
// it can.
func notOnServer(by []string, cfg scanner.Config) string {
	switch {
	case slices.Contains(by, byPartition):
		return "count --by partition, which reads every row's partition key: drop one of them"
	case cfg.PerHostMode == scanner.PerHostAdaptive:
		return "take --per-host adaptive: adaptive limits compare pages of like sizes, and each count on the server answers for a whole subrange; use a fixed --per-host N"
	case strings.TrimSpace(cfg.Where) != "":
		return "take --where: a filtered count reads the rows page by page; drop one of them"
	}
	return ""
}

// countFlags are count's own flags.
type countFlags struct {
	by  []string
	top int
	// topGiven says --top was given on the command line, where it is
	// refused without --by partition.
	topGiven bool
	onServer bool
	// onServerSet says --on-server was given: what cannot be counted on
	// the server is then refused, not read by pages.
	onServerSet bool
	sizing      countSizing
}

// countSizing is how a count on the server sizes its subranges by the
// size estimates: --on-server-split-mb, and whether --size-estimates was
// given (the estimates are read unless it was given false).
type countSizing struct {
	splitMiB     int64
	estimatesSet bool
	// splitGiven says --on-server-split-mb was given on the command line,
	// where it is refused when nothing is counted on the server.
	splitGiven bool
}

func (c *countSizing) register(fs *pflag.FlagSet) {
	fs.Int64Var(&c.splitMiB, "on-server-split-mb", scanner.DefaultCountSplitBytes>>20,
		"a count on the server splits a subrange whose size estimate exceeds this many MiB, so that each count(*) ends within the server's timeout")
}

// given returns c with what fs says was given, or why --on-server-split-mb
// is invalid.
func (c countSizing) given(fs *pflag.FlagSet) (countSizing, error) {
	if c.splitMiB < 1 || c.splitMiB > math.MaxInt64>>20 {
		return c, fmt.Errorf("invalid --on-server-split-mb %d: want a positive number of MiB", c.splitMiB)
	}
	c.estimatesSet = fs.Changed("size-estimates")
	c.splitGiven = fromCommandLine(fs, "on-server-split-mb")
	return c, nil
}

// apply sets cfg's CountSplitBytes, and UseSizeEstimates unless
// --size-estimates was given, the count resumes (it reads the plan its
// checkpoint recorded, whatever the estimates say now) or it reads a
// shard: the estimates weigh the plan, every shard process reads them at
// its own time, and Cassandra rewrites them every 5 minutes, so that
// shards planned on either side of a refresh would take every N-th
// subrange of two different plans, overlapping and leaving gaps. A
// sharded count sized by the estimates needs --size-estimates, and its
// processes must plan on the same estimates (docs/distributed.md).
func (c countSizing) apply(cfg *scanner.Config, resumed bool) {
	cfg.CountSplitBytes = c.splitMiB << 20
	if !c.estimatesSet && !resumed && cfg.Shards <= 1 {
		cfg.UseSizeEstimates = true
	}
}

func runCount(ctx context.Context, cf *connFlags, jf *jobFlags, cfl countFlags, stdout, stderr io.Writer) error {
	byFlag, top := cfl.by, cfl.top
	cfg, err := cf.scannerConfig()
	if err != nil {
		return badInput(err)
	}
	if err := jf.validate(); err != nil {
		return badInput(err)
	}
	by, err := parseBy(byFlag)
	if err != nil {
		return badInput(err)
	}
	if top < 1 {
		return badInput(fmt.Errorf("invalid --top %d: want a positive number", top))
	}
	if cfl.topGiven && !slices.Contains(by, byPartition) {
		return badInput(errors.New("--top applies to --by partition only: it is the number of largest partitions listed"))
	}
	for _, m := range by {
		if jf.resume && (m == byHost || m == byPartition) {
			return badInput(fmt.Errorf("--by %s cannot resume: a checkpoint keeps counts per range only; use --by range", m))
		}
	}
	// Refused from any source, $RINGSCAN_CHECKPOINT and settings files
	// too: a checkpoint is one run's, and one that no --resume can take
	// is worse than a flag that does nothing.
	if jf.checkpoint != "" && slices.Contains(by, byPartition) {
		return badInput(errors.New("--by partition cannot take --checkpoint: a checkpoint does not keep the largest partitions, " +
			"so no --resume could continue the count; drop one of them"))
	}
	if len(cfg.Columns) > 0 {
		return badInput(errors.New("--columns does not apply to count: it counts on the server, or reads each row's token or partition key only"))
	}
	if why := notOnServer(by, cfg); why != "" && cfl.onServer {
		if cfl.onServerSet {
			return badInput(errors.New("--on-server cannot " + why))
		}
		cfl.onServer = false // by default, on the server where it can count
	}
	if !cfl.onServer && cfl.sizing.splitGiven {
		return badInput(errors.New("--on-server-split-mb applies to a count on the server only: this count reads the rows " +
			"(--on-server=false, --where, --by partition or --per-host adaptive)"))
	}
	cfg.CheckpointEvery = jf.checkpointEvery
	if err := checkPaths("", jf.files()); err != nil {
		return badInput(err)
	}
	l, err := newLogs(jf, stderr)
	if err != nil {
		return badInput(err)
	}
	defer l.sync()
	j := newJob(*cf, *jf, l, stderr)
	j.command = "count"
	defer j.close()
	if slices.Contains(by, byHost) {
		j.resumeWithout = "--by " + byHost
	}
	if err := j.start(ctx); err != nil {
		return err
	}
	if cfl.onServer {
		cfl.sizing.apply(&cfg, j.prior != nil)
	}
	// Count counts on the server (one count(*) per subrange); paged, it
	// reads each row's token only, and its primary key inside large
	// partitions, which can then be split; --by partition reads the
	// partition key.
	project := func(p *scanner.Plan) (*scanner.Plan, error) {
		if slices.Contains(by, byPartition) {
			return p.Project(p.PartitionKey)
		}
		if cfl.onServer {
			q, err := p.CountOnServer()
			if err == nil && len(q.Subranges) > len(p.Subranges) {
				j.countSizing = fmt.Sprintf("the size estimates split %d subranges into %d count(*)s (--on-server-split-mb %d)",
					len(p.Subranges), len(q.Subranges), cfl.sizing.splitMiB)
			}
			return q, err
		}
		return p.CountOnly(), nil
	}
	if err := j.connect(ctx, cfg, project); err != nil {
		return err
	}
	c := newCounter(by, top)
	if j.prior != nil {
		for _, p := range j.prior.Progress() {
			if p.Parent >= 0 {
				c.parent[p.ID] = p.Parent
			}
		}
	}
	res, err := j.run(ctx, c, scanner.Hooks{RangeSplit: c.split})
	if err != nil {
		return err
	}
	res.obs.finish(res.stats, c.Rows(), res.err, "")
	exit := exitFor(ctx, j.command, res.err, j.resumeHint(ctx, res.err, ""))
	var ee *exitError
	partial := errors.As(exit, &ee) && ee.code == ExitPartial
	if res.err == nil || partial {
		total := strconv.FormatInt(c.Rows(), 10)
		if partial {
			// Never passed off as complete: a script reading a number fails.
			total += fmt.Sprintf(" (partial: %d ranges failed)", res.stats.Failed)
		}
		if _, err := fmt.Fprintln(stdout, total); err != nil {
			return &exitError{code: ExitAborted, err: fmt.Errorf("the count is done but its total cannot be written to stdout: %w", err)}
		}
		c.report(stderr, j)
	}
	res.obs.linger(ctx)
	return exit
}

// counter is the count sink: sink.Count's tallies per host and range, and
// for --by partition the largest partitions. The total comes from the
// checkpoint state, which also counts resumed rows.
type counter struct {
	sink.Count
	by  []string
	top int

	// For --by partition: the partition each subrange is in (its key
	// values, framed as [bytes]) and its rows, and the largest partitions
	// seen. Write is never called concurrently (the sink contract).
	partitions bool // --by partition
	cols       []sink.Column
	current    map[int]*partCount
	key        []byte
	largest    partHeap

	// A partition the scan split (read in pieces, see
	// scanner.Config.NoPartitionSplit) spans several subranges: its runs
	// of rows are added up in spread, by key, and offered at Close.
	spread map[string]int64

	// parent maps a piece split off a running subrange to that subrange,
	// for --by range: earlier runs' pieces and this run's; pieces are the
	// pieces of split partitions.
	mu     sync.Mutex
	parent map[int]int
	pieces map[int]bool
}

type partCount struct {
	key  string // the partition key values, each as a protocol [bytes]
	rows int64
}

type partHeap []partCount

func (h partHeap) Len() int           { return len(h) }
func (h partHeap) Less(i, j int) bool { return h[i].rows < h[j].rows }
func (h partHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *partHeap) Push(x any)        { *h = append(*h, x.(partCount)) }
func (h *partHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func newCounter(by []string, top int) *counter {
	return &counter{by: by, top: top, partitions: slices.Contains(by, byPartition), current: map[int]*partCount{},
		spread: map[string]int64{}, parent: map[int]int{}, pieces: map[int]bool{}}
}

// split records a piece split off a running subrange.
func (c *counter) split(parent int, child ring.Subrange) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.parent[child.ID] = parent
	if child.Range.Start == child.Range.End {
		c.pieces[child.ID] = true // a piece of a split partition
	}
}

func (c *counter) isPiece(id int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pieces[id]
}

// root is the planned subrange a subrange was split off, or id.
func (c *counter) root(id int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for range len(c.parent) + 1 {
		p, ok := c.parent[id]
		if !ok {
			break
		}
		id = p
	}
	return id
}

// Write counts a page. Pages of one subrange arrive in token order, so a
// partition's rows are consecutive in its subrange's pages; a partition
// the scan split also has rows in its pieces, added up by key. Keys are
// compared as raw bytes; they are decoded only for the partitions listed.
func (c *counter) Write(ctx context.Context, b *sink.Batch) error {
	if err := c.Count.Write(ctx, b); err != nil || !c.partitions {
		return err
	}
	c.cols = b.Columns
	piece := c.isPiece(b.RangeID)
	for i := 0; i < b.Len(); i++ {
		c.key = c.key[:0]
		for col := range b.Columns {
			c.key = cqltype.AppendValue(c.key, b.Value(i, col))
		}
		cur := c.current[b.RangeID]
		if cur != nil && cur.key == string(c.key) {
			cur.rows++
			continue
		}
		if cur != nil {
			c.offer(*cur)
		}
		if _, ok := c.spread[string(c.key)]; piece && !ok {
			c.spread[string(c.key)] = 0
		}
		c.current[b.RangeID] = &partCount{key: string(c.key), rows: 1}
	}
	return nil
}

// keyText renders a partition key for the report.
func (c *counter) keyText(key string) string {
	rest := []byte(key)
	parts := make([]string, 0, len(c.cols))
	for i := range c.cols {
		var v []byte
		var ok bool
		if v, rest, ok = cqltype.ReadValue(rest); !ok {
			break
		}
		one := sink.NewBatch(c.cols[i:i+1], 0)
		one.AppendValue(v)
		if d, err := one.Decode(0, 0); err == nil {
			parts = append(parts, fmt.Sprint(d))
		} else {
			parts = append(parts, fmt.Sprintf("0x%x", v))
		}
	}
	return strings.Join(parts, ", ")
}

// offer puts a run of a partition's rows among the largest, or adds it to
// the partition's total if the partition was split.
func (c *counter) offer(p partCount) {
	if _, ok := c.spread[p.key]; ok {
		c.spread[p.key] += p.rows
		return
	}
	c.rank(p)
}

func (c *counter) rank(p partCount) {
	if len(c.largest) < c.top {
		heap.Push(&c.largest, p)
		return
	}
	if p.rows > c.largest[0].rows {
		c.largest[0] = p
		heap.Fix(&c.largest, 0)
	}
}

// Close flushes the partitions still open, then the split ones' totals.
func (c *counter) Close(ctx context.Context) error {
	for id, cur := range c.current {
		c.offer(*cur)
		delete(c.current, id)
	}
	for key, rows := range c.spread {
		c.rank(partCount{key: key, rows: rows})
		delete(c.spread, key)
	}
	return c.Count.Close(ctx)
}

// report writes the breakdown of each --by mode, a table each, blank
// lines between: rows, their percentage of the total, and what they are
// the rows of. Hosts and partitions are listed largest first, ranges in
// token order.
func (c *counter) report(w io.Writer, j *job) {
	total := c.Rows()
	pct := func(n int64) string {
		if total == 0 {
			return "0.00%"
		}
		return fmt.Sprintf("%.2f%%", 100*float64(n)/float64(total))
	}
	for i, mode := range c.by {
		if i > 0 {
			fmt.Fprintln(w)
		}
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
		switch mode {
		case byHost:
			fmt.Fprintln(tw, "rows\tpercent\thost\t")
			byHost := c.Hosts()
			hosts := slices.Collect(maps.Keys(byHost))
			slices.SortFunc(hosts, func(a, b string) int {
				return cmp.Or(cmp.Compare(byHost[b].Rows, byHost[a].Rows), strings.Compare(a, b))
			})
			for _, h := range hosts {
				fmt.Fprintf(tw, "%d\t%s\t%s\t\n", byHost[h].Rows, pct(byHost[h].Rows), h)
			}
		case byRange:
			fmt.Fprintln(tw, "rows\tpercent\trange\tstart\tend\t")
			// The counts cover every run (a Count restores its earlier
			// runs' counts); pieces split off a running subrange count for
			// it.
			byRoot := map[int]int64{}
			for id, n := range c.Ranges() {
				byRoot[c.root(id)] += n.Rows
			}
			ranges := slices.Clone(j.plan.Subranges)
			slices.SortFunc(ranges, func(a, b ring.Subrange) int { return a.Range.Start.Compare(b.Range.Start) })
			for _, sr := range ranges {
				fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t\n", byRoot[sr.ID], pct(byRoot[sr.ID]), sr.ID, sr.Range.Start, sr.Range.End)
			}
		case byPartition:
			fmt.Fprintln(tw, "rows\tpercent\tpartition\t")
			parts := append(partHeap(nil), c.largest...)
			sort.Slice(parts, func(a, b int) bool { return parts[a].rows > parts[b].rows })
			for _, p := range parts {
				fmt.Fprintf(tw, "%d\t%s\t(%s)\t\n", p.rows, pct(p.rows), c.keyText(p.key))
			}
		}
		tw.Flush()
	}
}
