package worker_test

import (
	"context"
	"testing"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/worker"
)

// TestTooManyTombstonesFailsAtOnce checks that a read failure caused by
// tombstones (reason READ_TOO_MANY_TOMBSTONES) fails its subrange at the
// first attempt, since every replica holds the same tombstones, with an
// error that says so and what to change; other read failures are retried.
// (On protocol v4 the reason is only in the message; the scanner's
// TestTombstoneFailure covers that form against cqlsim.)
func TestTooManyTombstonesFailsAtOnce(t *testing.T) {
	tombstones := &gocql.RequestErrReadFailure{NumFailures: 1, ErrorMap: gocql.ErrorMap{"10.0.0.1": 0x0001}}
	tasks, rows := table(5, 20, 1, 3)
	f := newFake(rows, 10)
	f.fail = func(r request) error {
		if r.rangeID == 2 && r.n == 2 {
			return tombstones
		}
		return nil
	}
	st, err := worker.Run(context.Background(), fastRetries(worker.Config{Concurrency: 1}), tasks, f, newCollectSink(), worker.Hooks{})
	var re *worker.RangeError
	require.ErrorAs(t, err, &re)
	assert.ErrorIs(t, err, worker.ErrTooManyTombstones)
	assert.ErrorIs(t, err, tombstones, "the server's error is kept")
	assert.Equal(t, 2, re.ID)
	assert.Equal(t, 1, re.Attempts, "not retried on the other replicas")
	assert.Zero(t, st.Retries)
	assert.Len(t, f.requestsOf(2), 2)
	for _, want := range []string{"too many tombstones", "tombstone_failure_threshold", "--page-size", "--splits"} {
		assert.Contains(t, err.Error(), want)
	}

	// Any other reason (here READ_SIZE, 0x0004) is retried as before.
	f = newFake(rows, 10)
	f.fail = func(r request) error {
		if r.rangeID == 2 && r.n == 2 {
			return &gocql.RequestErrReadFailure{NumFailures: 1, ErrorMap: gocql.ErrorMap{"10.0.0.1": 0x0004}}
		}
		return nil
	}
	st, err = worker.Run(context.Background(), fastRetries(worker.Config{Concurrency: 1}), tasks, f, newCollectSink(), worker.Hooks{})
	require.NoError(t, err)
	assert.Equal(t, map[string]int64{"read_failure": 1}, st.RetriesByKind)
}
