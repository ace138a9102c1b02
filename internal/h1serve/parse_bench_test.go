package h1serve

import (
	"bufio"
	"bytes"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
)

// The heads of bench/run.sh's (b) scenario: wrk's request with the 600-byte
// bearer token, and the benchmark upstream's answer head.
var (
	benchRequestHead = "GET /full/json HTTP/1.1\r\nHost: 127.0.0.1:18104\r\nAuthorization: Bearer " +
		strings.Repeat("x", 600) + "\r\n\r\n"
	benchResponseHead = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" +
		"Date: Mon, 07 Dec 2026 03:25:47 GMT\r\nContent-Length: 1069\r\n\r\n"
)

// BenchmarkHeadParse bounds what a request-head parser of Bulwark's own could
// save over net/http (docs/performance.md, ninth pass). "net-http" is what
// h1serve and the upstream client call; "floor" is the least any parser must
// do to hand the guards the same request: find the lines, split the request
// line, parse the target, canonicalize each name, copy each value into a
// string and fill the header map — with none of net/http's validation (no
// byte checks of names and values, no Host, framing or version rules), so
// it is a lower bound of a parser's cost, not a parser: the difference
// between the two is the most such a parser could save.
func BenchmarkHeadParse(b *testing.B) {
	// netHTTP runs parse on head read from a reused bufio.Reader, as h1serve
	// and the upstream client read it.
	netHTTP := func(head string, parse func(*bufio.Reader) bool) func(*testing.B) {
		return func(b *testing.B) {
			r := strings.NewReader(head)
			br := bufio.NewReaderSize(r, 4096)
			b.ReportAllocs()
			for b.Loop() {
				r.Reset(head)
				br.Reset(r)
				if !parse(br) {
					b.Fatal("net/http parse failed")
				}
			}
		}
	}
	b.Run("request/net-http", netHTTP(benchRequestHead, func(br *bufio.Reader) bool {
		req, err := http.ReadRequest(br)
		return err == nil && req.Header.Get("Authorization") != ""
	}))
	b.Run("request/floor", func(b *testing.B) {
		head := []byte(benchRequestHead)
		b.ReportAllocs()
		for b.Loop() {
			req, ok := floorRequest(head)
			if !ok || req.Header.Get("Authorization") == "" || req.Host == "" {
				b.Fatal("floor parse failed")
			}
		}
	})
	b.Run("response/net-http", netHTTP(benchResponseHead, func(br *bufio.Reader) bool {
		resp, err := http.ReadResponse(br, nil)
		return err == nil && resp.ContentLength == 1069
	}))
	b.Run("response/floor", func(b *testing.B) {
		head := []byte(benchResponseHead)
		b.ReportAllocs()
		for b.Loop() {
			resp, ok := floorResponse(head)
			if !ok || resp.Header.Get("Content-Type") == "" {
				b.Fatal("floor parse failed")
			}
		}
	})
}

// floorHeader returns the header lines of block (the head after its first
// line) as a map, with one string for the whole block and one slice backing
// every value: the fewest allocations a parser that hands out an http.Header
// can make.
func floorHeader(block []byte) (http.Header, bool) {
	n := bytes.Count(block, []byte("\r\n"))
	all := string(block)
	h := make(http.Header, n)
	strs := make([]string, n)
	for k := 0; len(all) > 0; k++ {
		i := strings.Index(all, "\r\n")
		if i < 0 {
			return nil, false
		}
		line := all[:i]
		all = all[i+2:]
		if line == "" {
			return h, true
		}
		c := strings.IndexByte(line, ':')
		if c <= 0 {
			return nil, false
		}
		key := textproto.CanonicalMIMEHeaderKey(line[:c]) // no copy when already canonical
		strs[k] = strings.TrimSpace(line[c+1:])
		if vv := h[key]; vv != nil {
			h[key] = append(vv, strs[k])
		} else {
			h[key] = strs[k : k+1 : k+1]
		}
	}
	return nil, false
}

func floorRequest(head []byte) (*http.Request, bool) {
	i := bytes.Index(head, []byte("\r\n"))
	if i < 0 {
		return nil, false
	}
	line := string(head[:i])
	s1 := strings.IndexByte(line, ' ')
	s2 := strings.LastIndexByte(line, ' ')
	if s1 <= 0 || s2 <= s1 {
		return nil, false
	}
	target := line[s1+1 : s2]
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return nil, false
	}
	h, ok := floorHeader(head[i+2:])
	if !ok {
		return nil, false
	}
	req := &http.Request{Method: line[:s1], URL: u, RequestURI: target, Proto: line[s2+1:], ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Host: h.Get("Host"), Body: http.NoBody}
	delete(h, "Host")
	return req, true
}

func floorResponse(head []byte) (*http.Response, bool) {
	i := bytes.Index(head, []byte("\r\n"))
	if i < 12 {
		return nil, false
	}
	h, ok := floorHeader(head[i+2:])
	if !ok {
		return nil, false
	}
	return &http.Response{Status: string(head[9:i]), StatusCode: 200, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, ContentLength: 1069, Body: http.NoBody}, true
}
