// Package shape cuts a JSON response down to the fields its API contract
// declares for the caller: the answer to excessive data exposure (OWASP API3),
// where an upstream returns password hashes, internal notes or other users'
// salaries and trusts the client not to show them. It runs on the response
// path, after the upstream answers and before the body reaches the client, on
// routes that configure a response shape.
//
// A Tree is the allow-list (built by hand, or by FromPaths from paths such as
// "orders.*.id"); it applies at any depth and through arrays, and a node's
// Roles restrict a field to some principals. Deny-list Paths (CompilePath)
// remove fields afterwards and win over the allow-list. Paths use the syntax
// of internal/jsonread/jsonfields: dotted names with "*" wildcards, or RFC 6901
// pointers.
//
// # Parsing
//
// Filter reads the document once with internal/jsonread, the reader every
// guard shares (FilterIndex takes an index already read), then cuts what is
// not allowed by the spans the reader recorded and copies what is kept byte
// for byte, so numbers keep their precision and strings their escapes.
// Member names are compared decoded ("pass\u0077ord" is "password") because
// that is what the client sees. Duplicate names are each filtered by the same
// rule, since parsers disagree about which duplicate wins. A malformed
// document, invalid UTF-8 or nesting deeper than 10000 levels is refused
// (ErrInvalidJSON): the gateway fails closed rather than pass on bytes it
// could not read.
package shape
