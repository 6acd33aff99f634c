package scanner

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/worker"
)

// CheckpointVersion is the checkpoint format version written and read.
const CheckpointVersion = 3

// Checkpoint errors.
var (
	// ErrNoCheckpoint is returned by a CheckpointStore's Load when it holds
	// no checkpoint: the scan starts from the beginning.
	ErrNoCheckpoint = errors.New("no checkpoint")
	// ErrCheckpointCorrupt is wrapped by errors about checkpoints that
	// cannot be read: torn, edited, another format version.
	ErrCheckpointCorrupt = errors.New("corrupt checkpoint")
	// ErrCheckpointMismatch is wrapped when a checkpoint belongs to another
	// scan (table, columns, shard, output) or another topology; the message
	// names every difference.
	ErrCheckpointMismatch = errors.New("checkpoint belongs to another scan")
	// ErrCannotResume is wrapped by every error that stops Run from
	// resuming the checkpoint of its store (with ErrCheckpointCorrupt or
	// ErrCheckpointMismatch when that is why), before anything is read or
	// written.
	ErrCannotResume = errors.New("cannot resume")
)

// Checkpoint is a scan's progress: what it reads, the cluster topology and
// split plan it was planned on, and for every subrange started, the rows
// written and where it stands; plus the sink's committed state. Run keeps
// it up to date, saves it through a CheckpointStore and resumes from it
// (see WithCheckpoint). Its methods are safe for concurrent use.
//
// A Checkpoint encodes as a JSON document (MarshalJSON), versioned and
// checksummed; docs/checkpoint.md describes the format.
type Checkpoint struct {
	mu  sync.Mutex
	doc checkpointDoc
}

// checkpointDoc is a checkpoint's encoded form.
type checkpointDoc struct {
	Version  int                  `json:"version"`
	Identity checkpointIdentity   `json:"identity"`
	Topology topologyRecord       `json:"topology"`
	Plan     planRecord           `json:"plan"`
	Runs     []runRecord          `json:"runs"`
	Started  time.Time            `json:"started"`
	Updated  time.Time            `json:"updated"`
	Rows     int64                `json:"rows"`
	Ranges   map[int]*rangeRecord `json:"ranges"`
	Sink     json.RawMessage      `json:"sink,omitempty"`
	Checksum string               `json:"checksum"`
}

// checkpointIdentity is what a checkpoint belongs to: a resume must read
// the same rows into the same output.
type checkpointIdentity struct {
	Keyspace string   `json:"keyspace"`
	Table    string   `json:"table"`
	Columns  []string `json:"columns"`
	// Shard is "i/n", "0/1" for a whole scan.
	Shard string `json:"shard"`
	// Where, AllowFiltering and Tokens are Config's Where, AllowFiltering
	// and token bounds ("(begin, end]"), when set.
	Where          string `json:"where,omitempty"`
	AllowFiltering bool   `json:"allow_filtering,omitempty"`
	Tokens         string `json:"tokens,omitempty"`
}

// topologyRecord is the cluster as planned: a resume needs the same token
// ownership and replication to read the recorded plan.
type topologyRecord struct {
	Partitioner string       `json:"partitioner"`
	Replication string       `json:"replication"`
	LocalDC     string       `json:"local_dc,omitempty"`
	Hosts       []hostRecord `json:"hosts"`
}

type hostRecord struct {
	ID      string `json:"id"`
	Address string `json:"address"`
	DC      string `json:"dc"`
	Rack    string `json:"rack"`
	Tokens  int    `json:"tokens"`
	// TokensSHA256 hashes the host's sorted tokens.
	TokensSHA256 string `json:"tokens_sha256"`
}

// planRecord is the split plan: the subranges per vnode range rebuild it
// from the same ring (ring.SplitConfig.PerVnode), whatever the splits or
// size estimates of the resuming run.
type planRecord struct {
	Fingerprint string `json:"fingerprint"`
	// PerVnode is run-length encoded: "k" or "k*n" (n vnode ranges of k
	// subranges each), comma separated, in vnode range order.
	PerVnode string `json:"per_vnode"`
}

type runRecord struct {
	ID      string    `json:"id"`
	Started time.Time `json:"started"`
}

