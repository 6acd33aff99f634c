package cqlproto_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/cqlsim/internal/cqlproto"
)

func TestCompressors(t *testing.T) {
	bodies := [][]byte{{}, []byte("x"), bytes.Repeat([]byte("ringscan "), 10000), func() []byte {
		b := make([]byte, 5000)
		for i := range b {
			b[i] = byte(i * 7919 >> 3)
		}
		return b
	}()}
	for _, name := range cqlproto.Compressions {
		c := cqlproto.CompressorFor(name)
		require.NotNil(t, c, name)
		assert.Equal(t, name, c.Name())
		for _, body := range bodies {
			z := c.Compress([]byte("prefix"), body)
			require.True(t, bytes.HasPrefix(z, []byte("prefix")), "appends")
			got, err := c.Decompress(z[len("prefix"):])
			require.NoError(t, err, "%s %d bytes", name, len(body))
			assert.Equal(t, body, got, "%s %d bytes", name, len(body))
		}
		_, err := c.Decompress([]byte{0xFF, 0xFF, 0xFF})
		assert.Error(t, err, "%s: garbage", name)
	}
	assert.Nil(t, cqlproto.CompressorFor("zstd"))

	// A claimed uncompressed length over the frame limit is refused before
	// anything is allocated.
	lz4 := cqlproto.CompressorFor("lz4")
	_, err := lz4.Decompress(binary.BigEndian.AppendUint32(nil, 1<<31))
	assert.True(t, errors.Is(err, cqlproto.ErrFrameTooLarge), "%v", err)
	snappy := cqlproto.CompressorFor("snappy")
	_, err = snappy.Decompress([]byte{0x80, 0x80, 0x80, 0x80, 0x08}) // varint 2^31
	assert.True(t, errors.Is(err, cqlproto.ErrFrameTooLarge), "%v", err)
	// The v4 lz4 format: the uncompressed length, big-endian, first.
	z := lz4.Compress(nil, []byte("hello"))
	assert.Equal(t, uint32(5), binary.BigEndian.Uint32(z))
}
