package parquet

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"unicode/utf8"

	parquetgo "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"

	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/sink"
	"github.com/ringscan/ringscan/sink/cqlvalue"
)

// This file maps CQL types to a Parquet schema and turns serialized CQL
// values (protocol v4, as kept in a sink.Batch) into Parquet values with
// their repetition and definition levels, straight from the bytes. The
// mapping is described in doc.go and docs/parquet-mapping.md.

// op is how a node turns a value into leaf values.
type op uint8

const (
	opText           op = iota // ascii, text: UTF-8 checked, invalid bytes become U+FFFD
	opBytes                    // blob, custom: as is
	opBool                     // boolean
	opInt8                     // tinyint
	opInt16                    // smallint
	opInt32                    // int
	opInt64                    // bigint, counter
	opFloat                    // float
	opDouble                   // double
	opUUID                     // uuid, timeuuid: the 16 bytes
	opUUIDText                 // uuid, timeuuid: 8-4-4-4-12 text
	opTimestamp                // timestamp: milliseconds
	opDate                     // date: days since the epoch
	opTime                     // time: nanoseconds since midnight
	opVarint                   // varint: decimal digits
	opVarintDecimal            // varint: DECIMAL(p, 0)
	opDecimal                  // decimal: plain notation
	opDecimalDecimal           // decimal: DECIMAL(p, s)
	opInet                     // inet: text form
	opDuration                 // duration: group of months, days, nanoseconds
	opList                     // list, set
	opMap                      // map
	opStruct                   // tuple, UDT
)

// planNode is the write plan of one field of the Parquet schema: the field
// of a column, or of an element, key, value or field nested in one.
type planNode struct {
	t        *cqltype.Type
	op       op
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
	kids []*planNode
	// dec is the DECIMAL of opVarintDecimal and opDecimalDecimal.
	dec decimalSpec
}

// schemaBuilder builds a Parquet schema and its write plan.
type schemaBuilder struct {
	uuid           bool        // uuid and timeuuid as UUID, else as text
	decimal, vint  decimalSpec // how decimals and varints are written
	leaves         [][]string  // path of each leaf column, in order
	unsignedBounds [][]string  // leaves whose bounds parquet-go would get wrong
}

// newSchemaBuilder returns a builder for the mapping options of cfg, which
// is valid.
func newSchemaBuilder(cfg Config) *schemaBuilder {
	cfg = cfg.EnsureDefaults()
	s := &schemaBuilder{uuid: cfg.UUID == UUIDLogical}
	s.decimal, _ = parseDecimalSpec(cfg.Decimal, false)
	s.vint, _ = parseDecimalSpec(cfg.Varint, true)
	return s
}

// column returns the Parquet field and the write plan of a column.
func (s *schemaBuilder) column(c sink.Column) (parquetgo.Node, *planNode, error) {
	wt, err := c.WireType()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	t, _, err := cqltype.ReadOption(wt)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: column %s: %w", ErrInvalidConfig, c.Name, err)
	}
	text := c.Type
	if text == "" {
		text = t.String()
	}
	return s.columnOf(c.Name, text, t)
}

// columnOf returns the Parquet field and the write plan of a column of
// type t, whose text (for errors) is text.
func (s *schemaBuilder) columnOf(name, text string, t cqltype.Type) (parquetgo.Node, *planNode, error) {
	pt := new(cqltype.Type)
	*pt = t
	node, plan, err := s.build([]string{name}, pt, true, 0, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: column %s of type %s: %w", ErrInvalidConfig, name, text, err)
	}
	return node, plan, nil
}

