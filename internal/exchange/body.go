package exchange

import (
	"errors"

	"github.com/bulwark-gw/bulwark/internal/jsonread"
)

// ErrNoBody is JSON's error when no body was set: the request has none, or no
// stage buffered it.
var ErrNoBody = errors.New("exchange: no request body")

// body is the request body as the guards share it: read once (SetBody), and
// parsed once, by the first guard that asks (JSON) or by hygiene (SetJSON).
type body struct {
	raw    []byte
	set    bool
	parsed bool
	index  *jsonread.Index
	err    error
}

// SetBody records the request body, read into memory, for the guards; it
// forgets the index of a body set before (a guard that rewrites the body sets
// the new one). The bytes go to the upstream: nobody may modify them.
func (x *Exchange) SetBody(b []byte) {
	x.body = body{raw: b, set: true}
}

// SetJSON records a body already read and indexed (hygiene.JSONIndex: the
// index PrepareBody built while validating it), so that JSON answers it
// without parsing it again. ix must be the index of b.
func (x *Exchange) SetJSON(b []byte, ix *jsonread.Index) {
	x.body = body{raw: b, set: true, parsed: true, index: ix}
}

// Body returns the body SetBody or SetJSON recorded; ok is false when none was.
func (x *Exchange) Body() (b []byte, ok bool) { return x.body.raw, x.body.set }

// JSON returns the index of the request body (internal/jsonread), parsing it
// on the first call and answering every later call, from any guard, with the
// same index or the same error: the gateway reads a body one way only. A body
// not indexed by hygiene is parsed with encoding/json's depth limit and
// strict UTF-8; duplicate keys are hygiene's to refuse (Limits.JSONUniqueKeys),
// so an index read here may hold them and guards read every occurrence. With
// no body set, JSON returns ErrNoBody. The index is read-only.
func (x *Exchange) JSON() (*jsonread.Index, error) {
	b := &x.body
	if !b.set {
		return nil, ErrNoBody
	}
	if !b.parsed {
		b.index, b.err = jsonread.Parse(b.raw, jsonread.Options{MaxDepth: jsonread.DefaultMaxDepth})
		b.parsed = true
	}
	return b.index, b.err
}

// ReleaseJSON gives the body's index back to the reader's pool, so the next
// request parses into it without allocating. Call it once, when the request
// is over (the response guards included); afterwards nothing may read the
// index or bytes it returned, and JSON answers as for no body.
func (x *Exchange) ReleaseJSON() {
	x.body.index.Release()
	x.body = body{}
}
