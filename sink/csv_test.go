package sink_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/sink"
)

func TestCSVQuoting(t *testing.T) {
	tests := []struct {
		name  string
		cfg   sink.CSVConfig
		value string
		want  string
	}{
		{"plain", sink.CSVConfig{}, "abc", `abc`},
		{"empty", sink.CSVConfig{}, "", `""`},
		{"comma", sink.CSVConfig{}, "a,b", `"a,b"`},
		{"quote", sink.CSVConfig{}, `say "hi"`, `"say ""hi"""`},
		{"only quotes", sink.CSVConfig{}, `""`, `""""""`},
		{"LF", sink.CSVConfig{}, "a\nb", "\"a\nb\""},
		{"CR", sink.CSVConfig{}, "a\rb", "\"a\rb\""},
		{"CRLF kept inside quotes", sink.CSVConfig{CRLF: true}, "a\r\nb\nc", "\"a\r\nb\nc\""},
		{"leading space", sink.CSVConfig{}, " a", `" a"`},
		{"leading tab", sink.CSVConfig{}, "\ta", "\"\ta\""},
		{"leading unicode space", sink.CSVConfig{}, "\u00a0a", "\"\u00a0a\""},
		{"inner space", sink.CSVConfig{}, "a b", `a b`},
		{"backslash dot", sink.CSVConfig{}, `\.`, `"\."`},
		{"semicolon with comma delimiter", sink.CSVConfig{}, "a;b", `a;b`},
		{"semicolon delimiter", sink.CSVConfig{Delimiter: ';'}, "a;b", `"a;b"`},
		{"comma with semicolon delimiter", sink.CSVConfig{Delimiter: ';'}, "a,b", `a,b`},
		{"tab delimiter", sink.CSVConfig{Delimiter: '\t'}, "a\tb", "\"a\tb\""},
		{"multibyte delimiter", sink.CSVConfig{Delimiter: '§'}, "a§b", `"a§b"`},
		{"multibyte delimiter prefix byte", sink.CSVConfig{Delimiter: '§'}, "a\u00c2b", "a\u00c2b"},
		{"unicode", sink.CSVConfig{}, "héllo 😀", "héllo 😀"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			s, err := sink.NewCSV(&out, tc.cfg)
			require.NoError(t, err)
			require.NoError(t, s.Write(context.Background(), page(t, []col{{"v", "text"}, {"n", "int"}}, []any{tc.value, nil})))
			d := string(tc.cfg.Delimiter)
			if tc.cfg.Delimiter == 0 {
				d = ","
			}
			eol := "\n"
			if tc.cfg.CRLF {
				eol = "\r\n"
			}
			assert.Equal(t, "v"+d+"n"+eol+tc.want+d+eol, out.String())
		})
	}
}

func TestCSVHeader(t *testing.T) {
	ctx := context.Background()
	cols := []col{{"id", "int"}, {"a,b", "text"}, {" c", "text"}}
	t.Run("once, before the first row", func(t *testing.T) {
		var out bytes.Buffer
		s, err := sink.NewCSV(&out, sink.CSVConfig{})
		require.NoError(t, err)
		require.NoError(t, s.Write(ctx, page(t, cols, []any{1, "x", "y"})))
		require.NoError(t, s.Write(ctx, page(t, cols, []any{2, nil, ""})))
		require.NoError(t, s.Close(ctx))
		assert.Equal(t, "id,\"a,b\",\" c\"\n1,x,y\n2,,\"\"\n", out.String())
	})
	t.Run("written by a batch without rows", func(t *testing.T) {
		var out bytes.Buffer
		s, err := sink.NewCSV(&out, sink.CSVConfig{})
		require.NoError(t, err)
		require.NoError(t, s.Write(ctx, page(t, cols)))
		require.NoError(t, s.Close(ctx))
		assert.Equal(t, "id,\"a,b\",\" c\"\n", out.String())
	})
	t.Run("WriteHeader for a scan without batches", func(t *testing.T) {
		var out bytes.Buffer
		s, err := sink.NewCSV(&out, sink.CSVConfig{Delimiter: ';'})
		require.NoError(t, err)
		columns := page(t, cols).Columns
		require.NoError(t, s.WriteHeader(ctx, columns))
		require.NoError(t, s.WriteHeader(ctx, columns), "once only")
		require.NoError(t, s.Write(ctx, page(t, cols, []any{1, "x;y", nil})))
		require.NoError(t, s.Close(ctx))
		assert.ErrorIs(t, s.WriteHeader(ctx, columns), sink.ErrClosed)
		assert.Equal(t, "id;a,b;\" c\"\n1;\"x;y\";\n", out.String())
	})
	t.Run("WriteHeader with the header off", func(t *testing.T) {
		var out bytes.Buffer
		s, err := sink.NewCSV(&out, sink.CSVConfig{NoHeader: true})
		require.NoError(t, err)
		require.NoError(t, s.WriteHeader(ctx, page(t, cols).Columns))
		assert.Empty(t, out.String())
	})
	t.Run("off", func(t *testing.T) {
		var out bytes.Buffer
		s, err := sink.NewCSV(&out, sink.CSVConfig{NoHeader: true, Null: "NULL", Delimiter: '|', CRLF: true})
		require.NoError(t, err)
		require.NoError(t, s.Write(ctx, page(t, cols)))
		require.NoError(t, s.Write(ctx, page(t, cols, []any{1, nil, "a|b"}, []any{nil, "", "NULL"})))
		assert.Equal(t, "1|NULL|\"a|b\"\r\nNULL|\"\"|NULL\r\n", out.String(),
			"a text equal to the null string is ambiguous, as in dsbulk")
	})
}