// build returns the field of type t at path. parentDef is the definition
// level of the parent's present value, rep the number of repeated fields
// above.
func (s *schemaBuilder) build(path []string, t *cqltype.Type, optional bool, parentDef, rep int) (parquetgo.Node, *planNode, error) {
	if len(path) > 4*cqltype.MaxDepth {
		return nil, nil, fmt.Errorf("type nested more than %d levels", cqltype.MaxDepth)
	}
	n := &planNode{t: t, optional: optional, def: parentDef, rep: rep, leaf: len(s.leaves), direct: true}
	if optional {
		n.def++
	}
	if n.def+2 > parquetgo.MaxDefinitionLevel || rep+1 > parquetgo.MaxRepetitionLevel {
		return nil, nil, fmt.Errorf("type nested too deeply for Parquet's levels")
	}
	var node parquetgo.Node
	leaf := func(o op, ln parquetgo.Node) {
		n.op, node = o, ln
		s.leaves = append(s.leaves, slices.Clone(path))
	}
	switch t.Kind {
	case cqltype.Ascii, cqltype.Varchar:
		leaf(opText, parquetgo.String())
	case cqltype.Blob, cqltype.Custom:
		leaf(opBytes, parquetgo.Leaf(parquetgo.ByteArrayType))
	case cqltype.Boolean:
		leaf(opBool, parquetgo.Leaf(parquetgo.BooleanType))
	case cqltype.Tinyint:
		leaf(opInt8, parquetgo.Int(8))
	case cqltype.Smallint:
		leaf(opInt16, parquetgo.Int(16))
	case cqltype.Int:
		leaf(opInt32, parquetgo.Leaf(parquetgo.Int32Type))
	case cqltype.Bigint, cqltype.Counter:
		leaf(opInt64, parquetgo.Leaf(parquetgo.Int64Type))
	case cqltype.Float:
		leaf(opFloat, parquetgo.Leaf(parquetgo.FloatType))
	case cqltype.Double:
		leaf(opDouble, parquetgo.Leaf(parquetgo.DoubleType))
	case cqltype.KindUUID, cqltype.Timeuuid:
		if s.uuid {
			leaf(opUUID, parquetgo.UUID())
		} else {
			leaf(opUUIDText, parquetgo.String())
		}
	case cqltype.Timestamp:
		leaf(opTimestamp, parquetgo.Timestamp(parquetgo.Millisecond))
	case cqltype.KindDate:
		leaf(opDate, parquetgo.Date())
	case cqltype.Time:
		// A time of day without zone: not adjusted to UTC.
		leaf(opTime, parquetgo.TimeAdjusted(parquetgo.Nanosecond, false))
	case cqltype.Varint, cqltype.KindDecimal:
		d, text, dec := s.vint, opVarint, opVarintDecimal
		if t.Kind == cqltype.KindDecimal {
			d, text, dec = s.decimal, opDecimal, opDecimalDecimal
		}
		if d.text {
			leaf(text, parquetgo.String())
			break
		}
		n.dec = d
		leaf(dec, d.node())
		if d.fixed() {
			// parquet-go orders FIXED_LEN_BYTE_ARRAY bounds as unsigned
			// bytes, while readers take DECIMAL bounds as signed: a
			// negative value would look like the maximum and a filter
			// could skip row groups it needs. No bounds then.
			s.unsignedBounds = append(s.unsignedBounds, slices.Clone(path))
		}
	case cqltype.Inet:
		leaf(opInet, parquetgo.String())
	case cqltype.KindDuration:
		n.op = opDuration
		fields := []string{"months", "days", "nanoseconds"}
		nodes := []parquetgo.Node{
			parquetgo.Leaf(parquetgo.Int32Type), parquetgo.Leaf(parquetgo.Int32Type), parquetgo.Leaf(parquetgo.Int64Type),
		}
		for i, f := range fields {
			s.leaves = append(s.leaves, append(slices.Clone(path), f))
			nodes[i] = parquetgo.Required(nodes[i])
		}
		node = newGroup(fields, nodes)
	case cqltype.List, cqltype.Set:
		if len(t.Elems) != 1 {
			return nil, nil, fmt.Errorf("%s has %d element types", t.Kind, len(t.Elems))
		}
		n.op = opList
		n.rep = rep + 1
		elem, ep, err := s.build(append(path, "list", "element"), &t.Elems[0], true, n.def+1, n.rep)
		if err != nil {
			return nil, nil, err
		}
		n.kids = []*planNode{ep}
		n.direct = ep.direct && ep.nleaves == 1
		node = parquetgo.List(elem)
	case cqltype.Map:
		if len(t.Elems) != 2 {
			return nil, nil, fmt.Errorf("map has %d parameter types", len(t.Elems))
		}
		n.op = opMap
		n.rep = rep + 1
		// parquetgo.Map sorts the fields of key_value: key, then value.
		key, kp, err := s.build(append(path, "key_value", "key"), &t.Elems[0], false, n.def+1, n.rep)
		if err != nil {
			return nil, nil, err
		}
		val, vp, err := s.build(append(path, "key_value", "value"), &t.Elems[1], true, n.def+1, n.rep)
		if err != nil {
			return nil, nil, err
		}
		n.kids = []*planNode{kp, vp}
		n.direct = false
		node = parquetgo.Map(key, val)
	case cqltype.Tuple, cqltype.UDT:
		n.op = opStruct
		if len(t.Elems) == 0 {
			return nil, nil, fmt.Errorf("a Parquet group needs at least one field")
		}
		names := make([]string, len(t.Elems))
		nodes := make([]parquetgo.Node, len(t.Elems))
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
		node = newGroup(names, nodes)
	default:
		return nil, nil, fmt.Errorf("no Parquet mapping for %s", t.Kind)
	}
	n.nleaves = len(s.leaves) - n.leaf
	if optional {
		node = parquetgo.Optional(node)
	} else {
		node = parquetgo.Required(node)
	}
	return node, n, nil
}

