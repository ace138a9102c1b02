package metrics

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/authn/introspect"
	"github.com/bulwark-gw/bulwark/internal/authn/jwt"
)

// Real authenticators against a real failing identity provider: the
// failures show in a scrape, by issuer and by endpoint, wired the way the
// server wires them.
func TestIdentityFailuresScraped(t *testing.T) {
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	t.Cleanup(idp.Close)
	m := New()
	m.SetIdentityFailureSource(func() IdentityFailures {
		return IdentityFailures{JWKS: jwt.FetchFailures(), Introspection: introspect.Failures()}
	})
	if out := scrape(t, m); strings.Contains(out, `issuer="metrics-idp"`) || strings.Contains(out, `endpoint="metrics-as"`) {
		t.Fatalf("failures before any call:\n%s", out)
	}

	ja, err := jwt.New([]jwt.Config{{Name: "metrics-idp", Issuer: "https://idp.example", JWKSURL: idp.URL + "/jwks",
		Algorithms: []string{"ES256"}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ja.Start(ctx) // the first fetch fails
	cancel()
	ja.Close()

	ia, err := introspect.New(introspect.Config{Name: "metrics-as", URL: idp.URL + "/introspect", ClientID: "gw", ClientSecret: "s"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{"opaque-a", "opaque-b"} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		if _, err := ia.Authenticate(r); err == nil {
			t.Fatal("a failing endpoint authenticated a token")
		}
	}

	out := scrape(t, m)
	for _, want := range []string{
		"# TYPE bulwark_jwks_fetch_failures_total counter",
		`bulwark_introspection_failures_total{endpoint="metrics-as"} 2`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, `bulwark_jwks_fetch_failures_total{issuer="metrics-idp"} `) ||
		strings.Contains(out, `bulwark_jwks_fetch_failures_total{issuer="metrics-idp"} 0`) {
		t.Errorf("no JWKS failure for the issuer:\n%s", out)
	}
}
