// Package partitioner computes the tokens that Apache Cassandra assigns to
// partition keys, bit for bit, so that a simulated cluster places rows where
// a real one would and a token-range scanner can check which range a row
// belongs to.
//
// # Murmur3Partitioner
//
// Murmur3Token is the token of Cassandra's default partitioner: the first
// 64-bit half of Cassandra's MurmurHash.hash3_x64_128 with seed 0, read as a
// signed int64. Cassandra's port is not the reference MurmurHash3: the
// 16-byte body blocks are read as little-endian longs as usual, but the
// 1 to 15 tail bytes are read as signed Java bytes, so every tail byte of
// 0x80 or more is sign-extended before it is shifted into place. Keys whose
// tail bytes are all below 0x80 hash like the reference; every other key
// hashes differently, which is why a stock MurmurHash3 library cannot be used.
//
// Cassandra never hands out math.MinInt64 as the token of a key: the ring's
// ranges are (start, end], and MinInt64 is the ring's minimum, the start of
// the range that holds everything. A hash of MinInt64 therefore becomes
// math.MaxInt64, and the empty key (which Cassandra refuses to store) gets the
// minimum token itself.
//
// # RandomPartitioner
//
// RandomToken is the token of the older RandomPartitioner: the MD5 digest of
// the key, read as a signed big-endian 128-bit integer, made non-negative
// with Java's BigInteger.abs. Tokens lie in [0, 2^127]; the empty key gets
// the partitioner's minimum token, -1.
//
// # Composite partition keys
//
// A partition key of several columns is hashed in its CompositeType form:
// for each component a 2-byte big-endian length, the component's bytes and an
// end-of-component byte 0x00. A single-column key is hashed as the column's
// serialized value alone, without framing. CompositeKey builds that form from
// serialized column values, and SplitCompositeKey takes it apart again.
//
// Values are serialized as in the native protocol: int as 4 bytes and bigint
// as 8 bytes big-endian, text as UTF-8, and so on. Serializing values is not
// this package's job; it starts from bytes.
//
// # Allocation
//
// Murmur3Token does not allocate and is safe for concurrent use, like every
// function here. The package has no state.
package partitioner
