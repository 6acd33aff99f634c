package pager

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// Pager pages through query results. It is safe for concurrent use and
// holds no per-query state: everything a later request needs is in the
// cursor, so any instance of a service (with the same Config.Key) can
// serve the next page.
type Pager struct {
	session *gocql.Session
	cfg     Config
	hooks   Hooks
}

// Hooks observe a Pager's requests. They are called synchronously, from
// the goroutine that made the request (for Rows, its background goroutine),
// so they must be quick and must not call the Pager.
type Hooks struct {
	// RequestDone is called after every request to the server, whichever
	// method made it. Default: none.
	RequestDone func(RequestEvent)
}

// RequestEvent describes one request to the server.
type RequestEvent struct {
	// Rows is the number of rows the server returned.
	Rows int
	// More says whether the server returned a paging state.
	More bool
	// Err is the request's error, nil on success.
	Err error
}

// Option configures a Pager's collaborators; tuning knobs are in Config.
type Option interface{ apply(*Pager) }

type optionFunc func(*Pager)

func (f optionFunc) apply(p *Pager) { f(p) }

// WithHooks sets the hooks called on the Pager's requests.
func WithHooks(h Hooks) Option { return optionFunc(func(p *Pager) { p.hooks = h }) }

// New returns a Pager reading through session. It validates cfg and
// fills in its defaults.
func New(session *gocql.Session, cfg Config, opts ...Option) (*Pager, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if session == nil {
		return nil, fmt.Errorf("%w: the session is nil", ErrInvalidConfig)
	}
	p := &Pager{session: session, cfg: cfg.EnsureDefaults()}
	for _, o := range opts {
		o.apply(p)
	}
	return p, nil
}

// Page is one page of rows.
type Page struct {
	// Columns describes the rows' columns. It is set even when Rows is
	// empty, unless the query had no result metadata.
	Columns []Column
	// Rows holds at most the requested page size, possibly fewer, possibly
	// none, even when more pages follow: the page size is a hint, and a
	// server ends a page early on its byte limit or on a long run of
	// deleted rows.
	Rows []Row
	// Next is the cursor of the following page; empty at the end. A
	// non-empty Next may still lead to an empty last page.
	Next Cursor
}

// Fetch reads one page of any SELECT with a zero-configuration Pager:
// unsigned cursors, default limits. See Pager.Fetch.
func Fetch(ctx context.Context, session *gocql.Session, stmt string, values []any, cursor Cursor, pageSize int) (Page, error) {
	p, err := New(session, Config{})
	if err != nil {
		return Page{}, err
	}
	return p.Fetch(ctx, stmt, values, cursor, pageSize)
}

// Fetch reads one page of stmt, a SELECT with values bound to its markers,
// starting at cursor (empty for the first page), in one request to the
// server. A statement that returns no rows (an INSERT, say) is refused
// before it runs. pageSize 0 means Config.DefaultPageSize. The cursor must come
// from the same statement text (byte for byte) and values; the page size
// may change from page to page.
func (p *Pager) Fetch(ctx context.Context, stmt string, values []any, cursor Cursor, pageSize int) (Page, error) {
	size, err := p.pageSize(pageSize)
	if err != nil {
		return Page{}, err
	}
	fp, err := p.statementFingerprint(ctx, stmt, values)
	if err != nil {
		return Page{}, err
	}
	state, err := p.stateOf(cursor, fp)
	if err != nil {
		return Page{}, err
	}
	res, err := p.request(ctx, stmt, values, state, size)
	if err != nil {
		return Page{}, err
	}
	return Page{Columns: res.cols, Rows: res.rows, Next: p.stateCursor(fp, res.next)}, nil
}

// pageSize applies the page size rules.
func (p *Pager) pageSize(n int) (int, error) {
	switch {
	case n == 0:
		return p.cfg.DefaultPageSize, nil
	case n < 0:
		return 0, fmt.Errorf("%w: %d is negative; use 1..%d, or 0 for the default %d", ErrInvalidPageSize, n, p.cfg.MaxPageSize, p.cfg.DefaultPageSize)
	case n > p.cfg.MaxPageSize:
		return 0, fmt.Errorf("%w: %d is more than the maximum %d", ErrInvalidPageSize, n, p.cfg.MaxPageSize)
	}
	return n, nil
}

