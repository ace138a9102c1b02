// Command corazaproxy is the WAF baseline of bench/run.sh's inspect scenario:
// the reverse proxy a user would write with the standard library
// (httputil.NewSingleHostReverseProxy, default transport) behind Coraza's own
// net/http middleware (github.com/corazawaf/coraza/v3/http) with the OWASP
// Core Rule Set embedded by github.com/corazawaf/coraza-coreruleset/v4 —
// the setup of Coraza's README and examples: the recommended Coraza
// configuration, the CRS example setup, every CRS rule file, the rule engine
// switched on, and the paranoia level from -paranoia.
//
//	corazaproxy -addr 127.0.0.1:18005 -upstream http://127.0.0.1:18001 -paranoia 1
//
// A blocked request gets the status of the CRS blocking rule (403) and no
// body, as the middleware writes it.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
	"github.com/corazawaf/coraza/v3"
	txhttp "github.com/corazawaf/coraza/v3/http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18005", "listen address")
	upstream := flag.String("upstream", "http://127.0.0.1:18001", "upstream base URL")
	paranoia := flag.Int("paranoia", 1, "CRS paranoia level (1-4): blocking and detection level")
	idlePerHost := flag.Int("max-idle-per-host", 0, "if > 0, use a default transport clone with this MaxIdleConnsPerHost")
	flag.Parse()

	if *paranoia < 1 || *paranoia > 4 {
		log.Fatalf("-paranoia must be 1, 2, 3 or 4, got %d", *paranoia)
	}
	target, err := url.Parse(*upstream)
	if err != nil {
		log.Fatal(err)
	}
	start := time.Now()
	waf, err := coraza.NewWAF(coraza.NewWAFConfig().
		WithRootFS(coreruleset.FS).
		WithDirectives(directives(*paranoia)))
	if err != nil {
		log.Fatalf("coraza: %v", err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	if *idlePerHost > 0 {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = *idlePerHost
		proxy.Transport = t
	}
	log.Printf("coraza + CRS PL%d loaded in %s; listening on %s", *paranoia, time.Since(start).Round(time.Millisecond), *addr)
	srv := &http.Server{Addr: *addr, Handler: txhttp.WrapHandler(waf, proxy), ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

// directives is the configuration of Coraza's README: recommended settings,
// engine on, CRS example setup with the paranoia level set, all CRS rules.
func directives(paranoia int) string {
	return fmt.Sprintf(`Include @coraza.conf-recommended
SecRuleEngine On
Include @crs-setup.conf.example
SecAction "id:900000,phase:1,pass,t:none,nolog,setvar:tx.blocking_paranoia_level=%d"
SecAction "id:900001,phase:1,pass,t:none,nolog,setvar:tx.detection_paranoia_level=%d"
Include @owasp_crs/*.conf
`, paranoia, paranoia)
}
