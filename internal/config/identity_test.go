package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

const identityBase = `admin: {listen: "off"}
identity:
  api_keys:
    pepper: ${env:ADMIN_TOKEN}-and-more-pepper-bytes
  jwt:
    - name: corp
      issuer: https://login.example.com/
      jwks_url: https://login.example.com/jwks.json
      audiences: [orders]
      role_claims: [realm_access.roles]
  introspection:
    - name: partner
      url: https://as.partner.example/introspect
      client_id: bulwark
      client_secret: ${env:PGPASS}
apis:
  - name: shop
    upstream: http://127.0.0.1:9001
    auth: [jwt, api_key]
    routes:
`

func TestIdentityPlan(t *testing.T) {
	plan, diags := parseString(t, identityBase+`      - match: GET /orders/{id}
        scopes: [orders:read, orders:read]
      - match: POST /login
        auth: [none]
      - match: GET /partner/**
        auth: [introspection:partner, jwt:corp]
        keep_credential: true
`)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	id := plan.Identity
	if id.APIKeys == nil || id.APIKeys.Header != "X-Api-Key" || id.APIKeys.CacheTTL != 30*time.Second ||
		!strings.HasSuffix(id.APIKeys.Pepper, "-and-more-pepper-bytes") {
		t.Fatalf("api keys: %+v", id.APIKeys)
	}
	j := id.JWT[0]
	if j.Name != "corp" || !slices.Equal(j.Algorithms, []string{"RS256", "ES256"}) || j.Leeway != 30*time.Second ||
		j.MaxTokenSize != 8192 || j.ScopeClaim != "scope" || j.AudienceMatchAll {
		t.Fatalf("jwt: %+v", j)
	}
	if in := id.Introspection[0]; in.AuthMethod != "client_secret_basic" || in.ClientSecret != "pg-secret-value" || in.CacheTTL != time.Minute {
		t.Fatalf("introspection: %+v", in)
	}
	if id.Headers.Subject != "X-Bulwark-Subject" {
		t.Fatalf("headers: %+v", id.Headers)
	}
	r := plan.APIs[0].Routes
	if !slices.Equal(r[0].Auth, []string{"jwt", "api_key"}) || !slices.Equal(r[0].Scopes, []string{"orders:read"}) {
		t.Fatalf("route 0: %+v %+v", r[0].Auth, r[0].Scopes)
	}
	if !slices.Equal(r[1].Auth, []string{"none"}) || !r[2].KeepCredential || r[2].Auth[0] != "introspection:partner" {
		t.Fatalf("routes: %+v", r)
	}
}

func TestIdentityProblems(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"no auth list", strings.Replace(identityBase, "    auth: [jwt, api_key]\n", "", 1) + "      - match: /a\n",
			"apis[0].routes[0]: error: no auth list"},
		{"unknown method", identityBase + "      - match: /a\n        auth: [basic]\n", `auth[0]: error: unknown auth method "basic"`},
		{"unknown issuer", identityBase + "      - match: /a\n        auth: [jwt:other]\n", `error: no identity.jwt entry is named "other"`},
		{"duplicate method", identityBase + "      - match: /a\n        auth: [jwt, jwt]\n", `error: duplicate auth method "jwt"`},
		{"scopes on open route", identityBase + "      - match: /a\n        auth: [none]\n        scopes: [x]\n", "scopes need an authenticated caller"},
		{"bad scope", identityBase + "      - match: /a\n        scopes: [\"a b\"]\n", "a scope is a non-empty token"},
		{"alg none", strings.Replace(identityBase, "      audiences: [orders]\n", "      audiences: [orders]\n      algorithms: [none]\n", 1) + "      - match: /a\n",
			`unknown or forbidden algorithm "none"`},
		{"hmac with jwks", strings.Replace(identityBase, "      audiences: [orders]\n", "      audiences: [orders]\n      algorithms: [HS256]\n", 1) + "      - match: /a\n",
			"HS256 needs a shared secret in keys"},
		{"two key sources", strings.Replace(identityBase, "      audiences: [orders]\n", "      audiences: [orders]\n      keys: [x]\n", 1) + "      - match: /a\n",
			"give exactly one key source"},
		{"plain http jwks", strings.Replace(identityBase, "https://login.example.com/jwks.json", "http://login.example.com/jwks.json", 1) + "      - match: /a\n",
			"must use https"},
		{"short pepper", strings.Replace(identityBase, "${env:ADMIN_TOKEN}-and-more-pepper-bytes", "${env:PGPASS}", 1) + "      - match: /a\n",
			"pepper must be at least 32 characters"},
		{"literal pepper", strings.Replace(identityBase, "${env:ADMIN_TOKEN}-and-more-pepper-bytes", "0123456789012345678901234567890123456789", 1) + "      - match: /a\n",
			"identity.api_keys.pepper: warning: literal secret"},
		{"no audiences", strings.Replace(identityBase, "      audiences: [orders]\n", "", 1) + "      - match: /a\n",
			"identity.jwt[0]: warning: no audiences"},
		{"api_key without config", strings.Replace(identityBase, "  api_keys:\n    pepper: ${env:ADMIN_TOKEN}-and-more-pepper-bytes\n", "", 1) + "      - match: /a\n",
			"api_key needs identity.api_keys"},
		{"principal header is a credential header", strings.Replace(identityBase, "identity:\n", "identity:\n  principal_headers: {subject: authorization}\n", 1) + "      - match: /a\n",
			"identity.principal_headers.subject: error: Authorization is not free for a principal header"},
		{"principal header is the key header", strings.Replace(identityBase, "identity:\n", "identity:\n  principal_headers: {roles: X_API_Key}\n", 1) + "      - match: /a\n",
			"identity.principal_headers.roles: error: X_api_key is not free"},
		{"principal header is hop-by-hop", strings.Replace(identityBase, "identity:\n", "identity:\n  principal_headers: {scopes: Connection}\n", 1) + "      - match: /a\n",
			"identity.principal_headers.scopes: error: Connection is not free"},
		{"principal header is a forwarding header", strings.Replace(identityBase, "identity:\n", "identity:\n  principal_headers: {consumer: X-Forwarded-User}\n", 1) + "      - match: /a\n",
			"identity.principal_headers.consumer: error: X-Forwarded-User is not free"},
		{"leeway too large", strings.Replace(identityBase, "      audiences: [orders]\n", "      audiences: [orders]\n      leeway: 1h\n", 1) + "      - match: /a\n",
			"leeway: error: must be between"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := parseString(t, tc.src)
			if !strings.Contains(diags.String(), tc.want) {
				t.Fatalf("want %q in\n%s", tc.want, diags)
			}
		})
	}
}
