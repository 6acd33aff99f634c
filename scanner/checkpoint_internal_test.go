package scanner

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/worker"
)

func pos(tok int64) *worker.Position {
	return &worker.Position{Token: ring.Murmur3Token(tok), Key: [][]byte{{byte(tok)}, nil, {}}}
}

func testCheckpoint() *Checkpoint {
	return newCheckpoint(checkpointIdentity{Keyspace: "ks", Table: "t", Columns: []string{"a", "b"}, Shard: "0/1"},
		topologyRecord{Partitioner: "Murmur3Partitioner", Replication: "SimpleStrategy(3)",
			Hosts: []hostRecord{{ID: "h1", Address: "10.0.0.1", DC: "dc1", Rack: "r1", Tokens: 16, TokensSHA256: "aa"}}},
		planRecord{Fingerprint: "fp", PerVnode: "2*16"})
}

// TestCheckpointRoundTrip encodes a checkpoint with every kind of cursor
// (paging state with its statement's end, token bound, done, null and
// empty key values), a split and a sink state, and decodes it back
// unchanged.
func TestCheckpointRoundTrip(t *testing.T) {
	cp := testCheckpoint()
	cp.addRun("run-1", cp.Started())
	cp.update(1, worker.Cursor{PageState: []byte{1, 2}, End: ring.Murmur3Token(500), Last: pos(5)}, 10)
	cp.update(2, worker.Cursor{Done: true, Last: pos(7)}, 7)
	cp.update(3, worker.Cursor{After: pos(9), Last: pos(12)}, 3)
	tokenSplit(cp, 3, ring.Subrange{ID: 40, Range: ring.Range{Start: ring.Murmur3Token(100), End: ring.Murmur3Token(200)}})
	cp.setSink([]byte(`{"files":[{"name":"t-000001.jsonl","bytes":100,"rows":20}]}`))
	data, err := cp.MarshalJSON()
	require.NoError(t, err)

	var got Checkpoint
	require.NoError(t, got.UnmarshalJSON(data))
	assert.EqualValues(t, 20, got.Rows())
	assert.Equal(t, []string{"run-1"}, got.RunIDs())
	assert.Equal(t, "fp", got.PlanFingerprint())
	assert.JSONEq(t, `{"files":[{"name":"t-000001.jsonl","bytes":100,"rows":20}]}`, string(got.SinkState()))
	curs := map[int]worker.Cursor{}
	parents := map[int]int{}
	for _, p := range got.Progress() {
		curs[p.ID] = p.Cursor.c
		parents[p.ID] = p.Parent
	}
	assert.Equal(t, worker.Cursor{PageState: []byte{1, 2}, End: ring.Murmur3Token(500), Last: pos(5)}, curs[1])
	assert.Equal(t, worker.Cursor{Done: true}, curs[2], "a done subrange keeps no position")
	assert.Equal(t, worker.Cursor{After: pos(9), Last: pos(12)}, curs[3])
	assert.Equal(t, worker.Cursor{}, curs[40], "a piece not started")
	assert.Equal(t, map[int]int{1: -1, 2: -1, 3: -1, 40: 3}, parents)
	assert.Equal(t, 3, got.Root(40))
	again, err := got.MarshalJSON()
	require.NoError(t, err)
	var third Checkpoint
	require.NoError(t, third.UnmarshalJSON(again), "a decoded checkpoint encodes to one that decodes")
}

