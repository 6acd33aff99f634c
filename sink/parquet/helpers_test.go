package parquet_test

import (
	"github.com/ringscan/ringscan/sink/internal/sinktest"
)

// The helpers of sinktest, under the names these tests use.
type (
	raw = sinktest.Raw
	col = sinktest.Col
)

var (
	page          = sinktest.Page
	wire          = sinktest.Wire
	bigInt        = sinktest.BigInt
	dec           = sinktest.Dec
	realisticPage = sinktest.RealisticPage
	columnOf      = sinktest.Column
	columnType    = sinktest.TypeOf
)
