package admin

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/gateway"
	"github.com/bulwark-gw/bulwark/internal/metrics"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// The OAuth clients and users of the admin API: a client's secret is shown
// once and stored hashed, changes are validated like the CLI's, every change
// is an admin audit event without the secret, and a deleted client's id is
// not given out again.
func TestOAuthClientEndpoints(t *testing.T) {
	dir := t.TempDir()
	src := `admin: {listen: "off"}
store: sqlite:` + filepath.Join(dir, "admin.db") + `
oauth:
  issuer: https://api.example.com
  secret: 0123456789abcdef0123456789abcdef-test
  scopes:
    - {name: orders:read, description: read your orders}
    - {name: profile, description: see your email address}
apis:
  - name: shop
    upstream: http://127.0.0.1:9
    routes:
      - {match: GET /orders, auth: [oauth], scopes: [orders:read]}
`
	plan, diags := config.Parse("t.yaml", []byte(src), func(string) (string, bool) { return "", false }, os.ReadFile)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	st, err := store.Open(context.Background(), plan.Store)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	gw, err := gateway.New(plan, gateway.Deps{Store: st, Metrics: metrics.New()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gw.Close)
	rec := audit.NewRecorder(audit.Config{}, nil, audit.NewTieredStoreSink("sqlite", st, audit.DefaultTierConfig()))
	rec.Start()
	a := New(Deps{Gateway: gw, Store: st, Audit: rec, Token: func() string { return "admin-token" }})
	srv := httptest.NewServer(a.Handler(false, ""))
	t.Cleanup(srv.Close)

	call := func(method, path, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer admin-token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var out map[string]any
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &out); err != nil {
				t.Fatalf("%s %s: not JSON: %s", method, path, raw)
			}
		}
		return resp.StatusCode, out
	}
	const base = "/admin/api/oauth/clients"
	status, out := call("POST", base, `{"client_id":"tracker","name":"Order Tracker","site":"https://tracker.example",
		"redirect_uris":["https://tracker.example/cb"],"scopes":["orders:read"]}`)
	secret, _ := out["client_secret"].(string)
	if status != 201 || !strings.HasPrefix(secret, "bws_") || out["client"].(map[string]any)["type"] != "confidential" {
		t.Fatalf("create: %d %v", status, out)
	}
	c, err := st.OAuthClient(context.Background(), "tracker")
	if sum := sha256.Sum256([]byte(secret)); err != nil || string(c.SecretHash) != string(sum[:]) {
		t.Fatalf("stored %v %v: want the secret's hash", c, err)
	}
	for _, tc := range []struct {
		name, method, path, body string
		want                     int
		holds                    string
	}{
		{"list", "GET", base, "", 200, `"client_id":"tracker"`},
		{"get", "GET", base + "/tracker", "", 200, `"state":"active"`},
		{"no secret in views", "GET", base + "/tracker", "", 200, `"grant_types":["authorization_code","refresh_token"]`},
		{"unknown", "GET", base + "/nope", "", 404, "oauth_not_found"},
		{"taken id", "POST", base, `{"client_id":"tracker","name":"X","redirect_uris":["https://x.example/cb"]}`, 409, "oauth_conflict"},
		{"unknown scope", "POST", base, `{"name":"X","redirect_uris":["https://x.example/cb"],"scopes":["admin"]}`, 400, "admin"},
		{"implicit", "POST", base, `{"name":"X","redirect_uris":["https://x.example/cb"],"grant_types":["implicit"]}`, 400, "implicit"},
		{"http redirect", "POST", base, `{"name":"X","redirect_uris":["http://x.example/cb"]}`, 400, "loopback"},
		{"unknown field", "POST", base, `{"name":"X","secret":"mine"}`, 400, "bad_body"},
		{"public", "POST", base, `{"client_id":"desk","name":"Desktop","public":true,"redirect_uris":["http://127.0.0.1/cb"]}`, 201, `"type":"public"`},
		{"update scopes and redirects", "PATCH", base + "/tracker", `{"scopes":["orders:read","profile"],"redirect_uris":["https://tracker.example/cb2"]}`, 200, `"scopes":["orders:read","profile"]`},
		{"update keeps the rest", "GET", base + "/tracker", "", 200, `"name":"Order Tracker"`},
		{"type is fixed", "PATCH", base + "/tracker", `{"public":true}`, 400, "cannot change"},
		{"grants checked", "PATCH", base + "/desk", `{"grant_types":["client_credentials"]}`, 400, "public client"},
		{"new secret", "POST", base + "/tracker/secret", "", 200, `"client_secret":"bws_`},
		{"public has none", "POST", base + "/desk/secret", "", 404, "oauth_not_found"},
		{"revoke", "POST", base + "/tracker/revoke", "", 200, `"state":"revoked"`},
		{"revoked stays listed", "GET", base + "/tracker", "", 200, `"state":"revoked"`},
		{"revoked cannot change", "PATCH", base + "/tracker", `{"name":"Y"}`, 404, "oauth_not_found"},
		{"delete", "DELETE", base + "/desk", "", 204, ""},
		{"deleted", "GET", base + "/desk", "", 404, "oauth_not_found"},
		{"deleted id not reused", "POST", base, `{"client_id":"desk","name":"Desktop","public":true,"redirect_uris":["http://127.0.0.1/cb"]}`, 409, "oauth_conflict"},
		{"user", "POST", "/admin/api/oauth/users", `{"username":"alice","password":"correct horse battery"}`, 201, `"username":"alice"`},
		{"short password", "POST", "/admin/api/oauth/users", `{"username":"bob","password":"short"}`, 400, "at least 10"},
		{"user taken", "POST", "/admin/api/oauth/users", `{"username":"alice","password":"correct horse battery"}`, 409, "oauth_conflict"},
		{"totp on", "POST", "/admin/api/oauth/users/alice/totp", "", 200, `"otpauth_url":"otpauth://totp/api.example.com:alice?`},
		{"totp unknown user", "POST", "/admin/api/oauth/users/nobody/totp", "", 404, "oauth_not_found"},
		{"totp off", "DELETE", "/admin/api/oauth/users/alice/totp", "", 204, ""},
	} {
		status, out := call(tc.method, tc.path, tc.body)
		b, _ := json.Marshal(out)
		if status != tc.want || !strings.Contains(string(b), tc.holds) {
			t.Errorf("%s: %d %s, want %d holding %s", tc.name, status, b, tc.want, tc.holds)
		}
		if strings.Contains(string(b), "secret_hash") || strings.Contains(string(b), "password_hash") {
			t.Errorf("%s: a hash in the answer: %s", tc.name, b)
		}
	}
	// The old secret no longer matches after the reset.
	if c, _ := st.OAuthClient(context.Background(), "tracker"); c != nil {
		if sum := sha256.Sum256([]byte(secret)); string(c.SecretHash) == string(sum[:]) {
			t.Error("the secret was not replaced")
		}
	}
	if err := rec.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	rows, err := st.QueryAudit(context.Background(), store.AuditFilter{Decision: audit.DecisionAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 15 {
		t.Fatalf("%d admin events, want one per change", len(rows))
	}
	for _, r := range rows {
		e := r.Event
		if e.Principal != "admin" || !strings.HasPrefix(e.Rule, e.Method+" /admin/api/oauth/") {
			t.Errorf("event %+v", e)
		}
	}
}
