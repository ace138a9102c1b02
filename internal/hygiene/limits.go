package hygiene

import "time"

// Default limit values, applied by DefaultLimits.
const (
	DefaultMaxHeaderBytes  = 16 << 10
	DefaultMaxHeaderCount  = 100
	DefaultMaxBodyBytes    = 10 << 20
	DefaultReadBodyTimeout = 30 * time.Second
	DefaultJSONMaxDepth    = 64
	DefaultJSONMaxBytes    = 1 << 20
)

// Duplicate-key policies of Limits.JSONDuplicateKeys.
const (
	// JSONDupGuarded refuses JSON bodies with duplicate keys on routes where
	// a guard reads the body.
	JSONDupGuarded = "guarded"
	// JSONDupReject refuses them on every route.
	JSONDupReject = "reject"
)

// Limits are one route's request hygiene limits, the options the limits
// sections decode into (internal/config aliases them as config.Limits). A
// zero numeric field disables the check it controls; DefaultLimits returns
// the values every route starts from.
type Limits struct {
	// MaxHeaderBytes caps the request line plus, for every header field value,
	// len(name)+len(value)+4 (": " and CRLF). Over it: 431 "headers_too_large".
	// Stops header floods that pin memory per connection.
	MaxHeaderBytes int
	// MaxHeaderCount caps the number of header field values (Host included).
	// Over it: 431 "too_many_headers". Stops hash-flood and per-field overhead abuse.
	MaxHeaderCount int
	// MaxBodyBytes caps the body. A larger Content-Length is refused upfront with
	// 413 "body_too_large"; a body of unknown length (chunked) is cut off at the
	// limit while it is read. Stops body floods.
	MaxBodyBytes int64
	// ReadBodyTimeout is the deadline for reading the whole body, counted from the
	// moment PrepareBody runs. Past it: 408 "body_timeout". Stops slow-POST
	// (R.U.D.Y.) clients that hold a connection open one byte at a time.
	ReadBodyTimeout time.Duration
	// JSONMaxDepth caps the nesting depth of JSON bodies (application/json and
	// "+json" types): deeper is 400 "json_too_deep", malformed JSON 400
	// "json_invalid". Stops JSON bombs that exhaust recursive upstream parsers.
	// Zero removes the depth cap only: JSON bodies are still buffered and validated.
	JSONMaxDepth int
	// JSONMaxBytes caps how much of a JSON body is buffered for the depth check;
	// larger is 413 "body_too_large". Zero falls back to MaxBodyBytes, and to
	// DefaultJSONMaxBytes when both are zero, so the buffer is always bounded.
	JSONMaxBytes int64
	// JSONDuplicateKeys is the configured duplicate-key policy: JSONDupGuarded
	// (refused where a guard reads the body) or JSONDupReject (on every route).
	// The gateway turns it into JSONUniqueKeys once it knows the route's guards.
	JSONDuplicateKeys string
	// ContentTypes is the allow-list of media types (lower case, no parameters) for
	// requests that carry a body. Patterns "type/*", "*/*" and "type/*+suffix" are
	// understood. Empty allows any type, even none. Otherwise a missing or other
	// type is 415 "unsupported_media_type": parsers the upstream did not expect
	// never see the body.
	ContentTypes []string
	// KeepOverrideHeaders are the method/URL override headers (canonical names
	// from OverrideHeaders) this route forwards; StripOverrides removes the rest.
	KeepOverrideHeaders []string
	// JSONUniqueKeys refuses JSON bodies with an object that has two keys
	// equal after decoding escapes, NFKC normalisation and case folding
	// (jsonstr.AppendFoldedKey), at any depth: 400 "json_duplicate_key"
	// naming the key's JSON pointer. Parsers disagree on which of two such
	// keys counts (encoding/json takes the last one matching a field
	// case-insensitively), so a guard reading one value while the upstream
	// reads the other is a bypass. The check is part of the one reading of the
	// body (internal/jsonread). It is decided per route (see
	// JSONDuplicateKeys), not configured.
	JSONUniqueKeys bool `json:"-"`
}

// DefaultLimits returns the limits a route has unless its configuration says
// otherwise.
func DefaultLimits() Limits {
	return Limits{
		MaxHeaderBytes:  DefaultMaxHeaderBytes,
		MaxHeaderCount:  DefaultMaxHeaderCount,
		MaxBodyBytes:    DefaultMaxBodyBytes,
		ReadBodyTimeout: DefaultReadBodyTimeout,
		JSONMaxDepth:    DefaultJSONMaxDepth,
		JSONMaxBytes:    DefaultJSONMaxBytes,
		ContentTypes: []string{
			"application/json",
			"application/*+json",
			"application/x-www-form-urlencoded",
			"multipart/form-data",
			"text/plain",
		},
	}
}

// jsonBufferLimit is the most bytes of a JSON body PrepareBody buffers.
func (l *Limits) jsonBufferLimit() int64 {
	n := l.JSONMaxBytes
	if l.MaxBodyBytes > 0 && (n <= 0 || l.MaxBodyBytes < n) {
		n = l.MaxBodyBytes
	}
	if n <= 0 {
		n = DefaultJSONMaxBytes
	}
	return n
}
