package bench

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// NodeLoad is what one simulated node's reads went through during a run,
// from the simulator's metrics ("ringscan sim --metrics-addr").
type NodeLoad struct {
	Node string
	// Reads were served; Overloaded were refused because the node's queue
	// was full.
	Reads, Overloaded int64
	// P99QueueWait is the 99th percentile of the reads' wait for their
	// turn; P50Service the median time from a read's turn to its answer:
	// without a knee, the node's unloaded service time.
	P99QueueWait, P50Service time.Duration
}

// LimitPoint is a host's per-host limit from a moment of a run on.
type LimitPoint struct {
	// At is the time since the scan started.
	At     time.Duration
	Host   string
	Limit  int
	Reason string
}

// nodeMetrics are one scrape of the simulator's metrics, per node.
type nodeMetrics map[string]*nodeScrape

type nodeScrape struct {
	reads, overloaded float64
	wait, service     *dto.Histogram
}

// scrapeNodes reads the simulator's metrics at url.
func scrapeNodes(url string) (nodeMetrics, error) {
	resp, err := http.Get(url) //nolint:noctx // a loopback scrape, bounded by the client's default transport
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", url, err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", url, err)
	}
	out := nodeMetrics{}
	node := func(m *dto.Metric) *nodeScrape {
		for _, l := range m.GetLabel() {
			if l.GetName() == "node" {
				if out[l.GetValue()] == nil {
					out[l.GetValue()] = &nodeScrape{}
				}
				return out[l.GetValue()]
			}
		}
		return &nodeScrape{}
	}
	for _, m := range mfs["cqlsim_reads_total"].GetMetric() {
		node(m).reads = m.GetCounter().GetValue()
	}
	for _, m := range mfs["cqlsim_reads_overloaded_total"].GetMetric() {
		node(m).overloaded = m.GetCounter().GetValue()
	}
	for _, m := range mfs["cqlsim_read_queue_wait_seconds"].GetMetric() {
		node(m).wait = m.GetHistogram()
	}
	for _, m := range mfs["cqlsim_read_service_seconds"].GetMetric() {
		node(m).service = m.GetHistogram()
	}
	return out, nil
}

// loadBetween is what each node did between two scrapes, by node.
func loadBetween(before, after nodeMetrics) []NodeLoad {
	var out []NodeLoad
	for name, a := range after {
		b := before[name]
		if b == nil {
			b = &nodeScrape{}
		}
		out = append(out, NodeLoad{Node: name, Reads: int64(a.reads - b.reads), Overloaded: int64(a.overloaded - b.overloaded),
			P99QueueWait: histQuantile(0.99, b.wait, a.wait), P50Service: histQuantile(0.5, b.service, a.service)})
	}
	slices.SortFunc(out, func(x, y NodeLoad) int {
		switch {
		case x.Node < y.Node:
			return -1
		case x.Node > y.Node:
			return 1
		}
		return 0
	})
	return out
}

// histQuantile is the q-quantile of the observations between two readings
// of a histogram, interpolated in its bucket as Prometheus'
// histogram_quantile does; 0 with no observation.
func histQuantile(q float64, from, to *dto.Histogram) time.Duration {
	if to == nil {
		return 0
	}
	var before []uint64
	var n uint64 = to.GetSampleCount()
	if from != nil {
		n -= from.GetSampleCount()
		for _, b := range from.GetBucket() {
			before = append(before, b.GetCumulativeCount())
		}
	}
	if n == 0 {
		return 0
	}
	rank := q * float64(n)
	lo, below := 0.0, uint64(0)
	for i, b := range to.GetBucket() {
		c := b.GetCumulativeCount()
		if i < len(before) {
			c -= before[i]
		}
		if float64(c) >= rank {
			frac := 1.0
			if c > below {
				frac = (rank - float64(below)) / float64(c-below)
			}
			sec := lo + (b.GetUpperBound()-lo)*math.Max(frac, 0)
			return time.Duration(sec * float64(time.Second))
		}
		lo, below = b.GetUpperBound(), c
	}
	return time.Duration(lo * float64(time.Second))
}
