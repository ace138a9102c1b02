package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestServerEngine serves the same config with server.engine bulwark (the
// default, internal/h1serve) and net/http: both proxy and refuse smuggling;
// an empty Host header, where the two are documented to differ, shows which
// one answered.
func TestServerEngine(t *testing.T) {
	up := upstream(t)
	for _, tc := range []struct {
		engine    string
		emptyHost int // status for "Host:" with no value
	}{
		{"", http.StatusBadRequest},
		{"bulwark", http.StatusBadRequest},
		{"net/http", http.StatusOK},
	} {
		t.Run("engine="+tc.engine, func(t *testing.T) {
			cfg := baseConfig(up.URL, "")
			if tc.engine != "" {
				cfg = strings.Replace(cfg, "  listen: 127.0.0.1:0\n", "  listen: 127.0.0.1:0\n  engine: "+tc.engine+"\n", 1)
			}
			p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), cfg))
			resp, body := get(t, p.url("/users/7"))
			if resp.StatusCode != 200 || !strings.Contains(string(body), `"path":"/users/7"`) {
				t.Fatalf("GET: %d %s", resp.StatusCode, body)
			}
			if got := rawStatus(t, p.addrs["proxy"], "GET /users/7 HTTP/1.1\r\nHost:\r\n\r\n"); got != tc.emptyHost {
				t.Errorf("empty Host: %d, want %d", got, tc.emptyHost)
			}
			if got := rawStatus(t, p.addrs["proxy"], "POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"+
				"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"); got != http.StatusBadRequest {
				t.Errorf("CL and TE together: %d, want 400", got)
			}
		})
	}
}
