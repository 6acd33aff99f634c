package worker

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestThrottleCharge checks that rows read beyond those reserved (a count
// on the server answers for a whole subrange), refunded as a negative
// number, are a debt the next reservation waits out, and that a refund of
// nothing changes nothing.
func TestThrottleCharge(t *testing.T) {
	th := newThrottle(10) // 10 rows a second, a burst of 10
	require.NoError(t, th.reserve(t.Context(), 10))
	th.refund(0)
	th.refund(-990) // 1000 rows read for 10 reserved
	assert.Less(t, th.tokens, -989.0)
	// One more row needs about 99 s: a reservation under a short deadline
	// gives up at its deadline.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, th.reserve(ctx, 1), context.DeadlineExceeded)
	var none *throttle
	none.refund(-5) // no cap: nothing to charge
}