// rangeRecord is one subrange's progress.
type rangeRecord struct {
	Done   bool    `json:"done,omitempty"`
	Rows   int64   `json:"rows"`
	Cursor *Cursor `json:"cursor,omitempty"`
	// End, when set, is where the subrange now ends: the rest was split
	// off while the scan ran.
	End *ring.Token `json:"end,omitempty"`
	// Parent and Start are set for a piece split off a running subrange:
	// its bounds are (Start, End].
	Parent *int        `json:"parent,omitempty"`
	Start  *ring.Token `json:"start,omitempty"`
	// Piece is set for a piece of a split partition: the part it reads
	// (its token range is empty, at the partition's token).
	Piece *pieceJSON `json:"piece,omitempty"`
	// Stop is set for a subrange that ends inside a split partition.
	Stop *stopJSON `json:"stop,omitempty"`
	// Partner, for a piece read down from a partition's end, is the range
	// reading up that it meets.
	Partner *int `json:"partner,omitempty"`
	// Paired marks a range that a piece read down meets; Last is its last
	// row once it is done, where that piece then ends.
	Paired bool          `json:"paired,omitempty"`
	Last   *positionJSON `json:"last,omitempty"`
}

// pieceJSON is a worker.Piece: the partition's token and key values
// (base64) and the clustering cuts.
type pieceJSON struct {
	Token   ring.Token `json:"token"`
	PK      []string   `json:"pk"`
	From    *cutJSON   `json:"from,omitempty"`
	To      *cutJSON   `json:"to,omitempty"`
	Reverse bool       `json:"reverse,omitempty"`
}

// cutJSON is a worker.Cut; an open cut is omitted.
type cutJSON struct {
	CK    []string `json:"ck"`
	After bool     `json:"after,omitempty"`
}

// stopJSON is a worker.Stop.
type stopJSON struct {
	PK []string `json:"pk"`
	At *cutJSON `json:"at,omitempty"`
}

func encodeValues(vs [][]byte) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = base64.StdEncoding.EncodeToString(v)
	}
	return out
}

func decodeValues(in []string) ([][]byte, error) {
	out := make([][]byte, len(in))
	for i, s := range in {
		v, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("value %d: %w", i, err)
		}
		if v == nil {
			v = []byte{}
		}
		out[i] = v
	}
	return out, nil
}

func encodeCut(c worker.Cut) *cutJSON {
	if c.Open() {
		return nil
	}
	return &cutJSON{CK: encodeValues(c.CK), After: c.After}
}

func (c *cutJSON) decode() (worker.Cut, error) {
	if c == nil {
		return worker.Cut{}, nil
	}
	ck, err := decodeValues(c.CK)
	if err != nil || len(ck) == 0 {
		return worker.Cut{}, fmt.Errorf("a cut without valid clustering values")
	}
	return worker.Cut{CK: ck, After: c.After}, nil
}

func encodePiece(p *worker.Piece) *pieceJSON {
	if p == nil {
		return nil
	}
	return &pieceJSON{Token: p.Token, PK: encodeValues(p.PK), From: encodeCut(p.From), To: encodeCut(p.To), Reverse: p.Reverse}
}

func (p *pieceJSON) decode() (*worker.Piece, error) {
	pk, err := decodeValues(p.PK)
	if err != nil || len(pk) == 0 {
		return nil, fmt.Errorf("a piece without a valid partition key")
	}
	out := &worker.Piece{Token: p.Token, PK: pk, Reverse: p.Reverse}
	if out.From, err = p.From.decode(); err != nil {
		return nil, err
	}
	if out.To, err = p.To.decode(); err != nil {
		return nil, err
	}
	return out, nil
}

func encodeStop(s *worker.Stop) *stopJSON {
	if s == nil {
		return nil
	}
	return &stopJSON{PK: encodeValues(s.PK), At: encodeCut(s.At)}
}

func (s *stopJSON) decode() (*worker.Stop, error) {
	pk, err := decodeValues(s.PK)
	if err != nil || len(pk) == 0 {
		return nil, fmt.Errorf("a stop without a valid partition key")
	}
	at, err := s.At.decode()
	if err != nil {
		return nil, err
	}
	return &worker.Stop{PK: pk, At: at}, nil
}

