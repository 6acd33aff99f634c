package parquet

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	parquetgo "github.com/parquet-go/parquet-go"

	"github.com/ringscan/ringscan/internal/cqltype"
)

// maxPrecision is the largest DECIMAL precision allowed: the largest
// that Spark, DuckDB, Arrow's Decimal128 and Hive read.
const maxPrecision = 38

// ErrOutOfRange is wrapped by the error of a Write that met a valid CQL
// value that its column's Parquet type cannot hold exactly: a decimal or
// varint with more digits than the DECIMAL's precision allows, or a
// decimal with more digits after the point than its scale. The error names
// the row, the column and the value; the rows before it are written and
// the sink stays usable.
var ErrOutOfRange = errors.New("value out of range")

// decimalSpec is how decimal or varint values are written: as text, or as
// DECIMAL(precision, scale).
type decimalSpec struct {
	text             bool
	precision, scale int
}

// parseDecimalSpec parses "string", "decimal(P, S)" or, when scaleless is
// set (varints), "decimal(P)" and "decimal(P, 0)". Case and blanks do not
// matter.
func parseDecimalSpec(s string, scaleless bool) (decimalSpec, bool) {
	v := strings.ToLower(strings.Join(strings.Fields(s), ""))
	if v == "string" {
		return decimalSpec{text: true}, true
	}
	args, ok := strings.CutPrefix(v, "decimal(")
	if !ok {
		return decimalSpec{}, false
	}
	if args, ok = strings.CutSuffix(args, ")"); !ok {
		return decimalSpec{}, false
	}
	p, sc, hasScale := strings.Cut(args, ",")
	var d decimalSpec
	var err error
	if d.precision, err = strconv.Atoi(p); err != nil || d.precision < 1 || d.precision > maxPrecision {
		return decimalSpec{}, false
	}
	switch {
	case hasScale:
		if d.scale, err = strconv.Atoi(sc); err != nil || d.scale < 0 || d.scale > d.precision {
			return decimalSpec{}, false
		}
		if scaleless && d.scale != 0 {
			return decimalSpec{}, false
		}
	case !scaleless:
		return decimalSpec{}, false
	}
	return d, true
}

func (d decimalSpec) String() string {
	return fmt.Sprintf("DECIMAL(%d, %d)", d.precision, d.scale)
}

// node returns the Parquet leaf of d: DECIMAL over INT32 up to 9 digits,
// INT64 up to 18, else FIXED_LEN_BYTE_ARRAY of the fewest bytes that hold
// the precision, as the Parquet format recommends and Spark writes.
func (d decimalSpec) node() parquetgo.Node {
	switch {
	case d.precision <= 9:
		return parquetgo.Decimal(d.scale, d.precision, parquetgo.Int32Type)
	case d.precision <= 18:
		return parquetgo.Decimal(d.scale, d.precision, parquetgo.Int64Type)
	}
	return parquetgo.Decimal(d.scale, d.precision, parquetgo.FixedLenByteArrayType(d.bytes()))
}

// fixed reports whether d is written as a FIXED_LEN_BYTE_ARRAY.
func (d decimalSpec) fixed() bool { return d.precision > 18 }

// bytes is the length of d's FIXED_LEN_BYTE_ARRAY: the two's complement
// of ±(10^precision - 1) fits it.
func (d decimalSpec) bytes() int {
	max := new(big.Int).Sub(pow10(d.precision), big.NewInt(1))
	return (max.BitLen() + 1 + 7) / 8
}

