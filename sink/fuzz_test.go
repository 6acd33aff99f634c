package sink_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"testing"

	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/sink"
)

// fuzzTypes are the column types FuzzSinks picks from.
var fuzzTypes = []string{
	"text", "int", "bigint", "varint", "decimal", "double", "float", "timestamp", "date",
	"time", "duration", "inet", "uuid", "blob", "boolean", "smallint",
	"list<int>", "set<text>", "map<text, double>", "map<frozen<list<varint>>, frozen<map<int, text>>>",
	"tuple<int, text, frozen<list<decimal>>>", "list<frozen<tuple<timestamp, inet>>>",
}

// FuzzSinks feeds arbitrary bytes to JSONLines and CSV: they never panic,
// fail only with ErrInvalidValue, and render every value that cqltype
// accepts as valid JSON and readable CSV.
func FuzzSinks(f *testing.F) {
	for i, typ := range fuzzTypes {
		for _, tc := range mappingCases {
			if tc.typ == typ && tc.in != nil {
				t, _ := cqltype.Parse(typ)
				if v, err := cqltype.Encode(t, tc.in); err == nil {
					f.Add(uint8(i), v)
				}
			}
		}
		f.Add(uint8(i), []byte{0, 0, 0, 1, 0, 0, 0, 4, 1, 2, 3, 4})
	}
	f.Fuzz(func(t *testing.T, pick uint8, v []byte) {
		typ := fuzzTypes[int(pick)%len(fuzzTypes)]
		c, err := sink.NewColumn("v", typ)
		if err != nil {
			t.Fatal(err)
		}
		b := sink.NewBatch([]sink.Column{c, c}, 0)
		b.AppendValue(v)
		b.AppendValue([]byte{}) // empty, for contrast
		valid := cqltype.Validate(typeOf(t, c), v) == nil

		var out bytes.Buffer
		err = sink.NewJSONLines(&out).Write(context.Background(), b)
		switch {
		case err != nil && valid:
			t.Fatalf("%s %x: valid value refused: %v", typ, v, err)
		case err != nil:
			if !errors.Is(err, sink.ErrInvalidValue) {
				t.Fatalf("%s %x: %v", typ, v, err)
			}
		case !json.Valid(out.Bytes()):
			t.Fatalf("%s %x: invalid JSON %s", typ, v, out.Bytes())
		}

		out.Reset()
		s, err := sink.NewCSV(&out, sink.CSVConfig{})
		if err != nil {
			t.Fatal(err)
		}
		err = s.Write(context.Background(), b)
		switch {
		case err != nil && valid:
			t.Fatalf("%s %x: valid value refused: %v", typ, v, err)
		case err != nil:
		default:
			recs, err := csv.NewReader(&out).ReadAll()
			if err != nil || len(recs) != 2 || len(recs[1]) != 2 {
				t.Fatalf("%s %x: unreadable CSV %q: %v", typ, v, out.String(), err)
			}
		}
	})
}
