package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// TestTwoNodesShareKeysAndRevocation runs two gateways on one PostgreSQL store:
// a key created once works on both, and its revocation reaches both.
func TestTwoNodesShareKeysAndRevocation(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	up := upstream(t)
	is := newIssuer(t)
	cfgText := strings.Replace(authConfig(up.URL, is.srv.URL), "store: sqlite:auth.db", "store: "+dsn, 1)
	cfgText = strings.Replace(cfgText, "    cache_ttl: 2s\n", "    cache_ttl: 5m\n", 1) // only the change log can revoke
	n1 := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), cfgText))
	cfg2 := writeConfig(t, t.TempDir(), cfgText)
	n2 := startBulwark(t, "serve", "-c", cfg2)

	key := createKey(t, cfg2, "--consumer", "shared", "--scopes", "orders:read")
	status := func(p *proc) int {
		req, _ := http.NewRequest("GET", p.url("/users/3"), nil)
		req.Header.Set("X-API-Key", key)
		resp, _ := do(t, req)
		return resp.StatusCode
	}
	if status(n1) != 200 || status(n2) != 200 {
		t.Fatal("a key created once must work on every node")
	}
	id := keyID(t, key, cfg2)
	revoke := execCommand(binPath, "keys", "revoke", "-c", cfg2, id)
	if out, err := revoke.CombinedOutput(); err != nil {
		t.Fatalf("revoke: %v\n%s", err, out)
	}
	for _, p := range []*proc{n1, n2} {
		waitFor(t, "revocation on every node", func() bool { return status(p) == 401 })
	}
	// Both nodes wrote their audit events into the one store.
	req, _ := http.NewRequest("GET", n1.admin("/admin/api/audit?reason=revoked&limit=10"), nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	waitFor(t, "revoked events from both nodes in the shared store", func() bool {
		_, body := do(t, req)
		return strings.Count(string(body), `"reason": "revoked"`) >= 2
	})
}
