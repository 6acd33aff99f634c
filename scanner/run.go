package scanner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ringscan/ringscan/internal/crashpoint"
	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/sink"
	"github.com/ringscan/ringscan/worker"
)

// run is one run of a scan: the checkpoint state machine around the pool.
//
// The order of its steps is what makes a crash at any instant safe (see
// docs/checkpoint.md for the whole argument):
//
//  1. A resumed run restores the sink to the state of the checkpoint's last
//     commit before it reads a row: everything written after that commit is
//     discarded.
//  2. A fresh run commits the (empty) sink and saves a first checkpoint
//     before it reads a row, so that whatever it writes is accounted for by
//     a checkpoint that a resume can restore from.
//  3. Every page goes to the sink first; only then does the checkpoint's
//     cursor for its subrange move on (in memory).
//  4. A save commits the sink (its state then covers exactly the pages whose
//     cursors the checkpoint holds, since both happen on the writer
//     goroutine with no write in between), then saves the checkpoint
//     atomically.
//  5. After a sink error nothing more is saved: the last saved checkpoint
//     is the last consistent one.
func (s *Scanner) run(ctx context.Context, p *Plan, sk sink.Sink, o options) (Stats, error) {
	hooks := hookList(o.hooks)
	cp, p, tasks, resumed, err := begin(ctx, p, o.store)
	if err != nil {
		return Stats{}, err
	}
	cm, _ := sk.(sink.Committer)
	if resumed {
		switch {
		case cm != nil:
			if err := cm.Restore(ctx, cp.SinkState()); err != nil {
				return Stats{}, fmt.Errorf("%w: %w", ErrCannotResume, err)
			}
		case cp.SinkState() != nil:
			return Stats{}, fmt.Errorf("%w: %w: it was written with a sink that commits its output (%s), and this sink cannot restore it",
				ErrCannotResume, ErrCheckpointMismatch, abbreviate(cp.SinkState()))
		}
	}
	cp.addRun(o.runID, time.Now())
	out := &output{sink: sk, committer: cm, cp: cp, store: o.store, every: s.cfg.CheckpointEvery, hooks: hooks}
	out.prep, _ = sk.(sink.Preparer)
	if o.store != nil {
		crashpoint.Hit(crashpoint.FirstSave)
		if err := out.save(ctx); err != nil {
			return Stats{}, fmt.Errorf("first checkpoint: %w", err)
		}
	}
	wc := s.cfg.workerConfig()
	wc.Logger = o.log
	wc.MinSplitID = cp.maxID(p)
	wc.RowBytes = p.rowBytes()
	src := p.sourceFor(tasks)
	stopPrepare := p.prepareSwitch(ctx, tasks, src)
	wst, err := worker.Run(ctx, wc, tasks, src, out, hooks.worker(p.fetcher))
	stopPrepare()
	if o.store != nil && !out.failed {
		if serr := out.save(context.WithoutCancel(ctx)); serr != nil && err == nil {
			err = fmt.Errorf("final checkpoint: %w", serr)
		}
	}
	return statsOf(wst, p.fetcher), errorOf(err)
}

// begin returns the checkpoint to keep, the plan to read and its tasks: a
// new checkpoint and the whole plan when store is nil or holds no
// checkpoint, else the stored checkpoint with the plan it recorded and the
// tasks left.
func begin(ctx context.Context, p *Plan, store CheckpointStore) (*Checkpoint, *Plan, []worker.Task, bool, error) {
	fresh := func() (*Checkpoint, *Plan, []worker.Task, bool, error) {
		tasks := make([]worker.Task, len(p.Subranges))
		for i, sr := range p.Subranges {
			tasks[i] = worker.Task{Subrange: sr}
		}
		return newCheckpoint(p.identity(), p.topology(), p.planRecord()), p, tasks, false, nil
	}
	if store == nil {
		return fresh()
	}
	cp, err := LoadCheckpoint(ctx, store)
	if errors.Is(err, ErrNoCheckpoint) {
		return fresh()
	}
	if err != nil {
		return nil, nil, nil, false, fmt.Errorf("%w: %w", ErrCannotResume, err)
	}
	q, err := p.ForCheckpoint(cp)
	if err != nil {
		return nil, nil, nil, false, err
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	tasks, err := tasksLeft(q, cp)
	if err != nil {
		return nil, nil, nil, false, fmt.Errorf("%w: %w", ErrCannotResume, err)
	}
	return cp, q, tasks, true, nil
}

// ForCheckpoint returns the plan cp recorded, rebuilt from p's ring: the
// plan a run of p resuming from cp reads, whatever p's own split (its
// Splits, its size estimates) would be now. Its errors wrap ErrCannotResume:
// ErrCheckpointMismatch when cp is another scan's (another table, columns,
// Where, token bounds, shard or topology), ErrCheckpointCorrupt when its
// plan does not rebuild. Run and RunPlan call it when they resume; a
// caller that shows the plan (its subranges, its fingerprint) calls it
// first, to show the one that will be read.
func (p *Plan) ForCheckpoint(cp *Checkpoint) (*Plan, error) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	diffs := diffIdentity(cp.doc.Identity, p.identity())
	diffs = append(diffs, diffTopology(cp.doc.Topology, p.topology())...)
	if len(diffs) > 0 {
		return nil, fmt.Errorf("%w: %w: %s", ErrCannotResume, ErrCheckpointMismatch, strings.Join(diffs, "; "))
	}
	counts, err := decodePerVnode(cp.doc.Plan.PerVnode)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCannotResume, err)
	}
	q, err := p.withPerVnode(counts)
	if err != nil {
		return nil, fmt.Errorf("%w: %w: the recorded plan does not fit the ring: %v", ErrCannotResume, ErrCheckpointCorrupt, err)
	}
	if fp := q.Full.Fingerprint(); fp != cp.doc.Plan.Fingerprint {
		return nil, fmt.Errorf("%w: %w: the recorded plan rebuilds with fingerprint %s, not %s",
			ErrCannotResume, ErrCheckpointCorrupt, fp, cp.doc.Plan.Fingerprint)
	}
	return q, nil
}

