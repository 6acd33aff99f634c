package bench

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withoutSingleStream are the scenarios that compare with equal slices
// only, and why.
var withoutSingleStream = map[string]string{
	"spread":        "its 3000 pages of 75 ms would take single-stream 4 minutes",
	"capacity-long": "its 1000 pages of 110 ms would take single-stream 2 minutes",
}

func TestProfilesAreValid(t *testing.T) {
	for name, profile := range map[string][]Scenario{"quick": Quick(), "full": Full()} {
		t.Run(name, func(t *testing.T) {
			require.NotEmpty(t, profile)
			seen := map[string]bool{}
			for _, s := range profile {
				require.NoError(t, s.Validate())
				assert.False(t, seen[s.Name], "scenario %s twice", s.Name)
				seen[s.Name] = true
				kinds := map[Kind]bool{}
				for _, st := range s.Strategies {
					kinds[st.Kind] = true
				}
				assert.True(t, kinds[Ringscan], "%s runs ringscan", s.Name)
				if reason, ok := withoutSingleStream[s.Name]; ok {
					assert.True(t, !kinds[SingleStream] && kinds[EqualSlices], "%s compares with equal slices only: %s", s.Name, reason)
					continue
				}
				assert.True(t, kinds[SingleStream] && kinds[EqualSlices], "%s compares with both baselines", s.Name)
			}
			for _, want := range []string{"latency-0ms", "latency-20ms", "latency-50ms", "concurrency"} {
				assert.True(t, seen[want], "%s profile has %s", name, want)
			}
		})
	}
	full := map[string]bool{}
	for _, s := range Full() {
		full[s.Name] = true
	}
	for _, want := range []string{"latency-5ms", "page-size", "skew", "tombstones", "slow-node", "faults", "hot-int", "hot-timestamp", "hot-uuid"} {
		assert.True(t, full[want], "full profile has %s", want)
	}
}

func TestSimFlags(t *testing.T) {
	tests := []struct {
		name string
		c    SimConfig
		want []string
	}{
		{"plain", SimConfig{Rows: 10},
			[]string{"--nodes", "3", "--rows", "10", "--large-partition-rows", "-1", "--deleted-rows", "-1"}},
		{"everything", SimConfig{Nodes: 6, Rows: 100, LargePartitionRows: 10, DeletedRows: 20, TombstoneBudget: 5,
			Latency: 10 * time.Millisecond, Jitter: time.Millisecond, NonReplica: 10 * time.Millisecond,
			SlowNodes: 1, SlowFactor: 3, Faults: "overloaded:0.05"},
			[]string{"--nodes", "6", "--rows", "100", "--large-partition-rows", "10", "--deleted-rows", "20",
				"--tombstone-budget", "5", "--latency", "10ms", "--jitter", "1ms", "--non-replica-latency", "10ms",
				"--slow-nodes", "1", "--slow-factor", "3", "--faults", "overloaded:0.05"}},
		{"capacity", SimConfig{Rows: 10, Capacity: "2,4,4", QueueLimit: 8, PerRow: 100 * time.Microsecond, Knee: 8, KneeCost: 0.25},
			[]string{"--nodes", "3", "--rows", "10", "--large-partition-rows", "-1", "--deleted-rows", "-1",
				"--capacity", "2,4,4", "--queue-limit", "8", "--cost-per-row", "100µs", "--knee", "8", "--knee-cost", "0.25",
				"--metrics-addr", ":0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.c.Flags())
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	s := Scenario{Strategies: []Strategy{{Kind: "bogus", Concurrency: -1}}}
	err := s.Validate()
	require.ErrorIs(t, err, ErrInvalidConfig)
	for _, want := range []string{"Name is required", "Sim.Rows", "PageSize", `Kind "bogus"`, "Concurrency is -1"} {
		assert.Contains(t, err.Error(), want)
	}
}

// TestServerCountValidate checks that ServerCount is refused where it
// means nothing: outside equal slices that count, or with TokenOnly.
func TestServerCountValidate(t *testing.T) {
	tests := []struct {
		s  Strategy
		ok bool
	}{
		{Strategy{Kind: EqualSlices, ServerCount: true, Mode: CountRows}, true},
		{Strategy{Kind: EqualSlices, ServerCount: true}, false},
		{Strategy{Kind: Ringscan, ServerCount: true, Mode: CountRows}, true},
		{Strategy{Kind: Ringscan, ServerCount: true, Adaptive: true, Mode: CountRows}, false},
		{Strategy{Kind: SingleStream, ServerCount: true, Mode: CountRows}, false},
		{Strategy{Kind: EqualSlices, ServerCount: true, TokenOnly: true, Mode: CountRows}, false},
	}
	for _, tt := range tests {
		err := tt.s.Validate()
		if tt.ok {
			assert.NoError(t, err, tt.s.Settings(100))
			continue
		}
		require.ErrorIs(t, err, ErrInvalidConfig, tt.s.Settings(100))
		assert.Contains(t, err.Error(), "ServerCount is for equal slices and ringscan that count")
	}
}

// TestModeValidate checks that the encoding modes are ringscan's only and
// that an unknown mode is refused, naming the allowed ones.
func TestModeValidate(t *testing.T) {
	tests := []struct {
		s    Strategy
		want string // "" for valid
	}{
		{Strategy{Kind: Ringscan, Mode: JSONL}, ""},
		{Strategy{Kind: Ringscan, Mode: CSV}, ""},
		{Strategy{Kind: EqualSlices, Mode: CSV}, "Mode csv is ringscan's only"},
		{Strategy{Kind: SingleStream, Mode: JSONL}, "Mode jsonl is ringscan's only"},
		{Strategy{Kind: Ringscan, Mode: "xml"}, `Mode "xml" is unknown; allowed are count, discard, jsonl, csv and none (verify)`},
	}
	for _, tt := range tests {
		err := tt.s.Validate()
		if tt.want == "" {
			assert.NoError(t, err, tt.s.Settings(100))
			continue
		}
		require.ErrorIs(t, err, ErrInvalidConfig, tt.s.Settings(100))
		assert.Contains(t, err.Error(), tt.want)
	}
}

func TestStrategySettings(t *testing.T) {
	tests := []struct {
		s    Strategy
		want string
	}{
		{Strategy{Kind: SingleStream}, "c=1 page=100"},
		{Strategy{Kind: EqualSlices, Concurrency: 8}, "c=8 slices=64/node page=100"},
		{Strategy{Kind: Ringscan}, "c=32 per-host=auto page=100"},
		{Strategy{Kind: Ringscan, Concurrency: 128, PerHost: 64, Splits: 128, PageSize: 5000}, "c=128 per-host=64 splits=128 page=5000"},
		{Strategy{Kind: EqualSlices, Concurrency: 16, ServerCount: true, Mode: CountRows}, "c=16 slices=64/node page=100 count(*) per slice count"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.s.Settings(100))
	}
}
