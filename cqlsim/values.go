package cqlsim

import (
	"crypto/rand"
	"encoding/binary"
	"math/big"
	"slices"
	"time"

	"github.com/ringscan/ringscan/cqlsim/internal/cqlparse"
	"github.com/ringscan/ringscan/cqlsim/internal/cqlproto"
	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/internal/partitioner"
)

// errUnset marks a term bound to an unset value.
var errUnset = invalidf("unset value")

// eval computes the serialized value of a term for a receiver named name of
// type typ. A null is nil; an unset bind value returns errUnset.
func (c *Cluster) eval(term cqlparse.Term, name string, typ cqltype.Type, vals [][]byte) ([]byte, error) {
	switch v := term.(type) {
	case *cqlparse.BindMarker:
		if v.Index >= len(vals) {
			return nil, invalidf("There were %d markers(?) in CQL but %d bound variables", v.Index+1, len(vals))
		}
		b := vals[v.Index]
		if b != nil && cqlproto.IsUnset(b) {
			return nil, errUnset
		}
		if err := cqltype.Validate(typ, b); err != nil {
			return nil, invalidf("Invalid value for %s of type %s: %v", name, typ, err)
		}
		return canonicalCollection(typ, b), nil
	case *cqlparse.Literal:
		return literal(v, name, typ)
	case *cqlparse.CollectionLit:
		return c.collection(v, name, typ, vals)
	case *cqlparse.TupleLit:
		if typ.Kind != cqltype.Tuple || len(v.Elems) != len(typ.Elems) {
			return nil, invalidf("Invalid tuple literal for %s of type %s", name, typ)
		}
		var out []byte
		for i, e := range v.Elems {
			b, err := c.eval(e, name, typ.Elems[i], vals)
			if err != nil {
				return nil, err
			}
			out = cqltype.AppendValue(out, b)
		}
		return out, nil
	case *cqlparse.UDTLit:
		return c.udtLiteral(v, name, typ, vals)
	case *cqlparse.FuncCall:
		return c.call(v, name, typ, vals)
	}
	return nil, invalidf("unsupported term for %s", name)
}

// canonicalCollection returns a bound set or map value as Cassandra
// stores it: its elements (keys) in the type's order, each once, the last
// value of a repeated map key kept (Sets.Value and Maps.Value.fromSerialized
// read a bound value into a sorted set or map). A driver may send them in
// any order; lists and other types are kept as sent. b was validated.
func canonicalCollection(typ cqltype.Type, b []byte) []byte {
	if b == nil || (typ.Kind != cqltype.Set && typ.Kind != cqltype.Map) {
		return b
	}
	e, err := cqltype.ReadCollection(&typ, b)
	if err != nil {
		return b
	}
	n := e.Len()
	if typ.Kind == cqltype.Map {
		n *= 2
	}
	elems := make([][]byte, 0, n)
	for range n {
		v, err := e.Next()
		if err != nil {
			return b
		}
		elems = append(elems, v)
	}
	return cqltype.AppendCollection(nil, typ, elems)
}

// udtLiteral serializes {field: term, ...} for a UDT receiver: every field
// in the type's order, null for those the literal leaves out.
func (c *Cluster) udtLiteral(v *cqlparse.UDTLit, name string, typ cqltype.Type, vals [][]byte) ([]byte, error) {
	if typ.Kind != cqltype.UDT {
		return nil, invalidf("Invalid user type literal for %s of type %s", name, typ)
	}
	fields := make([][]byte, len(typ.Fields))
	for i, f := range v.Fields {
		k := slices.Index(typ.Fields, f)
		if k < 0 {
			return nil, invalidf("Unknown field '%s' in value of user defined type %s", f, typ.Name)
		}
		b, err := c.eval(v.Values[i], name+"."+f, typ.Elems[k], vals)
		if err == errUnset {
			continue // an unset field is null
		}
		if err != nil {
			return nil, err
		}
		fields[k] = b
	}
	var out []byte
	for _, f := range fields {
		out = cqltype.AppendValue(out, f)
	}
	return out, nil
}

// literal converts a constant, refusing kinds that do not fit the type the
// way Cassandra does ("Invalid STRING constant (foo) for "a" of type int").
func literal(l *cqlparse.Literal, name string, typ cqltype.Type) ([]byte, error) {
	if l.Kind == cqlparse.LitNull {
		return nil, nil
	}
	kindName := map[cqlparse.LiteralKind]string{
		cqlparse.LitString: "STRING", cqlparse.LitInteger: "INTEGER", cqlparse.LitFloat: "FLOAT",
		cqlparse.LitBool: "BOOLEAN", cqlparse.LitUUID: "UUID", cqlparse.LitHex: "HEX", cqlparse.LitDuration: "DURATION",
	}[l.Kind]
	ok := false
	switch typ.Kind {
	case cqltype.Ascii, cqltype.Varchar:
		ok = l.Kind == cqlparse.LitString
	case cqltype.Int, cqltype.Bigint, cqltype.Smallint, cqltype.Tinyint, cqltype.Varint, cqltype.Counter:
		ok = l.Kind == cqlparse.LitInteger
	case cqltype.Float, cqltype.Double, cqltype.KindDecimal:
		ok = l.Kind == cqlparse.LitInteger || l.Kind == cqlparse.LitFloat
	case cqltype.Boolean:
		ok = l.Kind == cqlparse.LitBool
	case cqltype.KindUUID, cqltype.Timeuuid:
		ok = l.Kind == cqlparse.LitUUID || l.Kind == cqlparse.LitString
	case cqltype.Blob:
		ok = l.Kind == cqlparse.LitHex
	case cqltype.Timestamp, cqltype.KindDate, cqltype.Time:
		ok = l.Kind == cqlparse.LitString || l.Kind == cqlparse.LitInteger
	case cqltype.Inet:
		ok = l.Kind == cqlparse.LitString
	case cqltype.KindDuration:
		ok = l.Kind == cqlparse.LitDuration || l.Kind == cqlparse.LitString
	}
	if !ok {
		return nil, invalidf("Invalid %s constant (%s) for \"%s\" of type %s", kindName, l.Text, name, typ)
	}
	switch typ.Kind {
	case cqltype.Ascii, cqltype.Varchar:
		b := []byte(l.Text)
		if err := cqltype.Validate(typ, b); err != nil {
			return nil, invalidf("Invalid value for %s: %v", name, err)
		}
		return b, nil
	}
	text := l.Text
	if l.Kind == cqlparse.LitHex {
		text = "0x" + text
	}
	b, err := cqltype.FromString(typ, text)
	if err != nil {
		return nil, invalidf("Invalid %s constant (%s) for \"%s\" of type %s: %v", kindName, l.Text, name, typ, err)
	}
	return b, nil
}

