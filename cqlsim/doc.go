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
// from the seed (Murmur3Partitioner, or RandomPartitioner). system.local,
// system.peers and (4.x) system.peers_v2 describe it from the coordinator's
// point of view, exactly as drivers read it. Any node coordinates any
// query. The data lives once, shared by all nodes, but every node knows
// which token ranges it replicates under each keyspace's SimpleStrategy or
// NetworkTopologyStrategy (Cassandra 4's walk, with its rack rule): reads it
// coordinates for data it does not replicate pay Latency.NonReplica, so
// that routing to replicas pays off as on a real cluster.
//
// cqlsim computes tokens and placement with its own code (a 128-bit
// zero-based token, its own ring walk), not with package ring's: the
// scanner routes with ring's placement and the simulator judges it with
// its own, so a bug in either shows as a disagreement instead of passing
// unseen. TestPlacementMatchesRing compares the two on random topologies.
//
// # Which Cassandra
//
// Config.ReleaseVersion (ringscan sim --release-version) picks the release
// whose behaviour cqlsim follows where releases differ; everything else
// follows Cassandra 4.1.
//
//   - 4.1.x (default 4.1.3) and 4.0.x: system.peers_v2 with the columns of
//     Cassandra 4's SystemKeyspace (peer, peer_port, data_center, host_id,
//     native_address, native_port, preferred_ip, preferred_port, rack,
//     release_version, schema_version, tokens) and DESCRIBE; an unknown
//     table is "table X does not exist"; cql_version 3.4.6 (4.0: 3.4.5,
//     and DESCRIBE prints no memtable option).
//   - 3.11.x: no system.peers_v2 (Invalid "unconfigured table peers_v2", as
//     3.11 words every unknown table), DESCRIBE is a syntax error as 3.11's
//     grammar answers it, cql_version 3.4.4.
//
// Apache gocql (v2) reads system.peers_v2 from 4.0 on and falls back to
// system.peers on Invalid; it never sends DESCRIBE. ScyllaDB's fork
// (github.com/scylladb/gocql) always reads system.peers_v2 from a server
// that is not ScyllaDB (it tells them apart by SCYLLA_* keys in SUPPORTED),
// so it cannot connect to a 3.11 cluster, and it reads every keyspace's
// create statements with DESCRIBE KEYSPACE ... WITH INTERNALS, falling back
// to rebuilding them only on a syntax error: an Invalid answer fails its
// metadata refresh, which it then retries before requests. cqlsim/compat/
// scylla tests the fork. There is no ScyllaDB mode: the fork works with a
// Cassandra-like server, and faking ScyllaDB (shard-aware ports,
// SCYLLA_SHARD/SCYLLA_NR_SHARDS, system_schema.scylla_tables, no peers_v2,
// its tombstone and paging rules) would be a second simulator.
//
// DESCRIBE answers KEYSPACES, TABLES, TYPES, FUNCTIONS, AGGREGATES
// (keyspace_name, type, name), [ONLY] KEYSPACE, TABLE, SCHEMA, FULL
// SCHEMA and DESCRIBE name (with create_statement, as 4.1's
// TableMetadata.toCqlString prints it, WITH INTERNALS adding the table
// id), and CLUSTER; TYPE, INDEX, MATERIALIZED VIEW, FUNCTION and AGGREGATE
// name answer Cassandra's "not found" errors, as cqlsim has none. Results
// page by row offset, and a schema change between pages fails the next one,
// as in Cassandra.
//
// # Protocol
//
// OPTIONS, STARTUP, AUTHENTICATE/AUTH_RESPONSE (PasswordAuthenticator with
// SASL PLAIN; optionally over TLS with Config.TLS), REGISTER with STATUS_CHANGE and SCHEMA_CHANGE events, QUERY,
// PREPARE, EXECUTE (skip_metadata, UNPREPARED for unknown ids) and BATCH,
// with many concurrent streams per connection. Frame compression is
// offered as Cassandra 4 offers it (SUPPORTED COMPRESSION snappy, lz4; v4
// body formats): once STARTUP names one, every frame with a body the
// server sends is compressed, the response to STARTUP included, and a
// compressed body that would grow past 256 MB is refused
// before it is decompressed. A frame in another protocol
// version gets a protocol error "Invalid or unsupported protocol version" in
// a v4 header on stream 0, as Cassandra answers, so drivers negotiate down.
// Malformed frames get a protocol error or a closed connection; a claimed
// length over 256 MB is refused before anything is allocated.
//
// # Storage and paging
//
// Rows are kept in Cassandra's order: by token, then partition key bytes,
// then clustering order (ASC or DESC). Tokens are byte-identical to
// Cassandra's. A page holds at most page_size rows, as Cassandra 4.1's
// pages do whatever their bytes; Config.PageBytes also caps its bytes, as
// ScyllaDB does (ScyllaPageBytes, 1 MiB). The
// paging state is opaque, checksummed, carries no server-side session and
// works on any node; a position on a partition's static row (a partition
// with static values only) resumes at the next partition.
//
// Clustering slices seek, as Cassandra's ClusteringIndexSliceFilter does.
// The clustering restrictions on a prefix of the clustering columns
// (equalities and IN, then at most one slice, single-column or in tuple
// form, bounded on one side or both, on ASC, DESC or mixed clustering)
// become slices of the clustering order, computed once per read as
// ClusteringColumnRestrictions builds them; each partition read (the one
// of a single-partition read, each of an IN, or each a range read meets
// when ALLOW FILTERING lets it restrict clustering columns) finds each
// slice by binary search (O(log n) per slice) and stops at its end. A read
// therefore costs the rows of its slices, not of the partition: a piece of
// a 1M-row partition
// does not walk the other rows (Served.RowsExamined counts what reads
// visit). A tuple bound is the disjoint runs it denotes: (c1, c2) > (a, b)
// is c1 > a, or c1 = a and c2 > b, each a run of rows whatever the
// columns' orders, so on mixed ASC/DESC clustering one tuple slice may be
// two runs. Multi-column relations compare element by element in each
// type's natural order, whatever the clustering order. Restrictions past
// that prefix (which need ALLOW FILTERING) are row filters within the
// slices, and every restriction is still checked row by row, so slices
// decide which rows a read looks at, never which it returns. In
// TombstonesCassandra mode a read counts the tombstones of the rows it
// visits: a slice counts those inside it only, as on a real node.
//
// ORDER BY follows Cassandra 4.1's rules and messages: the partition key
// restricted by EQ or IN, clustering columns only, in their declared order
// (a prefix, skipping columns an equality restricts), all in the
// clustering order or all against it. Against it, each partition is read
// backwards, from the last row of its last slice to the first row of its
// first, at the same cost as forward: a page ends on a row, its
// paging state records it and the next page resumes strictly before it
// (a state made by a forward read resumes a reversed one before its
// clustering, and the other way round after it). Statics read as forward:
// every row carries them, and a partition with static values and no live
// row is its one static row. LIMIT counts rows in read order. With IN on
// the partition key, ORDER BY sorts the rows of all the partitions on the
// ordering columns after the read (stably), then applies LIMIT; that read
// cannot be paged, and a paged one is refused with Cassandra's "Cannot page
// queries with both ORDER BY and a IN restriction on the partition key;
// ...", count(*) included.
//
// token() restrictions with every partition key column restricted by EQ
// or IN read the partitions named whose token they take, as Cassandra's
// TokenFilter: a slice of tokens whose start is after its end takes the
// tokens up to the end and those from the start. With some of its columns
// restricted, token() reads the token ranges and filters on them, with
// ALLOW FILTERING only.
//
// # Paging states
//
// As Cassandra's (service/pager/PagingState), a paging state holds the last
// partition key and clustering read and what is left of the LIMIT, and
// nothing of the statement it came from. The native protocol (v4 spec,
// section 8) wants it sent with "the *same* query as the original one or
// the behavior is undefined"; the server does not check, and sent with
// another statement a state does what Cassandra 4.1's pagers make of it:
//
//   - A range read (token restrictions, or none) resumes after the state's
//     partition (or inside it, after its clustering) up to the end bound of
//     the statement it is sent with: (last key, end]. The statement's start
//     bound is not looked at (PartitionRangeQueryPager.makeKeyBounds). So
//     the same statement with a lower end bound reads (last key, new end],
//     and one with an end bound before the last key reads a range that
//     wraps around the ring: from the last key to the top, and from the
//     bottom to the end bound.
//   - A read of one partition resumes after the state's clustering in the
//     statement's own partition, whatever partition the state names
//     (SinglePartitionPager).
//   - A read of several partitions (IN) resumes at the partition the state
//     names, and reads nothing if none has that key (MultiPartitionPager).
//   - Another table: the state's key resumes there just the same; a
//     clustering that does not decode with that table's clustering columns
//     is refused as a malformed state (ProtocolError "Invalid value for the
//     paging state", Cassandra's answer to a state it cannot read).
//
// The page size is read from every request, as Cassandra's pagers take it
// at each page (QueryPager.fetchPage): a state goes on at any page size.
//
// ringscan's worker relies on this: after a split, the owner goes on with
// its statement and its old end bound and drops the rows past the new one
// (worker.Cursor.End).
//
// # Served counters
//
// Node.Served and Cluster.Served tell, per node and table, how many
// requests the node coordinated, how many were reads, and how many of
// those read data it does not replicate (a page's token span, from where it
// started to where it stopped, or a partition looked up). Tests assert
// routing from them rather than from the client's own account. They also
// count the stored rows reads examined (RowsExamined: clustering rows
// visited, live, deleted or rejected by a filter, and static rows read),
// the cost a test can bound to prove a read seeks instead of walking.
//
// # Size estimates
//
// system.size_estimates holds each node's primary ranges (those ending at
// its tokens), computed from the data: exact by default, and computed once
// per state of the data (every write, DELETE and TRUNCATE makes a new
// one; partitions and their sizes are counted from the rows as written,
// expired TTLs included), since reading
// them costs Cassandra next to nothing. As
// Cassandra's are approximations (counted from SSTables, refreshed every 5
// minutes), Config.SizeEstimates can make them snapshots, refreshed
// periodically or by Cluster.RefreshSizeEstimates, and skew each node's
// counts by a factor.
//
// system.prepared_statements lists the statements prepared on the node
// (prepared_id, logged_keyspace, query_string), as Cassandra keeps them
// since 3.10, but for those of a table dropped since, which Cassandra
// evicts; unlike Cassandra, which prepares them again at start-up, a
// restarted node (Node.Up) forgets them.
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
//     READ_TOO_MANY_TOMBSTONES from /<replica>:7000". count(*) counts
//     them per internal page (see Aggregates).
//
// # Aggregates
//
// SELECT count(*) follows Cassandra 4.1's SelectStatement and
// AggregationQueryPager: one row, one bigint column named count, and no
// paging state whatever the page size, since the pager reads to the end
// before it answers. It counts the rows SELECT * would return (a
// partition with static values only is one row when no clustering or
// regular column is restricted; deleted and expired rows are not rows).
// LIMIT applies to the one result row, not to the rows counted
// (getDataLimits gives AGGREGATE_EVERYTHING no row limit). The rows are
// read in internal pages of the query's page size, each a read of its own
// for the tombstone thresholds (ReadCommand counts per command), and
// without paging in one read of everything
// (GroupByPartitionIterator.handlePagingOff). An aggregation with no
// restriction on the partition key answers the client warning
// "Aggregation query used without partition key", and one with IN on it
// "Aggregation query used on multiple partition keys (IN restriction)";
// a token range is a partition key restriction: no warning.
//
// Cassandra gives the whole aggregate one deadline: every internal page
// is sent with the query's start time (fetchSubPage passes
// queryStartNanoTime) and ReadCallback waits for what is left of the
// read or range timeout since then. So does cqlsim: a count(*) is one
// read, whose service time (Capacity.PerRow) charges the rows it
// counted, as a page's rows are charged, and a read that works past
// Config.RangeTimeout (a read of token ranges) or Config.ReadTimeout
// (of partitions named by key) is answered ReadTimeout at the deadline.
//
// # Faults and latency
//
// Latency (fixed plus jitter, plus the non-replica penalty) and injected
// errors (ReadTimeout, Unavailable, Overloaded, ReadFailure, ServerError,
// and OversizedFrame, a RESULT frame past the 256 MiB drivers read, as a
// page of many large rows is; by rate or on the Nth request, of every
// statement or of those whose text holds Fault.Match) are set per node at
// start and at run time.
// Node.Down closes a node's listener and connections and the other nodes
// send STATUS_CHANGE DOWN to registered clients; Node.Up brings it back.
// Injected errors only hit user keyspaces, never the system tables drivers
// read to connect.
//
// # Capacity
//
// A real node serves a bounded number of reads at once (Cassandra's read
// stage has concurrent_reads threads): past them reads queue, then time
// out or are refused, and a node pushed too hard serves every read more
// slowly. Config.Capacity (every node's), Config.NodeCapacity (node by
// node) and Node.SetCapacity model it, for reads of user tables:
//
//   - Capacity.Concurrent reads are served at once; the others wait their
//     turn in a queue, first come first served, on a channel (a waiting
//     read holds no CPU). A read holds its slot while it runs and while
//     its service time passes, and hands it on before its answer is sent.
//   - Capacity.QueueLimit: a read that finds that many waiting is answered
//     Overloaded (0x1001, "Server is in overloaded state. Cannot accept
//     more requests at this point", Cassandra's message) at once, with no
//     latency. NoQueue refuses every read that finds no free slot.
//   - Capacity.QueueTimeout: a read that waited that long is answered
//     ReadTimeout, as Cassandra drops a read that waited past
//     read_request_timeout and the coordinator times out.
//   - The service time is Latency (fixed, jitter, the non-replica
//     penalty) plus Capacity.PerRow for each row of the result and
//     Capacity.PerKiB for each KiB of its body, so that a full page costs
//     more than a short one.
//   - Past Capacity.Knee reads in the node (served or waiting), the
//     service time is multiplied by 1 + Capacity.KneeCost for each read
//     beyond the knee: the collapse of ScyllaDB issue 3856, where range
//     scan throughput falls to about a third of its peak past some
//     concurrency.
//   - A read whose wait and service time beyond Latency pass its deadline
//     (Config.ReadTimeout, 5 s, for a read by key; Config.RangeTimeout,
//     10 s, for a read of token ranges, a count(*) as a whole) is
//     answered ReadTimeout at the deadline, as Cassandra's coordinator
//     answers past read_request_timeout and range_request_timeout; one
//     still waiting for its turn then is dropped from the queue. NoTimeout
//     turns a deadline off.
//
// With no capacity set (the default) every read is served at once, as
// before. Node.Load tells what the reads went through: served and waiting
// now and at the peak, reads answered, Overloaded and timed out, and
// histograms of queue wait and service time; "ringscan sim --metrics-addr"
// serves them as Prometheus metrics. Reads of the system keyspaces never
// queue, as injected faults spare them (see Capacity).
//
// # What cqlsim is not
//
// Writes are not replicated between nodes (the data exists once), consistency
// levels are accepted but not simulated, and there are no SSTables, commit
// log or compaction (tombstones are never purged; the capacity model's
// knee stands in for their cost). Range deletions delete
// the rows they cover, without range tombstones. Secondary indexes,
// materialized views, user-defined functions, INSERT JSON, SELECT JSON,
// PER PARTITION LIMIT, GROUP BY, collection element operations, and
// lightweight transactions other than INSERT ... IF NOT EXISTS are refused
// with a clear Invalid error.
//
// Where cqlsim still differs from Cassandra 4.1 on reads: it refuses
// single-column and multi-column relations mixed on the clustering columns
// (Cassandra 4.x merges c1 = ? AND (c2, c3) > (?, ?); 2.x refused it);
// it does not refuse clustering restrictions on a SELECT of static columns
// only ("Cannot restrict clustering columns when selecting only static
// columns"); and it reads system tables in their clustering order only
// (ORDER BY against it, or with IN, is refused there).
package cqlsim
