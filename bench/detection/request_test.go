package main

import (
	"bytes"
	"testing"
)

func TestValueRequests(t *testing.T) {
	tests := []struct {
		name        string
		v           string
		encoded     bool
		wantTarget  string
		wantJSONDoc string
	}{
		{"raw payload form-encoded", "1' or 1=1 -- #", false, "/search?q=1%27+or+1%3D1+--+%23", `{"q":"1' or 1=1 -- #"}`},
		{"encoded source verbatim", "1%27+or+1%3D1--", true, "/search?q=1%27+or+1%3D1--", `{"q":"1' or 1=1--"}`},
		{"encoded source with raw space and invalid escape", "-(SELECT 2)%(x", true, "/search?q=-(SELECT%202)%(x", `{"q":"-(SELECT 2)%(x"}`},
		{"encoded source with newline", "a\nb", true, "/search?q=a%0Ab", `{"q":"a\nb"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, b := valueRequests(tc.v, tc.encoded)
			if q.Method != "GET" || q.Target != tc.wantTarget || len(q.Body) != 0 {
				t.Errorf("query = %s %s (body %q), want GET %s", q.Method, q.Target, q.Body, tc.wantTarget)
			}
			if b.Method != "POST" || b.Target != searchPath || string(b.Body) != tc.wantJSONDoc || b.header("content-type") != ctJSON {
				t.Errorf("json = %s %s %q %v, want POST /search %s", b.Method, b.Target, b.Body, b.Header, tc.wantJSONDoc)
			}
		})
	}
}

func TestRequestWrite(t *testing.T) {
	tests := []struct {
		name string
		r    Request
		want string
	}{
		{"GET without body", Request{Method: "GET", Target: "/search?q=1"},
			"GET /search?q=1 HTTP/1.1\r\nHost: h.bench\r\n\r\n"},
		{"POST with body and header", Request{Method: "POST", Target: "/s", Header: [][2]string{{"Content-Type", ctJSON}}, Body: []byte(`{}`)},
			"POST /s HTTP/1.1\r\nHost: h.bench\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"},
		{"empty POST gets a length", Request{Method: "POST", Target: "/s"},
			"POST /s HTTP/1.1\r\nHost: h.bench\r\nContent-Length: 0\r\n\r\n"},
		{"GET with body (CRS stages)", Request{Method: "GET", Target: "/", Body: []byte("a=1")},
			"GET / HTTP/1.1\r\nHost: h.bench\r\nContent-Length: 3\r\n\r\na=1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			tc.r.write(&b, "h.bench")
			if b.String() != tc.want {
				t.Errorf("write =\n%q\nwant\n%q", b.String(), tc.want)
			}
		})
	}
}

func TestAddHeader(t *testing.T) {
	tests := []struct {
		name, k, v  string
		kept, added bool
	}{
		{"ordinary", "User-Agent", "x", true, true},
		{"host replaced", "Host", "localhost", true, false},
		{"length recomputed", "content-length", "12", true, false},
		{"hop-by-hop", "Proxy-Connection", "keep-alive", true, false},
		{"CR LF in value unsendable", "X-A", "a\r\nb", false, false},
		{"bad name", "X A", "v", false, false},
		{"control char other than CR LF sent", "X-A", "a\x00b", true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r Request
			kept := r.addHeader(tc.k, tc.v)
			if kept != tc.kept || (len(r.Header) == 1) != tc.added {
				t.Errorf("addHeader(%q, %q) = %v, headers %v; want %v, added %v", tc.k, tc.v, kept, r.Header, tc.kept, tc.added)
			}
		})
	}
}

func TestJoinTarget(t *testing.T) {
	tests := []struct{ name, path, query, want string }{
		{"path and query", "/odata/Products", "$filter=Name eq 'O''Brien'", "/odata/Products?$filter=Name%20eq%20'O''Brien'"},
		{"no query", "/a", "", "/a"},
		{"missing slash", "get", "", "/get"},
		{"unicode in query", "/get?ssrf=①", "", "/get?ssrf=%E2%91%A0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := joinTarget(tc.path, tc.query); got != tc.want {
				t.Errorf("joinTarget(%q, %q) = %q, want %q", tc.path, tc.query, got, tc.want)
			}
		})
	}
}