func TestCSVLifecycle(t *testing.T) {
	ctx := context.Background()
	var out bytes.Buffer
	s, err := sink.NewCSV(&out, sink.CSVConfig{})
	require.NoError(t, err)
	require.NoError(t, s.Close(ctx))
	require.NoError(t, s.Close(ctx), "Close is idempotent")
	assert.ErrorIs(t, s.Write(ctx, page(t, []col{{"v", "int"}}, []any{1})), sink.ErrClosed)
	assert.Empty(t, out.String(), "no batch, no columns, no header")
}

func TestCSVConfigValidate(t *testing.T) {
	tests := []struct {
		name  string
		cfg   sink.CSVConfig
		wants []string // fields named in the error; none for a valid config
	}{
		{"zero", sink.CSVConfig{}, nil},
		{"all set", sink.CSVConfig{Delimiter: '\t', NoHeader: true, Null: `\N`, CRLF: true}, nil},
		{"quote delimiter", sink.CSVConfig{Delimiter: '"'}, []string{"Delimiter"}},
		{"LF delimiter", sink.CSVConfig{Delimiter: '\n'}, []string{"Delimiter"}},
		{"CR delimiter", sink.CSVConfig{Delimiter: '\r'}, []string{"Delimiter"}},
		{"invalid rune delimiter", sink.CSVConfig{Delimiter: 0xD800}, []string{"Delimiter"}},
		{"replacement delimiter", sink.CSVConfig{Delimiter: '\uFFFD'}, []string{"Delimiter"}},
		{"null with delimiter", sink.CSVConfig{Null: "a,b"}, []string{"Null"}},
		{"null with other delimiter", sink.CSVConfig{Delimiter: ';', Null: "a;b"}, []string{"Null"}},
		{"null with quote", sink.CSVConfig{Null: `"`}, []string{"Null"}},
		{"null with space", sink.CSVConfig{Null: " null"}, []string{"Null"}},
		{"both", sink.CSVConfig{Delimiter: '"', Null: "\n"}, []string{"Delimiter", "Null"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			_, newErr := sink.NewCSV(&bytes.Buffer{}, tc.cfg)
			if tc.wants == nil {
				assert.NoError(t, err)
				assert.NoError(t, newErr)
				return
			}
			require.ErrorIs(t, err, sink.ErrInvalidConfig)
			require.ErrorIs(t, newErr, sink.ErrInvalidConfig)
			for _, w := range tc.wants {
				assert.Contains(t, err.Error(), "CSVConfig."+w)
			}
		})
	}
}

// TestCSVReadsBack checks that encoding/csv reads our output back to the
// fields we meant, for the text forms of every mapping case and for
// awkward text.
func TestCSVReadsBack(t *testing.T) {
	for _, delim := range []rune{',', ';', '\t', '§'} {
		var out bytes.Buffer
		s, err := sink.NewCSV(&out, sink.CSVConfig{Delimiter: delim})
		require.NoError(t, err)
		texts := []string{"", "a", " a", "a ", `"`, `a""b`, "a\nb", "\n", ",", ";", "\t", "§", `\.`, "x§y,z;w\tv", "\u00a0"}
		want := [][]string{{"v"}}
		for _, x := range texts {
			require.NoError(t, s.Write(context.Background(), page(t, []col{{"v", "text"}}, []any{x})))
			want = append(want, []string{x})
		}
		for _, tc := range mappingCases {
			if tc.csv == "" {
				continue // a null in a one-column row is an empty line, which readers skip
			}
			require.NoError(t, s.Write(context.Background(), page(t, []col{{"v", tc.typ}}, []any{tc.in})))
			var field string
			if tc.csv != `""` {
				r := csv.NewReader(strings.NewReader(tc.csv))
				rec, err := r.Read()
				require.NoError(t, err, tc.name)
				field = rec[0]
			}
			want = append(want, []string{field})
		}
		r := csv.NewReader(&out)
		r.Comma = delim
		got, err := r.ReadAll()
		require.NoError(t, err)
		assert.Equal(t, want, got, "delimiter %q", delim)
	}
}
