package cqlproto_test

import (
	"bufio"
	"bytes"
	"io"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim/internal/cqlproto"
)

func TestReadFrame(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 20000) // 320 KB: the growing path
	tests := []struct {
		name    string
		in      []byte
		want    []cqlproto.Frame // frames read before the error
		wantErr error            // compared with errors.Is; nil means io.EOF
		// wantVersion expects a *VersionError, wantProtoErr a
		// *ProtocolError on wantStream, instead of wantErr.
		wantVersion   byte
		wantProtoErr  bool
		wantStream    int16
		wantUnreadMin int // bytes that must stay unread after the error
	}{
		{
			name: "options",
			in:   request(1, cqlproto.OpOptions, nil),
			want: []cqlproto.Frame{{Header: cqlproto.Header{Version: 4, Stream: 1, Opcode: cqlproto.OpOptions}, Body: []byte{}}},
		},
		{
			name: "back to back",
			in:   concat(request(1, cqlproto.OpOptions, nil), request(-7, cqlproto.OpStartup, startupBody())),
			want: []cqlproto.Frame{
				{Header: cqlproto.Header{Version: 4, Stream: 1, Opcode: cqlproto.OpOptions}, Body: []byte{}},
				{Header: cqlproto.Header{Version: 4, Stream: -7, Opcode: cqlproto.OpStartup, Length: uint32(len(startupBody()))}, Body: startupBody()},
			},
		},
		{
			name: "flags and unknown opcode pass through",
			in:   rawFrame(4, cqlproto.FlagTracing|cqlproto.FlagBeta, 32767, 0xEE, 3, []byte("abc")),
			want: []cqlproto.Frame{{Header: cqlproto.Header{Version: 4, Flags: 0x12, Stream: 32767, Opcode: 0xEE, Length: 3}, Body: []byte("abc")}},
		},
		{
			name: "large body read in growing chunks",
			in:   request(2, cqlproto.OpQuery, big),
			want: []cqlproto.Frame{{Header: cqlproto.Header{Version: 4, Stream: 2, Opcode: cqlproto.OpQuery, Length: uint32(len(big))}, Body: big}},
		},
		{name: "empty input", in: nil, wantErr: io.EOF},
		{name: "version byte only", in: []byte{4}, wantErr: io.ErrUnexpectedEOF},
		{name: "partial header", in: []byte{4, 0, 0, 1, 5, 0, 0}, wantErr: io.ErrUnexpectedEOF},
		{name: "truncated small body", in: rawFrame(4, 0, 1, cqlproto.OpQuery, 100, []byte("0123456789")), wantErr: io.ErrUnexpectedEOF},
		{name: "truncated large body", in: rawFrame(4, 0, 1, cqlproto.OpQuery, 200<<10, big[:100<<10]), wantErr: io.ErrUnexpectedEOF},
		{name: "max length, no body", in: rawFrame(4, 0, 1, cqlproto.OpQuery, cqlproto.MaxBodyLength, nil), wantErr: io.ErrUnexpectedEOF},
		{
			name:          "one byte over max length",
			in:            rawFrame(4, 0, 1, cqlproto.OpQuery, cqlproto.MaxBodyLength+1, []byte("xyz")),
			wantErr:       cqlproto.ErrFrameTooLarge,
			wantUnreadMin: 3,
		},
		{name: "length 0xFFFFFFFF", in: rawFrame(4, 0, 1, cqlproto.OpQuery, 0xFFFFFFFF, nil), wantErr: cqlproto.ErrFrameTooLarge},
		// Other versions are refused on their first byte, whatever follows.
		{name: "v3 options", in: rawFrame(3, 0, 5, cqlproto.OpOptions, 0, nil), wantVersion: 3, wantUnreadMin: 8},
		{name: "v5 options", in: rawFrame(5, 0, 5, cqlproto.OpOptions, 0, nil), wantVersion: 5, wantUnreadMin: 8},
		{name: "v5 beta with a 300 MB length", in: rawFrame(5, cqlproto.FlagBeta, 0, cqlproto.OpOptions, 300<<20, nil), wantVersion: 5, wantUnreadMin: 8},
		{name: "DSE v2", in: rawFrame(0x42, 0, 0, cqlproto.OpOptions, 0, nil), wantVersion: 0x42, wantUnreadMin: 8},
		{name: "v1 8-byte header", in: []byte{1, 0, 0, 5, 0, 0, 0, 0}, wantVersion: 1, wantUnreadMin: 7},
		{name: "v5 response", in: rawFrame(0x85, 0, 0, cqlproto.OpSupported, 0, nil), wantVersion: 5},
		{name: "garbage", in: []byte("GET / HTTP/1.1\r\n\r\n"), wantVersion: 'G'},
		{name: "response direction", in: rawFrame(0x84, 0, 9, cqlproto.OpReady, 0, nil), wantProtoErr: true, wantStream: 9},
		{name: "response direction with a huge length", in: rawFrame(0x84, 0, -3, cqlproto.OpResult, 0xFFFFFFFF, nil), wantProtoErr: true, wantStream: -3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := bufio.NewReader(bytes.NewReader(tt.in))
			var got []cqlproto.Frame
			var err error
			for {
				var f cqlproto.Frame
				f, err = cqlproto.ReadFrame(r)
				if err != nil {
					break
				}
				got = append(got, f)
			}
			assert.Equal(t, tt.want, got)
			switch {
			case tt.wantVersion != 0:
				var verr *cqlproto.VersionError
				require.ErrorAs(t, err, &verr)
				assert.Equal(t, tt.wantVersion, verr.Version)
				assert.Contains(t, verr.Error(), "Invalid or unsupported protocol version")
			case tt.wantProtoErr:
				var perr *cqlproto.ProtocolError
				require.ErrorAs(t, err, &perr)
				assert.Equal(t, tt.wantStream, perr.Stream)
			case tt.wantErr != nil:
				assert.ErrorIs(t, err, tt.wantErr)
			default:
				assert.ErrorIs(t, err, io.EOF)
			}
			assert.GreaterOrEqual(t, r.Buffered(), tt.wantUnreadMin, "bytes left unread")
		})
	}
}

