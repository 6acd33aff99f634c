package cli

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/testutil"
)

// TestSimTombstoneFlags checks that the tombstone, page byte and timeout flags of
// ringscan sim reach cqlsim.Config, and that bad values are refused by
// name.
func TestSimTombstoneFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want cqlsim.Config // the tombstone fields
		err  string
	}{
		{name: "default", want: cqlsim.Config{TombstoneMode: cqlsim.TombstonesScylla}},
		{name: "scylla budget", args: []string{"--tombstone-budget", "7"}, want: cqlsim.Config{TombstoneMode: cqlsim.TombstonesScylla, TombstoneBudget: 7}},
		{name: "cassandra", args: []string{"--tombstone-mode", "cassandra", "--tombstone-warn-threshold", "5", "--tombstone-failure-threshold", "50"},
			want: cqlsim.Config{TombstoneMode: cqlsim.TombstonesCassandra, TombstoneWarnThreshold: 5, TombstoneFailureThreshold: 50}},
		{name: "unknown mode", args: []string{"--tombstone-mode", "dse"}, err: `invalid --tombstone-mode: unknown tombstone mode "dse": allowed are scylla and cassandra`},
		{name: "negative warn", args: []string{"--tombstone-warn-threshold", "-1"}, err: "invalid --tombstone-warn-threshold -1"},
		{name: "negative failure", args: []string{"--tombstone-failure-threshold", "-2"}, err: "invalid --tombstone-failure-threshold -2"},
		{name: "scylla page cap", args: []string{"--page-bytes", "1048576"}, want: cqlsim.Config{TombstoneMode: cqlsim.TombstonesScylla, PageBytes: cqlsim.ScyllaPageBytes}},
		{name: "negative page bytes", args: []string{"--page-bytes", "-1"}, err: "invalid --page-bytes -1: want a positive number of bytes (0 for no cap)"},
		{name: "more slow nodes than nodes", args: []string{"--slow-nodes", "4"}, err: "invalid --slow-nodes 4: want 0 to the 3 nodes of the cluster"},
		{name: "more slow nodes than in the data centers", args: []string{"--dcs", "a:2,b:2", "--slow-nodes", "5"}, err: "invalid --slow-nodes 5: want 0 to the 4 nodes"},
		{name: "no vnodes", args: []string{"--vnodes", "0"}, err: "invalid --vnodes 0: want a positive number"},
		{name: "negative port", args: []string{"--port", "-1"}, err: "invalid --port -1: want a port number 1..65535, or 0 for a free one"},
		{name: "timeouts", args: []string{"--read-timeout", "2s", "--range-timeout", "3s"},
			want: cqlsim.Config{TombstoneMode: cqlsim.TombstonesScylla, ReadTimeout: 2 * time.Second, RangeTimeout: 3 * time.Second}},
		{name: "no timeouts", args: []string{"--read-timeout", "0", "--range-timeout", "0"},
			want: cqlsim.Config{TombstoneMode: cqlsim.TombstonesScylla, ReadTimeout: cqlsim.NoTimeout, RangeTimeout: cqlsim.NoTimeout}},
		{name: "negative range timeout", args: []string{"--range-timeout", "-1s"}, err: "invalid --range-timeout -1s: want a positive duration"},
		{name: "negative latency", args: []string{"--latency", "-5ms"}, err: "invalid --latency -5ms: want 0 or a positive duration"},
		{name: "negative jitter", args: []string{"--jitter", "-1ms"}, err: "invalid --jitter -1ms: want 0 or a positive duration"},
		{name: "negative non-replica latency", args: []string{"--non-replica-latency", "-1ms"}, err: "invalid --non-replica-latency -1ms"},
		{name: "negative rows", args: []string{"--rows", "-5"}, err: "invalid --rows -5: want 0 (no demo data) or a positive number"},
		{name: "negative rows per partition", args: []string{"--rows-per-partition", "-1"}, err: "invalid --rows-per-partition -1"},
		{name: "large partition past the rows", args: []string{"--rows", "10", "--large-partition-rows", "50"}, err: "invalid --large-partition-rows 50: want -1 (none), 0 (the default) or up to --rows (10)"},
		{name: "hot share past 1", args: []string{"--hot-share", "2"}, err: "invalid --hot-share 2: want a share from 0 to 1"},
		{name: "negative hot rows", args: []string{"--hot-rows", "-1"}, err: "invalid --hot-rows -1"},
		{name: "skew NaN", args: []string{"--size-estimates-skew", "1,NaN"}, err: `invalid --size-estimates-skew item "NaN"`},
		{name: "skew infinite", args: []string{"--size-estimates-skew", "Inf"}, err: `invalid --size-estimates-skew item "Inf"`},
		{name: "slow factor NaN", args: []string{"--slow-factor", "NaN"}, err: "invalid --slow-factor NaN"},
		{name: "slow factor infinite", args: []string{"--slow-factor", "+Inf"}, err: "invalid --slow-factor +Inf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var f simFlags
			cmd := &cobra.Command{}
			f.register(cmd)
			require.NoError(t, cmd.Flags().Parse(tt.args))
			cfg, err := f.config()
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want.TombstoneMode, cfg.TombstoneMode)
			assert.Equal(t, tt.want.TombstoneBudget, cfg.TombstoneBudget)
			assert.Equal(t, tt.want.TombstoneWarnThreshold, cfg.TombstoneWarnThreshold)
			assert.Equal(t, tt.want.TombstoneFailureThreshold, cfg.TombstoneFailureThreshold)
			assert.Equal(t, tt.want.PageBytes, cfg.PageBytes)
			want := tt.want
			if want.ReadTimeout == 0 {
				want.ReadTimeout, want.RangeTimeout = cqlsim.DefaultReadTimeout, cqlsim.DefaultRangeTimeout // Cassandra's
			}
			assert.Equal(t, want.ReadTimeout, cfg.ReadTimeout)
			assert.Equal(t, want.RangeTimeout, cfg.RangeTimeout)
		})
	}
}

