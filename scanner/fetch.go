package scanner

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/internal/partitioner"
	"github.com/ringscan/ringscan/internal/schema"
	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/sink"
	"github.com/ringscan/ringscan/worker"
)

// fetcher reads pages with the driver. It is shared by the pool's
// goroutines and immutable after construction.
//
// Rows are read in one of two shapes. With key values (the default), a
// row's values are the columns asked for, then the primary key columns not
// among them: the partition key gives the row's token, computed here as
// the cluster's partitioner does (no token(pk) is selected, which would
// cost the server a column per row), and the whole primary key gives a
// position a subrange can resume exactly after. Tokens only (a count's
// plan, Plan.TokensOnly): a row is its token(pk) alone, the least a row
// can be, and a position within a token is the row's ordinal among the
// rows of that token.
type fetcher struct {
	session  *gocql.Session
	cfg      Config
	p        ring.Partitioner
	t        *tableInfo
	out      []sink.Column // the columns handed to sinks
	width    int           // values per row: out, then hidden columns
	keyless  bool          // tokens only
	tokenIdx int           // keyless: the value index of token(pk)
	pkIdx    []int         // value indexes of the partition key columns
	ckIdx    []int         // value indexes of the clustering columns
	arity    []int         // per value: a tuple's element count, else 0
	stmt     string        // token(pk) > ? AND token(pk) <= ?
	after    string        // token(pk) >= ? AND token(pk) <= ?
	// The pieces of split partitions (piece.go): the SELECT list, the
	// table, the Where condition (" AND ...") and " ALLOW FILTERING".
	list, from, where, allow string
	// splits is set when partitions may be split: positions carry keys,
	// the table has clustering columns and the Where condition does not
	// restrict them.
	splits bool
	// walkable is set when pages may be walked (pageReader): no column is
	// a tuple, which the driver hands over element by element.
	walkable bool
}

func newFetcher(s *gocql.Session, cfg Config, p ring.Partitioner, t *tableInfo, cols []column, keyless bool) *fetcher {
	f := &fetcher{session: s, cfg: cfg, p: p, t: t, keyless: keyless}
	tokenExpr := t.schema.TokenExpr()
	list := tokenExpr
	if keyless {
		f.arity, f.tokenIdx, f.width = []int{0}, 0, 1
	} else {
		// Hidden values: the primary key columns not selected, so that a
		// subrange can resume exactly after any row.
		want := make([]schema.Column, len(cols))
		for i, c := range cols {
			want[i] = c.col
			f.out = append(f.out, c.out)
		}
		sel := t.schema.Select(want, false)
		for _, c := range sel.Columns {
			f.arity = append(f.arity, tupleArity(c.Type))
		}
		f.pkIdx, f.ckIdx, f.tokenIdx, f.width, list = sel.PK, sel.CK, -1, sel.Width(), sel.List
	}
	from := "SELECT " + list + " FROM " + t.schema.From() + " WHERE " + tokenExpr + " "
	if w := strings.TrimSpace(cfg.Where); w != "" {
		f.where = " AND " + w
	}
	if cfg.AllowFiltering {
		f.allow = " ALLOW FILTERING"
	}
	f.stmt = from + "> ? AND " + tokenExpr + " <= ?" + f.where + f.allow
	f.after = from + ">= ? AND " + tokenExpr + " <= ?" + f.where + f.allow
	f.list, f.from = list, t.schema.From()
	// A Where on a key column turns splitting off: a piece's statement
	// restricts the partition key by = and the clustering columns by range,
	// which Cassandra refuses with another relation on either ("k cannot be
	// restricted by more than one relation if it includes an Equal").
	f.splits = !keyless && len(t.ck) > 0 && !cfg.NoPartitionSplit && !mentionsAny(cfg.Where, slices.Concat(t.pk, t.ck))
	f.walkable = !slices.ContainsFunc(f.arity, func(n int) bool { return n > 0 }) // no tuple column
	return f
}

// check runs the statement once over no token (ring.NoTokens), on any
// node, so that a Where condition the table cannot take is refused when
// the scan is planned, with what Cassandra says, instead of failing every
// subrange. (Until the fifth session it ran over (Min, Min], which
// Cassandra reads as the whole ring: with a filter that matched no row, the
// check read every one.)
func (f *fetcher) check(ctx context.Context) error {
	if strings.TrimSpace(f.cfg.Where) == "" {
		return nil
	}
	return f.checkError(f.runNowhere(ctx, "", f.stmt), len(f.stmt))
}

