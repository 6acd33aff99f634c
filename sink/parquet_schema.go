package sink

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"

	"github.com/ringscan/ringscan/internal/cqltype"
)

// This file maps CQL types to a Parquet schema and turns serialized CQL
// values (protocol v4, as kept in a Batch) into Parquet values with their
// repetition and definition levels, straight from the bytes. The mapping
// is described on Parquet and in docs/parquet-mapping.md.

// pqOp is how a pqNode turns a value into leaf values.
type pqOp uint8

const (
	pqText      pqOp = iota // ascii, text: UTF-8 checked, invalid bytes become U+FFFD
	pqBytes                 // blob, custom: as is
	pqBool                  // boolean
	pqInt8                  // tinyint
	pqInt16                 // smallint
	pqInt32                 // int
	pqInt64                 // bigint, counter
	pqFloat                 // float
	pqDouble                // double
	pqUUID                  // uuid, timeuuid
	pqTimestamp             // timestamp: milliseconds
	pqDate                  // date: days since the epoch
	pqTime                  // time: nanoseconds since midnight
	pqVarint                // varint: decimal digits
	pqDecimal               // decimal: plain notation
	pqInet                  // inet: text form
	pqDuration              // duration: group of months, days, nanoseconds
	pqList                  // list, set
	pqMap                   // map
	pqStruct                // tuple, UDT
)

// pqNode is the write plan of one field of the Parquet schema: the field
// of a column, or of an element, key, value or field nested in one.
type pqNode struct {
	t        *cqltype.Type
	op       pqOp
	optional bool
	// def is the definition level of a present (non-null) value; a null
	// value of an optional node has def-1.
	def int
	// rep is the repetition level of the second and later elements of a
	// list or map: the number of repeated fields from the root to its
	// repeated group included.
	rep int
	// leaf is the index of the node's first leaf column; its leaves are
	// leaf to leaf+nleaves-1, in the order of the schema.
	leaf, nleaves int
	// direct is true when the node emits its leaf values in leaf order,
	// so that they need no sorting into per-leaf buffers: it holds no list
	// or map over more than one leaf.
	direct bool
	// kids are the element of a list, key and value of a map, fields of a
	// tuple or UDT.
	kids []*pqNode
}

// pqSchema builds a Parquet schema and its write plan.
type pqSchema struct {
	leaves [][]string // path of each leaf column, in order
}

// column returns the Parquet field and the write plan of a column.
func (s *pqSchema) column(c Column) (parquet.Node, *pqNode, error) {
	t := c.CQLType()
	if t.Kind == cqltype.Custom && t.Custom == "" && c.Type != "" {
		// A Column built as a literal rather than with NewColumn.
		var err error
		if t, err = cqltype.Parse(c.Type); err != nil {
			return nil, nil, fmt.Errorf("%w: column %s: %w", ErrInvalidConfig, c.Name, err)
		}
	}
	pt := new(cqltype.Type)
	*pt = t
	node, plan, err := s.build([]string{c.Name}, pt, true, 0, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: column %s of type %s: %w", ErrInvalidConfig, c.Name, t, err)
	}
	return node, plan, nil
}