func pow10(n int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// decimals converts decimal and varint values to DECIMAL values. Its
// scratch numbers are reused from value to value.
type decimals struct {
	u, q, r big.Int
	pow     []*big.Int // pow[i] is 10^i, grown on demand
	mag     []byte
}

// pow10 returns 10^n, cached for the exponents of DECIMAL precisions.
func (c *decimals) pow10(n int) *big.Int {
	if n > 2*maxPrecision+1 {
		return pow10(n)
	}
	for len(c.pow) <= n {
		c.pow = append(c.pow, pow10(len(c.pow)))
	}
	return c.pow[n]
}

// setVarint sets c.u to the two's-complement big-endian integer v.
func (c *decimals) setVarint(v []byte) {
	c.u.SetBytes(v)
	if len(v) > 0 && v[0]&0x80 != 0 {
		// Negative: v - 2^(8 len(v)).
		c.q.SetInt64(1)
		c.q.Lsh(&c.q, uint(8*len(v)))
		c.u.Sub(&c.u, &c.q)
	}
}

// Why a number does not fit a DECIMAL, for errors.
const (
	tooBig     = "more digits before the point than"
	tooPrecise = "more digits after the point than"
)

// rescale sets c.u, the unscaled value of a number with scale from, to the
// unscaled value of the same number with d's scale, and checks it against
// d's precision. It returns tooBig or tooPrecise when the number does not
// fit, else "". It never computes a power of ten much larger than the
// number.
func (c *decimals) rescale(from int64, d decimalSpec) string {
	if c.u.Sign() == 0 {
		return ""
	}
	const log10of2, log2of10 = 0.30103, 3.32193
	to := int64(d.scale)
	switch {
	case from < to:
		k := to - from
		if k > int64(d.precision) {
			return tooBig // it has at least one digit
		}
		c.u.Mul(&c.u, c.pow10(int(k)))
	case from > to:
		k := from - to
		bits := int64(c.u.BitLen())
		if float64(k) > float64(bits)*log10of2+1 {
			return tooPrecise // |u| < 10^k: not a multiple of it
		}
		if float64(bits) > float64(int64(d.precision)+k)*log2of10+1 {
			return tooBig // |u| / 10^k has more than precision digits
		}
		c.q.QuoRem(&c.u, c.pow10(int(k)), &c.r)
		if c.r.Sign() != 0 {
			return tooPrecise
		}
		c.u.Set(&c.q)
	}
	if c.u.CmpAbs(c.pow10(d.precision)) >= 0 {
		return tooBig
	}
	return ""
}

// fitError is the error for a value whose text is text that does not fit
// d, for why.
func fitError(t *cqltype.Type, text []byte, d decimalSpec, why, field string) error {
	room := d.precision - d.scale
	if why == tooPrecise {
		room = d.scale
	}
	return fmt.Errorf("%w: %s %s does not fit %s: %s its %d; write the column with a wider Config.%s, or \"string\"",
		ErrOutOfRange, t, text, d, why, room, field)
}

// value returns the DECIMAL value of c.u for d; a FIXED_LEN_BYTE_ARRAY's
// bytes are appended to *scratch.
func (c *decimals) value(d decimalSpec, scratch *[]byte) parquetgo.Value {
	switch {
	case d.precision <= 9:
		return parquetgo.Int32Value(int32(c.u.Int64()))
	case d.precision <= 18:
		return parquetgo.Int64Value(c.u.Int64())
	}
	n := d.bytes()
	start := len(*scratch)
	*scratch = append(*scratch, make([]byte, n)...)
	out := (*scratch)[start : start+n : start+n]
	if c.u.Sign() >= 0 {
		c.u.FillBytes(out)
	} else {
		// Two's complement: 2^(8n) - |u|, that is ^(|u| - 1).
		c.q.Neg(&c.u)
		c.q.Sub(&c.q, big.NewInt(1))
		c.q.FillBytes(out)
		for i := range out {
			out[i] = ^out[i]
		}
	}
	return parquetgo.FixedLenByteArrayValue(out)
}

// decimal converts the serialized decimal v (validated to hold a scale)
// for d.
func (c *decimals) decimal(t *cqltype.Type, d decimalSpec, v []byte, scratch *[]byte) (parquetgo.Value, error) {
	c.setVarint(v[4:])
	if why := c.rescale(int64(int32(binary.BigEndian.Uint32(v))), d); why != "" {
		var text cqltype.Digits
		s, _ := text.AppendDecimal(nil, v)
		return parquetgo.Value{}, fitError(t, s, d, why, "Decimal")
	}
	return c.value(d, scratch), nil
}

// varint converts the serialized varint v for d.
func (c *decimals) varint(t *cqltype.Type, d decimalSpec, v []byte, scratch *[]byte) (parquetgo.Value, error) {
	c.setVarint(v)
	if why := c.rescale(0, d); why != "" {
		var text cqltype.Digits
		return parquetgo.Value{}, fitError(t, text.AppendVarint(nil, v), d, why, "Varint")
	}
	return c.value(d, scratch), nil
}
