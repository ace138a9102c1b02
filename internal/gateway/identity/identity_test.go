package identity

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/authn"
	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/store"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func pemKey(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// planWith is a plan of one API whose routes use the given auth lists.
func planWith(id config.Identity, auths ...[]string) *config.Plan {
	p := &config.Plan{Identity: id}
	api := config.API{Name: "shop"}
	for _, a := range auths {
		api.Routes = append(api.Routes, config.Route{Auth: a})
	}
	p.APIs = append(p.APIs, api)
	return p
}

func issuers(t *testing.T) []config.JWTIssuer {
	return []config.JWTIssuer{
		{Name: "corp", Issuer: "https://corp.example", Keys: []string{pemKey(t)}, Audiences: []string{"api"}, Algorithms: []string{"ES256"}},
		{Name: "partner", Issuer: "https://partner.example", Keys: []string{pemKey(t)}, Audiences: []string{"api"}, Algorithms: []string{"ES256"}},
	}
}

func servers() []config.Introspection {
	return []config.Introspection{
		{Name: "a", URL: "https://a.example/introspect", ClientID: "gw", ClientSecret: "s", AuthMethod: "client_secret_basic", Timeout: time.Second, CacheTTL: time.Minute},
		{Name: "b", URL: "https://b.example/introspect", ClientID: "gw", ClientSecret: "s", AuthMethod: "client_secret_basic", Timeout: time.Second, CacheTTL: time.Minute},
	}
}

// schemes lists what a chain asks a caller without credentials for.
func schemes(c *authn.Chain) string {
	return c.Unauthenticated().Header.Get("WWW-Authenticate")
}

