package scanner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/sink"
	"github.com/ringscan/ringscan/worker"
)

// Plan is a scan's split plan with what it reads.
type Plan struct {
	// Ring is the cluster's token ring as the driver sees it.
	Ring *ring.Ring
	// Subranges is the plan (one shard of it with Config.Shards), in the
	// order they are read.
	Subranges []ring.Subrange
	// Full is the whole plan, before sharding (cut to Config.BeginToken
	// and EndToken, if set); its Fingerprint identifies the plan for
	// checkpoints.
	Full *ring.Plan
	// Columns are the columns handed to sinks.
	Columns []sink.Column
	// Replication is the keyspace's replication.
	Replication ring.Replication
	// PartitionKey names the table's partition key columns, in order.
	PartitionKey []string

	split ring.SplitConfig // how Full was made, estimates aside
	// estimates are the size estimates read with UseSizeEstimates.
	estimates []ring.SizeEstimate
	whole     *ring.Plan // Full before the token bounds cut it
	cfg       Config
	fetcher   *fetcher
	// count, when set, reads the rows instead of fetcher (CountOnly); the
	// fetcher is then its keyed reader.
	count *countFetcher
	// server, when set, counts on the server instead (CountOnServer).
	server *serverCounter
}

// source is what reads the plan's pages.
func (p *Plan) source() worker.Fetcher {
	if p.server != nil {
		return p.server
	}
	if p.count != nil {
		return p.count
	}
	return p.fetcher
}

