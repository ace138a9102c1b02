// Package jsonread is Bulwark's one JSON reader: every guard that reads a JSON
// body — request hygiene (validity, depth, duplicate keys), authorization
// (fields a caller may not set, object ids, list filtering), the injection
// inspector and the response filters (allow/deny shaping, sensitive values) —
// reads it through this package, so the gateway never disagrees with itself
// about what a body says. A disagreement between two of its readers would be a
// bypass: one guard checks the value another one does not see.
//
// Parse reads a document once, without recursion, and returns its Index: every
// value in document order with its kind, raw byte span, parent, object key
// (decoded) or array position, and, for strings, the decoded text. Values are
// numbered in document order (the root is 0) and a container's descendants
// follow it, so a walk over a subtree is a walk over a range of numbers.
//
// # What Parse refuses
//
// Parse accepts exactly RFC 8259 JSON: one value, surrounded only by JSON
// whitespace. Strings must be valid UTF-8 (parsers disagree about invalid
// bytes) unless Options.AllowInvalidUTF8, which accepts what encoding/json
// accepts, for readers that must pass on what an upstream sent. Nesting is
// capped by Options.MaxDepth. With Options.UniqueKeys an object with two keys
// of the same jsonstr.AppendFoldedText form (escapes decoded, NFKC, case
// folding, cut at NUL) is refused with a *DuplicateKeyError naming the second
// key's JSON pointer. Checks happen in document order: the first problem met is
// the one reported (a duplicate key is met when its object closes).
//
// Decoded strings follow encoding/json (a surrogate pair is one rune, a lone
// surrogate U+FFFD), except that with AllowInvalidUTF8 invalid bytes are kept
// rather than replaced, so a detector still sees them.
//
// # Cost
//
// One pass; the Index holds 40 bytes per value plus the decoded form of
// strings that contain escapes. Release returns it to a pool for callers that
// own it for a bounded time.
package jsonread
