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

// BenchmarkReverseProxyDefault is the baseline: a plain httputil.ReverseProxy
// with default settings.
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
