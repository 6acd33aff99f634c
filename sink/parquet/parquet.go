package parquet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	parquetgo "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"

	"github.com/ringscan/ringscan/sink"
)

// Defaults of Config.
const (
	// DefaultRowGroupRows is the default of Config.RowGroupRows.
	DefaultRowGroupRows = 64 << 10
	// DefaultRowGroupBytes is the default of Config.RowGroupBytes.
	DefaultRowGroupBytes = 64 << 20
	// DefaultCompression is the default of Config.Compression.
	DefaultCompression = "snappy"
	// DefaultUUID is the default of Config.UUID.
	DefaultUUID = UUIDString
	// DefaultDecimal is the default of Config.Decimal, the type the Spark
	// Cassandra connector gives CQL decimals.
	DefaultDecimal = "decimal(38, 18)"
	// DefaultVarint is the default of Config.Varint, the type the Spark
	// Cassandra connector gives CQL varints.
	DefaultVarint = "decimal(38)"
)

// Values of Config.UUID.
const (
	// UUIDString writes uuid and timeuuid values as BYTE_ARRAY STRING in
	// the canonical 36-character form.
	UUIDString = "string"
	// UUIDLogical writes them as FIXED_LEN_BYTE_ARRAY(16) with the UUID
	// logical type.
	UUIDLogical = "uuid"
)

// ColumnsKey is the key of the file's key-value metadata that holds the
// CQL columns, as a JSON array of {"name": ..., "type": ...} objects.
const ColumnsKey = "ringscan.columns"

// chunkRows is the number of rows converted before they are handed to the
// Parquet writer together.
const chunkRows = 256

var (
	// ErrInvalidConfig is wrapped by the errors of Config.Validate and of
	// New for columns that cannot be written.
	ErrInvalidConfig = errors.New("parquet: invalid config")
)

// Config configures a Parquet sink. The zero value is valid: every field's
// zero value means its default, which EnsureDefaults fills in.
type Config struct {
	// Compression is the codec of the pages inside the file: "snappy",
	// "zstd", "gzip" or "none". Default DefaultCompression ("snappy").
	Compression string
	// RowGroupRows ends a row group when it holds that many rows. Default
	// DefaultRowGroupRows (65536).
	RowGroupRows int
	// RowGroupBytes ends a row group when its buffered size, estimated
	// before compression, reaches it; checked every 256 rows. A row group
	// is held in memory until it ends, so this bounds the sink's memory.
	// Default DefaultRowGroupBytes (64 MiB).
	RowGroupBytes int64
	// UUID is how uuid and timeuuid values are written: UUIDString, as
	// BYTE_ARRAY STRING in the canonical 8-4-4-4-12 form, which every
	// reader takes (Spark 4.0 refuses the UUID logical type); or
	// UUIDLogical, as FIXED_LEN_BYTE_ARRAY(16) with the UUID logical type,
	// 16 bytes a value, which DuckDB, Arrow and Trino read as UUIDs.
	// Default DefaultUUID (UUIDString).
	UUID string
	// Decimal is how decimal values are written: "decimal(P, S)" for
	// Parquet's DECIMAL with precision P (1 to 38) and scale S (0 to P),
	// on INT32 up to 9 digits, INT64 up to 18, FIXED_LEN_BYTE_ARRAY above;
	// or "string" for BYTE_ARRAY STRING in plain notation keeping each
	// value's scale (1.250). A CQL decimal carries its own scale per value,
	// a DECIMAL one per column: a value is rescaled exactly, and one that
	// cannot be (more than S digits after the point, not all zeros, or more
	// than P-S before it) fails the Write with ErrOutOfRange. Default
	// DefaultDecimal ("decimal(38, 18)").
	Decimal string
	// Varint is how varint values are written: "decimal(P)" (or
	// "decimal(P, 0)") for DECIMAL(P, 0), P from 1 to 38, a value of more
	// than P digits failing the Write with ErrOutOfRange; or "string" for
	// BYTE_ARRAY STRING, the exact digits of any size. Default
	// DefaultVarint ("decimal(38)").
	Varint string
}

// EnsureDefaults returns c with every zero field set to its default: the
// configuration a sink made with c uses.
func (c Config) EnsureDefaults() Config {
	if c.Compression == "" {
		c.Compression = DefaultCompression
	}
	if c.RowGroupRows == 0 {
		c.RowGroupRows = DefaultRowGroupRows
	}
	if c.RowGroupBytes == 0 {
		c.RowGroupBytes = DefaultRowGroupBytes
	}
	if c.UUID == "" {
		c.UUID = DefaultUUID
	}
	if c.Decimal == "" {
		c.Decimal = DefaultDecimal
	}
	if c.Varint == "" {
		c.Varint = DefaultVarint
	}
	return c
}

