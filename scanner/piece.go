package scanner

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/ringscan/ringscan/internal/cqlident"
	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/internal/partitioner"
	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/sink"
	"github.com/ringscan/ringscan/worker"
)

// The fetcher splits partitions (worker.Partitions): it reads the pieces of
// a split partition, finds a piece's last row, the partitions that share a
// token, and where to cut.
//
// A piece is read with its partition key restricted by equality and one
// clustering bound, the one it is read from (From up, To down); the other
// end is left open, so that splits and the reader coming the other way
// can move it while the statement is paged, and the pool drops the rows
// past it. A bound is a cut (worker.Cut): a clustering prefix, before or
// after the rows that start with it. With every clustering column in
// ascending order, or every one descending, a cut is one relation on the
// tuple of its columns, which Cassandra compares element by element:
//
//	(c1, c2) >= (?, ?)        rows from the cut on, ascending
//	(c1, c2) <= (?, ?)        the same, every column descending
//
// With mixed orders, a tuple's order is not the clustering order, so the
// statement restricts the first column only (a superset) and the rows
// before the cut are skipped here; cuts are then made on the first
// column only (Midpoint), so that only restarts after a refused paging
// state skip rows.

var _ worker.Partitions = (*fetcher)(nil)

// KeyWidth is the number of partition key values that start a position's
// key, when partitions may be split; see worker.Partitions.
func (f *fetcher) KeyWidth() int {
	if !f.splits {
		return 0
	}
	return len(f.pkIdx)
}

// uniformOrder reports whether every clustering column has the same
// order, so that a tuple relation follows the clustering order.
func (f *fetcher) uniformOrder() bool {
	for _, c := range f.t.ck {
		if c.desc != f.t.ck[0].desc {
			return false
		}
	}
	return true
}

// bindBytes binds a value as its serialized form.
type bindBytes []byte

func (b bindBytes) MarshalCQL(gocql.TypeInfo) ([]byte, error) { return b, nil }

// cutRelation returns the relation restricting a piece's statement to the
// rows past c going up (lower) or down (!lower), and its values, and
// whether it is exact (else the statement reads a superset and the rows
// before the cut must be skipped). An open cut restricts nothing.
func (f *fetcher) cutRelation(c worker.Cut, lower bool) (string, []any, bool) {
	if c.Open() {
		return "", nil, true
	}
	ck := c.CK
	exact := true
	if !f.uniformOrder() && len(ck) > 1 {
		ck, exact = ck[:1], false
	}
	// In clustering order: going up, rows at or after the prefix (>=) or
	// after it (>); going down, rows before it (<) or at or before (<=).
	var op string
	switch {
	case lower && c.After && exact:
		op = ">"
	case lower:
		op = ">="
	case !c.After && exact:
		op = "<"
	default:
		op = "<="
	}
	if f.t.ck[0].desc {
		// Descending columns: the natural order is the other way.
		op = map[string]string{">": "<", ">=": "<=", "<": ">", "<=": ">="}[op]
	}
	names := make([]string, len(ck))
	marks := make([]string, len(ck))
	vals := make([]any, len(ck))
	for i := range ck {
		names[i] = cqlident.Quote(f.t.ck[i].name)
		marks[i] = "?"
		vals[i] = bindBytes(ck[i])
	}
	if len(ck) == 1 {
		return " AND " + names[0] + " " + op + " ?", vals, exact
	}
	return " AND (" + strings.Join(names, ", ") + ") " + op + " (" + strings.Join(marks, ", ") + ")", vals, exact
}

