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
	"github.com/ringscan/ringscan/sink/cqlvalue"
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
	size             int // bytes of its FIXED_LEN_BYTE_ARRAY, when fixed
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
	max := new(big.Int).Sub(pow10(d.precision), big.NewInt(1))
	d.size = (max.BitLen() + 1 + 7) / 8 // the two's complement of ±max fits
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
	return parquetgo.Decimal(d.scale, d.precision, parquetgo.FixedLenByteArrayType(d.size))
}

// fixed reports whether d is written as a FIXED_LEN_BYTE_ARRAY.
func (d decimalSpec) fixed() bool { return d.precision > 18 }

func pow10(n int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// decimals converts decimal and varint values to DECIMAL values. Its
// scratch numbers are reused from value to value.
type decimals struct {
	u, q, r big.Int
	pow     []*big.Int // pow[i] is 10^i, grown on demand
	mag     []byte     // the magnitude of a negative varint
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
	if len(v) == 0 || v[0]&0x80 == 0 {
		c.u.SetBytes(v)
		return
	}
	// Negative: the magnitude is ^v + 1.
	c.mag = append(c.mag[:0], v...)
	for i := range c.mag {
		c.mag[i] = ^c.mag[i]
	}
	for i := len(c.mag) - 1; i >= 0; i-- {
		c.mag[i]++
		if c.mag[i] != 0 {
			break
		}
	}
	c.u.SetBytes(c.mag)
	c.u.Neg(&c.u)
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
		c.r.Mul(&c.u, c.pow10(int(k))) // into r: Mul allocates when z is x
		c.u.Set(&c.r)
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
	n := d.size
	start := len(*scratch)
	*scratch = append(*scratch, make([]byte, n)...)
	out := (*scratch)[start : start+n : start+n]
	if c.u.Sign() >= 0 {
		c.u.FillBytes(out)
	} else {
		// Two's complement: ^|u| + 1.
		c.q.Neg(&c.u)
		c.q.FillBytes(out)
		for i := range out {
			out[i] = ^out[i]
		}
		for i := len(out) - 1; i >= 0; i-- {
			out[i]++
			if out[i] != 0 {
				break
			}
		}
	}
	return parquetgo.FixedLenByteArrayValue(out)
}

// decimal converts the serialized decimal v (validated to hold a scale)
// for d.
func (c *decimals) decimal(t *cqltype.Type, d decimalSpec, v []byte, scratch *[]byte) (parquetgo.Value, error) {
	c.setVarint(v[4:])
	if why := c.rescale(int64(int32(binary.BigEndian.Uint32(v))), d); why != "" {
		var text cqlvalue.Digits
		s, _ := text.AppendDecimal(nil, v)
		return parquetgo.Value{}, fitError(t, s, d, why, "Decimal")
	}
	return c.value(d, scratch), nil
}

// varint converts the serialized varint v for d.
func (c *decimals) varint(t *cqltype.Type, d decimalSpec, v []byte, scratch *[]byte) (parquetgo.Value, error) {
	c.setVarint(v)
	if why := c.rescale(0, d); why != "" {
		var text cqlvalue.Digits
		return parquetgo.Value{}, fitError(t, text.AppendVarint(nil, v), d, why, "Varint")
	}
	return c.value(d, scratch), nil
}
