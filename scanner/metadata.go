package scanner

import (
	"context"
	"fmt"
	"slices"
	"sync"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/ringscan/ringscan/internal/cqlident"
	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/internal/schema"
	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/sink"
)

// column is a table column as the scanner needs it.
type column struct {
	name string
	typ  cqltype.Type
	desc bool // clustering order DESC
	col  schema.Column
	out  sink.Column // the column as sinks see it
}

// columnsOf converts schema columns.
func columnsOf(cs []schema.Column) ([]column, error) {
	out := make([]column, len(cs))
	for i, c := range cs {
		sc, err := sink.NewWireColumn(c.Name, c.Type.AppendOption(nil))
		if err != nil {
			return nil, err
		}
		out[i] = column{name: c.Name, typ: c.Type, desc: c.Desc, col: c, out: sc}
	}
	return out, nil
}

// tableInfo is what the scanner knows of the table: its schema, as
// internal/schema reads it, and its replication.
type tableInfo struct {
	keyspace, name string
	repl           ring.Replication
	pk, ck         []column
	schema         *schema.Table
}

// loadTable reads the table's schema from the driver's keyspace metadata.
// Unknown keyspaces, tables and columns get errors listing what exists.
func loadTable(ctx context.Context, s *gocql.Session, ks, table string) (*tableInfo, error) {
	st, err := schema.LoadSystem(ctx, s, ks, table)
	if err != nil {
		return nil, err
	}
	repl, err := ring.ParseReplication(st.Replication)
	if err != nil {
		return nil, fmt.Errorf("keyspace %q: %w", ks, err)
	}
	t := &tableInfo{keyspace: ks, name: table, repl: repl, schema: st}
	if t.pk, err = columnsOf(st.PartitionKey); err != nil {
		return nil, fmt.Errorf("table %s.%s: %w", ks, table, err)
	}
	if t.ck, err = columnsOf(st.Clustering); err != nil {
		return nil, fmt.Errorf("table %s.%s: %w", ks, table, err)
	}
	return t, nil
}

// columns resolves the requested column names, or all columns.
func (t *tableInfo) columns(names []string) ([]column, error) {
	cs, err := t.schema.Columns(names)
	if err != nil {
		return nil, err
	}
	cols, err := columnsOf(cs)
	if err != nil {
		return nil, fmt.Errorf("table %s.%s: %w", t.keyspace, t.name, err)
	}
	return cols, nil
}

// loadRing builds the token ring from the driver's hosts.
func loadRing(s *gocql.Session) (*ring.Ring, error) {
	hosts := s.GetHosts()
	if len(hosts) == 0 {
		return nil, fmt.Errorf("the driver knows no hosts")
	}
	name := ""
	for _, h := range hosts {
		if p := h.Partitioner(); p != "" {
			name = p
			break
		}
	}
	if name == "" {
		return nil, fmt.Errorf("no host reports its partitioner")
	}
	p, err := ring.ParsePartitioner(name)
	if err != nil {
		return nil, err
	}
	rh := make([]ring.Host, 0, len(hosts))
	for _, h := range hosts {
		host := ring.Host{ID: h.HostID(), Address: h.ConnectAddress().String(), DC: h.DataCenter(), Rack: h.Rack()}
		for _, ts := range h.Tokens() {
			tk, err := p.ParseToken(ts)
			if err != nil {
				return nil, fmt.Errorf("host %s: %w", host.Address, err)
			}
			host.Tokens = append(host.Tokens, tk)
		}
		rh = append(rh, host)
	}
	return ring.New(p, rh)
}

// sizeEstimates reads system.size_estimates from every host (each holds
// its own primary ranges), all at once.
func sizeEstimates(ctx context.Context, s *gocql.Session, r *ring.Ring, ks, table string) []ring.SizeEstimate {
	p := r.Partitioner()
	hosts := r.Hosts()
	per := make([][]ring.SizeEstimate, len(hosts))
	var wg sync.WaitGroup
	for i, h := range hosts {
		wg.Go(func() {
			iter := s.Query(schema.Unprepared(`SELECT range_start, range_end, partitions_count, mean_partition_size FROM system.size_estimates WHERE keyspace_name = ` +
				cqlident.Literal(ks) + ` AND table_name = ` + cqlident.Literal(table))).SetHostID(h.ID).IterContext(ctx)
			var start, end string
			var count, mean int64
			for iter.Scan(&start, &end, &count, &mean) {
				st, err1 := p.ParseToken(start)
				en, err2 := p.ParseToken(end)
				if err1 == nil && err2 == nil {
					per[i] = append(per[i], ring.SizeEstimate{Start: st, End: en, Partitions: count, MeanPartitionSize: mean})
				}
			}
			if iter.Close() != nil {
				per[i] = nil // estimates are a hint; a host without them is skipped
			}
		})
	}
	wg.Wait()
	return slices.Concat(per...)
}
