package pager

import (
	"bytes"
	"encoding/base64"
	"errors"
	"testing"
)

// FuzzDecodeCursor checks that no input makes decodeCursor panic, that a
// signing pager accepts only the bytes it signed itself, that every error
// wraps ErrInvalidCursor, and that cursors round-trip.
func FuzzDecodeCursor(f *testing.F) {
	key := []byte("0123456789abcdef0123456789abcdef")
	signed := &Pager{cfg: Config{Key: key}.EnsureDefaults()}
	plain := &Pager{cfg: Config{}.EnsureDefaults()}
	fp := fingerprint{1, 2, 3}
	for _, p := range []*Pager{signed, plain} {
		f.Add(string(p.encodeCursor(kindStatement, fp, []byte("state"))), []byte("state"))
		f.Add(string(p.encodeCursor(kindKeyset, fp, encodeKey([][]byte{{1}, {}}))), []byte{})
	}
	f.Add("", []byte(nil))
	f.Add("AQEA", []byte{0})
	f.Fuzz(func(t *testing.T, s string, payload []byte) {
		for _, p := range []*Pager{signed, plain} {
			got, err := p.decodeCursor(Cursor(s), kindStatement, fp)
			if err != nil && !errors.Is(err, ErrInvalidCursor) {
				t.Fatalf("error does not wrap ErrInvalidCursor: %v", err)
			}
			if err == nil && p == signed {
				in, _ := base64.RawURLEncoding.DecodeString(s)
				own, _ := base64.RawURLEncoding.DecodeString(string(signed.encodeCursor(kindStatement, fp, got)))
				if !bytes.Equal(in, own) {
					t.Fatalf("accepted a cursor it did not sign: %q", s)
				}
			}
			_, _ = decodeKey([]byte(s), 2)
			back, err := p.decodeCursor(p.encodeCursor(kindStatement, fp, payload), kindStatement, fp)
			if err != nil || !bytes.Equal(back, payload) {
				t.Fatalf("round trip of %x: %x, %v", payload, back, err)
			}
		}
	})
}
