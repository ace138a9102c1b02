package gateway

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/authn/apikey"
	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/metrics"
	"github.com/bulwark-gw/bulwark/internal/store"
)

const benchPepper = "bench-pepper-0123456789abcdef-0123456789"

// authPlan is one route behind API keys and one open route, same upstream.
func authPlan(b *testing.B, upstream string) *config.Plan {
	b.Helper()
	src := "admin:\n  listen: \"off\"\nidentity:\n  api_keys:\n    pepper: " + benchPepper +
		"\napis:\n  - name: shop\n    upstream: " + upstream +
		"\n    routes:\n      - match: GET /open\n        auth: [none]\n      - match: GET /keyed\n        auth: [api_key]\n        scopes: [read]\n"
	p, diags := config.Parse("bench.yaml", []byte(src), func(string) (string, bool) { return "", false }, nil)
	if diags.HasErrors() {
		b.Fatalf("config: %v", diags)
	}
	return p
}

// keyStore opens a store in a temporary directory, closed when tb ends, and
// creates one API key in it.
func keyStore(tb testing.TB, req apikey.CreateRequest) (*store.Store, string) {
	tb.Helper()
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(tb.TempDir(), "k.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	m, err := apikey.NewManager(st, []byte(benchPepper), nil)
	if err != nil {
		tb.Fatal(err)
	}
	key, _, err := m.Create(context.Background(), req)
	if err != nil {
		tb.Fatal(err)
	}
	return st, key
}

// BenchmarkAuthCost measures what API-key authentication adds per request: the
// same handler, the same upstream, an open route against a keyed one. The
// upstream is an in-process handler so the difference is the gateway's own.
func BenchmarkAuthCost(b *testing.B) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer up.Close()
	st, key := keyStore(b, apikey.CreateRequest{Consumer: "bench", Scopes: []string{"read"}})
	g, err := New(authPlan(b, up.URL), Deps{Metrics: metrics.New(), Audit: &events{}, Store: st,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	for _, tc := range []struct{ name, path, key string }{{"open", "/open", ""}, {"api_key", "/keyed", key}} {
		b.Run(tc.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", tc.path, nil)
			if tc.key != "" {
				req.Header.Set("X-API-Key", tc.key)
			}
			b.ReportAllocs()
			for b.Loop() {
				r := req.Clone(context.Background())
				w := httptest.NewRecorder()
				g.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}
