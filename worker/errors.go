package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/ringscan/ringscan/ring"
)

// ErrTooManyTombstones is wrapped by the error of a subrange whose page a
// server refused to read for the tombstones it met: Cassandra's
// TombstoneOverwhelmingException past tombstone_failure_threshold, a
// ReadFailure with reason READ_TOO_MANY_TOMBSTONES. Every replica holds
// the same tombstones and fails the same way, so the page is not retried.
var ErrTooManyTombstones = errors.New("too many tombstones")

// tombstonesError explains ErrTooManyTombstones and keeps the server's
// error.
type tombstonesError struct{ err error }

func (e *tombstonesError) Error() string {
	return "too many tombstones: the read scanned past the server's tombstone_failure_threshold, " +
		"which every replica hits alike, so it was not retried; read with a smaller page size (--page-size) " +
		"or more splits (--splits): " + e.err.Error()
}

func (e *tombstonesError) Unwrap() []error { return []error{ErrTooManyTombstones, e.err} }

// readTooManyTombstones is the failure reason code of protocol v5's
// <reasonmap> for READ_TOO_MANY_TOMBSTONES.
const readTooManyTombstones = 0x0001

// tooManyTombstones recognises a read failure caused by tombstones: by its
// reason code (protocol v5) or, in v4, by the message, which names the
// reason READ_TOO_MANY_TOMBSTONES (or, with Cassandra 4.1's
// read_thresholds_enabled, says how many tombstones aborted the query).
func tooManyTombstones(rf *gocql.RequestErrReadFailure) bool {
	for _, code := range rf.ErrorMap {
		if code == readTooManyTombstones {
			return true
		}
	}
	return strings.Contains(strings.ToLower(rf.Message()), "tombstone")
}

// explain wraps the error of a failed page request as its kind calls for.
func explain(kind string, err error) error {
	switch kind {
	case "too_many_tombstones":
		return &tombstonesError{err: err}
	case "frame_too_big":
		// gocql answers ErrFrameTooBig for a request frame it will not
		// send as for a response it will not read: either way a page of
		// one row cannot be read.
		return fmt.Errorf("the driver refuses a frame past %d MiB even for a page of one row: the request is too big to send "+
			"(its statement, a Where condition included, or its bound values), or that one row too big to read: %w", MaxFrameBytes>>20, err)
	}
	return err
}

// RangeError reports a subrange that could not be read.
type RangeError struct {
	// ID and Range identify the subrange; Piece is set for a piece of a
	// split partition.
	ID    int
	Range ring.Range
	Piece *Piece
	// Attempts is the number of page requests tried for the failing page.
	Attempts int
	// Rows were handed to the sink before the failure; Cursor is where to
	// resume.
	Rows   int64
	Cursor Cursor
	// Hosts are the replicas tried, in order.
	Hosts []string
	Err   error
}

func (e *RangeError) Error() string {
	return fmt.Sprintf("range %d %s failed after %d attempts on %s (%d rows read before): %v",
		e.ID, e.Range, e.Attempts, strings.Join(e.Hosts, ", "), e.Rows, e.Err)
}

func (e *RangeError) Unwrap() error { return e.Err }

// PartialError is returned when the scan finished but some subranges
// failed, within Config.MaxFailedRanges.
type PartialError struct {
	Failed []*RangeError // by subrange id
}

func (e *PartialError) Error() string {
	ids := make([]string, 0, len(e.Failed))
	for _, f := range e.Failed {
		ids = append(ids, fmt.Sprint(f.ID))
	}
	return fmt.Sprintf("%d ranges failed (%s); first: %v", len(e.Failed), strings.Join(ids, ", "), e.Failed[0])
}

// Unwrap returns the range errors.
func (e *PartialError) Unwrap() []error {
	out := make([]error, len(e.Failed))
	for i, f := range e.Failed {
		out[i] = f
	}
	return out
}

// errClass is how the worker treats a failed page request.
type errClass int

const (
	// fatal errors abort the range at once: bad statements, auth.
	fatal errClass = iota
	// retryable errors are retried with backoff, on the next replica.
	retryable
	// refused paging states fall back to a token bound.
	refusedState
	// tooBig is a frame past MaxFrameBytes, which the driver refuses:
	// asked again at once, for fewer rows, down to one.
	tooBig
)

// MaxFrameBytes is the largest frame gocql sends or reads (its
// maxFrameSize, 256 MiB). It discards a larger response and answers
// ErrFrameTooBig, so that a page of that many bytes can only be asked
// again for fewer rows. It refuses a larger request with the same
// ErrFrameTooBig, before sending it: fewer rows do not make that one
// smaller, but the pool cannot tell the two apart, so a request too big
// is asked again down to one row and then fails its subrange, whose
// error names both causes. The statements of a scan hold little besides
// their Where condition, which the scanner sends when it plans, where
// its size is refused (scanner.Config.Where); bound keys are at most 64
// KiB a value in Cassandra.
const MaxFrameBytes = 256 << 20

// classify sorts a page request error. Kind names it for statistics.
func classify(err error) (errClass, string) {
	var (
		rt  *gocql.RequestErrReadTimeout
		wt  *gocql.RequestErrWriteTimeout
		un  *gocql.RequestErrUnavailable
		rf  *gocql.RequestErrReadFailure
		req gocql.RequestError
		ne  net.Error
	)
	switch {
	case errors.Is(err, ErrPageStateRefused):
		return refusedState, "paging_state_refused"
	case errors.Is(err, gocql.ErrFrameTooBig):
		return tooBig, "frame_too_big"
	case errors.As(err, &rt):
		return retryable, "read_timeout"
	case errors.As(err, &wt):
		return retryable, "write_timeout"
	case errors.As(err, &un):
		return retryable, "unavailable"
	case errors.As(err, &rf) && tooManyTombstones(rf):
		return fatal, "too_many_tombstones"
	case errors.As(err, &rf):
		return retryable, "read_failure"
	case errors.As(err, &req):
		switch req.Code() {
		case gocql.ErrCodeOverloaded:
			return retryable, "overloaded"
		case gocql.ErrCodeBootstrapping:
			return retryable, "bootstrapping"
		case gocql.ErrCodeServer:
			return retryable, "server_error"
		case gocql.ErrCodeTruncate:
			return retryable, "truncate_error"
		}
		return fatal, "request_error"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, gocql.ErrTimeoutNoResponse):
		return retryable, "timeout"
	case errors.Is(err, gocql.ErrConnectionClosed), errors.Is(err, gocql.ErrNoConnections),
		errors.Is(err, gocql.ErrNoStreams),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.As(err, &ne),
		// A connection closed under a request (a node going down) ends it
		// with EOF, or with context.Canceled: gocql prepares statements
		// under the connection's context. The worker checks its own
		// context before it classifies.
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed),
		errors.Is(err, context.Canceled):
		return retryable, "connection"
	}
	return fatal, "other"
}
