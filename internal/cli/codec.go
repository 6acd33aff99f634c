package cli

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/spf13/pflag"

	"github.com/ringscan/ringscan/internal/output"
	"github.com/ringscan/ringscan/sink"
	"github.com/ringscan/ringscan/sink/parquet"
)

// formatJSONAlias is accepted for --format jsonl.
const formatJSONAlias = "json"

// timestampRFC3339 names the default --timestamp-format.
const timestampRFC3339 = "rfc3339"

// scanFlags are the output flags of "ringscan scan".
type scanFlags struct {
	format      string
	out         string
	maxRows     int64
	compress    string
	overwrite   bool
	csvNull     string
	csvNoHeader bool

	// Codec options: the flags that shape the bytes of each format.
	timestampFormat string
	timeZone        string
	blobFormat      string
	numbersAsString bool
	delimiter       string
	crlf            bool
	parquetUUID     string
	parquetDecimal  string
	parquetVarint   string
	parquetCompress string

	// set tells which flags were given on the command line: a codec flag
	// of another format given there is refused, while one from the
	// environment or --config is ignored, so that one file can hold the
	// settings of every format. Nil: none.
	set func(name string) bool
}

func (sf *scanFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&sf.format, "format", output.FormatJSONL, "output format: jsonl (or json), csv or parquet")
	fs.StringVar(&sf.out, "out", "", "output directory, created if missing, or - for stdout (required)")
	fs.Int64Var(&sf.maxRows, "max-rows-per-file", 0, "start a new file after this many rows (0: one file)")
	fs.StringVar(&sf.compress, "compress", output.CompressNone, "compression of jsonl and csv output, files or stdout: none, gzip or zstd")
	fs.BoolVar(&sf.overwrite, "overwrite", false, "replace the ringscan files of a non-empty --out directory")
	fs.StringVar(&sf.csvNull, "csv-null", "", "csv: text written for a null (default empty)")
	fs.BoolVar(&sf.csvNoHeader, "csv-no-header", false, "csv: no header row")
	fs.StringVar(&sf.delimiter, "delimiter", ",", `csv: field delimiter, one character ("\t" or tab for a tab)`)
	fs.BoolVar(&sf.crlf, "crlf", false, `csv: end rows with \r\n (RFC 4180) instead of \n`)
	fs.StringVar(&sf.timestampFormat, "timestamp-format", timestampRFC3339, `jsonl, csv: timestamp layout, rfc3339 (with milliseconds) or a Go layout such as "2006-01-02 15:04:05.000"`)
	fs.StringVar(&sf.timeZone, "time-zone", "UTC", "jsonl, csv: zone timestamps are written in, an IANA name such as Europe/Paris")
	fs.StringVar(&sf.blobFormat, "blob-format", sink.BlobHex, "jsonl, csv: blobs as hex (0xcafe) or base64")
	fs.BoolVar(&sf.numbersAsString, "json-numbers-as-strings", false, "jsonl: bigint, counter, varint and decimal as JSON strings, for readers that round big numbers (jq 1.6, JavaScript)")
	fs.StringVar(&sf.parquetUUID, "parquet-uuid", parquet.DefaultUUID, "parquet: uuid and timeuuid as string (36 characters, readable by Spark) or uuid (the UUID logical type)")
	fs.StringVar(&sf.parquetDecimal, "parquet-decimal", parquet.DefaultDecimal, `parquet: decimal as "decimal(P, S)" (a value that does not fit fails the scan) or string`)
	fs.StringVar(&sf.parquetVarint, "parquet-varint", parquet.DefaultVarint, `parquet: varint as "decimal(P)" (a value of more digits fails the scan) or string`)
	fs.StringVar(&sf.parquetCompress, "parquet-compression", parquet.DefaultCompression, "parquet: page compression, snappy, zstd, gzip or none")
}

