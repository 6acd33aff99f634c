package sink

import (
	"github.com/ringscan/ringscan/internal/cqltype"
)

// valueWriter appends the JSON text of a value v of type t, as appendJSON
// does. (*encoder).appendJSON is one; jsonWriter returns faster ones for
// the common types.
type valueWriter func(e *encoder, dst []byte, t *cqltype.Type, v []byte) ([]byte, error)

// jsonWriter returns a writer of values of type t that makes the choices
// appendJSON makes for every value (null or not, quoted or not, how the
// kind is formatted) once, for a column: JSON Lines picks one per column
// when the columns change. The text is appendJSON's, made by the same
// functions (scalarFormatOf, jsonQuoted, appendJSONString, appendList,
// appendMap); tuples, UDTs and scalars whose text needs escaping
// (needsEscape) go to appendJSON.
func (e *encoder) jsonWriter(t *cqltype.Type) valueWriter {
	switch k := t.Kind; k {
	case cqltype.Ascii, cqltype.Varchar:
		return writeJSONText
	case cqltype.List, cqltype.Set, cqltype.Map:
		// The writer of the elements (of the values, for a map: keys
		// are map keys, see appendKey) is chosen once too.
		appendCollection, n := collectionAppender(k)
		if len(t.Elems) < n {
			break
		}
		var elem valueWriter // nil for text: see appendList
		if et := t.Elems[n-1].Kind; et != cqltype.Ascii && et != cqltype.Varchar {
			elem = e.jsonWriter(&t.Elems[n-1])
		}
		return func(e *encoder, dst []byte, t *cqltype.Type, v []byte) ([]byte, error) {
			if cqltype.IsNull(k, v) {
				return appendNull(dst), nil
			}
			return appendCollection(e, dst, t, v, elem)
		}
	default:
		if scalarFormatOf(k) != nil && !e.needsEscape(k) {
			return e.scalarWriter(k)
		}
	}
	return (*encoder).appendJSON
}

// scalarWriter writes the values of a scalar kind whose text needs no
// escaping. Its JSON text is, for every value, a string or, for every
// value, not; but for doubles and floats, quoted by value (NaN and the
// infinities are strings).
func (e *encoder) scalarWriter(k cqltype.Kind) valueWriter {
	f := scalarFormatOf(k)
	if e.jsonQuoted(k, nil) {
		return func(e *encoder, dst []byte, t *cqltype.Type, v []byte) ([]byte, error) {
			if cqltype.IsNull(k, v) {
				return appendNull(dst), nil
			}
			start := len(dst)
			dst = append(dst, '"')
			if out, ok := f(e, dst, v); ok {
				return append(out, '"'), nil
			}
			return dst[:start], malformed(t, v)
		}
	}
	byValue := k == cqltype.Double || k == cqltype.Float
	return func(e *encoder, dst []byte, t *cqltype.Type, v []byte) ([]byte, error) {
		if cqltype.IsNull(k, v) {
			return appendNull(dst), nil
		}
		if byValue && e.jsonQuoted(k, v) {
			return e.appendQuotedScalar(dst, t, v)
		}
		if out, ok := f(e, dst, v); ok {
			return out, nil
		}
		return dst, malformed(t, v)
	}
}

// writeJSONText writes a text value: null, or the string.
func writeJSONText(_ *encoder, dst []byte, _ *cqltype.Type, v []byte) ([]byte, error) {
	return appendJSONText(dst, v), nil
}

// appendJSONText appends a text value: null, or the string.
func appendJSONText(dst, v []byte) []byte {
	if v == nil {
		return appendNull(dst)
	}
	return appendJSONString(dst, v)
}

// collectionAppender returns the encoder's writer of a non-null collection
// of kind k (a list, set or map), given the writer of its elements (of its
// values, for a map; nil for text), and the number of element types the
// kind has (2 for a map: its keys are written by appendKey).
func collectionAppender(k cqltype.Kind) (func(e *encoder, dst []byte, t *cqltype.Type, v []byte, elem valueWriter) ([]byte, error), int) {
	if k == cqltype.Map {
		return (*encoder).appendMap, 2
	}
	return (*encoder).appendList, 1
}