func TestChainFollowsTheAuthList(t *testing.T) {
	st := openStore(t)
	id := config.Identity{APIKeys: &config.APIKeys{Header: "X-Key", Pepper: strings.Repeat("p", 32), CacheTTL: time.Second},
		JWT: issuers(t), Introspection: servers()}
	tests := []struct {
		auth []string
		want string
	}{
		{[]string{config.AuthAPIKey}, `ApiKey realm="bulwark"`},
		{[]string{config.AuthJWT}, `Bearer realm="bulwark"`},
		{[]string{"jwt:partner", config.AuthAPIKey}, `Bearer realm="bulwark", ApiKey realm="bulwark"`},
		{[]string{config.AuthIntrospection}, `Bearer realm="bulwark"`},
		{[]string{"introspection:b"}, `Bearer realm="bulwark"`},
		{[]string{config.AuthNone}, ``},
	}
	var auths [][]string
	for _, tc := range tests {
		auths = append(auths, tc.auth)
	}
	set, err := Build(planWith(id, auths...), nil, Deps{Store: st, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer set.Retire(nil)
	if set.KeyHeader() != "X-Key" || set.OAuth() != nil || len(set.MissingKeys()) != 0 {
		t.Fatalf("key header %q, oauth %v, missing %v", set.KeyHeader(), set.OAuth(), set.MissingKeys())
	}
	for _, tc := range tests {
		if got := schemes(set.Chain(tc.auth)); got != tc.want {
			t.Errorf("%v: challenge %q, want %q", tc.auth, got, tc.want)
		}
	}
	// Anonymous callers pass only where "none" is listed.
	r := httptest.NewRequest("GET", "/", nil)
	if p, prob := set.Chain([]string{config.AuthNone}).Authenticate(r); p != nil || prob != nil {
		t.Fatalf("open route: %v %v", p, prob)
	}
	if _, prob := set.Chain([]string{"introspection:a"}).Authenticate(r); prob == nil || prob.Status != 401 {
		t.Fatalf("closed route: %v", prob)
	}
}

func TestReloadReusesUnchangedAuthenticators(t *testing.T) {
	st := openStore(t)
	keys := &config.APIKeys{Header: "X-Api-Key", Pepper: strings.Repeat("p", 32), CacheTTL: time.Second}
	id := config.Identity{APIKeys: keys, JWT: issuers(t), Introspection: servers()}
	routes := [][]string{{config.AuthAPIKey}, {config.AuthJWT}, {"jwt:corp"}, {"introspection:a"}}
	first, err := Build(planWith(id, routes...), nil, Deps{Store: st, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	same, err := Build(planWith(id, routes...), first, Deps{Store: st, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if same.apiKeys != first.apiKeys || same.jwtAll != first.jwtAll || same.jwtOne["corp"] != first.jwtOne["corp"] ||
		same.intro["a"] != first.intro["a"] || len(same.owned) != 0 {
		t.Fatal("an unchanged authenticator was rebuilt")
	}
	first.Retire(same) // nothing of first may stop: same serves with it
	if _, prob := same.Chain([]string{config.AuthAPIKey}).Authenticate(httptest.NewRequest("GET", "/", nil)); prob == nil || prob.Status != 401 {
		t.Fatalf("reused verifier: %v", prob)
	}

	changed := id
	changed.APIKeys = &config.APIKeys{Header: "X-Api-Key", Pepper: strings.Repeat("q", 32), CacheTTL: time.Second}
	changed.JWT = append(slices.Clone(id.JWT[:1]), id.JWT[1])
	changed.JWT[0].Leeway = time.Second
	changed.Introspection = slices.Clone(id.Introspection)
	changed.Introspection[0].CacheTTL = 2 * time.Minute
	next, err := Build(planWith(changed, routes...), same, Deps{Store: st, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if next.apiKeys == same.apiKeys || next.jwtAll == same.jwtAll || next.jwtOne["corp"] == same.jwtOne["corp"] || next.intro["a"] == same.intro["a"] {
		t.Fatal("a changed authenticator was reused")
	}
	if len(next.owned) != 3 {
		t.Fatalf("next started %d authenticators, want 3 (keys, every issuer, corp)", len(next.owned))
	}
	same.Retire(next)
	next.Retire(nil)
}

func TestBuildFailsClosed(t *testing.T) {
	keys := &config.APIKeys{Header: "X-Api-Key", Pepper: strings.Repeat("p", 32), CacheTTL: time.Second}
	bad := issuers(t)[:1]
	bad[0].Algorithms = []string{"none"}
	tests := []struct {
		name string
		plan *config.Plan
		st   bool
		want string
	}{
		{"api keys without a store", planWith(config.Identity{APIKeys: keys}, []string{config.AuthAPIKey}), false, "need a store"},
		{"oauth without a store", &config.Plan{OAuth: &config.OAuth{}}, false, "needs a store"},
		{"a refused issuer", planWith(config.Identity{JWT: bad}, []string{config.AuthJWT}), true, "jwt"},
		{"a broken introspection server", planWith(config.Identity{Introspection: []config.Introspection{{Name: "x", URL: "ftp://x"}}},
			[]string{config.AuthIntrospection}), true, "introspection x"},
		{"keys built, then an issuer refused", planWith(config.Identity{APIKeys: keys, JWT: bad}, []string{config.AuthAPIKey}, []string{"jwt:corp"}), true, "jwt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var st *store.Store
			if tc.st {
				st = openStore(t)
			}
			if _, err := Build(tc.plan, nil, Deps{Store: st, Logger: quiet}); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}

func TestMissingKeysNamesIssuersWithoutKeys(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 500) }))
	defer down.Close()
	is := []config.JWTIssuer{{Name: "remote", Issuer: "https://remote.example", JWKSURL: down.URL + "/jwks", Audiences: []string{"api"},
		Algorithms: []string{"ES256"}, RefreshInterval: time.Hour, MinRefetchInterval: time.Hour}}
	set, err := Build(planWith(config.Identity{JWT: is}, []string{config.AuthJWT}, []string{"jwt:remote"}), nil, Deps{Store: nil, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer set.Retire(nil)
	if got := set.MissingKeys(); !slices.Equal(got, []string{"https://remote.example"}) {
		t.Fatalf("missing %v", got)
	}
	var none *Set
	if none.MissingKeys() != nil || none.OAuth() != nil {
		t.Fatal("a nil set reports something")
	}
	none.Retire(nil)
}
