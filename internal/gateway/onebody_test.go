package gateway

import (
	"bytes"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/authn/apikey"
	"github.com/bulwark-gw/bulwark/internal/jsonread"
)

// TestRequestBodyParsedOnce counts the readings of a request body through
// the whole handler on a route where every request guard reads it (owner rule
// on a body field, write-protected fields, injection inspection, brute-force
// username): hygiene reads it once and every guard asks that reading. A body
// whose protected field is stripped is a new document: it is read once more,
// by the first guard after the strip.
func TestRequestBodyParsedOnce(t *testing.T) {
	g, ev, key := bodyGuardsGateway(t)
	stripped := []byte(`{"username":"alice","password":"hunter2","role":"admin","note":"hello"}`)
	cases := []struct {
		name  string
		body  []byte
		reads map[string]int // parses per document
	}{
		{name: "nothing stripped", body: loginJSON, reads: map[string]int{string(loginJSON): 1}},
		{name: "role stripped", body: stripped, reads: map[string]int{
			string(stripped): 1,
			`{"username":"alice","password":"hunter2","note":"hello"}`: 1,
		}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var mu sync.Mutex
			seen := map[string]int{}
			stop := jsonread.TraceParses(func(data []byte) {
				if bytes.Contains(data, []byte(`"alice"`)) { // the request body, or its rewrite
					mu.Lock()
					seen[string(data)]++
					mu.Unlock()
				}
			})
			w := httptest.NewRecorder()
			g.ServeHTTP(w, loginRequest(key, c.body))
			stop()
			if w.Code != 200 {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			e := ev.nth(t, i+1)
			mu.Lock()
			defer mu.Unlock()
			if len(seen) != len(c.reads) {
				t.Fatalf("documents read %v, want %v", seen, c.reads)
			}
			for doc, n := range c.reads {
				if seen[doc] != n {
					t.Errorf("%s read %d times, want %d (all: %v)", doc, seen[doc], n, seen)
				}
			}
			wantRule := ""
			if i == 1 {
				wantRule = "readonly_fields"
			}
			if e.Rule != wantRule || e.Object != "/username:alice" {
				t.Errorf("event rule %q object %q", e.Rule, e.Object)
			}
		})
	}
}

// TestSharedIndexConcurrent sends clean and attacking bodies at once through
// the route whose guards share one index per request, which goes back to a
// pool when the request ends: each request must be judged on its own body.
func TestSharedIndexConcurrent(t *testing.T) {
	g, _, key := bodyGuardsGateway(t)
	clean := []byte(`{"username":"alice","password":"p","note":"hello there"}`)
	attack := []byte(`{"username":"alice","password":"p","note":"1' OR '1'='1"}`)
	var wg sync.WaitGroup
	errs := make(chan string, 400)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				body, want := clean, 200
				if (i+w)%2 == 1 {
					body, want = attack, 403
				}
				rec := httptest.NewRecorder()
				g.ServeHTTP(rec, loginRequest(key, body))
				if rec.Code != want {
					errs <- string(body) + ": " + rec.Body.String()
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestNotesReachTheEventOnce drives guards that note one after another: the
// injection guard in monitor mode notes its finding and a reason, the owner
// rule after it its object or its refusal. The event holds the later note per
// field, and a refusal's reason over the noted one.
func TestNotesReachTheEventOnce(t *testing.T) {
	up := echoUpstream(t)
	st, key := keyStore(t, apikey.CreateRequest{Consumer: "app", Subject: "alice"})
	src := "admin:\n  listen: \"off\"\nidentity:\n  api_keys:\n    pepper: " + benchPepper +
		"\napis:\n  - name: shop\n    upstream: " + up.URL + "\n    auth: [api_key]\n    routes:\n" +
		"      - match: POST /orders\n        inspect: {mode: monitor}\n        owner: [{body: /owner, equals: sub}]\n"
	g, ev := storeGateway(t, src, st)
	cases := []struct {
		body                 string
		status               int
		reason, rule, object string
	}{
		{body: `{"owner":"alice","note":"hello"}`, status: 200, object: "/owner:alice"},
		{body: `{"owner":"alice","note":"1' OR '1'='1"}`, status: 200,
			reason: "injection_sqli_monitored", rule: "sqli.", object: "body:note"},
		{body: `{"owner":"bob","note":"1' OR '1'='1"}`, status: 403,
			reason: "not_owner", rule: "owner[0]", object: "/owner:bob"},
	}
	for i, c := range cases {
		r := httptest.NewRequest("POST", "/orders", strings.NewReader(c.body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-API-Key", key)
		w := httptest.NewRecorder()
		g.ServeHTTP(w, r)
		e := ev.nth(t, i+1)
		if w.Code != c.status || e.Reason != c.reason || !strings.HasPrefix(e.Rule, c.rule) || (c.rule == "") != (e.Rule == "") ||
			e.Object != c.object {
			t.Errorf("%s: status %d, event reason %q rule %q object %q; want %d %q %q… %q",
				c.body, w.Code, e.Reason, e.Rule, e.Object, c.status, c.reason, c.rule, c.object)
		}
	}
}
