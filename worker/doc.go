// Package worker is the concurrent range pager behind the scanner: it reads
// a plan's subranges concurrently through a small Fetcher interface and
// hands their pages to an Output, every row exactly once, with bounded
// memory. It knows nothing of the driver, of tables or of checkpoints.
//
// # Pool
//
// Run starts at most Config.Concurrency subranges at once (an errgroup with
// SetLimit) and caps the page requests in flight to any one host at
// Config.PerHost. Each subrange's pages go to one of its replicas: the
// rotation starts at a different replica per subrange, prefers the least
// busy one, and moves to the next replica when a request fails.
//
// # Paging and writing overlap
//
// A subrange's goroutine fetches a page, hands it to the single writer
// goroutine through a channel of Config.QueueDepth pages, and fetches the
// next page while the Output writes the previous one. Every send is
// cancellable. When the Output is slow the channel fills and readers wait,
// so memory stays bounded: at most Concurrency + QueueDepth + 1 pages exist,
// about (Concurrency + QueueDepth + 1) × page size × row size bytes.
//
// # Cursors and the Output
//
// A Cursor is where a subrange stands: the paging state of its statement
// with the end bound that statement was issued with, the position to read
// after (when a paging state was refused or none was kept), and the last
// row handed on. The Output receives every page with the cursor after it,
// from one goroutine, in order per subrange: what it records of cursors is
// consistent with what it wrote. It also records every split (Output.Split)
// before the split can affect a page.
//
// # Splitting running subranges
//
// When no subrange is left to start, an idle goroutine takes the second
// half of the running subrange with the most rows left (splitter, in
// split.go), if the Fetcher is a Trimmer. The owner keeps its statement (a
// paging state is only valid with its own statement and values) and drops
// the rows past its new end.
//
// # Retries and resume
//
// Timeouts, Unavailable, Overloaded, read failures, server errors and
// connection errors are retried with exponential backoff and jitter, on the
// next replica, up to Config.Retries times per page. A retried page resumes
// from the subrange's last paging state, never from the beginning. When a
// server refuses a paging state, the subrange resumes from a token bound:
// token(pk) >= the last row's token, skipping the rows up to and including
// the last row handed on, so no row is lost or emitted twice.
//
// # Rate
//
// Config.RowsPerSecond caps the rows read: a request first takes its page
// size from a token bucket, so that no row is read before it is granted;
// what a short page did not use goes back at once.
//
// # Failures
//
// A subrange that exhausts its retries becomes a *RangeError naming the
// subrange, the hosts tried and where to resume. Config.MaxFailedRanges
// chooses between failing fast (0) and going on up to a number of failed
// subranges, in which case Run returns a *PartialError.
package worker
