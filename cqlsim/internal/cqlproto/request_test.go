package cqlproto_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim/internal/cqlproto"
)

func TestReadQueryParams(t *testing.T) {
	const (
		values = cqlproto.QFlagValues
		skip   = cqlproto.QFlagSkipMetadata
		page   = cqlproto.QFlagPageSize
		state  = cqlproto.QFlagPagingState
		serial = cqlproto.QFlagSerialConsistency
		ts     = cqlproto.QFlagDefaultTimestamp
		names  = cqlproto.QFlagNamesForValues
	)
	tests := []struct {
		name string
		p    cqlproto.QueryParams
	}{
		{"no flags", cqlproto.QueryParams{Consistency: cqlproto.One}},
		{"skip metadata", cqlproto.QueryParams{Consistency: cqlproto.Quorum, Flags: skip}},
		{"values with null, unset and empty", cqlproto.QueryParams{Consistency: cqlproto.LocalOne, Flags: values,
			Values: [][]byte{{0, 0, 0, 1}, nil, cqlproto.Unset, {}}}},
		{"zero values", cqlproto.QueryParams{Consistency: cqlproto.All, Flags: values, Values: [][]byte{}}},
		{"named values", cqlproto.QueryParams{Consistency: cqlproto.One, Flags: values | names,
			Values: [][]byte{[]byte("a"), nil}, Names: []string{"k", "v"}}},
		{"page size", cqlproto.QueryParams{Consistency: cqlproto.One, Flags: page, PageSize: 5000}},
		{"negative page size", cqlproto.QueryParams{Consistency: cqlproto.One, Flags: page, PageSize: -1}},
		{"paging state", cqlproto.QueryParams{Consistency: cqlproto.One, Flags: page | state, PageSize: 10, PagingState: []byte{0xDE, 0xAD}}},
		{"null paging state", cqlproto.QueryParams{Consistency: cqlproto.One, Flags: state}},
		{"serial consistency", cqlproto.QueryParams{Consistency: cqlproto.Quorum, Flags: serial, SerialConsistency: cqlproto.LocalSerial}},
		{"timestamp", cqlproto.QueryParams{Consistency: cqlproto.Any, Flags: ts, Timestamp: 1700000000000000}},
		{"every flag", cqlproto.QueryParams{Consistency: cqlproto.EachQuorum, Flags: values | skip | page | state | serial | ts | names,
			Values: [][]byte{[]byte("x")}, Names: []string{"n"}, PageSize: 1, PagingState: []byte{1},
			SerialConsistency: cqlproto.Serial, Timestamp: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := appendQueryParams(nil, tt.p)
			r := cqlproto.NewReader(append(body, 0xEE)) // a trailing byte stays unread
			got := cqlproto.ReadQueryParams(r)
			require.NoError(t, r.Err())
			assert.Equal(t, tt.p, got)
			assert.Equal(t, 1, r.Len())
			assert.Equal(t, tt.p.Flags&skip != 0, got.SkipMetadata())
			for i, v := range tt.p.Values {
				assert.Equal(t, cqlproto.IsUnset(v), cqlproto.IsUnset(got.Values[i]), "value %d unset", i)
			}
		})
	}
}

func TestReadQueryParamsMalformed(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		wantErr string
	}{
		{"empty", nil, "[short]"},
		{"no flags byte", []byte{0, 1}, "[byte]"},
		{"value count beyond body", concat([]byte{0, 1, cqlproto.QFlagValues, 0xFF, 0xFF}, make([]byte, 12)), "65535 values claimed but the body holds only 12 bytes"},
		{"value count without values", []byte{0, 1, cqlproto.QFlagValues, 0, 1}, "1 values claimed"},
		{"value length beyond body", concat([]byte{0, 1, cqlproto.QFlagValues, 0, 1}, cqlproto.AppendInt(nil, 1<<30)), "need 1073741824, have 0"},
		{"value length -3", concat([]byte{0, 1, cqlproto.QFlagValues, 0, 1}, cqlproto.AppendInt(nil, -3)), "invalid [value] length -3"},
		{"name truncated", concat([]byte{0, 1, cqlproto.QFlagValues | cqlproto.QFlagNamesForValues, 0, 1}, []byte{0, 9, 'a', 0, 0}), "[string]"},
		{"page size truncated", []byte{0, 1, cqlproto.QFlagPageSize, 0, 0}, "[int]"},
		{"paging state truncated", concat([]byte{0, 1, cqlproto.QFlagPagingState}, cqlproto.AppendInt(nil, 100), []byte{1, 2}), "[bytes]"},
		{"serial consistency missing", []byte{0, 1, cqlproto.QFlagSerialConsistency}, "[short]"},
		{"timestamp truncated", []byte{0, 1, cqlproto.QFlagDefaultTimestamp, 1, 2, 3}, "[long]"},
		{"unknown consistency", []byte{0, 0x0B, 0}, "unknown consistency level 0x000B"},
		{"unknown consistency 0xFFFF", []byte{0xFF, 0xFF, 0}, "unknown consistency level 0xFFFF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cqlproto.NewReader(tt.in)
			cqlproto.ReadQueryParams(r)
			require.Error(t, r.Err())
			assert.Contains(t, r.Err().Error(), tt.wantErr)
		})
	}
}

