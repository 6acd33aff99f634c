package cqlsim

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/ringscan/ringscan/cqlsim/internal/cqlproto"
)

// reqError is an error answered to the client as an ERROR message.
type reqError struct {
	code int32
	msg  string
	// body appends the code-specific fields after the message.
	body func(dst []byte) []byte
}

func (e *reqError) Error() string { return e.msg }

func (e *reqError) appendBody(dst []byte) []byte {
	dst = cqlproto.AppendInt(dst, e.code)
	dst = cqlproto.AppendString(dst, e.msg)
	if e.body != nil {
		dst = e.body(dst)
	}
	return dst
}

func invalidf(format string, args ...any) *reqError {
	return &reqError{code: cqlproto.ErrInvalid, msg: fmt.Sprintf(format, args...)}
}

func syntaxf(format string, args ...any) *reqError {
	return &reqError{code: cqlproto.ErrSyntax, msg: fmt.Sprintf(format, args...)}
}

func protocolf(format string, args ...any) *reqError {
	return &reqError{code: cqlproto.ErrProtocol, msg: fmt.Sprintf(format, args...)}
}

func serverf(format string, args ...any) *reqError {
	return &reqError{code: cqlproto.ErrServer, msg: fmt.Sprintf(format, args...)}
}

func alreadyExists(ks, tbl string) *reqError {
	msg := fmt.Sprintf("Cannot add already existing keyspace \"%s\"", ks)
	if tbl != "" {
		msg = fmt.Sprintf("Cannot add already existing table \"%s\" to keyspace \"%s\"", tbl, ks)
	}
	return &reqError{code: cqlproto.ErrAlreadyExists, msg: msg, body: func(dst []byte) []byte {
		dst = cqlproto.AppendString(dst, ks)
		return cqlproto.AppendString(dst, tbl)
	}}
}

func unprepared(id []byte) *reqError {
	return &reqError{code: cqlproto.ErrUnprepared, msg: fmt.Sprintf("Prepared query with ID %x not found (either the query was not prepared on this host (maybe the host has been restarted?) or you have prepared too many queries and it has been evicted from the internal cache)", id),
		body: func(dst []byte) []byte { return cqlproto.AppendShortBytes(dst, id) }}
}

// ErrorKind is an error the simulator can inject.
type ErrorKind int

// Injectable errors, each answered with its proper body.
const (
	ReadTimeout ErrorKind = iota + 1
	Unavailable
	Overloaded
	ReadFailure
	ServerError
	// OversizedFrame is no error: the node answers a RESULT frame of
	// OversizedLength bytes (zeros), past the 256 MiB the drivers read
	// (gocql's maxFrameSize, the DataStax drivers' max frame length), as
	// Cassandra answers a page of many large rows, which it pages by rows
	// only. The driver discards it and fails the request on a connection
	// it keeps (gocql: ErrFrameTooBig). Only reads are eligible: writes
	// and batches pass, and are not counted for Nth.
	OversizedFrame
)

// OversizedLength is the body length of an OversizedFrame answer: one
// byte past 256 MiB.
const OversizedLength = 256<<20 + 1

var errorKindNames = map[ErrorKind]string{
	ReadTimeout: "read_timeout", Unavailable: "unavailable", Overloaded: "overloaded",
	ReadFailure: "read_failure", ServerError: "server_error", OversizedFrame: "oversized_frame",
}

// errOversized is injectFault's answer for an OversizedFrame fault, which
// handleRequest sends as a frame of OversizedLength bytes.
var errOversized = errors.New("oversized frame")

func (k ErrorKind) String() string {
	if s, ok := errorKindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("ErrorKind(%d)", int(k))
}

// ParseErrorKind parses the names used by String (read_timeout,
// unavailable, overloaded, read_failure, server_error, oversized_frame).
func ParseErrorKind(s string) (ErrorKind, error) {
	for k, n := range errorKindNames {
		if n == s {
			return k, nil
		}
	}
	names := make([]string, 0, len(errorKindNames))
	for k := ReadTimeout; k <= OversizedFrame; k++ {
		names = append(names, errorKindNames[k]) // in the kinds' order
	}
	return 0, fmt.Errorf("unknown error kind %q: allowed are %s", s, strings.Join(names, ", "))
}

// injected builds the error a fault of kind k answers, for a request at
// consistency cl. Writes get the write forms of timeouts and failures
// (WriteTimeout, WriteFailure, with a write type), as Cassandra answers.
func injected(k ErrorKind, cl uint16, write bool) *reqError {
	blockFor := int32(1)
	if cl == cqlproto.Quorum || cl == cqlproto.LocalQuorum {
		blockFor = 2
	}
	// The common fields of the timeout and failure bodies, then their tail:
	// data_present for reads, the write type for writes.
	body := func(failures bool) func([]byte) []byte {
		return func(dst []byte) []byte {
			dst = cqlproto.AppendShort(dst, cl)
			dst = cqlproto.AppendInt(dst, 0)
			dst = cqlproto.AppendInt(dst, blockFor)
			if failures {
				dst = cqlproto.AppendInt(dst, 1) // numfailures
			}
			if write {
				return cqlproto.AppendString(dst, "SIMPLE")
			}
			return append(dst, 0) // data_present
		}
	}
	switch k {
	case ReadTimeout:
		code := cqlproto.ErrReadTimeout
		if write {
			code = cqlproto.ErrWriteTimeout
		}
		return &reqError{code: code, msg: "Operation timed out - received only 0 responses.", body: body(false)}
	case Unavailable:
		return &reqError{code: cqlproto.ErrUnavailable, msg: "Cannot achieve consistency level", body: func(dst []byte) []byte {
			dst = cqlproto.AppendShort(dst, cl)
			dst = cqlproto.AppendInt(dst, blockFor)
			return cqlproto.AppendInt(dst, 0)
		}}
	case Overloaded:
		return &reqError{code: cqlproto.ErrOverloaded, msg: "Server is in overloaded state. Cannot accept more requests at this point"}
	case ReadFailure:
		code := cqlproto.ErrReadFailure
		if write {
			code = cqlproto.ErrWriteFailure
		}
		return &reqError{code: code, msg: "Operation failed - received 0 responses and 1 failures", body: body(true)}
	}
	return serverf("injected server error")
}

// tombstoneError is a read that counted more tombstones than
// Config.TombstoneFailureThreshold, at a partition of token tok.
type tombstoneError struct {
	c   *Cluster
	t   *table
	tok tok
}

func (e *tombstoneError) Error() string {
	return fmt.Sprintf("read of %s scanned over %d tombstones", e.t.qualified(), e.c.cfg.TombstoneFailureThreshold)
}

// reqError is the ReadFailure a coordinator n answers, as Cassandra 4.1
// does when a replica aborts a read with TombstoneOverwhelmingException:
// the failure reason READ_TOO_MANY_TOMBSTONES from that replica (the
// coordinator if it replicates the data, else the first replica).
func (e *tombstoneError) reqError(n *Node, cl uint16) *reqError {
	replica := n
	if sets := e.c.replicaSets(e.t.keyspace); sets != nil {
		i := sort.Search(len(e.c.ring), func(i int) bool { return e.c.ring[i].tok.cmp(e.tok) >= 0 }) % len(e.c.ring)
		if len(sets[i]) > 0 && !slices.Contains(sets[i], n) {
			replica = sets[i][0]
		}
	}
	re := injected(ReadFailure, cl, false)
	re.msg = fmt.Sprintf("Operation failed - received 0 responses and 1 failures: READ_TOO_MANY_TOMBSTONES from /%s:7000", replica.ip)
	return re
}
