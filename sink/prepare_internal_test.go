package sink

import (
	"encoding/binary"
	"io"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPrepareRendersAtMostWorkers checks that at most Workers calls of
// Prepare render at once, the others waiting for one to end: a scan's
// many goroutines would otherwise each hold a text half made (issue 13:
// the memory, and the CPU of clearing it). Fails if Prepare renders
// without taking a turn, or does not give its turn back.
func TestPrepareRendersAtMostWorkers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, err := NewJSONLinesConfig(io.Discard, JSONConfig{TextConfig: TextConfig{Workers: 2}})
		require.NoError(t, err)
		col, err := NewColumn("id", "int")
		require.NoError(t, err)
		b := NewBatch([]Column{col}, 1)
		b.AppendValue(binary.BigEndian.AppendUint32(nil, 7))

		s.rendering <- struct{}{} // two Prepares rendering
		s.rendering <- struct{}{}
		go s.Prepare(b)
		synctest.Wait()
		assert.True(t, b.prep.by == nil, "rendered while two others did")
		<-s.rendering // one of them ends
		synctest.Wait()
		assert.Equal(t, "{\"id\":7}\n", string(b.prep.text))
		assert.Len(t, s.rendering, 1, "its turn given back")
	})
}
