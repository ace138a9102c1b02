package h1serve

import (
	"bufio"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/net/http/httpguts"
)

const host = "Host: a.test\r\n"

type diffCase struct {
	name    string
	raw     string
	methods []string // one per final answer expected (nil: one GET)
	// knownDiff names an intended difference (Server's documentation): the
	// case then checks h1serve's own answer instead of comparing.
	knownDiff string
	check     func(t *testing.T, own result)
}

var diffCases = []diffCase{
	{name: "get", raw: "GET /echo HTTP/1.1\r\n" + host + "\r\n"},
	{name: "get query and headers", raw: "GET /echo?a=1&b=%20 HTTP/1.1\r\n" + host + "X-One: 1\r\nX-One: 2\r\nAccept: */*\r\n\r\n"},
	{name: "head", raw: "HEAD /echo HTTP/1.1\r\n" + host + "\r\n", methods: []string{"HEAD"}},
	{name: "head with body written", raw: "HEAD /big HTTP/1.1\r\n" + host + "\r\n", methods: []string{"HEAD"}},
	{name: "post content-length", raw: "POST /echo HTTP/1.1\r\n" + host + "Content-Length: 5\r\n\r\nhello"},
	{name: "post chunked", raw: "POST /echo HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"},
	{name: "post chunked with trailer", raw: "POST /echo HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n"},
	{name: "post chunked with declared trailer", raw: "POST /echo HTTP/1.1\r\n" + host + "Trailer: X-T\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n"},
	{name: "bad chunked body", raw: "POST /echo HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"},
	{name: "pipelined gets", raw: "GET /echo HTTP/1.1\r\n" + host + "\r\nGET /big HTTP/1.1\r\n" + host + "\r\n", methods: []string{"GET", "GET"}},
	{name: "pipelined post then get", raw: "POST /echo HTTP/1.1\r\n" + host + "Content-Length: 3\r\n\r\nabcGET /echo HTTP/1.1\r\n" + host + "\r\n", methods: []string{"POST", "GET"}},
	{name: "post then crlf then get", raw: "POST /echo HTTP/1.1\r\n" + host + "Content-Length: 3\r\n\r\nabc\r\nGET /echo HTTP/1.1\r\n" + host + "\r\n", methods: []string{"POST", "GET"}},
	{name: "http/1.0", raw: "GET /echo HTTP/1.0\r\n\r\n"},
	{name: "http/1.0 keep-alive", raw: "GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"},
	{name: "http/1.0 keep-alive streamed", raw: "GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"},
	{name: "http/1.0 keep-alive declared length", raw: "GET /json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"},
	{name: "http/1.0 post", raw: "POST /echo HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi"},
	{name: "connection close", raw: "GET /echo HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n"},
	{name: "handler connection close", raw: "GET /close HTTP/1.1\r\n" + host + "\r\n"},
	{name: "missing host", raw: "GET /echo HTTP/1.1\r\n\r\n"},
	{name: "duplicate host", raw: "GET /echo HTTP/1.1\r\n" + host + host + "\r\n"},
	{name: "invalid host", raw: "GET /echo HTTP/1.1\r\nHost: a b\r\n\r\n"},
	{name: "bad request line", raw: "GARBAGE\r\n\r\n"},
	{name: "bad method", raw: "G(T / HTTP/1.1\r\n" + host + "\r\n"},
	{name: "http/2.0 request line", raw: "GET / HTTP/2.0\r\n" + host + "\r\n"},
	{name: "http/0.9 request line", raw: "GET / HTTP/0.9\r\n\r\n"},
	{name: "obs-fold", raw: "GET /echo HTTP/1.1\r\n" + host + "X-Folded: a\r\n b\r\n\r\n"},
	{name: "huge head", raw: "GET /echo HTTP/1.1\r\n" + host + "X-Big: " + strings.Repeat("b", 8<<10) + "\r\n\r\n"},
	{name: "expect 100-continue", raw: "POST /echo HTTP/1.1\r\n" + host + "Expect: 100-continue\r\nContent-Length: 4\r\n\r\nbody"},
	{name: "expect 100-continue unread", raw: "POST /noread HTTP/1.1\r\n" + host + "Expect: 100-continue\r\nContent-Length: 4\r\n\r\nbody"},
	{name: "expect 100-continue token among others", raw: "POST /echo HTTP/1.1\r\n" + host + "Expect: 100-Continue extra\r\nContent-Length: 4\r\n\r\nbody"},
	{name: "expect 100-continue on http/1.0", raw: "POST /echo HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbody"},
	{name: "expect unknown", raw: "POST /echo HTTP/1.1\r\n" + host + "Expect: teapot\r\nContent-Length: 4\r\n\r\nbody"},
	{name: "absolute-form", raw: "GET http://b.test/echo?x=1 HTTP/1.1\r\n" + host + "\r\n"},
	{name: "options star", raw: "OPTIONS * HTTP/1.1\r\n" + host + "\r\n", methods: []string{"OPTIONS"}},
	{name: "options star with body", raw: "OPTIONS * HTTP/1.1\r\n" + host + "Content-Length: 3\r\n\r\nabc", methods: []string{"OPTIONS"}},
	{name: "invalid header name", raw: "GET /echo HTTP/1.1\r\n" + host + "Bad Name: x\r\n\r\n"},
	{name: "invalid header value", raw: "GET /echo HTTP/1.1\r\n" + host + "X-Bad: a\x01b\r\n\r\n"},
	{name: "space before colon", raw: "GET /echo HTTP/1.1\r\n" + host + "X-Sp : x\r\n\r\n"},
	{name: "h2c preface", raw: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", methods: []string{"PRI"}},
	{name: "unknown transfer-encoding", raw: "POST /echo HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip\r\n\r\n"},
	{name: "content-length and chunked", raw: "POST /echo HTTP/1.1\r\n" + host + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"},
	{name: "conflicting content-length", raw: "POST /echo HTTP/1.1\r\n" + host + "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"},
	{name: "declared length written less", raw: "GET /cl-less HTTP/1.1\r\n" + host + "\r\n"},
	{name: "declared length written more", raw: "GET /cl-more HTTP/1.1\r\n" + host + "\r\n"},
	{name: "stream with flush", raw: "GET /stream HTTP/1.1\r\n" + host + "\r\n"},
	{name: "big body chunked", raw: "GET /big HTTP/1.1\r\n" + host + "\r\n"},
	{name: "declared length written in pieces", raw: "GET /cl-pieces HTTP/1.1\r\n" + host + "\r\n"},
	{name: "trailers", raw: "GET /trailers HTTP/1.1\r\n" + host + "\r\n"},
	{name: "early hints", raw: "GET /early-hints HTTP/1.1\r\n" + host + "\r\n"},
	{name: "204 with body written", raw: "GET /nocontent HTTP/1.1\r\n" + host + "\r\n"},
	{name: "304 with body written", raw: "GET /notmodified HTTP/1.1\r\n" + host + "\r\n"},
	{name: "response header sanitizing and sniffing", raw: "GET /headers HTTP/1.1\r\n" + host + "\r\n"},
	{name: "second WriteHeader ignored", raw: "GET /twice HTTP/1.1\r\n" + host + "\r\n"},
	{name: "header changed after WriteHeader", raw: "GET /status-after HTTP/1.1\r\n" + host + "\r\n"},
	{name: "identity transfer-encoding", raw: "GET /identity HTTP/1.1\r\n" + host + "\r\n"},
	{name: "declared length json", raw: "GET /json HTTP/1.1\r\n" + host + "\r\n"},
	{name: "body left unread", raw: "POST /noread HTTP/1.1\r\n" + host + "Content-Length: 10\r\n\r\n0123456789"},
	{name: "large body left unread", raw: "POST /noread HTTP/1.1\r\n" + host + "Content-Length: 300000\r\n\r\n" + strings.Repeat("x", 300000)},
	{name: "flush then read body", raw: "POST /flush-then-read HTTP/1.1\r\n" + host + "Content-Length: 5\r\n\r\nhello"},
	{name: "handler declares chunked", raw: "GET /te-chunked HTTP/1.1\r\n" + host + "\r\n"},
	{name: "handler declares gzip coding", raw: "GET /te-gzip HTTP/1.1\r\n" + host + "\r\n"},
	{name: "101 without hijack", raw: "GET /switch HTTP/1.1\r\n" + host + "\r\n"},
	{name: "head with declared length", raw: "HEAD /json HTTP/1.1\r\n" + host + "\r\n", methods: []string{"HEAD"}},
	{name: "head empty", raw: "HEAD /empty HTTP/1.1\r\n" + host + "\r\n", methods: []string{"HEAD"}},
	{name: "get empty", raw: "GET /empty HTTP/1.1\r\n" + host + "\r\n"},
	{name: "http/1.0 keep-alive empty", raw: "GET /empty HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"},
	{name: "http/1.0 keep-alive head", raw: "HEAD /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", methods: []string{"HEAD"}},
	{name: "connection close among tokens", raw: "GET /echo HTTP/1.1\r\n" + host + "Connection: foo, CLOSE\r\n\r\n"},
	{name: "panic", raw: "GET /panic HTTP/1.1\r\n" + host + "\r\n"},
	{name: "abort handler panic", raw: "GET /abort HTTP/1.1\r\n" + host + "\r\n"},
	{name: "connect", raw: "CONNECT a.test:443 HTTP/1.1\r\n\r\n", methods: []string{"CONNECT"}},
	{name: "leading crlf", raw: "\r\nGET /echo HTTP/1.1\r\n" + host + "\r\n"},
	{name: "empty host", raw: "GET /echo HTTP/1.1\r\nHost:\r\n\r\n",
		knownDiff: "an empty Host is refused like a missing one (http.ReadRequest removes the field)",
		check: func(t *testing.T, own result) {
			if len(own.Answers) != 1 || !strings.HasPrefix(own.Answers[0].Status, "400") || own.Open {
				t.Errorf("h1serve: %+v, want one 400 and a closed connection", own)
			}
		}},
	{name: "absolute-form without host", raw: "GET http://b.test/echo HTTP/1.1\r\n\r\n",
		knownDiff: "the host of an absolute-form URI counts as the Host (net/http still wants the field)",
		check: func(t *testing.T, own result) {
			if len(own.Answers) != 1 || !strings.HasPrefix(own.Answers[0].Status, "200") {
				t.Errorf("h1serve: %+v, want 200", own)
			}
		}},
}

// TestDifferential sends the same bytes to http.Server and to h1serve with
// the same handler and compares what the client got (status, framing,
// headers but Date, body, trailers, whether the connection stays usable)
// and what the handler saw (method, URI, Host, headers, body).
func TestDifferential(t *testing.T) {
	for _, tc := range diffCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := startPair(t, 4096)
			methods := tc.methods
			if methods == nil {
				methods = []string{"GET"}
			}
			std := exchange(t, p.std, tc.raw, methods)
			own := exchange(t, p.own, tc.raw, methods)
			if tc.knownDiff != "" {
				t.Logf("intended difference: %s\nnet/http: %s\nh1serve:  %s", tc.knownDiff, dump(std), dump(own))
				tc.check(t, own)
				return
			}
			if !reflect.DeepEqual(std, own) {
				t.Errorf("client saw different answers\nnet/http: %s\nh1serve:  %s", dump(std), dump(own))
			}
			if s, o := p.stdRec.list(), p.ownRec.list(); !reflect.DeepEqual(s, o) {
				t.Errorf("handler saw different requests\nnet/http: %s\nh1serve:  %s", dump(s), dump(o))
			}
		})
	}
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", " ")
	return string(b)
}

