package hygiene

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/jsonread"
)

// PrepareBody enforces the body limits of l on r before anything reads the body:
// the size cap (upfront by Content-Length, while reading otherwise), the
// content-type allow-list and the read deadline. A JSON body is read here, bounded
// by the JSON buffer limit, checked for validity and depth, and put back as a
// replayable body with a known length (r.Body, r.ContentLength, r.GetBody). A
// request without a body passes untouched. A nil l means DefaultLimits.
func PrepareBody(w http.ResponseWriter, r *http.Request, l *Limits) *httperr.Problem {
	if l == nil {
		d := DefaultLimits()
		l = &d
	}
	if r.Body == nil || r.Body == http.NoBody || (r.ContentLength == 0 && len(r.TransferEncoding) == 0) {
		return nil
	}
	if l.MaxBodyBytes > 0 && r.ContentLength > l.MaxBodyBytes {
		return httperr.BodyTooLarge()
	}
	isJSON, p := checkContentType(r.Header, l.ContentTypes)
	if p != nil {
		return p
	}
	rc := http.NewResponseController(w)
	if p := setReadDeadline(rc, l.ReadBodyTimeout); p != nil {
		return p
	}
	if isJSON {
		return bufferJSON(r, rc, l)
	}
	body := r.Body
	if r.ContentLength < 0 && l.MaxBodyBytes > 0 {
		// Unknown length: cut the stream at the limit (*http.MaxBytesError).
		body = http.MaxBytesReader(w, body, l.MaxBodyBytes)
	}
	if l.ReadBodyTimeout > 0 {
		body = &deadlineBody{ReadCloser: body, rc: rc}
	}
	r.Body = body
	return nil
}

// checkContentType applies the allow-list and reports whether the body is JSON.
// Several Content-Type fields are refused: the gateway and the upstream could
// each believe a different one.
func checkContentType(h http.Header, allowed []string) (isJSON bool, p *httperr.Problem) {
	values := h["Content-Type"]
	if len(values) > 1 {
		return false, httperr.New(http.StatusBadRequest, "bad_header",
			"The request has more than one Content-Type header.")
	}
	typ, sub, ok := "", "", false
	if len(values) == 1 {
		typ, sub, ok = mediaType(values[0])
	}
	if len(allowed) == 0 {
		return ok && isJSONType(typ, sub), nil
	}
	if ok {
		for _, pattern := range allowed {
			if matchMediaType(pattern, typ, sub) {
				return isJSONType(typ, sub), nil
			}
		}
	}
	return false, httperr.New(http.StatusUnsupportedMediaType, "unsupported_media_type",
		"This route does not accept a body of this media type.")
}

// setReadDeadline bounds the time left to read the body. A writer that cannot
// take deadlines (a test recorder) is fine; any other failure denies, since the
// limit could not be put in place.
func setReadDeadline(rc *http.ResponseController, timeout time.Duration) *httperr.Problem {
	if timeout <= 0 {
		return nil
	}
	err := rc.SetReadDeadline(time.Now().Add(timeout))
	if err == nil || errors.Is(err, http.ErrNotSupported) {
		return nil
	}
	return httperr.New(http.StatusInternalServerError, "internal", "").WithCause(err)
}

// bufferJSON reads a JSON body into memory, validates it and replaces r.Body with
// a replayable copy. The bytes go to the upstream, so they are never pooled.
func bufferJSON(r *http.Request, rc *http.ResponseController, l *Limits) *httperr.Problem {
	limit := l.jsonBufferLimit()
	if r.ContentLength > limit {
		return httperr.BodyTooLarge()
	}
	buf, err := readBounded(r.Body, r.ContentLength, limit)
	if err != nil {
		return httperr.BodyRead(err)
	}
	if l.ReadBodyTimeout > 0 {
		// The body is in memory; an expired deadline would otherwise cancel the
		// request's context while the upstream is still answering.
		_ = rc.SetReadDeadline(time.Time{})
	}
	ix, err := jsonread.Parse(buf, jsonOptions(l))
	if p := jsonProblem(err); p != nil {
		return p
	}
	setBuffered(r, buf, jsonKind(l.JSONUniqueKeys))
	r.Body.(*bufferedBody).index = ix
	return nil
}

// jsonOptions are what the route's limits ask of a JSON body: the depth cap
// and, with JSONUniqueKeys, no object with two keys of one folded form.
func jsonOptions(l *Limits) jsonread.Options {
	return jsonread.Options{MaxDepth: l.JSONMaxDepth, UniqueKeys: l.JSONUniqueKeys}
}

// jsonProblem maps an error of jsonread.Parse to the client's answer; nil maps to nil.
func jsonProblem(err error) *httperr.Problem {
	if err == nil {
		return nil
	}
	var dup *jsonread.DuplicateKeyError
	switch {
	case errors.Is(err, jsonread.ErrTooDeep):
		return httperr.New(http.StatusBadRequest, "json_too_deep",
			"The JSON body is nested deeper than this route allows.")
	case errors.As(err, &dup):
		return DuplicateKeyProblem(dup.Pointer)
	case errors.Is(err, jsonread.ErrTooLarge):
		return httperr.BodyTooLarge()
	default:
		return httperr.New(http.StatusBadRequest, "json_invalid", "The body is not valid JSON.")
	}
}

