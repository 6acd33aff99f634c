package sink

import "context"

// Sink receives the rows of a scan, one page at a time.
//
// The scanner calls Write from one goroutine at a time, never
// concurrently, in no particular range order: pages of different subranges
// interleave, pages of one subrange arrive in token order. A Sink therefore
// needs no locking for calls made by one scan. Write must not keep b, or
// any slice obtained from it, after it returns. An error from Write aborts
// the scan. Close is called once at the end of a scan, successful or not,
// flushes what is buffered and is idempotent.
type Sink interface {
	Write(ctx context.Context, b *Batch) error
	Close(ctx context.Context) error
}

// SinkFunc adapts a function to a Sink whose Close does nothing.
type SinkFunc func(ctx context.Context, b *Batch) error

// Write calls f.
func (f SinkFunc) Write(ctx context.Context, b *Batch) error { return f(ctx, b) }

// Close does nothing.
func (f SinkFunc) Close(context.Context) error { return nil }

var _ Sink = SinkFunc(nil)
