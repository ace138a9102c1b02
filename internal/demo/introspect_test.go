package demo

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestIntrospect(t *testing.T) {
	shop, srv := newServer(t)
	alice := login(t, srv, "alice", "alice-password")
	bob := login(t, srv, "bob", "bob-password")
	introspect := func(user, secret, token string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+"/oauth/introspect", strings.NewReader(url.Values{"token": {token}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if user != "" {
			req.SetBasicAuth(user, secret)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	// Until the shop is given a secret, nobody may ask.
	if status, _ := introspect(IntrospectClientID, "", alice); status != 401 {
		t.Fatalf("no secret configured: %d", status)
	}
	shop.SetIntrospectionSecret("s3cret")
	tests := []struct {
		name, user, secret, token string
		status                    int
		active                    bool
		sub, username             string
	}{
		{"alice", IntrospectClientID, "s3cret", alice, 200, true, "1", "alice"},
		{"bob", IntrospectClientID, "s3cret", bob, 200, true, "2", "bob"},
		{"unknown token", IntrospectClientID, "s3cret", strings.Repeat("0", 64), 200, false, "", ""},
		{"empty token", IntrospectClientID, "s3cret", "", 200, false, "", ""},
		{"wrong secret", IntrospectClientID, "guess", alice, 401, false, "", ""},
		{"wrong client", "mallory", "s3cret", alice, 401, false, "", ""},
		{"no credentials", "", "", alice, 401, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := introspect(tt.user, tt.secret, tt.token)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %v", status, tt.status, out)
			}
			if status != 200 {
				return
			}
			if out["active"] != tt.active {
				t.Fatalf("active %v, want %v: %v", out["active"], tt.active, out)
			}
			if tt.active && (out["sub"] != tt.sub || out["username"] != tt.username) {
				t.Fatalf("sub %v username %v, want %s %s", out["sub"], out["username"], tt.sub, tt.username)
			}
			if !tt.active && len(out) != 1 {
				t.Fatalf("an inactive answer says more than active: %v", out)
			}
		})
	}
}
