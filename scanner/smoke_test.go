package scanner_test

import (
	"context"
	"sync"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim"
	"github.com/ringscan/ringscan/internal/rowsum"
	"github.com/ringscan/ringscan/scanner"
	"github.com/ringscan/ringscan/sink"
)

func TestSmokeDemoChecksum(t *testing.T) {
	ctx := context.Background()
	c, err := cqlsim.Start(ctx, cqlsim.Config{Port: cqlsim.AutoPort, TombstoneBudget: 100})
	require.NoError(t, err)
	defer c.Close()
	info, err := c.LoadDemo(ctx, cqlsim.DemoConfig{Rows: 50000})
	require.NoError(t, err)
	cl := gocql.NewCluster(c.Hosts()...)
	cl.Port = c.Port()
	cl.Timeout = 10 * time.Second
	s, err := cl.CreateSession()
	require.NoError(t, err)
	defer s.Close()
	sc, err := scanner.New(s, scanner.Config{Keyspace: "ringscan_demo", Table: "events", PageSize: 500})
	require.NoError(t, err)
	var mu sync.Mutex
	var sum rowsum.Sum
	start := time.Now()
	st, err := sc.Run(ctx, sink.SinkFunc(func(_ context.Context, b *sink.Batch) error {
		mu.Lock()
		defer mu.Unlock()
		vals := make([][]byte, len(b.Columns))
		for i := 0; i < b.Len(); i++ {
			for j := range vals {
				vals[j] = b.Value(i, j)
			}
			sum.Add(vals)
		}
		return nil
	}))
	require.NoError(t, err)
	t.Logf("rows %d pages %d empty %d ranges %d in %v", st.Rows, st.Pages, st.EmptyPages, st.Ranges, time.Since(start))
	require.Equal(t, uint64(info.Rows), sum.Rows)
	require.Equal(t, info.Checksum, sum.Hash)
}