// TestSimCapacityFlags checks that the capacity flags of ringscan sim reach
// cqlsim.Config, one capacity for every node or one per node, and that bad
// values are refused by name.
func TestSimCapacityFlags(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		all   cqlsim.Capacity
		nodes []cqlsim.Capacity
		err   string
	}{
		{name: "none"},
		{name: "every node", args: []string{"--capacity", "4", "--queue-limit", "8", "--cost-per-row", "100us", "--queue-timeout", "5s"},
			all: cqlsim.Capacity{Concurrent: 4, QueueLimit: 8, PerRow: 100 * time.Microsecond, QueueTimeout: 5 * time.Second}},
		{name: "per node", args: []string{"--capacity", "2,4,4", "--queue-limit", "-1", "--knee", "6", "--knee-cost", "0.5", "--cost-per-kib", "1ms"},
			nodes: []cqlsim.Capacity{
				{Concurrent: 2, QueueLimit: cqlsim.NoQueue, Knee: 6, KneeCost: 0.5, PerKiB: time.Millisecond},
				{Concurrent: 4, QueueLimit: cqlsim.NoQueue, Knee: 6, KneeCost: 0.5, PerKiB: time.Millisecond},
				{Concurrent: 4, QueueLimit: cqlsim.NoQueue, Knee: 6, KneeCost: 0.5, PerKiB: time.Millisecond},
			}},
		{name: "a count per node for too few nodes", args: []string{"--capacity", "2,4"}, err: `invalid --capacity "2,4": 2 values for 3 nodes`},
		{name: "not a number", args: []string{"--capacity", "four"}, err: `invalid --capacity item "four"`},
		{name: "zero", args: []string{"--capacity", "0"}, err: `invalid --capacity item "0"`},
		{name: "queue without capacity", args: []string{"--queue-limit", "3"}, err: "--queue-limit and --queue-timeout need --capacity"},
		{name: "bad queue limit", args: []string{"--capacity", "1", "--queue-limit", "-2"}, err: "invalid --queue-limit -2"},
		{name: "knee alone", args: []string{"--knee", "4"}, err: "--knee and --knee-cost go together"},
		{name: "negative knee cost", args: []string{"--knee", "4", "--knee-cost", "-1"}, err: "invalid --knee-cost -1: want a positive fraction"},
		{name: "knee cost NaN", args: []string{"--knee", "4", "--knee-cost", "NaN"}, err: "invalid --knee-cost NaN: want a positive fraction"},
		{name: "knee cost infinite", args: []string{"--knee", "4", "--knee-cost", "+Inf"}, err: "invalid --knee-cost +Inf: want a positive fraction"},
		{name: "negative cost", args: []string{"--cost-per-row", "-1ms"}, err: "durations must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var f simFlags
			cmd := &cobra.Command{}
			f.register(cmd)
			require.NoError(t, cmd.Flags().Parse(tt.args))
			cfg, err := f.config()
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.all, cfg.Capacity)
			assert.Equal(t, tt.nodes, cfg.NodeCapacity)
		})
	}
}

// TestSimMetrics scrapes the metrics of ringscan sim --metrics-addr: every
// node's reads, queue and Overloaded answers, labelled by its address.
func TestSimMetrics(t *testing.T) {
	t.Parallel()
	c := testutil.StartSim(t, cqlsim.Config{Nodes: 2, Capacity: cqlsim.Capacity{Concurrent: 3, QueueLimit: 5}})
	s := testutil.Session(t, c)
	require.NoError(t, s.Query("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}").Exec())
	require.NoError(t, s.Query("CREATE TABLE ks.t (k int PRIMARY KEY)").Exec())
	for range 4 {
		require.NoError(t, s.Query("SELECT k FROM ks.t").Exec())
	}
	srv, err := listenSimMetrics(":0", c)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	defer func() { cancel(); require.NoError(t, <-done) }()
	assert.Equal(t, c.Hosts()[0], srv.Addr().(*net.TCPAddr).IP.String(), "an empty host is the first node's address")

	resp, err := http.Get("http://" + srv.Addr().String() + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	require.NoError(t, err)
	for _, name := range []string{"cqlsim_reads_serving", "cqlsim_reads_waiting", "cqlsim_read_capacity", "cqlsim_reads_total",
		"cqlsim_reads_overloaded_total", "cqlsim_reads_timed_out_total", "cqlsim_read_queue_wait_seconds", "cqlsim_read_service_seconds"} {
		require.Contains(t, mfs, name)
		assert.Len(t, mfs[name].GetMetric(), 2, "%s has one series per node", name)
	}
	var reads float64
	for _, m := range mfs["cqlsim_reads_total"].GetMetric() {
		reads += m.GetCounter().GetValue()
	}
	assert.Equal(t, float64(4), reads, "the four reads of ks.t (system reads are not counted)")
	var waits uint64
	for _, m := range mfs["cqlsim_read_queue_wait_seconds"].GetMetric() {
		waits += m.GetHistogram().GetSampleCount()
	}
	assert.Equal(t, uint64(4), waits)
	for _, m := range mfs["cqlsim_read_capacity"].GetMetric() {
		assert.Equal(t, float64(3), m.GetGauge().GetValue())
	}
}
