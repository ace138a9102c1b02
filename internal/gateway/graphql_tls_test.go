package gateway

import (
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/demo"
	"github.com/bulwark-gw/bulwark/internal/graphql"
)

// Introspection at start trusts the upstream's certificate as the proxy
// does: its tls.ca_file (or insecure_skip_verify), not only the system roots.
func TestGraphQLIntrospectionUsesUpstreamTLS(t *testing.T) {
	shop, err := demo.New()
	if err != nil {
		t.Fatal(err)
	}
	defer shop.Close()
	srv := httptest.NewTLSServer(shop.Handler())
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	rt := config.Route{Name: "POST /graphql", Path: "/graphql", GraphQL: &graphql.Options{Introspect: true}}
	api := func(u config.Upstream) config.API {
		u.Targets = []string{srv.URL}
		return config.API{Name: "shop", Upstream: u}
	}
	for _, tc := range []struct {
		name string
		up   config.Upstream
		want string // "" for success, else part of the error
	}{
		{"ca_file", config.Upstream{CAFile: ca}, ""},
		{"insecure_skip_verify", config.Upstream{TLSInsecureSkipVerify: true}, ""},
		{"system roots only", config.Upstream{}, "certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := buildGraphQL(rt, api(tc.up), &routeEntry{}, Deps{})
			switch {
			case tc.want == "" && (err != nil || g == nil):
				t.Fatalf("introspection failed: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want an error about the %s", err, tc.want)
			}
		})
	}
}
