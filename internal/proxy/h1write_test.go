package proxy

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// viaNetHTTP writes req with (*http.Request).Write, the body (if any) given
// as the in-memory reader the synchronous client used to hand it.
func viaNetHTTP(req *http.Request, body []byte) ([]byte, error) {
	r := *req
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
	}
	var out bytes.Buffer
	bw := bufio.NewWriter(&out)
	err := r.Write(bw)
	_ = bw.Flush()
	return out.Bytes(), err
}

func viaOwn(req *http.Request, body []byte) ([]byte, error) {
	r := *req
	if body != nil {
		r.ContentLength = int64(len(body))
	}
	var out bytes.Buffer
	bw := bufio.NewWriter(&out)
	err := writeRequest(bw, &r, body)
	_ = bw.Flush()
	return out.Bytes(), err
}

// sameAsNetHTTP fails t unless writeRequest and (*http.Request).Write agree
// on req: the same bytes, or both an error.
func sameAsNetHTTP(t *testing.T, req *http.Request, body []byte) {
	t.Helper()
	want, werr := viaNetHTTP(req, body)
	got, gerr := viaOwn(req, body)
	if (werr != nil) != (gerr != nil) {
		t.Fatalf("errors differ: net/http %v, own %v\nnet/http wrote %q", werr, gerr, want)
	}
	if werr == nil && !bytes.Equal(got, want) {
		t.Fatalf("bytes differ\nnet/http: %q\nown:      %q", want, got)
	}
}

func mkReq(t testing.TB, method, target string, h http.Header) *http.Request {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	if h == nil {
		h = http.Header{}
	}
	return &http.Request{Method: method, URL: u, Header: h, Host: u.Host}
}

func TestWriteRequestMatchesNetHTTP(t *testing.T) {
	bearer := "Bearer " + strings.Repeat("x", 600)
	cases := []struct {
		name string
		req  *http.Request
		body []byte
	}{
		{"plain GET", mkReq(t, "GET", "http://up:8080/json", nil), nil},
		{"query and escaped path", mkReq(t, "GET", "http://up/a%2Fb/c?x=1&y=%20", nil), nil},
		{"forced empty query", mkReq(t, "GET", "http://up/a?", nil), nil},
		{"many fields, several values", mkReq(t, "GET", "http://up/", http.Header{
			"X-Forwarded-For": {"198.51.100.7"}, "Accept": {"a/b", "c/d"}, "Authorization": {bearer},
			"X-B": {"2"}, "X-A": {"1"}, "Cookie": {"a=b; c=d"},
		}), nil},
		{"values trimmed", mkReq(t, "GET", "http://up/", http.Header{"X-Pad": {"  v \t", "\tw"}, "X-Empty": {""}}), nil},
		{"user agent set", mkReq(t, "GET", "http://up/", http.Header{"User-Agent": {" curl/8 "}}), nil},
		{"user agent empty: none sent", mkReq(t, "GET", "http://up/", http.Header{"User-Agent": {""}}), nil},
		{"user agent twice: the first", mkReq(t, "GET", "http://up/", http.Header{"User-Agent": {"a", "b"}}), nil},
		{"excluded fields in the map", mkReq(t, "GET", "http://up/", http.Header{
			"Host": {"evil"}, "Content-Length": {"99"}, "Transfer-Encoding": {"chunked"}, "Trailer": {"X"},
		}), nil},
		{"POST without body: length 0", mkReq(t, "POST", "http://up/p", nil), nil},
		{"PUT without body: length 0", mkReq(t, "PUT", "http://up/p", nil), nil},
		{"PATCH without body: length 0", mkReq(t, "PATCH", "http://up/p", nil), nil},
		{"DELETE without body: no length", mkReq(t, "DELETE", "http://up/p", nil), nil},
		{"OPTIONS without body", mkReq(t, "OPTIONS", "http://up/p", nil), nil},
		{"HEAD", mkReq(t, "HEAD", "http://up/p", nil), nil},
		{"empty method is GET", mkReq(t, "", "http://up/p", nil), nil},
		{"POST with body", mkReq(t, "POST", "http://up/p", http.Header{"Content-Type": {"application/json"}}), []byte(`{"a":1}`)},
		{"DELETE with body", mkReq(t, "DELETE", "http://up/p", nil), []byte("x")},
		{"host with port", mkReq(t, "GET", "http://127.0.0.1:9/", nil), nil},
		{"host invalid: sent empty", func() *http.Request { r := mkReq(t, "GET", "http://up/", nil); r.Host = "a b"; return r }(), nil},
		{"host empty: URL's", func() *http.Request { r := mkReq(t, "GET", "http://up:1/", nil); r.Host = ""; return r }(), nil},
		{"host other than URL", func() *http.Request { r := mkReq(t, "GET", "http://up/", nil); r.Host = "api.example"; return r }(), nil},
		{"control byte in target", func() *http.Request {
			r := mkReq(t, "GET", "http://up/", nil)
			r.URL.Path = "/a\x01b"
			return r
		}(), nil},
		// handed to net/http
		{"IPv6 host with zone", mkReq(t, "GET", "http://[fe80::1%25eth0]:8080/", nil), nil},
		{"non-ASCII host", func() *http.Request { r := mkReq(t, "GET", "http://up/", nil); r.Host = "bücher.example"; return r }(), nil},
		{"close", func() *http.Request { r := mkReq(t, "GET", "http://up/", nil); r.Close = true; return r }(), nil},
		{"opaque", func() *http.Request { r := mkReq(t, "GET", "http://up/", nil); r.URL.Opaque = "//up/x"; return r }(), nil},
		{"CONNECT", mkReq(t, "CONNECT", "http://up:443", nil), nil},
		{"close, with a body", func() *http.Request { r := mkReq(t, "PUT", "http://up/", nil); r.Close = true; return r }(), []byte("b")},
		{"trailer", func() *http.Request {
			r := mkReq(t, "GET", "http://up/", nil)
			r.Trailer = http.Header{"X": nil}
			return r
		}(), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { sameAsNetHTTP(t, tc.req, tc.body) })
	}
	many := http.Header{}
	for i := range 40 {
		many.Set(fmt.Sprintf("X-F%02d", i), "v")
	}
	t.Run("more fields than the stack sort holds", func(t *testing.T) {
		sameAsNetHTTP(t, mkReq(t, "GET", "http://up/", many), nil)
	})
}

