package partitioner

import (
	"bytes"
	"errors"
	"testing"
)

func TestCompositeKey(t *testing.T) {
	tests := []struct {
		name       string
		components [][]byte
		want       []byte
	}{
		{
			name:       "int 1, text a",
			components: [][]byte{{0, 0, 0, 1}, []byte("a")},
			want:       []byte{0, 4, 0, 0, 0, 1, 0, 0, 1, 'a', 0},
		},
		{
			name:       "text a, text b",
			components: [][]byte{[]byte("a"), []byte("b")},
			want:       []byte{0, 1, 'a', 0, 0, 1, 'b', 0},
		},
		{
			name:       "empty components",
			components: [][]byte{{}, nil, {}},
			want:       []byte{0, 0, 0, 0, 0, 0, 0, 0, 0},
		},
		{
			name:       "single component is not framed",
			components: [][]byte{[]byte("hello")},
			want:       []byte("hello"),
		},
		{
			name:       "no components",
			components: nil,
			want:       []byte{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CompositeKey(tt.components); !bytes.Equal(got, tt.want) {
				t.Errorf("CompositeKey = %x, want %x", got, tt.want)
			}
		})
	}
}

func TestCompositeKeyLongComponent(t *testing.T) {
	long := bytes.Repeat([]byte{'x'}, MaxComponentLen)
	key := CompositeKey([][]byte{long, []byte("y")})
	if !bytes.Equal(key[:2], []byte{0xff, 0xff}) {
		t.Errorf("length prefix %x, want ffff", key[:2])
	}
	parts, err := SplitCompositeKey(key, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 2 || !bytes.Equal(parts[0], long) || string(parts[1]) != "y" {
		t.Errorf("SplitCompositeKey did not return the two components")
	}
}

func TestSplitCompositeKeyRoundTrip(t *testing.T) {
	tests := []struct {
		name       string
		components [][]byte
	}{
		{"one", [][]byte{[]byte("only")}},
		{"one empty", [][]byte{{}}},
		{"two", [][]byte{{0, 0, 0, 1}, []byte("a")}},
		{"three with zero bytes", [][]byte{{0}, {0, 0}, {0, 0, 0}}},
		{"two empty", [][]byte{{}, {}}},
		{"high bytes", [][]byte{{0xff, 0x80}, {0x00, 0xfe, 0x7f}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := CompositeKey(tt.components)
			parts, err := SplitCompositeKey(key, len(tt.components))
			if err != nil {
				t.Fatal(err)
			}
			if len(parts) != len(tt.components) {
				t.Fatalf("got %d components, want %d", len(parts), len(tt.components))
			}
			for i := range parts {
				if !bytes.Equal(parts[i], tt.components[i]) {
					t.Errorf("component %d = %x, want %x", i, parts[i], tt.components[i])
				}
			}
		})
	}
}

func TestSplitCompositeKeyErrors(t *testing.T) {
	tests := []struct {
		name      string
		key       []byte
		n         int
		malformed bool // wraps ErrMalformedKey
	}{
		{"zero components", []byte{0, 1, 'a', 0}, 0, false},
		{"negative components", []byte{0, 1, 'a', 0}, -1, false},
		{"empty key", nil, 2, true},
		{"more components than bytes allow", []byte{0, 0, 0, 0, 0}, 2, true},
		{"huge count", []byte{0, 0, 0}, 1 << 40, true},
		{"length cut short", []byte{0, 0, 0, 0, 0, 0, 0}, 2, true},
		{"length past end", []byte{0, 1, 'a', 0, 0, 9, 'b', 0}, 2, true},
		{"missing end-of-component", []byte{0, 1, 'a', 0, 0, 1, 'b'}, 2, true},
		{"non-zero end-of-component", []byte{0, 1, 'a', 1, 0, 1, 'b', 0}, 2, true},
		{"static marker prefix", []byte{0xff, 0xff, 0, 1, 'a', 0, 0, 1, 'b', 0}, 2, true},
		{"trailing bytes", []byte{0, 1, 'a', 0, 0, 1, 'b', 0, 0}, 2, true},
		{"fewer components than asked", []byte{0, 1, 'a', 0, 0, 1, 'b', 0}, 3, true},
		{"more components than asked", []byte{0, 1, 'a', 0, 0, 1, 'b', 0, 0, 0, 0}, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts, err := SplitCompositeKey(tt.key, tt.n)
			if err == nil {
				t.Fatalf("SplitCompositeKey(%x, %d) = %q, want an error", tt.key, tt.n, parts)
			}
			if parts != nil {
				t.Errorf("components %q returned with error %v", parts, err)
			}
			if got := errors.Is(err, ErrMalformedKey); got != tt.malformed {
				t.Errorf("errors.Is(%v, ErrMalformedKey) = %v, want %v", err, got, tt.malformed)
			}
		})
	}
}

func TestSplitCompositeKeyDoesNotLetAppendsOverwriteKey(t *testing.T) {
	// Spare capacity after the key, as a caller's buffer would have.
	key := append(make([]byte, 0, 64), CompositeKey([][]byte{[]byte("ab"), []byte("cd")})...)
	before := bytes.Clone(key)

	parts, err := SplitCompositeKey(key, 2)
	if err != nil {
		t.Fatal(err)
	}
	_ = append(parts[0], 'X', 'Y', 'Z')

	single, err := SplitCompositeKey(key, 1)
	if err != nil {
		t.Fatal(err)
	}
	_ = append(single[0], 'X')

	if !bytes.Equal(key, before) || !bytes.Equal(key[:cap(key)][len(key):], make([]byte, cap(key)-len(key))) {
		t.Errorf("key or its spare capacity changed: %x", key[:cap(key)])
	}
}

// FuzzSplitCompositeKey checks that SplitCompositeKey never panics and that
// whatever it accepts, CompositeKey turns back into the same bytes.
func FuzzSplitCompositeKey(f *testing.F) {
	f.Add([]byte{0, 4, 0, 0, 0, 1, 0, 0, 1, 'a', 0}, 2)
	f.Add([]byte{0, 1, 'a', 0, 0, 1, 'b', 0}, 2)
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0}, 3)
	f.Add([]byte{0xff, 0xff, 0}, 1)
	f.Add([]byte{}, 0)
	f.Fuzz(func(t *testing.T, key []byte, n int) {
		parts, err := SplitCompositeKey(key, n)
		if err != nil {
			return
		}
		if len(parts) != n {
			t.Fatalf("got %d components, want %d", len(parts), n)
		}
		if got := CompositeKey(parts); !bytes.Equal(got, key) {
			t.Errorf("CompositeKey(SplitCompositeKey(%x, %d)) = %x", key, n, got)
		}
	})
}