// pieceStatement returns the statement reading p from its start in the
// reading direction (start, when set, replaces p's own: the row to read on
// after), with its values and whether the rows before start are left to
// be skipped. sel is the SELECT list; limit, when positive, is the
// statement's LIMIT.
func (f *fetcher) pieceStatement(sel string, p *worker.Piece, start *worker.Position, limit int, where bool) (string, []any, bool) {
	var sb strings.Builder
	sb.WriteString("SELECT " + sel + " FROM " + f.from + " WHERE ")
	vals := make([]any, 0, len(p.PK)+len(f.t.ck))
	for i, c := range f.t.pk {
		if i > 0 {
			sb.WriteString(" AND ")
		}
		sb.WriteString(cqlident.Quote(c.name) + " = ?")
		vals = append(vals, bindBytes(p.PK[i]))
	}
	cut := p.From
	if p.Reverse {
		cut = p.To
	}
	if start != nil {
		cut = worker.Cut{CK: start.Key[len(f.pkIdx):], After: !p.Reverse}
	}
	rel, cv, exact := f.cutRelation(cut, !p.Reverse)
	sb.WriteString(rel)
	vals = append(vals, cv...)
	if where {
		sb.WriteString(f.where)
	}
	if p.Reverse {
		sb.WriteString(" ORDER BY ")
		for i, c := range f.t.ck {
			if i > 0 {
				sb.WriteString(", ")
			}
			// The reverse of the clustering order.
			dir := " DESC"
			if c.desc {
				dir = " ASC"
			}
			sb.WriteString(cqlident.Quote(c.name) + dir)
		}
	}
	if limit > 0 {
		fmt.Fprintf(&sb, " LIMIT %d", limit)
	}
	if where {
		sb.WriteString(f.allow)
	}
	return sb.String(), vals, !exact
}

// fetchPiece reads one page of a piece; see Fetch.
func (f *fetcher) fetchPiece(ctx context.Context, req worker.Request, b *sink.Batch) (worker.Page, error) {
	p := req.Piece
	stmt, vals, skip := f.pieceStatement(f.list, p, req.After, 0, true)
	iter := f.query(stmt, req.Host.ID, req.PageSize, vals...).PageState(req.PageState).IterContext(ctx)
	rows := f.pageRows(iter, b)
	first := b.Len()
	// The rows a piece holds lie past its start (strictly past a row to
	// read on after); a statement that reads a superset (mixed orders) or
	// a partition's static row (which clustering bounds never hold) brings
	// others, skipped here.
	start := p.From
	if p.Reverse {
		start = p.To
	}
	if req.After != nil {
		start = worker.Cut{CK: req.After.Key[len(f.pkIdx):], After: !p.Reverse}
	}
	whole := p.Whole() && req.After == nil
	for {
		row := b.Len()
		if !rows.next() {
			break
		}
		if whole {
			continue
		}
		ck := f.rowCK(b, row)
		if ck[0] == nil {
			b.TruncateRows(row) // the static row
			continue
		}
		if skip || !start.Open() {
			c := f.compareCut(ck, start)
			if p.Reverse && c > 0 || !p.Reverse && c < 0 {
				b.TruncateRows(row)
			}
		}
	}
	page, err := closePage(rows, req.PageState, b, first)
	if err != nil {
		return worker.Page{}, err
	}
	if err := f.tail(b, first, &page); err != nil {
		b.TruncateRows(first)
		return worker.Page{}, err
	}
	return page, nil
}

// tail sets the page's last row, and the run of rows at its end that are
// in that row's partition, from the rows of b from first on.
func (f *fetcher) tail(b *sink.Batch, first int, page *worker.Page) error {
	n := b.Len()
	if n == first {
		return nil
	}
	pos, err := f.position(b, n-1)
	if err != nil {
		return err
	}
	page.Last = pos
	i := n - 1
	for i > first && f.samePK(b, i-1, n-1) {
		i--
	}
	page.TailRows = n - i
	if i == n-1 {
		page.TailFirst = pos
		return nil
	}
	page.TailFirst, err = f.position(b, i)
	return err
}

// samePK reports whether rows i and j of b have one partition key.
func (f *fetcher) samePK(b *sink.Batch, i, j int) bool {
	for _, idx := range f.pkIdx {
		if !bytes.Equal(b.Value(i, idx), b.Value(j, idx)) {
			return false
		}
	}
	return true
}

