package cqlproto

import (
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/klauspost/compress/snappy"
	"github.com/pierrec/lz4/v4"
)

// Compressor compresses frame bodies with an algorithm a client chose in
// STARTUP, in the protocol v4 formats: snappy's block format, and LZ4's
// block format after the uncompressed length as a 4-byte big-endian int.
type Compressor interface {
	// Name is the algorithm's name in OPTIONS and STARTUP.
	Name() string
	// Compress appends the compressed src to dst.
	Compress(dst, src []byte) []byte
	// Decompress returns the decompressed src, refusing a body that would
	// grow past MaxBodyLength.
	Decompress(src []byte) ([]byte, error)
}

// Compressions are the algorithms offered in SUPPORTED, as Cassandra 4
// lists them.
var Compressions = []string{"snappy", "lz4"}

// CompressorFor returns the Compressor named name, nil if there is none.
func CompressorFor(name string) Compressor {
	switch name {
	case "snappy":
		return snappyCompressor{}
	case "lz4":
		return lz4Compressor{}
	}
	return nil
}

type snappyCompressor struct{}

func (snappyCompressor) Name() string { return "snappy" }

func (snappyCompressor) Compress(dst, src []byte) []byte {
	return append(dst, snappy.Encode(nil, src)...)
}

func (snappyCompressor) Decompress(src []byte) ([]byte, error) {
	n, err := snappy.DecodedLen(src)
	if err != nil {
		return nil, fmt.Errorf("invalid snappy body: %w", err)
	}
	if n > MaxBodyLength {
		return nil, fmt.Errorf("snappy body of %d bytes uncompressed: %w", n, ErrFrameTooLarge)
	}
	out, err := snappy.Decode(make([]byte, n), src)
	if err != nil {
		return nil, fmt.Errorf("invalid snappy body: %w", err)
	}
	return out, nil
}

type lz4Compressor struct{}

// lz4Compressors are reused: an lz4.Compressor holds a 64 KiB hash table
// and is not safe for concurrent use.
var lz4Compressors = sync.Pool{New: func() any { return new(lz4.Compressor) }}

func (lz4Compressor) Name() string { return "lz4" }

func (lz4Compressor) Compress(dst, src []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(src)))
	start := len(dst)
	dst = append(dst, make([]byte, lz4.CompressBlockBound(len(src)))...)
	c := lz4Compressors.Get().(*lz4.Compressor)
	n, err := c.CompressBlock(src, dst[start:])
	lz4Compressors.Put(c)
	if err != nil { // the destination has the bound's size: cannot happen
		panic(fmt.Sprintf("cqlproto: lz4 compression: %v", err))
	}
	return dst[:start+n]
}

func (lz4Compressor) Decompress(src []byte) ([]byte, error) {
	if len(src) < 4 {
		return nil, fmt.Errorf("invalid lz4 body: %d bytes, no uncompressed length", len(src))
	}
	n := binary.BigEndian.Uint32(src)
	if n > MaxBodyLength {
		return nil, fmt.Errorf("lz4 body of %d bytes uncompressed: %w", n, ErrFrameTooLarge)
	}
	if n == 0 {
		return []byte{}, nil
	}
	out := make([]byte, n)
	got, err := lz4.UncompressBlock(src[4:], out)
	if err != nil || got != int(n) {
		return nil, fmt.Errorf("invalid lz4 body: %d of %d bytes decompressed (%v)", got, n, err)
	}
	return out, nil
}
