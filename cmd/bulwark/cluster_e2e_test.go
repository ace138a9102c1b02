package main

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/http"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// pgSchema creates a fresh schema for one test and returns a DSN that uses it.
func pgSchema(t *testing.T) string {
	t.Helper()
	base := os.Getenv("BULWARK_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("BULWARK_TEST_POSTGRES_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable): skipping the PostgreSQL cluster test")
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "bulwark_e2e_" + hex.EncodeToString(b)
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE") })
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

// TestTwoNodesShareKeysAndRevocation runs two gateways on one PostgreSQL store:
// a key created once works on both, and its revocation reaches both.
func TestTwoNodesShareKeysAndRevocation(t *testing.T) {
	dsn := pgSchema(t)
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
