package config

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/oauthserver"
)

const oauthBase = `admin: {listen: "off"}
store: "sqlite::memory:"
oauth:
  issuer: https://api.example.com
  secret: ${env:ADMIN_TOKEN}-padding-to-32-bytes-and-more
  access_token_ttl: 5m
  refresh_grace: 0s
  scopes:
    - name: orders:read
      description: read your orders
      data_categories: [orders]
apis:
  - name: shop
    upstream: http://127.0.0.1:9001
    routes:
      - match: GET /orders
        auth: [oauth]
        scopes: [orders:read]
        data_categories: [orders]
`

func TestOAuthPlan(t *testing.T) {
	plan, diags := parseString(t, oauthBase)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	o := plan.OAuth
	if o == nil || o.Options.Issuer != "https://api.example.com" || o.Options.AccessTokenTTL != 5*time.Minute ||
		o.Options.RefreshGrace >= 0 || o.RevocationPoll != defaultRevocationPoll || len(o.Options.Scopes) != 1 ||
		o.Options.Scopes[0].Categories[0] != "orders" || !strings.HasSuffix(string(o.Options.Secret), "-and-more") {
		t.Fatalf("oauth plan: %+v", o)
	}
	if got := plan.APIs[0].Routes[0].Auth; len(got) != 1 || got[0] != AuthOAuth {
		t.Fatalf("route auth %v", got)
	}
	if r := o.Options.Reads; len(r) != 1 || r[0].API != "shop" || r[0].Route != "GET /orders" || r[0].Scopes[0] != "orders:read" ||
		r[0].Categories[0] != "orders" || o.Options.ActivityWindow != 30*24*time.Hour {
		t.Fatalf("reads %+v, window %s", r, o.Options.ActivityWindow)
	}
}

func TestOAuthProblems(t *testing.T) {
	for _, tc := range []struct{ name, from, to, want string }{
		{"no section", "oauth:\n  issuer", "x_unused:\n  issuer", "apis[0].routes[0].auth: error: auth method oauth needs the oauth section"},
		{"short secret", "${env:ADMIN_TOKEN}-padding-to-32-bytes-and-more", "short", "c.yaml:5:11: oauth.secret: error: secret must be at least 32"},
		{"issuer path", "https://api.example.com", "https://api.example.com/auth", "c.yaml:4:11: oauth.issuer: error: issuer is required"},
		{"bad scope", "name: orders:read", "name: \"orders read\"", "oauth.scopes[0].name: error: name must be a scope token"},
		{"no description", "      description: read your orders\n", "", "oauth.scopes[0].description: error: description is required"},
		{"ttl", "access_token_ttl: 5m", "access_token_ttl: 48h", "oauth.access_token_ttl: error"},
		{"window", "refresh_grace: 0s", "refresh_grace: 0s\n  activity_window: 1m", "oauth.activity_window: error"},
		{"unnamed category", "        data_categories: [orders]", "        data_categories: [orders, email]", "c.yaml:19:35: apis[0].routes[0].data_categories[1]: error: data category \"email\" is not in any oauth.scopes"},
		{"twice", "        data_categories: [orders]", "        data_categories: [orders, orders]", "data_categories[1]: error: data category \"orders\" is listed twice"},
		{"login field", "refresh_grace: 0s", "refresh_grace: 0s\n  brute_force: {username_field: email}", "oauth.brute_force.username_field: error: the sign-in page's form field is fixed"},
		{"login statuses", "refresh_grace: 0s", "refresh_grace: 0s\n  brute_force: {failure_statuses: [401]}", "oauth.brute_force.failure_statuses: error"},
		{"login lockout", "refresh_grace: 0s", "refresh_grace: 0s\n  brute_force: {lockout: 0s}", "oauth.brute_force.lockout: error"},
		{"old keys", "refresh_grace: 0s", "refresh_grace: 0s\n  login_attempts: 5", "login_attempts"},
		{"not oauth", "auth: [oauth]\n        scopes: [orders:read]", "auth: [none]", "c.yaml:18:26: apis[0].routes[0].data_categories: error: data_categories need auth: [oauth]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(oauthBase, tc.from, tc.to, 1)
			if src == oauthBase {
				t.Fatal("replacement did not apply")
			}
			_, diags := parseString(t, src)
			if !strings.Contains(diags.String(), tc.want) {
				t.Errorf("want %q in:\n%s", tc.want, diags)
			}
		})
	}
}

// The sign-in page's protection is a route's brute_force block: the same
// keys and defaults (oauthserver.DefaultLoginProtection is what a plan
// without the block gets).
func TestOAuthLoginProtection(t *testing.T) {
	plan, diags := parseString(t, oauthBase)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if got := plan.OAuth.Options.Login; !reflect.DeepEqual(got, oauthserver.DefaultLoginProtection) {
		t.Fatalf("defaults differ:\n got %+v\nwant %+v", got, oauthserver.DefaultLoginProtection)
	}
	src := strings.Replace(oauthBase, "refresh_grace: 0s", `refresh_grace: 0s
  brute_force:
    max_failures: 3
    ip_max_failures: 0
    window: 10m
    lockout: 1h
    username_normalize: []`, 1)
	plan, diags = parseString(t, src)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	l := plan.OAuth.Options.Login
	if l.MaxFailures != 3 || l.IPMaxFailures != 0 || l.Window != 10*time.Minute || l.Lockout != time.Hour ||
		l.UsernameNormalize.CaseFold || l.UsernameField != "" || l.FailureStatuses != nil {
		t.Fatalf("login protection %+v", l)
	}
}
