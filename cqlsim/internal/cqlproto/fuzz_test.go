package cqlproto_test

import (
	"bufio"
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim/internal/cqlproto"
)

// decoded is one frame read by the fuzz target and its body decoded as
// each request that has one.
type decoded struct {
	frame cqlproto.Frame

	query       string
	queryParams cqlproto.QueryParams
	queryErr    error

	id         []byte
	execParams cqlproto.QueryParams
	execErr    error

	batch    cqlproto.BatchRequest
	batchErr error

	startup    map[string]string
	startupErr error

	register    []string
	registerErr error
}

// decodeAll reads frames from data until the first error and decodes each
// body as QUERY, EXECUTE, BATCH, STARTUP and REGISTER.
func decodeAll(data []byte) ([]decoded, error) {
	r := bufio.NewReader(bytes.NewReader(data))
	var out []decoded
	for {
		f, err := cqlproto.ReadFrame(r)
		if err != nil {
			return out, err
		}
		d := decoded{frame: f}
		br := cqlproto.NewReader(f.Body)
		d.query = br.LongString()
		d.queryParams = cqlproto.ReadQueryParams(br)
		d.queryErr = br.Err()

		br = cqlproto.NewReader(f.Body)
		d.id = br.ShortBytes()
		d.execParams = cqlproto.ReadQueryParams(br)
		d.execErr = br.Err()

		br = cqlproto.NewReader(f.Body)
		d.batch = cqlproto.ReadBatch(br)
		d.batchErr = br.Err()

		br = cqlproto.NewReader(f.Body)
		d.startup = br.StringMap()
		d.startupErr = br.Err()

		br = cqlproto.NewReader(f.Body)
		d.register = br.StringList()
		d.registerErr = br.Err()
		out = append(out, d)
	}
}

// allocLimit is the heap a well-behaved decodeAll may use for n input
// bytes. What arrived may be copied and expanded a bounded number of times
// (slices of values, strings, maps, each at most a few dozen bytes per input
// byte, summed over the five decodings), and one truncated body of up to 64
// KiB may be allocated in advance. An allocation driven by a claimed length
// or count instead (up to 256 MB for a frame, 65535 entries of a list) is far
// larger for the small inputs fuzzing produces.
func allocLimit(n int) uint64 { return 256<<10 + 128*uint64(n) }

// FuzzReadFrame feeds arbitrary bytes to ReadFrame and decodes every body
// read as each kind of request. It checks that nothing panics, that memory
// stays proportional to the input, and that what decodes without error
// encodes back to an equal value.
func FuzzReadFrame(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		var frames []decoded
		var err error
		n := allocated(func() { frames, err = decodeAll(data) })
		require.Error(t, err, "the input ends, so reading must end in an error")
		require.LessOrEqual(t, n, allocLimit(len(data)), "bytes allocated for %d input bytes", len(data))

		for _, d := range frames {
			h := d.frame.Header
			require.Equal(t, byte(cqlproto.Version), h.Version)
			require.Len(t, d.frame.Body, int(h.Length))
			if d.queryErr == nil {
				r := cqlproto.NewReader(appendQueryParams(cqlproto.AppendLongString(nil, d.query), d.queryParams))
				assert.Equal(t, d.query, r.LongString())
				assert.Equal(t, d.queryParams, cqlproto.ReadQueryParams(r), "QUERY round trip")
				assert.NoError(t, r.Err())
			}
			if d.execErr == nil {
				r := cqlproto.NewReader(appendQueryParams(cqlproto.AppendShortBytes(nil, d.id), d.execParams))
				assert.Equal(t, d.id, r.ShortBytes())
				assert.Equal(t, d.execParams, cqlproto.ReadQueryParams(r), "EXECUTE round trip")
				assert.NoError(t, r.Err())
			}
			if d.batchErr == nil {
				r := cqlproto.NewReader(appendBatch(nil, d.batch))
				assert.Equal(t, d.batch, cqlproto.ReadBatch(r), "BATCH round trip")
				assert.NoError(t, r.Err())
			}
			if d.registerErr == nil {
				r := cqlproto.NewReader(cqlproto.AppendStringList(nil, d.register))
				assert.Equal(t, d.register, r.StringList(), "REGISTER round trip")
			}
			if d.startupErr == nil {
				assert.LessOrEqual(t, 4*len(d.startup), len(d.frame.Body), "STARTUP entries")
			}
		}
	})
}