// codecFlags are the codec flags by the formats they apply to.
var codecFlags = []struct {
	name    string
	formats []string
}{
	{"csv-null", []string{output.FormatCSV}},
	{"csv-no-header", []string{output.FormatCSV}},
	{"delimiter", []string{output.FormatCSV}},
	{"crlf", []string{output.FormatCSV}},
	{"timestamp-format", []string{output.FormatJSONL, output.FormatCSV}},
	{"time-zone", []string{output.FormatJSONL, output.FormatCSV}},
	{"blob-format", []string{output.FormatJSONL, output.FormatCSV}},
	{"json-numbers-as-strings", []string{output.FormatJSONL}},
	{"parquet-uuid", []string{output.FormatParquet}},
	{"parquet-decimal", []string{output.FormatParquet}},
	{"parquet-varint", []string{output.FormatParquet}},
	{"parquet-compression", []string{output.FormatParquet}},
}

// normalize resolves aliases: --format json is jsonl.
func (sf *scanFlags) normalize() {
	if strings.EqualFold(sf.format, formatJSONAlias) {
		sf.format = output.FormatJSONL
	}
}

// text is the TextConfig of the flags, valid or not.
func (sf *scanFlags) text() sink.TextConfig {
	tc := sink.TextConfig{TimeZone: sf.timeZone, BlobFormat: sf.blobFormat}
	if !strings.EqualFold(sf.timestampFormat, timestampRFC3339) {
		tc.TimestampFormat = sf.timestampFormat
	}
	if tc.TimeZone == "UTC" {
		tc.TimeZone = ""
	}
	return tc
}

// delimiterRune parses --delimiter: one character, or \t or "tab".
func (sf *scanFlags) delimiterRune() (rune, error) {
	switch d := sf.delimiter; {
	case d == `\t` || strings.EqualFold(d, "tab"):
		return '\t', nil
	case utf8.RuneCountInString(d) == 1:
		r, _ := utf8.DecodeRuneInString(d)
		return r, nil
	}
	return 0, fmt.Errorf(`invalid --delimiter %q: want one character, such as ";" or "|", or \t (or tab) for a tab`, sf.delimiter)
}

func (sf *scanFlags) csvConfig() sink.CSVConfig {
	d, _ := sf.delimiterRune()
	return sink.CSVConfig{Delimiter: d, Null: sf.csvNull, NoHeader: sf.csvNoHeader, CRLF: sf.crlf, TextConfig: sf.text()}
}

func (sf *scanFlags) jsonConfig() sink.JSONConfig {
	return sink.JSONConfig{TextConfig: sf.text(), NumbersAsStrings: sf.numbersAsString}
}

func (sf *scanFlags) parquetConfig() parquet.Config {
	return parquet.Config{Compression: sf.parquetCompress, UUID: sf.parquetUUID, Decimal: sf.parquetDecimal, Varint: sf.parquetVarint}
}

