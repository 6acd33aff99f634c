package sink

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAppendJSONStringMatchesEncodingJSON checks the string escaper, and
// its eight-bytes-at-a-time scan, against encoding/json (HTML escaping
// off) on random strings mixing plain ASCII with every byte that needs a
// look: control characters, quote, backslash, multi-byte UTF-8, invalid
// UTF-8, U+2028 and U+2029, at every offset within a word. A scan that
// skipped a word holding one of them fails it.
func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	special := [][]byte{{0}, {0x1f}, {'\n'}, {'"'}, {'\\'}, {0x7f}, []byte("é"), []byte("\u2028"), []byte("\u2029"), {0xff}, {0xc3}, []byte("€")}
	for range 20000 {
		var s []byte
		for n := r.IntN(40); len(s) < n; {
			if r.IntN(6) == 0 {
				s = append(s, special[r.IntN(len(special))]...)
				continue
			}
			s = append(s, byte(0x20+r.IntN(0x5f)))
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		require.NoError(t, enc.Encode(string(s)))
		require.Equal(t, string(bytes.TrimSuffix(want.Bytes(), []byte("\n"))), string(appendJSONString(nil, s)), "%q", s)
	}
}

// TestAppendShort checks appendShort against append for every length up
// to past shortText, with and without room in src's and dst's arrays: the
// text must be append's, and the bytes of dst before its end untouched. A
// copy that took its length from the moves (16) or wrote before dst's end
// fails it.
func TestAppendShort(t *testing.T) {
	for n := range shortText + 3 {
		for _, roomSrc := range []bool{true, false} {
			for _, roomDst := range []bool{true, false} {
				src := make([]byte, n, n+shortText)
				for i := range src {
					src[i] = byte('a' + i)
				}
				if !roomSrc {
					src = src[:n:n]
				}
				dst := []byte("head")
				if roomDst {
					dst = append(make([]byte, 0, 64), dst...)
				}
				want := append([]byte("head"), src...)
				got := appendShort(dst, src)
				require.Equal(t, want, got, "len %d, room in src %v, in dst %v", n, roomSrc, roomDst)
			}
		}
	}
}