// frameSlack bounds the bytes a request frame holds besides its
// statement text: the header, the text's length, the consistency, flags,
// page size and two token values.
const frameSlack = 1 << 10

// checkError is what check reports for the error of the checking
// statement, of stmtBytes bytes.
func (f *fetcher) checkError(err error, stmtBytes int) error {
	var re gocql.RequestError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gocql.ErrFrameTooBig) && stmtBytes >= worker.MaxFrameBytes-frameSlack:
		// Refused by the driver before sending (it answers the same error
		// for a response too big, which a read of no token is not): the
		// statement, which holds the condition, does not fit a frame, in
		// this check as in every subrange's request.
		return fmt.Errorf("%w: the Where condition is %d bytes: the statement holding it is larger than the driver sends (%d MiB): %w",
			ErrInvalidConfig, len(f.cfg.Where), worker.MaxFrameBytes>>20, err)
	case errors.As(err, &re) && strings.Contains(strings.ToUpper(re.Message()), "ALLOW FILTERING") && !f.cfg.AllowFiltering:
		return fmt.Errorf("%w: the Where condition %q needs ALLOW FILTERING, which makes every replica read and filter all the rows of each subrange: set AllowFiltering to scan so (%s)",
			ErrInvalidConfig, f.cfg.Where, re.Message())
	case errors.As(err, &re):
		return fmt.Errorf("%w: the Where condition %q does not fit table %s.%s (%s)", ErrInvalidConfig, f.cfg.Where, f.t.keyspace, f.t.name, re.Message())
	}
	return fmt.Errorf("check the Where condition: %w", err)
}

func (f *fetcher) NewBatch() *sink.Batch { return sink.NewBatch(f.out, f.width) }

// rawValue receives one column value from the driver as its wire bytes,
// which the batch keeps where they are: gocql reads every response into a
// frame buffer of its own (a new framer per response, never reused), and
// a page is one response, so the values of a page stay valid as long as
// the batch holds them. TestPagesShareTheirFrame pins this against the
// driver.
type rawValue struct{ b *sink.Batch }

func (r rawValue) UnmarshalCQL(_ gocql.TypeInfo, data []byte) error {
	r.b.AppendShared(data)
	return nil
}

// tupleArity is the number of values gocql's Iter.Scan wants for a column
// of type t: it scans a tuple column element by element.
func tupleArity(t cqltype.Type) int {
	if t.Kind == cqltype.Tuple {
		return len(t.Elems)
	}
	return 0
}

// dest returns Scan destinations that append one row's values to b.
func (f *fetcher) dest(b *sink.Batch) []any {
	dest := make([]any, 0, f.width)
	for _, n := range f.arity {
		if n == 0 {
			dest = append(dest, rawValue{b: b})
			continue
		}
		t := &tupleValue{b: b, elems: make([][]byte, n)}
		for i := range n {
			dest = append(dest, tupleElem{t: t, i: i})
		}
	}
	return dest
}

// tupleValue reassembles a tuple column's serialized value from the
// elements gocql hands over one by one. gocql gives a null tuple as null
// elements, so a tuple whose elements are all null reads as null.
type tupleValue struct {
	b     *sink.Batch
	elems [][]byte
}

type tupleElem struct {
	t *tupleValue
	i int
}

func (e tupleElem) UnmarshalCQL(_ gocql.TypeInfo, data []byte) error {
	t := e.t
	t.elems[e.i] = data
	if e.i < len(t.elems)-1 {
		return nil
	}
	if !slices.ContainsFunc(t.elems, func(v []byte) bool { return v != nil }) {
		t.b.AppendValue(nil)
		return nil
	}
	var v []byte
	for _, el := range t.elems {
		v = cqltype.AppendValue(v, el)
	}
	t.b.AppendValue(v)
	return nil
}

// Warm prepares the statements of first pages on host; see worker.Warmer.
func (f *fetcher) Warm(ctx context.Context, host ring.Host) error {
	return f.runNowhere(ctx, host.ID, f.stmt, f.after)
}

