package cqlproto

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Version is the only protocol version this package speaks.
const Version = 4

// HeaderSize is the size of a v4 frame header.
const HeaderSize = 9

// MaxBodyLength is the largest body accepted, as in Cassandra
// (native_transport_max_frame_size defaults to 256 MB).
const MaxBodyLength = 256 << 20

// Header flags.
const (
	FlagCompression   byte = 0x01
	FlagTracing       byte = 0x02
	FlagCustomPayload byte = 0x04
	FlagWarning       byte = 0x08
	FlagBeta          byte = 0x10
)

// Opcode identifies a message.
type Opcode byte

// Opcodes of protocol v4.
const (
	OpError         Opcode = 0x00
	OpStartup       Opcode = 0x01
	OpReady         Opcode = 0x02
	OpAuthenticate  Opcode = 0x03
	OpOptions       Opcode = 0x05
	OpSupported     Opcode = 0x06
	OpQuery         Opcode = 0x07
	OpResult        Opcode = 0x08
	OpPrepare       Opcode = 0x09
	OpExecute       Opcode = 0x0A
	OpRegister      Opcode = 0x0B
	OpEvent         Opcode = 0x0C
	OpBatch         Opcode = 0x0D
	OpAuthChallenge Opcode = 0x0E
	OpAuthResponse  Opcode = 0x0F
	OpAuthSuccess   Opcode = 0x10
)

var opcodeNames = [...]string{
	OpError: "ERROR", OpStartup: "STARTUP", OpReady: "READY", OpAuthenticate: "AUTHENTICATE",
	OpOptions: "OPTIONS", OpSupported: "SUPPORTED", OpQuery: "QUERY", OpResult: "RESULT",
	OpPrepare: "PREPARE", OpExecute: "EXECUTE", OpRegister: "REGISTER", OpEvent: "EVENT",
	OpBatch: "BATCH", OpAuthChallenge: "AUTH_CHALLENGE", OpAuthResponse: "AUTH_RESPONSE",
	OpAuthSuccess: "AUTH_SUCCESS",
}

func (o Opcode) String() string {
	if int(o) < len(opcodeNames) && opcodeNames[o] != "" {
		return opcodeNames[o]
	}
	return fmt.Sprintf("0x%02X", byte(o))
}

// Header is a decoded frame header.
type Header struct {
	Version byte // including the direction bit 0x80 for responses
	Flags   byte
	Stream  int16
	Opcode  Opcode
	Length  uint32
}

// Frame is a header and its body.
type Frame struct {
	Header Header
	Body   []byte
}

// VersionError reports a frame in a protocol version other than v4. Only
// the version byte is read: headers of other versions differ (v1 and v2
// have 8 bytes), so the connection cannot be resynchronised. The server
// answers with a protocol error in a v4 header on stream 0, as Cassandra
// does, and closes.
type VersionError struct {
	Version byte // without the direction bit
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("Invalid or unsupported protocol version (%d); supported versions are (4/v4)", e.Version)
}

// ErrFrameTooLarge is returned for a frame whose claimed body length exceeds
// MaxBodyLength.
var ErrFrameTooLarge = errors.New("frame body too large")

// ProtocolError is a malformed frame; Stream is the stream it came on (0 if
// the header itself was unusable).
type ProtocolError struct {
	Stream int16
	Msg    string
}

func (e *ProtocolError) Error() string { return e.Msg }

// ReadHeader reads and decodes one 9-byte header.
func ReadHeader(r io.Reader) (Header, error) {
	var b [HeaderSize]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return Header{}, err
	}
	return DecodeHeader(b[:]), nil
}

// DecodeHeader decodes a header from b, which must be HeaderSize long.
func DecodeHeader(b []byte) Header {
	return Header{
		Version: b[0],
		Flags:   b[1],
		Stream:  int16(binary.BigEndian.Uint16(b[2:4])),
		Opcode:  Opcode(b[4]),
		Length:  binary.BigEndian.Uint32(b[5:9]),
	}
}

// AppendHeader appends the encoding of h.
func AppendHeader(dst []byte, h Header) []byte {
	dst = append(dst, h.Version, h.Flags)
	dst = binary.BigEndian.AppendUint16(dst, uint16(h.Stream))
	dst = append(dst, byte(h.Opcode))
	return binary.BigEndian.AppendUint32(dst, h.Length)
}

