package ringscanio

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/sdf"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/ringscan/ringscan/sink"
)

// Beam needs every DoFn, emitter and coder registered before beam.Init
// runs (on a worker, beam.Init runs the harness and never returns), and
// init is the SDK's one way to do it, as its own IOs do.
func init() {
	register.DoFn4x1[context.Context, *sdf.LockRTracker, []byte, func(Row), error](&readFn{})
	register.DoFn4x1[context.Context, *sdf.LockRTracker, []byte, func(string), error](&readJSONFn{})
	register.Emitter1[Row]()
	register.Emitter1[string]()
	beam.RegisterCoder(reflect.TypeOf(Row(nil)), encodeRow, decodeRow)
	beam.RegisterCoder(reflect.TypeOf(Restriction{}), encodeRestriction, decodeRestriction)
}

// Counters of a read, in the namespace "ringscanio".
var (
	rowsRead  = beam.NewCounter("ringscanio", "rows")
	pagesRead = beam.NewCounter("ringscanio", "pages")
	piecesRun = beam.NewCounter("ringscanio", "pieces")
)

// Read returns the rows of the table cfg names as a PCollection of Row.
// It panics when cfg is invalid, as beam.ParDo panics on an invalid
// DoFn; TryRead returns the error instead.
func Read(s beam.Scope, cfg Config) beam.PCollection {
	col, err := TryRead(s, cfg)
	if err != nil {
		panic(err)
	}
	return col
}

// TryRead is Read, returning an invalid cfg's error (every problem,
// each wrapping ErrInvalidConfig).
func TryRead(s beam.Scope, cfg Config) (beam.PCollection, error) {
	if err := cfg.Validate(); err != nil {
		return beam.PCollection{}, err
	}
	s = s.Scope("ringscanio.Read")
	return tryParDo(s, &readFn{Config: cfg})
}

// ReadJSON returns the rows of the table cfg names as a PCollection of
// strings, one JSON object per row, written as ringscan's JSON Lines
// sink writes them (docs/json-mapping.md), without the newline. It
// panics when cfg is invalid; TryReadJSON returns the error instead.
func ReadJSON(s beam.Scope, cfg Config) beam.PCollection {
	col, err := TryReadJSON(s, cfg)
	if err != nil {
		panic(err)
	}
	return col
}

// TryReadJSON is ReadJSON, returning an invalid cfg's error.
func TryReadJSON(s beam.Scope, cfg Config) (beam.PCollection, error) {
	if err := cfg.Validate(); err != nil {
		return beam.PCollection{}, err
	}
	s = s.Scope("ringscanio.ReadJSON")
	return tryParDo(s, &readJSONFn{Config: cfg})
}

func tryParDo(s beam.Scope, fn any) (beam.PCollection, error) {
	cols, err := beam.TryParDo(s, fn, beam.Impulse(s))
	if err != nil {
		return beam.PCollection{}, err
	}
	return cols[0], nil
}

// readFn is the splittable DoFn of Read. Its one exported field is what
// Beam serializes into the pipeline.
type readFn struct {
	Config Config
}

// CreateInitialRestriction plans the table: every subrange of the plan
// is a piece of the one initial restriction.
func (fn *readFn) CreateInitialRestriction(ctx context.Context, _ []byte) (Restriction, error) {
	return initialRestriction(ctx, fn.Config)
}

// SplitRestriction makes one restriction of each piece: initial
// splitting is the plan.
func (fn *readFn) SplitRestriction(_ []byte, r Restriction) []Restriction { return splitRestriction(r) }

// RestrictionSize is the restriction's estimated work left.
func (fn *readFn) RestrictionSize(_ []byte, r Restriction) float64 { return r.Size() }

// CreateTracker tracks a restriction behind Beam's lock: runners split
// it from another goroutine.
func (fn *readFn) CreateTracker(r Restriction) *sdf.LockRTracker {
	return sdf.NewLockRTracker(newTracker(r))
}

// ProcessElement reads the restriction's pieces, claiming every row
// before it emits it.
func (fn *readFn) ProcessElement(ctx context.Context, rt *sdf.LockRTracker, _ []byte, emit func(Row)) error {
	return process(ctx, fn.Config, rt, &rowOutput{emit: emit})
}

// readJSONFn is the splittable DoFn of ReadJSON: readFn with rows as
// JSON text.
type readJSONFn struct {
	Config Config
}

func (fn *readJSONFn) CreateInitialRestriction(ctx context.Context, _ []byte) (Restriction, error) {
	return initialRestriction(ctx, fn.Config)
}

func (fn *readJSONFn) SplitRestriction(_ []byte, r Restriction) []Restriction {
	return splitRestriction(r)
}

func (fn *readJSONFn) RestrictionSize(_ []byte, r Restriction) float64 { return r.Size() }

func (fn *readJSONFn) CreateTracker(r Restriction) *sdf.LockRTracker {
	return sdf.NewLockRTracker(newTracker(r))
}

func (fn *readJSONFn) ProcessElement(ctx context.Context, rt *sdf.LockRTracker, _ []byte, emit func(string)) error {
	return process(ctx, fn.Config, rt, &jsonOutput{emit: emit})
}