// build returns the field of type t at path. parentDef is the definition
// level of the parent's present value, rep the number of repeated fields
// above.
func (s *pqSchema) build(path []string, t *cqltype.Type, optional bool, parentDef, rep int) (parquet.Node, *pqNode, error) {
	if len(path) > 4*cqltype.MaxDepth {
		return nil, nil, fmt.Errorf("type nested more than %d levels", cqltype.MaxDepth)
	}
	n := &pqNode{t: t, optional: optional, def: parentDef, rep: rep, leaf: len(s.leaves), direct: true}
	if optional {
		n.def++
	}
	if n.def+2 > parquet.MaxDefinitionLevel || rep+1 > parquet.MaxRepetitionLevel {
		return nil, nil, fmt.Errorf("type nested too deeply for Parquet's levels")
	}
	var node parquet.Node
	leaf := func(op pqOp, ln parquet.Node) {
		n.op, node = op, ln
		s.leaves = append(s.leaves, slices.Clone(path))
	}
	switch t.Kind {
	case cqltype.Ascii, cqltype.Varchar:
		leaf(pqText, parquet.String())
	case cqltype.Blob, cqltype.Custom:
		leaf(pqBytes, parquet.Leaf(parquet.ByteArrayType))
	case cqltype.Boolean:
		leaf(pqBool, parquet.Leaf(parquet.BooleanType))
	case cqltype.Tinyint:
		leaf(pqInt8, parquet.Int(8))
	case cqltype.Smallint:
		leaf(pqInt16, parquet.Int(16))
	case cqltype.Int:
		leaf(pqInt32, parquet.Leaf(parquet.Int32Type))
	case cqltype.Bigint, cqltype.Counter:
		leaf(pqInt64, parquet.Leaf(parquet.Int64Type))
	case cqltype.Float:
		leaf(pqFloat, parquet.Leaf(parquet.FloatType))
	case cqltype.Double:
		leaf(pqDouble, parquet.Leaf(parquet.DoubleType))
	case cqltype.KindUUID, cqltype.Timeuuid:
		leaf(pqUUID, parquet.UUID())
	case cqltype.Timestamp:
		leaf(pqTimestamp, parquet.Timestamp(parquet.Millisecond))
	case cqltype.KindDate:
		leaf(pqDate, parquet.Date())
	case cqltype.Time:
		// A time of day without zone: not adjusted to UTC.
		leaf(pqTime, parquet.TimeAdjusted(parquet.Nanosecond, false))
	case cqltype.Varint:
		leaf(pqVarint, parquet.String())
	case cqltype.KindDecimal:
		leaf(pqDecimal, parquet.String())
	case cqltype.Inet:
		leaf(pqInet, parquet.String())
	case cqltype.KindDuration:
		n.op = pqDuration
		fields := []string{"months", "days", "nanoseconds"}
		nodes := []parquet.Node{
			parquet.Leaf(parquet.Int32Type), parquet.Leaf(parquet.Int32Type), parquet.Leaf(parquet.Int64Type),
		}
		for i, f := range fields {
			s.leaves = append(s.leaves, append(slices.Clone(path), f))
			nodes[i] = parquet.Required(nodes[i])
		}
		node = newPQGroup(fields, nodes)
	case cqltype.List, cqltype.Set:
		if len(t.Elems) != 1 {
			return nil, nil, fmt.Errorf("%s has %d element types", t.Kind, len(t.Elems))
		}
		n.op = pqList
		n.rep = rep + 1
		elem, ep, err := s.build(append(path, "list", "element"), &t.Elems[0], true, n.def+1, n.rep)
		if err != nil {
			return nil, nil, err
		}
		n.kids = []*pqNode{ep}
		n.direct = ep.direct && ep.nleaves == 1
		node = parquet.List(elem)
	case cqltype.Map:
		if len(t.Elems) != 2 {
			return nil, nil, fmt.Errorf("map has %d parameter types", len(t.Elems))
		}
		n.op = pqMap
		n.rep = rep + 1
		// parquet.Map sorts the fields of key_value: key, then value.
		key, kp, err := s.build(append(path, "key_value", "key"), &t.Elems[0], false, n.def+1, n.rep)
		if err != nil {
			return nil, nil, err
		}
		val, vp, err := s.build(append(path, "key_value", "value"), &t.Elems[1], true, n.def+1, n.rep)
		if err != nil {
			return nil, nil, err
		}
		n.kids = []*pqNode{kp, vp}
		n.direct = false
		node = parquet.Map(key, val)
	case cqltype.Tuple, cqltype.UDT:
		n.op = pqStruct
		if len(t.Elems) == 0 {
			return nil, nil, fmt.Errorf("a Parquet group needs at least one field")
		}
		names := make([]string, len(t.Elems))
		nodes := make([]parquet.Node, len(t.Elems))
		seen := make(map[string]bool, len(t.Elems))
		for i := range t.Elems {
			name := "_" + strconv.Itoa(i+1) // tuple fields, as Spark names them
			if t.Kind == cqltype.UDT {
				if i >= len(t.Fields) || t.Fields[i] == "" {
					return nil, nil, fmt.Errorf("field %d of the UDT has no name", i+1)
				}
				name = t.Fields[i]
			}
			if seen[name] {
				return nil, nil, fmt.Errorf("two fields are named %q", name)
			}
			seen[name] = true
			fn, fp, err := s.build(append(path, name), &t.Elems[i], true, n.def, rep)
			if err != nil {
				return nil, nil, err
			}
			names[i], nodes[i] = name, fn
			n.kids = append(n.kids, fp)
			n.direct = n.direct && fp.direct
		}
		node = newPQGroup(names, nodes)
	default:
		return nil, nil, fmt.Errorf("no Parquet mapping for %s", t.Kind)
	}
	n.nleaves = len(s.leaves) - n.leaf
	if optional {
		node = parquet.Optional(node)
	} else {
		node = parquet.Required(node)
	}
	return node, n, nil
}