// group is a Parquet group whose fields keep the order they were given
// in, the order of the table's columns or of a UDT's fields; parquetgo.Group
// sorts them by name.
type group struct {
	fields []parquetgo.Field
}

func newGroup(names []string, nodes []parquetgo.Node) *group {
	g := &group{fields: make([]parquetgo.Field, len(names))}
	for i := range names {
		g.fields[i] = &field{Node: nodes[i], name: names[i]}
	}
	return g
}

func (g *group) ID() int                           { return 0 }
func (g *group) String() string                    { return fmt.Sprintf("group(%d fields)", len(g.fields)) }
func (g *group) Type() parquetgo.Type              { return parquetgo.Group{}.Type() }
func (g *group) Optional() bool                    { return false }
func (g *group) Repeated() bool                    { return false }
func (g *group) Required() bool                    { return true }
func (g *group) Leaf() bool                        { return false }
func (g *group) Fields() []parquetgo.Field         { return g.fields }
func (g *group) Encoding() encoding.Encoding       { return nil }
func (g *group) Compression() compress.Codec       { return nil }
func (g *group) GoType() reflect.Type              { return reflect.TypeFor[map[string]any]() }
func (f *field) Name() string                      { return f.name }
func (f *field) Value(reflect.Value) reflect.Value { return reflect.Value{} }

// field is a named field of a group.
type field struct {
	parquetgo.Node
	name string
}

// rowBuilder turns rows of serialized values into Parquet rows. Its buffers
// are reused from chunk to chunk; values of text it had to rewrite point
// into scratch, others into the batch, so a chunk is valid until the next
// reset and as long as its batch.
type rowBuilder struct {
	digits   cqlvalue.Digits
	decimals decimals
	vals     []parquetgo.Value   // the values of the chunk's rows, row after row
	ends     []int               // ends[i] is the end of row i in vals
	rows     []parquetgo.Row     // rows of the chunk, slices of vals
	leafBuf  [][]parquetgo.Value // values of the current row per leaf column, for nodes that are not direct
	direct   bool                // emit appends to vals, not to leafBuf
	scratch  []byte
}

// reset empties the chunk.
func (p *rowBuilder) reset() {
	p.vals, p.ends, p.scratch = p.vals[:0], p.ends[:0], p.scratch[:0]
}