// RangeProgress is one subrange's progress in a checkpoint.
type RangeProgress struct {
	ID int
	// Parent is the subrange this piece was split off; -1 for a planned
	// subrange.
	Parent int
	// Rows were written.
	Rows int64
	// Done reports the subrange was read to its end.
	Done bool
	// Cursor is where it stands.
	Cursor Cursor
}

func newCheckpoint(id checkpointIdentity, topo topologyRecord, plan planRecord) *Checkpoint {
	now := time.Now().UTC()
	return &Checkpoint{doc: checkpointDoc{Version: CheckpointVersion, Identity: id, Topology: topo, Plan: plan,
		Started: now, Updated: now, Ranges: map[int]*rangeRecord{}}}
}

// Rows returns the rows written by every run so far.
func (c *Checkpoint) Rows() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.doc.Rows
}

// Started returns when the first run started.
func (c *Checkpoint) Started() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.doc.Started
}

// RunIDs lists the ids of the runs that worked on the scan, first first.
func (c *Checkpoint) RunIDs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := make([]string, len(c.doc.Runs))
	for i, r := range c.doc.Runs {
		ids[i] = r.ID
	}
	return ids
}

// Keyspace, Table and Columns return what the scan reads; Shard its shard
// ("i/n", "0/1" for a whole scan).
func (c *Checkpoint) Keyspace() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.doc.Identity.Keyspace
}

// Table returns the table the scan reads.
func (c *Checkpoint) Table() string { c.mu.Lock(); defer c.mu.Unlock(); return c.doc.Identity.Table }

// Columns returns the columns the scan reads.
func (c *Checkpoint) Columns() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.doc.Identity.Columns)
}

// Shard returns the scan's shard, "i/n"; "0/1" for a whole scan.
func (c *Checkpoint) Shard() string { c.mu.Lock(); defer c.mu.Unlock(); return c.doc.Identity.Shard }

// PlanFingerprint identifies the split plan.
func (c *Checkpoint) PlanFingerprint() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.doc.Plan.Fingerprint
}

// SinkState returns the sink's state at the last commit the checkpoint
// records (see sink.Committer), nil if none.
func (c *Checkpoint) SinkState() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.doc.Sink)
}

// Progress returns every subrange started, by id.
func (c *Checkpoint) Progress() []RangeProgress {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]RangeProgress, 0, len(c.doc.Ranges))
	for _, id := range slices.Sorted(maps.Keys(c.doc.Ranges)) {
		r := c.doc.Ranges[id]
		p := RangeProgress{ID: id, Parent: -1, Rows: r.Rows, Done: r.Done}
		if r.Parent != nil {
			p.Parent = *r.Parent
		}
		if r.Cursor != nil {
			p.Cursor = *r.Cursor
		}
		p.Cursor.c.Done = r.Done
		out = append(out, p)
	}
	return out
}

// Root returns the planned subrange a subrange was split off, or id itself.
func (c *Checkpoint) Root(id int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.root(id)
}

func (c *Checkpoint) root(id int) int {
	for range len(c.doc.Ranges) {
		r := c.doc.Ranges[id]
		if r == nil || r.Parent == nil {
			return id
		}
		id = *r.Parent
	}
	return id
}

// maxID returns the largest subrange id of p's whole plan and of the
// checkpoint: pieces split off later must be numbered above it.
func (c *Checkpoint) maxID(p *Plan) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := len(p.whole.Subranges) - 1
	for _, s := range p.Full.Subranges {
		m = max(m, s.ID)
	}
	for id := range c.doc.Ranges {
		m = max(m, id)
	}
	return m
}

// update records a subrange's cursor after rows more rows were written.
func (c *Checkpoint) update(id int, cur worker.Cursor, rows int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.doc.Ranges[id]
	if r == nil {
		r = &rangeRecord{}
		c.doc.Ranges[id] = r
	}
	r.Rows += int64(rows)
	c.doc.Rows += int64(rows)
	r.Done = cur.Done
	r.Cursor = nil
	if !cur.Done {
		r.Cursor = &Cursor{c: cur}
	}
	if r.Paired && cur.Last != nil {
		r.Last = encodePosition(cur.Last)
	}
}

