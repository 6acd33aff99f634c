package partitioner

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// MaxComponentLen is the longest component a composite partition key can
// frame: its length is written in two bytes. Cassandra rejects longer
// partition-key values before it hashes them.
const MaxComponentLen = math.MaxUint16

// ErrMalformedKey is wrapped by the errors of SplitCompositeKey when the key
// is not a composite of the requested number of components.
var ErrMalformedKey = errors.New("malformed composite partition key")

// CompositeKey serializes a multi-column partition key the way Cassandra's
// CompositeType does for partition keys: for each component, a 2-byte
// big-endian length, the bytes, then a 0x00 end-of-component byte. With
// exactly one component it returns the component itself (no framing, and not
// a copy).
//
// Each component must be at most MaxComponentLen bytes long. As in
// Cassandra's CompositeType.build, a longer component's length is written
// modulo 2^16, and SplitCompositeKey cannot take the result apart.
func CompositeKey(components [][]byte) []byte {
	if len(components) == 1 {
		return components[0]
	}
	size := 0
	for _, c := range components {
		size += 2 + len(c) + 1
	}
	out := make([]byte, 0, size)
	for _, c := range components {
		out = AppendComponent(out, c)
	}
	return out
}

// AppendComponent appends one framed component of a composite partition
// key to dst: CompositeKey of several components is the concatenation of
// their AppendComponent, and a caller that has the components at hand
// builds the key into a buffer of its own without allocating.
func AppendComponent(dst, c []byte) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(c)))
	dst = append(dst, c...)
	return append(dst, 0)
}

// SplitCompositeKey is the inverse of CompositeKey for n components: it
// returns the n components of key, or an error wrapping ErrMalformedKey if
// key is not exactly n framed components, each ended by a 0x00 byte. With
// n == 1 it returns key itself as the only component.
//
// The components share key's memory; each has its capacity cut to its
// length, so appending to one never overwrites the key.
func SplitCompositeKey(key []byte, n int) ([][]byte, error) {
	if n < 1 {
		return nil, fmt.Errorf("split composite key: %d components requested, need at least 1", n)
	}
	if n == 1 {
		return [][]byte{key[:len(key):len(key)]}, nil
	}
	// Every component takes at least 3 bytes, so a count the key cannot
	// hold is refused before anything is allocated for it.
	if n > len(key)/3 {
		return nil, fmt.Errorf("%w: %d bytes cannot hold %d components", ErrMalformedKey, len(key), n)
	}

	parts := make([][]byte, 0, n)
	rest := key
	for i := range n {
		if len(rest) < 2 {
			return nil, fmt.Errorf("%w: component %d: length cut short", ErrMalformedKey, i)
		}
		l := int(binary.BigEndian.Uint16(rest))
		rest = rest[2:]
		if l+1 > len(rest) {
			return nil, fmt.Errorf("%w: component %d: length %d, but only %d bytes follow", ErrMalformedKey, i, l, len(rest))
		}
		if eoc := rest[l]; eoc != 0 {
			return nil, fmt.Errorf("%w: component %d: end-of-component byte 0x%02x, want 0x00", ErrMalformedKey, i, eoc)
		}
		parts = append(parts, rest[:l:l])
		rest = rest[l+1:]
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d bytes left after %d components", ErrMalformedKey, len(rest), n)
	}
	return parts, nil
}
