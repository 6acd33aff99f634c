package scanner

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/ringscan/ringscan/ring"
	"github.com/ringscan/ringscan/worker"
)

// Cursor is where one subrange's scan stands: the paging state of the
// statement being paged (with the bounds it belongs to) and the last row
// handed to the sink, from which a refused paging state resumes. The zero
// Cursor reads a subrange from its start.
//
// A Cursor is a value. It encodes as JSON (an object) and as text (the
// same JSON, compact), both self-contained: tokens carry their
// partitioner, keys are base64.
type Cursor struct {
	c worker.Cursor
}

// Done reports whether the subrange was read to its end.
func (c Cursor) Done() bool { return c.c.Done }

// LastToken returns the token of the last row handed on, if any.
func (c Cursor) LastToken() (ring.Token, bool) {
	if c.c.Last == nil {
		return ring.Token{}, false
	}
	return c.c.Last.Token, true
}

// positionJSON is a row position: its token and its primary key values,
// base64, "-" for null.
type positionJSON struct {
	Token ring.Token `json:"token"`
	Key   []string   `json:"key"`
}

// cursorJSON is Cursor's encoded form.
type cursorJSON struct {
	Done      bool          `json:"done,omitempty"`
	PageState string        `json:"page_state,omitempty"` // base64
	End       *ring.Token   `json:"end,omitempty"`        // the statement's end, with PageState
	After     *positionJSON `json:"after,omitempty"`
	Last      *positionJSON `json:"last,omitempty"`
}

// nullKey stands for a null key value (a static-only partition's
// clustering values).
const nullKey = "-"

func encodePosition(p *worker.Position) *positionJSON {
	if p == nil {
		return nil
	}
	out := &positionJSON{Token: p.Token, Key: make([]string, len(p.Key))}
	for i, k := range p.Key {
		if k == nil {
			out.Key[i] = nullKey
			continue
		}
		out.Key[i] = base64.StdEncoding.EncodeToString(k)
	}
	return out
}

func decodePosition(in *positionJSON) (*worker.Position, error) {
	if in == nil {
		return nil, nil
	}
	out := &worker.Position{Token: in.Token, Key: make([][]byte, len(in.Key))}
	for i, k := range in.Key {
		if k == nullKey {
			continue
		}
		v, err := base64.StdEncoding.DecodeString(k)
		if err != nil {
			return nil, fmt.Errorf("key value %d: %w", i, err)
		}
		if v == nil {
			v = []byte{}
		}
		out.Key[i] = v
	}
	return out, nil
}

func (c Cursor) encode() cursorJSON {
	out := cursorJSON{Done: c.c.Done, After: encodePosition(c.c.After), Last: encodePosition(c.c.Last)}
	if c.c.PageState != nil && !c.c.Done {
		out.PageState = base64.StdEncoding.EncodeToString(c.c.PageState)
		end := c.c.End
		out.End = &end
	}
	if c.c.Done {
		out.After = nil
	}
	return out
}

func (in cursorJSON) decode() (Cursor, error) {
	var c Cursor
	c.c.Done = in.Done
	var err error
	if in.PageState != "" {
		if c.c.PageState, err = base64.StdEncoding.DecodeString(in.PageState); err != nil {
			return Cursor{}, fmt.Errorf("paging state: %w", err)
		}
		if in.End == nil {
			return Cursor{}, fmt.Errorf("a paging state without its statement's end")
		}
		c.c.End = *in.End
	}
	if c.c.After, err = decodePosition(in.After); err != nil {
		return Cursor{}, fmt.Errorf("after: %w", err)
	}
	if c.c.Last, err = decodePosition(in.Last); err != nil {
		return Cursor{}, fmt.Errorf("last: %w", err)
	}
	return c, nil
}

// MarshalJSON encodes the cursor as a JSON object.
func (c Cursor) MarshalJSON() ([]byte, error) { return json.Marshal(c.encode()) }

// UnmarshalJSON decodes MarshalJSON's form.
func (c *Cursor) UnmarshalJSON(data []byte) error {
	var in cursorJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return fmt.Errorf("cursor: %w", err)
	}
	out, err := in.decode()
	if err != nil {
		return fmt.Errorf("cursor: %w", err)
	}
	*c = out
	return nil
}

// MarshalText encodes the cursor as compact JSON text.
func (c Cursor) MarshalText() ([]byte, error) { return c.MarshalJSON() }

// UnmarshalText decodes MarshalText's form.
func (c *Cursor) UnmarshalText(text []byte) error { return c.UnmarshalJSON(text) }
