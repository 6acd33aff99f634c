package pager

import (
	"errors"
	"fmt"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// Defaults, documented on Config's fields.
const (
	DefaultPageSize      = 100
	DefaultMaxPageSize   = 10000
	DefaultMaxOffsetPage = 100
	DefaultPrefetch      = 1

	// MinKeyLen is the shortest accepted HMAC key, in bytes.
	MinKeyLen = 16
	// maxPrefetch bounds Config.Prefetch.
	maxPrefetch = 64
)

// Config tunes a Pager. The zero value is valid: unsigned cursors, pages of
// 100 rows, one page fetched ahead.
type Config struct {
	// DefaultPageSize is the page size used when a call passes 0.
	// Default 100.
	DefaultPageSize int
	// MaxPageSize is the largest page size a call may ask for; a larger one
	// is refused with ErrInvalidPageSize (not silently capped, so that a
	// client learns the limit). Default 10000.
	MaxPageSize int
	// MaxOffsetPage is the largest page number OffsetPage serves (pages are
	// numbered from 0). An offset page reads every row before it, so one
	// request costs up to (MaxOffsetPage+1) × page size rows of work.
	// Default 100.
	MaxOffsetPage int
	// Prefetch is how many pages Rows and All fetch ahead of the page being
	// consumed; -1 turns prefetching off (each page is fetched when the
	// consumer reaches it). Memory per Rows is about (Prefetch+1) × page
	// size × row size. Allowed -1..64. Default 1.
	Prefetch int
	// Key signs cursors with HMAC-SHA256, so that clients cannot forge or
	// alter them; a Pager with a key refuses unsigned cursors. At least
	// MinKeyLen bytes; keep it secret and the same on every instance of a
	// service. Default: none (cursors carry a checked fingerprint but no
	// signature, so a client could craft one).
	Key []byte
	// PreviousKeys are older keys still accepted when verifying cursors,
	// for key rotation; new cursors are always signed with Key. Requires
	// Key. Default none.
	PreviousKeys [][]byte
	// Consistency is the read consistency of every request. Default: the
	// session's (ClusterConfig.Consistency).
	Consistency gocql.Consistency
}

// EnsureDefaults returns c with every zero field set to its default: the
// configuration a Pager made with c works with.
func (c Config) EnsureDefaults() Config {
	if c.DefaultPageSize == 0 {
		c.DefaultPageSize = DefaultPageSize
	}
	if c.MaxPageSize == 0 {
		c.MaxPageSize = DefaultMaxPageSize
	}
	if c.MaxOffsetPage == 0 {
		c.MaxOffsetPage = DefaultMaxOffsetPage
	}
	if c.Prefetch == 0 {
		c.Prefetch = DefaultPrefetch
	}
	return c
}

// Validate reports every problem of c at once, each naming the field and
// what is allowed.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...))
	}
	d := c.EnsureDefaults()
	if c.DefaultPageSize < 0 {
		bad("DefaultPageSize is %d; it must be positive (0 for the default %d)", c.DefaultPageSize, DefaultPageSize)
	}
	if c.MaxPageSize < 0 {
		bad("MaxPageSize is %d; it must be positive (0 for the default %d)", c.MaxPageSize, DefaultMaxPageSize)
	}
	if c.DefaultPageSize >= 0 && c.MaxPageSize >= 0 && d.DefaultPageSize > d.MaxPageSize {
		bad("DefaultPageSize (%d) is larger than MaxPageSize (%d)", d.DefaultPageSize, d.MaxPageSize)
	}
	if c.MaxOffsetPage < 0 {
		bad("MaxOffsetPage is %d; it must be positive (0 for the default %d)", c.MaxOffsetPage, DefaultMaxOffsetPage)
	}
	if c.Prefetch < -1 || c.Prefetch > maxPrefetch {
		bad("Prefetch is %d; it must be -1 (none) or 1..%d (0 for the default %d)", c.Prefetch, maxPrefetch, DefaultPrefetch)
	}
	if len(c.Key) > 0 && len(c.Key) < MinKeyLen {
		bad("Key has %d bytes; it must have at least %d", len(c.Key), MinKeyLen)
	}
	if len(c.PreviousKeys) > 0 && len(c.Key) == 0 {
		bad("PreviousKeys is set but Key is not; set Key to the current key")
	}
	for i, k := range c.PreviousKeys {
		if len(k) < MinKeyLen {
			bad("PreviousKeys[%d] has %d bytes; it must have at least %d", i, len(k), MinKeyLen)
		}
	}
	if c.Consistency > gocql.LocalOne { // 0 (ANY) is how "the session's" is written
		bad("Consistency is %v; it must be a read consistency (ONE, TWO, THREE, QUORUM, ALL, LOCAL_QUORUM, EACH_QUORUM, LOCAL_ONE, SERIAL, LOCAL_SERIAL), or 0 for the session's", c.Consistency)
	}
	return errors.Join(errs...)
}