// tasksLeft returns the subranges of q that cp does not record as done,
// each from its recorded cursor and end, then the pieces earlier runs split
// off running subranges: token ranges, pieces of split partitions (a
// piece read down from a partition's end paired again with the range it
// meets, or, when that one is done, ending at its last row). Every
// subrange cp records must be one of q's, or a piece of one. cp.mu is
// held.
func tasksLeft(q *Plan, cp *Checkpoint) ([]worker.Task, error) {
	planned := make(map[int]ring.Subrange, len(q.Subranges))
	for _, sr := range q.Subranges {
		planned[sr.ID] = sr
	}
	bad := func(id int, format string, args ...any) error {
		return fmt.Errorf("%w: range %d: %s", ErrCheckpointCorrupt, id, fmt.Sprintf(format, args...))
	}
	p := q.Ring.Partitioner()
	inside := func(r ring.Range, t ring.Token) bool { return t.Partitioner() == p && (r.Contains(t) || t == r.Start) }
	var tasks []worker.Task
	task := func(id int, sr ring.Subrange, r *rangeRecord) (worker.Task, error) {
		t := worker.Task{Subrange: sr}
		if r == nil {
			return t, nil
		}
		if r.Cursor != nil {
			t.Cursor = r.Cursor.c
		}
		var err error
		if r.Stop != nil {
			if t.Stop, err = r.Stop.decode(); err != nil {
				return t, bad(id, "%v", err)
			}
		}
		if r.Piece != nil {
			if t.Piece, err = r.Piece.decode(); err != nil {
				return t, bad(id, "%v", err)
			}
			if !inside(sr.Range, t.Piece.Token) && t.Piece.Token != sr.Range.End {
				return t, bad(id, "a piece of a partition at token %v, outside its range %v", t.Piece.Token, sr.Range)
			}
			sr.Range = ring.Range{Start: t.Piece.Token, End: t.Piece.Token}
			sr.Share = 0
			t.Subrange = sr
		}
		if r.Partner != nil {
			partner := cp.doc.Ranges[*r.Partner]
			switch {
			case t.Piece == nil || !t.Piece.Reverse || partner == nil:
				return t, bad(id, "a partner range %d that it cannot meet", *r.Partner)
			case !partner.Done:
				t.Paired, t.Partner = true, *r.Partner
			case partner.Last != nil:
				last, err := decodePosition(partner.Last)
				if err != nil || len(last.Key) <= len(t.Piece.PK) {
					return t, bad(id, "its partner's last row is not valid")
				}
				t.Piece.From = worker.Cut{CK: last.Key[len(t.Piece.PK):], After: true}
			}
		}
		return t, nil
	}
	for _, sr := range q.Subranges {
		r := cp.doc.Ranges[sr.ID]
		if r != nil && r.Done {
			continue
		}
		if r != nil && r.End != nil {
			if !inside(sr.Range, *r.End) {
				return nil, bad(sr.ID, "its end %v is outside its bounds %v", *r.End, sr.Range)
			}
			sr.Range.End = *r.End
			sr.Share = sr.Range.Share()
		}
		if r != nil && r.Piece != nil {
			return nil, bad(sr.ID, "a planned subrange recorded as a piece of a partition")
		}
		t, err := task(sr.ID, sr, r)
		if err != nil {
			return nil, err
		}
		tasks = append(tasks, t)
	}
	for _, id := range slices.Sorted(maps.Keys(cp.doc.Ranges)) {
		r := cp.doc.Ranges[id]
		if r.Parent == nil {
			if _, ok := planned[id]; !ok {
				return nil, fmt.Errorf("%w: it records range %d, which is not in this plan of %d subranges", ErrCheckpointMismatch, id, len(q.Subranges))
			}
			continue
		}
		root, ok := planned[cp.root(id)]
		if !ok {
			return nil, fmt.Errorf("%w: range %d was split off range %d, which is not in this plan", ErrCheckpointMismatch, id, cp.root(id))
		}
		if r.Start == nil || r.End == nil || !inside(root.Range, *r.Start) || !inside(root.Range, *r.End) ||
			(r.Piece == nil && r.Start.Compare(*r.End) > 0) {
			return nil, bad(id, "split off range %d, without valid bounds inside %v", root.ID, root.Range)
		}
		if r.Done || r.Piece == nil && *r.Start == *r.End {
			// (End, End] holds no token. Earlier runs recorded such a
			// split when its subrange was read to its end meanwhile
			// (see worker's cutTokens); their checkpoints resume.
			continue
		}
		sr := ring.Subrange{ID: id, Range: ring.Range{Start: *r.Start, End: *r.End}, Vnode: root.Vnode, Replicas: root.Replicas}
		sr.Share = sr.Range.Share()
		t, err := task(id, sr, r)
		if err != nil {
			return nil, err
		}
		tasks = append(tasks, t)
	}
	return tasks, nil
}

