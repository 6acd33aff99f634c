package parquet_test

import (
	"bytes"
	"context"
	"fmt"
	"time"

	parquetgo "github.com/parquet-go/parquet-go"

	"github.com/ringscan/ringscan/internal/cqltype"
	"github.com/ringscan/ringscan/sink"
	"github.com/ringscan/ringscan/sink/parquet"
)

// users returns a page of two rows, as the scanner would deliver it.
func users() *sink.Batch {
	var cols []sink.Column
	var types []cqltype.Type
	for _, c := range [][2]string{{"id", "uuid"}, {"name", "text"}, {"joined", "timestamp"}, {"score", "decimal"}, {"tags", "map<text, int>"}} {
		col, err := sink.NewColumn(c[0], c[1])
		if err != nil {
			panic(err)
		}
		t, err := cqltype.Parse(c[1])
		if err != nil {
			panic(err)
		}
		cols, types = append(cols, col), append(types, t)
	}
	b := sink.NewBatch(cols, 0)
	for _, row := range [][]any{
		{"5bd8c6e0-e73a-11ee-8000-000000000001", "Ada, \"the first\"", time.Date(2026, 1, 1, 12, 0, 0, 123e6, time.UTC), "1.250", map[string]int{"admin": 1}},
		{"5bd8c6e0-e73a-11ee-8000-000000000002", "", nil, "-0.5", nil},
	} {
		for i, v := range row {
			w, err := cqltype.Encode(types[i], v)
			if err != nil {
				panic(err)
			}
			b.AppendValue(w)
		}
	}
	return b
}

func Example() {
	ctx := context.Background()
	b := users()
	var file bytes.Buffer // usually an *os.File, which the caller closes
	s, err := parquet.New(&file, b.Columns, parquet.Config{Compression: "zstd"})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := s.Write(ctx, b); err != nil {
		fmt.Println(err)
	}
	if err := s.Close(ctx); err != nil { // writes the footer
		fmt.Println(err)
	}

	f, err := parquetgo.OpenFile(bytes.NewReader(file.Bytes()), int64(file.Len()))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.NumRows(), "rows")
	fmt.Println(f.Schema())
	// Output:
	// 2 rows
	// message ringscan {
	// 	optional binary id (STRING);
	// 	optional binary name (STRING);
	// 	optional int64 joined (TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS));
	// 	optional fixed_len_byte_array(16) score (DECIMAL(38,18));
	// 	optional group tags (MAP) {
	// 		repeated group key_value {
	// 			required binary key (STRING);
	// 			optional int32 value (INT(32,true));
	// 		}
	// 	}
	// }
}
