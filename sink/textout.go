package sink

import (
	"fmt"
	"io"
)

// textOut is the buffered output of the text sinks: rows are rendered
// into buf and handed to w in chunks. The first write error sticks.
type textOut struct {
	w    io.Writer
	what string // names the sink in errors
	buf  []byte
	err  error
}

// flush writes buf to the writer and empties it.
func (o *textOut) flush() error {
	if len(o.buf) == 0 {
		return nil
	}
	_, err := o.w.Write(o.buf)
	o.buf = o.buf[:0]
	if err != nil {
		o.err = fmt.Errorf("%s: %w", o.what, err)
		return o.err
	}
	return nil
}