// initialRestriction is the plan of cfg's table as one restriction, its
// subranges in the plan's scan order.
func initialRestriction(ctx context.Context, cfg Config) (Restriction, error) {
	sess, release, err := sessions.acquire(ctx, cfg)
	if err != nil {
		return Restriction{}, err
	}
	defer release()
	p := sess.plan
	r := Restriction{Pieces: make([]Piece, len(p.Subranges))}
	for i, sr := range p.Subranges {
		r.Pieces[i] = Piece{ID: sr.ID, Start: sr.Range.Start, End: sr.Range.End}
		if p.Full.EstimatesUsed && sr.Estimate != nil {
			r.Pieces[i].Bytes = float64(sr.Estimate.Bytes)
		}
	}
	return r, nil
}

func splitRestriction(r Restriction) []Restriction {
	out := make([]Restriction, len(r.Pieces))
	for i, p := range r.Pieces {
		out[i] = Restriction{Pieces: []Piece{p}}
	}
	return out
}

// output receives the rows ProcessElement claimed.
type output interface {
	// page prepares the rows of b, a page of the read.
	page(ctx context.Context, b *sink.Batch) error
	// row emits row i of the page.
	row(i int) error
}

// rowOutput emits Rows.
type rowOutput struct {
	emit func(Row)
	b    *sink.Batch
}

func (o *rowOutput) page(_ context.Context, b *sink.Batch) error {
	o.b = b
	return nil
}

func (o *rowOutput) row(i int) error {
	r, err := rowOf(o.b, i)
	if err != nil {
		return err
	}
	o.emit(r)
	return nil
}

// jsonOutput emits rows as JSON text: each page is rendered at once by
// the JSON Lines sink, then handed on line by line.
type jsonOutput struct {
	emit  func(string)
	buf   bytes.Buffer
	sk    *sink.JSONLines
	lines []string
}

func (o *jsonOutput) page(ctx context.Context, b *sink.Batch) error {
	if o.sk == nil {
		o.sk = sink.NewJSONLines(&o.buf)
	}
	o.buf.Reset()
	if err := o.sk.Write(ctx, b); err != nil {
		return fmt.Errorf("ringscanio: %w", err)
	}
	// A row's JSON holds no raw newline (strings escape it): each line is
	// one row.
	o.lines = o.lines[:0]
	text := o.buf.String()
	for len(text) > 0 {
		i := strings.IndexByte(text, '\n')
		o.lines = append(o.lines, text[:i])
		text = text[i+1:]
	}
	if len(o.lines) != b.Len() {
		return fmt.Errorf("ringscanio: %d JSON lines for a page of %d rows", len(o.lines), b.Len())
	}
	return nil
}

func (o *jsonOutput) row(i int) error {
	o.emit(o.lines[i])
	return nil
}

// process reads the pieces of rt's restriction in order.
func process(ctx context.Context, cfg Config, rt *sdf.LockRTracker, out output) error {
	sess, release, err := sessions.acquire(ctx, cfg)
	if err != nil {
		return err
	}
	defer release()
	r := rt.GetRestriction().(Restriction)
	for i, pc := range r.Pieces {
		finished, err := readPiece(ctx, cfg, sess, rt, i, pc, out)
		if err != nil || !finished {
			return err
		}
		if !rt.TryClaim(pieceDone{piece: i}) {
			return rt.GetError()
		}
	}
	return nil
}

// readPiece reads piece i, pc, claiming every row before it emits it. It
// returns false when a claim failed: a split gave the rest away, or the
// claim's error.
func readPiece(ctx context.Context, cfg Config, sess *session, rt *sdf.LockRTracker, i int, pc Piece, out output) (finished bool, err error) {
	piecesRun.Inc(ctx, 1)
	sr, ok := sess.plan.SubrangeAt(pc.End)
	if !ok {
		return false, fmt.Errorf("ringscanio: piece %v lies outside the plan of %s.%s on this worker", pc, cfg.Keyspace, cfg.Table)
	}
	// The replicas of the planned subrange that holds the piece.
	sr.ID, sr.Range, sr.Estimate = pc.ID, pc.rangeOf(), nil
	sr.Share = sr.Range.Share()
	pages := sess.reader.Read(ctx, sr, pc.Cursor)
	defer pages.Close()
	for pages.Next() {
		b := pages.Batch()
		pagesRead.Inc(ctx, 1)
		if b.Len() == 0 {
			continue
		}
		if err := out.page(ctx, b); err != nil {
			return false, err
		}
		n := 0
		for j := range b.Len() {
			cur, err := pages.RowCursor(j)
			if err != nil {
				return false, fmt.Errorf("ringscanio: %w", err)
			}
			tok, _ := cur.LastToken()
			if tok.Compare(pc.End) > 0 {
				// A statement begun before the piece was cut goes on past
				// its end: the rest is another piece's.
				rowsRead.Inc(ctx, int64(n))
				return true, nil
			}
			if !rt.TryClaim(rowClaim{piece: i, token: tok, cursor: cur}) {
				rowsRead.Inc(ctx, int64(n))
				return false, rt.GetError()
			}
			if err := out.row(j); err != nil {
				return false, err
			}
			n++
			if testHookAfterRow != nil {
				if err := testHookAfterRow(ctx, rt); err != nil {
					return false, err
				}
			}
		}
		rowsRead.Inc(ctx, int64(n))
	}
	if err := pages.Err(); err != nil {
		return false, fmt.Errorf("ringscanio: read %s.%s piece %v: %w", cfg.Keyspace, cfg.Table, pc, err)
	}
	return true, nil
}

// testHookAfterRow, set by tests only, runs after every row emitted. On
// prism's loopback environment the worker runs in the test's process,
// so a test can hold a read until the runner splits it.
var testHookAfterRow func(ctx context.Context, rt *sdf.LockRTracker) error
