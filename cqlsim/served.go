package cqlsim

import (
	"maps"
	"sync"
)

// Served counts what a node coordinated for one table: the server-side
// record of routing, which a client cannot fake.
type Served struct {
	// Requests counts the statements the node coordinated on the table:
	// reads and writes (each statement of a batch), failed ones included.
	Requests int64
	// Reads counts the SELECTs (one per page request).
	Reads int64
	// NonReplica counts the reads of data the node does not replicate: a
	// page whose token range, from where it started to where it stopped,
	// overlaps a ring range of which the node holds no replica, or a read
	// by partition key of a partition it does not replicate. Such reads
	// pay Latency.NonReplica.
	NonReplica int64
	// RowsExamined counts the stored rows the node's reads stepped over:
	// each clustering row a read visited, live, deleted or rejected by a
	// filter, and each static row it read. A read of a clustering slice
	// seeks to the slice and stops at its end, as Cassandra's does, so it
	// examines about the rows it returns, not the partition's.
	RowsExamined int64
}

// servedCounts is a node's Served per table.
type servedCounts struct {
	mu sync.Mutex
	m  map[string]Served
}

func (s *servedCounts) add(ks, table string, read, nonReplica bool) {
	s.count(ks, table, read, nonReplica, 0)
}

// addRead counts a read that examined rows.
func (s *servedCounts) addRead(ks, table string, nonReplica bool, examined int64) {
	s.count(ks, table, true, nonReplica, examined)
}

func (s *servedCounts) count(ks, table string, read, nonReplica bool, examined int64) {
	if ks == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]Served{}
	}
	key := ks + "." + table
	v := s.m[key]
	v.Requests++
	if read {
		v.Reads++
	}
	if nonReplica {
		v.NonReplica++
	}
	v.RowsExamined += examined
	s.m[key] = v
}

// Served returns what the node has coordinated since it started (or since
// ResetServed), per table, keyed "keyspace.table" as stored (unquoted).
// System tables count too; DESCRIBE counts as system.describe, the table
// its result metadata names.
func (n *Node) Served() map[string]Served {
	n.served.mu.Lock()
	defer n.served.mu.Unlock()
	return maps.Clone(n.served.m)
}

// ResetServed clears the node's Served counts.
func (n *Node) ResetServed() {
	n.served.mu.Lock()
	defer n.served.mu.Unlock()
	n.served.m = nil
}

// Served sums every node's Served counts per table.
func (c *Cluster) Served() map[string]Served {
	out := map[string]Served{}
	for _, n := range c.nodes {
		for k, v := range n.Served() {
			t := out[k]
			t.Requests += v.Requests
			t.Reads += v.Reads
			t.NonReplica += v.NonReplica
			t.RowsExamined += v.RowsExamined
			out[k] = t
		}
	}
	return out
}