// pqGroup is a Parquet group whose fields keep the order they were given
// in, the order of the table's columns or of a UDT's fields; parquet.Group
// sorts them by name.
type pqGroup struct {
	fields []parquet.Field
}

func newPQGroup(names []string, nodes []parquet.Node) *pqGroup {
	g := &pqGroup{fields: make([]parquet.Field, len(names))}
	for i := range names {
		g.fields[i] = &pqField{Node: nodes[i], name: names[i]}
	}
	return g
}

func (g *pqGroup) ID() int                           { return 0 }
func (g *pqGroup) String() string                    { return fmt.Sprintf("group(%d fields)", len(g.fields)) }
func (g *pqGroup) Type() parquet.Type                { return parquet.Group{}.Type() }
func (g *pqGroup) Optional() bool                    { return false }
func (g *pqGroup) Repeated() bool                    { return false }
func (g *pqGroup) Required() bool                    { return true }
func (g *pqGroup) Leaf() bool                        { return false }
func (g *pqGroup) Fields() []parquet.Field           { return g.fields }
func (g *pqGroup) Encoding() encoding.Encoding       { return nil }
func (g *pqGroup) Compression() compress.Codec       { return nil }
func (g *pqGroup) GoType() reflect.Type              { return reflect.TypeFor[map[string]any]() }
func (f *pqField) Name() string                      { return f.name }
func (f *pqField) Value(reflect.Value) reflect.Value { return reflect.Value{} }

// pqField is a named field of a pqGroup.
type pqField struct {
	parquet.Node
	name string
}

// pqRows turns rows of serialized values into Parquet rows. Its buffers
// are reused from chunk to chunk; values of text it had to rewrite point
// into scratch, others into the batch, so a chunk is valid until the next
// reset and as long as its batch.
type pqRows struct {
	digits  cqltype.Digits
	vals    []parquet.Value   // the values of the chunk's rows, row after row
	ends    []int             // ends[i] is the end of row i in vals
	rows    []parquet.Row     // rows of the chunk, slices of vals
	leafBuf [][]parquet.Value // values of the current row per leaf column, for nodes that are not direct
	direct  bool              // emit appends to vals, not to leafBuf
	scratch []byte
}

// reset empties the chunk.
func (p *pqRows) reset() {
	p.vals, p.ends, p.scratch = p.vals[:0], p.ends[:0], p.scratch[:0]
}

// chunk returns the rows of the chunk.
func (p *pqRows) chunk() []parquet.Row {
	p.rows = p.rows[:0]
	start := 0
	for _, end := range p.ends {
		p.rows = append(p.rows, p.vals[start:end:end])
		start = end
	}
	return p.rows
}

