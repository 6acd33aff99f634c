package sink

import (
	"encoding/binary"
	"math"

	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/sink/cqlvalue"
)

// columnLoop names the loop that renders a JSON Lines column's values: a
// loop of its own for each common scalar kind, which formats the values of
// the kind's usual width with direct calls, or loopAny, which calls the
// column's valueWriter for every value. The values a loop does not take
// (null, empty, malformed, NaN and the infinities) go to the column's
// valueWriter, so the text is always the writer's.
type columnLoop uint8

const (
	loopAny columnLoop = iota
	loopText
	loopInt
	loopBigint
	loopBoolean
	loopDouble
	loopUUID
	loopTimestamp
	loopHexBlob
	loopInet
)

// columnLoopOf returns the loop for the values of kind k, with e's options.
func (e *encoder) columnLoopOf(k cqltype.Kind) columnLoop {
	switch k {
	case cqltype.Ascii, cqltype.Varchar:
		return loopText
	case cqltype.Int:
		return loopInt
	case cqltype.Bigint, cqltype.Counter:
		if !e.opts.numStrings {
			return loopBigint
		}
	case cqltype.Boolean:
		return loopBoolean
	case cqltype.Double:
		return loopDouble
	case cqltype.KindUUID, cqltype.Timeuuid:
		return loopUUID
	case cqltype.Timestamp:
		if e.opts.layout == "" && e.opts.loc == nil {
			return loopTimestamp
		}
	case cqltype.Blob:
		if !e.opts.base64 {
			return loopHexBlob
		}
	case cqltype.Inet:
		return loopInet
	}
	return loopAny
}

// renderColumn appends, for rows [from, to) of b, column j's key and value
// to text, and where each ends to ends. At a malformed value it stops with
// text and ends as they were before that row, and returns the row and the
// error; else it returns to.
func (c *jsonColumn) renderColumn(e *encoder, text []byte, ends []int32, b *Batch, j, from, to int) ([]byte, int, error) {
	t, r, n := &b.Columns[j].typ, from, len(b.Columns)
	at := j
	for r < to {
		if c.loop != loopAny {
			if text, at, r = c.renderRun(e, text, ends, at, n, b, j, r, to); r == to {
				break
			}
		}
		start := len(text)
		text = appendShort(text, c.key)
		var err error
		if text, err = c.write(e, text, t, b.Value(r, j)); err != nil {
			return text[:start], r, err
		}
		ends[at] = int32(len(text))
		at += n
		r++
	}
	return text, r, nil
}

// renderRun renders the values of rows [r, to) of column j that c's loop
// takes, in a loop with no call through a function value, and returns at
// the first it does not take, or at to.
func (c *jsonColumn) renderRun(e *encoder, text []byte, ends []int32, at, n int, b *Batch, j, r, to int) ([]byte, int, int) {
	key := c.key
	switch c.loop {
	case loopText:
		for ; r < to; r++ {
			v := b.Value(r, j)
			if v == nil {
				break
			}
			text = appendJSONString(appendShort(text, key), v)
			ends[at] = int32(len(text))
			at += n
		}
	case loopInt:
		for ; r < to; r++ {
			v := b.Value(r, j)
			if len(v) != 4 {
				break
			}
			text = cqlvalue.AppendInt(appendShort(text, key), int64(int32(binary.BigEndian.Uint32(v))))
			ends[at] = int32(len(text))
			at += n
		}
	case loopBigint:
		for ; r < to; r++ {
			v := b.Value(r, j)
			if len(v) != 8 {
				break
			}
			text = cqlvalue.AppendInt(appendShort(text, key), int64(binary.BigEndian.Uint64(v)))
			ends[at] = int32(len(text))
			at += n
		}
	case loopBoolean:
		for ; r < to; r++ {
			v := b.Value(r, j)
			if len(v) != 1 {
				break
			}
			text = appendShort(text, key)
			if v[0] != 0 {
				text = append(text, "true"...)
			} else {
				text = append(text, "false"...)
			}
			ends[at] = int32(len(text))
			at += n
		}
	case loopDouble:
		for ; r < to; r++ {
			v := b.Value(r, j)
			if len(v) != 8 {
				break
			}
			f := math.Float64frombits(binary.BigEndian.Uint64(v))
			if math.IsNaN(f) || math.IsInf(f, 0) {
				break
			}
			text = appendFloat(appendShort(text, key), f, 64)
			ends[at] = int32(len(text))
			at += n
		}
	case loopUUID:
		for ; r < to; r++ {
			v := b.Value(r, j)
			if len(v) != 16 {
				break
			}
			text, _ = cqlvalue.AppendUUID(append(appendShort(text, key), '"'), v)
			text = append(text, '"')
			ends[at] = int32(len(text))
			at += n
		}
	case loopTimestamp:
		for ; r < to; r++ {
			v := b.Value(r, j)
			if len(v) != 8 {
				break
			}
			text = e.stamps.Append(append(appendShort(text, key), '"'), int64(binary.BigEndian.Uint64(v)))
			text = append(text, '"')
			ends[at] = int32(len(text))
			at += n
		}
	case loopHexBlob:
		for ; r < to; r++ {
			v := b.Value(r, j)
			if v == nil {
				break
			}
			text = cqlvalue.AppendHex(append(appendShort(text, key), '"', '0', 'x'), v)
			text = append(text, '"')
			ends[at] = int32(len(text))
			at += n
		}
	case loopInet:
		for ; r < to; r++ {
			v := b.Value(r, j)
			if len(v) != 4 && len(v) != 16 {
				break
			}
			text, _ = cqlvalue.AppendInet(append(appendShort(text, key), '"'), v)
			text = append(text, '"')
			ends[at] = int32(len(text))
			at += n
		}
	}
	return text, at, r
}
