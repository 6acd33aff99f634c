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
// Config.PageBytes bytes (1 MiB by default, as ScyllaDB caps pages). The
// paging state is opaque, checksummed, names its table, carries no
// server-side session and works on any node.
//
// # Data model
//
// cqlsim follows Cassandra 4.1 for what scanned tables hold:
//
//   - Static columns: one static row per partition, shared by its rows.
//     SELECT * lists columns as Cassandra's allColumnsInSelectOrder does:
//     partition key, clustering, static columns, regular columns, each
//     group by name. A partition with static values and no live row reads
//     as one row with null clustering and regular values when the query
//     reads whole partitions (no clustering or non-key restriction), before
//     its rows; a page that ends on it resumes at the next partition, and a
//     page resumed inside a partition never repeats it. SELECT DISTINCT
//     returns a partition's key and static values.
//   - User-defined types: CREATE, ALTER (ADD, RENAME) and DROP TYPE with
//     Cassandra's checks and messages; frozen UDT columns anywhere a type
//     goes, non-frozen ones outside the primary key (col.field = v updates
//     a field); {field: value} literals and bind values; the UDT [option]
//     in result and bind metadata; system_schema.types rows as Cassandra
//     writes them. A non-frozen UDT or collection is stored as one cell:
//     its fields or elements have no timestamps of their own.
//   - Counters: counter tables (every non-key column a counter),
//     c = c + n and c = c - n, counter batches, and Cassandra's refusals
//     (INSERT, setting a counter, TTL, USING TIMESTAMP, mixing counter and
//     other columns or statements). A deleted counter stays deleted.
//   - Write timestamps and TTLs: USING TIMESTAMP and TTL, the client's
//     default timestamp (flag 0x20 of QUERY, EXECUTE and BATCH), else a
//     server timestamp that never repeats; default_time_to_live;
//     writetime() and ttl(). Each cell keeps its timestamp and expiry, and
//     writes reconcile as Cassandra's Cells.resolveRegular does: the
//     higher timestamp wins; on a tie a tombstone beats an expiring cell,
//     which beats a live one, then the larger value. A deletion shadows
//     what was written at or before its timestamp, even if it arrives
//     later. Expiry follows Config.Clock (time.Now by default): an expired
//     cell reads as null, and a row whose cells and primary key liveness
//     (an INSERT's) all expired is gone.
//
// # Tombstones
//
// Deleted rows stay as tombstones (a single-row DELETE writes one even
// where no row is), and expired cells count as tombstones too. How reads
// meet them is Config.TombstoneMode:
//
//   - TombstonesScylla (the default) follows ScyllaDB: a page stops after
//     Config.TombstoneBudget rows without live data, possibly empty, with
//     a paging state to go on. It is the default because an empty page
//     that is not the last one is the paging contract clients most often
//     get wrong, so every test that meets tombstones exercises it.
//   - TombstonesCassandra follows Cassandra 4.1 (read_thresholds_enabled
//     off, its default): a page scans through tombstones, each read counts
//     them as ReadCommand does (one per dead or expired cell, one for a
//     deleted row without cells, none for rows a partition deletion
//     shadows), answers the client warning "Read N live rows and M
//     tombstone cells for query ...; token T (see tombstone_warn_threshold)"
//     (header flag 0x08) past Config.TombstoneWarnThreshold, and fails past
//     Config.TombstoneFailureThreshold with ReadFailure (0x1300, v4 body)
//     "Operation failed - received 0 responses and 1 failures:
//     READ_TOO_MANY_TOMBSTONES from /<replica>:7000". count(*) counts per
//     internal page of 10000 rows, as Cassandra's aggregation does.
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
// levels are accepted but not simulated, and there are no SSTables, commit
// log or compaction (tombstones are never purged). Range deletions delete
// the rows they cover, without range tombstones. Secondary indexes,
// materialized views, user-defined functions, INSERT JSON, SELECT JSON,
// PER PARTITION LIMIT, collection element operations, and lightweight
// transactions other than INSERT ... IF NOT EXISTS are refused with a clear
// Invalid error.
package cqlsim
