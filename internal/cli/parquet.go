package cli

import (
	"io"

	"github.com/ringscan/ringscan/sink"
	"github.com/ringscan/ringscan/sink/parquet"
)

// newParquetEncoder makes the Parquet sink of one output file. A Parquet
// file is complete only when its footer is written, so every file,
// including a continued one, starts with the schema of cols.
func newParquetEncoder(w io.Writer, _ bool, cols []sink.Column) (sink.Sink, error) {
	return parquet.New(w, cols, parquet.Config{})
}
