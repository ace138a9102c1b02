package filter

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/bulwark-gw/bulwark/internal/bufpool"
	"github.com/bulwark-gw/bulwark/internal/codec"
	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/filter/media"
	"github.com/bulwark-gw/bulwark/internal/filter/sensitive"
	"github.com/bulwark-gw/bulwark/internal/filter/shape"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/jsonread"
)

// errBlocked stops a record walk at a value a block action names.
var errBlocked = errors.New("sensitive value blocked")

// errScalarRoot refuses a bare string, number or literal answered on a route
// whose allow-list names fields: nothing in it can be cut, so nothing in it
// was allowed (allow: [""] allows a whole document, scalars included).
var errScalarRoot = errors.New("a scalar document where the allow-list names fields")

func unfilterable(cause error) *httperr.Problem {
	return httperr.New(http.StatusBadGateway, "response_unfilterable", "The upstream's answer could not be checked.").WithCause(cause)
}

// filterBody reads the answer as its Content-Type says (media.Policy), cuts
// every JSON document in it to the route's tree and redacts sensitive values.
// A body the guards cannot read is refused (refuseBody) unless the route lists
// its media type to pass; an empty body passes. With sanitize (an error
// status the route sanitizes), the body is checked for leaks first, from the
// same read and the same decoding the filter uses.
func (g *Guard) filterBody(resp *http.Response, x *exchange.Exchange, sanitize bool) error {
	kind, reason := g.media.Classify(resp.Header.Values("Content-Type"))
	if sanitize && (kind == media.Pass || kind == media.Refuse || resp.ContentLength == 0) {
		// Not decoded for filtering: the error check reads it on its own.
		if err := g.sanitizeError(resp, x); err != nil {
			return err
		}
	}
	switch {
	case kind == media.Pass, resp.ContentLength == 0:
		return nil
	case kind == media.Refuse:
		return refuseBody(resp, x, "response_media_type", unfilterable(errors.New(reason)))
	}
	// Several Content-Encoding lines are one stacked list to the client: codec refuses it.
	enc := strings.Join(resp.Header.Values("Content-Encoding"), ", ")
	raw, owner, err := readBody(resp.Body, resp.ContentLength, g.o.MaxBuffer+1)
	if err != nil {
		resp.Body.Close()
		if sanitize {
			return upstreamProblem(resp.StatusCode, "upstream_error")
		}
		return httperr.New(http.StatusBadGateway, "upstream_unreachable", "").WithCause(err)
	}
	if int64(len(raw)) > g.o.MaxBuffer {
		if sanitize { // the error check reads what it always reads: the first errorRead bytes
			if len(raw) < errorRead {
				more, err := io.ReadAll(io.LimitReader(resp.Body, int64(errorRead-len(raw))))
				if err != nil {
					resp.Body.Close()
					return upstreamProblem(resp.StatusCode, "upstream_error")
				}
				raw = append(raw, more...)
			}
			body, derr := codec.Decode(bytes.NewReader(raw[:min(len(raw), errorRead)]), enc, errorDecoded)
			if p := g.leakCheck(resp.StatusCode, x, body, derr); p != nil {
				resp.Body.Close()
				return p
			}
		}
		if g.o.OnOverflow == "pass" {
			g.logger.Warn("response over max_buffer passed unfiltered", "route", x.Route)
			unread(resp, raw)
			return nil
		}
		resp.Body.Close()
		x.Note("max_buffer", "")
		return httperr.New(http.StatusBadGateway, "response_too_large", "The upstream's answer is too large to be checked.")
	}
	resp.Body.Close()
	if len(raw) == 0 {
		bufpool.Put(owner)
		resp.Body = http.NoBody
		return nil
	}
	body, err := codec.DecodeBytes(raw, enc, g.o.MaxBuffer) // identity: raw itself
	if sanitize {
		if p := g.leakCheck(resp.StatusCode, x, body, err); p != nil {
			return p
		}
	}
	if err != nil {
		return refuseBody(resp, x, "response_encoding", unfilterable(err))
	}
	tree, declared := g.treeFor(resp.StatusCode)
	if !declared {
		return refuseBody(resp, x, "response_undeclared",
			httperr.New(http.StatusBadGateway, "response_undeclared", "The upstream's answer is not in the API contract."))
	}
	f := docFilter{tree: tree, deny: g.deny, sensitive: g.policy,
		objectsOnly: g.doc == nil && tree != nil && !tree.Open}
	if x.Principal != nil {
		f.roles = x.Principal.Roles
	}
	var out []byte
	var lent *[]byte // the buffer the cut document may be built in
	if kind == media.Lines || kind == media.Seq {
		rf := &docFilter{tree: f.tree, deny: f.deny, sensitive: f.sensitive, objectsOnly: f.objectsOnly, roles: f.roles}
		out, err = media.Records(body, kind == media.Seq, rf.doc) // rf escapes with its method value, f does not
		f.removed, f.found = rf.removed, rf.found
	} else { // JSON, or no Content-Type: JSON if it parses, refused if not
		lent = bufpool.Get(len(body))
		spans := keptSpans.Get().(*[][2]int)
		f.dst, f.kept = *lent, (*spans)[:0]
		out, err = f.doc(body)
		*spans = f.kept[:0] // grown or not: only kept while small
		if cap(*spans) <= 1024 {
			keptSpans.Put(spans)
		}
	}
	noteFound(x, f.found)
	switch {
	case errors.Is(err, errBlocked):
		return httperr.New(http.StatusBadGateway, "sensitive_data_blocked", "The upstream's answer held data that may not leave the gateway.")
	case err != nil:
		return refuseBody(resp, x, "response_unfilterable", unfilterable(err))
	case f.removed == 0 && bytes.Equal(out, body):
		bufpool.Put(lent)
		resp.Body = newPooledBody(raw, owner)
		return nil
	}
	if enc != "" && enc != "identity" {
		if out, err = codec.Encode(out, enc); err != nil {
			return unfilterable(err)
		}
	}
	// raw (and body, when it is raw) is no longer read: out is a document of
	// its own, in the lent buffer or in one the scan or the encoder made.
	bufpool.Put(owner)
	if !sameArray(out, lent) {
		bufpool.Put(lent)
		lent = nil
	}
	resp.Body = newPooledBody(out, lent)
	resp.ContentLength = int64(len(out))
	setContentLength(resp.Header, len(out))
	if resp.Header.Get("ETag") != "" {
		sum := sha256.Sum256(out) // the upstream's tag named a body the client never gets
		resp.Header.Set("ETag", `"bw-`+hex.EncodeToString(sum[:12])+`"`)
	}
	return nil
}

