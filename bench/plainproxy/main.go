// Command plainproxy is the Go baseline of bench/run.sh: httputil.ReverseProxy
// served by net/http, in two forms.
//
// Default (the "untuned" row): the reverse proxy a user writes in a few lines,
// httputil.NewSingleHostReverseProxy with http.DefaultTransport. That
// transport keeps at most 2 idle connections per host, so under concurrency
// it opens and closes an upstream connection for most requests.
//
// -tuned (the "tuned Go proxy" row, the baseline Bulwark is held to): what a
// fair engineer would set for a reverse proxy under load, nothing exotic:
//
//   - Transport: MaxIdleConnsPerHost = -idle (default 512, ≥ the bench's 64
//     connections) and MaxIdleConns unlimited, so every upstream connection is
//     reused; IdleConnTimeout 90s; DisableCompression (pass Accept-Encoding
//     through instead of asking for gzip and decoding); ForceAttemptHTTP2 off
//     for a plain-http upstream; a 5s dial timeout, 30s TCP keep-alive;
//   - ReverseProxy: a sync.Pool of 32 KiB copy buffers (BufferPool); the
//     default FlushInterval (0: streaming answers are still flushed at once);
//     Rewrite with SetURL and SetXForwarded (the forwarding headers a proxy
//     should set);
//   - Server: ReadHeaderTimeout and IdleTimeout set, as in production; logging
//     of proxy errors discarded.
package main

import (
	"flag"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18002", "listen address")
	upstream := flag.String("upstream", "http://127.0.0.1:18001", "upstream base URL")
	tuned := flag.Bool("tuned", false, "the tuned configuration (see the package comment)")
	idle := flag.Int("idle", 512, "with -tuned: MaxIdleConnsPerHost")
	flag.Parse()

	target, err := url.Parse(*upstream)
	if err != nil {
		log.Fatal(err)
	}
	if !*tuned {
		log.Fatal(http.ListenAndServe(*addr, httputil.NewSingleHostReverseProxy(target)))
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.SetXForwarded()
		},
		Transport: &http.Transport{
			DialContext:         dialer.DialContext,
			MaxIdleConns:        0, // no limit
			MaxIdleConnsPerHost: *idle,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
			ForceAttemptHTTP2:   false,
		},
		BufferPool: &bufferPool{p: sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}},
		ErrorLog:   log.New(io.Discard, "", 0),
	}
	srv := &http.Server{Addr: *addr, Handler: proxy, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

// bufferPool adapts a sync.Pool of *[]byte to httputil.BufferPool.
type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() []byte  { return *b.p.Get().(*[]byte) }
func (b *bufferPool) Put(v []byte) { b.p.Put(&v) }
