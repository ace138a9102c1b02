package gateway

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/bulwark-gw/bulwark/internal/authn/apikey"
	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/metrics"
)

// normalHeader lower-cases name and reads every byte that is not a letter or
// digit as '-', as CGI-style backends do.
func normalHeader(name string) string {
	b := []byte(strings.ToLower(name))
	for i, c := range b {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			b[i] = '-'
		}
	}
	return string(b)
}

// ownedName reports whether a normalised name is one the gateway owns.
func ownedName(n string) bool {
	switch n {
	case "x-request-id", "forwarded", "x-real-ip", "x-client-ip", "true-client-ip", "proxy":
		return true
	}
	for _, p := range []string{"x-bulwark-", "x-forwarded-"} {
		if len(n) > len(p) && strings.HasPrefix(n, p) { // a namespace, not the bare prefix
			return true
		}
	}
	return false
}

// gatewayHeader reports whether a normalised name may reach the upstream only
// as the gateway set it: an owned header, the API key (stripped), an override
// header (stripped).
func gatewayHeader(n string) bool {
	return ownedName(n) || n == "x-api-key" || strings.HasSuffix(n, "method-override") || n == "x-original-url" || n == "x-rewrite-url"
}

// FuzzOwnedHeadersAtUpstream drives requests with arbitrary header names, values
// and Connection lists, with and without a valid API key, through the real
// gateway to a recording upstream, and asserts what the upstream received: every
// gateway-owned header exactly as the gateway set it, no client spelling of one,
// no unchecked credential, and a refusal when Connection names an owned header.
func FuzzOwnedHeadersAtUpstream(f *testing.F) {
	for _, s := range []struct {
		name, value, conn string
		key               bool
	}{
		{"X-Bulwark-Subject", "root", "", true}, {"X_Bulwark_Subject", "root", "keep-alive", false},
		{"x.request.id", "forged", "X-Request-Id", true}, {"X-Forwarded-For", "10.0.0.1", "close, X_Forwarded_For", false},
		{"X_Api_Key", "bwk_x", "", true}, {"X-HTTP-Method-Override", "DELETE", "TE", true}, {"Proxy", "http://evil", "", false},
		{"X-Other", "v", "X-Other", true},
	} {
		f.Add(s.name, s.value, s.conn, s.key)
	}
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(r.Header)
	}))
	defer up.Close()
	st, key := keyStore(f, apikey.CreateRequest{Consumer: "app", Subject: "alice"})
	src := "admin:\n  listen: \"off\"\nidentity:\n  api_keys:\n    pepper: " + benchPepper +
		"\napis:\n  - name: shop\n    upstream: " + up.URL + "\n    auth: [api_key, none]\n    routes:\n      - match: /**\n"
	plan, diags := config.Parse("f.yaml", []byte(src), func(string) (string, bool) { return "", false }, nil)
	if diags.HasErrors() {
		f.Fatal(diags)
	}
	g, err := New(plan, Deps{Metrics: metrics.New(), Audit: &events{}, Store: st, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	defer g.Close()
	front := httptest.NewServer(g)
	defer front.Close()
	client := &http.Client{Timeout: 20 * time.Second} // a hung request is a failure, not a stuck fuzzer

	f.Fuzz(func(t *testing.T, name, value, conn string, withKey bool) {
		if !httpguts.ValidHeaderFieldName(name) || !httpguts.ValidHeaderFieldValue(value) || !httpguts.ValidHeaderFieldValue(conn) ||
			strings.EqualFold(name, "Host") || strings.EqualFold(name, "Content-Length") || strings.EqualFold(name, "Transfer-Encoding") {
			t.Skip()
		}
		req, _ := http.NewRequest(http.MethodGet, front.URL+"/x", nil)
		req.Header[name] = []string{value}
		if conn != "" {
			req.Header["Connection"] = []string{conn}
		}
		if withKey {
			req.Header["X-Api-Key"] = []string{key}
		}
		resp, err := client.Do(req)
		if err != nil {
			if strings.Contains(err.Error(), "Timeout") || strings.Contains(err.Error(), "deadline") {
				t.Fatalf("request hung: %v", err)
			}
			t.Skip() // the client refused to send it
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		namesOwned := false
		for _, tok := range strings.Split(conn, ",") {
			namesOwned = namesOwned || ownedName(normalHeader(strings.Trim(tok, " \t")))
		}
		if namesOwned {
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("Connection %q: status %d, want 400", conn, resp.StatusCode)
			}
			return
		}
		if resp.StatusCode != http.StatusOK {
			if resp.StatusCode >= 500 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			return // refused: nothing reached the upstream
		}
		var got http.Header
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("upstream answer: %v: %s", err, body)
		}
		want := map[string]string{"X-Request-Id": resp.Header.Get("X-Request-Id"), "X-Forwarded-For": "127.0.0.1",
			"X-Forwarded-Proto": "http", "X-Forwarded-Host": strings.TrimPrefix(front.URL, "http://")}
		if withKey {
			want["X-Bulwark-Subject"], want["X-Bulwark-Consumer"], want["X-Bulwark-Auth-Method"] = "alice", "app", "api_key"
		}
		for k, v := range got {
			if !gatewayHeader(normalHeader(k)) {
				continue
			}
			if w, ok := want[k]; !ok || len(v) != 1 || v[0] != w {
				t.Fatalf("upstream got %s: %q (want %q)", k, v, want[k])
			}
		}
		for k, w := range want {
			if v := got[k]; len(v) != 1 || v[0] != w {
				t.Fatalf("upstream %s = %q, want %q", k, v, w)
			}
		}
	})
}
