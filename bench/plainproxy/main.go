// Command plainproxy is the baseline: the reverse proxy a user would write in
// a few lines with the standard library, with default settings and no tuning.
// Note that http.DefaultTransport keeps at most 2 idle connections per host
// (http.DefaultMaxIdleConnsPerHost), so under concurrency it opens and closes
// upstream connections; that is the default behaviour being measured.
//
// -max-idle-per-host N (N > 0) is only for the optional "tuned" row of
// bench/run.sh (BENCH_TUNED=1): it swaps in a clone of the default transport
// with MaxIdleConnsPerHost = N and changes nothing else.
package main

import (
	"flag"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18002", "listen address")
	upstream := flag.String("upstream", "http://127.0.0.1:18001", "upstream base URL")
	idlePerHost := flag.Int("max-idle-per-host", 0, "if > 0, use a default transport clone with this MaxIdleConnsPerHost")
	flag.Parse()

	target, err := url.Parse(*upstream)
	if err != nil {
		log.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	if *idlePerHost > 0 {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = *idlePerHost
		proxy.Transport = t
	}
	log.Fatal(http.ListenAndServe(*addr, proxy))
}
