package cqlsim

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ringscan/ringscan/cqlsim/internal/cqlparse"
	"github.com/ringscan/ringscan/internal/cqltype"
)

// scan builds one page of a SELECT.
type scan struct {
	c       *Cluster
	p       *selectPlan
	filters []boundFilter
	// rowFilters are the filters every row is checked against: those the
	// clustering slices do not stand for (clusteringSlices).
	rowFilters []boundFilter
	pageSize   int // 0: no paging
	// countPage is the size, in rows counted, of the internal pages of
	// count(*), over which tombstones are counted one at a time; 0 for
	// one read of everything.
	countPage int
	remaining int32 // LIMIT left, -1 for none
	now       int64 // the read's time in seconds: what has expired

	w       rowsWriter
	more    bool
	last    position
	counted int64
	read    readSpan
	// dead counts, in TombstonesScylla mode, the rows without live data
	// the page stepped over.
	dead int
	// reads counts, in TombstonesCassandra mode, the tombstones and live
	// rows of the current read (a page, or an internal page of count(*))
	// as Cassandra's ReadCommand does, and warnings collects the client
	// warnings of the reads that passed the warning threshold.
	reads    tombstoneCount
	warnings []string
	// err is set when a read failed, past the tombstone failure threshold.
	err error
	// lastTok is the token of the partition read last.
	lastTok tok
	// cellBuf is reused to split a row's cells.
	cellBuf [][]byte
	// slices are the runs of the clustering order each partition read
	// visits; nil for whole partitions. ranges is reused to map them to
	// a partition's rows.
	slices []ckSlice
	ranges []rowRange
	// examined counts the stored rows the read stepped over: clustering
	// rows visited (live, deleted or rejected by a filter) and static rows
	// read.
	examined int64
	// marks are the emitted rows' places in w.buf and their clustering,
	// kept when the rows are sorted after the read (selectPlan.postOrder).
	marks []rowMark
}

// rowMark is one emitted row: w.buf[start:end], of clustering ck (packed;
// nil for a static row).
type rowMark struct {
	start, end int
	ck         []byte
}

// readSpan is the data a page read, for telling whether its coordinator
// replicates it: token ranges, or, for reads by partition key, the tokens
// of the partitions looked up.
type readSpan struct {
	spans  []tokSpan
	points []tok
}

// tokSpan is the tokens from..to, to inclusive.
type tokSpan struct {
	from, to tok
	fromIncl bool
}

// tombstoneCount is what one read met.
type tombstoneCount struct{ tombstones, live int }

// tokenRange is the evaluated token restriction of a scan.
type tokenRange struct {
	lo, hi         tok
	loIncl, hiIncl bool
	hiUnbounded    bool
	empty          bool
}

func (r *tokenRange) aboveLo(t tok) bool {
	c := t.cmp(r.lo)
	return c > 0 || (c == 0 && r.loIncl)
}

func (r *tokenRange) belowHi(t tok) bool {
	if r.hiUnbounded {
		return true
	}
	c := t.cmp(r.hi)
	return c < 0 || (c == 0 && r.hiIncl)
}

// evalToken evaluates a token bound: a bound bigint/varint, a literal, or
// token(values...).
func (c *Cluster) evalToken(t *table, term cqlparse.Term, vals [][]byte) (boundTok, error) {
	if fc, ok := term.(*cqlparse.FuncCall); ok && fc.Name == "token" {
		cells := make([][]byte, len(t.pk))
		for i, a := range fc.Args {
			v, err := c.eval(a, t.pk[i].name, t.pk[i].typ, vals)
			if err != nil {
				return boundTok{}, err
			}
			if v == nil {
				return boundTok{}, invalidf("Invalid null value for partition key part %s", t.pk[i].name)
			}
			cells[i] = v
		}
		_, tk := c.partitionKey(cells)
		return boundTok{t: tk}, nil
	}
	v, err := c.eval(term, "partition key token", c.tokenType(), vals)
	if err != nil {
		return boundTok{}, err
	}
	if v == nil {
		return boundTok{}, invalidf("Invalid null value for the partition key token")
	}
	return c.tokenValue(v)
}