// output is the pool's Output: it writes pages to the sink, moves the
// checkpoint's cursors and saves the checkpoint every CheckpointEvery.
// WritePage and save run on the pool's writer goroutine (save also before
// and after the pool runs), never concurrently.
type output struct {
	sink      sink.Sink
	prep      sink.Preparer  // sink, if it prepares batches
	committer sink.Committer // nil: sk is durable when Write returns
	cp        *Checkpoint
	store     CheckpointStore // nil: nothing is saved
	every     time.Duration
	hooks     hookList
	last      time.Time
	// failed is set when the sink failed: its state is unknown, so no
	// checkpoint may count anything more.
	failed bool
}

var (
	_ worker.Output       = (*output)(nil)
	_ worker.PagePreparer = (*output)(nil)
)

// PreparePage lets the sink prepare a page, on the goroutine that read it.
func (o *output) PreparePage(b *sink.Batch) {
	if o.prep != nil {
		o.prep.Prepare(b)
	}
}

func (o *output) WritePage(ctx context.Context, id int, b *sink.Batch, cur worker.Cursor) error {
	if b.Len() > 0 {
		if err := o.sink.Write(ctx, b); err != nil {
			o.failed = true
			return fmt.Errorf("sink: %w", err)
		}
	}
	crashpoint.Hit(crashpoint.Page)
	o.cp.update(id, cur, b.Len())
	o.hooks.pageWritten(id, cur, b.Len())
	if o.store != nil && time.Since(o.last) >= o.every {
		return o.save(ctx)
	}
	return nil
}

func (o *output) Split(sp worker.Split) {
	o.cp.split(sp)
	crashpoint.Hit(crashpoint.Split)
	pieces := 0
	for _, child := range sp.Children {
		o.hooks.rangeSplit(sp.Parent.Subrange.ID, child.Subrange)
		if child.Piece != nil && !child.Piece.Whole() {
			pieces++ // not a partition of the same token, read whole
		}
	}
	if pieces > 0 {
		o.hooks.partitionSplit(sp.Parent.Subrange.ID, pieces, sp.Partition)
	}
}

// save commits the sink, then saves the checkpoint with the sink's state.
func (o *output) save(ctx context.Context) error {
	o.last = time.Now()
	if o.committer != nil {
		state, err := o.committer.Commit(ctx)
		if err == nil && !json.Valid(state) {
			err = fmt.Errorf("its state is not JSON: %s", abbreviate(state))
		}
		if err != nil {
			o.failed = true
			return fmt.Errorf("commit sink: %w", err)
		}
		o.cp.setSink(state)
		crashpoint.Hit(crashpoint.Committed)
	}
	data, err := o.cp.MarshalJSON()
	if err == nil {
		err = o.store.Save(ctx, data)
	}
	o.hooks.checkpointSaved(o.cp.Rows(), err)
	if err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	return nil
}

// abbreviate shortens a sink state for a message.
func abbreviate(b []byte) string {
	const n = 80
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "..."
}
