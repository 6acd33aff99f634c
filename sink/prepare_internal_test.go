package sink

import (
	"encoding/binary"
	"io"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPrepareRendersAtMostWorkers checks, for JSON Lines and CSV, that at
// most Workers calls of Prepare render at once, the others waiting for one
// to end: a scan's many goroutines would otherwise each hold a text half
// made (issue 13: the memory, and the CPU of clearing it). Fails if
// Prepare renders without taking a turn, or does not give its turn back.
func TestPrepareRendersAtMostWorkers(t *testing.T) {
	two := TextConfig{Workers: 2}
	for _, tc := range []struct {
		name string
		new  func() (Preparer, *textPrep, error)
		want string
	}{
		{"jsonl", func() (Preparer, *textPrep, error) {
			s, err := NewJSONLinesConfig(io.Discard, JSONConfig{TextConfig: two})
			return s, &s.prep, err
		}, "{\"id\":7}\n"},
		{"csv", func() (Preparer, *textPrep, error) {
			s, err := NewCSV(io.Discard, CSVConfig{TextConfig: two})
			return s, &s.prep, err
		}, "7\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s, p, err := tc.new()
				require.NoError(t, err)
				col, err := NewColumn("id", "int")
				require.NoError(t, err)
				b := NewBatch([]Column{col}, 1)
				b.AppendValue(binary.BigEndian.AppendUint32(nil, 7))

				p.rendering <- struct{}{} // two Prepares rendering
				p.rendering <- struct{}{}
				go s.Prepare(b)
				synctest.Wait()
				assert.True(t, b.prep.by == nil, "rendered while two others did")
				<-p.rendering // one of them ends
				synctest.Wait()
				assert.Equal(t, tc.want, string(b.prep.text))
				assert.Len(t, p.rendering, 1, "its turn given back")
			})
		})
	}
}
