package cqlsim

import (
	"bytes"
	"encoding/binary"
	"math/big"
	"sort"
	"sync"

	"github.com/google/btree"

	"github.com/ringscan/ringscan/internal/cqltype"
)

// tok is a token as a zero-based unsigned 128-bit position on the ring, so
// that both partitioners order the same way and the minimum token is the
// zero tok: Murmur3 token t is lo = uint64(t) ^ 1<<63; a RandomPartitioner
// token v (minimum -1, row tokens 0..2^127) is v+1.
type tok struct{ hi, lo uint64 }

func (a tok) cmp(b tok) int {
	switch {
	case a.hi < b.hi:
		return -1
	case a.hi > b.hi:
		return 1
	case a.lo < b.lo:
		return -1
	case a.lo > b.lo:
		return 1
	}
	return 0
}

// maxTok is the top of the ring.
var maxTok = tok{hi: ^uint64(0), lo: ^uint64(0)}

func murmurTok(t int64) tok { return tok{lo: uint64(t) ^ 1<<63} }

// next is the token after a (a is not the top of the ring).
func (a tok) next() tok {
	if a.lo == ^uint64(0) {
		return tok{hi: a.hi + 1}
	}
	return tok{hi: a.hi, lo: a.lo + 1}
}

func (a tok) murmur() int64 { return int64(a.lo ^ 1<<63) }

var maxTok128 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1))

// bigTok maps a RandomPartitioner token to a tok, clamping values outside
// the ring to its ends.
func bigTok(b *big.Int) tok {
	v := new(big.Int).Add(b, big.NewInt(1))
	switch {
	case v.Sign() < 0:
		return tok{}
	case v.Cmp(maxTok128) > 0:
		v = maxTok128
	}
	var buf [16]byte
	v.FillBytes(buf[:])
	return tok{hi: binary.BigEndian.Uint64(buf[:8]), lo: binary.BigEndian.Uint64(buf[8:])}
}

func (a tok) big() *big.Int {
	var buf [16]byte
	binary.BigEndian.PutUint64(buf[:8], a.hi)
	binary.BigEndian.PutUint64(buf[8:], a.lo)
	return new(big.Int).Sub(new(big.Int).SetBytes(buf[:]), big.NewInt(1))
}

// row is one CQL row of a partition: its clustering cells followed by its
// regular cells, each as a protocol [bytes] (length -1 for null), in the
// table's cell order. A deleted row stays as a tombstone.
type row struct {
	cells []byte
	dead  bool
}

// partition holds the rows of one partition key in clustering order.
type partition struct {
	tok  tok
	key  []byte // the serialized partition key (composite for several columns)
	pk   []byte // the partition key cells, packed like row cells
	rows []row
}

func lessPartition(a, b *partition) bool {
	if c := a.tok.cmp(b.tok); c != 0 {
		return c < 0
	}
	return bytes.Compare(a.key, b.key) < 0
}

// store is a table's data: partitions ordered by token, then key bytes.
type store struct {
	mu    sync.RWMutex
	tree  *btree.BTreeG[*partition]
	byKey map[string]*partition
}

func newStore() *store {
	return &store{tree: btree.NewG(32, lessPartition), byKey: map[string]*partition{}}
}

// packCells packs values as consecutive [bytes].
func packCells(dst []byte, vals [][]byte) []byte {
	for _, v := range vals {
		dst = cqltype.AppendValue(dst, v)
	}
	return dst
}

// nextCell splits the first cell off packed cells. null is a nil value.
func nextCell(b []byte) (v, rest []byte) {
	n := int32(binary.BigEndian.Uint32(b))
	if n < 0 {
		return nil, b[4:]
	}
	return b[4 : 4+n : 4+n], b[4+n:]
}

// skipCells returns the suffix of b after n cells.
func skipCells(b []byte, n int) []byte {
	for range n {
		_, b = nextCell(b)
	}
	return b
}

// unpackCells splits n cells.
func unpackCells(b []byte, n int) [][]byte {
	out := make([][]byte, n)
	for i := range n {
		out[i], b = nextCell(b)
	}
	return out
}

// cellsPrefixLen is the byte length of the first n cells of b.
func cellsPrefixLen(b []byte, n int) int { return len(b) - len(skipCells(b, n)) }

// compareCK compares the clustering prefixes of two packed rows under the
// table's clustering order.
func (t *table) compareCK(a, b []byte) int {
	for _, c := range t.ck {
		var va, vb []byte
		va, a = nextCell(a)
		vb, b = nextCell(b)
		r := cqltype.Compare(c.typ, va, vb)
		if c.desc {
			r = -r
		}
		if r != 0 {
			return r
		}
	}
	return 0
}

// findRow returns the index of the row whose clustering equals ck (packed
// clustering cells) and whether it exists.
func (t *table) findRow(p *partition, ck []byte) (int, bool) {
	n := len(p.rows)
	// Fast path: appends in clustering order.
	if n > 0 {
		if c := t.compareCK(p.rows[n-1].cells, ck); c < 0 {
			return n, false
		} else if c == 0 {
			return n - 1, true
		}
	}
	i := sort.Search(n, func(i int) bool { return t.compareCK(p.rows[i].cells, ck) >= 0 })
	return i, i < n && t.compareCK(p.rows[i].cells, ck) == 0
}

// getOrCreatePartition returns the partition of key, creating it. The
// store's write lock is held.
// pk holds the partition key cells, packed.
func (s *store) getOrCreatePartition(key, pk []byte, tk tok) *partition {
	if p := s.byKey[string(key)]; p != nil {
		return p
	}
	p := &partition{tok: tk, key: bytes.Clone(key), pk: bytes.Clone(pk)}
	s.byKey[string(p.key)] = p
	s.tree.ReplaceOrInsert(p)
	return p
}

// upsert writes a row. ck holds the clustering values; regular maps a cell
// index (among regular columns, 0-based) to its value, nil meaning null. The
// store's write lock is held.
func (t *table) upsert(p *partition, ck [][]byte, regular map[int][]byte) {
	ckPacked := packCells(nil, ck)
	i, found := t.findRow(p, ckPacked)
	cells := make([][]byte, len(t.regular))
	if found && !p.rows[i].dead {
		old := unpackCells(skipCells(p.rows[i].cells, len(t.ck)), len(t.regular))
		copy(cells, old)
	}
	for idx, v := range regular {
		cells[idx] = v
	}
	packed := packCells(ckPacked, cells)
	if found {
		p.rows[i] = row{cells: packed}
		return
	}
	p.rows = append(p.rows, row{})
	copy(p.rows[i+1:], p.rows[i:])
	p.rows[i] = row{cells: packed}
}

// tombstone turns r into a row tombstone: it keeps the clustering cells and
// nulls the regular ones. The store's write lock is held.
func (t *table) tombstone(r *row) {
	n := cellsPrefixLen(r.cells, len(t.ck))
	r.cells = packCells(r.cells[:n:n], make([][]byte, len(t.regular)))
	r.dead = true
}

// position is where a page stopped: after the row with clustering ck of
// the partition key.
type position struct {
	tok tok
	key []byte
	ck  []byte // packed clustering cells of the last row examined
}
