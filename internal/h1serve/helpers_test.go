package h1serve

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// seen is what a handler saw of one request.
type seen struct {
	Method, URI, Host, Proto string
	Header                   string // sorted, one field a line
	Body                     string
	BodyErr                  string
	Trailer                  string // the request's trailers once the body is read
	WriteErr                 string
}

// recorder collects what the handler saw, in order.
type recorder struct {
	mu   sync.Mutex
	seen []seen
}

func (r *recorder) add(s seen) {
	r.mu.Lock()
	r.seen = append(r.seen, s)
	r.mu.Unlock()
}

func (r *recorder) list() []seen {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seen)
}

func headerString(h http.Header) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%q\n", k, h[k])
	}
	return b.String()
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// testHandler behaves by path; it records each request first (a panic
// still leaves its record).
func testHandler(rec *recorder) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := seen{Method: r.Method, URI: r.RequestURI, Host: r.Host, Proto: r.Proto, Header: headerString(r.Header)}
		record := func() { rec.add(s) }
		switch r.URL.Path {
		case "/noread":
			record()
			w.Write([]byte("not read"))
			return
		case "/panic":
			record()
			panic("boom")
		case "/flush-then-read":
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			b, err := io.ReadAll(r.Body)
			s.Body, s.BodyErr = string(b), errString(err)
			record()
			io.WriteString(w, "read after flush: "+string(b))
			return
		case "/abort":
			record()
			w.Write([]byte("partial"))
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}
		b, err := io.ReadAll(r.Body)
		s.Body, s.BodyErr = string(b), errString(err)
		s.Trailer = headerString(r.Trailer)
		var werr error
		write := func(p string) {
			if _, err := io.WriteString(w, p); err != nil && werr == nil {
				werr = err
			}
		}
		switch r.URL.Path {
		case "/cl-less":
			w.Header().Set("Content-Length", "10")
			write("12345")
		case "/cl-more":
			w.Header().Set("Content-Length", "5")
			write("1234567890")
		case "/stream":
			for i := range 3 {
				write(fmt.Sprintf("part %d\n", i))
				w.(http.Flusher).Flush()
			}
		case "/trailers":
			w.Header().Set("Trailer", "X-Sum, X-Late")
			w.Header().Set("Content-Type", "text/plain")
			write("body")
			w.Header().Set("X-Sum", "42")
			w.Header().Set(http.TrailerPrefix+"X-Undeclared", "7")
		case "/early-hints":
			w.Header().Set("Link", "</a.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			w.Header().Set("Content-Type", "text/plain")
			write("final")
		case "/nocontent":
			w.WriteHeader(http.StatusNoContent)
			write("should not go")
		case "/notmodified":
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Etag", `"x"`)
			w.WriteHeader(http.StatusNotModified)
			write("should not go")
		case "/big":
			write(strings.Repeat("0123456789", 500))
		case "/cl-pieces": // a declared length written in pieces around the 2 KiB held before commit
			var body strings.Builder
			for i := 0; body.Len() < 6000; i++ {
				fmt.Fprintf(&body, "%07d.", i)
			}
			doc := body.String()[:6000]
			w.Header().Set("Content-Length", "6000")
			for _, piece := range []int{2049, 2047, 1, 1903} {
				write(doc[:piece])
				doc = doc[piece:]
			}
		case "/close":
			w.Header().Set("Connection", "close")
			write("bye")
		case "/headers":
			w.Header().Set("X-Crlf", "a\r\nb\rc\nd")
			w.Header()["Bad Name"] = []string{"x"}
			w.Header().Set("X-Spaces", "  padded  ")
			w.Header().Add("X-Multi", "one")
			w.Header().Add("X-Multi", "two")
			write("<html><body>sniffed</body></html>")
		case "/twice":
			w.WriteHeader(http.StatusAccepted)
			w.WriteHeader(http.StatusTeapot)
			write("x")
		case "/json":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "2")
			write("{}")
		case "/status-after":
			w.WriteHeader(http.StatusCreated)
			w.Header().Set("X-After", "ignored")
			write("created")
		case "/te-chunked":
			w.Header().Set("Transfer-Encoding", "chunked")
			write("declared chunked")
		case "/te-gzip":
			w.Header().Set("Transfer-Encoding", "gzip")
			write("declared gzip")
		case "/switch":
			w.Header().Set("Connection", "Upgrade")
			w.Header().Set("Upgrade", "x")
			w.WriteHeader(http.StatusSwitchingProtocols)
		case "/empty":
			w.WriteHeader(http.StatusOK)
		case "/identity":
			w.Header().Set("Transfer-Encoding", "identity")
			write("identity body")
		default:
			w.Header().Set("X-Echo", r.Method)
			write("method=" + r.Method + " body=" + string(b))
		}
		s.WriteErr = errString(werr)
		record()
	})
}

// pair runs an http.Server and an h1serve.Server with the same handler.
type pair struct {
	std, own       string // addresses
	stdRec, ownRec *recorder
}

func startPair(t testing.TB, maxHeader int) *pair {
	t.Helper()
	p := &pair{stdRec: &recorder{}, ownRec: &recorder{}}
	quiet := log.New(io.Discard, "", 0)
	lnStd, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lnOwn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	std := &http.Server{Handler: testHandler(p.stdRec), MaxHeaderBytes: maxHeader, ErrorLog: quiet}
	own := &Server{Handler: testHandler(p.ownRec), MaxHeaderBytes: maxHeader, ErrorLog: quiet}
	go std.Serve(lnStd)
	go own.Serve(lnOwn)
	t.Cleanup(func() { std.Close(); own.Close() })
	p.std, p.own = lnStd.Addr().String(), lnOwn.Addr().String()
	return p
}

// answer is what a client saw of one exchange on the wire.
type answer struct {
	Status    string
	Proto     string
	Header    string // without Date
	CL        int64
	TE        []string
	Close     bool
	Body      string
	BodyErr   string
	Trailer   string
	HasDate   bool
	ReadError bool
}

// result is everything the client saw on one connection.
type result struct {
	Answers []answer
	Open    bool // a probe request after them was answered
}

// exchange sends raw, reads up to n answers (1xx ones included, each final
// answer counted), then probes whether the connection is still usable.
func exchange(t testing.TB, addr, raw string, methods []string) result {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// A safety net against a hung server, not an assertion on time.
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	var res result
	finals := 0
	for finals < len(methods) {
		a, final, ok := readAnswer(br, methods[finals])
		if !ok {
			res.Answers = append(res.Answers, answer{ReadError: true})
			return res
		}
		res.Answers = append(res.Answers, a)
		if final {
			finals++
			if a.BodyErr != "" {
				return res // a broken body ends the connection
			}
		}
	}
	if _, err := io.WriteString(c, "GET /probe HTTP/1.1\r\nHost: probe\r\n\r\n"); err != nil {
		return res
	}
	_, _, res.Open = readAnswer(br, "GET")
	return res
}

func readAnswer(br *bufio.Reader, method string) (a answer, final, ok bool) {
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		return a, false, false
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	a = answer{Status: resp.Status, Proto: resp.Proto, CL: resp.ContentLength, TE: resp.TransferEncoding,
		Close: resp.Close, Body: string(b), HasDate: resp.Header.Get("Date") != ""}
	if err != nil {
		a.BodyErr = "broken"
		if errors.Is(err, io.ErrUnexpectedEOF) {
			a.BodyErr = "unexpected EOF"
		}
	}
	resp.Header.Del("Date")
	a.Header = headerString(resp.Header)
	a.Trailer = headerString(resp.Trailer)
	return a, resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols, true
}
