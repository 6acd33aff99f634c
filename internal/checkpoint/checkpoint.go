// Package checkpoint records a scan's progress in a file, so that a scan
// killed at any moment resumes without losing or duplicating a row.
//
// # Contents
//
// A checkpoint belongs to one scan: keyspace, table, column list, split
// plan fingerprint, shard and output format. For every subrange started it
// holds either done, or its cursor (paging state, or the last row's
// position as a token bound) and the rows written so far; and, for an
// output directory, the files with their committed sizes. The format is
// JSON, described in docs/checkpoint.md.
//
// # Consistency with the output
//
// The scanner updates the checkpoint from the sink's goroutine, after the
// sink took a page. When it saves, the output is first committed (flushed,
// compression frames ended, fsynced) and the committed sizes are recorded
// with the cursors of exactly the pages in them. A resume truncates every
// file to its committed size, deletes files written after the checkpoint,
// and continues every subrange from its cursor.
//
// # Atomic writes
//
// Save writes a temporary file in the same directory, fsyncs it, renames it
// over the checkpoint and fsyncs the directory, so a crash leaves either the
// old or the new checkpoint, never a torn one.
package checkpoint

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/worker"
)

// Version is the format version written.
const Version = 1

// ErrCorrupt is wrapped by errors about unreadable checkpoints.
var ErrCorrupt = errors.New("corrupt checkpoint")

// ErrMismatch is wrapped when a checkpoint belongs to another scan.
var ErrMismatch = errors.New("checkpoint belongs to another scan")

// Identity is what a checkpoint belongs to.
type Identity struct {
	Keyspace string   `json:"keyspace"`
	Table    string   `json:"table"`
	Columns  []string `json:"columns"`
	// Plan is the split plan's fingerprint.
	Plan string `json:"plan"`
	// Shard is "i/n", "0/1" for a whole scan.
	Shard string `json:"shard"`
	// Output describes the sink: "count", or "jsonl", "csv", "parquet"
	// with compression, e.g. "jsonl+gzip".
	Output string `json:"output"`
}

// Position is a worker.Position in JSON: the token as text and the key
// values in base64.
type Position struct {
	Token string   `json:"token"`
	Key   []string `json:"key"`
}

// Range is one subrange's progress.
type Range struct {
	Done      bool      `json:"done,omitempty"`
	Rows      int64     `json:"rows"`
	PageState string    `json:"page_state,omitempty"` // base64
	After     *Position `json:"after,omitempty"`
	Last      *Position `json:"last,omitempty"`
	// End, when set, is where the subrange now ends: the rest was split off
	// while the scan ran.
	End string `json:"end,omitempty"`
	// QueryEnd is the end bound of the statement PageState belongs to,
	// when a split lowered End while that statement went on.
	QueryEnd string `json:"query_end,omitempty"`
	// Parent and Start are set for a subrange split off a running one:
	// its bounds are (Start, End].
	Parent *int   `json:"parent,omitempty"`
	Start  string `json:"start,omitempty"`
}

// File is an output file and its committed size.
type File struct {
	Name  string `json:"name"`
	Bytes int64  `json:"bytes"`
	Rows  int64  `json:"rows"`
}

// State is a checkpoint. Its methods are safe for concurrent use.
type State struct {
	mu sync.Mutex

	Version  int            `json:"version"`
	Identity Identity       `json:"identity"`
	Started  time.Time      `json:"started"`
	Updated  time.Time      `json:"updated"`
	Rows     int64          `json:"rows"`
	Ranges   map[int]*Range `json:"ranges"`
	Files    []File         `json:"files,omitempty"`
	// Checksum guards the content against torn or edited files: the
	// SHA-256 of the JSON with this field empty.
	Checksum string `json:"checksum"`
}

// New returns an empty checkpoint for id.
func New(id Identity) *State {
	now := time.Now().UTC()
	return &State{Version: Version, Identity: id, Started: now, Updated: now, Ranges: map[int]*Range{}}
}