func FuzzWriteRequest(f *testing.F) {
	f.Add("GET", "/json?a=1", "up:80", "X-A", " v ", "", []byte(nil))
	f.Add("POST", "/p", "", "Content-Type", "application/json", "ua", []byte(`{"a":1}`))
	f.Add("DELETE", "/%2F", "[::1]:80", "User-Agent", "", "x", []byte("b"))
	f.Fuzz(func(t *testing.T, method, target, host, key, value, ua string, body []byte) {
		if method != "" && !validMethod(method) {
			return // the gateway never forwards such a method
		}
		u, err := url.ParseRequestURI(target)
		if err != nil {
			return
		}
		h := http.Header{}
		if key != "" {
			h[key] = []string{value}
		}
		if ua != "" {
			h.Set("User-Agent", ua)
		}
		if validHeader(h) != nil {
			return // the synchronous client refuses it before writing
		}
		if len(body) == 0 {
			body = nil
		}
		req := &http.Request{Method: method, URL: u, Header: h, Host: host}
		if body == nil && method != "" {
			req.Body = http.NoBody
		}
		sameAsNetHTTP(t, req, body)
	})
}

// validMethod reports whether m is an HTTP token, as http.ReadRequest
// requires of what the gateway receives.
func validMethod(m string) bool {
	for i := range len(m) {
		if !strings.ContainsRune("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", rune(m[i])) {
			return false
		}
	}
	return m != ""
}

func BenchmarkWriteRequest(b *testing.B) {
	h := http.Header{"Accept": {"*/*"}, "X-Forwarded-For": {"127.0.0.1"}, "X-Forwarded-Proto": {"http"},
		"X-Forwarded-Host": {"127.0.0.1:8080"}, "Forwarded": {"for=127.0.0.1;proto=http"}, "X-Request-Id": {"01JABCDEFGHJKMNPQRSTVWXYZ0"},
		"X-Bulwark-Subject": {"user-1"}, "X-Bulwark-Scopes": {"bench:read"}}
	req := &http.Request{Method: "GET", URL: &url.URL{Scheme: "http", Host: "127.0.0.1:9000", Path: "/full/json"}, Header: h, Host: "127.0.0.1:9000"}
	bw := bufio.NewWriterSize(io.Discard, 4096)
	for _, own := range []bool{false, true} {
		b.Run(map[bool]string{false: "net-http", true: "own"}[own], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if own {
					err = writeRequest(bw, req, nil)
				} else {
					err = req.Write(bw)
				}
				if err != nil {
					b.Fatal(err)
				}
				_ = bw.Flush()
			}
		})
	}
}