// runNowhere runs the token range statements stmts on the host of id (any
// host for ""), at once, over no token (ring.NoTokens), which reads
// nothing: the server checks a statement and the driver prepares it on
// the host the first time it runs there, so that its next runs are page
// reads alone. It returns their errors, joined.
func (f *fetcher) runNowhere(ctx context.Context, id string, stmts ...string) error {
	lo, hi := ring.NoTokens(f.p)
	errs := make([]error, len(stmts))
	var wg sync.WaitGroup
	for i, stmt := range stmts {
		wg.Go(func() {
			errs[i] = f.query(stmt, id, 1, lo, hi).IterContext(ctx).Close()
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// noRetry leaves retries to the worker, which moves to the next replica and
// resumes from the last paging state.
var noRetry = &gocql.SimpleRetryPolicy{NumRetries: 0}

// query is a request of the scan to the host of id: at the scan's
// consistency, idempotent, pageSize rows a page, retried by the worker,
// not the driver.
func (f *fetcher) query(stmt, id string, pageSize int, values ...any) *gocql.Query {
	return f.session.Query(stmt, values...).Consistency(f.cfg.Consistency).PageSize(pageSize).SetHostID(id).
		Idempotent(true).RetryPolicy(noRetry)
}

// Fetch reads one page; see worker.Fetcher.
func (f *fetcher) Fetch(ctx context.Context, req worker.Request, b *sink.Batch) (worker.Page, error) {
	if req.Piece != nil {
		return f.fetchPiece(ctx, req, b)
	}
	// A statement made before the subrange was split goes on with its end
	// bound (req.End), unless the pool restarted it: the pool drops the
	// rows past the subrange's new end.
	lo, hi := req.Start.BindValue(), req.End.BindValue()
	stmt := f.stmt
	if req.After != nil {
		stmt, lo = f.after, req.After.Token.BindValue()
	}
	q := f.query(stmt, req.Host.ID, req.PageSize, lo, hi).PageState(req.PageState)
	iter := q.IterContext(ctx)
	rows := f.pageRows(iter, b)
	first := b.Len()
	// Resuming after a row: skip the rows up to it. They come first, maybe
	// over several pages (inside a large partition); once a row after it
	// was handed on (Last is past After), there is nothing left to skip. A
	// new statement from After (no paging state) starts with them.
	fresh := req.After != nil && req.PageState == nil
	skipping := req.After != nil && (fresh || req.Last == nil || f.comparePositions(req.Last, req.After) < 0 ||
		!f.keyless && f.comparePositions(req.Last, req.After) == 0)
	var afterPK []byte
	if skipping && !f.keyless {
		afterPK = partitioner.CompositeKey(req.After.Key[:len(f.pkIdx)])
	}
	// Tokens only: each row's ordinal within its token, counted on from
	// the last row seen; a new statement from After counts After's token
	// from its first row.
	var ord ordinal
	switch {
	case f.keyless && fresh:
		ord = ordinal{tok: req.After.Token, set: true}
	case f.keyless && req.Last != nil:
		ord = ordinal{tok: req.Last.Token, n: req.Last.Ordinal, set: true}
	}
	var lastSeen *worker.Position
	for {
		row := b.Len()
		if !rows.next() {
			break
		}
		if f.keyless {
			tk, err := f.tokenAt(b, row)
			if err != nil {
				b.TruncateRows(first)
				_ = rows.close()
				return worker.Page{}, err
			}
			ord.next(tk)
			if skipping && tk == req.After.Token && ord.n <= req.After.Ordinal {
				b.TruncateRows(row)
				lastSeen = &worker.Position{Token: tk, Ordinal: ord.n}
				continue
			}
			skipping = false
			if f.p == ring.Murmur3Partitioner {
				rows.murmurTokens(&ord)
			}
			continue
		}
		if skipping {
			if f.compareRow(b, row, req.After, afterPK) <= 0 {
				b.TruncateRows(row)
			} else {
				skipping = false
			}
		}
	}
	page, err := closePage(rows, req.PageState, b, first)
	if err != nil {
		return worker.Page{}, err
	}
	switch n := b.Len(); {
	case f.keyless && ord.set && (n > first || lastSeen != nil):
		// The last row seen, kept or skipped: ordinals count on from it.
		page.Last = &worker.Position{Token: ord.tok, Ordinal: ord.n}
	case !f.keyless:
		if err := f.tail(b, first, &page); err != nil {
			b.TruncateRows(first)
			return worker.Page{}, err
		}
	}
	return page, nil
}

// closePage ends a page request: it closes the page's iterator and returns
// the page with its paging state; on an error it drops the page's rows
// (those of b from first on), and a paging state the server refused is
// told apart (worker.ErrPageStateRefused), for the pool to restart by
// position.
func closePage(rows *pageReader, sent []byte, b *sink.Batch, first int) (worker.Page, error) {
	state := rows.iter.PageState()
	if err := rows.close(); err != nil {
		b.TruncateRows(first)
		if pagingStateRefused(err) && sent != nil {
			return worker.Page{}, fmt.Errorf("%w: %v", worker.ErrPageStateRefused, err)
		}
		return worker.Page{}, err
	}
	var page worker.Page
	if len(state) > 0 {
		page.PageState = bytes.Clone(state)
	}
	return page, nil
}

// ordinal counts rows within their token, in the order a statement
// returns them.
type ordinal struct {
	tok ring.Token
	n   int64
	set bool
}

func (o *ordinal) next(tk ring.Token) {
	if o.set && tk == o.tok {
		o.n++
		return
	}
	o.tok, o.n, o.set = tk, 1, true
}

// pagingStateRefused recognises a server's refusal of a paging state
// (Cassandra: ProtocolError "Invalid value for the paging state").
func pagingStateRefused(err error) bool {
	var re gocql.RequestError
	if errors.As(err, &re) && (re.Code() == gocql.ErrCodeProtocol || re.Code() == gocql.ErrCodeInvalid) {
		return strings.Contains(strings.ToLower(re.Message()), "paging state")
	}
	return false
}

// tokenAt returns the token of row i of b: its token(pk) value with tokens
// only, else its partition key hashed as the cluster's partitioner does.
func (f *fetcher) tokenAt(b *sink.Batch, i int) (ring.Token, error) {
	if f.keyless {
		return f.tokenValue(b.Value(i, f.tokenIdx))
	}
	var buf [256]byte
	return f.keyToken(f.rowKey(buf[:0], b, i))
}

// tokenValue decodes a token(pk) value.
func (f *fetcher) tokenValue(v []byte) (ring.Token, error) {
	if f.p == ring.Murmur3Partitioner && len(v) == 8 {
		return ring.Murmur3Token(int64(binary.BigEndian.Uint64(v))), nil
	}
	tv, err := cqltype.Decode(tokenType(f.p), v)
	if err != nil {
		return ring.Token{}, fmt.Errorf("decode token: %w", err)
	}
	return f.p.TokenOf(tv)
}

// rowKey appends row i's serialized partition key (composite when the key
// has several columns) to dst; a one-column key is the value itself.
func (f *fetcher) rowKey(dst []byte, b *sink.Batch, i int) []byte {
	if len(f.pkIdx) == 1 {
		return b.Value(i, f.pkIdx[0])
	}
	for _, idx := range f.pkIdx {
		dst = partitioner.AppendComponent(dst, b.Value(i, idx))
	}
	return dst
}

// keyToken is the token of a serialized partition key.
func (f *fetcher) keyToken(key []byte) (ring.Token, error) {
	if f.p == ring.RandomPartitioner {
		return f.p.TokenOf(partitioner.RandomToken(key))
	}
	return ring.Murmur3Token(partitioner.Murmur3Token(key)), nil
}

// position returns the position of row i of b (key values only).
func (f *fetcher) position(b *sink.Batch, i int) (*worker.Position, error) {
	tk, err := f.tokenAt(b, i)
	if err != nil {
		return nil, err
	}
	key := make([][]byte, 0, len(f.pkIdx)+len(f.ckIdx))
	for _, idx := range slices.Concat(f.pkIdx, f.ckIdx) {
		key = append(key, bytes.Clone(b.Value(i, idx)))
	}
	return &worker.Position{Token: tk, Key: key}, nil
}

func tokenType(p ring.Partitioner) cqltype.Type {
	if p == ring.RandomPartitioner {
		return cqltype.Native(cqltype.Varint)
	}
	return cqltype.Native(cqltype.Bigint)
}

// compareRow compares row i of b with pos in the ring's row order: token,
// then partition key bytes (posPK is pos's, composed), then clustering
// order. A row whose token cannot be read sorts after pos.
func (f *fetcher) compareRow(b *sink.Batch, i int, pos *worker.Position, posPK []byte) int {
	tk, err := f.tokenAt(b, i)
	if err != nil {
		return 1
	}
	if c := tk.Compare(pos.Token); c != 0 {
		return c
	}
	pk := make([][]byte, len(f.pkIdx))
	for k, idx := range f.pkIdx {
		pk[k] = b.Value(i, idx)
	}
	if c := bytes.Compare(partitioner.CompositeKey(pk), posPK); c != 0 {
		return c
	}
	return f.compareClustering(func(k int) []byte { return b.Value(i, f.ckIdx[k]) }, pos.Key[len(f.pkIdx):])
}

// comparePositions compares two positions in the ring's row order (by
// ordinal within a token, with tokens only).
func (f *fetcher) comparePositions(a, b *worker.Position) int {
	if c := a.Token.Compare(b.Token); c != 0 {
		return c
	}
	if f.keyless {
		return cmp.Compare(a.Ordinal, b.Ordinal)
	}
	npk := len(f.pkIdx)
	if c := bytes.Compare(partitioner.CompositeKey(a.Key[:npk]), partitioner.CompositeKey(b.Key[:npk])); c != 0 {
		return c
	}
	return f.compareClustering(func(k int) []byte { return a.Key[npk+k] }, b.Key[npk:])
}

// compareClustering compares clustering values in clustering order. Null
// clustering values are a partition's static row (a partition with only
// static values reads as one row with null clustering): it comes before
// the partition's rows whatever the clustering order, as in Cassandra.
func (f *fetcher) compareClustering(a func(k int) []byte, b [][]byte) int {
	for k := range f.ckIdx {
		col := f.t.ck[k]
		va, vb := a(k), b[k]
		if (va == nil) != (vb == nil) {
			if va == nil {
				return -1
			}
			return 1
		}
		c := cqltype.Compare(col.typ, va, vb)
		if col.desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// Trim drops the rows past lim and returns the position of the last row
// kept; see worker.Trimmer. Rows are in reading order, so the first row
// past lim ends what is kept.
func (f *fetcher) Trim(b *sink.Batch, lim worker.Limit, prev *worker.Position) (*worker.Position, bool) {
	n := b.Len()
	keep := n
	var ord ordinal
	if prev != nil {
		ord = ordinal{tok: prev.Token, n: prev.Ordinal, set: true}
	}
	var limPK []byte
	if lim.PK != nil {
		limPK = partitioner.CompositeKey(lim.PK)
	}
	var buf [256]byte
	for i := 0; i < n; i++ {
		if lim.Reverse {
			// Rows of one partition, coming down: past the limit once at
			// or before its cut.
			if !lim.Cut.Open() && f.compareCut(f.rowCK(b, i), lim.Cut) < 0 {
				keep = i
				break
			}
			continue
		}
		tk, err := f.tokenAt(b, i)
		if err == nil {
			c := tk.Compare(lim.Token)
			if c == 0 && limPK != nil {
				c = bytes.Compare(f.compositeKey(buf[:0], b, i), limPK)
				if c == 0 && (lim.Cut.Open() || f.compareCut(f.rowCK(b, i), lim.Cut) < 0) {
					c = -1 // a row of the partition before the cut
				} else if c == 0 {
					c = 1
				}
			}
			if c > 0 {
				keep = i
				break
			}
		}
		ord.next(tk)
	}
	b.TruncateRows(keep)
	if keep == 0 {
		return nil, keep < n
	}
	if f.keyless {
		return &worker.Position{Token: ord.tok, Ordinal: ord.n}, keep < n
	}
	pos, err := f.position(b, keep-1)
	if err != nil {
		return nil, keep < n
	}
	return pos, keep < n
}

// compositeKey appends row i's partition key as the partitioner reads
// it (composite for several columns) to dst.
func (f *fetcher) compositeKey(dst []byte, b *sink.Batch, i int) []byte {
	if len(f.pkIdx) == 1 {
		return append(dst, b.Value(i, f.pkIdx[0])...)
	}
	return f.rowKey(dst, b, i)
}

var _ worker.Trimmer = (*fetcher)(nil)
