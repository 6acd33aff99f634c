package cli

import (
	"fmt"
	"net"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/observe"
)

// simCollector exports every node's cqlsim.Load at each scrape, labelled
// by the node's address.
type simCollector struct {
	c                           *cqlsim.Cluster
	serving, waiting, capacity  *prometheus.Desc
	reads, overloaded, timedOut *prometheus.Desc
	queueWait, service          *prometheus.Desc
}

func newSimCollector(c *cqlsim.Cluster) *simCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, []string{"node"}, nil)
	}
	return &simCollector{c: c,
		serving:    d("cqlsim_reads_serving", "Reads a node is serving now."),
		waiting:    d("cqlsim_reads_waiting", "Reads waiting in a node's queue now."),
		capacity:   d("cqlsim_read_capacity", "Reads a node serves at once (0: no limit)."),
		reads:      d("cqlsim_reads_total", "Reads that had their turn and were answered."),
		overloaded: d("cqlsim_reads_overloaded_total", "Reads answered Overloaded because the queue was full."),
		timedOut:   d("cqlsim_reads_timed_out_total", "Reads answered ReadTimeout after waiting past the queue timeout or working past their read or range timeout."),
		queueWait:  d("cqlsim_read_queue_wait_seconds", "Time reads waited for their turn (0 for those served at once)."),
		service:    d("cqlsim_read_service_seconds", "Time from a read's turn to its answer."),
	}
}

func (s *simCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{s.serving, s.waiting, s.capacity, s.reads, s.overloaded, s.timedOut, s.queueWait, s.service} {
		ch <- d
	}
}

func (s *simCollector) Collect(ch chan<- prometheus.Metric) {
	for _, n := range s.c.Nodes() {
		l, ip := n.Load(), n.IP()
		ch <- prometheus.MustNewConstMetric(s.serving, prometheus.GaugeValue, float64(l.Serving), ip)
		ch <- prometheus.MustNewConstMetric(s.waiting, prometheus.GaugeValue, float64(l.Waiting), ip)
		ch <- prometheus.MustNewConstMetric(s.capacity, prometheus.GaugeValue, float64(n.Capacity().Concurrent), ip)
		ch <- prometheus.MustNewConstMetric(s.reads, prometheus.CounterValue, float64(l.Reads), ip)
		ch <- prometheus.MustNewConstMetric(s.overloaded, prometheus.CounterValue, float64(l.Overloaded), ip)
		ch <- prometheus.MustNewConstMetric(s.timedOut, prometheus.CounterValue, float64(l.TimedOut), ip)
		ch <- constHistogram(s.queueWait, l.QueueWait, ip)
		ch <- constHistogram(s.service, l.Service, ip)
	}
}

func constHistogram(d *prometheus.Desc, h cqlsim.Histogram, label string) prometheus.Metric {
	buckets := make(map[float64]uint64, len(h.Bounds))
	for i, b := range h.Bounds {
		buckets[b.Seconds()] = h.Counts[i]
	}
	return prometheus.MustNewConstHistogram(d, h.Counts[len(h.Bounds)], h.Sum.Seconds(), buckets, label)
}

// listenSimMetrics listens on addr for the cluster's metrics; an empty
// host is the first node's address.
func listenSimMetrics(addr string, c *cqlsim.Cluster) (*observe.MetricsServer, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("invalid --metrics-addr %q: want host:port or :port, e.g. :9101", addr)
	}
	if host == "" {
		host = c.Hosts()[0]
	}
	reg := prometheus.NewRegistry()
	if err := reg.Register(newSimCollector(c)); err != nil {
		return nil, err
	}
	return observe.ListenMetrics(net.JoinHostPort(host, port), reg)
}
