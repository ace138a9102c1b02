package gateway

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/metrics"
	"github.com/bulwark-gw/bulwark/internal/oauthserver"
	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// oauthNode is one gateway node with the built-in authorization server.
type oauthNode struct {
	url   string
	st    *store.Store
	shift *atomic.Int64 // clock offset of the node, nanoseconds
}

// recorder is an upstream that records what it receives.
type recorder struct {
	mu   sync.Mutex
	auth []string
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec.mu.Lock()
	rec.auth = append(rec.auth, r.Header.Get("Authorization"))
	rec.mu.Unlock()
	_, _ = io.WriteString(w, "orders")
}

// newOAuthNode starts a gateway on ln (issuer = its URL, shared by every
// node of one deployment) over the store at dsn.
func newOAuthNode(t *testing.T, ln net.Listener, issuer, dsn, upstream string) *oauthNode {
	t.Helper()
	src := `admin: {listen: "off"}
store: "` + dsn + `"
oauth:
  issuer: ` + issuer + `
  secret: test-secret-test-secret-test-secret-0123
  revocation_poll: 100ms
  scopes:
    - {name: "orders:read", description: "read your orders", data_categories: [orders]}
    - {name: "orders:write", description: "change your orders"}
apis:
  - name: shop
    upstream: ` + upstream + `
    routes:
      - match: GET /orders
        auth: [oauth]
        scopes: [orders:read]
      - match: POST /orders
        auth: [oauth]
        scopes: [orders:write]
`
	p, diags := config.Parse("test.yaml", []byte(src), func(string) (string, bool) { return "", false }, os.ReadFile)
	if diags.HasErrors() {
		t.Fatalf("config: %v", diags)
	}
	n := &oauthNode{url: issuer, st: storetest.Open(t, dsn), shift: &atomic.Int64{}}
	p.OAuth.Options.Now = func() time.Time { return time.Now().Add(time.Duration(n.shift.Load())) }
	g, err := New(p, Deps{Metrics: metrics.New(), Audit: &events{}, Store: n.st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	front := httptest.NewUnstartedServer(g)
	front.Listener.Close()
	front.Listener = ln
	front.Start()
	t.Cleanup(front.Close)
	return n
}

func listen(t *testing.T) (net.Listener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln, "http://" + ln.Addr().String()
}

func (n *oauthNode) call(t *testing.T, method, token string) int {
	t.Helper()
	req, _ := http.NewRequest(method, n.url+"/orders", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// clientToken registers a confidential client and gets a client-credentials token.
func clientToken(t *testing.T, n *oauthNode, id string) (string, string) {
	t.Helper()
	_, secret, err := oauthserver.CreateClient(context.Background(), n.st, oauthserver.ClientSpec{
		ID: id, Name: "Reporting", Scopes: []string{"orders:read"}, Grants: []string{"client_credentials"}})
	if err != nil {
		t.Fatal(err)
	}
	cc := clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: n.url + oauthserver.PathToken, Scopes: []string{"orders:read"}}
	tok, err := cc.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken, secret
}

// waitStatus polls until call answers want, failing after a second.
func waitStatus(t *testing.T, n *oauthNode, token string, want int) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		got := n.call(t, http.MethodGet, token)
		if got == want {
			return time.Since(start)
		}
		if time.Since(start) > time.Second {
			t.Fatalf("still %d after 1s, want %d", got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestOAuthRouteVerifiesIssuedTokens(t *testing.T) {
	rec := &recorder{}
	up := httptest.NewServer(rec)
	t.Cleanup(up.Close)
	ln, issuer := listen(t)
	n := newOAuthNode(t, ln, issuer, storetest.SQLiteDSN(t), up.URL)
	tok, secret := clientToken(t, n, "reporting")

	if got := n.call(t, http.MethodGet, tok); got != 200 {
		t.Fatalf("GET with orders:read: %d", got)
	}
	if got := n.call(t, http.MethodPost, tok); got != 403 {
		t.Errorf("POST needs orders:write: %d", got)
	}
	if got := n.call(t, http.MethodGet, tok[:len(tok)-4]+"AAAA"); got != 401 {
		t.Errorf("forged signature: %d", got)
	}
	// A token in the URL is refused, not used (RFC 6750 §2.3 and §5.3).
	if resp, err := http.Get(n.url + "/orders?access_token=" + tok); err != nil || resp.StatusCode/100 != 4 {
		t.Errorf("token in query: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	rec.mu.Lock()
	if len(rec.auth) != 1 || rec.auth[0] != "" {
		t.Errorf("upstream saw %q (the token must be stripped, one call only)", rec.auth)
	}
	rec.mu.Unlock()

	t.Run("expired", func(t *testing.T) {
		n.shift.Store(int64(oauthserver.DefaultAccessTokenTTL + time.Minute))
		defer n.shift.Store(0)
		if got := n.call(t, http.MethodGet, tok); got != 401 {
			t.Errorf("expired token: %d", got)
		}
	})
	t.Run("not yet valid", func(t *testing.T) {
		fresh, _ := (&clientcredentials.Config{ClientID: "reporting", ClientSecret: secret, TokenURL: n.url + oauthserver.PathToken}).Token(context.Background())
		n.shift.Store(int64(-time.Hour))
		defer n.shift.Store(0)
		if got := n.call(t, http.MethodGet, fresh.AccessToken); got != 401 {
			t.Errorf("token issued in the future: %d", got)
		}
	})
	t.Run("revoked", func(t *testing.T) {
		if got := n.call(t, http.MethodGet, tok); got != 200 {
			t.Fatalf("before revocation: %d", got)
		}
		revoke(t, n, tok, "reporting", secret)
		waitStatus(t, n, tok, 401) // within a second, though the token is cached
	})
	t.Run("metadata on the proxy listener", func(t *testing.T) {
		resp, err := http.Get(n.url + oauthserver.PathMetadata)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var md map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&md); err != nil || md["issuer"] != issuer {
			t.Fatalf("metadata %v %v", md, err)
		}
	})
}

// TestOAuthRevocationReachesEveryNode: two gateway nodes on one PostgreSQL
// store; a grant revoked through one is refused by the other within 1 s.
func TestOAuthRevocationReachesEveryNode(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	rec := &recorder{}
	up := httptest.NewServer(rec)
	t.Cleanup(up.Close)
	lnA, issuer := listen(t)
	a := newOAuthNode(t, lnA, issuer, dsn, up.URL)
	lnB, urlB := listen(t)
	b := newOAuthNode(t, lnB, issuer, dsn, up.URL)
	b.url = urlB // same issuer (the public origin), its own socket

	tok, secret := clientToken(t, a, "reporting")
	if got := b.call(t, http.MethodGet, tok); got != 200 {
		t.Fatalf("node B before revocation: %d", got)
	}
	revoke(t, a, tok, "reporting", secret)
	took := waitStatus(t, b, tok, 401)
	t.Logf("node B refused the revoked token after %s", took)
}

// revoke revokes token through n's RFC 7009 endpoint as client id.
func revoke(t *testing.T, n *oauthNode, token, id, secret string) {
	t.Helper()
	form := url.Values{"token": {token}}
	req, _ := http.NewRequest(http.MethodPost, n.url+oauthserver.PathRevoke, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
}
