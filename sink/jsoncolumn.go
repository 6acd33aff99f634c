package sink

import (
	"encoding/binary"

	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/sink/cqlvalue"
)

// columnLoop names the loop in which renderColumn formats a column's
// values itself, by direct calls to the format of its kind (the function
// scalarFormatOf names), or none (loopAny: the column's writer writes
// them).
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
	loopBlob
	loopInet
	loopTextCollection // a list or set of text, or a map of text to text
)

// columnLoopOf returns the loop for the values of type t: loopAny for the
// types renderColumn does not format, for those whose text needs escaping
// with e's options (needsEscape), and for bigints written as strings
// (jsonQuoted: the loops quote the kinds that are always strings only).
func (e *encoder) columnLoopOf(t *cqltype.Type) columnLoop {
	k := t.Kind
	if e.needsEscape(k) {
		return loopAny
	}
	switch k {
	case cqltype.Ascii, cqltype.Varchar:
		return loopText
	case cqltype.Int:
		return loopInt
	case cqltype.Bigint, cqltype.Counter:
		if !e.jsonQuoted(k, nil) {
			return loopBigint
		}
	case cqltype.Boolean:
		return loopBoolean
	case cqltype.Double:
		return loopDouble
	case cqltype.KindUUID, cqltype.Timeuuid:
		return loopUUID
	case cqltype.Timestamp:
		return loopTimestamp
	case cqltype.Blob:
		return loopBlob
	case cqltype.Inet:
		return loopInet
	case cqltype.List, cqltype.Set, cqltype.Map:
		if textCollection(t) {
			return loopTextCollection
		}
	}
	return loopAny
}

// textCollection reports whether t is a list or set of text, or a map of
// text to text: the collections renderRun writes itself (collectionAppender's
// writer with text elements).
func textCollection(t *cqltype.Type) bool {
	n := 1
	if t.Kind == cqltype.Map {
		n = 2
	}
	if len(t.Elems) != n {
		return false
	}
	for _, et := range t.Elems {
		if et.Kind != cqltype.Ascii && et.Kind != cqltype.Varchar {
			return false
		}
	}
	return true
}

// renderColumn appends, for rows [from, to) of b, column j's value
// to text, and where each ends to ends, every n-th from j on (n the
// batch's columns). At a malformed value it stops with text as it was
// before that row, and returns the row and the error; else it returns to.
//
// A value of a common scalar kind is formatted in a loop of its kind's
// (renderRun), by a direct call to the kind's format, rather than through
// the column's writer, a call through a function value for every value
// (and, for scalars, another one inside: 10-12% of the demo's rows' CPU).
// The values a loop does not take (null, empty, malformed, NaN and the
// infinities, and every value of loopAny) go to the writer, so the text
// is always the writer's.
func (c *jsonColumn) renderColumn(e *encoder, text []byte, ends []int32, b *Batch, j, from, to int) ([]byte, int, error) {
	t, n, r, at := &b.Columns[j].typ, len(b.Columns), from, j
	for r < to {
		if text, at, r = c.renderRun(e, text, ends, at, n, b, j, r, to); r == to {
			break
		}
		out, err := c.write(e, text, t, b.Value(r, j))
		if err != nil {
			return text, r, err
		}
		text = out
		ends[at] = int32(len(text))
		at += n
		r++
	}
	return text, r, nil
}