// validateCodec checks the codec flags of the format: each value, and
// that no flag of another format was given on the command line. Every
// problem is reported, each naming its flag.
func (sf *scanFlags) validateCodec() []error {
	var errs []error
	for _, cf := range codecFlags {
		if sf.set != nil && sf.set(cf.name) && !slices.Contains(cf.formats, sf.format) {
			errs = append(errs, fmt.Errorf("--%s applies to --format %s only, not %s", cf.name, strings.Join(cf.formats, " or "), sf.format))
		}
	}
	// flagged turns a library error about field into one about flag,
	// keeping the library's list of what is allowed.
	flagged := func(flag, field string, err error) {
		if err == nil {
			return
		}
		msg := err.Error()
		if _, rest, ok := strings.Cut(msg, field+" "); ok {
			msg = rest
		}
		errs = append(errs, fmt.Errorf("invalid --%s %s", flag, msg))
	}
	switch sf.format {
	case output.FormatCSV:
		d, err := sf.delimiterRune()
		if err != nil {
			errs = append(errs, err)
			break
		}
		if err := (sink.CSVConfig{Delimiter: d}).Validate(); err != nil {
			errs = append(errs, fmt.Errorf(`invalid --delimiter %q: want a character other than '"', \r and \n`, sf.delimiter))
			break
		}
		if err := (sink.CSVConfig{Delimiter: d, Null: sf.csvNull}).Validate(); err != nil {
			errs = append(errs, fmt.Errorf("invalid --csv-null %q: want text that needs no CSV quotes (no delimiter %q, '\"', line break or leading space)", sf.csvNull, d))
		}
	case output.FormatParquet:
		flagged("parquet-compression", "Compression", parquet.Config{Compression: sf.parquetCompress}.Validate())
		flagged("parquet-uuid", "UUID", parquet.Config{UUID: sf.parquetUUID}.Validate())
		flagged("parquet-decimal", "Decimal", parquet.Config{Decimal: sf.parquetDecimal}.Validate())
		flagged("parquet-varint", "Varint", parquet.Config{Varint: sf.parquetVarint}.Validate())
	}
	if sf.format == output.FormatCSV || sf.format == output.FormatJSONL {
		tc := sf.text()
		flagged("timestamp-format", "TimestampFormat", sink.JSONConfig{TextConfig: sink.TextConfig{TimestampFormat: tc.TimestampFormat}}.Validate())
		flagged("time-zone", "TimeZone", sink.JSONConfig{TextConfig: sink.TextConfig{TimeZone: tc.TimeZone}}.Validate())
		flagged("blob-format", "BlobFormat", sink.JSONConfig{TextConfig: sink.TextConfig{BlobFormat: tc.BlobFormat}}.Validate())
	}
	return errs
}

// options are the settings of the output that shape its bytes, for the
// checkpoint: a resume with other values is refused, naming the flag.
// Every codec flag of the format is recorded with the value in effect.
func (sf *scanFlags) options() map[string]string {
	tc := sf.text()
	ts := tc.TimestampFormat
	if ts == "" {
		ts = timestampRFC3339
	}
	zone := tc.TimeZone
	if zone == "" {
		zone = "UTC"
	}
	blob := tc.BlobFormat
	if blob == "" {
		blob = sink.BlobHex
	}
	switch sf.format {
	case output.FormatCSV:
		d, _ := sf.delimiterRune()
		return map[string]string{"--csv-null": sf.csvNull, "--csv-no-header": strconv.FormatBool(sf.csvNoHeader),
			"--delimiter": string(d), "--crlf": strconv.FormatBool(sf.crlf),
			"--timestamp-format": ts, "--time-zone": zone, "--blob-format": blob}
	case output.FormatJSONL:
		return map[string]string{"--timestamp-format": ts, "--time-zone": zone, "--blob-format": blob,
			"--json-numbers-as-strings": strconv.FormatBool(sf.numbersAsString)}
	case output.FormatParquet:
		pc := sf.parquetConfig().EnsureDefaults()
		return map[string]string{"--parquet-uuid": pc.UUID, "--parquet-decimal": pc.Decimal,
			"--parquet-varint": pc.Varint, "--parquet-compression": pc.Compression}
	}
	return nil
}

// encoderFunc returns the encoder factory of the flags' format. The
// flags must have been validated.
func (sf *scanFlags) encoderFunc() output.EncoderFunc {
	switch sf.format {
	case output.FormatCSV:
		cfg := sf.csvConfig()
		return func(w io.Writer, first bool, _ []sink.Column) (sink.Sink, error) {
			c := cfg
			c.NoHeader = !first || cfg.NoHeader
			return sink.NewCSV(w, c)
		}
	case output.FormatParquet:
		cfg := sf.parquetConfig()
		// A Parquet file is complete only when its footer is written, so
		// every file, including a continued one, starts with the schema of
		// cols.
		return func(w io.Writer, _ bool, cols []sink.Column) (sink.Sink, error) {
			return parquet.New(w, cols, cfg)
		}
	}
	cfg := sf.jsonConfig()
	return func(w io.Writer, _ bool, _ []sink.Column) (sink.Sink, error) {
		j, err := sink.NewJSONLinesConfig(w, cfg)
		if err != nil {
			return nil, err
		}
		return j, nil
	}
}
