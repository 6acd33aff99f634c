package sink

import (
	"errors"
	"fmt"
	"time"
)

// Values of TextConfig.BlobFormat.
const (
	BlobHex    = "hex"
	BlobBase64 = "base64"
)

// TextConfig holds the options that JSONLines and CSV share: how
// timestamps and blobs are written, and by how many goroutines. The zero value is the default of each
// field.
type TextConfig struct {
	// TimestampFormat is how timestamp values are written: "" for RFC 3339
	// with milliseconds (2026-01-01T12:00:00.123Z in UTC,
	// 2026-01-01T13:00:00.123+01:00 in another zone; years outside 0 to
	// 9999 signed, +10000-01-01T00:00:00.000Z), or a Go time layout such as
	// "2006-01-02 15:04:05.000" (see time.Layout), which must contain at
	// least one date or time field. Default "".
	TimestampFormat string
	// TimeZone is the zone timestamps are written in: an IANA name such as
	// "Europe/Paris", as time.LoadLocation reads it (the system's zoneinfo,
	// or time/tzdata if the program imports it), or "UTC". Dates and times
	// of day have no zone and are never converted. Default "" (UTC).
	TimeZone string
	// BlobFormat is how blob values (and custom types, which are written
	// as their bytes) are written: BlobHex, "0x" then lower-case hex
	// (0xcafe), as cqlsh and dsbulk write them; or BlobBase64, standard
	// base64 with padding (RFC 4648: yv4=), as BigQuery and Spark read
	// binary JSON and CSV fields. Default BlobHex.
	BlobFormat string
	// Workers is how many goroutines render the rows of one page at once,
	// each a share of about 256 KiB of text into a buffer of its own,
	// written in row order: the text is the same whatever the number. A
	// page of fewer than 256 rows is rendered by the calling goroutine
	// alone. Memory: each goroutine keeps, between Writes, buffers of
	// about twice its share (JSON Lines renders a share column by column,
	// then the lines), more for a row larger than a share. At least 0.
	// Default 0: GOMAXPROCS, the cores Go uses (set $GOMAXPROCS to use
	// fewer).
	Workers int
}

// textOptions is a TextConfig ready for an encoder.
type textOptions struct {
	loc    *time.Location // nil for UTC
	layout string         // "" for RFC 3339 with milliseconds
	base64 bool
	// numStrings writes bigint, counter, varint and decimal values as JSON
	// strings; set by JSONConfig only.
	numStrings bool
}

// equal reports whether o and p render every value alike: the same
// fields, and time zones of one name (time.LoadLocation makes a new
// *time.Location at each call).
func (o textOptions) equal(p textOptions) bool {
	zone := func(l *time.Location) string {
		if l == nil {
			return "UTC"
		}
		return l.String()
	}
	return o.layout == p.layout && o.base64 == p.base64 && o.numStrings == p.numStrings && zone(o.loc) == zone(p.loc)
}

// validate reports every invalid field, named with prefix ("CSVConfig").
func (c TextConfig) validate(prefix string) []error {
	_, errs := c.options(prefix)
	return errs
}

// options returns the options of c, or every problem of c.
func (c TextConfig) options(prefix string) (textOptions, []error) {
	var o textOptions
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s."+format, append([]any{ErrInvalidConfig, prefix}, args...)...))
	}
	if c.TimestampFormat != "" {
		// A layout without any field writes the same text for every
		// timestamp: a mistake, such as a format written for another
		// language's formatter.
		a := time.Date(2001, 2, 3, 4, 5, 6, 7e8, time.UTC)
		b := time.Date(2012, 11, 22, 13, 14, 15, 0, time.UTC)
		if a.Format(c.TimestampFormat) == b.Format(c.TimestampFormat) {
			bad("TimestampFormat %q: not a Go time layout (it has no date or time field); write e.g. \"2006-01-02 15:04:05.000\", or \"\" for RFC 3339", c.TimestampFormat)
		}
		o.layout = c.TimestampFormat
	}
	switch c.TimeZone {
	case "", "UTC":
	default:
		loc, err := time.LoadLocation(c.TimeZone)
		if err != nil {
			bad("TimeZone %q: %v; want an IANA zone name such as Europe/Paris, or UTC", c.TimeZone, err)
		}
		o.loc = loc
	}
	if c.Workers < 0 {
		bad("Workers %d: must be 0 (GOMAXPROCS) or more", c.Workers)
	}
	switch c.BlobFormat {
	case "", BlobHex:
	case BlobBase64:
		o.base64 = true
	default:
		bad("BlobFormat %q: allowed are hex, base64", c.BlobFormat)
	}
	return o, errs
}

// JSONConfig configures a JSONLines sink. The zero value is valid: it is
// the configuration of NewJSONLines.
type JSONConfig struct {
	TextConfig
	// NumbersAsStrings writes bigint, counter, varint and decimal values as
	// JSON strings ("12345678901234567890", "1.250"), inside collections
	// too, for readers that hold every number as a double and would round
	// them, such as jq 1.6 and JavaScript. Default false: JSON numbers with
	// exact digits.
	NumbersAsStrings bool
}

// Validate reports every invalid field, in an error wrapping
// ErrInvalidConfig.
func (c JSONConfig) Validate() error {
	return errors.Join(c.TextConfig.validate("JSONConfig")...)
}
