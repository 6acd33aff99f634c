package cli

import (
	"errors"
	"io"

	"github.com/ringscan/ringscan/sink"
)

// newParquetEncoder is replaced by the Parquet sink.
func newParquetEncoder(io.Writer, bool) (sink.Sink, error) {
	return nil, errors.New("--format parquet is not implemented yet")
}