// DuplicateKeyProblem is the 400 "json_duplicate_key" answer to a JSON body
// whose object at pointer (an RFC 6901 JSON pointer) repeats a key; the key is
// named, never a value.
func DuplicateKeyProblem(pointer string) *httperr.Problem {
	return httperr.New(http.StatusBadRequest, "json_duplicate_key",
		"The JSON body has the key "+strconv.Quote(pointer)+" more than once in one object "+
			"(keys are compared after decoding escapes, Unicode NFKC normalisation and case folding): "+
			"parsers disagree on which value counts.").WithExtension("pointer", pointer)
}

// bodyKind says what PrepareBody or BufferBody checked about a buffered body.
type bodyKind uint8

const (
	bodyRaw        bodyKind = iota // read as it came (BufferBody)
	bodyJSON                       // valid JSON within the depth cap
	bodyUniqueJSON                 // valid JSON whose objects have no duplicate keys
)

func jsonKind(unique bool) bodyKind {
	if unique {
		return bodyUniqueJSON
	}
	return bodyJSON
}

// bufferedBody is a request body held in memory; BufferedBody gives its bytes
// to the guards that read it, without another copy, and JSONIndex the index
// PrepareBody built of a JSON body, so no guard parses it again.
type bufferedBody struct {
	*bytes.Reader
	buf   []byte
	kind  bodyKind
	index *jsonread.Index // of buf, when PrepareBody parsed it
}

func (*bufferedBody) Close() error { return nil }

func setBuffered(r *http.Request, buf []byte, kind bodyKind) {
	r.Body = &bufferedBody{Reader: bytes.NewReader(buf), buf: buf, kind: kind}
	r.ContentLength = int64(len(buf))
	r.TransferEncoding = nil
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf)), nil }
}

// BufferedBody returns the bytes of a body that PrepareBody (JSON) or
// BufferBody holds in memory. The bytes go to the upstream: callers must not
// modify them.
func BufferedBody(r *http.Request) ([]byte, bool) {
	b, ok := r.Body.(*bufferedBody)
	if !ok {
		return nil, false
	}
	return b.buf, true
}

// JSONIndex returns the jsonread index of the JSON body PrepareBody validated
// (with the route's depth cap and, with JSONUniqueKeys, no duplicate keys):
// the one reading of the body every guard asks, read-only. ok is false when
// the body is not such a body, or was replaced since (SetUniqueKeyJSON).
func JSONIndex(r *http.Request) (ix *jsonread.Index, ok bool) {
	b, isBuf := r.Body.(*bufferedBody)
	if !isBuf || b.index == nil {
		return nil, false
	}
	return b.index, true
}

// UniqueKeyJSON returns the bytes of a body PrepareBody validated as JSON and
// found free of duplicate keys (Limits.JSONUniqueKeys): the only body a guard
// may read a field of, since the upstream will read the same one.
func UniqueKeyJSON(r *http.Request) ([]byte, bool) {
	b, ok := r.Body.(*bufferedBody)
	if !ok || b.kind != bodyUniqueJSON {
		return nil, false
	}
	return b.buf, true
}

// SetUniqueKeyJSON replaces r's body with buf, a rewrite (fields removed) of
// the body UniqueKeyJSON returned: still valid JSON without duplicate keys.
func SetUniqueKeyJSON(r *http.Request, buf []byte) {
	setBuffered(r, buf, bodyUniqueJSON)
	r.Header.Del("Content-Length")
}

// SetBody replaces r's body with buf, a rewrite a guard made of the body
// (GraphQL "null" mode), held in memory like a buffered one: BufferedBody
// returns it, so the guards after it read it without another copy.
func SetBody(r *http.Request, buf []byte) { setBuffered(r, buf, bodyRaw) }

// BufferBody reads a body PrepareBody left streaming into memory, within the
// route's body limit and read deadline (both already applied by PrepareBody),
// so a guard can inspect it; the upstream receives the same bytes.
// With no body limit configured, it still stops at DefaultMaxBodyBytes.
func BufferBody(r *http.Request, l *Limits) ([]byte, *httperr.Problem) {
	if b, ok := BufferedBody(r); ok {
		return b, nil
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	limit := int64(DefaultMaxBodyBytes)
	if l != nil && l.MaxBodyBytes > 0 {
		limit = l.MaxBodyBytes
	}
	if r.ContentLength > limit {
		return nil, httperr.BodyTooLarge()
	}
	buf, err := readBounded(r.Body, r.ContentLength, limit)
	if p := httperr.BodyRead(err); p != nil {
		return nil, p
	}
	setBuffered(r, buf, bodyRaw)
	return buf, nil
}

// readBounded reads all of body: exactly n bytes when n >= 0 (the server already
// stops at Content-Length), or up to limit bytes of a stream of unknown length.
func readBounded(body io.Reader, n, limit int64) ([]byte, error) {
	if n >= 0 {
		buf := make([]byte, n)
		_, err := io.ReadFull(body, buf)
		return buf, err
	}
	buf := make([]byte, 0, min(limit, 4096)+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		m, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if int64(len(buf)) > limit {
			return nil, &http.MaxBytesError{Limit: limit}
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// deadlineBody clears the read deadline once the body has been read to its end,
// so the deadline bounds the upload and not the upstream's answer (an expired
// read deadline cancels the request's context).
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

// Read reads from the body and lifts the deadline at EOF.
func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}
