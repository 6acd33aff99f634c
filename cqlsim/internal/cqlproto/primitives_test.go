package cqlproto_test

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim/internal/cqlproto"
)

// Decoders of one notation each, named for the table below.
var (
	readByte        = func(r *cqlproto.Reader) any { return r.Byte() }
	readShort       = func(r *cqlproto.Reader) any { return r.Short() }
	readInt         = func(r *cqlproto.Reader) any { return r.Int() }
	readLong        = func(r *cqlproto.Reader) any { return r.Long() }
	readString      = func(r *cqlproto.Reader) any { return r.String() }
	readLongString  = func(r *cqlproto.Reader) any { return r.LongString() }
	readBytes       = func(r *cqlproto.Reader) any { return r.Bytes() }
	readShortBytes  = func(r *cqlproto.Reader) any { return r.ShortBytes() }
	readValue       = func(r *cqlproto.Reader) any { return r.Value() }
	readStringList  = func(r *cqlproto.Reader) any { return r.StringList() }
	readStringMap   = func(r *cqlproto.Reader) any { return r.StringMap() }
	readConsistency = func(r *cqlproto.Reader) any { return r.Consistency() }
)

func TestReaderPrimitives(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		read    func(*cqlproto.Reader) any
		want    any
		wantErr string // substring of Err; "" for none
		left    int    // unread bytes afterwards
	}{
		{name: "byte", in: []byte{0xAB, 1}, read: readByte, want: byte(0xAB), left: 1},
		{name: "byte, empty", in: nil, read: readByte, want: byte(0), wantErr: "[byte]"},
		{name: "short", in: []byte{0xFF, 0xFE}, read: readShort, want: uint16(0xFFFE)},
		{name: "short, 1 byte", in: []byte{1}, read: readShort, want: uint16(0), wantErr: "need 2, have 1"},
		{name: "int negative", in: []byte{0xFF, 0xFF, 0xFF, 0xFE}, read: readInt, want: int32(-2)},
		{name: "int, 3 bytes", in: []byte{0, 0, 1}, read: readInt, want: int32(0), wantErr: "[int]"},
		{name: "long", in: cqlproto.AppendLong(nil, -1<<40), read: readLong, want: int64(-1 << 40)},
		{name: "long, 7 bytes", in: make([]byte, 7), read: readLong, want: int64(0), wantErr: "[long]"},
		{name: "string", in: cqlproto.AppendString(nil, "héllo"), read: readString, want: "héllo"},
		{name: "string, empty", in: []byte{0, 0}, read: readString, want: ""},
		{name: "string, length beyond body", in: []byte{0, 9, 'a', 'b'}, read: readString, want: "", wantErr: "need 9, have 2"},
		{name: "string, no length", in: []byte{0}, read: readString, want: "", wantErr: "[short]"},
		{name: "long string", in: cqlproto.AppendLongString(nil, "SELECT 1"), read: readLongString, want: "SELECT 1"},
		{name: "long string, negative length", in: []byte{0xFF, 0xFF, 0xFF, 0xFF}, read: readLongString, want: "", wantErr: "negative [long string] length -1"},
		{name: "long string, 2 GB claimed", in: []byte{0x7F, 0xFF, 0xFF, 0xFF, 'x'}, read: readLongString, want: "", wantErr: "need 2147483647, have 1"},
		{name: "bytes", in: cqlproto.AppendBytes(nil, []byte{1, 2}), read: readBytes, want: []byte{1, 2}},
		{name: "bytes, empty", in: cqlproto.AppendBytes(nil, []byte{}), read: readBytes, want: []byte{}},
		{name: "bytes, null", in: cqlproto.AppendBytes(nil, nil), read: readBytes, want: []byte(nil)},
		{name: "bytes, any negative length is null", in: cqlproto.AppendInt(nil, -1000), read: readBytes, want: []byte(nil)},
		{name: "bytes, truncated", in: []byte{0, 0, 0, 5, 1}, read: readBytes, want: []byte{}, wantErr: "[bytes]"},
		{name: "short bytes", in: cqlproto.AppendShortBytes(nil, []byte{9}), read: readShortBytes, want: []byte{9}},
		{name: "short bytes, truncated", in: []byte{0xFF, 0xFF}, read: readShortBytes, want: []byte(nil), wantErr: "[short bytes]"},
		{name: "value", in: cqlproto.AppendValue(nil, []byte("v")), read: readValue, want: []byte("v")},
		{name: "value, empty", in: cqlproto.AppendValue(nil, []byte{}), read: readValue, want: []byte{}},
		{name: "value, null", in: cqlproto.AppendInt(nil, -1), read: readValue, want: []byte(nil)},
		{name: "value, -3 is invalid", in: cqlproto.AppendInt(nil, -3), read: readValue, want: []byte(nil), wantErr: "invalid [value] length -3"},
		{name: "value, truncated", in: []byte{0, 0, 1, 0, 'x'}, read: readValue, want: []byte{}, wantErr: "need 256, have 1"},
		{name: "value, no length", in: []byte{0, 0}, read: readValue, want: []byte(nil), wantErr: "[int]"},
		{name: "string list", in: cqlproto.AppendStringList(nil, []string{"a", "", "bc"}), read: readStringList, want: []string{"a", "", "bc"}},
		{name: "string list, empty", in: []byte{0, 0}, read: readStringList, want: []string{}},
		{name: "string list, count beyond body", in: []byte{0xFF, 0xFF, 0, 0}, read: readStringList, want: []string(nil), wantErr: "[string list]"},
		{name: "string list, last string truncated", in: []byte{0, 2, 0, 0, 0, 3, 'a'}, read: readStringList, want: []string{"", ""}, wantErr: "[string]"},
		{
			name: "string map", read: readStringMap,
			in:   cqlproto.AppendStringMap(nil, []string{"CQL_VERSION", "COMPRESSION"}, map[string]string{"CQL_VERSION": "3.0.0", "COMPRESSION": "lz4"}),
			want: map[string]string{"CQL_VERSION": "3.0.0", "COMPRESSION": "lz4"},
		},
		{name: "string map, count beyond body", in: []byte{0x10, 0, 0, 0, 0, 0}, read: readStringMap, want: map[string]string(nil), wantErr: "[string map]"},
		{name: "string map, value missing", in: []byte{0, 1, 0, 1, 'k', 0}, read: readStringMap, want: map[string]string{"k": ""}, wantErr: "[short]"},
		{name: "consistency", in: []byte{0, 6}, read: readConsistency, want: cqlproto.LocalQuorum},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cqlproto.NewReader(tt.in)
			assert.Equal(t, tt.want, tt.read(r))
			if tt.wantErr == "" {
				require.NoError(t, r.Err())
				assert.Equal(t, tt.left, r.Len(), "unread bytes")
				return
			}
			require.Error(t, r.Err())
			assert.Contains(t, r.Err().Error(), tt.wantErr)
			assert.Zero(t, r.Len(), "a failed reader has nothing left")
		})
	}
}

