package gateway

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/authn/apikey"
)

// TestRouteGuardsWiring drives the authorization and limit guards through the
// handler with a real API key: scopes all-of and any-of, an owner rule whose
// refusal is audited with its rule and object, an administrative route, and a
// limit's RateLimit headers.
func TestRouteGuardsWiring(t *testing.T) {
	up := echoUpstream(t)
	st, key := keyStore(t, apikey.CreateRequest{Consumer: "app", Subject: "alice", Scopes: []string{"b"}, Roles: []string{"user"}})
	src := "admin:\n  listen: \"off\"\nidentity:\n  api_keys:\n    pepper: " + benchPepper +
		"\napis:\n  - name: shop\n    upstream: " + up.URL + "\n    auth: [api_key]\n    routes:\n" +
		"      - match: GET /all\n        scopes: [a, b]\n" +
		"      - match: GET /any\n        scopes: [a, b]\n        scopes_match: any\n" +
		"      - match: GET /users/{id}\n        owner: [{param: id, equals: sub}]\n" +
		"      - match: GET /admin\n        admin: true\n" +
		"      - match: GET /limited\n        rate_limits: [{by: [consumer], rate: 1/h}]\n"
	g, ev := storeGateway(t, src, st)
	front := httptest.NewServer(g)
	t.Cleanup(front.Close)
	cases := []struct {
		path         string
		status       int
		reason       string
		rule, object string
		rateLimit    string // the RateLimit header
	}{
		{path: "/all", status: 403, reason: "insufficient_scope"},
		{path: "/any", status: 200},
		{path: "/users/alice", status: 200, object: "id:alice"},
		{path: "/users/bob", status: 403, reason: "not_owner", rule: "owner[0]", object: "id:bob"},
		{path: "/admin", status: 403, reason: "admin_only", rule: "admin"},
		{path: "/limited", status: 200, rateLimit: `"shop/GET /limited#0";r=0;t=3600`},
		{path: "/limited", status: 429, reason: "rate_limited", rateLimit: `"shop/GET /limited#0";r=0;t=3600`},
	}
	for i, c := range cases {
		req, _ := http.NewRequest("GET", front.URL+c.path, nil)
		req.Header.Set("X-API-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d", c.path, resp.StatusCode, c.status)
		}
		if got := resp.Header.Get("RateLimit"); got != c.rateLimit {
			t.Errorf("%s: RateLimit %q, want %q", c.path, got, c.rateLimit)
		}
		e := ev.nth(t, i+1)
		if e.Reason != c.reason || e.Rule != c.rule || e.Object != c.object || e.Principal != "alice" {
			t.Errorf("%s: event reason %q rule %q object %q principal %q; want %q %q %q alice",
				c.path, e.Reason, e.Rule, e.Object, e.Principal, c.reason, c.rule, c.object)
		}
	}
}