// allocated returns the bytes allocated on the heap while f runs.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// endless yields the same byte forever, a body that never ends, and counts
// the bytes read.
type endless struct{ n int }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	e.n += len(p)
	return len(p), nil
}

func TestReadFrameRefusesOversizedWithoutReading(t *testing.T) {
	hdr := rawFrame(4, 0, 3, cqlproto.OpQuery, 300<<20, nil)
	// The body would be endless: ReadFrame must not even start on it.
	body := &endless{}
	r := bufio.NewReader(io.MultiReader(bytes.NewReader(hdr), body))
	var err error
	n := allocated(func() { _, err = cqlproto.ReadFrame(r) })
	require.ErrorIs(t, err, cqlproto.ErrFrameTooLarge)
	assert.Contains(t, err.Error(), "314572800 bytes claimed")
	assert.Less(t, n, uint64(1<<20), "bytes allocated")
	assert.LessOrEqual(t, body.n, r.Size(), "body bytes read: at most one buffer fill")
}

func TestReadFrameTruncatedAllocatesWhatArrived(t *testing.T) {
	tests := []struct {
		name    string
		claimed uint32
		present int
		limit   uint64 // allocation allowed
	}{
		{"200 MB claimed, 10 bytes present", 200 << 20, 10, 256 << 10},
		{"256 MB claimed, 1 MB present", cqlproto.MaxBodyLength, 1 << 20, 6 << 20},
		{"64 KB claimed, nothing present", 64 << 10, 0, 256 << 10},
		{"64 KB + 1 claimed, nothing present", 64<<10 + 1, 0, 256 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := rawFrame(4, 0, 1, cqlproto.OpQuery, tt.claimed, bytes.Repeat([]byte{'v'}, tt.present))
			r := bufio.NewReader(bytes.NewReader(in))
			var err error
			n := allocated(func() { _, err = cqlproto.ReadFrame(r) })
			require.ErrorIs(t, err, io.ErrUnexpectedEOF)
			assert.Less(t, n, tt.limit, "bytes allocated")
		})
	}
}

func TestHeaderRoundTrip(t *testing.T) {
	h := cqlproto.Header{Version: 0x84, Flags: cqlproto.FlagWarning, Stream: -2, Opcode: cqlproto.OpEvent, Length: 0x01020304}
	b := cqlproto.AppendHeader(nil, h)
	require.Len(t, b, cqlproto.HeaderSize)
	assert.Equal(t, h, cqlproto.DecodeHeader(b))
	got, err := cqlproto.ReadHeader(bytes.NewReader(b))
	require.NoError(t, err)
	assert.Equal(t, h, got)
	_, err = cqlproto.ReadHeader(bytes.NewReader(b[:5]))
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)

	f := cqlproto.AppendFrame(nil, 0, 7, cqlproto.OpReady, []byte("xy"))
	assert.Equal(t, cqlproto.Header{Version: 0x84, Stream: 7, Opcode: cqlproto.OpReady, Length: 2}, cqlproto.DecodeHeader(f))
	assert.Equal(t, []byte("xy"), f[cqlproto.HeaderSize:])
}

func TestOpcodeString(t *testing.T) {
	for op, want := range map[cqlproto.Opcode]string{
		cqlproto.OpError: "ERROR", cqlproto.OpBatch: "BATCH", cqlproto.OpAuthSuccess: "AUTH_SUCCESS",
		0x04: "0x04", 0x11: "0x11", 0xFF: "0xFF",
	} {
		assert.Equal(t, want, op.String())
	}
}
