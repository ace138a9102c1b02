package proxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"
)

// benchBody is a typical small JSON answer.
const benchBody = `{"id":"42","name":"bulwark","items":[1,2,3,4,5,6,7,8,9,10]}`

func benchBackend(b *testing.B) *httptest.Server {
	b.Helper()
	return backend(b, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, benchBody)
	})
}

// runBench drives GETs through front with parallel clients.
func runBench(b *testing.B, frontURL string) {
	b.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512, DisableCompression: true}}
	defer client.CloseIdleConnections()
	b.ReportAllocs()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Get(frontURL + "/items/42?x=1")
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}

// BenchmarkProxy measures a GET through a real front server, the Upstream
// (with the gateway's RequestInfo) and a real upstream server.
func BenchmarkProxy(b *testing.B) {
	s := benchBackend(b)
	up := newUpstream(b, Config{Targets: []string{s.URL}})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up.Forward(w, r, &RequestInfo{Forwarded: testForwarded, RequestID: "req-bench"})
	}))
	defer front.Close()
	runBench(b, front.URL)
}

// tunedReverseProxy is the fair Go baseline: httputil.ReverseProxy on the same
// tuned transport the Upstream uses (connection pool sized for the load), with
// the same forwarding headers set and the default FlushInterval.
func tunedReverseProxy(b *testing.B, up *Upstream, target string) *httputil.ReverseProxy {
	b.Helper()
	t, err := url.Parse(target)
	if err != nil {
		b.Fatal(err)
	}
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(t)
			pr.Out.Header["X-Forwarded-For"] = []string{testForwarded.ClientIP}
			pr.Out.Header["X-Forwarded-Proto"] = []string{testForwarded.Proto}
			pr.Out.Header["X-Forwarded-Host"] = []string{testForwarded.Host}
		},
		Transport:  up.transport,
		BufferPool: newBufferPool(),
	}
}

// BenchmarkReverseProxyTuned is BenchmarkProxy with httputil.ReverseProxy
// tuned like the Upstream (see tunedReverseProxy) in its place.
func BenchmarkReverseProxyTuned(b *testing.B) {
	s := benchBackend(b)
	up := newUpstream(b, Config{Targets: []string{s.URL}})
	front := httptest.NewServer(tunedReverseProxy(b, up, s.URL))
	defer front.Close()
	runBench(b, front.URL)
}

// BenchmarkReverseProxyDefault is the untuned baseline: a plain
// httputil.ReverseProxy with default settings (2 idle connections per host).
func BenchmarkReverseProxyDefault(b *testing.B) {
	s := benchBackend(b)
	target, err := url.Parse(s.URL)
	if err != nil {
		b.Fatal(err)
	}
	front := httptest.NewServer(httputil.NewSingleHostReverseProxy(target))
	defer front.Close()
	runBench(b, front.URL)
}

// discardWriter is a ResponseWriter that keeps nothing, so BenchmarkForwarder
// counts only the forwarder's own work (and the transport's).
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkForwarder compares the forwarding path alone, one request at a
// time on one kept-alive upstream connection: the Upstream's own forwarder
// against httputil.ReverseProxy on the same transport. The client side is a
// prepared request and a discarding writer, so allocs/op are the
// forwarder's plus the transport's (the same for both).
func BenchmarkForwarder(b *testing.B) {
	s := benchBackend(b)
	up := newUpstream(b, Config{Targets: []string{s.URL}})
	keep := []string{"X-Request-Id", "X-Bulwark-Subject"}
	newReq := func() *http.Request {
		r := httptest.NewRequest(http.MethodGet, "http://gw.example/items/42?x=1", nil)
		r.Header = http.Header{"Accept": {"application/json"}, "User-Agent": {"bench/1"},
			"X-Request-Id": {"req-bench"}, "X-Bulwark-Subject": {"alice"}, "Authorization": {"Bearer x"}}
		return r
	}
	run := func(b *testing.B, serve func(w http.ResponseWriter, r *http.Request)) {
		r := newReq()
		w := &discardWriter{h: make(http.Header)}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			clear(w.h)
			serve(w, r)
			if w.status != http.StatusOK {
				b.Fatalf("status %d", w.status)
			}
		}
	}
	b.Run("bulwark", func(b *testing.B) {
		run(b, func(w http.ResponseWriter, r *http.Request) {
			up.Forward(w, r, &RequestInfo{Forwarded: testForwarded, RequestID: "req-bench", Keep: keep})
		})
	})
	b.Run("httputil", func(b *testing.B) {
		rp := tunedReverseProxy(b, up, s.URL)
		run(b, rp.ServeHTTP)
	})
}
