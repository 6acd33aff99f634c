package cqlsim

import (
	"bytes"
	"encoding/binary"
	"slices"

	"github.com/ringscan/ringscan/cqlsim/internal/cqlparse"
	"github.com/ringscan/ringscan/internal/cqltype"
)

// scan builds one page of a SELECT.
type scan struct {
	c         *Cluster
	p         *selectPlan
	filters   []boundFilter
	pageSize  int   // 0: no paging
	remaining int32 // LIMIT left, -1 for none

	w       rowsWriter
	more    bool
	last    position
	counted int64
	read    readSpan
	dead    int
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
func (c *Cluster) evalToken(t *table, term cqlparse.Term, vals [][]byte) (tok, error) {
	if fc, ok := term.(*cqlparse.FuncCall); ok && fc.Name == "token" {
		cells := make([][]byte, len(t.pk))
		for i, a := range fc.Args {
			v, err := c.eval(a, t.pk[i].name, t.pk[i].typ, vals)
			if err != nil {
				return tok{}, err
			}
			if v == nil {
				return tok{}, invalidf("Invalid null value for partition key part %s", t.pk[i].name)
			}
			cells[i] = v
		}
		_, tk := c.partitionKey(cells)
		return tk, nil
	}
	v, err := c.eval(term, "partition key token", c.tokenType(), vals)
	if err != nil {
		return tok{}, err
	}
	if v == nil {
		return tok{}, invalidf("Invalid null value for the partition key token")
	}
	return c.tokenValue(v)
}

// tokenRange evaluates the token restrictions as Cassandra does
// (StatementRestrictions.getPartitionKeyBoundsForTokenRestrictions): a
// missing bound is the minimum token, inclusive, and the restriction is the
// ring range from the start bound to the end bound. A range whose end is not
// after its start wraps around the ring: CQL answers it with no rows, unless
// a bound is the minimum token, which then stands for the end of the ring
// ("token(k) > x AND token(k) < minimum" reads from x to the end).
func (s *scan) tokenRange(vals [][]byte) (tokenRange, error) {
	r := tokenRange{loIncl: true, hiUnbounded: true}
	if s.p.lo == nil && s.p.hi == nil {
		return r, nil
	}
	t := s.p.t
	hi, hiIncl := tok{}, true
	if s.p.lo != nil {
		v, err := s.c.evalToken(t, s.p.lo.term, vals)
		if err != nil {
			return r, err
		}
		r.lo, r.loIncl = v, s.p.lo.inclusive
	}
	if s.p.hi != nil {
		v, err := s.c.evalToken(t, s.p.hi.term, vals)
		if err != nil {
			return r, err
		}
		hi, hiIncl = v, s.p.hi.inclusive
	}
	c := r.lo.cmp(hi)
	wraps := c > 0 || (c == 0 && !(r.loIncl && hiIncl))
	switch {
	case !wraps:
		r.hi, r.hiIncl, r.hiUnbounded = hi, hiIncl, false
	case r.lo == (tok{}) || hi == (tok{}):
		// From the start bound to the end of the ring.
	default:
		r.empty = true
	}
	return r, nil
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
	} else if tr, err = s.tokenRange(vals); err != nil {
		return err
	}
	st.mu.RLock()
	defer st.mu.RUnlock()
	// resume emits part's rows after the paging state's clustering.
	resume := func(part *partition) bool {
		i, found := t.findRow(part, from.ck)
		if found {
			i++
		}
		return s.partition(part, i)
	}
	visit := func(part *partition) bool {
		if started && part.tok == from.tok && bytes.Equal(part.key, from.key) {
			return resume(part)
		}
		return s.partition(part, 0)
	}
	if cands != nil {
		return s.byKeys(cands, from, started, resume, visit)
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
		return nil
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
		return nil
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
	return nil
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

// partition emits rows of part from startRow; it returns false when the
// page is complete.
func (s *scan) partition(part *partition, startRow int) bool {
	t := s.p.t
	pkCells := unpackCells(part.pk, len(t.pk))
	ncells := len(t.ck) + len(t.regular)
	var cells [][]byte
	for ri := startRow; ri < len(part.rows); ri++ {
		r := &part.rows[ri]
		if r.dead {
			// Only deleted rows use up the budget: rows a filter rejects
			// are live data, as in Cassandra.
			s.dead++
			if s.pageSize > 0 && s.dead >= s.c.cfg.TombstoneBudget {
				s.stop(part, r)
				return false
			}
			continue
		}
		if len(s.filters) > 0 {
			cells = unpackInto(cells, r.cells, ncells)
			if !s.matches(pkCells, cells) {
				continue
			}
		}
		if s.p.count {
			s.counted++
		} else {
			s.emit(part, pkCells, r, &cells)
		}
		if s.remaining > 0 {
			s.remaining--
			if s.remaining == 0 {
				s.more = false
				return false
			}
		}
		if s.pageSize > 0 && (int(s.w.count) >= s.pageSize || s.w.bytes >= s.c.cfg.PageBytes) {
			s.stop(part, r)
			return false
		}
	}
	return true
}

// matches reports whether a live row passes every filter.
func (s *scan) matches(pkCells, cells [][]byte) bool {
	for i := range s.filters {
		if !s.filters[i].match(pkCells, cells) {
			return false
		}
	}
	return true
}

// stop ends the page after row r of part, the last row examined, with more
// to read.
func (s *scan) stop(part *partition, r *row) {
	s.more = true
	s.last = position{tok: part.tok, key: part.key, ck: r.cells[:cellsPrefixLen(r.cells, len(s.p.t.ck))]}
}

func unpackInto(dst [][]byte, b []byte, n int) [][]byte {
	dst = dst[:0]
	for range n {
		var v []byte
		v, b = nextCell(b)
		dst = append(dst, v)
	}
	return dst
}

// emit appends one result row.
func (s *scan) emit(part *partition, pkCells [][]byte, r *row, cells *[][]byte) {
	t := s.p.t
	before := len(s.w.buf)
	s.w.count++
	if s.p.star {
		s.w.buf = append(s.w.buf, part.pk...)
		s.w.buf = append(s.w.buf, r.cells...)
		s.w.bytes += len(s.w.buf) - before
		return
	}
	if len(*cells) == 0 {
		*cells = unpackInto(*cells, r.cells, len(t.ck)+len(t.regular))
	}
	for _, o := range s.p.out {
		switch o.kind {
		case outToken:
			s.w.buf = cqltype.AppendValue(s.w.buf, s.c.tokenBytes(part.tok))
		case outColumn:
			if o.col.kind == kindPartitionKey {
				s.w.buf = cqltype.AppendValue(s.w.buf, pkCells[o.col.cell])
			} else {
				s.w.buf = cqltype.AppendValue(s.w.buf, (*cells)[o.col.cell])
			}
		}
	}
	*cells = (*cells)[:0]
	s.w.bytes += len(s.w.buf) - before
}

// tokenBytes serializes a token as token() returns it.
func (c *Cluster) tokenBytes(t tok) []byte {
	if c.random {
		b, _ := cqltype.Encode(cqltype.Type{Kind: cqltype.Varint}, t.big())
		return b
	}
	return binary.BigEndian.AppendUint64(nil, uint64(t.murmur()))
}