// Validate reports every invalid field, in an error wrapping
// ErrInvalidConfig.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...))
	}
	if _, ok := codecOf(c.Compression); !ok {
		bad("Compression %q: allowed are snappy, zstd, gzip, none", c.Compression)
	}
	if c.RowGroupRows < 0 {
		bad("RowGroupRows %d: want 0 (default) or a positive number", c.RowGroupRows)
	}
	if c.RowGroupBytes < 0 {
		bad("RowGroupBytes %d: want 0 (default) or a positive number", c.RowGroupBytes)
	}
	d := c.EnsureDefaults()
	if d.UUID != UUIDString && d.UUID != UUIDLogical {
		bad("UUID %q: allowed are string, uuid", c.UUID)
	}
	if _, ok := parseDecimalSpec(d.Decimal, false); !ok {
		bad("Decimal %q: allowed are string, or decimal(P, S) with 1 <= P <= 38 and 0 <= S <= P", c.Decimal)
	}
	if _, ok := parseDecimalSpec(d.Varint, true); !ok {
		bad("Varint %q: allowed are string, or decimal(P) with 1 <= P <= 38", c.Varint)
	}
	return errors.Join(errs...)
}

func codecOf(name string) (compress.Codec, bool) {
	switch name {
	case "", "snappy":
		return &parquetgo.Snappy, true
	case "zstd":
		return &parquetgo.Zstd, true
	case "gzip":
		return &parquetgo.Gzip, true
	case "none":
		return &parquetgo.Uncompressed, true
	}
	return nil, false
}

// Sink writes rows as one Parquet file. The schema is derived from the
// columns given to New: one optional (nullable) field per column,
// in column order, typed as follows (docs/parquet-mapping.md has the
// details):
//
//	ascii, text, varchar     BYTE_ARRAY STRING; invalid UTF-8 becomes U+FFFD
//	tinyint, smallint        INT32 INT(8, signed), INT(16, signed)
//	int                      INT32
//	bigint, counter          INT64
//	varint                   DECIMAL(38, 0) on FIXED_LEN_BYTE_ARRAY(16) (Config.Varint:
//	                         another precision, or BYTE_ARRAY STRING, the exact digits)
//	decimal                  DECIMAL(38, 18) on FIXED_LEN_BYTE_ARRAY(16), each value
//	                         rescaled exactly (Config.Decimal: another precision and
//	                         scale, or BYTE_ARRAY STRING in plain notation: 1.250)
//	float, double            FLOAT, DOUBLE
//	boolean                  BOOLEAN
//	uuid, timeuuid           BYTE_ARRAY STRING, 8-4-4-4-12 (Config.UUID: FIXED_LEN_BYTE_ARRAY(16) UUID)
//	timestamp                INT64 TIMESTAMP(MILLIS, UTC)
//	date                     INT32 DATE, days since 1970-01-01
//	time                     INT64 TIME(NANOS, local)
//	duration                 group {required int32 months; required int32 days;
//	                         required int64 nanoseconds}
//	blob, custom types       BYTE_ARRAY
//	inet                     BYTE_ARRAY STRING: 10.0.0.1, ::1
//	list, set                LIST of the optional element type
//	map                      MAP of the required key and optional value types
//	tuple                    group with optional fields _1, _2, ...
//	UDT                      group with an optional field per UDT field
//
// A null, and the empty value of a type other than ascii, text, blob and
// custom, is a null. Collections nest to any depth Cassandra allows.
// The file's key-value metadata holds the CQL columns under ColumnsKey.
//
// Write converts the rows straight from their serialized bytes and buffers
// them into row groups of Config.RowGroupRows rows or
// Config.RowGroupBytes bytes, whichever comes first; a row group is
// written to w when it ends. Close writes the last row group and the
// footer. A file whose sink was closed without a row is a valid Parquet
// file with the schema and no row group. The caller owns the writer:
// Close does not close it.
//
// Write returns an error wrapping sink.ErrInvalidValue that names the row
// and column for a value whose bytes do not match its column's type, and
// one wrapping ErrOutOfRange for a decimal or varint its DECIMAL cannot
// hold exactly, having written the rows before it; such an error leaves
// the sink usable. An
// error of the writer is returned by the Write that met it, by every later
// Write and by Close. A batch whose columns differ from the sink's is
// refused. Write does not consult its context.
type Sink struct {
	cfg     Config
	cols    []sink.Column
	plan    []*planNode
	pw      *parquetgo.Writer
	rows    rowBuilder
	group   int   // rows in the current row group
	base    int64 // pw.Size() when the current row group started
	written int64
	closed  bool
	err     error
}

var _ sink.Sink = (*Sink)(nil)