// rowCK returns row i's clustering values.
func (f *fetcher) rowCK(b *sink.Batch, i int) [][]byte {
	ck := make([][]byte, len(f.ckIdx))
	for k, idx := range f.ckIdx {
		ck[k] = b.Value(i, idx)
	}
	return ck
}

// compareCut places clustering values against a cut: -1 before it, +1
// after it (never 0: a cut lies between rows). A static row (null values)
// lies before every cut; an open cut is taken as the partition's start.
func (f *fetcher) compareCut(ck [][]byte, c worker.Cut) int {
	if c.Open() {
		return 1
	}
	if len(ck) == 0 || ck[0] == nil {
		return -1
	}
	for k := range min(len(c.CK), len(ck)) {
		col := f.t.ck[k]
		r := cqltype.Compare(col.typ, ck[k], c.CK[k])
		if col.desc {
			r = -r
		}
		if r != 0 {
			return r
		}
	}
	if c.After {
		return -1
	}
	return 1
}

// CompareCut places a row of a cut's partition against the cut; see
// worker's cutComparer.
func (f *fetcher) CompareCut(pos *worker.Position, c worker.Cut) int {
	return f.compareCut(pos.Key[len(f.pkIdx):], c)
}

// LastRow reads the last row of piece p, with its clustering values only,
// reading down from p.To; see worker.Partitions. The Where condition is
// left out: a row it would drop still bounds the values to cut between,
// and finding one that passes could read far.
func (f *fetcher) LastRow(ctx context.Context, host ring.Host, p worker.Piece) (*worker.Position, error) {
	down := p
	down.Reverse, down.From = true, worker.Cut{}
	names := make([]string, len(f.t.ck))
	for i, c := range f.t.ck {
		names[i] = cqlident.Quote(c.name)
	}
	limit := 1
	if !f.uniformOrder() {
		limit = 0 // a superset: page on to the first row before the cut
	}
	stmt, vals, skip := f.pieceStatement(strings.Join(names, ", "), &down, nil, limit, false)
	iter := f.query(stmt, host.ID, 100, vals...).IterContext(ctx)
	defer iter.Close()
	ck := make([][]byte, len(f.t.ck))
	dest := make([]any, len(ck))
	for i := range ck {
		dest[i] = (*rawScan)(&ck[i])
	}
	for iter.Scan(dest...) {
		if ck[0] == nil {
			continue // a static row
		}
		if skip && !p.To.Open() && f.compareCut(ck, p.To) > 0 {
			continue
		}
		key := append(append([][]byte{}, p.PK...), cloneAll(ck)...)
		return &worker.Position{Token: p.Token, Key: key}, iter.Close()
	}
	return nil, iter.Close()
}

// rawScan receives a value as its serialized bytes.
type rawScan []byte

func (r *rawScan) UnmarshalCQL(_ gocql.TypeInfo, data []byte) error {
	*r = bytes.Clone(data)
	return nil
}

func cloneAll(vs [][]byte) [][]byte {
	out := make([][]byte, len(vs))
	for i, v := range vs {
		out[i] = bytes.Clone(v)
	}
	return out
}

// SameToken reads the partition keys of token t after pk, with SELECT
// DISTINCT (a partition's first row only); see worker.Partitions.
func (f *fetcher) SameToken(ctx context.Context, host ring.Host, t ring.Token, pk [][]byte) ([][][]byte, error) {
	names := make([]string, len(f.t.pk))
	for i, c := range f.t.pk {
		names[i] = cqlident.Quote(c.name)
	}
	expr := f.t.schema.TokenExpr()
	stmt := "SELECT DISTINCT " + strings.Join(names, ", ") + " FROM " + f.from + " WHERE " + expr + " >= ? AND " + expr + " <= ?"
	iter := f.query(stmt, host.ID, 100, t.BindValue(), t.BindValue()).IterContext(ctx)
	defer iter.Close()
	own := partitioner.CompositeKey(pk)
	key := make([][]byte, len(names))
	dest := make([]any, len(key))
	for i := range key {
		dest[i] = (*rawScan)(&key[i])
	}
	var out [][][]byte
	for iter.Scan(dest...) {
		if bytes.Compare(partitioner.CompositeKey(key), own) > 0 {
			out = append(out, cloneAll(key))
		}
	}
	return out, iter.Close()
}