// Load reads a checkpoint, checking its version and checksum.
func Load(path string) (*State, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read checkpoint: %w", err)
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%w: %s is not a ringscan checkpoint (%v)", ErrCorrupt, path, err)
	}
	if s.Version != Version {
		return nil, fmt.Errorf("%w: %s has format version %d; this ringscan reads version %d", ErrCorrupt, path, s.Version, Version)
	}
	want := s.Checksum
	sum, err := s.checksum()
	if err != nil {
		return nil, err
	}
	if want != sum {
		return nil, fmt.Errorf("%w: %s fails its checksum (edited or torn)", ErrCorrupt, path)
	}
	if s.Ranges == nil {
		s.Ranges = map[int]*Range{}
	}
	return &s, nil
}

// checksum computes the checksum over the JSON with Checksum empty. The
// caller holds mu or owns s.
func (s *State) checksum() (string, error) {
	saved := s.Checksum
	s.Checksum = ""
	data, err := json.Marshal(s)
	s.Checksum = saved
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:]), nil
}

// Check compares the checkpoint's identity with want and names every
// difference.
func (s *State) Check(want Identity) error {
	s.mu.Lock()
	got := s.Identity
	s.mu.Unlock()
	var diffs []string
	cmp := func(what, a, b string) {
		if a != b {
			diffs = append(diffs, fmt.Sprintf("%s is %q in the checkpoint but %q now", what, a, b))
		}
	}
	cmp("keyspace", got.Keyspace, want.Keyspace)
	cmp("table", got.Table, want.Table)
	cmp("columns", strings.Join(got.Columns, ","), strings.Join(want.Columns, ","))
	if got.Plan != want.Plan {
		diffs = append(diffs, "the split plan differs (topology, token ownership or --splits/--local-dc changed)")
	}
	cmp("shard", got.Shard, want.Shard)
	cmp("output", got.Output, want.Output)
	if len(diffs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrMismatch, strings.Join(diffs, "; "))
}

// Update records the cursor of a subrange after rows more rows were
// written.
func (s *State) Update(id int, cur worker.Cursor, rows int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.Ranges[id]
	if r == nil {
		r = &Range{}
		s.Ranges[id] = r
	}
	r.Rows += int64(rows)
	s.Rows += int64(rows)
	r.Done = cur.Done
	r.PageState, r.After, r.Last, r.QueryEnd = "", nil, nil, ""
	if cur.Done {
		return
	}
	// A page read before the subrange was (last) split carries the old
	// end, or none: its paging state belongs to the statement with that
	// end. Resume after its last row instead, within the recorded end,
	// which only ever goes down.
	switch {
	case cur.End == nil && r.End != "":
		cur = cur.StaleAfterSplit()
	case cur.End != nil && r.End == "":
		r.End = cur.End.String()
	case cur.End != nil:
		if recorded, err := cur.End.Partitioner().ParseToken(r.End); err == nil {
			switch c := cur.End.Compare(recorded); {
			case c < 0:
				r.End = cur.End.String()
			case c > 0:
				cur = cur.StaleAfterSplit()
			}
		}
	}
	if cur.PageState != nil {
		r.PageState = base64.StdEncoding.EncodeToString(cur.PageState)
		if cur.QueryEnd != nil {
			r.QueryEnd = cur.QueryEnd.String()
		}
	}
	r.After = encodePos(cur.After)
	r.Last = encodePos(cur.Last)
}

// Split records that child was split off the running subrange parent,
// which now ends where child starts. The parent's paging state, if any,
// belonged to the statement with its old end, so the parent resumes after
// its last row instead.
func (s *State) Split(parent int, child ring.Subrange) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.Ranges[parent]
	if p == nil {
		p = &Range{}
		s.Ranges[parent] = p
	}
	p.End = child.Range.Start.String()
	if p.PageState != "" && p.QueryEnd == "" {
		// The statement of this paging state ends where the child ends.
		p.QueryEnd = child.Range.End.String()
	}
	id := parent
	s.Ranges[child.ID] = &Range{Parent: &id, Start: child.Range.Start.String(), End: child.Range.End.String()}
}

// Piece is a subrange split off another during an earlier run.
type Piece struct {
	ID, Parent int
	Range      ring.Range
}