// smallBody is the size up to which a body is allocated in one go.
const smallBody = 64 << 10

// ReadFrame reads one request frame from r.
//
// The version byte is checked first: a frame of another protocol version
// yields a *VersionError after reading that byte alone, and a response
// frame (direction bit set) a *ProtocolError. A claimed body length over
// MaxBodyLength yields ErrFrameTooLarge without reading the body. A body
// cut short yields io.ErrUnexpectedEOF; the memory spent on it is bounded
// by what arrived (see readBody), never by the claimed length.
func ReadFrame(r *bufio.Reader) (Frame, error) {
	v, err := r.ReadByte()
	if err != nil {
		return Frame{}, err
	}
	if v&0x7F != Version {
		return Frame{Header: Header{Version: v}}, &VersionError{Version: v & 0x7F}
	}
	var rest [HeaderSize - 1]byte
	if _, err := io.ReadFull(r, rest[:]); err != nil {
		return Frame{Header: Header{Version: v}}, unexpectedEOF(err)
	}
	h := Header{
		Version: v,
		Flags:   rest[0],
		Stream:  int16(binary.BigEndian.Uint16(rest[1:3])),
		Opcode:  Opcode(rest[3]),
		Length:  binary.BigEndian.Uint32(rest[4:8]),
	}
	if v&0x80 != 0 {
		return Frame{Header: h}, &ProtocolError{Stream: h.Stream, Msg: "Invalid message direction: a response frame was sent to the server"}
	}
	if h.Length > MaxBodyLength {
		return Frame{Header: h}, fmt.Errorf("%w: %d bytes claimed, at most %d allowed", ErrFrameTooLarge, h.Length, MaxBodyLength)
	}
	body, err := readBody(r, int(h.Length))
	if err != nil {
		return Frame{Header: h}, err
	}
	return Frame{Header: h, Body: body}, nil
}

// readBody reads n bytes without trusting n for the allocation size: bodies
// up to smallBody are allocated at once; larger ones start at smallBody and
// double only once the buffer is full. A body cut short after k bytes has
// thus cost at most max(smallBody, 4k) bytes (the buffers 64 KiB, 128 KiB,
// ..., up to twice k).
func readBody(r io.Reader, n int) ([]byte, error) {
	if n <= smallBody {
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, unexpectedEOF(err)
		}
		return b, nil
	}
	b := make([]byte, 0, smallBody)
	for len(b) < n {
		if len(b) == cap(b) {
			nb := make([]byte, len(b), min(2*cap(b), n))
			copy(nb, b)
			b = nb
		}
		m, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+m]
		if err != nil && len(b) < n {
			return nil, unexpectedEOF(err)
		}
	}
	return b, nil
}

func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// Error codes of protocol v4 (section 9).
const (
	ErrServer          int32 = 0x0000
	ErrProtocol        int32 = 0x000A
	ErrBadCredentials  int32 = 0x0100
	ErrUnavailable     int32 = 0x1000
	ErrOverloaded      int32 = 0x1001
	ErrIsBootstrapping int32 = 0x1002
	ErrTruncate        int32 = 0x1003
	ErrWriteTimeout    int32 = 0x1100
	ErrReadTimeout     int32 = 0x1200
	ErrReadFailure     int32 = 0x1300
	ErrFunctionFailure int32 = 0x1400
	ErrWriteFailure    int32 = 0x1500
	ErrSyntax          int32 = 0x2000
	ErrUnauthorized    int32 = 0x2100
	ErrInvalid         int32 = 0x2200
	ErrConfig          int32 = 0x2300
	ErrAlreadyExists   int32 = 0x2400
	ErrUnprepared      int32 = 0x2500
)

// Consistency levels.
const (
	Any         uint16 = 0x0000
	One         uint16 = 0x0001
	Two         uint16 = 0x0002
	Three       uint16 = 0x0003
	Quorum      uint16 = 0x0004
	All         uint16 = 0x0005
	LocalQuorum uint16 = 0x0006
	EachQuorum  uint16 = 0x0007
	Serial      uint16 = 0x0008
	LocalSerial uint16 = 0x0009
	LocalOne    uint16 = 0x000A
)

// ValidConsistency reports whether c is a consistency level of the spec.
func ValidConsistency(c uint16) bool { return c <= LocalOne }
