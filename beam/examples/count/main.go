// Command count counts the rows of a Cassandra or ScyllaDB table per
// partition-key prefix with ringscanio.Read, on any Beam runner: the
// leading --by columns of each row, rendered as text and cut to --prefix
// characters. With no --hosts it starts a simulated cluster with
// ringscan's demo table in its own process and runs on prism:
//
//	cd beam && go run ./examples/count
//	go run ./examples/count --by tenant,bucket
//	go run ./examples/count --hosts 10.0.0.1 --keyspace shop --table orders --by customer --prefix 2
//
// It prints one line per key, "key<TAB>rows", in key order, then the
// total and the rate on stderr. --by "" counts all the rows under one key.
// docs/beam.md gives the flags of the other runners.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/textio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/transforms/stats"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	"github.com/ringscan/ringscan/beam/examples/internal/demo"
	"github.com/ringscan/ringscan/beam/ringscanio"
)

// keyFn is a row's key: its By columns' values as text, joined by "/",
// cut to Prefix characters (0: whole).
type keyFn struct {
	By     []string
	Prefix int
}

func (f *keyFn) ProcessElement(r ringscanio.Row) (string, error) {
	parts := make([]string, len(f.By))
	for i, c := range f.By {
		v, ok := r[c]
		if !ok {
			return "", fmt.Errorf("count: the rows have no column %q (--by)", c)
		}
		parts[i] = fmt.Sprint(v)
	}
	k := strings.Join(parts, "/")
	if f.Prefix > 0 {
		if rs := []rune(k); len(rs) > f.Prefix {
			k = string(rs[:f.Prefix])
		}
	}
	return k, nil
}

func format(k string, n int) string { return fmt.Sprintf("%s\t%d", k, n) }

// collected holds the lines when the pipeline runs on prism in this
// process (no --output).
var collected struct {
	mu    sync.Mutex
	lines []string
}

func collect(line string) {
	collected.mu.Lock()
	defer collected.mu.Unlock()
	collected.lines = append(collected.lines, line)
}

func init() {
	register.DoFn1x2[ringscanio.Row, string, error](&keyFn{})
	register.Function2x1(format)
	register.Function1x0(collect)
}

func main() {
	flags := demo.Register()
	by := flag.String("by", "tenant", "comma-separated columns whose values key the count, leading partition key columns for a partition-key prefix; empty: one total")
	prefix := flag.Int("prefix", 0, "cut each key to this many characters (0: whole)")
	output := flag.String("output", "", "write the counts to this file with textio (any Beam file system); empty: print them (prism in this process only)")
	flag.Parse()
	beam.Init() // on a worker, this runs the harness and never returns
	if err := run(context.Background(), flags, *by, *prefix, *output); err != nil {
		fmt.Fprintln(os.Stderr, "count:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, flags *demo.Flags, by string, prefix int, output string) error {
	if prefix < 0 {
		return fmt.Errorf("--prefix is %d; it must be 0 (whole keys) or more", prefix)
	}
	cfg, closeSim, err := flags.Config(ctx)
	if err != nil {
		return err
	}
	if closeSim != nil {
		defer closeSim()
	}
	var cols []string
	if by != "" {
		cols = strings.Split(by, ",")
	}
	p, s := beam.NewPipelineWithRoot()
	rows, err := ringscanio.TryRead(s, cfg)
	if err != nil {
		return err
	}
	counts := stats.Count(s, beam.ParDo(s, &keyFn{By: cols, Prefix: prefix}, rows))
	lines := beam.ParDo(s, format, counts)
	if output != "" {
		textio.Write(s, output, lines)
	} else {
		beam.ParDo0(s, collect, lines)
	}
	start := time.Now()
	res, err := beamx.RunWithMetrics(ctx, p)
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	slices.Sort(collected.lines)
	for _, l := range collected.lines {
		fmt.Println(l)
	}
	var total int64
	for _, c := range res.Metrics().AllMetrics().Counters() {
		if c.Key.Namespace == "ringscanio" && c.Key.Name == "rows" {
			total += c.Result()
		}
	}
	fmt.Fprintf(os.Stderr, "%d rows in %v: %.0f rows/s\n", total, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds())
	return nil
}