// addRow appends row row of b to the chunk. On error the chunk is as it
// was.
func (p *pqRows) addRow(plan []*pqNode, b *Batch, row int) error {
	start := len(p.vals)
	for c, n := range plan {
		p.direct = n.direct
		if err := p.emit(n, b.Value(row, c), 0); err != nil {
			p.vals = p.vals[:start]
			for i := n.leaf; i < n.leaf+n.nleaves; i++ {
				p.leafBuf[i] = p.leafBuf[i][:0]
			}
			return fmt.Errorf("column %s: %w", b.Columns[c].Name, err)
		}
		if !n.direct {
			for i := n.leaf; i < n.leaf+n.nleaves; i++ {
				p.vals = append(p.vals, p.leafBuf[i]...)
				p.leafBuf[i] = p.leafBuf[i][:0]
			}
		}
	}
	p.ends = append(p.ends, len(p.vals))
	return nil
}

// put adds the value of leaf column leaf.
func (p *pqRows) put(v parquet.Value, r, d, leaf int) {
	dst := &p.vals
	if !p.direct {
		dst = &p.leafBuf[leaf]
	}
	*dst = append(*dst, v)
	// Setting the levels in place is cheaper than Value.Level's copies.
	last := &(*dst)[len(*dst)-1]
	last.SetRepetitionLevel(r)
	last.SetDefinitionLevel(d)
	last.SetColumnIndex(leaf)
}

// nulls adds a null, with repetition level r and definition level d, to
// every leaf column of n.
func (p *pqRows) nulls(n *pqNode, r, d int) {
	for leaf := n.leaf; leaf < n.leaf+n.nleaves; leaf++ {
		p.put(parquet.Value{}, r, d, leaf)
	}
}

// text returns a value of the text p.scratch[start:].
func (p *pqRows) text(start int) parquet.Value {
	return parquet.ByteArrayValue(p.scratch[start:len(p.scratch):len(p.scratch)])
}

// emit adds the value v of node n, whose first leaf value has repetition
// level r.
func (p *pqRows) emit(n *pqNode, v []byte, r int) error {
	if isNull(n.t.Kind, v) {
		if !n.optional {
			return fmt.Errorf("%w: null map key", ErrInvalidValue)
		}
		p.nulls(n, r, n.def-1)
		return nil
	}
	var pv parquet.Value
	switch n.op {
	case pqText:
		if utf8.Valid(v) {
			pv = parquet.ByteArrayValue(v)
		} else {
			start := len(p.scratch)
			p.scratch = cqltype.AppendUTF8(p.scratch, v)
			pv = p.text(start)
		}
	case pqBytes:
		pv = parquet.ByteArrayValue(v)
	case pqBool:
		if len(v) != 1 {
			return malformed(n.t, v)
		}
		pv = parquet.BooleanValue(v[0] != 0)
	case pqInt8:
		if len(v) != 1 {
			return malformed(n.t, v)
		}
		pv = parquet.Int32Value(int32(int8(v[0])))
	case pqInt16:
		if len(v) != 2 {
			return malformed(n.t, v)
		}
		pv = parquet.Int32Value(int32(int16(binary.BigEndian.Uint16(v))))
	case pqInt32:
		if len(v) != 4 {
			return malformed(n.t, v)
		}
		pv = parquet.Int32Value(int32(binary.BigEndian.Uint32(v)))
	case pqInt64, pqTimestamp:
		if len(v) != 8 {
			return malformed(n.t, v)
		}
		pv = parquet.Int64Value(int64(binary.BigEndian.Uint64(v)))
	case pqFloat:
		if len(v) != 4 {
			return malformed(n.t, v)
		}
		pv = parquet.FloatValue(math.Float32frombits(binary.BigEndian.Uint32(v)))
	case pqDouble:
		if len(v) != 8 {
			return malformed(n.t, v)
		}
		pv = parquet.DoubleValue(math.Float64frombits(binary.BigEndian.Uint64(v)))
	case pqUUID:
		if len(v) != 16 {
			return malformed(n.t, v)
		}
		pv = parquet.FixedLenByteArrayValue(v)
	case pqDate:
		if len(v) != 4 {
			return malformed(n.t, v)
		}
		// 2^31 is the epoch: flipping the top bit gives days since it.
		pv = parquet.Int32Value(int32(binary.BigEndian.Uint32(v) ^ 1<<31))
	case pqTime:
		if len(v) != 8 {
			return malformed(n.t, v)
		}
		ns := binary.BigEndian.Uint64(v)
		if ns >= 86400e9 {
			return malformed(n.t, v)
		}
		pv = parquet.Int64Value(int64(ns))
	case pqVarint:
		start := len(p.scratch)
		p.scratch = p.digits.AppendVarint(p.scratch, v)
		pv = p.text(start)
	case pqDecimal:
		start := len(p.scratch)
		var ok bool
		if p.scratch, ok = p.digits.AppendDecimal(p.scratch, v); !ok {
			return malformed(n.t, v)
		}
		pv = p.text(start)
	case pqInet:
		start := len(p.scratch)
		var ok bool
		if p.scratch, ok = cqltype.AppendInet(p.scratch, v); !ok {
			return malformed(n.t, v)
		}
		pv = p.text(start)
	case pqDuration:
		d, err := cqltype.ReadDuration(v)
		if err != nil {
			return malformed(n.t, v)
		}
		p.put(parquet.Int32Value(d.Months), r, n.def, n.leaf)
		p.put(parquet.Int32Value(d.Days), r, n.def, n.leaf+1)
		p.put(parquet.Int64Value(d.Nanos), r, n.def, n.leaf+2)
		return nil
	case pqList:
		return p.emitList(n, v, r)
	case pqMap:
		return p.emitMap(n, v, r)
	case pqStruct:
		return p.emitStruct(n, v, r)
	}
	p.put(pv, r, n.def, n.leaf)
	return nil
}