// setContentLength sets the Content-Length field of h to n. The upstream's
// single value is overwritten in place: assigning to a Go map that holds 8
// entries grows it to a table even when the key exists, and a response with
// the security headers added is often at 8.
func setContentLength(h http.Header, n int) {
	if v := h["Content-Length"]; len(v) == 1 {
		v[0] = strconv.Itoa(n)
		return
	}
	h.Set("Content-Length", strconv.Itoa(n))
}

// sameArray reports whether out lies in the array of the lent buffer.
func sameArray(out []byte, lent *[]byte) bool {
	return lent != nil && cap(out) > 0 && cap(*lent) > 0 && &out[:1][0] == &(*lent)[:1][0]
}

// pooledBody is a filtered answer's body. Its buffer, when it is a pooled
// one, goes back to the pool when the proxy closes the body after writing it;
// nothing reads it after that (a Read after Close sees EOF).
type pooledBody struct {
	r   bytes.Reader
	buf *[]byte
}

func newPooledBody(b []byte, owner *[]byte) *pooledBody {
	p := &pooledBody{buf: owner}
	p.r.Reset(b)
	return p
}

func (p *pooledBody) Read(b []byte) (int, error) { return p.r.Read(b) }

// WriteTo writes the rest of the body to w in one call.
func (p *pooledBody) WriteTo(w io.Writer) (int64, error) { return p.r.WriteTo(w) }

// Close returns the buffer to the pool once.
func (p *pooledBody) Close() error {
	p.r.Reset(nil)
	bufpool.Put(p.buf)
	p.buf = nil
	return nil
}

// readBody reads r to EOF or limit bytes. A declared length within the limit
// sizes the buffer at once (one allocation instead of ReadAll's growth);
// the length is only a hint, the read still stops at EOF or limit.
//
// A buffer sized from the length is a pooled one: owner is where it goes back
// (bufpool.Put) once nothing reads the bytes any more; nil when the bytes are
// an ordinary allocation.
func readBody(r io.Reader, length, limit int64) (_ []byte, owner *[]byte, _ error) {
	if length <= 0 || length >= limit {
		b, err := io.ReadAll(io.LimitReader(r, limit))
		return b, nil, err
	}
	owner = bufpool.Get(int(length) + 1) // +1: EOF is seen without growing
	buf := *owner
	for int64(len(buf)) < limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // a new array: the pooled one is not used
			bufpool.Put(owner)
			owner = nil
		}
		room := buf[len(buf):min(int64(cap(buf)), limit)]
		n, err := r.Read(room)
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, owner, nil
		}
		if err != nil {
			return buf, owner, err
		}
	}
	return buf, owner, nil
}

