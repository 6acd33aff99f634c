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

// Preparer is implemented by sinks that can do the costly part of a Write
// ahead of it, on another goroutine: JSONLines and CSV render a page's
// rows in Prepare, and the Write of a prepared batch passes the text on.
// A scan calls Prepare on the goroutine that read the page, before the page
// waits for its turn, so that pages of different subranges are rendered
// at once on every core while one goroutine writes them in order.
//
// Prepare may be called concurrently with other Prepare calls and with
// Write and Close, each call with a batch of its own; it must not keep b.
// It reports nothing: a malformed value is returned by the Write of b, as
// it would be without Prepare, after the rows before it are written. A
// batch given rows or truncated after Prepare, or written to a sink that
// renders otherwise, is written as if it had not been prepared. (A
// JSONLines or CSV writes the text any sink of its kind and options
// prepared: one sink may prepare the pages of an output whose files each
// have a sink.) Write's output is the same with or without Prepare.
type Preparer interface {
	Sink
	Prepare(b *Batch)
}

// Committer is implemented by sinks whose output must be durable before a
// checkpoint that counts its rows is saved, such as a directory of files.
// A scan with a checkpoint store (scanner.WithCheckpoint) calls Commit,
// from the goroutine that calls Write, before every save of the
// checkpoint, and Restore once at the start of a resumed scan, before any
// Write. A sink that is not a Committer is taken to be durable when Write
// returns.
type Committer interface {
	Sink
	// Commit makes every row written so far durable (flush buffers, end
	// compression frames, fsync) and returns the sink's state: a JSON
	// document describing what is committed (files and their sizes, say)
	// and every option that shapes the bytes written.
	Commit(ctx context.Context) (state []byte, err error)
	// Restore is called with the state of the last commit the checkpoint
	// counts, nil if it records none. The sink discards everything it
	// wrote after that commit, and refuses, with an error naming the
	// option, a state committed with options other than its own.
	Restore(ctx context.Context, state []byte) error
}
