package cli

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/sink"
)

func newCountCmd(stdout, stderr io.Writer) *cobra.Command {
	var cf connFlags
	var jf jobFlags
	var by string
	var top int
	cmd := &cobra.Command{
		Use:   "count",
		Short: "Count a table's rows in parallel; the total alone goes to stdout",
		Long: `count reads every row of a table in parallel, reading only the partition key
columns, and writes the total alone on stdout; details and progress go to
stderr. --by range, --by host and --by partition add per-range, per-host or
top-N-partition counts (on stderr), like dsbulk's count modes. With
--checkpoint the count resumes after a crash without counting a row twice.`,
		Example: `  ringscan count -k shop -t orders
  ringscan count -k shop -t orders --by partition --top 20`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCount(cmd.Context(), &cf, &jf, by, top, stdout, stderr)
		},
	}
	cf.register(cmd)
	jf.register(cmd)
	cmd.Flags().StringVar(&by, "by", "", "also count by range, host or partition (top --top partitions)")
	cmd.Flags().IntVar(&top, "top", 10, "number of largest partitions listed with --by partition")
	_ = cmd.Flags().MarkHidden("columns") // count reads the partition key only
	return cmd
}

func runCount(ctx context.Context, cf *connFlags, jf *jobFlags, by string, top int, stdout, stderr io.Writer) error {
	cfg, err := cf.scannerConfig()
	if err != nil {
		return badInput(err)
	}
	if err := jf.validate(); err != nil {
		return badInput(err)
	}
	switch by {
	case "", "range", "host", "partition":
	default:
		return badInput(fmt.Errorf("invalid --by %q: allowed are range, host, partition", by))
	}
	if top < 1 {
		return badInput(fmt.Errorf("invalid --top %d: want a positive number", top))
	}
	if jf.resume && (by == "host" || by == "partition") {
		return badInput(errors.New("--by host and --by partition cannot resume: a checkpoint keeps counts per range only; use --by range"))
	}
	if len(cfg.Columns) > 0 {
		return badInput(errors.New("--columns does not apply to count: it reads the partition key only"))
	}
	log, err := newLogger(jf.logLevel, jf.logFormat, stderr)
	if err != nil {
		return badInput(err)
	}
	defer func() { _ = log.Sync() }()
	j := &job{conn: *cf, flags: *jf, log: log, stderr: stderr}
	defer j.close()
	// Count reads the partition key only.
	pk := func(p *scanner.Plan) []string { return p.PartitionKey }
	if err := j.open(ctx, cfg, "count", pk); err != nil {
		return err
	}
	c := newCounter(by, top)
	res, err := j.run(ctx, c, nil)
	if err != nil {
		return err
	}
	res.obs.finish(res.stats, res.total, res.err, "")
	if res.err == nil || exitFor(ctx, res.err).(*exitError).code == ExitPartial {
		fmt.Fprintln(stdout, res.total)
		c.report(stderr, j)
	}
	return exitFor(ctx, res.err)
}

// counter is the count sink: sink.Count's tallies per host and range, and
// for --by partition the largest partitions. The total comes from the
// checkpoint state, which also counts resumed rows.
type counter struct {
	sink.Count
	by  string
	top int

	// For --by partition: the partition each subrange is in (its key
	// values, framed as [bytes]) and its rows, and the largest partitions
	// seen. Write is never called concurrently (the sink contract).
	cols    []sink.Column
	current map[int]*partCount
	key     []byte
	largest partHeap
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

func newCounter(by string, top int) *counter {
	return &counter{by: by, top: top, current: map[int]*partCount{}}
}

// Write counts a page. Pages of one subrange arrive in token order and a
// partition never spans two subranges, so a partition's rows are
// consecutive in its subrange's pages. Keys are compared as raw bytes; they
// are decoded only for the partitions listed.
func (c *counter) Write(ctx context.Context, b *sink.Batch) error {
	if err := c.Count.Write(ctx, b); err != nil || c.by != "partition" {
		return err
	}
	c.cols = b.Columns
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

func (c *counter) offer(p partCount) {
	if len(c.largest) < c.top {
		heap.Push(&c.largest, p)
		return
	}
	if p.rows > c.largest[0].rows {
		c.largest[0] = p
		heap.Fix(&c.largest, 0)
	}
}

// Close flushes the partitions still open.
func (c *counter) Close(ctx context.Context) error {
	for id, cur := range c.current {
		c.offer(*cur)
		delete(c.current, id)
	}
	return c.Count.Close(ctx)
}

// report writes the breakdown.
func (c *counter) report(w io.Writer, j *job) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	defer tw.Flush()
	switch c.by {
	case "host":
		fmt.Fprintln(tw, "rows\thost\t")
		byHost := c.Hosts()
		hosts := make([]string, 0, len(byHost))
		for h := range byHost {
			hosts = append(hosts, h)
		}
		sort.Slice(hosts, func(a, b int) bool { return byHost[hosts[a]].Rows > byHost[hosts[b]].Rows })
		for _, h := range hosts {
			fmt.Fprintf(tw, "%d\t%s\t\n", byHost[h].Rows, h)
		}
	case "range":
		fmt.Fprintln(tw, "rows\trange\tstart\tend\t")
		// The checkpoint state counts every row written, resumed or not;
		// pieces split off a running subrange count for it.
		prior := map[int]int64{}
		for id, r := range j.state.Ranges {
			prior[j.state.Root(id)] += r.Rows
		}
		for _, sr := range j.plan.Subranges {
			if j.state.Root(sr.ID) != sr.ID {
				continue
			}
			fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t\n", prior[sr.ID], sr.ID, sr.Range.Start, sr.Range.End)
		}
	case "partition":
		fmt.Fprintln(tw, "rows\tpartition\t")
		parts := append(partHeap(nil), c.largest...)
		sort.Slice(parts, func(a, b int) bool { return parts[a].rows > parts[b].rows })
		for _, p := range parts {
			fmt.Fprintf(tw, "%d\t(%s)\t\n", p.rows, c.keyText(p.key))
		}
	}
}