func TestReaderErrorIsSticky(t *testing.T) {
	r := cqlproto.NewReader([]byte{0, 0, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8})
	assert.Empty(t, r.ShortBytes()) // length 0: empty, not an error
	require.NoError(t, r.Err())
	assert.Equal(t, "", r.String()) // length 9 with 8 bytes left
	first := r.Err()
	require.Error(t, first)
	assert.Equal(t, int32(0), r.Int())
	assert.Nil(t, r.Value())
	assert.Nil(t, r.StringMap())
	r.Failf("later problem")
	assert.Equal(t, first, r.Err(), "the first error is the one reported")
}

func TestReaderFailf(t *testing.T) {
	r := cqlproto.NewReader([]byte{1, 2, 3})
	r.Failf("bad %s", "thing")
	assert.EqualError(t, r.Err(), "bad thing")
	assert.Zero(t, r.Len())
	assert.Zero(t, r.Byte())
}

func TestUnset(t *testing.T) {
	r := cqlproto.NewReader(cqlproto.AppendInt(nil, -2))
	v := r.Value()
	require.NoError(t, r.Err())
	assert.True(t, cqlproto.IsUnset(v))
	assert.Equal(t, cqlproto.AppendInt(nil, -2), cqlproto.AppendValue(nil, v))
	// A value whose bytes equal the marker's is a value, not unset.
	assert.False(t, cqlproto.IsUnset(append([]byte(nil), cqlproto.Unset...)))
	assert.False(t, cqlproto.IsUnset(nil))
	assert.False(t, cqlproto.IsUnset([]byte{}))
}

func TestAppendRoundTrip(t *testing.T) {
	var b []byte
	b = append(b, 7)
	b = cqlproto.AppendShort(b, 65535)
	b = cqlproto.AppendInt(b, -5)
	b = cqlproto.AppendLong(b, 1<<62)
	b = cqlproto.AppendString(b, "s")
	b = cqlproto.AppendLongString(b, "long")
	b = cqlproto.AppendBytes(b, nil)
	b = cqlproto.AppendBytes(b, []byte{1})
	b = cqlproto.AppendShortBytes(b, []byte{2, 3})
	b = cqlproto.AppendValue(b, cqlproto.Unset)
	b = cqlproto.AppendValue(b, nil)
	b = cqlproto.AppendStringList(b, []string{"x", "y"})
	b = cqlproto.AppendStringMap(b, []string{"k"}, map[string]string{"k": "v"})

	r := cqlproto.NewReader(b)
	assert.Equal(t, byte(7), r.Byte())
	assert.Equal(t, uint16(65535), r.Short())
	assert.Equal(t, int32(-5), r.Int())
	assert.Equal(t, int64(1<<62), r.Long())
	assert.Equal(t, "s", r.String())
	assert.Equal(t, "long", r.LongString())
	assert.Nil(t, r.Bytes())
	assert.Equal(t, []byte{1}, r.Bytes())
	assert.Equal(t, []byte{2, 3}, r.ShortBytes())
	assert.True(t, cqlproto.IsUnset(r.Value()))
	assert.Nil(t, r.Value())
	assert.Equal(t, []string{"x", "y"}, r.StringList())
	assert.Equal(t, map[string]string{"k": "v"}, r.StringMap())
	require.NoError(t, r.Err())
	assert.Zero(t, r.Len())
}

func TestAppendInetAndMultimap(t *testing.T) {
	tests := []struct {
		name string
		ip   net.IP
		want []byte
	}{
		{"v4", net.ParseIP("127.0.0.2"), []byte{4, 127, 0, 0, 2, 0, 0, 0x23, 0x52}},
		{"v6", net.ParseIP("::1"), append(append([]byte{16}, net.ParseIP("::1")...), 0, 0, 0x23, 0x52)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, cqlproto.AppendInet(nil, tt.ip, 9042))
		})
	}
	b := cqlproto.AppendStringMultimap(nil, []string{"A", "B"}, map[string][]string{"A": {"1", "2"}})
	r := cqlproto.NewReader(b)
	assert.Equal(t, uint16(2), r.Short())
	assert.Equal(t, "A", r.String())
	assert.Equal(t, []string{"1", "2"}, r.StringList())
	assert.Equal(t, "B", r.String())
	assert.Equal(t, []string{}, r.StringList())
	require.NoError(t, r.Err())
	assert.Zero(t, r.Len())
}