// TestHeaderValueByteDifferential sends every byte but LF inside a header
// value, in a plain field and in an obs-fold continuation line, to http.Server
// and to h1serve: the answers must be the same (h1serve relies on
// http.ReadRequest's value check instead of repeating it).
func TestHeaderValueByteDifferential(t *testing.T) {
	p := startPair(t, 4096)
	for b := 0; b < 256; b++ {
		if b == '\n' {
			continue
		}
		c := string([]byte{byte(b)})
		for _, raw := range []string{
			"GET /echo HTTP/1.1\r\n" + host + "X-V: a" + c + "b\r\n\r\n",
			"GET /echo HTTP/1.1\r\n" + host + "X-V: a\r\n c" + c + "d\r\n\r\n",
		} {
			std := exchange(t, p.std, raw, []string{"GET"})
			own := exchange(t, p.own, raw, []string{"GET"})
			if !reflect.DeepEqual(std, own) {
				t.Errorf("byte %#02x in %q: client saw different answers\nnet/http: %s\nh1serve:  %s", b, raw, dump(std), dump(own))
			}
		}
	}
}

// TestReadRequestRefusesEveryInvalidValueByte holds the assumption readRequest
// makes: every header value http.ReadRequest returns passes
// httpguts.ValidHeaderFieldValue, whatever byte stands inside it, in a plain
// field or a continuation line. If a later Go let one through, readRequest
// would have to check values again.
func TestReadRequestRefusesEveryInvalidValueByte(t *testing.T) {
	for b := 0; b < 256; b++ {
		if b == '\n' {
			continue
		}
		c := string([]byte{byte(b)})
		for _, raw := range []string{
			"GET / HTTP/1.1\r\nHost: a\r\nX-V: a" + c + "b\r\n\r\n",
			"GET / HTTP/1.1\r\nHost: a\r\nX-V: a\r\n b" + c + "d\r\n\r\n",
			"GET / HTTP/1.1\r\nHost: a\r\nX-V: " + c + "\r\n\r\n",
		} {
			req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
			if err != nil {
				continue
			}
			for _, v := range req.Header.Values("X-V") {
				if !httpguts.ValidHeaderFieldValue(v) {
					t.Errorf("byte %#02x: http.ReadRequest returned the invalid value %q from %q", b, v, raw)
				}
			}
		}
	}
}