// New returns a sink that writes a Parquet file of rows of cols to w. It
// returns an error wrapping ErrInvalidConfig for an invalid configuration,
// no column, duplicate column names, or a column whose type has no Parquet
// mapping; the error names the column and its type.
func New(w io.Writer, cols []sink.Column, cfg Config) (*Sink, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.EnsureDefaults()
	codec, _ := codecOf(cfg.Compression)
	if len(cols) == 0 {
		return nil, fmt.Errorf("%w: no column", ErrInvalidConfig)
	}
	sb := newSchemaBuilder(cfg)
	names := make([]string, len(cols))
	nodes := make([]parquetgo.Node, len(cols))
	plan := make([]*planNode, len(cols))
	seen := make(map[string]bool, len(cols))
	type colJSON struct {
		Name string `json:"name"`
		Type string `json:"type"`
	}
	meta := make([]colJSON, len(cols))
	for i, c := range cols {
		if seen[c.Name] {
			return nil, fmt.Errorf("%w: two columns are named %q", ErrInvalidConfig, c.Name)
		}
		seen[c.Name] = true
		node, p, err := sb.column(c)
		if err != nil {
			return nil, err
		}
		names[i], nodes[i], plan[i] = c.Name, node, p
		meta[i] = colJSON{c.Name, c.Type}
	}
	if len(sb.leaves) > parquetgo.MaxColumnIndex {
		return nil, fmt.Errorf("%w: %d leaf columns, more than the %d supported", ErrInvalidConfig, len(sb.leaves), parquetgo.MaxColumnIndex)
	}
	schema := parquetgo.NewSchema("ringscan", newGroup(names, nodes))
	// The plan addresses leaf columns by index: they must be the schema's.
	if got := schema.Columns(); !slices.EqualFunc(got, sb.leaves, slices.Equal) {
		return nil, fmt.Errorf("parquet: internal error: leaf columns %v, planned %v", got, sb.leaves)
	}
	var metaJSON strings.Builder
	enc := json.NewEncoder(&metaJSON)
	enc.SetEscapeHTML(false) // map<text, int>, not map\u003ctext...
	if err := enc.Encode(meta); err != nil {
		return nil, err
	}
	opts := []parquetgo.WriterOption{
		schema,
		parquetgo.Compression(codec),
		// Version 1 data pages: the ones every reader knows.
		parquetgo.DataPageVersion(1),
		parquetgo.KeyValueMetadata(ColumnsKey, strings.TrimSpace(metaJSON.String())),
	}
	for _, path := range sb.unsignedBounds {
		opts = append(opts, parquetgo.SkipPageBounds(path...))
	}
	wcfg, err := parquetgo.NewWriterConfig(opts...)
	if err != nil {
		return nil, fmt.Errorf("parquet: %w", err)
	}
	s := &Sink{cfg: cfg, cols: slices.Clone(cols), plan: plan, pw: parquetgo.NewWriter(w, wcfg)}
	s.rows.leafBuf = make([][]parquetgo.Value, len(sb.leaves))
	return s, nil
}

// Rows returns the number of rows written.
func (s *Sink) Rows() int64 { return s.written }

// Write appends the rows of b to the file.
func (s *Sink) Write(_ context.Context, b *sink.Batch) error {
	if s.closed {
		return sink.ErrClosed
	}
	if s.err != nil {
		return s.err
	}
	if err := s.checkColumns(b.Columns); err != nil {
		return err
	}
	for row, n := 0, b.Len(); row < n; {
		limit := min(n-row, chunkRows, s.cfg.RowGroupRows-s.group)
		s.rows.reset()
		var verr error
		built := 0
		for ; built < limit; built++ {
			if err := s.rows.addRow(s.plan, b, row+built); err != nil {
				verr = fmt.Errorf("parquet: row %d %w", row+built, err)
				break
			}
		}
		if built > 0 {
			if _, err := s.pw.WriteRows(s.rows.chunk()); err != nil {
				s.err = fmt.Errorf("parquet: %w", err)
				return s.err
			}
			s.group += built
			s.written += int64(built)
			row += built
			if err := s.endGroupIfFull(); err != nil {
				return err
			}
		}
		if verr != nil {
			return verr
		}
	}
	return nil
}

// endGroupIfFull writes the current row group if it reached its size.
func (s *Sink) endGroupIfFull() error {
	if s.group < s.cfg.RowGroupRows && s.pw.Size()-s.base < s.cfg.RowGroupBytes {
		return nil
	}
	if err := s.pw.Flush(); err != nil {
		s.err = fmt.Errorf("parquet: %w", err)
		return s.err
	}
	s.group, s.base = 0, s.pw.Size()
	return nil
}

// checkColumns refuses a batch whose columns are not the sink's.
func (s *Sink) checkColumns(cols []sink.Column) error {
	if len(cols) != len(s.cols) {
		return fmt.Errorf("parquet: batch of %d columns, the file has %d", len(cols), len(s.cols))
	}
	for i := range cols {
		if cols[i].Name != s.cols[i].Name || cols[i].Type != s.cols[i].Type {
			return fmt.Errorf("parquet: batch column %d is %s %s, the file's is %s %s",
				i, cols[i].Name, cols[i].Type, s.cols[i].Name, s.cols[i].Type)
		}
	}
	return nil
}

// Close writes the last row group and the footer, completing the file. It
// is idempotent and does not close the writer.
func (s *Sink) Close(context.Context) error {
	if s.closed {
		return s.err
	}
	s.closed = true
	if s.err != nil {
		return s.err
	}
	if err := s.pw.Close(); err != nil {
		s.err = fmt.Errorf("parquet: %w", err)
	}
	s.rows = rowBuilder{} // the buffers are not needed any more
	return s.err
}
