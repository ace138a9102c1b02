package jsonread

import (
	"errors"
	"strconv"
)

// Errors Parse returns, to compare with errors.Is.
var (
	// ErrInvalid is wrapped by every *SyntaxError: the input is not one JSON value.
	ErrInvalid = errors.New("jsonread: invalid JSON")
	// ErrTooDeep reports nesting deeper than Options.MaxDepth.
	ErrTooDeep = errors.New("jsonread: JSON nested too deep")
	// ErrDuplicateKey is wrapped by every *DuplicateKeyError.
	ErrDuplicateKey = errors.New("jsonread: duplicate object key")
	// ErrTooLarge reports a document of 2 GiB or more, which the Index cannot number.
	ErrTooLarge = errors.New("jsonread: JSON document too large")
)

// SyntaxError is malformed input at byte Offset.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return "jsonread: invalid JSON: " + e.Msg + " at offset " + strconv.Itoa(e.Offset)
}

// Unwrap returns ErrInvalid.
func (e *SyntaxError) Unwrap() error { return ErrInvalid }

// DuplicateKeyError is an object with two keys of one folded form
// (Options.UniqueKeys).
type DuplicateKeyError struct {
	// Pointer is the RFC 6901 pointer of the second key, its segments
	// decoded, each cut to MaxPointerKeyBytes and the whole to
	// MaxPointerBytes (a cut ends in "…"). It names keys, never a value.
	Pointer string
	// Offset is the byte offset of the second key's opening quote.
	Offset int
}

func (e *DuplicateKeyError) Error() string {
	return "jsonread: duplicate object key " + strconv.Quote(e.Pointer)
}

// Unwrap returns ErrDuplicateKey.
func (e *DuplicateKeyError) Unwrap() error { return ErrDuplicateKey }