// Pieces returns the subranges split off during earlier runs, parents
// before their children, for a resume to read them too.
func (s *State) Pieces(p ring.Partitioner) ([]Piece, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Piece
	for id, r := range s.Ranges {
		if r.Parent == nil {
			continue
		}
		start, err := p.ParseToken(r.Start)
		if err != nil {
			return nil, fmt.Errorf("%w: range %d: start: %v", ErrCorrupt, id, err)
		}
		end, err := p.ParseToken(r.End)
		if err != nil {
			return nil, fmt.Errorf("%w: range %d: end: %v", ErrCorrupt, id, err)
		}
		out = append(out, Piece{ID: id, Parent: *r.Parent, Range: ring.Range{Start: start, End: end}})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// Root returns the planned subrange a subrange was split off, or id itself.
func (s *State) Root(id int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for seen := 0; seen < len(s.Ranges); seen++ {
		r := s.Ranges[id]
		if r == nil || r.Parent == nil {
			return id
		}
		id = *r.Parent
	}
	return id
}

func encodePos(p *worker.Position) *Position {
	if p == nil {
		return nil
	}
	out := &Position{Token: p.Token.String(), Key: make([]string, len(p.Key))}
	for i, k := range p.Key {
		if k == nil {
			out.Key[i] = "-" // null
			continue
		}
		out.Key[i] = base64.StdEncoding.EncodeToString(k)
	}
	return out
}

func decodePos(p ring.Partitioner, in *Position) (*worker.Position, error) {
	if in == nil {
		return nil, nil
	}
	tk, err := p.ParseToken(in.Token)
	if err != nil {
		return nil, err
	}
	out := &worker.Position{Token: tk, Key: make([][]byte, len(in.Key))}
	for i, k := range in.Key {
		if k == "-" {
			continue
		}
		if out.Key[i], err = base64.StdEncoding.DecodeString(k); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Cursors returns the cursor of every subrange recorded, for
// scanner.RunPlan.
func (s *State) Cursors(p ring.Partitioner) (map[int]worker.Cursor, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int]worker.Cursor, len(s.Ranges))
	for id, r := range s.Ranges {
		cur := worker.Cursor{Done: r.Done}
		var err error
		if r.PageState != "" {
			if cur.PageState, err = base64.StdEncoding.DecodeString(r.PageState); err != nil {
				return nil, fmt.Errorf("%w: range %d: paging state: %v", ErrCorrupt, id, err)
			}
		}
		if cur.After, err = decodePos(p, r.After); err != nil {
			return nil, fmt.Errorf("%w: range %d: %v", ErrCorrupt, id, err)
		}
		if cur.Last, err = decodePos(p, r.Last); err != nil {
			return nil, fmt.Errorf("%w: range %d: %v", ErrCorrupt, id, err)
		}
		if r.End != "" {
			end, err := p.ParseToken(r.End)
			if err != nil {
				return nil, fmt.Errorf("%w: range %d: end: %v", ErrCorrupt, id, err)
			}
			cur.End = &end
		}
		if r.QueryEnd != "" && cur.PageState != nil {
			qe, err := p.ParseToken(r.QueryEnd)
			if err != nil {
				return nil, fmt.Errorf("%w: range %d: query end: %v", ErrCorrupt, id, err)
			}
			cur.QueryEnd = &qe
		}
		out[id] = cur
	}
	return out, nil
}

// SetFiles records the committed output files.
func (s *State) SetFiles(files []File) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Files = slices.Clone(files)
}

// Snapshot returns the rows written, the ranges done and the files, for
// reports.
func (s *State) Snapshot() (rows int64, done []int, files []File) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, r := range s.Ranges {
		if r.Done {
			done = append(done, id)
		}
	}
	sort.Ints(done)
	return s.Rows, done, slices.Clone(s.Files)
}

// Save writes the checkpoint atomically.
func (s *State) Save(path string) error {
	s.mu.Lock()
	s.Updated = time.Now().UTC()
	sum, err := s.checksum()
	if err != nil {
		s.mu.Unlock()
		return err
	}
	s.Checksum = sum
	data, err := json.MarshalIndent(s, "", " ")
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return WriteAtomic(path, append(data, '\n'))
}

// WriteAtomic writes data to path through a synced temporary file and a
// rename, then syncs the directory.
func WriteAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename this is a no-op
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// ShardString formats a shard as "i/n".
func ShardString(i, n int) string {
	if n <= 1 {
		return "0/1"
	}
	return strconv.Itoa(i) + "/" + strconv.Itoa(n)
}