// tokenRange evaluates the token restrictions as Cassandra does
// (StatementRestrictions.getPartitionKeyBoundsForTokenRestrictions): a
// missing bound is the minimum token, inclusive. Two bounds, neither the
// minimum, whose end is not after the start (or is on it, a bound
// exclusive) make an empty range. Otherwise the range (start, end] is
// read as a node's storage reads it (the memtable's
// getPartitionsSubMap): from the start, or the ring's start when the
// start is the minimum; up to the end, or the ring's end when the end is
// the minimum. So "token(k) > x AND token(k) < minimum" reads from x to
// the end, both bounds the minimum read the whole ring ([min, min]
// included), and a RandomPartitioner end below the minimum (-2) reads no
// partition, whatever the start: Cassandra's Range(min, -2) wraps around,
// but one node's memtable reads it up to -2. (A cluster whose ring splits
// it among replicas fails the read instead, its last piece (last token,
// -2] an inverted subMap; sstables would return every partition. And a
// start below the minimum with no end, (-2, min], goes to the replicas
// of the minimum token alone, which return only the partitions they
// hold. cqlsim answers as one node with its data in memtables does.)
func (s *scan) tokenRange(vals [][]byte) (tokenRange, error) {
	r := tokenRange{loIncl: true, hiUnbounded: true}
	if s.p.lo == nil && s.p.hi == nil {
		return r, nil
	}
	lo, hi, err := s.tokenBounds(vals)
	if err != nil {
		return r, err
	}
	loIncl := s.p.lo == nil || s.p.lo.inclusive
	hiIncl := s.p.hi == nil || s.p.hi.inclusive
	if !lo.isMin() && !hi.isMin() {
		if c := lo.cmp(hi); c > 0 || (c == 0 && !(loIncl && hiIncl)) {
			r.empty = true
			return r, nil
		}
	}
	// No partition's token is the minimum: from the minimum, inclusive or
	// not, is from the ring's start.
	r.lo, r.loIncl = lo.t, loIncl
	if !hi.isMin() {
		r.hi, r.hiIncl, r.hiUnbounded = hi.t, hiIncl, false
	}
	return r, nil
}

// tokenFilter keeps the partitions named by key (candidateKeys) whose
// token the token relations take, as Cassandra's TokenFilter does when
// every partition key column is restricted by = or IN: the tokens from
// the start bound to the end bound; when the start is after the end, the
// tokens up to the end and those from the start (the range wraps); none
// when both are the same token and one is exclusive. The bounds compare
// by value (Guava ranges of tokens); the minimum token has no meaning of
// its own here, unlike in a read of token ranges.
func (s *scan) tokenFilter(cands []*partition, vals [][]byte) ([]*partition, error) {
	lo, hi := s.p.lo, s.p.hi
	if lo == nil && hi == nil {
		return cands, nil
	}
	from, to, err := s.tokenBounds(vals)
	if err != nil {
		return nil, err
	}
	afterStart := func(t tok) bool { c := t.cmp(from.t); return c > 0 || (c == 0 && lo.inclusive) }
	beforeEnd := func(t tok) bool { c := t.cmp(to.t); return c < 0 || (c == 0 && hi.inclusive) }
	// How the bounds combine is decided once, not for each partition.
	var takes func(tok) bool
	switch c := from.cmp(to); {
	case hi == nil:
		takes = afterStart
	case lo == nil:
		takes = beforeEnd
	case c == 0 && !(lo.inclusive && hi.inclusive):
		takes = func(tok) bool { return false }
	case c <= 0:
		takes = func(t tok) bool { return afterStart(t) && beforeEnd(t) }
	default:
		takes = func(t tok) bool { return afterStart(t) || beforeEnd(t) }
	}
	return slices.DeleteFunc(cands, func(p *partition) bool { return !takes(p.tok) }), nil
}

// tokenBounds evaluates the token relations' start and end bounds, the
// minimum token for one missing.
func (s *scan) tokenBounds(vals [][]byte) (lo, hi boundTok, err error) {
	if s.p.lo != nil {
		if lo, err = s.c.evalToken(s.p.t, s.p.lo.term, vals); err != nil {
			return lo, hi, err
		}
	}
	if s.p.hi != nil {
		hi, err = s.c.evalToken(s.p.t, s.p.hi.term, vals)
	}
	return lo, hi, err
}

