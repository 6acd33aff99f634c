// Package cqlproto encodes and decodes frames of the Cassandra native
// protocol, version 4, as described in native_protocol_v4.spec.
//
// # Frames
//
// A frame is a 9-byte header (version, flags, stream, opcode, length)
// followed by a body of at most MaxBodyLength bytes. ReadFrame checks the
// version byte before anything else, so a client of another version (whose
// header may be only 8 bytes) is refused at once. It never trusts the
// claimed length: a body longer than the limit is refused before any
// allocation, and shorter bodies are read in growing chunks, so a truncated
// frame that claims 200 MB costs only the bytes that actually arrived.
//
// # Fuzzing
//
// FuzzReadFrame feeds arbitrary bytes to ReadFrame and every decoder, and
// checks that memory stays proportional to the input; its seed corpus of
// real and hostile frames is in testdata/fuzz/FuzzReadFrame:
//
//	go test -fuzz=FuzzReadFrame ./internal/cqlproto/
//
// # Primitives
//
// Reader decodes the notations of section 3 ([int], [string], [bytes],
// [value], [string map], ...) from a body with bounds checks: the first
// malformed field records an error, every later read returns zero values,
// and Err reports the problem. The Append functions encode the same
// notations onto a byte slice, so a response body is built with one
// growing buffer and no intermediate allocations.
//
// # Requests
//
// QueryParams decodes the <query_parameters> shared by QUERY and EXECUTE,
// and BatchRequest the body of BATCH. Error codes and opcodes are constants
// named as in the specification.
package cqlproto
