package observe

import (
	"encoding/json"
	"fmt"

	"github.com/ringscan/ringscan/scanner"
)

// cursorOf decodes a cursor from its JSON form: the public way to make
// one with a given state.
func cursorOf(doc string) scanner.Cursor {
	var c scanner.Cursor
	if err := json.Unmarshal([]byte(doc), &c); err != nil {
		panic(err) // a bug in the test
	}
	return c
}

var doneCursor = cursorOf(`{"done":true}`)

// lastCursor is the cursor of a subrange whose last row handed on has
// token tok.
func lastCursor(tok int64) scanner.Cursor {
	return cursorOf(fmt.Sprintf(`{"last":{"token":"%d","key":[]}}`, tok))
}
