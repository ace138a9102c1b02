package gateway

import (
	"net/http"
	"os"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/config"
)

// TestShieldRefusesBeforeRouting: server.shield counts every request of a
// client, routed or not, and refuses the one over its rate with 429 before
// the route table is asked.
func TestShieldRefusesBeforeRouting(t *testing.T) {
	up := echoUpstream(t)
	src := "admin:\n  listen: \"off\"\nserver:\n  shield: {rate: 2/h, burst: 2}\napis:\n  - name: shop\n    upstream: " + up.URL +
		"\n    auth: [none]\n    routes:\n      - match: \"GET /a\"\n"
	p, diags := config.Parse("test.yaml", []byte(src), func(string) (string, bool) { return "", false }, os.ReadFile)
	if diags.HasErrors() {
		t.Fatalf("config: %v", diags)
	}
	_, ev, front := newGateway(t, p)
	for i, c := range []struct {
		path   string
		status int
	}{{"/a", 200}, {"/nowhere", 404}, {"/a", 429}} {
		resp, err := http.Get(front.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Fatalf("request %d to %s: %d, want %d", i+1, c.path, resp.StatusCode, c.status)
		}
		if c.status == 429 && resp.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
		// Each event is awaited before the next request: the i-th recorded
		// is then the i-th request's.
		if e := ev.nth(t, i+1); c.status == 429 && (e.Reason != "rate_limited" || e.Route != "") {
			t.Errorf("refused request's event: reason %q route %q", e.Reason, e.Route)
		}
	}
}