// collection serializes a list, set or map literal (v4 format), sorted
// and without duplicate set elements or map keys, as Cassandra stores
// them (cqltype.AppendCollection).
func (c *Cluster) collection(v *cqlparse.CollectionLit, name string, typ cqltype.Type, vals [][]byte) ([]byte, error) {
	switch {
	case typ.Kind == cqltype.Map && v.Kind == cqlparse.CollSet && len(v.Values) == 0:
		v = &cqlparse.CollectionLit{Kind: cqlparse.CollMap}
	case typ.Kind == cqltype.Set && v.Kind == cqlparse.CollMap && len(v.Values) == 0:
		v = &cqlparse.CollectionLit{Kind: cqlparse.CollSet}
	}
	want := map[cqltype.Kind]cqlparse.CollectionKind{cqltype.List: cqlparse.CollList, cqltype.Set: cqlparse.CollSet, cqltype.Map: cqlparse.CollMap}
	if k, ok := want[typ.Kind]; !ok || k != v.Kind {
		return nil, invalidf("Invalid collection literal for %s of type %s", name, typ)
	}
	elems := make([][]byte, 0, len(v.Values)*2)
	for i, e := range v.Values {
		ev, err := c.eval(e, name, elemType(typ, false), vals)
		if err != nil {
			return nil, err
		}
		if ev == nil {
			return nil, invalidf("null is not supported inside collections")
		}
		if typ.Kind == cqltype.Map {
			kv, err := c.eval(v.Keys[i], name, typ.Elems[0], vals)
			if err != nil {
				return nil, err
			}
			if kv == nil {
				return nil, invalidf("null is not supported inside collections")
			}
			elems = append(elems, kv)
		}
		elems = append(elems, ev)
	}
	return cqltype.AppendCollection(nil, typ, elems), nil
}

// call evaluates the few functions drivers and tests use.
func (c *Cluster) call(f *cqlparse.FuncCall, name string, typ cqltype.Type, vals [][]byte) ([]byte, error) {
	switch f.Name {
	case "now":
		return timeUUID(c.now()), nil
	case "uuid":
		var u [16]byte
		_, _ = rand.Read(u[:])
		u[6] = u[6]&0x0f | 0x40
		u[8] = u[8]&0x3f | 0x80
		return u[:], nil
	case "totimestamp", "currenttimestamp":
		return binary.BigEndian.AppendUint64(nil, uint64(c.now().UnixMilli())), nil
	}
	return nil, invalidf("Unknown function '%s' for %s", f.Name, name)
}

// timeUUID builds a version-1 UUID for t.
func timeUUID(t time.Time) []byte {
	ts := uint64(t.UnixNano()/100) + 0x01B21DD213814000
	var u [16]byte
	binary.BigEndian.PutUint32(u[0:], uint32(ts))
	binary.BigEndian.PutUint16(u[4:], uint16(ts>>32))
	binary.BigEndian.PutUint16(u[6:], uint16(ts>>48)&0x0fff|0x1000)
	_, _ = rand.Read(u[8:])
	u[8] = u[8]&0x3f | 0x80
	return u[:]
}

// errEmptyKey refuses an empty partition key, as Cassandra does: its token
// would be the partitioner's minimum, which no token range holds. A
// composite key with empty components is not empty.
var errEmptyKey = invalidf("Key may not be empty")

// partitionKey serializes partition key cells and computes the token.
func (c *Cluster) partitionKey(cells [][]byte) ([]byte, tok) {
	key := cells[0]
	if len(cells) > 1 {
		key = partitioner.CompositeKey(cells)
	}
	return key, c.tokenOf(key)
}

func (c *Cluster) tokenOf(key []byte) tok {
	if c.random {
		return bigTok(partitioner.RandomToken(key))
	}
	return murmurTok(partitioner.Murmur3Token(key))
}

// tokenValue parses a bound token value (bigint or varint).
func (c *Cluster) tokenValue(b []byte) (boundTok, error) {
	if c.random {
		v, err := cqltype.Decode(cqltype.Type{Kind: cqltype.Varint}, b)
		if err != nil || v == nil {
			return boundTok{}, invalidf("Invalid token value: %v", err)
		}
		bi, ok := v.(*big.Int)
		if !ok {
			return boundTok{}, invalidf("Invalid token value: not a varint")
		}
		return randomBound(bi), nil
	}
	if len(b) != 8 {
		return boundTok{}, invalidf("Invalid token value: expected 8 bytes for a Murmur3 token, got %d", len(b))
	}
	return boundTok{t: murmurTok(int64(binary.BigEndian.Uint64(b)))}, nil
}
