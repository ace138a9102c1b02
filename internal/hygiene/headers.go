package hygiene

import (
	"net/http"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/httperr"
)

// headerOverhead is what a header line costs beside its name and value: ": " and CRLF.
const headerOverhead = 4

// CheckHeaders enforces the header size and count limits and refuses ambiguous
// message framing and header values carrying NUL, CR or LF. Whatever the order of
// the header map, the verdict is the same: size, then count, then bad values,
// then framing. A nil l means DefaultLimits.
func CheckHeaders(r *http.Request, l *Limits) *httperr.Problem {
	if l == nil {
		d := DefaultLimits()
		l = &d
	}
	size := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2
	count := 0
	if r.Host != "" {
		// net/http moves Host out of the map; it still travelled on the wire.
		size += len("Host") + len(r.Host) + headerOverhead
		count++
	}
	badValue := hasCtl(r.Host)
	for name, values := range r.Header {
		count += len(values)
		for _, v := range values {
			size += len(name) + len(v) + headerOverhead
			badValue = badValue || hasCtl(v)
		}
	}
	switch {
	case l.MaxHeaderBytes > 0 && size > l.MaxHeaderBytes:
		return httperr.New(http.StatusRequestHeaderFieldsTooLarge, "headers_too_large",
			"The request headers are larger than this route allows.")
	case l.MaxHeaderCount > 0 && count > l.MaxHeaderCount:
		return httperr.New(http.StatusRequestHeaderFieldsTooLarge, "too_many_headers",
			"The request has more header fields than this route allows.")
	case badValue:
		return httperr.New(http.StatusBadRequest, "bad_header",
			"A header value contains a forbidden control character.")
	}
	if detail := framingProblem(r); detail != "" {
		return badFraming(detail)
	}
	return nil
}

// badFraming is the 400 for a request whose body boundaries are ambiguous. The
// connection is closed after the answer, because the next request on it would
// start at a position two parsers may disagree about (request smuggling).
func badFraming(detail string) *httperr.Problem {
	return httperr.New(http.StatusBadRequest, "bad_framing", detail).WithHeader("Connection", "close")
}

// framingProblem returns a public detail when the request's framing headers
// conflict (RFC 9112 §6.1, §6.3), or "" when they are unambiguous.
func framingProblem(r *http.Request) string {
	te := r.TransferEncoding
	teHeader := r.Header["Transfer-Encoding"]
	cl := r.Header["Content-Length"]
	switch {
	case len(te) > 1 || len(teHeader) > 1:
		return "Only one transfer coding, chunked, is accepted."
	case len(te) == 1 && !strings.EqualFold(te[0], "chunked"):
		return "Only one transfer coding, chunked, is accepted."
	case len(teHeader) == 1 && !strings.EqualFold(strings.TrimSpace(teHeader[0]), "chunked"):
		return "Only one transfer coding, chunked, is accepted."
	case (len(te) > 0 || len(teHeader) > 0) && len(cl) > 0:
		return "Content-Length and Transfer-Encoding must not both be present."
	}
	for i, v := range cl {
		if !isDigits(strings.TrimSpace(v)) {
			return "Content-Length must be a single decimal number."
		}
		if i > 0 && strings.TrimSpace(v) != strings.TrimSpace(cl[0]) {
			return "Content-Length values conflict."
		}
	}
	return ""
}

// hasCtl reports whether s contains NUL, CR or LF, the bytes that split or end
// header lines when a value is forwarded (header injection, response splitting).
func hasCtl(s string) bool {
	// Three vectorised byte searches beat one byte-wise loop on the long
	// values that matter (a bearer token is 600 bytes and more).
	return strings.IndexByte(s, '\n') >= 0 || strings.IndexByte(s, '\r') >= 0 || strings.IndexByte(s, 0) >= 0
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