// candidateKeys evaluates a fully restricted partition key into the sorted
// list of partitions to read.
func (s *scan) candidateKeys(vals [][]byte) ([]*partition, error) {
	t := s.p.t
	lists := make([][][]byte, len(t.pk))
	for i, terms := range s.p.pkTerms {
		col := t.pk[i]
		for _, term := range terms {
			if m, ok := term.(*cqlparse.BindMarker); ok && slices.Contains(s.p.pkIn, m) {
				cands, err := s.c.inCandidates(m, col.name, col.typ, vals)
				if err != nil {
					return nil, err
				}
				lists[i] = append(lists[i], cands...)
				continue
			}
			v, err := s.c.eval(term, col.name, col.typ, vals)
			if err != nil {
				if err == errUnset {
					return nil, invalidf("Invalid unset value for column %s", col.name)
				}
				return nil, err
			}
			lists[i] = append(lists[i], v)
		}
	}
	var out []*partition
	cells := make([][]byte, len(t.pk))
	var rec func(i int) error
	rec = func(i int) error {
		if i == len(lists) {
			for j, v := range cells {
				if v == nil {
					return invalidf("Invalid null value in condition for column %s", t.pk[j].name)
				}
			}
			key, tk := s.c.partitionKey(cells)
			if len(key) == 0 {
				return errEmptyKey
			}
			out = append(out, &partition{tok: tk, key: bytes.Clone(key), pk: packCells(nil, cells)})
			return nil
		}
		for _, v := range lists[i] {
			cells[i] = v
			if err := rec(i + 1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := rec(0); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *partition) int {
		if c := a.tok.cmp(b.tok); c != 0 {
			return c
		}
		return bytes.Compare(a.key, b.key)
	})
	return slices.CompactFunc(out, func(a, b *partition) bool { return bytes.Equal(a.key, b.key) }), nil
}

// data pages through a stored table from position from.
func (s *scan) data(vals [][]byte, from position, started bool) error {
	t := s.p.t
	st := t.store
	var cands []*partition
	var tr tokenRange
	var err error
	if s.p.pkTerms != nil {
		if cands, err = s.candidateKeys(vals); err != nil {
			return err
		}
		if cands, err = s.tokenFilter(cands, vals); err != nil {
			return err
		}
	} else if tr, err = s.tokenRange(vals); err != nil {
		return err
	}
	if s.slices, s.rowFilters, err = t.clusteringSlices(s.filters); err != nil {
		return err
	}
	st.mu.RLock()
	defer st.mu.RUnlock()
	// resume emits part's rows after the paging state's clustering
	// (before it, reading in reverse).
	resume := func(part *partition) bool {
		s.lastTok = part.tok
		if len(from.ck) == 0 && len(t.ck) > 0 {
			return true // the last page ended on the partition's static row
		}
		return s.partition(part, from.ck)
	}
	visit := func(part *partition) bool {
		s.lastTok = part.tok
		if started && part.tok == from.tok && bytes.Equal(part.key, from.key) {
			return resume(part)
		}
		return s.partition(part, nil)
	}
	if cands != nil {
		if err := s.byKeys(cands, from, started, resume, visit); err != nil {
			return err
		}
		return s.err
	}
	if tr.empty {
		return nil
	}
	if !started {
		s.read.spans = []tokSpan{{from: tr.lo, fromIncl: tr.loIncl, to: tr.hi}}
		if tr.hiUnbounded {
			s.read.spans[0].to = maxTok
		}
		s.walk(&partition{tok: tr.lo}, tr, visit)
		s.trimSpan()
		return s.err
	}
	// Resuming, Cassandra's range pager (PartitionRangeQueryPager.
	// makeKeyBounds) reads (last key, end bound of the statement sent]:
	// the statement's start bound is not looked at, and a last key past
	// the end bound makes a range that wraps around the ring, read from
	// the last key to the top and from the bottom to the end bound.
	resumed := tr
	resumed.loIncl, resumed.lo = true, from.tok
	pivot := &partition{tok: from.tok, key: from.key}
	if tr.hiUnbounded || from.tok.cmp(tr.hi) <= 0 {
		s.read.spans = []tokSpan{{from: from.tok, fromIncl: true, to: tr.hi}}
		if tr.hiUnbounded {
			s.read.spans[0].to = maxTok
		}
		s.walk(pivot, resumed, visit)
		s.trimSpan()
		return s.err
	}
	s.read.spans = []tokSpan{{from: from.tok, fromIncl: true, to: maxTok}, {from: tok{}, fromIncl: true, to: tr.hi}}
	top := resumed
	top.hiUnbounded = true
	if s.walk(pivot, top, visit) {
		bottom := tr
		bottom.lo, bottom.loIncl = tok{}, true
		s.walk(&partition{}, bottom, visit)
	} else {
		s.read.spans = s.read.spans[:1]
	}
	s.trimSpan()
	return s.err
}

// walk visits the partitions of tr from pivot on; it reports whether it
// reached tr's end without the page filling up.
func (s *scan) walk(pivot *partition, tr tokenRange, visit func(*partition) bool) bool {
	complete := true
	s.p.t.store.tree.AscendGreaterOrEqual(pivot, func(part *partition) bool {
		if !tr.aboveLo(part.tok) {
			return true
		}
		if !tr.belowHi(part.tok) {
			return false
		}
		if !visit(part) {
			complete = false
			return false
		}
		return true
	})
	return complete && !s.more
}

// trimSpan ends the read span where the page stopped.
func (s *scan) trimSpan() {
	if s.more && len(s.read.spans) > 0 {
		s.read.spans[len(s.read.spans)-1].to = s.last.tok
	}
}

// byKeys reads the partitions of a fully restricted partition key. A
// paging state resumes as Cassandra's pagers do: with one partition
// (SinglePartitionPager) after the state's clustering, whatever the
// state's partition key; with several (MultiPartitionPager) from the
// partition whose key the state names, and with no partition at all when
// none has that key.
func (s *scan) byKeys(cands []*partition, from position, started bool, resume, visit func(*partition) bool) error {
	st := s.p.t.store
	first := 0
	if started && len(cands) > 1 {
		first = slices.IndexFunc(cands, func(c *partition) bool { return bytes.Equal(c.key, from.key) })
		if first < 0 {
			return nil
		}
	}
	for i, cand := range cands[first:] {
		s.read.points = append(s.read.points, cand.tok)
		part := st.byKey[string(cand.key)]
		if part == nil {
			continue
		}
		var more bool
		if started && i == 0 {
			more = resume(part)
		} else {
			more = visit(part)
		}
		if !more {
			return nil
		}
	}
	return nil
}

// rowCells are the cells of one row that filters and selectors read: the
// partition key's, the row's (clustering, then regular) and the static
// row's. A nil slice reads as nulls.
type rowCells struct {
	pk, cells, statics [][]byte
}

// of returns col's cell.
func (rc rowCells) of(col *column) []byte {
	var cells [][]byte
	switch col.kind {
	case kindPartitionKey:
		cells = rc.pk
	case kindStatic:
		cells = rc.statics
	default:
		cells = rc.cells
	}
	if cells == nil {
		return nil
	}
	return cells[col.cell]
}

// matchAll reports whether rc passes every filter.
func matchAll(filters []boundFilter, rc rowCells) bool {
	for i := range filters {
		if !filters[i].match(rc) {
			return false
		}
	}
	return true
}

// staticView returns p's static cells as a read at now sees them (nil
// without static row) and whether they hold live data.
func (t *table) staticView(p *partition, now int64) ([]byte, bool) {
	if p.static == nil {
		return nil, false
	}
	cells, live, _ := p.static.view(0, len(t.static), now)
	return cells, live
}

// anyLive reports whether p has a live row.
func (t *table) anyLive(p *partition, now int64) bool {
	for i := range p.rows {
		if _, live, _ := p.rows[i].view(len(t.ck), len(t.regular), now); live {
			return true
		}
	}
	return false
}

// partition emits the rows of part its read visits: those of the
// clustering slices, in clustering order or, reversed, from the last to the
// first. after is the clustering an earlier page ended on inside part (nil
// for none): the read resumes strictly after it in its own direction. It
// returns false when the page is complete or the read failed.
//
// A partition with no live row but live static cells is one row of its
// key and static values, all else null, when the query reads whole
// partitions, as Cassandra's SelectStatement.processPartition returns it;
// it comes before the partition's (dead) rows, and a page resumed inside a
// partition never repeats it, as Cassandra's pager skips a previously
// returned partition that has no rows left.
func (s *scan) partition(part *partition, after []byte) bool {
	t := s.p.t
	resumed := after != nil
	cassandra := s.c.cfg.TombstoneMode == TombstonesCassandra
	pkCells := unpackCells(part.pk, len(t.pk))
	var statics []byte
	var staticCells [][]byte
	staticLive := false
	if part.static != nil {
		var tombs int
		s.examined++
		statics, staticLive, tombs = part.static.view(0, len(t.static), s.now)
		if staticLive {
			staticCells = unpackCells(statics, len(t.static))
		}
		if cassandra && !resumed && !s.countRead(tombs, staticLive, part) {
			return false
		}
	}
	if s.p.distinct {
		if resumed || !(staticLive || t.anyLive(part, s.now)) {
			return true
		}
		return s.output(part, rowCells{pk: pkCells, statics: staticCells}, nil, nil, statics)
	}
	if !resumed && staticLive && s.p.fullPartitions && !t.anyLive(part, s.now) {
		if !s.output(part, rowCells{pk: pkCells, statics: staticCells}, nil, nil, statics) {
			return false
		}
	}
	s.ranges = t.rowRanges(part, s.slices, s.ranges)
	if resumed {
		// findRow is the first row at or after the clustering.
		cut, found := t.findRow(part, after)
		for i := range s.ranges {
			r := &s.ranges[i]
			switch {
			case s.p.reversed:
				r.hi = min(r.hi, cut)
			case found:
				r.lo = max(r.lo, cut+1)
			default:
				r.lo = max(r.lo, cut)
			}
		}
	}
	rc := rowCells{pk: pkCells, statics: staticCells}
	if s.p.reversed {
		for i := len(s.ranges) - 1; i >= 0; i-- {
			for ri := s.ranges[i].hi - 1; ri >= s.ranges[i].lo; ri-- {
				if !s.row(part, &part.rows[ri], rc, statics) {
					return false
				}
			}
		}
		return true
	}
	for _, r := range s.ranges {
		for ri := r.lo; ri < r.hi; ri++ {
			if !s.row(part, &part.rows[ri], rc, statics) {
				return false
			}
		}
	}
	return true
}

// row reads one clustering row r of part: it counts its tombstones and
// emits it if live. rc holds the partition's key and static cells, statics
// the packed static cells. It returns false when the page is complete or
// the read failed.
func (s *scan) row(part *partition, r *row, rc rowCells, statics []byte) bool {
	t := s.p.t
	s.examined++
	nvals := len(t.regular)
	cells, live, tombs := r.view(len(t.ck), nvals, s.now)
	if s.c.cfg.TombstoneMode == TombstonesCassandra && !(r.dead && part.del != noTS && r.meta != nil && r.meta.del <= part.del) {
		// Rows a partition deletion shadows are never seen by a read:
		// the merge drops them.
		if !s.countRead(tombs, live, part) {
			return false
		}
	}
	if !live {
		// Only rows without live data use up the budget: rows a filter
		// rejects are live data, as in Cassandra.
		s.dead++
		if s.c.cfg.TombstoneMode != TombstonesCassandra && s.pageSize > 0 && s.dead >= s.c.cfg.TombstoneBudget {
			s.stop(part, ckOf(r.cells, len(t.ck)))
			return false
		}
		return true
	}
	if len(s.rowFilters) > 0 || !s.p.wholeRow {
		s.cellBuf = unpackInto(s.cellBuf, cells, len(t.ck)+nvals)
		rc.cells = s.cellBuf
	}
	return s.output(part, rc, cells, r, statics)
}

// staticPos is the clustering of a position on a partition's static row:
// no cell, which no row of a table with clustering columns has.
var staticPos = []byte{}

// countRead adds a row's tombstones (and the row, if live) to the current
// read in TombstonesCassandra mode, and fails the read past the failure
// threshold; it returns false when it did.
func (s *scan) countRead(tombs int, live bool, part *partition) bool {
	if live {
		s.reads.live++
	}
	if tombs == 0 || isSystemKeyspace(s.p.t.keyspace) {
		return true
	}
	s.reads.tombstones += tombs
	if s.reads.tombstones > s.c.cfg.TombstoneFailureThreshold {
		s.err = &tombstoneError{c: s.c, t: s.p.t, tok: part.tok}
		return false
	}
	return true
}

// endRead closes the current read in TombstonesCassandra mode: past the
// warning threshold it adds Cassandra's client warning.
func (s *scan) endRead() {
	if s.c.cfg.TombstoneMode != TombstonesCassandra || isSystemKeyspace(s.p.t.keyspace) {
		return
	}
	if s.reads.tombstones > s.c.cfg.TombstoneWarnThreshold {
		s.warnings = append(s.warnings, fmt.Sprintf("Read %d live rows and %d tombstone cells for query %.512s; token %s (see tombstone_warn_threshold)",
			s.reads.live, s.reads.tombstones, s.readText(), s.c.tokenString(s.lastTok)))
	}
	s.reads = tombstoneCount{}
}

// readText is the query a read's warning names, in the shape of
// Cassandra's ReadCommand.toCQLString (the columns read, the table, the
// page's limit); cqlsim does not rebuild the WHERE clause.
func (s *scan) readText() string {
	t := s.p.t
	cols := "*"
	if !s.p.star {
		var names []string
		for _, o := range s.p.out {
			if o.col != nil {
				names = append(names, o.col.name)
			}
		}
		cols = strings.Join(names, ", ")
	}
	q := "SELECT " + cols + " FROM " + t.qualified()
	if limit := max(s.pageSize, s.countPage); limit > 0 {
		q += " LIMIT " + strconv.Itoa(limit)
	}
	return q
}

// output emits one live row that passed the filters, or counts it, and
// applies LIMIT and the page's bounds; it returns false when the page is
// complete. cells are the row's packed cells and r its history, both nil
// for a partition's static row; statics are the packed static cells (nil
// without static row).
func (s *scan) output(part *partition, rc rowCells, cells []byte, r *row, statics []byte) bool {
	if len(s.rowFilters) > 0 && !matchAll(s.rowFilters, rc) {
		return true
	}
	if s.p.count {
		s.counted++
		if s.countPage > 0 && s.c.cfg.TombstoneMode == TombstonesCassandra && s.counted%int64(s.countPage) == 0 {
			s.endRead() // an internal page of the aggregation ends
		}
	} else {
		start := len(s.w.buf)
		s.emit(part, rc, cells, r, statics)
		if s.p.postOrder {
			var ck []byte
			if cells != nil {
				ck = ckOf(cells, len(s.p.t.ck))
			}
			s.marks = append(s.marks, rowMark{start: start, end: len(s.w.buf), ck: ck})
		}
	}
	if s.remaining > 0 {
		s.remaining--
		if s.remaining == 0 {
			s.more = false
			return false
		}
	}
	if s.pageSize > 0 && (int(s.w.count) >= s.pageSize || (s.c.cfg.PageBytes > 0 && s.w.bytes >= s.c.cfg.PageBytes)) {
		if r == nil {
			s.stop(part, staticPos)
		} else {
			s.stop(part, ckOf(r.cells, len(s.p.t.ck)))
		}
		return false
	}
	return true
}

// unpackInto splits n packed cells into dst, reusing it.
func unpackInto(dst [][]byte, b []byte, n int) [][]byte {
	dst = dst[:0]
	for range n {
		var v []byte
		v, b = nextCell(b)
		dst = append(dst, v)
	}
	return dst
}

// ckOf is the clustering prefix of packed row cells.
func ckOf(cells []byte, nck int) []byte { return cells[:cellsPrefixLen(cells, nck)] }

// stop ends the page after the row with clustering ck of part (empty for
// its static row), the last row examined, with more to read.
func (s *scan) stop(part *partition, ck []byte) {
	s.more = true
	s.last = position{tok: part.tok, key: part.key, ck: ck}
}

// emit appends one result row: cells are the row's packed clustering and
// regular cells (nil for the static row), r its history, statics the
// packed static cells (nil for none).
func (s *scan) emit(part *partition, rc rowCells, cells []byte, r *row, statics []byte) {
	t := s.p.t
	before := len(s.w.buf)
	s.w.count++
	if s.p.wholeRow {
		if len(t.static) == 0 {
			s.w.buf = append(s.w.buf, part.pk...)
			s.w.buf = append(s.w.buf, cells...)
		} else {
			s.w.buf = t.starRow(s.w.buf, part, cells, statics)
		}
		s.w.bytes += len(s.w.buf) - before
		return
	}
	if rc.cells == nil && cells != nil {
		rc.cells = unpackCells(cells, len(t.ck)+len(t.regular))
	}
	for _, o := range s.p.out {
		switch o.kind {
		case outToken:
			s.w.buf = cqltype.AppendValue(s.w.buf, s.c.tokenBytes(part.tok))
		case outColumn:
			s.w.buf = cqltype.AppendValue(s.w.buf, rc.of(o.col))
		case outWritetime, outTTL:
			s.w.buf = cqltype.AppendValue(s.w.buf, s.cellTime(o, rc.of(o.col), part, r))
		}
	}
	s.w.bytes += len(s.w.buf) - before
}

// cellTime is writetime(col) (bigint microseconds) or ttl(col) (int
// seconds left) for the value v of a row with history r (nil for the
// static row), or null: for a null value, and ttl() of a cell that does
// not expire.
func (s *scan) cellTime(o outCol, v []byte, part *partition, r *row) []byte {
	if v == nil {
		return nil
	}
	t := s.p.t
	if o.col.kind == kindStatic {
		r = part.static
	}
	m := cellMeta{ts: t.store.baseTS}
	if r != nil && r.meta != nil {
		m = r.meta.cell(o.col.value(t))
	}
	if o.kind == outWritetime {
		return binary.BigEndian.AppendUint64(nil, uint64(m.ts))
	}
	if m.exp == 0 {
		return nil
	}
	return binary.BigEndian.AppendUint32(nil, uint32(int32(m.exp-s.now)))
}

// starRow appends the cells of SELECT * for a row of p: the partition key,
// the clustering and regular cells of cells (nulls when cells is nil, for
// the static row) and the static cells of statics (nulls when nil).
func (t *table) starRow(dst []byte, p *partition, cells, statics []byte) []byte {
	dst = append(dst, p.pk...)
	n := 0
	if cells == nil {
		dst = appendNulls(dst, len(t.ck))
	} else {
		n = cellsPrefixLen(cells, len(t.ck))
		dst = append(dst, cells[:n]...)
	}
	if statics == nil {
		dst = appendNulls(dst, len(t.static))
	} else {
		dst = append(dst, statics...)
	}
	if cells == nil {
		return appendNulls(dst, len(t.regular))
	}
	return append(dst, cells[n:]...)
}

// appendNulls appends n null [bytes].
func appendNulls(dst []byte, n int) []byte {
	for range n {
		dst = cqltype.AppendValue(dst, nil)
	}
	return dst
}

// tokenBytes serializes a token as token() returns it.
func (c *Cluster) tokenBytes(t tok) []byte {
	if c.random {
		b, _ := cqltype.Encode(cqltype.Type{Kind: cqltype.Varint}, t.big())
		return b
	}
	return binary.BigEndian.AppendUint64(nil, uint64(t.murmur()))
}

// sortRows sorts the emitted rows of all partitions on their first
// orderLen clustering columns, in the clustering order or against it, and
// keeps the first limit (-1 for all), as Cassandra's orderResults and trim
// do for IN with ORDER BY. The sort is stable: rows that tie stay in the
// order read. A static row (no clustering) sorts before the rows.
func (s *scan) sortRows(limit int32) {
	t := s.p.t
	n := s.p.orderLen
	cmpRows := func(a, b rowMark) int {
		if a.ck == nil || b.ck == nil {
			return cmpBool(a.ck != nil, b.ck != nil)
		}
		r := t.comparePrefix(a.ck, b.ck, n)
		if s.p.reversed {
			return -r
		}
		return r
	}
	slices.SortStableFunc(s.marks, cmpRows)
	if limit >= 0 && len(s.marks) > int(limit) {
		s.marks = s.marks[:limit]
	}
	buf := make([]byte, 0, len(s.w.buf))
	for _, m := range s.marks {
		buf = append(buf, s.w.buf[m.start:m.end]...)
	}
	s.w.buf, s.w.count = buf, int32(len(s.marks))
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