// renderRun formats the values of rows [r, to) of column j that c's loop
// takes, and returns at the first it does not, or at to. Each kind has a
// loop of its own: one loop switching on the kind for every value cost
// 7% more of the demo's rows' CPU (taking turns, 2026-12-02). The loops
// differ only in the format they call, which makes the kind's text in
// one place. Every loop writes a null itself (the value nil, or empty
// for the kinds cqltype.IsNull says so of): going to the column's writer
// for each cost the demo's nullable columns a call and a return to
// renderColumn per null.
func (c *jsonColumn) renderRun(e *encoder, text []byte, ends []int32, at, n int, b *Batch, j, r, to int) ([]byte, int, int) {
	// ci is row r's cell of column j, w cells after the row before's.
	ci, w := r*b.width+j, b.width
	switch c.loop {
	case loopText:
		for ; r < to; r, ci = r+1, ci+w {
			v := b.cellValue(ci)
			if v == nil {
				text = appendNull(text)
			} else if short, ok := appendPlainShort(text, v); ok { // appendJSONString's, inlined
				text = short
			} else {
				text = appendEscaped(text, v)
			}
			ends[at], at = int32(len(text)), at+n
		}
	case loopInt:
		for ; r < to; r, ci = r+1, ci+w {
			v := b.cellValue(ci)
			if len(v) == 0 {
				text = appendNull(text)
			} else if out, ok := formatInt(e, text, v); ok {
				text = out
			} else {
				break
			}
			ends[at], at = int32(len(text)), at+n
		}
	case loopBigint:
		for ; r < to; r, ci = r+1, ci+w {
			v := b.cellValue(ci)
			if len(v) == 0 {
				text = appendNull(text)
			} else if out, ok := formatBigint(e, text, v); ok {
				text = out
			} else {
				break
			}
			ends[at], at = int32(len(text)), at+n
		}
	case loopBoolean:
		for ; r < to; r, ci = r+1, ci+w {
			v := b.cellValue(ci)
			if len(v) == 0 {
				text = appendNull(text)
			} else if out, ok := formatBoolean(e, text, v); ok {
				text = out
			} else {
				break
			}
			ends[at], at = int32(len(text)), at+n
		}
	case loopDouble:
		for ; r < to; r, ci = r+1, ci+w {
			v := b.cellValue(ci)
			if len(v) == 0 {
				text = appendNull(text)
			} else if e.jsonQuoted(cqltype.Double, v) {
				break // NaN and the infinities are strings
			} else if out, ok := formatDouble(e, text, v); ok {
				text = out
			} else {
				break
			}
			ends[at], at = int32(len(text)), at+n
		}
	case loopUUID:
		for ; r < to; r, ci = r+1, ci+w {
			v := b.cellValue(ci)
			if len(v) == 0 {
				text = appendNull(text)
			} else if out, ok := cqlvalue.AppendUUID(append(text, '"'), v); ok { // formatUUID's, inlined
				text = append(out, '"')
			} else {
				break
			}
			ends[at], at = int32(len(text)), at+n
		}
	case loopTimestamp:
		for ; r < to; r, ci = r+1, ci+w {
			v := b.cellValue(ci)
			if len(v) == 0 {
				text = appendNull(text)
			} else if out, ok := e.formatTimestamp(append(text, '"'), v); ok {
				text = append(out, '"')
			} else {
				break
			}
			ends[at], at = int32(len(text)), at+n
		}
	case loopBlob:
		for ; r < to; r, ci = r+1, ci+w {
			v := b.cellValue(ci)
			if v == nil {
				text = appendNull(text)
			} else {
				out, _ := e.formatBlob(append(text, '"'), v)
				text = append(out, '"')
			}
			ends[at], at = int32(len(text)), at+n
		}
	case loopInet:
		for ; r < to; r, ci = r+1, ci+w {
			v := b.cellValue(ci)
			if len(v) == 0 {
				text = appendNull(text)
			} else if out, ok := formatInet(e, append(text, '"'), v); ok {
				text = append(out, '"')
			} else {
				break
			}
			ends[at], at = int32(len(text)), at+n
		}
	case loopTextCollection:
		pairs := b.Columns[j].typ.Kind == cqltype.Map
		for ; r < to; r, ci = r+1, ci+w {
			v := b.cellValue(ci)
			if len(v) == 0 {
				text = appendNull(text)
			} else if out, ok := appendTextCollection(text, v, pairs); ok {
				text = out
			} else {
				break
			}
			ends[at], at = int32(len(text)), at+n
		}
	}
	return text, at, r
}

// appendNull appends a null value.
func appendNull(dst []byte) []byte { return append(dst, "null"...) }

// appendTextCollection appends a list or set of text (pairs false), or a
// map of text to text (pairs true), as appendList and appendMap write it
// with text elements, in one walk of its serialized bytes: a count, then
// each element as a [bytes]. (Through cqltype.Elements and appendKey,
// rendering the demo's rows took 5,202 instructions a row, against 4,942
// so, counted by cachegrind.) It
// reports false, dst unchanged, for a value that is not a whole
// collection or holds a null element: the column's writer then writes it,
// or its error.
func appendTextCollection(dst, v []byte, pairs bool) ([]byte, bool) {
	if len(v) < 4 {
		return dst, false
	}
	n, per, open, end := int64(int32(binary.BigEndian.Uint32(v))), int64(1), byte('['), byte(']')
	if pairs {
		per, open, end = 2, '{', '}'
	}
	if n < 0 || n > int64(len(v)-4)/(4*per) {
		return dst, false
	}
	out := append(dst, open)
	at := 4
	for i := range n * per {
		if i > 0 {
			sep := byte(',')
			if pairs && i&1 == 1 {
				sep = ':'
			}
			out = append(out, sep)
		}
		if len(v)-at < 4 {
			return dst, false
		}
		l := int32(binary.BigEndian.Uint32(v[at:]))
		at += 4
		if l < 0 || int(l) > len(v)-at {
			return dst, false
		}
		e := v[at : at+int(l) : at+int(l)]
		if short, ok := appendPlainShort(out, e); ok { // appendJSONString's, inlined
			out = short
		} else {
			out = appendEscaped(out, e)
		}
		at += int(l)
	}
	if at != len(v) {
		return dst, false
	}
	return append(out, end), true
}
