// Package ring is the token-ring arithmetic of ringscan: it splits a
// Cassandra or ScyllaDB ring into subranges that can be scanned
// concurrently, each routed to a replica that holds it. It is pure: no
// driver types, no I/O, only the standard library. An adapter elsewhere
// converts the driver's hosts and schema into Host, Replication and
// SizeEstimate values.
//
// # Tokens
//
// A partitioner hashes each partition key to a token; Token values of one
// partitioner are totally ordered. Two partitioners are supported:
//
//   - Murmur3Partitioner: int64 tokens. The ring's minimum, math.MinInt64,
//     is never a row's token, so the full ring is (MinInt64, MaxInt64],
//     2^64-1 tokens: one more than int64 can count.
//   - RandomPartitioner: integer tokens in [0, 2^127]; the minimum is -1, so
//     the full ring is (-1, 2^127].
//
// A Token is an opaque comparable value holding its partitioner and its
// zero-based position (distance from the minimum) as an unsigned 128-bit
// integer, as scylla-manager's dht maps int64 tokens to "zero based" uint64:
// widths and split points never overflow. Partitioner.ParseToken reads the
// strings drivers report (host tokens, size estimates); Token.String prints
// them back; Token.BindValue gives the CQL bind value for token(pk): an
// int64 (bigint) or a *big.Int (varint). Partitioner.TokenOf reads a
// token(pk) value back. Other partitioners (ByteOrderedPartitioner,
// OrderPreservingPartitioner, ...) are refused by ParsePartitioner.
//
// # Ranges
//
// A Range is (Start, End]: Start excluded, End included, as in Cassandra,
// and it never wraps. Ring.VnodeRanges lists the ranges between consecutive
// host tokens in token order; the one that wraps past the maximum,
// (last, first], is split into (last, Max] and (Min, first], which keep the
// replicas of first. They cover (Min, Max] exactly once. A range scans as
//
//	SELECT ... WHERE token(pk) > ? AND token(pk) <= ?
//
// with Range.Bounds as bind values. The first range starts at Min, and
// "token(pk) > Min" excludes no row since Min is no row's token; the last
// ends at Max, inclusive (a "< Max" bound would skip one token).
//
// # Replicas
//
// New builds a Ring from hosts with their DC, rack and tokens. Under a
// keyspace's Replication (ParseReplication reads the driver's replication
// map) every vnode range has a replica set, primary first, computed as the
// servers do: SimpleStrategy takes the next distinct hosts clockwise;
// NetworkTopologyStrategy follows Cassandra's and ScyllaDB's one-pass walk
// with its rack rule (see Ring.Replicas); LocalStrategy and
// EverywhereStrategy list every host. Scylla tablets keyspaces are not
// modeled: their replicas are per tablet, not per vnode.
//
// # Splitting
//
// Ring.Split returns a Plan of n subranges, n from SplitConfig.Splits but
// never fewer than the vnode ranges (and more with SplitConfig.MaxBytes,
// below). Each vnode range gets a number of
// subranges in proportion to its weight (at least one, at most its width in
// tokens) and is cut into that many near-equal parts, so a subrange never
// crosses a vnode boundary and keeps one replica set. Each Subrange carries
// its Range, its Replicas (with SplitConfig.LocalDC, replicas in that data
// center first, or only them with LocalDCOnly), its ring Share, an optional
// Estimate and an ID: its index in token order, stable for the same ring and
// config. Plan.Fingerprint hashes the bounds so that a checkpoint can tell a
// different plan.
//
// # Size estimates
//
// Without estimates a range's weight is its ring share. With
// SplitConfig.Estimates (system.size_estimates rows from every node), each
// vnode range gets a data density per token from the estimate rows
// overlapping it (averaged where rows overlap, so duplicates are harmless),
// measured in bytes (partitions × mean partition size), or in partitions
// when all sizes are zero. Its weight becomes 75% its share of the
// estimated data plus 25% its ring share: more subranges where there is
// more data, and no range starved by an estimate that calls it empty (a
// subrange is then at most 4 times the size a ring-share split would give).
// Ranges no row covers get the average density. The estimates are ignored,
// and the split falls back to ring share, when they cannot be trusted:
//
//   - a row has a negative count or size, or a token of another partitioner;
//   - the rows cover less than 90% of the ring;
//   - they add up to zero (empty table) or to no finite amount;
//   - one vnode range claims more than 100 times the average density.
//
// Plan.EstimatesUsed and Plan.EstimatesIgnored report which rule applied.
//
// SplitConfig.MaxBytes, with estimates that are used, bounds a subrange's
// estimated bytes: a vnode range whose share of Splits would leave its
// subranges larger gets ceil(its bytes / MaxBytes) of them (at most its
// width), so that the plan may exceed Splits, but never MaxSplits: past it
// the bound is loosened, to the least that keeps the plan within it. It
// sizes the requests that read a subrange whole, such as a count(*) on the
// server. It bounds bytes: estimates without sizes (mean size 0
// everywhere), which weigh the split by partitions, bound nothing.
//
// # Scan order and sharding
//
// Plan.Subranges are in token order, so consecutive subranges share
// replicas. Plan.Shuffle(seed) returns a deterministic order that interleaves
// the primaries evenly, so concurrent workers start on different hosts.
// Plan.Shard(i, n) keeps every n-th subrange from i: n processes running
// shards 0..n-1 of the same plan read every subrange exactly once.
package ring
