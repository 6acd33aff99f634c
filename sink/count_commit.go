package sink

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
)

// countState is a Count's committed state.
type countState struct {
	Kind   string            `json:"kind"` // "count"
	Rows   int64             `json:"rows"`
	Bytes  int64             `json:"bytes"`
	Pages  int64             `json:"pages"`
	Ranges map[int]Counts    `json:"ranges,omitempty"`
	Hosts  map[string]Counts `json:"hosts,omitempty"`
}

var _ Committer = (*Count)(nil)

// Commit returns the counts so far: a Count is a Committer, so that a
// checkpointed count resumes with the counts of its earlier runs, per
// subrange and per host too.
func (c *Count) Commit(context.Context) ([]byte, error) {
	c.mu.Lock()
	st := countState{Kind: "count", Ranges: maps.Clone(c.ranges), Hosts: maps.Clone(c.hosts)}
	c.mu.Unlock()
	st.Rows, st.Bytes, st.Pages = c.rows.Load(), c.bytes.Load(), c.pages.Load()
	return json.Marshal(st)
}

// Restore sets the counts to a committed state (nil: zero), replacing
// what was counted.
func (c *Count) Restore(_ context.Context, state []byte) error {
	var st countState
	if state != nil {
		if err := json.Unmarshal(state, &st); err != nil || st.Kind != "count" {
			return fmt.Errorf("the checkpoint was not written by a count: its sink state is %.80s", state)
		}
	}
	c.mu.Lock()
	c.ranges, c.hosts = st.Ranges, st.Hosts
	if c.ranges == nil {
		c.ranges, c.hosts = map[int]Counts{}, map[string]Counts{}
	}
	if c.hosts == nil {
		c.hosts = map[string]Counts{}
	}
	c.mu.Unlock()
	c.rows.Store(st.Rows)
	c.bytes.Store(st.Bytes)
	c.pages.Store(st.Pages)
	return nil
}