// refuseBody answers for a body the guards cannot read or place, so that none
// of it reaches the client: a 2xx (or 1xx) becomes refusal, a 502; a 3xx keeps
// its status and headers without the body (a redirect still works); a 4xx or
// 5xx keeps its status with a generic problem, so a client and its monitoring
// still see "not found" or "server error", not a gateway failure.
func refuseBody(resp *http.Response, x *exchange.Exchange, rule string, refusal *httperr.Problem) error {
	resp.Body.Close()
	x.Note(rule, "")
	switch s := resp.StatusCode; {
	case s >= 400:
		return upstreamProblem(s, "upstream_error").WithCause(refusal)
	case s >= 300:
		resp.Body, resp.ContentLength = http.NoBody, 0
		resp.Header.Set("Content-Length", "0")
		for _, k := range []string{"Content-Type", "Content-Encoding", "ETag"} {
			resp.Header.Del(k)
		}
		return nil
	}
	return refusal
}

func upstreamProblem(status int, code string) *httperr.Problem {
	p := httperr.New(status, code, "")
	if status < 500 {
		p.Detail = "The request could not be completed."
	}
	return p
}

// unread puts raw, read from the front of resp.Body, back in front of the rest.
func unread(resp *http.Response, raw []byte) {
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(raw), resp.Body), resp.Body}
}

// noteFound records the kinds in found as noteFindings does; a single kind
// (the common case) without allocating.
func noteFound(x *exchange.Exchange, found sensitive.Found) {
	if found == 0 {
		return
	}
	if k, ok := found.Single(); ok {
		if rule, ok := findingRules[string(k)]; ok {
			x.Note(rule, "")
			return
		}
	}
	kinds := found.Kinds()
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	noteFindings(x, names)
}

// noteFindings records the kinds of sensitive values found (never the values).
func noteFindings(x *exchange.Exchange, kinds []string) {
	switch len(kinds) {
	case 0:
		return
	case 1:
		if rule, ok := findingRules[kinds[0]]; ok {
			x.Note(rule, "")
			return
		}
	}
	sort.Strings(kinds)
	x.Note("sensitive:"+strings.Join(kinds, ","), "")
}

// findingRules are the audit rules of a single kind found, built once.
var findingRules = func() map[string]string {
	m := map[string]string{}
	for _, k := range sensitive.Kinds() {
		m[string(k)] = "sensitive:" + string(k)
	}
	return m
}()

// docFilter cuts JSON documents to a tree and scans them for sensitive values,
// adding up what it removed and the kinds it found over every document of one
// answer (kinds only: an NDJSON answer of many records keeps a few strings,
// not every finding).
type docFilter struct {
	tree      *shape.Tree
	deny      []shape.Path
	roles     []string
	sensitive *sensitive.Compiled // nil: no scan
	// objectsOnly refuses a document that is not an object or array.
	objectsOnly bool
	removed     int
	found       sensitive.Found // every kind found, over every document
	kept        [][2]int        // the kept spans' buffer, reused across a stream's records
	dst         []byte          // a lent buffer the cut document may be built in (one document only)
}

// keptSpans holds the kept-span buffers of filtered answers between requests.
var keptSpans = sync.Pool{New: func() any { s := make([][2]int, 0, 32); return &s }}

// doc filters one document; it returns doc itself when nothing changed and
// errBlocked when a block kind was found.
func (f *docFilter) doc(doc []byte) ([]byte, error) {
	if f.objectsOnly && scalarRoot(doc) {
		return nil, errScalarRoot
	}
	// One reading serves both guards: the shape filter, then the sensitive
	// scan (of the kept spans of this index when the filter cut something).
	ix, err := jsonread.Parse(doc, jsonread.Options{MaxDepth: jsonread.DefaultMaxDepth})
	if err != nil {
		// Unreadable: the shape filter names why, as it always did.
		_, _, err = shape.Filter(doc, f.tree, f.deny, f.roles)
		return nil, err
	}
	defer ix.Release()
	out, kept, removed, err := shape.FilterIndexKept(ix, f.tree, f.deny, f.roles, f.kept, f.dst)
	if err != nil {
		return nil, err
	}
	f.kept = kept[:0] // reused by the next record of a stream
	f.removed += removed
	if f.sensitive == nil {
		return out, nil
	}
	var found sensitive.Found
	var block bool
	if removed == 0 {
		out, found, block = f.sensitive.ScanIndex(ix)
	} else {
		// The kept values are ix's inside the kept spans: scanned there,
		// without reading the cut document anew.
		var replaced []byte
		replaced, found, block = f.sensitive.ScanIndexKept(ix, kept)
		if replaced != nil {
			out = replaced
		}
	}
	f.found |= found // the kinds only: the audit event names no positions
	if block {
		return nil, errBlocked
	}
	return out, nil
}

// scalarRoot reports whether the first byte of doc after JSON whitespace starts
// neither an object nor an array (all whitespace: false, Filter refuses it).
func scalarRoot(doc []byte) bool {
	c := jsonread.FirstByte(doc)
	return c != 0 && c != '{' && c != '['
}
