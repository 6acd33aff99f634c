package cqltype

import (
	"bytes"
	"encoding/hex"
	"math"
	"math/big"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// mustHex decodes hex digits, ignoring blanks.
func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	require.NoError(t, err, "bad hex %q", s)
	return b
}

func mustParse(t testing.TB, s string) Type {
	t.Helper()
	typ, err := Parse(s)
	require.NoError(t, err, "Parse(%q)", s)
	return typ
}

func mustEncode(t testing.TB, typ Type, v any) []byte {
	t.Helper()
	b, err := Encode(typ, v)
	require.NoError(t, err, "Encode(%s, %#v)", typ, v)
	return b
}

func bigInt(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic("bad big.Int " + s)
	}
	return n
}

// sameValue reports whether two decoded values are equal: big numbers by
// value, floats by bits, times by instant, slices elementwise.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case *big.Int:
		y, ok := b.(*big.Int)
		return ok && x.Cmp(y) == 0
	case Decimal:
		y, ok := b.(Decimal)
		return ok && x.Scale == y.Scale && x.Unscaled.Cmp(y.Unscaled) == 0
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	case float32:
		y, ok := b.(float32)
		return ok && math.Float32bits(x) == math.Float32bits(y)
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y) && x.Location() == time.UTC
	case net.IP:
		y, ok := b.(net.IP)
		return ok && bytes.Equal(x, y)
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case []KV:
		y, ok := b.([]KV)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i].Key, y[i].Key) || !sameValue(x[i].Value, y[i].Value) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// hasNullElement reports whether a decoded value holds a nil directly inside
// a list, set or map, which Encode refuses: empty elements decode to nil.
func hasNullElement(typ Type, v any) bool {
	switch x := v.(type) {
	case []any:
		for i, e := range x {
			switch {
			case typ.IsCollection() && e == nil:
				return true
			case typ.IsCollection() && hasNullElement(typ.Elems[0], e):
				return true
			case !typ.IsCollection() && i < len(typ.Elems) && hasNullElement(typ.Elems[i], e):
				return true
			}
		}
	case []KV:
		for _, e := range x {
			if e.Key == nil || e.Value == nil ||
				hasNullElement(typ.Elems[0], e.Key) || hasNullElement(typ.Elems[1], e.Value) {
				return true
			}
		}
	}
	return false
}