// TestCheckpointRefusesDamage decodes torn, edited and foreign documents:
// each is refused with ErrCheckpointCorrupt and says why.
func TestCheckpointRefusesDamage(t *testing.T) {
	cp := testCheckpoint()
	cp.update(1, worker.Cursor{Done: true}, 5)
	good, err := cp.MarshalJSON()
	require.NoError(t, err)
	tests := []struct {
		name, content, want string
	}{
		{"garbage", "not json", "is not a ringscan checkpoint"},
		{"empty", "", "is not a ringscan checkpoint"},
		{"truncated", string(good[:len(good)/2]), "is not a ringscan checkpoint"},
		{"edited", strings.Replace(string(good), `"ks"`, `"kz"`, 1), "fails its checksum"},
		{"rows edited", strings.Replace(string(good), `"rows": 5`, `"rows": 6`, 1), "fails its checksum"},
		{"version", strings.Replace(string(good), `"version": 3`, `"version": 9`, 1), "format version 9"},
		{"unknown field", strings.Replace(string(good), `"version": 3,`, `"version": 3, "extra": 1,`, 1), "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NotEqual(t, string(good), tt.content)
			var c Checkpoint
			err := c.UnmarshalJSON([]byte(tt.content))
			require.ErrorIs(t, err, ErrCheckpointCorrupt)
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

// TestDiffNamesEveryDifference compares identities and topologies that
// differ in every field: each difference is named.
func TestDiffNamesEveryDifference(t *testing.T) {
	ids := diffIdentity(checkpointIdentity{Keyspace: "ks", Table: "t", Columns: []string{"a"}, Shard: "0/1"},
		checkpointIdentity{Keyspace: "kx", Table: "u", Columns: []string{"a", "b"}, Shard: "1/2"})
	assert.Equal(t, []string{`keyspace is "ks" in the checkpoint but "kx" now`, `table is "t" in the checkpoint but "u" now`,
		`columns is "a" in the checkpoint but "a,b" now`, `shard is "0/1" in the checkpoint but "1/2" now`}, ids)

	then := topologyRecord{Partitioner: "Murmur3Partitioner", Replication: "SimpleStrategy(3)", LocalDC: "dc1", Hosts: []hostRecord{
		{ID: "h1", Address: "10.0.0.1", DC: "dc1", Rack: "r1", Tokens: 16, TokensSHA256: "a"},
		{ID: "h2", Address: "10.0.0.2", DC: "dc1", Rack: "r1", Tokens: 16, TokensSHA256: "b"},
		{ID: "h3", Address: "10.0.0.3", DC: "dc1", Rack: "r1", Tokens: 16, TokensSHA256: "c"},
	}}
	now := topologyRecord{Partitioner: "RandomPartitioner", Replication: "SimpleStrategy(2)", LocalDC: "dc2", Hosts: []hostRecord{
		{ID: "h1", Address: "10.0.0.9", DC: "dc1", Rack: "r1", Tokens: 16, TokensSHA256: "a"}, // a new address only
		{ID: "h2", Address: "10.0.0.2", DC: "dc1", Rack: "r1", Tokens: 32, TokensSHA256: "x"},
		{ID: "h4", Address: "10.0.0.4", DC: "dc1", Rack: "r2", Tokens: 16, TokensSHA256: "d"},
	}}
	assert.Equal(t, []string{
		"the partitioner is Murmur3Partitioner in the checkpoint but RandomPartitioner now",
		"the keyspace's replication is SimpleStrategy(3) in the checkpoint but SimpleStrategy(2) now",
		`the local DC is "dc1" in the checkpoint but "dc2" now`,
		"the tokens of host 10.0.0.2 (h2) changed (16 then, 32 now)",
		"host 10.0.0.4 (h4) joined",
		"host 10.0.0.3 (h3) left",
	}, diffTopology(then, now))
	assert.Empty(t, diffTopology(then, then))
}

// TestSplitSurvivesStalePages records pages of a subrange that were read
// before it was split and written after: their paging state goes on with
// the statement's old end, the subrange's recorded end stays lowered, and
// a resume reads the parent up to the split and the piece after it.
func TestSplitSurvivesStalePages(t *testing.T) {
	r := ring.Range{Start: ring.Murmur3Token(0), End: ring.Murmur3Token(1000)}
	q := &Plan{Subranges: []ring.Subrange{{ID: 7, Range: r}}, Ring: mustRing(t)}
	cp := testCheckpoint()
	cp.update(7, worker.Cursor{PageState: []byte("old-1"), End: r.End, Last: pos(10)}, 5)
	tokenSplit(cp, 7, ring.Subrange{ID: 99, Range: ring.Range{Start: ring.Murmur3Token(500), End: r.End}})
	// A page read before the split arrives, with the old statement.
	cp.update(7, worker.Cursor{PageState: []byte("old-2"), End: r.End, Last: pos(20)}, 5)
	tokenSplit(cp, 99, ring.Subrange{ID: 100, Range: ring.Range{Start: ring.Murmur3Token(750), End: r.End}})

	cp.mu.Lock()
	tasks, err := tasksLeft(q, cp)
	cp.mu.Unlock()
	require.NoError(t, err)
	byID := map[int]worker.Task{}
	for _, task := range tasks {
		byID[task.Subrange.ID] = task
	}
	require.Len(t, byID, 3)
	assert.Equal(t, ring.Range{Start: r.Start, End: ring.Murmur3Token(500)}, byID[7].Subrange.Range, "the parent ends at the split")
	assert.Equal(t, worker.Cursor{PageState: []byte("old-2"), End: r.End, Last: pos(20)}, byID[7].Cursor,
		"its paging state goes on with its statement's end")
	assert.Equal(t, ring.Range{Start: ring.Murmur3Token(500), End: ring.Murmur3Token(750)}, byID[99].Subrange.Range)
	assert.Equal(t, ring.Range{Start: ring.Murmur3Token(750), End: r.End}, byID[100].Subrange.Range)
	assert.Equal(t, 7, cp.Root(100))
	assert.EqualValues(t, 10, cp.Rows())
}

// TestTasksLeftSkipsSplitsOfNoTokens resumes a checkpoint recording a
// split of no tokens, (End, End], as runs did when a subrange was read to
// its end while a split of it was being made: it resumes, with nothing to
// read for that split.
func TestTasksLeftSkipsSplitsOfNoTokens(t *testing.T) {
	r := ring.Range{Start: ring.Murmur3Token(0), End: ring.Murmur3Token(1000)}
	q := &Plan{Subranges: []ring.Subrange{{ID: 7, Range: r}}, Ring: mustRing(t)}
	cp := testCheckpoint()
	cp.update(7, worker.Cursor{Done: true}, 5)
	tokenSplit(cp, 7, ring.Subrange{ID: 9, Range: ring.Range{Start: r.End, End: r.End}})
	cp.mu.Lock()
	tasks, err := tasksLeft(q, cp)
	cp.mu.Unlock()
	require.NoError(t, err)
	assert.Empty(t, tasks)
}

// TestTasksLeftRefusesForeignRanges resumes checkpoints that record
// subranges the plan does not have: refused, never skipped.
func TestTasksLeftRefusesForeignRanges(t *testing.T) {
	r := ring.Range{Start: ring.Murmur3Token(0), End: ring.Murmur3Token(1000)}
	q := &Plan{Subranges: []ring.Subrange{{ID: 7, Range: r}}, Ring: mustRing(t)}
	tests := []struct {
		name  string
		setup func(cp *Checkpoint)
		want  string
	}{
		{"unknown id", func(cp *Checkpoint) { cp.update(8, worker.Cursor{Done: true}, 1) }, "records range 8, which is not in this plan"},
		{"orphan piece", func(cp *Checkpoint) {
			tokenSplit(cp, 3, ring.Subrange{ID: 9, Range: ring.Range{Start: ring.Murmur3Token(5), End: ring.Murmur3Token(6)}})
		}, "range 3, which is not in this plan"},
		{"piece outside its root", func(cp *Checkpoint) {
			tokenSplit(cp, 7, ring.Subrange{ID: 9, Range: ring.Range{Start: ring.Murmur3Token(900), End: ring.Murmur3Token(2000)}})
		}, "without valid bounds"},
		{"piece ending before it starts", func(cp *Checkpoint) {
			tokenSplit(cp, 7, ring.Subrange{ID: 9, Range: ring.Range{Start: ring.Murmur3Token(900), End: ring.Murmur3Token(800)}})
		}, "without valid bounds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cp := testCheckpoint()
			tt.setup(cp)
			cp.mu.Lock()
			_, err := tasksLeft(q, cp)
			cp.mu.Unlock()
			require.Error(t, err)
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

func mustRing(t *testing.T) *ring.Ring {
	t.Helper()
	r, err := ring.New(ring.Murmur3Partitioner, []ring.Host{{ID: "h1", Tokens: []ring.Token{ring.Murmur3Token(0)}}})
	require.NoError(t, err)
	return r
}

func TestPerVnodeEncoding(t *testing.T) {
	for _, counts := range [][]int{{1}, {2, 2, 2}, {1, 2, 2, 3, 1, 1}, {7}} {
		s := encodePerVnode(counts)
		got, err := decodePerVnode(s)
		require.NoError(t, err, s)
		assert.Equal(t, counts, got, s)
	}
	assert.Equal(t, "1,2*2,3,1*2", encodePerVnode([]int{1, 2, 2, 3, 1, 1}))
	for _, bad := range []string{"", "0", "x", "2*0", "-1", "2*x"} {
		_, err := decodePerVnode(bad)
		assert.ErrorIs(t, err, ErrCheckpointCorrupt, "%q", bad)
	}
}

// TestCursorJSON checks the cursor's JSON form: fields as documented, and
// a paging state always with its statement's end.
func TestCursorJSON(t *testing.T) {
	c := Cursor{c: worker.Cursor{PageState: []byte{9}, End: ring.Murmur3Token(77), After: pos(1), Last: pos(2)}}
	b, err := json.Marshal(c)
	require.NoError(t, err)
	assert.JSONEq(t, `{"page_state":"CQ==","end":"77","after":{"token":"1","key":["AQ==","-",""]},"last":{"token":"2","key":["Ag==","-",""]}}`, string(b))
	text, err := c.MarshalText()
	require.NoError(t, err)
	var back Cursor
	require.NoError(t, back.UnmarshalText(text))
	assert.Equal(t, c, back)
	var bad Cursor
	assert.ErrorContains(t, bad.UnmarshalJSON([]byte(`{"page_state":"CQ=="}`)), "without its statement's end")
}

// tokenSplit records a token split: child split off parent, which now ends
// where child starts.
func tokenSplit(cp *Checkpoint, parent int, child ring.Subrange) {
	cp.split(worker.Split{Parent: worker.Task{Subrange: ring.Subrange{ID: parent, Range: ring.Range{End: child.Range.Start}}},
		Children: []worker.Task{{Subrange: child}}})
}