// Plan resolves the table and the ring and builds the split plan. Unknown
// keyspaces, tables and columns get errors that list what exists.
//
// The ring comes from what the driver learnt when it connected; the table's
// schema and, with UseSizeEstimates, every node's size estimates are read
// at once, in one round trip.
func (s *Scanner) Plan(ctx context.Context) (*Plan, error) {
	r, err := loadRing(s.session)
	if err != nil {
		return nil, err
	}
	var t *tableInfo
	var estimates []ring.SizeEstimate
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		t, err = loadTable(gctx, s.session, s.cfg.Keyspace, s.cfg.Table)
		return err
	})
	if s.cfg.UseSizeEstimates {
		g.Go(func() error {
			estimates = sizeEstimates(gctx, s.session, r, s.cfg.Keyspace, s.cfg.Table)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	cols, err := t.columns(s.cfg.Columns)
	if err != nil {
		return nil, err
	}
	splits := s.cfg.Splits
	if splits == 0 {
		splits = s.cfg.Concurrency
	}
	sc := ring.SplitConfig{Replication: t.repl, Splits: splits, LocalDC: s.cfg.LocalDC, LocalDCOnly: s.cfg.LocalDC != ""}
	p := &Plan{Ring: r, Replication: t.repl, split: sc, estimates: estimates, cfg: s.cfg}
	sc.Estimates = estimates
	full, err := r.Split(sc)
	if err != nil {
		return nil, err
	}
	if err := p.setFull(full); err != nil {
		return nil, err
	}
	p.fetcher = newFetcher(s.session, s.cfg, r.Partitioner(), t, cols, false)
	if err := p.fetcher.check(ctx); err != nil {
		return nil, err
	}
	p.Columns = p.fetcher.out
	for _, c := range t.pk {
		p.PartitionKey = append(p.PartitionKey, c.name)
	}
	return p, nil
}

// setFull makes whole the plan's whole plan, cut to the token bounds, and
// takes the configured shard of it, in scan order.
func (p *Plan) setFull(whole *ring.Plan) error {
	p.whole = whole
	full := whole
	if p.cfg.BeginToken != "" || p.cfg.EndToken != "" {
		within, err := p.tokenBounds()
		if err != nil {
			return err
		}
		full = whole.Restrict(within...)
	}
	part := full
	if p.cfg.Shards > 1 {
		var err error
		if part, err = full.Shard(p.cfg.Shard, p.cfg.Shards); err != nil {
			return err
		}
	}
	p.Full = full
	p.Subranges = part.Shuffle(p.cfg.Seed)
	return nil
}

// tokenBounds are the ranges of tokens Config.BeginToken and EndToken
// leave: (begin, end], or its two parts when it wraps around the ring.
func (p *Plan) tokenBounds() ([]ring.Range, error) {
	part := p.Ring.Partitioner()
	begin, end := part.Min(), part.Max()
	var err error
	if p.cfg.BeginToken != "" {
		if begin, err = part.ParseToken(p.cfg.BeginToken); err != nil {
			return nil, fmt.Errorf("%w: BeginToken: %w", ErrInvalidConfig, err)
		}
	}
	if p.cfg.EndToken != "" {
		if end, err = part.ParseToken(p.cfg.EndToken); err != nil {
			return nil, fmt.Errorf("%w: EndToken: %w", ErrInvalidConfig, err)
		}
	}
	// Written differently ("5", "+5", "05") but the same token: (t, t]
	// holds none, though the two halves below would make it the ring.
	if p.cfg.BeginToken != "" && p.cfg.EndToken != "" && begin.Compare(end) == 0 {
		return nil, fmt.Errorf("%w: BeginToken and EndToken are both %v: the range (t, t] holds no token", ErrInvalidConfig, begin)
	}
	if begin.Compare(end) < 0 {
		return []ring.Range{{Start: begin, End: end}}, nil
	}
	return []ring.Range{{Start: begin, End: part.Max()}, {Start: part.Min(), End: end}}, nil
}

// withPerVnode returns the plan rebuilt from recorded per-vnode subrange
// counts, on the same ring: the plan a checkpoint recorded.
func (p *Plan) withPerVnode(counts []int) (*Plan, error) {
	sc := p.split
	sc.PerVnode = counts
	full, err := p.Ring.Split(sc)
	if err != nil {
		return nil, err
	}
	q := *p
	if err := q.setFull(full); err != nil {
		return nil, err
	}
	return &q, nil
}

// Project returns the plan reading only the given columns: the same ring,
// subranges and fingerprint, another column list. It saves planning again
// when the columns depend on the table (count reads the partition key).
func (p *Plan) Project(columns []string) (*Plan, error) {
	f := p.fetcher
	cols, err := f.t.columns(columns)
	if err != nil {
		return nil, err
	}
	q := *p
	q.fetcher = newFetcher(f.session, f.cfg, f.p, f.t, cols, false)
	q.Columns, q.count, q.server = q.fetcher.out, nil, nil
	return &q, nil
}

// TokensOnly returns the plan reading no column, only each row's token: the
// least a row can be, for counting. Its batches have no Columns, only
// their rows (Batch.Len). Resuming inside a token is then by the row's
// ordinal among the rows of its token, which is exact as long as the rows
// of that token before the position are not changed while the scan is
// stopped (or while it restarts after a refused paging state); with key
// values, Project gives exact positions whatever is written meanwhile.
func (p *Plan) TokensOnly() *Plan {
	f := p.fetcher
	q := *p
	q.fetcher = newFetcher(f.session, f.cfg, f.p, f.t, nil, true)
	q.Columns, q.count, q.server = nil, nil, nil
	return &q
}

// CountOnly returns the plan reading as little of each row as a count
// needs: its token alone (TokensOnly), switching to its primary key inside
// large partitions when they may be split (the table has clustering
// columns, Config.NoPartitionSplit is not set, the Where condition
// restricts no clustering column): a reader whose page ends with a page of
// rows of one token reads the keys of those rows once, reads the rest of
// the partition by key, which a split needs to know where a reader stands
// in it, and goes back to tokens only after it. Its batches have no
// Columns, only their rows (Batch.Len). Positions by token are exact as
// TokensOnly says.
func (p *Plan) CountOnly() *Plan {
	f := p.fetcher
	keys := newFetcher(f.session, f.cfg, f.p, f.t, nil, false)
	q := p.TokensOnly()
	if keys.splits {
		q.count = &countFetcher{fetcher: keys, tok: q.fetcher}
		q.fetcher = keys
	}
	return q
}

// topology records the ring and replication the plan was made on.
// rowBytes is the bytes of values a row is expected to hold before any of
// the plan's pages came back (worker.Config.RowBytes, which PageBytes
// bounds the first requests by): the size estimates' mean partition size
// on a table without clustering columns, whose partitions are rows, when
// the estimates were read and rows are read with their values; else 0,
// unknown: a mean partition of many rows says little of one row, and a
// count reads none of their values.
func (p *Plan) rowBytes() float64 {
	if p.fetcher == nil || p.fetcher.keyless || p.server != nil || len(p.fetcher.t.ck) > 0 {
		return 0
	}
	var parts, bytes float64
	for _, e := range p.estimates {
		parts += float64(e.Partitions)
		bytes += float64(e.Partitions) * float64(e.MeanPartitionSize)
	}
	if parts <= 0 {
		return 0
	}
	return bytes / parts
}

func (p *Plan) topology() topologyRecord {
	t := topologyRecord{Partitioner: p.Ring.Partitioner().String(), Replication: p.Replication.String(), LocalDC: p.split.LocalDC}
	for _, h := range p.Ring.Hosts() {
		toks := slices.Clone(h.Tokens)
		slices.SortFunc(toks, ring.Token.Compare)
		sum := sha256.New()
		for _, tk := range toks {
			fmt.Fprintln(sum, tk.String())
		}
		t.Hosts = append(t.Hosts, hostRecord{ID: h.ID, Address: h.Address, DC: h.DC, Rack: h.Rack, Tokens: len(toks),
			TokensSHA256: hex.EncodeToString(sum.Sum(nil))})
	}
	slices.SortFunc(t.Hosts, func(a, b hostRecord) int { return strings.Compare(a.ID, b.ID) })
	return t
}

// planRecord records the plan for a checkpoint.
func (p *Plan) planRecord() planRecord {
	return planRecord{Fingerprint: p.Full.Fingerprint(), PerVnode: encodePerVnode(p.whole.PerVnode())}
}

// identity is what a checkpoint of this plan belongs to.
func (p *Plan) identity() checkpointIdentity {
	id := checkpointIdentity{Keyspace: p.cfg.Keyspace, Table: p.cfg.Table, Shard: shardString(p.cfg.Shard, p.cfg.Shards),
		Where: strings.TrimSpace(p.cfg.Where), AllowFiltering: p.cfg.AllowFiltering}
	if p.cfg.BeginToken != "" || p.cfg.EndToken != "" {
		id.Tokens = "(" + p.cfg.BeginToken + ", " + p.cfg.EndToken + "]"
	}
	for _, c := range p.Columns {
		id.Columns = append(id.Columns, c.Name)
	}
	return id
}

// shardString formats a shard as "i/n".
func shardString(i, n int) string {
	if n <= 1 {
		return "0/1"
	}
	return strconv.Itoa(i) + "/" + strconv.Itoa(n)
}

// diffIdentity names every difference between a checkpoint's identity and
// the scan's.
func diffIdentity(got, want checkpointIdentity) []string {
	var diffs []string
	cmp := func(what, a, b string) {
		if a != b {
			diffs = append(diffs, fmt.Sprintf("%s is %q in the checkpoint but %q now", what, a, b))
		}
	}
	cmp("keyspace", got.Keyspace, want.Keyspace)
	cmp("table", got.Table, want.Table)
	list := func(cols []string) string {
		if len(cols) == 0 {
			return "none, tokens only"
		}
		return strings.Join(cols, ",")
	}
	cmp("columns", list(got.Columns), list(want.Columns))
	cmp("shard", got.Shard, want.Shard)
	cmp("the Where condition", got.Where, want.Where)
	if got.AllowFiltering != want.AllowFiltering {
		diffs = append(diffs, fmt.Sprintf("ALLOW FILTERING is %v in the checkpoint but %v now", got.AllowFiltering, want.AllowFiltering))
	}
	cmp("the token range", got.Tokens, want.Tokens)
	return diffs
}

// diffTopology says what changed in the cluster since a checkpoint was
// planned.
func diffTopology(got, want topologyRecord) []string {
	var diffs []string
	if got.Partitioner != want.Partitioner {
		diffs = append(diffs, fmt.Sprintf("the partitioner is %s in the checkpoint but %s now", got.Partitioner, want.Partitioner))
	}
	if got.Replication != want.Replication {
		diffs = append(diffs, fmt.Sprintf("the keyspace's replication is %s in the checkpoint but %s now", got.Replication, want.Replication))
	}
	if got.LocalDC != want.LocalDC {
		diffs = append(diffs, fmt.Sprintf("the local DC is %q in the checkpoint but %q now", got.LocalDC, want.LocalDC))
	}
	then := map[string]hostRecord{}
	for _, h := range got.Hosts {
		then[h.ID] = h
	}
	now := map[string]hostRecord{}
	for _, h := range want.Hosts {
		now[h.ID] = h
		old, ok := then[h.ID]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("host %s (%s) joined", h.Address, h.ID))
		case old.TokensSHA256 != h.TokensSHA256:
			diffs = append(diffs, fmt.Sprintf("the tokens of host %s (%s) changed (%d then, %d now)", h.Address, h.ID, old.Tokens, h.Tokens))
		case old.DC != h.DC || old.Rack != h.Rack:
			diffs = append(diffs, fmt.Sprintf("host %s (%s) moved from %s/%s to %s/%s", h.Address, h.ID, old.DC, old.Rack, h.DC, h.Rack))
		}
	}
	for _, h := range got.Hosts {
		if _, ok := now[h.ID]; !ok {
			diffs = append(diffs, fmt.Sprintf("host %s (%s) left", h.Address, h.ID))
		}
	}
	return diffs
}
