package partitioner

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"os"
	"strconv"
	"strings"
	"testing"
)

// golden is one line of testdata/tokens.txt.
type golden struct {
	line        int
	partitioner string // "murmur3" or "random"
	token       string // decimal
	keySpec     string // as written, for test names and messages
	key         []byte
}

// readGolden parses testdata/tokens.txt; its header describes the format.
func readGolden(t *testing.T) []golden {
	t.Helper()
	f, err := os.Open("testdata/tokens.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	var out []golden
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.SplitN(line, " ", 3)
		if len(fields) != 3 {
			t.Fatalf("tokens.txt:%d: want <partitioner> <token> <key>", n)
		}
		key, err := parseKey(fields[2])
		if err != nil {
			t.Fatalf("tokens.txt:%d: %v", n, err)
		}
		out = append(out, golden{
			line:        n,
			partitioner: fields[0],
			token:       fields[1],
			keySpec:     fields[2],
			key:         key,
		})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("tokens.txt holds no vectors")
	}
	return out
}

// parseKey turns `int 1, text "a"` into the serialized partition key.
func parseKey(spec string) ([]byte, error) {
	var comps [][]byte
	rest := spec
	for {
		rest = strings.TrimLeft(rest, " ")
		typ, after, ok := strings.Cut(rest, " ")
		if !ok {
			return nil, fmt.Errorf("component %q: want <type> <value>", rest)
		}
		rest = strings.TrimLeft(after, " ")

		var raw string
		if typ == "text" {
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				return nil, fmt.Errorf("text %q: %w", rest, err)
			}
			raw, rest = q, rest[len(q):]
		} else {
			end := strings.IndexByte(rest, ',')
			if end < 0 {
				end = len(rest)
			}
			raw, rest = strings.TrimSpace(rest[:end]), rest[end:]
		}

		c, err := parseComponent(typ, raw)
		if err != nil {
			return nil, err
		}
		comps = append(comps, c)

		rest = strings.TrimLeft(rest, " ")
		if rest == "" {
			break
		}
		if rest[0] != ',' {
			return nil, fmt.Errorf("after component %d: want ',' got %q", len(comps), rest)
		}
		rest = rest[1:]
	}
	return CompositeKey(comps), nil
}

func parseComponent(typ, raw string) ([]byte, error) {
	switch typ {
	case "int":
		v, err := strconv.ParseInt(raw, 10, 32)
		if err != nil {
			return nil, err
		}
		return binary.BigEndian.AppendUint32(nil, uint32(v)), nil
	case "bigint":
		v, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return nil, err
		}
		return binary.BigEndian.AppendUint64(nil, uint64(v)), nil
	case "text":
		s, err := strconv.Unquote(raw)
		if err != nil {
			return nil, err
		}
		return []byte(s), nil
	case "hex":
		return hex.DecodeString(raw)
	default:
		return nil, fmt.Errorf("unknown type %q", typ)
	}
}

func TestGoldenTokens(t *testing.T) {
	for _, g := range readGolden(t) {
		t.Run(fmt.Sprintf("%d/%s/%s", g.line, g.partitioner, g.keySpec), func(t *testing.T) {
			switch g.partitioner {
			case "murmur3":
				want, err := strconv.ParseInt(g.token, 10, 64)
				if err != nil {
					t.Fatal(err)
				}
				if got := Murmur3Token(g.key); got != want {
					t.Errorf("Murmur3Token(%x) = %d, want %d", g.key, got, want)
				}
			case "random":
				want, ok := new(big.Int).SetString(g.token, 10)
				if !ok {
					t.Fatalf("bad token %q", g.token)
				}
				if got := RandomToken(g.key); got.Cmp(want) != 0 {
					t.Errorf("RandomToken(%x) = %v, want %v", g.key, got, want)
				}
			default:
				t.Fatalf("unknown partitioner %q", g.partitioner)
			}
		})
	}
}

// The golden file must exercise every tail length with bytes >= 0x80, where
// Cassandra's signed reading of the tail matters.
func TestGoldenCoversSignedTails(t *testing.T) {
	covered := make(map[int]bool)
	for _, g := range readGolden(t) {
		if g.partitioner != "murmur3" {
			continue
		}
		tail := g.key[len(g.key)&^15:]
		for _, b := range tail {
			if b >= 0x80 {
				covered[len(tail)] = true
			}
		}
	}
	for n := 1; n < 16; n++ {
		if !covered[n] {
			t.Errorf("no golden key with a %d-byte tail holding a byte >= 0x80", n)
		}
	}
}

