package rowsum

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSumIsOrderIndependentAndSensitive(t *testing.T) {
	rows := [][][]byte{
		{[]byte("a"), nil, []byte{1, 2}},
		{[]byte("b"), []byte{}, []byte{3}},
		{[]byte("c"), []byte("x"), nil},
	}
	var fwd, rev Sum
	for i := range rows {
		fwd.Add(rows[i])
		rev.Add(rows[len(rows)-1-i])
	}
	assert.Equal(t, fwd, rev)

	var dup Sum
	dup.Merge(fwd)
	dup.Add(rows[0])
	assert.NotEqual(t, fwd, dup)

	// null and empty differ, and so do shifted boundaries.
	assert.NotEqual(t, Row([][]byte{nil}), Row([][]byte{{}}))
	assert.NotEqual(t, Row([][]byte{[]byte("ab"), []byte("c")}), Row([][]byte{[]byte("a"), []byte("bc")}))
}
