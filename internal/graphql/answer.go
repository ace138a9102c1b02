package graphql

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/codec"
	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/jsonread"
)

// maxResponse bounds the upstream answer the error sanitizer buffers.
const maxResponse = 8 << 20

// Response returns the error sanitizer for the upstream's answer to x
// (SanitizeResponse, with the fields Admit left out). A JSON answer that is
// too large or not a GraphQL response object is refused with a 502 in
// GraphQL's error shape: its errors could not be checked. An answer labelled
// otherwise whose body is JSON is read as JSON (clients ignore the label);
// other answers (an HTML error page, an event stream) pass to the response
// guards after it.
func (g *Guard) Response(x *exchange.Exchange) func(*http.Response) error {
	return func(resp *http.Response) error {
		nulls, _ := x.Nulls.(*Nulls)
		if p := sanitize(resp, nulls); p != nil {
			return Shape(p)
		}
		return nil
	}
}

func sanitize(resp *http.Response, nulls *Nulls) *httperr.Problem {
	// Every Content-Type line counts: with two, a browser reads the last
	// valid one, and an event stream label must not hide a JSON one.
	cts := resp.Header.Values("Content-Type")
	labelled := slices.ContainsFunc(cts, isJSON)
	if len(cts) == 1 && streamed(cts[0]) {
		// Delivered in parts as they are made: each part is cleaned as it
		// passes (server-sent events; incremental delivery's multipart).
		if enc := resp.Header.Values("Content-Encoding"); len(enc) > 0 && !(len(enc) == 1 && strings.EqualFold(enc[0], "identity")) {
			resp.Body.Close()
			return unfilterable(errors.New("a compressed stream of parts"))
		}
		mt, params, _ := mime.ParseMediaType(cts[0])
		if mt == "text/event-stream" {
			resp.Body = newSSESanitizer(resp.Body, nulls)
		} else if b := params["boundary"]; b != "" {
			resp.Body = newMultipartSanitizer(resp.Body, b, nulls)
		} else {
			resp.Body.Close()
			return unfilterable(errors.New("a multipart answer without a boundary"))
		}
		resp.ContentLength = -1 // parts may change length
		resp.Header.Del("Content-Length")
		return nil
	}
	// Every Content-Encoding line counts: a client decodes them all, and
	// codec refuses stacked codings rather than read the body otherwise.
	enc := strings.Join(resp.Header.Values("Content-Encoding"), ", ")
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		resp.Body.Close()
		return httperr.New(http.StatusBadGateway, "upstream_unreachable", "").WithCause(err)
	}
	if len(raw) > maxResponse {
		if _, js, unreadable := sniff(raw); !labelled && enc == "" && !js && !unreadable {
			// A large answer that is not JSON (a download, a page) goes on as it came.
			resp.Body = readCloser{io.MultiReader(bytes.NewReader(raw), resp.Body), resp.Body}
			return nil
		}
		// JSON, or compressed so that what it holds cannot be told cheaply.
		resp.Body.Close()
		return httperr.New(http.StatusBadGateway, "response_too_large", "The upstream's answer is too large to be checked.")
	}
	resp.Body.Close()
	body, err := codec.Decode(bytes.NewReader(raw), enc, maxResponse)
	if err != nil { // whatever its label: what cannot be decoded cannot be told not to be JSON
		return unfilterable(err)
	}
	// An answer labelled otherwise (text/plain, none, two labels) that is
	// JSON is read as one: a client's fetch().json() ignores the label, so
	// its errors are cleaned like any other. One that is not JSON (an HTML
	// error page) passes to the response guards after this one.
	doc, js, unreadable := sniff(body)
	if !labelled {
		if unreadable {
			return unfilterable(errors.New("an answer that may be JSON in UTF-16 or UTF-32"))
		}
		if !js {
			resp.Body = io.NopCloser(bytes.NewReader(raw))
			return nil
		}
	}
	out, changed, err := SanitizeResponse(doc, nulls)
	if err != nil {
		if !labelled && errors.Is(err, errNotJSON) { // it only started like JSON
			resp.Body = io.NopCloser(bytes.NewReader(raw))
			return nil
		}
		return unfilterable(err)
	}
	if !changed {
		resp.Body = io.NopCloser(bytes.NewReader(raw))
		return nil
	}
	resp.Header.Del("Content-Encoding")
	resp.Header.Del("ETag")
	resp.Body = io.NopCloser(bytes.NewReader(out))
	resp.ContentLength = int64(len(out))
	resp.Header.Set("Content-Length", strconv.Itoa(len(out)))
	return nil
}

// readCloser reads from r and closes c.
type readCloser struct {
	io.Reader
	c io.Closer
}

func (r readCloser) Close() error { return r.c.Close() }

// utf8BOM is the UTF-8 byte order mark, which clients strip before they read
// JSON (fetch's UTF-8 decode, Python requests' utf-8-sig).
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// sniff says how a client could read an answer whatever its label: doc is
// body without a UTF-8 byte order mark; js reports that doc starts like JSON
// (an object or an array); unreadable that it may be JSON in UTF-16 or
// UTF-32, which the sanitizer does not read: a byte order mark of those, or
// a JSON start character beside NULs in the first bytes (RFC 4627's way of
// telling the encodings apart, as Python requests does).
func sniff(body []byte) (doc []byte, js, unreadable bool) {
	if bytes.HasPrefix(body, []byte{0xFE, 0xFF}) || bytes.HasPrefix(body, []byte{0xFF, 0xFE}) {
		return body, false, true // UTF-16 either way; UTF-32 LE starts the same
	}
	if len(body) >= 4 {
		b := body[:4]
		if b[0] == 0 && b[1] == 0 && b[2] == 0 && jsonStart(b[3]) || // UTF-32 BE
			b[0] == 0 && jsonStart(b[1]) || // UTF-16 BE (and UTF-32 BE with a mark)
			jsonStart(b[0]) && b[1] == 0 { // UTF-16 LE, UTF-32 LE
			return body, false, true
		}
	}
	doc = bytes.TrimPrefix(body, utf8BOM)
	return doc, looksJSON(doc), false
}

// jsonStart reports whether c may start a JSON document that is an object or
// an array (JSON whitespace included).
func jsonStart(c byte) bool {
	switch c {
	case '{', '[', ' ', '\t', '\r', '\n':
		return true
	}
	return false
}

// looksJSON reports whether b starts, after JSON whitespace, with an object
// or an array.
func looksJSON(b []byte) bool {
	c := jsonread.FirstByte(b)
	return c == '{' || c == '['
}

// streamed reports whether ct is an answer delivered in parts as it is made
// (GraphQL over server-sent events, incremental delivery): not buffered.
func streamed(ct string) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "text/event-stream" || strings.HasPrefix(mt, "multipart/")
}

func unfilterable(cause error) *httperr.Problem {
	return httperr.New(http.StatusBadGateway, "response_unfilterable", "The upstream's answer could not be checked.").WithCause(cause)
}

func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}
