package cqlvalue_test

import (
	"fmt"
	"math/big"

	"github.com/ringscan/ringscan/sink/cqlvalue"
)

// A sink that renders serialized values itself writes the text the
// built-in sinks write.
func ExampleAppendTimestamp() {
	var line []byte
	line = cqlvalue.AppendTimestamp(line, 1767268800123) // a timestamp: ms since the epoch
	line = append(line, ' ')
	line, _ = cqlvalue.AppendInet(line, []byte{10, 0, 0, 1})
	line = append(line, ' ')
	var digits cqlvalue.Digits
	line, _ = digits.AppendDecimal(line, []byte{0, 0, 0, 3, 0x04, 0xe2}) // scale 3, unscaled 1250
	fmt.Println(string(line))
	// Output: 2026-01-01T12:00:00.123Z 10.0.0.1 1.250
}

// The values Batch.Decode returns print as cqlsh prints them.
func ExampleDuration() {
	fmt.Println(cqlvalue.Duration{Months: 14, Days: 3, Nanos: 90e9})
	fmt.Println(cqlvalue.Date(20454), cqlvalue.Decimal{Unscaled: big.NewInt(-5), Scale: 3})
	// Output:
	// 1y2mo3d1m30s
	// 2026-01-01 -0.005
}
