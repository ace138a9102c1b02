package proxy

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// errRequestURICTL is (*http.Request).Write's refusal of a request target
// with a control byte, kept word for word.
var errRequestURICTL = errors.New("net/http: can't write control character in Request.URL")

// writeRequest writes req's head, and body (the whole of it, in memory, of
// req.ContentLength bytes; nil when there is none), to bw — the same bytes
// (*http.Request).Write writes for the requests the synchronous client sends,
// for about a third of its CPU and none of its allocations (a transfer writer,
// a sorter, fmt's buffers). It is Bulwark's serialization, not a parser: the
// header was validated by validHeader, and every request outside the plain
// case it knows is handed to (*http.Request).Write instead — a CONNECT, an
// opaque or proxy-form target, a Host that is not plain ASCII or is an IPv6
// literal (punycode and zone removal), a request that asks to close, one with
// trailers, a transfer coding or a body whose bytes are not given.
// TestWriteRequestMatchesNetHTTP and FuzzWriteRequest hold it to
// (*http.Request).Write byte for byte.
func writeRequest(bw *bufio.Writer, req *http.Request, body []byte) error {
	host := req.Host
	if host == "" && req.URL != nil {
		host = req.URL.Host
	}
	if !plainRequest(req, host, body) {
		if body != nil {
			r := *req // the caller's request keeps its body for a retry's check
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
			return r.Write(bw)
		}
		return req.Write(bw)
	}
	if !httpguts.ValidHostHeader(host) {
		host = "" // what (*http.Request).Write sends to a non-proxy
	}
	ruri := req.URL.RequestURI()
	if containsCTL(ruri) {
		return errRequestURICTL
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	b := bw.AvailableBuffer()
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, ruri...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, host...)
	b = append(b, "\r\n"...)
	ua := "Go-http-client/1.1"
	if _, ok := req.Header["User-Agent"]; ok {
		ua = req.Header.Get("User-Agent")
	}
	if ua != "" { // (tested before trimming: a value of spaces sends an empty field, as net/http)
		b = append(b, "User-Agent: "...)
		b = append(b, trimOWS(ua)...)
		b = append(b, "\r\n"...)
	}
	if n := int64(len(body)); n > 0 || sendsZeroLength(method) {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, n, 10)
		b = append(b, "\r\n"...)
	}
	// The fields in key order, as net/http writes them; a request has a
	// handful, sorted on the stack.
	var stack [32]string
	keys := stack[:0]
	for k := range req.Header {
		switch k {
		case "Host", "User-Agent", "Content-Length", "Transfer-Encoding", "Trailer":
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range req.Header[k] {
			b = append(b, k...)
			b = append(b, ": "...)
			b = append(b, trimOWS(v)...)
			b = append(b, "\r\n"...)
		}
	}
	b = append(b, "\r\n"...)
	if _, err := bw.Write(b); err != nil {
		return err
	}
	if len(body) > 0 {
		if _, err := bw.Write(body); err != nil {
			return err
		}
	}
	return nil
}

// plainRequest reports whether writeRequest writes req, bound for host,
// itself.
func plainRequest(req *http.Request, host string, body []byte) bool {
	if req.URL == nil || req.URL.Opaque != "" || req.Method == http.MethodConnect || req.Close ||
		req.Trailer != nil || len(req.TransferEncoding) > 0 {
		return false
	}
	if body == nil {
		if req.Body != nil && req.Body != http.NoBody || req.ContentLength != 0 {
			return false
		}
	} else if req.ContentLength != int64(len(body)) || len(body) == 0 {
		return false
	}
	if strings.HasPrefix(host, "[") {
		return false // an IPv6 literal: net/http removes a zone from it
	}
	for i := range len(host) {
		if host[i] >= 0x80 {
			return false // punycode: net/http converts it
		}
	}
	return len(req.Header) <= 32
}

// sendsZeroLength reports whether net/http writes "Content-Length: 0" for a
// request of method without a body (and without a transfer coding): for
// POST, PUT and PATCH, which many servers expect to carry one.
func sendsZeroLength(method string) bool {
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch
}

// trimOWS trims spaces and tabs at both ends, as net/http does to the values
// it writes (textproto.TrimString). validHeader has refused CR and LF.
func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// containsCTL reports whether s has an ASCII control byte (or DEL).
func containsCTL(s string) bool {
	for i := range len(s) {
		if c := s[i]; c < ' ' || c == 0x7f {
			return true
		}
	}
	return false
}
