package scanner

import (
	"errors"
	"testing"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/worker"
)

// TestCompareClusteringNull checks the order of a partition's static row
// (a static-only partition reads as a row with null clustering values)
// against its rows: first, in ASC and in DESC clustering order alike, as
// Cassandra orders its static clustering. Resuming after a cursor on a
// static row must keep the partition's rows, and one on a row must skip
// the static row.
func TestCompareClusteringNull(t *testing.T) {
	for _, desc := range []bool{false, true} {
		f := &fetcher{t: &tableInfo{ck: []column{{name: "c", typ: cqltype.Native(cqltype.Int), desc: desc}}}, ckIdx: []int{1}}
		row := []byte{0, 0, 0, 5}
		at := func(v []byte) func(int) []byte { return func(int) []byte { return v } }
		assert.Equal(t, -1, f.compareClustering(at(nil), [][]byte{row}), "desc=%v: the static row first", desc)
		assert.Equal(t, 1, f.compareClustering(at(row), [][]byte{nil}), "desc=%v: rows after the static row", desc)
		assert.Equal(t, 0, f.compareClustering(at(nil), [][]byte{nil}), "desc=%v", desc)
		assert.Equal(t, -1, f.compareClustering(at(nil), [][]byte{{}}), "desc=%v: null before an empty value", desc)
	}
}

// TestCheckErrorFrameTooBig checks what the plan's check of a Where
// condition says when gocql refuses a frame as too big (ErrFrameTooBig,
// which it answers for a request it will not send as for a response it
// will not read): a statement past the frame limit is the condition's
// fault, named as such; for a statement that fits, the error is not
// blamed on the condition's size.
func TestCheckErrorFrameTooBig(t *testing.T) {
	f := &fetcher{cfg: Config{Where: "v = 'long'"}, t: &tableInfo{keyspace: "ks", name: "t"}}
	tests := []struct {
		name      string
		err       error
		stmtBytes int
		want      string // "" for no error
		invalid   bool   // wraps ErrInvalidConfig
	}{
		{name: "no error", err: nil, stmtBytes: worker.MaxFrameBytes},
		{name: "a statement past the limit", err: errors.Join(gocql.ErrFrameTooBig), stmtBytes: worker.MaxFrameBytes + 1,
			want: "the Where condition is 10 bytes: the statement holding it is larger than the driver sends (256 MiB): frame length is bigger", invalid: true},
		{name: "a statement just below the limit, with the request's other bytes", err: gocql.ErrFrameTooBig, stmtBytes: worker.MaxFrameBytes - 100,
			want: "larger than the driver sends", invalid: true},
		{name: "a statement that fits", err: gocql.ErrFrameTooBig, stmtBytes: 200,
			want: "check the Where condition: frame length is bigger than the maximum allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.checkError(tt.err, tt.stmtBytes)
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, gocql.ErrFrameTooBig)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, tt.invalid, errors.Is(err, ErrInvalidConfig))
		})
	}
}
