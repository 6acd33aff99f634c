package checkpoint

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/worker"
)

func pos(tok int64) *worker.Position {
	return &worker.Position{Token: ring.Murmur3Token(tok), Key: [][]byte{{byte(tok)}, nil}}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ckpt.json")
	id := Identity{Keyspace: "ks", Table: "t", Columns: []string{"a", "b"}, Plan: "fp", Shard: "0/1", Output: "jsonl"}
	s := New(id)
	s.Update(1, worker.Cursor{PageState: []byte{1, 2}, Last: pos(5)}, 10)
	s.Update(2, worker.Cursor{Done: true}, 7)
	s.Update(3, worker.Cursor{After: pos(9), Last: pos(12)}, 3)
	s.SetFiles([]File{{Name: "t-000001.jsonl", Bytes: 100, Rows: 20}})
	require.NoError(t, s.Save(path))

	got, err := Load(path)
	require.NoError(t, err)
	require.NoError(t, got.Check(id))
	curs, err := got.Cursors(ring.Murmur3Partitioner)
	require.NoError(t, err)
	assert.Equal(t, worker.Cursor{PageState: []byte{1, 2}, Last: pos(5)}, curs[1])
	assert.Equal(t, worker.Cursor{Done: true}, curs[2])
	assert.Equal(t, worker.Cursor{After: pos(9), Last: pos(12)}, curs[3])
	rows, done, files := got.Snapshot()
	assert.EqualValues(t, 20, rows)
	assert.Equal(t, []int{2}, done)
	assert.Equal(t, []File{{Name: "t-000001.jsonl", Bytes: 100, Rows: 20}}, files)
}

func TestLoadRefusesDamage(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	require.NoError(t, New(Identity{Keyspace: "ks"}).Save(good))
	data, err := os.ReadFile(good)
	require.NoError(t, err)
	tests := []struct {
		name, content, want string
	}{
		{"garbage", "not json", "is not a ringscan checkpoint"},
		{"truncated", string(data[:len(data)/2]), "is not a ringscan checkpoint"},
		{"edited", string(append([]byte{}, data...))[:0] + replaceOnce(string(data), `"ks"`, `"kz"`), "fails its checksum"},
		{"version", replaceOnce(string(data), `"version": 1`, `"version": 9`), "format version 9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, tt.name)
			require.NoError(t, os.WriteFile(p, []byte(tt.content), 0o644))
			_, err := Load(p)
			require.ErrorIs(t, err, ErrCorrupt)
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

func replaceOnce(s, old, repl string) string {
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + repl + s[i+len(old):]
		}
	}
	return s
}

func TestCheckNamesEveryDifference(t *testing.T) {
	s := New(Identity{Keyspace: "ks", Table: "t", Columns: []string{"a"}, Plan: "p1", Shard: "0/1", Output: "jsonl"})
	err := s.Check(Identity{Keyspace: "ks", Table: "u", Columns: []string{"a", "b"}, Plan: "p2", Shard: "1/2", Output: "csv"})
	require.ErrorIs(t, err, ErrMismatch)
	for _, want := range []string{`table is "t"`, `columns is "a" in the checkpoint but "a,b" now`, "split plan differs", `shard is "0/1"`, `output is "jsonl"`} {
		assert.ErrorContains(t, err, want)
	}
}

// A split must survive pages of the parent that were read before it and
// written after it: the recorded end never goes back up and their paging
// state (for the old end) is replaced by a token bound.
func TestSplitIsNeverUndoneByStalePages(t *testing.T) {
	s := New(Identity{})
	s.Update(7, worker.Cursor{PageState: []byte("old-1"), Last: pos(10)}, 5)
	child := ring.Subrange{ID: 99, Range: ring.Range{Start: ring.Murmur3Token(50), End: ring.Murmur3Token(100)}}
	s.Split(7, child)

	curs, err := s.Cursors(ring.Murmur3Partitioner)
	require.NoError(t, err)
	end, oldEnd := ring.Murmur3Token(50), ring.Murmur3Token(100)
	assert.Equal(t, worker.Cursor{PageState: []byte("old-1"), Last: pos(10), End: &end, QueryEnd: &oldEnd}, curs[7],
		"the paging state goes on with its statement's end")
	childEnd := ring.Murmur3Token(100)
	assert.Equal(t, worker.Cursor{End: &childEnd}, curs[99])

	// A page read before the split arrives: no End, a paging state of the
	// old statement.
	s.Update(7, worker.Cursor{PageState: []byte("old-2"), Last: pos(20)}, 5)
	// A stale End from before a second split is ignored too.
	late := ring.Murmur3Token(80)
	s.Update(7, worker.Cursor{PageState: []byte("old-3"), Last: pos(30), End: &late}, 5)
	curs, err = s.Cursors(ring.Murmur3Partitioner)
	require.NoError(t, err)
	assert.Equal(t, worker.Cursor{After: pos(30), Last: pos(30), End: &end}, curs[7])

	// Pages after the split carry the new end and keep their paging state
	// with its statement's end.
	s.Update(7, worker.Cursor{PageState: []byte("new"), After: pos(30), Last: pos(40), End: &end, QueryEnd: &oldEnd}, 5)
	curs, err = s.Cursors(ring.Murmur3Partitioner)
	require.NoError(t, err)
	assert.Equal(t, worker.Cursor{PageState: []byte("new"), After: pos(30), Last: pos(40), End: &end, QueryEnd: &oldEnd}, curs[7])

	pieces, err := s.Pieces(ring.Murmur3Partitioner)
	require.NoError(t, err)
	assert.Equal(t, []Piece{{ID: 99, Parent: 7, Range: child.Range}}, pieces)
	assert.Equal(t, 7, s.Root(99))
	s.Split(99, ring.Subrange{ID: 100, Range: ring.Range{Start: ring.Murmur3Token(75), End: ring.Murmur3Token(100)}})
	assert.Equal(t, 7, s.Root(100))
	rows, _, _ := s.Snapshot()
	assert.EqualValues(t, 20, rows)
}