func TestReadBatch(t *testing.T) {
	tests := []struct {
		name string
		b    cqlproto.BatchRequest
	}{
		{"empty logged", cqlproto.BatchRequest{Type: 0, Queries: []cqlproto.BatchQuery{}, Consistency: cqlproto.One}},
		{"unlogged, mixed statements", cqlproto.BatchRequest{Type: 1, Consistency: cqlproto.Quorum, Queries: []cqlproto.BatchQuery{
			{Query: "INSERT INTO ks.t (k) VALUES (?)", Values: [][]byte{{0, 0, 0, 1}}},
			{Prepared: true, ID: []byte{0xAB, 0xCD}, Values: [][]byte{nil, cqlproto.Unset, {}}},
			{Query: "DELETE FROM ks.t WHERE k = 1", Values: [][]byte{}},
		}}},
		{"counter with serial and timestamp", cqlproto.BatchRequest{Type: 2, Consistency: cqlproto.LocalQuorum,
			Flags:             cqlproto.QFlagSerialConsistency | cqlproto.QFlagDefaultTimestamp,
			SerialConsistency: cqlproto.LocalSerial, Timestamp: 42,
			Queries: []cqlproto.BatchQuery{{Prepared: true, ID: []byte{}, Values: [][]byte{}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cqlproto.NewReader(appendBatch(nil, tt.b))
			got := cqlproto.ReadBatch(r)
			require.NoError(t, r.Err())
			assert.Equal(t, tt.b, got)
			assert.Zero(t, r.Len())
		})
	}
}

func TestReadBatchMalformed(t *testing.T) {
	tail := []byte{0, 1, 0} // consistency ONE, no flags
	tests := []struct {
		name    string
		in      []byte
		wantErr string
	}{
		{"empty", nil, "[byte]"},
		{"unknown type", []byte{3, 0, 0, 0, 1, 0}, "unknown batch type 3"},
		{"statement count beyond body", concat([]byte{0, 0xFF, 0xFF}, make([]byte, 20)), "65535 batch statements claimed but the body holds only 20 bytes"},
		{"unknown statement kind", concat([]byte{1, 0, 1, 2, 0, 0, 0, 0}, tail), "invalid batch statement kind 2"},
		{"query truncated", concat([]byte{1, 0, 1, 0}, cqlproto.AppendInt(nil, 1000), tail), "[long string]"},
		{"negative query length", concat([]byte{1, 0, 1, 0}, cqlproto.AppendInt(nil, -1), tail), "negative [long string]"},
		{"prepared id truncated", concat([]byte{1, 0, 1, 1, 0, 50}, tail), "[short bytes]"},
		{"value count beyond body", concat([]byte{1, 0, 1, 1, 0, 0, 0xFF, 0xFF}, tail), "65535 values claimed but the body holds only 3 bytes"},
		{"value truncated", concat([]byte{1, 0, 1, 1, 0, 0, 0, 1}, cqlproto.AppendInt(nil, 7), tail), "need 7, have 3"},
		{"value length -3", concat([]byte{1, 0, 1, 1, 0, 0, 0, 1}, cqlproto.AppendInt(nil, -3), tail), "invalid [value] length -3"},
		{"consistency missing", []byte{1, 0, 0}, "[short]"},
		{"flags missing", []byte{1, 0, 0, 0, 1}, "[byte]"},
		{"serial consistency missing", []byte{1, 0, 0, 0, 1, cqlproto.QFlagSerialConsistency}, "[short]"},
		{"timestamp truncated", []byte{1, 0, 0, 0, 1, cqlproto.QFlagDefaultTimestamp, 0}, "[long]"},
		{"named values", []byte{1, 0, 0, 0, 1, cqlproto.QFlagNamesForValues}, "named values are not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cqlproto.NewReader(tt.in)
			cqlproto.ReadBatch(r)
			require.Error(t, r.Err())
			assert.Contains(t, r.Err().Error(), tt.wantErr)
		})
	}
}

func TestValidConsistency(t *testing.T) {
	for c := range uint16(0x0B) {
		assert.True(t, cqlproto.ValidConsistency(c), "0x%04X", c)
	}
	assert.False(t, cqlproto.ValidConsistency(0x0B))
	assert.False(t, cqlproto.ValidConsistency(0xFFFF))
}
