package proxy

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"sync/atomic"
	"testing"
)

func TestResponseTrailers(t *testing.T) {
	s := backend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Checksum")
		_, _ = io.WriteString(w, "body")
		w.Header().Set("X-Checksum", "abc")
		w.Header().Set(http.TrailerPrefix+"X-Late", "unannounced")
	})
	up := newUpstream(t, Config{Targets: []string{s.URL}})
	f := newFront(t, up, frontOpts{})
	resp := get(t, f.Client(), f.URL+"/")
	if got := bodyString(t, resp); got != "body" {
		t.Fatalf("body = %q", got)
	}
	if resp.Trailer.Get("X-Checksum") != "abc" || resp.Trailer.Get("X-Late") != "unannounced" {
		t.Fatalf("trailers = %v", resp.Trailer)
	}
	if o := f.outcome(t); o.Status != http.StatusOK || o.Err != nil {
		t.Fatalf("outcome = %+v", o)
	}
}

func TestNoBodyAnswers(t *testing.T) {
	s := backend(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/204":
			w.WriteHeader(http.StatusNoContent)
		case "/304":
			w.Header().Set("ETag", `"v1"`)
			w.WriteHeader(http.StatusNotModified)
		default:
			w.Header().Set("Content-Length", "11")
			_, _ = io.WriteString(w, "hello world")
		}
	})
	up := newUpstream(t, Config{Targets: []string{s.URL}})
	f := newFront(t, up, frontOpts{})
	tests := []struct {
		method, path string
		status       int
		header       string
	}{
		{http.MethodHead, "/doc", http.StatusOK, "Content-Length"},
		{http.MethodGet, "/204", http.StatusNoContent, ""},
		{http.MethodGet, "/304", http.StatusNotModified, "Etag"},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, f.URL+tc.path, nil)
			resp, err := f.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			if b := bodyString(t, resp); b != "" || resp.StatusCode != tc.status {
				t.Fatalf("status %d body %q", resp.StatusCode, b)
			}
			if tc.header != "" && resp.Header.Get(tc.header) == "" {
				t.Errorf("%s lost: %v", tc.header, resp.Header)
			}
			if o := f.outcome(t); o.Status != tc.status {
				t.Errorf("outcome = %+v", o)
			}
		})
	}
}

// TestKnownLengthAnswerKeepsItsLength: an answer with a Content-Length is
// relayed with it (not re-chunked by per-write flushing).
func TestKnownLengthAnswerKeepsItsLength(t *testing.T) {
	payload := strings.Repeat("x", 100<<10)
	s := backend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "102400")
		_, _ = io.WriteString(w, payload)
	})
	up := newUpstream(t, Config{Targets: []string{s.URL}})
	f := newFront(t, up, frontOpts{})
	resp := get(t, f.Client(), f.URL+"/")
	if resp.ContentLength != int64(len(payload)) || len(resp.TransferEncoding) != 0 {
		t.Errorf("ContentLength %d, Transfer-Encoding %v", resp.ContentLength, resp.TransferEncoding)
	}
	if b := bodyString(t, resp); b != payload {
		t.Fatalf("body of %d bytes, want %d", len(b), len(payload))
	}
}

func TestEarlyHintsRelayed(t *testing.T) {
	s := backend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Del("Link")
		_, _ = io.WriteString(w, "done")
	})
	up := newUpstream(t, Config{Targets: []string{s.URL}})
	f := newFront(t, up, frontOpts{})
	var hints []string
	trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
		hints = append(hints, h.Get("Link"))
		return nil
	}}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), http.MethodGet, f.URL+"/", nil)
	resp, err := f.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if b := bodyString(t, resp); b != "done" || resp.Header.Get("Link") != "" {
		t.Fatalf("body %q, final Link %q", b, resp.Header.Get("Link"))
	}
	if len(hints) != 1 || hints[0] != "</style.css>; rel=preload" {
		t.Fatalf("103 hints = %q", hints)
	}
}

// TestClientGoneMidBody: a client that hangs up while the answer streams
// cancels the upstream request and the outcome says the stream broke.
func TestClientGoneMidBody(t *testing.T) {
	upstreamDone := make(chan struct{})
	s := backend(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "first\n")
		http.NewResponseController(w).Flush()
		<-r.Context().Done()
		close(upstreamDone)
	})
	up := newUpstream(t, Config{Targets: []string{s.URL}, MaxFails: 1})
	f := newFront(t, up, frontOpts{})
	conn, err := net.Dial("tcp", strings.TrimPrefix(f.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(conn, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(conn)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(line, "first") {
			break
		}
	}
	conn.Close()
	<-upstreamDone
	if o := f.outcome(t); o.Err != ErrStreamAborted || o.Status != http.StatusOK {
		t.Errorf("outcome = %+v", o)
	}
	if h := up.Health()[0]; h.Ejected || h.RecentFails != 0 {
		t.Errorf("client hang-up charged to target: %+v", h)
	}
}

// TestUpgradeToOtherProtocolRefused: a target that switches to a protocol
// the client did not ask for is answered 502, the connection not handed over.
func TestUpgradeToOtherProtocolRefused(t *testing.T) {
	s := backend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "Upgrade")
		w.Header().Set("Upgrade", "h2c")
		w.WriteHeader(http.StatusSwitchingProtocols)
	})
	up := newUpstream(t, Config{Targets: []string{s.URL}})
	f := newFront(t, up, frontOpts{})
	req, _ := http.NewRequest(http.MethodGet, f.URL+"/ws", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	resp, err := f.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	readProblem(t, resp, http.StatusBadGateway, "upstream_bad_response")
}

func TestInvalidUpgradeRefused(t *testing.T) {
	var hits atomic.Int64
	s := backend(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	up := newUpstream(t, Config{Targets: []string{s.URL}, MaxFails: 1})
	f := newFront(t, up, frontOpts{})
	conn, err := net.Dial("tcp", strings.TrimPrefix(f.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: web\xf6socket\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	readProblem(t, resp, http.StatusBadRequest, "upgrade_invalid")
	if hits.Load() != 0 {
		t.Error("invalid upgrade reached the target")
	}
}

func TestTeTrailersForwarded(t *testing.T) {
	s := backend(t, echoHeaders)
	up := newUpstream(t, Config{Targets: []string{s.URL}})
	f := newFront(t, up, frontOpts{})
	req, _ := http.NewRequest(http.MethodGet, f.URL+"/", nil)
	req.Header.Set("Te", "trailers, deflate")
	if e := doEcho(t, f, req); e.Header.Get("Te") != "trailers" {
		t.Errorf("Te = %q, want trailers", e.Header.Get("Te"))
	}
}
