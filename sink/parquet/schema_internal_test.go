package parquet

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ringscan/ringscan/internal/cqltype"
)

// TestSchemaErrors covers types that no sink.Column can carry (a column
// is built from type text or a protocol [option], which refuse them), in
// case one ever reaches the schema builder.
func TestSchemaErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		typ  cqltype.Type
		want []string
	}{
		{"empty tuple", cqltype.Type{Kind: cqltype.Tuple}, []string{"column t of type tuple<>", "at least one field"}},
		{"unknown kind", cqltype.Type{Kind: 0x00ff}, []string{"column t", "no Parquet mapping"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sb schemaBuilder
			_, _, err := sb.columnOf("t", tc.typ.String(), tc.typ)
			require.ErrorIs(t, err, ErrInvalidConfig)
			for _, w := range tc.want {
				assert.ErrorContains(t, err, w)
			}
		})
	}
}