// split records a split of a running task (see worker.Split): the
// parent's new end, and the tasks split off it.
func (c *Checkpoint) split(sp worker.Split) {
	c.mu.Lock()
	defer c.mu.Unlock()
	parent := sp.Parent.Subrange.ID
	p := c.doc.Ranges[parent]
	if p == nil {
		p = &rangeRecord{}
		c.doc.Ranges[parent] = p
	}
	switch {
	case sp.Parent.Piece != nil:
		p.Piece = encodePiece(sp.Parent.Piece)
	default:
		end := sp.Parent.Subrange.Range.End
		p.End = &end
		p.Stop = encodeStop(sp.Parent.Stop)
	}
	for _, child := range sp.Children {
		id := parent
		start, end := child.Subrange.Range.Start, child.Subrange.Range.End
		r := &rangeRecord{Parent: &id, Start: &start, End: &end, Piece: encodePiece(child.Piece)}
		if child.Paired {
			partner := child.Partner
			r.Partner = &partner
			p.Paired = true
		}
		c.doc.Ranges[child.Subrange.ID] = r
	}
}

// setSink records the sink's committed state.
func (c *Checkpoint) setSink(state []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.doc.Sink = bytes.Clone(state)
}

// addRun records the start of a run.
func (c *Checkpoint) addRun(id string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.doc.Runs = append(c.doc.Runs, runRecord{ID: id, Started: at.UTC()})
}

// MarshalJSON encodes the checkpoint, with its checksum.
func (c *Checkpoint) MarshalJSON() ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.doc.Updated = time.Now().UTC()
	c.doc.Checksum = ""
	plain, err := json.Marshal(&c.doc)
	if err != nil {
		return nil, err
	}
	c.doc.Checksum = checksumOf(plain)
	return json.MarshalIndent(&c.doc, "", " ")
}

func checksumOf(plain []byte) string {
	h := sha256.Sum256(plain)
	return hex.EncodeToString(h[:])
}

// UnmarshalJSON decodes a checkpoint, checking its format version and
// checksum: a torn or edited document is refused with ErrCheckpointCorrupt.
func (c *Checkpoint) UnmarshalJSON(data []byte) error {
	var probe struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return fmt.Errorf("%w: it is not a ringscan checkpoint (%v)", ErrCheckpointCorrupt, err)
	}
	if probe.Version != CheckpointVersion {
		return fmt.Errorf("%w: format version %d; this ringscan reads version %d (finish the scan with the ringscan that started it, or start over)",
			ErrCheckpointCorrupt, probe.Version, CheckpointVersion)
	}
	var doc checkpointDoc
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("%w: %v", ErrCheckpointCorrupt, err)
	}
	want := doc.Checksum
	doc.Checksum = ""
	plain, err := json.Marshal(&doc)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCheckpointCorrupt, err)
	}
	if want != checksumOf(plain) {
		return fmt.Errorf("%w: it fails its checksum (edited or torn)", ErrCheckpointCorrupt)
	}
	doc.Checksum = want
	if doc.Ranges == nil {
		doc.Ranges = map[int]*rangeRecord{}
	}
	c.mu.Lock()
	c.doc = doc
	c.mu.Unlock()
	return nil
}

// encodePerVnode run-length encodes subrange counts: "k" or "k*n".
func encodePerVnode(counts []int) string {
	var sb strings.Builder
	for i := 0; i < len(counts); {
		j := i
		for j < len(counts) && counts[j] == counts[i] {
			j++
		}
		if sb.Len() > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.Itoa(counts[i]))
		if j-i > 1 {
			sb.WriteByte('*')
			sb.WriteString(strconv.Itoa(j - i))
		}
		i = j
	}
	return sb.String()
}

// decodePerVnode is encodePerVnode's inverse.
func decodePerVnode(s string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		k, n := part, "1"
		if a, b, ok := strings.Cut(part, "*"); ok {
			k, n = a, b
		}
		kv, err1 := strconv.Atoi(k)
		nv, err2 := strconv.Atoi(n)
		if err1 != nil || err2 != nil || kv < 1 || nv < 1 || nv > ring.MaxSplits {
			return nil, fmt.Errorf("%w: plan.per_vnode %q", ErrCheckpointCorrupt, s)
		}
		out = append(out, slices.Repeat([]int{kv}, nv)...)
		if len(out) > ring.MaxSplits {
			return nil, fmt.Errorf("%w: plan.per_vnode %q is too long", ErrCheckpointCorrupt, s)
		}
	}
	return out, nil
}
