package sink_test

import (
	"bytes"
	"context"
	"fmt"

	"github.com/parquet-go/parquet-go"

	"github.com/ringscan/ringscan/sink"
)

func ExampleParquet() {
	ctx := context.Background()
	b := users()
	var file bytes.Buffer // usually an *os.File, which the caller closes
	s, err := sink.NewParquet(&file, b.Columns, sink.ParquetConfig{Compression: "zstd"})
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

	f, err := parquet.OpenFile(bytes.NewReader(file.Bytes()), int64(file.Len()))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.NumRows(), "rows")
	fmt.Println(f.Schema())
	// Output:
	// 2 rows
	// message ringscan {
	// 	optional fixed_len_byte_array(16) id (UUID);
	// 	optional binary name (STRING);
	// 	optional int64 joined (TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS));
	// 	optional binary score (STRING);
	// 	optional group tags (MAP) {
	// 		repeated group key_value {
	// 			required binary key (STRING);
	// 			optional int32 value (INT(32,true));
	// 		}
	// 	}
	// }
}
