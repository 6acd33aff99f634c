package cqlproto_test

import (
	"github.com/ringscan/ringscan/cqlsim/internal/cqlproto"
)

// request builds a v4 request frame (version byte 0x04).
func request(stream int16, op cqlproto.Opcode, body []byte) []byte {
	return rawFrame(cqlproto.Version, 0, stream, op, uint32(len(body)), body)
}

// rawFrame builds a frame whose header says whatever the caller wants,
// length included, followed by body.
func rawFrame(version, flags byte, stream int16, op cqlproto.Opcode, length uint32, body []byte) []byte {
	b := cqlproto.AppendHeader(nil, cqlproto.Header{Version: version, Flags: flags, Stream: stream, Opcode: op, Length: length})
	return append(b, body...)
}

// appendQueryParams encodes p as <query_parameters>, the inverse of
// ReadQueryParams: the flags say which fields are written, Names (when the
// flag is set) must be as long as Values.
func appendQueryParams(dst []byte, p cqlproto.QueryParams) []byte {
	dst = cqlproto.AppendShort(dst, p.Consistency)
	dst = append(dst, p.Flags)
	if p.Flags&cqlproto.QFlagValues != 0 {
		dst = cqlproto.AppendShort(dst, uint16(len(p.Values)))
		for i, v := range p.Values {
			if p.Flags&cqlproto.QFlagNamesForValues != 0 {
				dst = cqlproto.AppendString(dst, p.Names[i])
			}
			dst = cqlproto.AppendValue(dst, v)
		}
	}
	if p.Flags&cqlproto.QFlagPageSize != 0 {
		dst = cqlproto.AppendInt(dst, p.PageSize)
	}
	if p.Flags&cqlproto.QFlagPagingState != 0 {
		dst = cqlproto.AppendBytes(dst, p.PagingState)
	}
	if p.Flags&cqlproto.QFlagSerialConsistency != 0 {
		dst = cqlproto.AppendShort(dst, p.SerialConsistency)
	}
	if p.Flags&cqlproto.QFlagDefaultTimestamp != 0 {
		dst = cqlproto.AppendLong(dst, p.Timestamp)
	}
	return dst
}

// appendBatch encodes a BATCH body, the inverse of ReadBatch.
func appendBatch(dst []byte, b cqlproto.BatchRequest) []byte {
	dst = append(dst, b.Type)
	dst = cqlproto.AppendShort(dst, uint16(len(b.Queries)))
	for _, q := range b.Queries {
		if q.Prepared {
			dst = append(dst, 1)
			dst = cqlproto.AppendShortBytes(dst, q.ID)
		} else {
			dst = append(dst, 0)
			dst = cqlproto.AppendLongString(dst, q.Query)
		}
		dst = cqlproto.AppendShort(dst, uint16(len(q.Values)))
		for _, v := range q.Values {
			dst = cqlproto.AppendValue(dst, v)
		}
	}
	dst = cqlproto.AppendShort(dst, b.Consistency)
	dst = append(dst, b.Flags)
	if b.Flags&cqlproto.QFlagSerialConsistency != 0 {
		dst = cqlproto.AppendShort(dst, b.SerialConsistency)
	}
	if b.Flags&cqlproto.QFlagDefaultTimestamp != 0 {
		dst = cqlproto.AppendLong(dst, b.Timestamp)
	}
	return dst
}

// queryBody is a QUERY body: the statement and its parameters.
func queryBody(q string, p cqlproto.QueryParams) []byte {
	return appendQueryParams(cqlproto.AppendLongString(nil, q), p)
}

// executeBody is an EXECUTE body: the prepared id and its parameters.
func executeBody(id []byte, p cqlproto.QueryParams) []byte {
	return appendQueryParams(cqlproto.AppendShortBytes(nil, id), p)
}

// startupBody is a STARTUP body with CQL_VERSION 3.0.0 and extra options.
func startupBody(kv ...string) []byte {
	keys := []string{"CQL_VERSION"}
	m := map[string]string{"CQL_VERSION": "3.0.0"}
	for i := 0; i+1 < len(kv); i += 2 {
		keys = append(keys, kv[i])
		m[kv[i]] = kv[i+1]
	}
	return cqlproto.AppendStringMap(nil, keys, m)
}

// concat joins byte slices.
func concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
