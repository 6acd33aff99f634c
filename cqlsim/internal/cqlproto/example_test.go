package cqlproto_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"

	"github.com/ringscan/ringscan/cqlsim/internal/cqlproto"
)

// A QUERY request read from a connection, then a frame whose header claims
// more than MaxBodyLength, refused before its body is read.
func ExampleReadFrame() {
	body := cqlproto.AppendLongString(nil, "SELECT key FROM system.local WHERE key = ?")
	body = cqlproto.AppendShort(body, cqlproto.One)
	body = append(body, cqlproto.QFlagValues)
	body = cqlproto.AppendShort(body, 1)
	body = cqlproto.AppendValue(body, []byte("local"))

	var in []byte
	in = cqlproto.AppendHeader(in, cqlproto.Header{Version: cqlproto.Version, Stream: 1, Opcode: cqlproto.OpQuery, Length: uint32(len(body))})
	in = append(in, body...)
	in = cqlproto.AppendHeader(in, cqlproto.Header{Version: cqlproto.Version, Stream: 2, Opcode: cqlproto.OpQuery, Length: 300 << 20})

	r := bufio.NewReader(bytes.NewReader(in))
	f, err := cqlproto.ReadFrame(r)
	if err != nil {
		fmt.Println(err)
		return
	}
	br := cqlproto.NewReader(f.Body)
	q := br.LongString()
	p := cqlproto.ReadQueryParams(br)
	fmt.Printf("%s on stream %d: %q, %d value(s), err=%v\n", f.Header.Opcode, f.Header.Stream, q, len(p.Values), br.Err())

	_, err = cqlproto.ReadFrame(r)
	fmt.Println(errors.Is(err, cqlproto.ErrFrameTooLarge))
	// Output:
	// QUERY on stream 1: "SELECT key FROM system.local WHERE key = ?", 1 value(s), err=<nil>
	// true
}

// A client speaking protocol v5 is refused on the version byte alone.
func ExampleVersionError() {
	in := cqlproto.AppendHeader(nil, cqlproto.Header{Version: 5, Opcode: cqlproto.OpOptions})
	_, err := cqlproto.ReadFrame(bufio.NewReader(bytes.NewReader(in)))
	var verr *cqlproto.VersionError
	fmt.Println(errors.As(err, &verr), verr.Version)
	fmt.Println(err)
	// Output:
	// true 5
	// Invalid or unsupported protocol version (5); supported versions are (4/v4)
}
