package main

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// TestRateLimitByConsumerNeverFallsBackToTheIP: a limit keyed by consumer
// counts a JWT caller by its azp, else its client_id, else (a token naming
// no client) its subject — never by the client IP, which every caller here
// shares. A token naming neither a client nor a subject is refused.
func TestRateLimitByConsumerNeverFallsBackToTheIP(t *testing.T) {
	var mu sync.Mutex
	var consumers []string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		consumers = append(consumers, r.Header.Get("X-Bulwark-Consumer"))
		mu.Unlock()
	}))
	t.Cleanup(up.Close)
	is := newIssuer(t)
	cfg := `server:
  listen: 127.0.0.1:0
admin:
  listen: 127.0.0.1:0
  token: ${env:BULWARK_ADMIN_TOKEN}
store: sqlite:consumer.db
identity:
  jwt:
    - name: corp
      issuer: https://login.test/
      jwks_url: ` + is.srv.URL + `
      audiences: [orders-api]
apis:
  - name: shop
    upstream: ` + up.URL + `
    auth: [jwt]
    routes:
      - match: GET /things
        rate_limits:
          - by: [consumer]
            rate: 2/m
            burst: 2
`
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), cfg))
	call := func(claims map[string]any) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", p.url("/things"), nil)
		req.Header.Set("Authorization", "Bearer "+is.token(t, claims))
		return do(t, req)
	}
	want := func(what string, claims map[string]any, status int) {
		t.Helper()
		if resp, body := call(claims); resp.StatusCode != status {
			t.Fatalf("%s: %d %s; want %d", what, resp.StatusCode, body, status)
		}
	}
	// client_id is the consumer when azp is absent: alice and bob share app-1's budget.
	want("alice via app-1", map[string]any{"sub": "alice", "client_id": "app-1"}, 200)
	want("bob via app-1", map[string]any{"sub": "bob", "client_id": "app-1"}, 200)
	want("carol via app-1, third of 2", map[string]any{"sub": "carol", "client_id": "app-1"}, 429)
	// azp wins over client_id.
	want("alice via azp app-2", map[string]any{"sub": "alice", "azp": "app-2", "client_id": "app-1"}, 200)
	mu.Lock()
	if len(consumers) != 3 || consumers[0] != "app-1" || consumers[2] != "app-2" {
		t.Fatalf("upstream saw consumers %q; want app-1, app-1, app-2", consumers)
	}
	mu.Unlock()
	// No client named: each subject is its own consumer, from one IP.
	want("dave alone", map[string]any{"sub": "dave"}, 200)
	want("dave alone again", map[string]any{"sub": "dave"}, 200)
	want("dave, third of 2", map[string]any{"sub": "dave"}, 429)
	want("erin from the same address", map[string]any{"sub": "erin"}, 200)
	// Neither client nor subject: refused, not counted per IP.
	resp, body := call(map[string]any{"sub": nil})
	mustProblem(t, resp, body, 403, "consumer_unknown")
}
