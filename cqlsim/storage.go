package cqlsim

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/big"
	"sort"
	"sync"
	"sync/atomic"

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

// boundTok is a token bound of a query: t is where it falls among the
// partitions' tokens, and out, for a RandomPartitioner bound outside
// what a tok holds (below -1, the minimum token, or far above 2^127,
// which bigTok clamps), its value. Cassandra takes any varint as a bound
// (TokenFactory.fromByteArray validates nothing) and compares two bounds
// by value, and only -1 itself is the minimum token, so -2 is a bound
// before the minimum, not the minimum. Against a partition's token the
// clamped t compares as the value would: no partition's token is -1 or
// past 2^127.
type boundTok struct {
	t   tok
	out *big.Int // nil when t is the bound's value
}

// randomBound is the bound of RandomPartitioner value b.
func randomBound(b *big.Int) boundTok {
	t := bigTok(b)
	if t.big().Cmp(b) != 0 {
		return boundTok{t: t, out: b}
	}
	return boundTok{t: t}
}

// cmp compares two bounds by value.
func (a boundTok) cmp(b boundTok) int {
	if a.out == nil && b.out == nil {
		return a.t.cmp(b.t)
	}
	return a.value().Cmp(b.value())
}

// value is a RandomPartitioner bound's value.
func (a boundTok) value() *big.Int {
	if a.out != nil {
		return a.out
	}
	return a.t.big()
}

// isMin reports whether the bound is the minimum token (Token.isMinimum).
func (a boundTok) isMin() bool { return a.out == nil && a.t == (tok{}) }

func (a tok) big() *big.Int {
	var buf [16]byte
	binary.BigEndian.PutUint64(buf[:8], a.hi)
	binary.BigEndian.PutUint64(buf[8:], a.lo)
	return new(big.Int).Sub(new(big.Int).SetBytes(buf[:]), big.NewInt(1))
}

// noTS is the timestamp of something never written, as Cassandra's
// Long.MIN_VALUE: no write, no deletion.
const noTS int64 = math.MinInt64

// cellMeta is when a cell (or a row's primary key liveness) was written.
type cellMeta struct {
	// ts is the write timestamp in microseconds; noTS when nothing was
	// written, or what was written is shadowed by a deletion.
	ts int64
	// exp is the local expiration time in seconds since the epoch (a TTL's
	// end); 0 when the cell does not expire.
	exp int64
	// ttl is the TTL in seconds the cell was written with; 0 for none.
	ttl int32
}

// expired reports whether the cell has expired at now (seconds since the
// epoch): Cassandra's cell is live while now < localDeletionTime.
func (m cellMeta) expired(now int64) bool { return m.exp != 0 && m.exp <= now }

// rowMeta is a row's write history: what last-write-wins, expiry,
// writetime() and ttl() need. Rows the demo loader writes have none.
type rowMeta struct {
	// marker is the primary key liveness an INSERT writes; marker.ts is
	// noTS for a row only UPDATEs wrote (it lives while a cell lives).
	marker cellMeta
	// del is the timestamp of the row's deletion; noTS for none. Cells and
	// markers written at or before it are shadowed.
	del int64
	// cells holds one entry per value cell; nil when no cell has a
	// history (all noTS), as in a deleted row. A null value with ts set is
	// a cell tombstone.
	cells []cellMeta
	// minExp is the earliest expiration among the marker and the cells
	// with a value; 0 when nothing expires.
	minExp int64
}

// row is one CQL row of a partition (or a partition's static row): its
// clustering cells (none for the static row) followed by its value cells,
// each as a protocol [bytes] (length -1 for null), in the table's cell
// order. A cell that holds no live value, because it was never written,
// was deleted or is shadowed, is null; an expired cell keeps its value
// until a read at a later time sees it null. A deleted row stays as a
// tombstone.
type row struct {
	cells []byte
	// dead is set when the row holds no value and no primary key
	// liveness: a deleted row, or one with only cell tombstones.
	dead bool
	// meta is the row's write history; nil for rows written by the demo
	// loader: every value written at the store's baseTS, without TTL, and
	// the row alive.
	meta *rowMeta
}

// partition holds the rows of one partition key in clustering order.
type partition struct {
	tok  tok
	key  []byte // the serialized partition key (composite for several columns)
	pk   []byte // the partition key cells, packed like row cells
	rows []row
	// static is the static row (static cells only, no clustering prefix);
	// nil until a static column is written.
	static *row
	// del is the timestamp of the partition's deletion; noTS for none.
	del int64
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
	// baseTS is the write timestamp (microseconds) of rows without a
	// history: those the demo loader writes.
	baseTS int64
	// gen counts the writes (lockWrite): what was computed from the data
	// at one count holds until the next write.
	gen atomic.Uint64
}

