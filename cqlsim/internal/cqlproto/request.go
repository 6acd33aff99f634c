package cqlproto

import "math"

// Query parameter flags of QUERY and EXECUTE (section 4.1.4).
const (
	QFlagValues            byte = 0x01
	QFlagSkipMetadata      byte = 0x02
	QFlagPageSize          byte = 0x04
	QFlagPagingState       byte = 0x08
	QFlagSerialConsistency byte = 0x10
	QFlagDefaultTimestamp  byte = 0x20
	QFlagNamesForValues    byte = 0x40
)

// QueryParams is the decoded <query_parameters>.
type QueryParams struct {
	Consistency       uint16
	Flags             byte
	Values            [][]byte // nil entries are null, Unset entries are unset
	Names             []string // set with QFlagNamesForValues
	PageSize          int32    // <= 0: no paging
	PagingState       []byte
	SerialConsistency uint16
	Timestamp         int64
}

// SkipMetadata reports the skip_metadata flag.
func (p *QueryParams) SkipMetadata() bool { return p.Flags&QFlagSkipMetadata != 0 }

// ClientTimestamp is the default timestamp the client sent (flag 0x20), or
// math.MinInt64 when it sent none: Cassandra takes that value as "not set"
// too.
func (p *QueryParams) ClientTimestamp() int64 {
	if p.Flags&QFlagDefaultTimestamp == 0 {
		return math.MinInt64
	}
	return p.Timestamp
}

// ReadQueryParams decodes <query_parameters> from r.
func ReadQueryParams(r *Reader) QueryParams {
	var p QueryParams
	p.Consistency = r.Consistency()
	p.Flags = r.Byte()
	if p.Flags&QFlagValues != 0 {
		n := int(r.Short())
		if n*4 > r.Len() {
			r.Failf("%d values claimed but the body holds only %d bytes", n, r.Len())
			return p
		}
		p.Values = make([][]byte, 0, n)
		if p.Flags&QFlagNamesForValues != 0 {
			p.Names = make([]string, 0, n)
		}
		for i := 0; i < n && r.Err() == nil; i++ {
			if p.Flags&QFlagNamesForValues != 0 {
				p.Names = append(p.Names, r.String())
			}
			p.Values = append(p.Values, r.Value())
		}
	}
	if p.Flags&QFlagPageSize != 0 {
		p.PageSize = r.Int()
	}
	if p.Flags&QFlagPagingState != 0 {
		p.PagingState = r.Bytes()
	}
	if p.Flags&QFlagSerialConsistency != 0 {
		p.SerialConsistency = r.Consistency()
	}
	if p.Flags&QFlagDefaultTimestamp != 0 {
		p.Timestamp = r.Long()
	}
	if r.Err() == nil && !ValidConsistency(p.Consistency) {
		r.Failf("unknown consistency level 0x%04X", p.Consistency)
	}
	return p
}

// BatchQuery is one statement of a BATCH.
type BatchQuery struct {
	Prepared bool
	Query    string // when !Prepared
	ID       []byte // when Prepared
	Values   [][]byte
}

// BatchRequest is a decoded BATCH body.
type BatchRequest struct {
	Type              byte // 0 logged, 1 unlogged, 2 counter
	Queries           []BatchQuery
	Consistency       uint16
	Flags             byte
	SerialConsistency uint16
	Timestamp         int64
}

// ReadBatch decodes a BATCH body.
func ReadBatch(r *Reader) BatchRequest {
	var b BatchRequest
	b.Type = r.Byte()
	if b.Type > 2 {
		r.Failf("unknown batch type %d", b.Type)
		return b
	}
	n := int(r.Short())
	if n*5 > r.Len() { // a statement takes at least 5 bytes
		r.Failf("%d batch statements claimed but the body holds only %d bytes", n, r.Len())
		return b
	}
	b.Queries = make([]BatchQuery, 0, n)
	for i := 0; i < n && r.Err() == nil; i++ {
		var q BatchQuery
		switch kind := r.Byte(); kind {
		case 0:
			q.Query = r.LongString()
		case 1:
			q.Prepared = true
			q.ID = r.ShortBytes()
		default:
			r.Failf("invalid batch statement kind %d", kind)
			return b
		}
		nv := int(r.Short())
		if nv*4 > r.Len() {
			r.Failf("%d values claimed but the body holds only %d bytes", nv, r.Len())
			return b
		}
		q.Values = make([][]byte, 0, nv)
		for j := 0; j < nv && r.Err() == nil; j++ {
			q.Values = append(q.Values, r.Value())
		}
		b.Queries = append(b.Queries, q)
	}
	b.Consistency = r.Consistency()
	b.Flags = r.Byte()
	if b.Flags&QFlagSerialConsistency != 0 {
		b.SerialConsistency = r.Consistency()
	}
	if b.Flags&QFlagDefaultTimestamp != 0 {
		b.Timestamp = r.Long()
	}
	if b.Flags&QFlagNamesForValues != 0 && r.Err() == nil {
		r.Failf("named values are not supported in BATCH (the v4 spec leaves them unusable)")
	}
	return b
}