func TestMurmur3H1EmptyKey(t *testing.T) {
	// The hash of the empty key is 0 (gocql murmur_test.go; Cassandra's
	// MurmurHashPropertyTest), but its token is the ring minimum.
	if got := murmur3H1(nil); got != 0 {
		t.Errorf("murmur3H1(empty) = %d, want 0", got)
	}
	for _, key := range [][]byte{nil, {}} {
		if got := Murmur3Token(key); got != math.MinInt64 {
			t.Errorf("Murmur3Token(%#v) = %d, want math.MinInt64", key, got)
		}
	}
}

func TestMurmur3TokenLongKey(t *testing.T) {
	// gocql's BenchmarkMurmur3H1: 1024 bytes 0, 1, ..., 255, 0, 1, ...
	key := make([]byte, 1024)
	for i := range key {
		key[i] = byte(i)
	}
	const want = 7627370222079200297
	if got := Murmur3Token(key); got != want {
		t.Errorf("Murmur3Token = %d, want %d", got, want)
	}
}

func TestMurmur3TokenNeverMinInt64(t *testing.T) {
	key := make([]byte, 8)
	for i := range uint64(1 << 14) {
		binary.BigEndian.PutUint64(key, i)
		if got := Murmur3Token(key[:1+i%8]); got == math.MinInt64 {
			t.Fatalf("Murmur3Token(%x) = math.MinInt64", key[:1+i%8])
		}
	}
}

func TestMurmur3TokenDoesNotAllocate(t *testing.T) {
	key := []byte("0123456789abcdef0123")
	if allocs := testing.AllocsPerRun(100, func() { _ = Murmur3Token(key) }); allocs != 0 {
		t.Errorf("Murmur3Token allocates %v times per call", allocs)
	}
}

func TestAbsInt128(t *testing.T) {
	pow127 := new(big.Int).Lsh(big.NewInt(1), 127)
	tests := []struct {
		name string
		in   string // 32 hex digits
		want *big.Int
	}{
		{"zero", "00000000000000000000000000000000", big.NewInt(0)},
		{"one", "00000000000000000000000000000001", big.NewInt(1)},
		{"max positive", "7fffffffffffffffffffffffffffffff", new(big.Int).Sub(pow127, big.NewInt(1))},
		{"minus one", "ffffffffffffffffffffffffffffffff", big.NewInt(1)},
		{"minus 256", "ffffffffffffffffffffffffffffff00", big.NewInt(256)},
		{"min negative", "80000000000000000000000000000000", pow127},
		{"min negative plus one", "80000000000000000000000000000001", new(big.Int).Sub(pow127, big.NewInt(1))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := hex.DecodeString(tt.in)
			if err != nil || len(raw) != 16 {
				t.Fatalf("bad input %q: %v", tt.in, err)
			}
			if got := absInt128([16]byte(raw)); got.Cmp(tt.want) != 0 {
				t.Errorf("absInt128(%s) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestRandomTokenRange(t *testing.T) {
	pow127 := new(big.Int).Lsh(big.NewInt(1), 127)
	key := make([]byte, 4)
	for i := range uint32(4096) {
		binary.BigEndian.PutUint32(key, i)
		if tok := RandomToken(key); tok.Sign() < 0 || tok.Cmp(pow127) > 0 {
			t.Fatalf("RandomToken(%x) = %v, outside [0, 2^127]", key, tok)
		}
	}
}

func TestRandomTokenReturnsFreshValue(t *testing.T) {
	key := []byte("hello")
	RandomToken(key).SetInt64(0)
	const want = "123957004363873451094272536567338222994"
	if got := RandomToken(key).String(); got != want {
		t.Errorf("RandomToken = %s after mutating an earlier result, want %s", got, want)
	}
}

func BenchmarkMurmur3Token(b *testing.B) {
	key := []byte("0123456789abcdef")
	b.ReportAllocs()
	b.SetBytes(int64(len(key)))
	var sink int64
	for b.Loop() {
		sink ^= Murmur3Token(key)
	}
	_ = sink
}

func BenchmarkRandomToken(b *testing.B) {
	key := []byte("0123456789abcdef")
	b.ReportAllocs()
	b.SetBytes(int64(len(key)))
	for b.Loop() {
		_ = RandomToken(key)
	}
}