// Midpoint returns where to cut between from and last; see
// worker.Partitions. It cuts on the first clustering column whose values
// differ, halfway between them (cqltype.Midpoint), keeping the columns
// before it; with mixed clustering orders, only on the first column.
func (f *fetcher) Midpoint(from, last *worker.Position) (worker.Cut, bool) {
	kw := len(f.pkIdx)
	a, b := from.Key[kw:], last.Key[kw:]
	if len(a) > 0 && a[0] == nil {
		// From a static row: every row is after it.
		return worker.Cut{CK: cloneAll(b[:1])}, true
	}
	for d := range min(len(a), len(b)) {
		col := f.t.ck[d]
		if cqltype.Compare(col.typ, a[d], b[d]) == 0 {
			continue
		}
		if d > 0 && !f.uniformOrder() {
			return worker.Cut{}, false
		}
		m, ok := cqltype.Midpoint(col.typ, a[d], b[d])
		if !ok {
			return worker.Cut{}, false
		}
		return worker.Cut{CK: append(cloneAll(a[:d]), m)}, true
	}
	return worker.Cut{}, false
}

// Fraction estimates where pos lies from first to last; see
// worker.Partitions.
func (f *fetcher) Fraction(first, last, pos *worker.Position) (float64, bool) {
	kw := len(f.pkIdx)
	a, b, x := first.Key[kw:], last.Key[kw:], pos.Key[kw:]
	for d := range min(len(a), len(b), len(x)) {
		col := f.t.ck[d]
		if a[d] == nil || b[d] == nil || x[d] == nil {
			return 0, false
		}
		if cqltype.Compare(col.typ, a[d], b[d]) == 0 {
			continue
		}
		return cqltype.Fraction(col.typ, a[d], b[d], x[d])
	}
	return 0, false
}

// describe returns a piece's partition key and clustering bounds as text,
// for reports.
func (f *fetcher) describe(p *worker.Piece) (partition, bounds string) {
	var sb strings.Builder
	for i, c := range f.t.pk {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(c.name + "=" + valueText(c.typ, p.PK[i]))
	}
	partition = sb.String()
	cut := func(c worker.Cut, lower bool) string {
		if c.Open() {
			if lower {
				return "(start"
			}
			return "end)"
		}
		names := make([]string, len(c.CK))
		vals := make([]string, len(c.CK))
		for i, v := range c.CK {
			names[i] = f.t.ck[i].name
			vals[i] = valueText(f.t.ck[i].typ, v)
		}
		prefix := strings.Join(names, ", ") + " = " + strings.Join(vals, ", ")
		if len(names) > 1 {
			prefix = "(" + strings.Join(names, ", ") + ") = (" + strings.Join(vals, ", ") + ")"
		}
		switch {
		case lower && c.After:
			return "(after " + prefix
		case lower:
			return "[" + prefix
		case c.After:
			return prefix + "]"
		}
		return "before " + prefix + ")"
	}
	return partition, cut(p.From, true) + " .. " + cut(p.To, false)
}

// valueText formats a serialized value for a report.
func valueText(t cqltype.Type, v []byte) string {
	x, err := cqltype.Decode(t, v)
	if err != nil {
		return fmt.Sprintf("0x%x", v)
	}
	if s, ok := x.(string); ok {
		return cqlident.Literal(s)
	}
	return fmt.Sprint(x)
}
