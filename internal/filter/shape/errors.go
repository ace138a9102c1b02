package shape

import "errors"

// Errors returned by this package; callers compare with errors.Is.
var (
	// ErrInvalidJSON reports a document that is not one valid JSON value in
	// valid UTF-8, or nests deeper than 10000 levels.
	ErrInvalidJSON = errors.New("shape: invalid JSON")
	// ErrPath reports a path that does not compile.
	ErrPath = errors.New("shape: bad path")
	// ErrForbidden reports a root Tree whose Roles the caller holds none of:
	// the whole document is hidden, which cannot be expressed as a document.
	ErrForbidden = errors.New("shape: caller may not see the document")
)