func (p *pqRows) emitList(n *pqNode, v []byte, r int) error {
	it, err := cqltype.ReadCollection(n.t, v)
	if err != nil {
		return malformed(n.t, v)
	}
	elem := n.kids[0]
	if it.Len() == 0 {
		p.nulls(elem, r, n.def) // an empty list: present, no element
	}
	for i := range it.Len() {
		e, err := it.Next()
		if err != nil {
			return malformed(n.t, v)
		}
		if err := p.emit(elem, e, r); err != nil {
			return err
		}
		if i == 0 {
			r = n.rep
		}
	}
	if it.End() != nil {
		return malformed(n.t, v)
	}
	return nil
}

func (p *pqRows) emitMap(n *pqNode, v []byte, r int) error {
	it, err := cqltype.ReadCollection(n.t, v)
	if err != nil {
		return malformed(n.t, v)
	}
	key, val := n.kids[0], n.kids[1]
	if it.Len() == 0 {
		p.nulls(key, r, n.def)
		p.nulls(val, r, n.def)
	}
	for i := range it.Len() {
		k, err := it.Next()
		if err != nil {
			return malformed(n.t, v)
		}
		e, err := it.Next()
		if err != nil {
			return malformed(n.t, v)
		}
		if err := p.emit(key, k, r); err != nil {
			return err
		}
		if err := p.emit(val, e, r); err != nil {
			return err
		}
		if i == 0 {
			r = n.rep
		}
	}
	if it.End() != nil {
		return malformed(n.t, v)
	}
	return nil
}

// emitStruct adds a tuple or UDT; fields missing at the end of the value
// are null.
func (p *pqRows) emitStruct(n *pqNode, v []byte, r int) error {
	it := cqltype.ReadFields(n.t, v)
	for _, kid := range n.kids {
		e, err := it.Next()
		if err != nil {
			return malformed(n.t, v)
		}
		if err := p.emit(kid, e, r); err != nil {
			return err
		}
	}
	if it.End() != nil {
		return malformed(n.t, v)
	}
	return nil
}