// stateOf returns the paging state inside a statement cursor, nil for the
// empty cursor.
func (p *Pager) stateOf(c Cursor, fp fingerprint) ([]byte, error) {
	if c == "" {
		return nil, nil
	}
	state, err := p.decodeCursor(c, kindStatement, fp)
	if err != nil {
		return nil, err
	}
	if len(state) == 0 {
		return nil, fmt.Errorf("%w: it holds no paging state", ErrInvalidCursor)
	}
	return state, nil
}

// stateCursor wraps a paging state; empty at the end.
func (p *Pager) stateCursor(fp fingerprint, state []byte) Cursor {
	if len(state) == 0 {
		return ""
	}
	return p.encodeCursor(kindStatement, fp, state)
}

// Value tags in a statement fingerprint.
var (
	tagValue = []byte{1}
	tagUnset = []byte{2}
)

// statementFingerprint identifies a statement with its bound values: a
// hash of the keyspace it runs in, its text, and each value serialized as
// gocql sends it, with the types of the statement's bind markers (read from
// the prepared statement's metadata, which gocql caches). So 5 and
// int64(5) bound to an int column are the same value, as they are for the
// server, while any change of text, even whitespace, is another statement.
func (p *Pager) statementFingerprint(ctx context.Context, stmt string, values []any) (fingerprint, error) {
	md, err := p.session.StatementMetadata(ctx, stmt, "")
	if err != nil {
		return fingerprint{}, fmt.Errorf("prepare %q: %w", stmt, err)
	}
	if len(md.ResultColumns) == 0 {
		// Refused before it runs: a paging API must not execute writes.
		return fingerprint{}, fmt.Errorf("statement %q returns no rows: only SELECT statements can be paged", stmt)
	}
	if len(values) != len(md.BindColumns) {
		return fingerprint{}, fmt.Errorf("statement %q has %d bind markers; %d values were given", stmt, len(md.BindColumns), len(values))
	}
	f := newFingerprinter("statement")
	f.str(md.Keyspace)
	f.str(stmt)
	for i, v := range values {
		if v == any(gocql.UnsetValue) {
			f.field(tagUnset)
			continue
		}
		b, err := gocql.Marshal(md.BindColumns[i].TypeInfo, v)
		if err != nil {
			return fingerprint{}, fmt.Errorf("value %d (%s): %w", i, md.BindColumns[i].Name, err)
		}
		f.field(tagValue)
		f.field(b)
	}
	return f.sum(), nil
}

// result is one server page.
type result struct {
	cols []Column
	rows []Row
	next []byte // paging state; nil at the end
}

// request reads one server page. Every request is a new Query, with
// auto-paging off (PageState), so gocql fetches nothing on its own.
func (p *Pager) request(ctx context.Context, stmt string, values []any, state []byte, size int) (res result, err error) {
	defer func() {
		if p.hooks.RequestDone != nil {
			p.hooks.RequestDone(RequestEvent{Rows: len(res.rows), More: len(res.next) > 0, Err: err})
		}
	}()
	q := p.session.Query(stmt, values...).PageSize(size).PageState(state).Idempotent(true)
	if p.cfg.Consistency != 0 {
		q = q.Consistency(p.cfg.Consistency)
	}
	iter := q.IterContext(ctx)
	rr := newRowReader(iter.Columns())
	var rows []Row
	for {
		row, ok := rr.next(iter)
		if !ok {
			break
		}
		rows = append(rows, row)
	}
	next := bytes.Clone(iter.PageState())
	if err := iter.Close(); err != nil {
		if state != nil && pagingStateRefused(err) {
			return result{}, fmt.Errorf("%w: %v", ErrPagingStateRefused, err)
		}
		return result{}, err
	}
	return result{cols: rr.cols, rows: rows, next: next}, nil
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
