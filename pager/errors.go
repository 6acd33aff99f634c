package pager

import "errors"

// Sentinel errors. Every error the package returns for one of these causes
// wraps the sentinel, with a message that says what to do instead.
var (
	// ErrInvalidConfig is wrapped by every Config validation error.
	ErrInvalidConfig = errors.New("invalid pager config")

	// ErrInvalidPageSize is returned for a negative page size or one above
	// Config.MaxPageSize.
	ErrInvalidPageSize = errors.New("invalid page size")

	// ErrInvalidCursor is returned for a cursor that cannot be used: not
	// base64url, truncated, of an unknown version, unsigned where a
	// signature is required, or with a signature that does not verify
	// (tampered, or signed with another key).
	ErrInvalidCursor = errors.New("invalid cursor")

	// ErrCursorMismatch is returned for a well-formed cursor that was made
	// for another statement, other bound values, another table or another
	// kind of paging. It also wraps ErrInvalidCursor.
	ErrCursorMismatch = errors.New("cursor does not belong to this query")

	// ErrPageLimit is returned by OffsetPage for a page number beyond
	// Config.MaxOffsetPage, or a negative one.
	ErrPageLimit = errors.New("page number out of bounds")

	// ErrPagingStateRefused is returned when the server refuses the paging
	// state inside a cursor, as a server of another version may. Paging
	// has to start again, or use keyset cursors (Pager.Keyset), which do
	// not depend on the server's paging state format.
	ErrPagingStateRefused = errors.New("the server refused the cursor's paging state")
)

// mismatchError wraps both ErrCursorMismatch and ErrInvalidCursor, so that
// callers who only check the latter (to answer 400) still match.
type mismatchError struct{ msg string }

func (e *mismatchError) Error() string { return ErrCursorMismatch.Error() + ": " + e.msg }

func (e *mismatchError) Unwrap() []error { return []error{ErrCursorMismatch, ErrInvalidCursor} }
