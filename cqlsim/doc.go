// Package cqlsim is an embedded, Cassandra-compatible cluster simulator: it
// serves the CQL native protocol v4 from several nodes on consecutive
// loopback addresses (127.0.0.1, 127.0.0.2, ...), all on one port, so that
// the gocql driver and other standard drivers connect, discover the
// topology, read schema metadata and page through data as they would against
// Apache Cassandra 4.
//
//	c, err := cqlsim.Start(ctx, cqlsim.Config{Nodes: 3, Port: cqlsim.AutoPort})
//	...
//	defer c.Close()
//	info, err := c.LoadDemo(ctx, cqlsim.DemoConfig{Rows: 100000})
//	cluster := gocql.NewCluster(c.Hosts()...)
//	cluster.Port = c.Port()
//
// # Topology
//
// Each node has a host id, a data center and rack, and vnode tokens drawn
// from the seed (Murmur3Partitioner, or RandomPartitioner). system.local and
// system.peers describe it from the coordinator's point of view, exactly as
// drivers read it; system.peers_v2 answers Invalid so that drivers fall back
// to system.peers. Any node coordinates any query. The data lives once,
// shared by all nodes, but every node knows which token ranges it replicates
// under each keyspace's SimpleStrategy or NetworkTopologyStrategy: reads it
// coordinates for ranges it does not replicate pay Latency.NonReplica, so
// that routing to replicas pays off as on a real cluster.
//
// # Protocol
//
// OPTIONS, STARTUP, AUTHENTICATE/AUTH_RESPONSE (PasswordAuthenticator with
// SASL PLAIN; optionally over TLS with Config.TLS), REGISTER with STATUS_CHANGE and SCHEMA_CHANGE events, QUERY,
// PREPARE, EXECUTE (skip_metadata, UNPREPARED for unknown ids) and BATCH,
// with many concurrent streams per connection. A frame in another protocol
// version gets a protocol error "Invalid or unsupported protocol version" in
// a v4 header on stream 0, as Cassandra answers, so drivers negotiate down.
// Malformed frames get a protocol error or a closed connection; a claimed
// length over 256 MB is refused before anything is allocated.
//
// # Storage and paging
//
// Rows are kept in Cassandra's order: by token, then partition key bytes,
// then clustering order (ASC or DESC). Tokens are byte-identical to
// Cassandra's. A page holds at most page_size rows and at most
// Config.PageBytes bytes (1 MiB by default, as ScyllaDB caps pages).
// Deleted rows stay as tombstones: reads skip them, but a page stops after
// Config.TombstoneBudget of them, so a tombstone-heavy range returns empty
// pages with more to follow, as real servers do. The paging state is opaque,
// checksummed, names its table, carries no server-side session and works on
// any node.
//
// # Faults and latency
//
// Latency (fixed plus jitter, plus the non-replica penalty) and injected
// errors (ReadTimeout, Unavailable, Overloaded, ReadFailure, ServerError,
// by rate or on the Nth request) are set per node at start and at run time.
// Node.Down closes a node's listener and connections and the other nodes
// send STATUS_CHANGE DOWN to registered clients; Node.Up brings it back.
// Injected errors only hit user keyspaces, never the system tables drivers
// read to connect.
//
// # What cqlsim is not
//
// Writes are not replicated between nodes (the data exists once), consistency
// levels are accepted but not simulated, TTLs and write timestamps are
// accepted but ignored, and there are no SSTables, commit log or
// compaction. Counters, static columns, secondary indexes, materialized
// views, user-defined types and functions, and lightweight transactions
// other than INSERT ... IF NOT EXISTS are refused with a clear Invalid error.
package cqlsim
