package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/internal/output"
	"github.com/ringscan/ringscan/sink"
)

// TestStdoutPrepares checks that --out - has JSON Lines and CSV pages prepared on
// the goroutines that read them (sink.Preparer forwarded to its encoder).
// The probe: the page's first value is changed in place after Prepare
// (which a scan never does), so that the line tells whether its text was
// prepared (the old id) or rendered at Write (the new one). Fails if
// stdoutOut does not forward Prepare.
func TestStdoutPrepares(t *testing.T) {
	for _, tc := range []struct{ format, comp, want string }{
		{output.FormatJSONL, output.CompressNone, "{\"id\":7}\n"},
		{output.FormatJSONL, output.CompressGzip, "{\"id\":7}\n"},
		{output.FormatCSV, output.CompressNone, "id\n7\n"},
	} {
		format, comp := tc.format, tc.comp
		t.Run(format+"-"+comp, func(t *testing.T) {
			col, err := sink.NewColumn("id", "int")
			require.NoError(t, err)
			cols := []sink.Column{col}
			var out bytes.Buffer
			so, err := stdoutSink(&out, &scanFlags{format: format, compress: comp}, cols)
			require.NoError(t, err)
			var sk sink.Sink = so
			p, ok := sk.(sink.Preparer)
			require.True(t, ok, "stdout's sink is a Preparer")
			b := sink.NewBatch(cols, 1)
			b.AppendValue(binary.BigEndian.AppendUint32(nil, 7))
			p.Prepare(b)
			binary.BigEndian.PutUint32(b.Value(0, 0), 8)
			ctx := context.Background()
			require.NoError(t, so.Write(ctx, b))
			require.NoError(t, so.Close(ctx))
			require.NoError(t, so.end())
			text := out.Bytes()
			if comp == output.CompressGzip {
				text = gunzip(t, text)
			}
			assert.Equal(t, tc.want, string(text))
		})
	}
}

// gunzip returns the bytes data decompresses to.
func gunzip(t *testing.T, data []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	require.NoError(t, err)
	text, err := io.ReadAll(zr)
	require.NoError(t, err)
	return text
}
