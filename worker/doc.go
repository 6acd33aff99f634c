// Package worker reads a split plan's subranges concurrently and hands their
// pages to a sink, every row exactly once, with bounded memory.
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
// next page while the sink writes the previous one. Every send is
// cancellable. When the sink is slow the channel fills and readers wait, so
// memory stays bounded: at most Concurrency + QueueDepth + 1 pages exist,
// about (Concurrency + QueueDepth + 1) × page size × row size bytes.
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
// # Failures
//
// A subrange that exhausts its retries becomes a *RangeError naming the
// subrange, the hosts tried and where to resume. Config.MaxFailedRanges
// chooses between failing fast (0) and going on up to a number of failed
// subranges, in which case Run returns a *PartialError.
package worker