// chunk returns the rows of the chunk.
func (p *rowBuilder) chunk() []parquetgo.Row {
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
func (p *rowBuilder) addRow(plan []*planNode, b *sink.Batch, row int) error {
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
func (p *rowBuilder) put(v parquetgo.Value, r, d, leaf int) {
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
func (p *rowBuilder) nulls(n *planNode, r, d int) {
	for leaf := n.leaf; leaf < n.leaf+n.nleaves; leaf++ {
		p.put(parquetgo.Value{}, r, d, leaf)
	}
}

// text returns a value of the text p.scratch[start:].
func (p *rowBuilder) text(start int) parquetgo.Value {
	return parquetgo.ByteArrayValue(p.scratch[start:len(p.scratch):len(p.scratch)])
}

// emit adds the value v of node n, whose first leaf value has repetition
// level r.
func (p *rowBuilder) emit(n *planNode, v []byte, r int) error {
	if cqltype.IsNull(n.t.Kind, v) {
		if !n.optional {
			return fmt.Errorf("%w: null map key", sink.ErrInvalidValue)
		}
		p.nulls(n, r, n.def-1)
		return nil
	}
	var pv parquetgo.Value
	switch n.op {
	case opText:
		if utf8.Valid(v) {
			pv = parquetgo.ByteArrayValue(v)
		} else {
			start := len(p.scratch)
			p.scratch = cqlvalue.AppendUTF8(p.scratch, v)
			pv = p.text(start)
		}
	case opBytes:
		pv = parquetgo.ByteArrayValue(v)
	case opBool:
		if len(v) != 1 {
			return malformed(n.t, v)
		}
		pv = parquetgo.BooleanValue(v[0] != 0)
	case opInt8:
		if len(v) != 1 {
			return malformed(n.t, v)
		}
		pv = parquetgo.Int32Value(int32(int8(v[0])))
	case opInt16:
		if len(v) != 2 {
			return malformed(n.t, v)
		}
		pv = parquetgo.Int32Value(int32(int16(binary.BigEndian.Uint16(v))))
	case opInt32:
		if len(v) != 4 {
			return malformed(n.t, v)
		}
		pv = parquetgo.Int32Value(int32(binary.BigEndian.Uint32(v)))
	case opInt64, opTimestamp:
		if len(v) != 8 {
			return malformed(n.t, v)
		}
		pv = parquetgo.Int64Value(int64(binary.BigEndian.Uint64(v)))
	case opFloat:
		if len(v) != 4 {
			return malformed(n.t, v)
		}
		pv = parquetgo.FloatValue(math.Float32frombits(binary.BigEndian.Uint32(v)))
	case opDouble:
		if len(v) != 8 {
			return malformed(n.t, v)
		}
		pv = parquetgo.DoubleValue(math.Float64frombits(binary.BigEndian.Uint64(v)))
	case opUUID:
		if len(v) != 16 {
			return malformed(n.t, v)
		}
		pv = parquetgo.FixedLenByteArrayValue(v)
	case opDate:
		if len(v) != 4 {
			return malformed(n.t, v)
		}
		// 2^31 is the epoch: flipping the top bit gives days since it.
		pv = parquetgo.Int32Value(int32(binary.BigEndian.Uint32(v) ^ 1<<31))
	case opTime:
		if len(v) != 8 {
			return malformed(n.t, v)
		}
		ns := binary.BigEndian.Uint64(v)
		if ns >= 86400e9 {
			return malformed(n.t, v)
		}
		pv = parquetgo.Int64Value(int64(ns))
	case opVarint:
		start := len(p.scratch)
		p.scratch = p.digits.AppendVarint(p.scratch, v)
		pv = p.text(start)
	case opVarintDecimal:
		var err error
		if pv, err = p.decimals.varint(n.t, n.dec, v, &p.scratch); err != nil {
			return err
		}
	case opDecimalDecimal:
		if len(v) < 4 {
			return malformed(n.t, v)
		}
		var err error
		if pv, err = p.decimals.decimal(n.t, n.dec, v, &p.scratch); err != nil {
			return err
		}
	case opUUIDText:
		start := len(p.scratch)
		var ok bool
		if p.scratch, ok = cqlvalue.AppendUUID(p.scratch, v); !ok {
			return malformed(n.t, v)
		}
		pv = p.text(start)
	case opDecimal:
		start := len(p.scratch)
		var ok bool
		if p.scratch, ok = p.digits.AppendDecimal(p.scratch, v); !ok {
			return malformed(n.t, v)
		}
		pv = p.text(start)
	case opInet:
		start := len(p.scratch)
		var ok bool
		if p.scratch, ok = cqlvalue.AppendInet(p.scratch, v); !ok {
			return malformed(n.t, v)
		}
		pv = p.text(start)
	case opDuration:
		d, err := cqltype.ReadDuration(v)
		if err != nil {
			return malformed(n.t, v)
		}
		p.put(parquetgo.Int32Value(d.Months), r, n.def, n.leaf)
		p.put(parquetgo.Int32Value(d.Days), r, n.def, n.leaf+1)
		p.put(parquetgo.Int64Value(d.Nanos), r, n.def, n.leaf+2)
		return nil
	case opList:
		return p.emitList(n, v, r)
	case opMap:
		return p.emitMap(n, v, r)
	case opStruct:
		return p.emitStruct(n, v, r)
	}
	p.put(pv, r, n.def, n.leaf)
	return nil
}

func (p *rowBuilder) emitList(n *planNode, v []byte, r int) error {
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

func (p *rowBuilder) emitMap(n *planNode, v []byte, r int) error {
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
func (p *rowBuilder) emitStruct(n *planNode, v []byte, r int) error {
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

// malformed returns the error for bytes that are not a value of t.
func malformed(t *cqltype.Type, v []byte) error {
	return fmt.Errorf("%w: malformed %s value of %d bytes", sink.ErrInvalidValue, t, len(v))
}
