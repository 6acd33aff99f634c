package sink

import (
	"errors"

	"github.com/ringscan/ringscan/internal/cqltype"
)

var (
	// ErrClosed is returned by Write on a sink that was closed.
	ErrClosed = errors.New("sink: closed")
	// ErrInvalidConfig is wrapped by the errors of the Validate methods and
	// of the constructors that take a Config.
	ErrInvalidConfig = errors.New("sink: invalid config")
	// ErrInvalidValue is wrapped by the error of a Write that met bytes that
	// are not a serialized value of their column's type. It is the error
	// that cqltype wraps for such values too, so errors.Is works for both.
	ErrInvalidValue = cqltype.ErrInvalidValue
)
