package pager

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash"
)

// Cursor is an opaque, URL-safe position in a paged read: base64url
// without padding, safe in a query string or a path segment as is. The
// empty Cursor means the start, as an argument, and the end, in Page.Next.
//
// A cursor names the query it was made for (a fingerprint of the
// statement, its keyspace and its bound values, or of the keyset table and
// columns), so that a Pager refuses it for any other query instead of
// returning wrong rows. With Config.Key it is signed with HMAC-SHA256, so
// that a client can neither forge one nor alter it. The first byte is a
// format version, so that the format can evolve: this package writes and
// reads version 1.
//
// Cursors do not expire and hold no server-side resource. They are not
// encrypted: the paging state or key values they hold are readable by
// whoever has the cursor.
type Cursor string

// Cursor format, version 1, before base64url encoding:
//
//	version (1 byte) | kind (1) | flags (1) | fingerprint (16) |
//	payload length (uvarint) | payload | HMAC-SHA256 (32, if flagSigned)
//
// The MAC covers every byte before it.
const (
	cursorVersion  = 1
	flagSigned     = 1 << 0
	fingerprintLen = 16
	macLen         = sha256.Size
	headerLen      = 3 + fingerprintLen
	// maxCursorLen bounds the encoded length of a cursor, so that a hostile
	// client cannot make the service decode megabytes. Paging states are
	// tens of bytes; keyset cursors hold the last row's primary key.
	maxCursorLen = 16 << 10
)

// cursorKind says which paging a cursor belongs to.
type cursorKind byte

const (
	kindStatement cursorKind = 1 // payload: a server paging state
	kindKeyset    cursorKind = 2 // payload: the last row's primary key
)

func (k cursorKind) String() string {
	switch k {
	case kindStatement:
		return "statement"
	case kindKeyset:
		return "keyset"
	}
	return fmt.Sprintf("kind %d", byte(k))
}

// fingerprint identifies a query: a truncated SHA-256.
type fingerprint [fingerprintLen]byte

// fingerprinter hashes length-prefixed fields, so that no two different
// field sequences hash the same input.
type fingerprinter struct{ h hash.Hash }

func newFingerprinter(domain string) *fingerprinter {
	f := &fingerprinter{h: sha256.New()}
	f.field([]byte("ringscan/pager/v1/" + domain))
	return f
}

// field adds a byte string; nil (a CQL null) differs from empty.
func (f *fingerprinter) field(b []byte) {
	var l [binary.MaxVarintLen64]byte
	n := uint64(0)
	if b != nil {
		n = uint64(len(b)) + 1
	}
	f.h.Write(l[:binary.PutUvarint(l[:], n)])
	f.h.Write(b)
}

func (f *fingerprinter) str(s string) { f.field([]byte(s)) }

func (f *fingerprinter) sum() fingerprint {
	var fp fingerprint
	copy(fp[:], f.h.Sum(nil))
	return fp
}

// encodeCursor builds a cursor, signed when the pager has a key.
func (p *Pager) encodeCursor(kind cursorKind, fp fingerprint, payload []byte) Cursor {
	flags := byte(0)
	if len(p.cfg.Key) > 0 {
		flags |= flagSigned
	}
	b := make([]byte, 0, headerLen+binary.MaxVarintLen64+len(payload)+macLen)
	b = append(b, cursorVersion, byte(kind), flags)
	b = append(b, fp[:]...)
	b = binary.AppendUvarint(b, uint64(len(payload)))
	b = append(b, payload...)
	if flags&flagSigned != 0 {
		b = mac(p.cfg.Key, b).Sum(b)
	}
	return Cursor(base64.RawURLEncoding.EncodeToString(b))
}

func mac(key, msg []byte) hash.Hash {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m
}

// decodeCursor checks c and returns its payload. Checks run in an order
// that gives the most useful message: format, then signature (a tampered
// cursor is reported as such, whatever was changed), then kind and
// fingerprint.
func (p *Pager) decodeCursor(c Cursor, kind cursorKind, fp fingerprint) ([]byte, error) {
	if len(c) > maxCursorLen {
		return nil, fmt.Errorf("%w: %d characters, more than the %d allowed", ErrInvalidCursor, len(c), maxCursorLen)
	}
	b, err := base64.RawURLEncoding.DecodeString(string(c))
	if err != nil {
		return nil, fmt.Errorf("%w: not base64url: %v", ErrInvalidCursor, err)
	}
	if len(b) < headerLen+1 {
		return nil, fmt.Errorf("%w: truncated (%d bytes)", ErrInvalidCursor, len(b))
	}
	if b[0] != cursorVersion {
		return nil, fmt.Errorf("%w: format version %d is not supported (this version of the package reads version %d)", ErrInvalidCursor, b[0], cursorVersion)
	}
	flags := b[2]
	if flags&^flagSigned != 0 {
		return nil, fmt.Errorf("%w: unknown flags %#x", ErrInvalidCursor, flags)
	}
	signed := flags&flagSigned != 0
	switch {
	case signed && len(p.cfg.Key) == 0:
		return nil, fmt.Errorf("%w: it is signed but this pager has no key to verify it (set Config.Key)", ErrInvalidCursor)
	case !signed && len(p.cfg.Key) > 0:
		return nil, fmt.Errorf("%w: it is not signed, and this pager only accepts cursors signed with its key", ErrInvalidCursor)
	}
	body := b
	if signed {
		if len(b) < headerLen+1+macLen {
			return nil, fmt.Errorf("%w: truncated (%d bytes)", ErrInvalidCursor, len(b))
		}
		body = b[:len(b)-macLen]
		if !p.verify(body, b[len(body):]) {
			return nil, fmt.Errorf("%w: the signature does not match (the cursor was altered, or signed with another key)", ErrInvalidCursor)
		}
	}
	n, k := binary.Uvarint(body[headerLen:])
	if k <= 0 || n != uint64(len(body)-headerLen-k) {
		return nil, fmt.Errorf("%w: bad payload length", ErrInvalidCursor)
	}
	if got := cursorKind(b[1]); got != kind {
		return nil, &mismatchError{fmt.Sprintf("it is a %v cursor, used for %v paging", got, kind)}
	}
	if !hmac.Equal(body[3:headerLen], fp[:]) {
		return nil, &mismatchError{"it was made for another statement or other bound values (or another table or columns); start again with an empty cursor"}
	}
	return body[headerLen+k:], nil
}

// verify checks a MAC against the key and the previous keys.
func (p *Pager) verify(body, sum []byte) bool {
	if hmac.Equal(mac(p.cfg.Key, body).Sum(nil), sum) {
		return true
	}
	for _, k := range p.cfg.PreviousKeys {
		if hmac.Equal(mac(k, body).Sum(nil), sum) {
			return true
		}
	}
	return false
}
