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

// writeRows renders rows 0 to n-1 into buf with row, which appends row i
// to buf and returns it, extended, even with an error. buf goes to the
// writer in flushAt-sized chunks. When a row fails, the row is dropped,
// the rows before it are flushed and row's error is returned, unless the
// flush fails. The rows are appended to whatever buf already holds.
func (o *textOut) writeRows(n int, row func(buf []byte, i int) ([]byte, error)) error {
	buf := o.buf
	for i := range n {
		start := len(buf)
		var err error
		if buf, err = row(buf, i); err != nil {
			o.buf = buf[:start]
			if werr := o.flush(); werr != nil {
				return werr
			}
			return err
		}
		if len(buf) >= flushAt {
			o.buf = buf
			if err := o.flush(); err != nil {
				return err
			}
			buf = o.buf
		}
	}
	o.buf = buf
	return o.flush()
}
