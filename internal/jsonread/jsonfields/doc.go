// Package jsonfields is the JSON surgery behind Bulwark's body and response
// authorization rules, on top of the one JSON reader (internal/jsonread): it finds and strips fields a caller may not set (mass
// assignment: "role", "profile.is_admin"), reads the object ids a request names
// (broken object-level authorization on batch endpoints), and filters arrays in
// a response down to the elements the caller owns (excessive data exposure).
// It runs only on routes that configure such a rule, after authentication and
// before the request is forwarded (Find, Strip, Values) or before the response is
// returned (Strip, FilterArray).
//
// # Paths
//
// Compile accepts dotted names with "*" for any object member or any array
// element ("items.*.price"; `\.`, `\*` and `\\` escape a literal dot, star or
// backslash), or an RFC 6901 JSON pointer when the path starts with "/"
// ("/orders", "/a~1b"); "" is the document itself. Arrays are entered only
// through "*": a numeric segment names an object member, never an array
// position, because a rule about "items.0" would let "items.1" through and
// because stripping by position shifts the next element into the stripped
// slot. Names match exactly, after JSON unescaping ("ro\u006ce" is "role");
// Path.Fold makes them match case-insensitively as well, for upstreams (Go's
// encoding/json among them) that bind "ROLE" to a field named "role".
//
// # Parsing and what it refuses
//
// Every function reads the document with jsonread (one JSON value in valid
// UTF-8, nested no deeper than encoding/json allows) and returns an error
// wrapping ErrInvalidJSON otherwise: a gateway and an upstream that disagree
// about a malformed document is a bypass, so the caller should refuse (fail
// closed). The In variants (FindIn, StripIn, ValuesIn, FilterArrayIn) work on
// an index already built, the request's one (exchange.JSON), so a body is
// not read again. Duplicate object keys are not collapsed: every occurrence is
// found, stripped, read and checked, because parsers disagree about which
// duplicate wins.
//
// Rewrites copy everything off the paths byte for byte (numbers included, so
// no precision and no unknown content is lost) and re-encode, compactly, only
// the containers on the way to a path. Recursion is bounded by the longest
// path, not by the document's nesting.
package jsonfields
