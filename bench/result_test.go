package bench

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMakespanRatio(t *testing.T) {
	tests := []struct {
		elapsed, work time.Duration
		conc          int
		want          float64
	}{
		{time.Second, 32 * time.Second, 32, 1},     // perfect schedule
		{2 * time.Second, 32 * time.Second, 32, 2}, // a tail as long as the rest
		{time.Second, 4 * time.Second, 8, 2},       // fewer ranges than goroutines
		{time.Second, 0, 8, 0},                     // no per-range times
		{time.Second, time.Second, 0, 0},
	}
	for _, tt := range tests {
		assert.InDelta(t, tt.want, MakespanRatio(tt.elapsed, tt.work, tt.conc), 1e-9, "%+v", tt)
	}
}

func TestNewResult(t *testing.T) {
	sc := Scenario{Name: "s", Sim: SimConfig{Rows: 1000, Latency: 20 * time.Millisecond}, PageSize: 100, Sweep: SweepLatency}
	m := Measurement{Rows: 1000, Distinct: 1000, Elapsed: 500 * time.Millisecond, Work: 4 * time.Second,
		Concurrency: 16, Retries: 2, CPUSeconds: 0.004, MaxRSSKiB: 20 * 1024}
	r := newResult(sc, Strategy{Kind: Ringscan, Concurrency: 16, PageSize: 500}, m)
	assert.Equal(t, "ringscan", r.Strategy)
	assert.Equal(t, 500, r.PageSize, "the strategy's page size wins")
	assert.Equal(t, 16, r.Concurrency)
	assert.Equal(t, 20*time.Millisecond, r.Latency)
	assert.InDelta(t, 2000, r.RowsPerSecond, 1e-9)
	assert.InDelta(t, 4, r.CPUPerMillionRows, 1e-9)
	assert.InDelta(t, 20, r.PeakRSSMiB, 1e-9)
	assert.InDelta(t, 2, r.MakespanRatio, 1e-9)
	assert.EqualValues(t, 2, r.Retries)

	single := newResult(sc, Strategy{Kind: SingleStream}, Measurement{Rows: 1000, Elapsed: time.Second})
	assert.InDelta(t, 1, single.MakespanRatio, 0, "single-stream's ratio is 1 by definition")
	assert.Equal(t, 1, single.Concurrency)
}

func TestCheckScenario(t *testing.T) {
	res := func(name string, hashes ...uint64) Result {
		return newResult(Scenario{Name: "s", PageSize: 10}, Strategy{Name: name, Kind: Ringscan}, measure(hashes...))
	}
	t.Run("against the table", func(t *testing.T) {
		rs := []Result{res("a", 1, 2, 3), res("b", 3, 2, 1), res("c", 1, 2, 2, 3), res("d", 1, 2)}
		rs = append(rs, Result{Strategy: "e", Err: "boom"})
		checkScenario(rs, &Expected{Rows: 3, Checksum: 6})
		assert.True(t, rs[0].OK())
		assert.True(t, rs[1].OK())
		assert.False(t, rs[2].OK())
		assert.EqualValues(t, 1, rs[2].Duplicated)
		assert.False(t, rs[3].OK())
		assert.EqualValues(t, 1, rs[3].Lost)
		assert.False(t, rs[4].OK())
	})
	t.Run("real cluster: against each other", func(t *testing.T) {
		rs := []Result{res("a", 1, 2), res("b", 1, 2, 3), res("c", 1, 2, 3)}
		checkScenario(rs, nil)
		assert.False(t, rs[0].OK(), "a missed what the others read")
		assert.EqualValues(t, 1, rs[0].Lost)
		assert.True(t, rs[1].OK())
		assert.True(t, rs[2].OK())
	})
	t.Run("same count and sum, other rows", func(t *testing.T) {
		rs := []Result{res("a", 1, 4), res("b", 2, 3)}
		checkScenario(rs, &Expected{Rows: 2, Checksum: 5})
		assert.True(t, rs[0].OK())
		require.False(t, rs[1].OK(), "the digests differ")
		assert.Contains(t, rs[1].Problems[0], "another set of rows")
	})
}

func TestPickRun(t *testing.T) {
	runs := []Result{{RowsPerSecond: 3}, {RowsPerSecond: 1}, {RowsPerSecond: 2}}
	r := pickRun(runs)
	assert.InDelta(t, 2, r.RowsPerSecond, 0, "the median run")
	assert.Equal(t, 3, r.Runs)

	runs[0].Problems = []string{"1 of 3 rows lost"}
	r = pickRun(runs)
	assert.InDelta(t, 3, r.RowsPerSecond, 0, "a failed run is reported, never hidden")
}