// lockWrite locks the store for a write, which changes its generation.
func (s *store) lockWrite() {
	s.mu.Lock()
	s.gen.Add(1)
}

func newStore(baseTS int64) *store {
	return &store{tree: btree.NewG(32, lessPartition), byKey: map[string]*partition{}, baseTS: baseTS}
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
func (t *table) compareCK(a, b []byte) int { return t.comparePrefix(a, b, len(t.ck)) }

// comparePrefix compares the first n clustering cells of two packed rows
// under the table's clustering order.
func (t *table) comparePrefix(a, b []byte, n int) int {
	for _, c := range t.ck[:n] {
		var va, vb []byte
		va, a = nextCell(a)
		vb, b = nextCell(b)
		if r := compareCell(c, va, vb); r != 0 {
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
	p := &partition{tok: tk, key: bytes.Clone(key), pk: bytes.Clone(pk), del: noTS}
	s.byKey[string(p.key)] = p
	s.tree.ReplaceOrInsert(p)
	return p
}

// upsert writes a row as the demo loader does: without history, at the
// store's base timestamp. ck holds the clustering values; regular maps a
// cell index (among regular columns, 0-based) to its value, nil meaning
// null. The store's write lock is held.
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
	p.insertRow(i, row{cells: packed})
}

// insertRow inserts r at index i of p's rows.
func (p *partition) insertRow(i int, r row) {
	p.rows = append(p.rows, row{})
	copy(p.rows[i+1:], p.rows[i:])
	p.rows[i] = r
}

// tombstone turns r, a row of the demo loader, into a row tombstone
// deleted at the store's base timestamp: it keeps the clustering cells and
// nulls the regular ones. The store's write lock is held.
func (t *table) tombstone(r *row, ts int64) {
	t.deleteRow(r, len(t.ck), len(t.regular), ts, ts)
}

// mutation is what one statement writes into one row, or into a
// partition's static row.
type mutation struct {
	ts  int64 // the write timestamp
	ttl int32 // 0 for none
	exp int64 // the expiration time (seconds) for ttl; 0 for none
	// marker is set by INSERT: the row's primary key liveness.
	marker bool
	cells  []cellWrite
}

// cellWrite is one cell of a mutation: a value (nil writes a cell
// tombstone) or, for counters, an increment.
type cellWrite struct {
	idx     int // the value cell index within the row
	val     []byte
	counter bool
	add     int64
}

// history returns r's history, making it from the defaults of a row
// without one (alive, every value written at base) so that it can change.
// r's first prefix cells are its clustering, nvals value cells follow.
func (r *row) history(prefix, nvals int, base int64) *rowMeta {
	if r.meta != nil {
		return r.meta
	}
	m := &rowMeta{marker: cellMeta{ts: base}, del: noTS, cells: make([]cellMeta, nvals)}
	vals := skipCells(r.cells, prefix)
	for i := range nvals {
		var v []byte
		v, vals = nextCell(vals)
		m.cells[i].ts = noTS
		if v != nil {
			m.cells[i].ts = base
		}
	}
	r.meta = m
	return m
}

// cell returns the history of value cell i.
func (h *rowMeta) cell(i int) cellMeta {
	if h.cells == nil {
		return cellMeta{ts: noTS}
	}
	return h.cells[i]
}

// setCell sets the history of value cell i of nvals.
func (h *rowMeta) setCell(i, nvals int, m cellMeta) {
	if h.cells == nil {
		h.cells = make([]cellMeta, nvals)
		for k := range h.cells {
			h.cells[k].ts = noTS
		}
	}
	h.cells[i] = m
}

// apply merges m into r, whose first prefix cells are its clustering and
// whose nvals value cells follow, as Cassandra reconciles writes: a cell
// keeps the write with the highest timestamp (on a tie a tombstone beats an
// expiring cell, which beats a live one, and then the larger value wins), a
// counter adds its increment unless a counter tombstone ended it, and
// nothing at or before a deletion of the row (or of the partition, shadow)
// applies. base is the timestamp of a row without history. The store's
// write lock is held.
func (t *table) apply(r *row, prefix, nvals int, m *mutation, shadow, base int64) {
	h := r.history(prefix, nvals, base)
	if m.ts <= max(h.del, shadow) {
		return
	}
	if m.marker {
		nm := cellMeta{ts: m.ts, exp: m.exp, ttl: m.ttl}
		if markerWins(h.marker, nm) {
			h.marker = nm
		}
	}
	cells := unpackCells(r.cells, prefix+nvals)
	vals := cells[prefix:]
	for _, w := range m.cells {
		old, om := vals[w.idx], h.cell(w.idx)
		if w.counter {
			if old == nil && om.ts != noTS {
				continue // a deleted counter stays deleted (CASSANDRA-7346)
			}
			var n int64
			if len(old) == 8 {
				n = int64(binary.BigEndian.Uint64(old))
			}
			vals[w.idx] = binary.BigEndian.AppendUint64(nil, uint64(n+w.add))
			h.setCell(w.idx, nvals, cellMeta{ts: max(om.ts, m.ts)})
			continue
		}
		nm := cellMeta{ts: m.ts}
		if w.val != nil {
			nm.exp, nm.ttl = m.exp, m.ttl
		}
		if cellWins(old, om, w.val, nm) {
			vals[w.idx] = w.val
			h.setCell(w.idx, nvals, nm)
		}
	}
	r.cells = packCells(nil, cells)
	r.settle(prefix, nvals)
}

// markerWins reports whether liveness nw supersedes old (Cassandra's
// LivenessInfo.supersedes, without expiry at read time).
func markerWins(old, nw cellMeta) bool {
	if old.ts == noTS || nw.ts != old.ts {
		return nw.ts > old.ts
	}
	if (old.exp != 0) != (nw.exp != 0) {
		return nw.exp != 0
	}
	return nw.exp > old.exp
}

// cellWins reports whether the write (nv, nm) beats the cell (ov, om), as
// Cassandra's Cells.resolveRegular: the higher timestamp; on a tie a
// tombstone or expiring cell beats a live one, a tombstone beats an
// expiring one, the later expiration wins, and then the larger value.
func cellWins(ov []byte, om cellMeta, nv []byte, nm cellMeta) bool {
	if om.ts == noTS || nm.ts != om.ts {
		return nm.ts > om.ts
	}
	oldDel, newDel := ov == nil || om.exp != 0, nv == nil || nm.exp != 0
	if oldDel || newDel {
		if oldDel != newDel {
			return newDel
		}
		if (ov == nil) != (nv == nil) {
			return nv == nil
		}
		if om.exp != nm.exp {
			return nm.exp > om.exp
		}
	}
	return bytes.Compare(nv, ov) >= 0
}

// settle recomputes r's dead flag and earliest expiration after a change.
func (r *row) settle(prefix, nvals int) {
	h := r.meta
	h.minExp = 0
	live := h.marker.ts != noTS
	if live && h.marker.exp != 0 {
		h.minExp = h.marker.exp
	}
	vals := skipCells(r.cells, prefix)
	for i := range nvals {
		var v []byte
		v, vals = nextCell(vals)
		if v == nil {
			continue
		}
		live = true
		if e := h.cell(i).exp; e != 0 && (h.minExp == 0 || e < h.minExp) {
			h.minExp = e
		}
	}
	r.dead = !live
}

// deleteRow deletes r at timestamp ts: the marker and the cells written at
// or before ts are dropped, as a row tombstone shadows them. The store's
// write lock is held.
func (t *table) deleteRow(r *row, prefix, nvals int, ts, base int64) {
	h := r.history(prefix, nvals, base)
	if ts <= h.del {
		return
	}
	h.del = ts
	if h.marker.ts <= ts {
		h.marker = cellMeta{ts: noTS}
	}
	cells := unpackCells(r.cells, prefix+nvals)
	kept := false
	for i := range nvals {
		if h.cell(i).ts <= ts {
			cells[prefix+i] = nil
			if h.cells != nil {
				h.cells[i] = cellMeta{ts: noTS}
			}
		} else {
			kept = true
		}
	}
	if !kept {
		h.cells = nil
	}
	r.cells = packCells(nil, cells)
	r.settle(prefix, nvals)
}

// view is a row as a read at now (seconds) sees it: its cells with the
// expired ones null, whether it holds live data, and how many tombstones
// Cassandra's read would count for it (ReadCommand's MetricRecording: one
// per dead or expired cell, or one for a deleted row that has none).
func (r *row) view(prefix, nvals int, now int64) (cells []byte, live bool, tombstones int) {
	h := r.meta
	if h == nil {
		return r.cells, !r.dead, 0
	}
	expiring := h.minExp != 0 && h.minExp <= now
	vals := skipCells(r.cells, prefix)
	live = h.marker.ts != noTS && !h.marker.expired(now)
	var out [][]byte
	if expiring {
		out = unpackCells(r.cells, prefix+nvals)
	}
	for i := range nvals {
		var v []byte
		v, vals = nextCell(vals)
		switch {
		case v == nil:
			if h.cell(i).ts != noTS {
				tombstones++
			}
		case h.cell(i).expired(now):
			tombstones++
			if expiring {
				out[prefix+i] = nil
			}
		default:
			live = true
		}
	}
	cells = r.cells
	if expiring {
		cells = packCells(nil, out)
	}
	if !live && tombstones == 0 && (h.del != noTS || h.marker.expired(now)) {
		tombstones = 1
	}
	return cells, live, tombstones
}

// position is where a page stopped: after the row with clustering ck of
// the partition key.
type position struct {
	tok tok
	key []byte
	ck  []byte // packed clustering cells of the last row examined
}
