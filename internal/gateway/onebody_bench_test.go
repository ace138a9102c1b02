package gateway

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/authn/apikey"
	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/metrics"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// bodyGuardsRoute is a login route whose every request guard reads the JSON
// body: an owner rule on a body field, write-protected fields, injection
// inspection and brute-force protection (which reads the username).
const bodyGuardsRoute = "      - match: POST /login\n" +
	"        owner: [{body: /username, equals: sub}]\n" +
	"        readonly_fields: [role, is_admin]\n        on_readonly: strip\n" +
	"        brute_force: {username_field: username, max_failures: 5, lockout: 15m}\n"

// loginJSON is a ~1 KiB login body: the caller's own username, no protected field.
var loginJSON = []byte(`{"username":"alice","password":"hunter2",` + orderJSON[1:])

// bodyGuardsGateway serves bodyGuardsRoute in front of an upstream that reads
// the body and answers 200; it returns the handler and the caller's API key.
func bodyGuardsGateway(tb testing.TB) (*Gateway, *events, string) {
	tb.Helper()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	tb.Cleanup(up.Close)
	st, key := keyStore(tb, apikey.CreateRequest{Consumer: "app", Subject: "alice"})
	src := "admin:\n  listen: \"off\"\nidentity:\n  api_keys:\n    pepper: " + benchPepper +
		"\napis:\n  - name: shop\n    upstream: " + up.URL + "\n    auth: [api_key]\n    routes:\n" + bodyGuardsRoute
	g, ev := storeGateway(tb, src, st)
	return g, ev, key
}

// storeGateway builds a Gateway serving the configuration src with the store st.
func storeGateway(tb testing.TB, src string, st *store.Store) (*Gateway, *events) {
	tb.Helper()
	p, diags := config.Parse("test.yaml", []byte(src), func(string) (string, bool) { return "", false }, nil)
	if diags.HasErrors() {
		tb.Fatalf("config: %v", diags)
	}
	ev := &events{}
	g, err := New(p, Deps{Metrics: metrics.New(), Audit: ev, Store: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(g.Close)
	return g, ev
}

func loginRequest(key string, body []byte) *http.Request {
	r := httptest.NewRequest("POST", "/login", bytes.NewReader(body)).WithContext(context.Background())
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-API-Key", key)
	return r
}

// BenchmarkBodyGuards measures a JSON POST through the whole handler on a
// route where every request guard reads the body.
func BenchmarkBodyGuards(b *testing.B) {
	g, _, key := bodyGuardsGateway(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(loginJSON)))
	for b.Loop() {
		w := httptest.NewRecorder()
		g.ServeHTTP(w, loginRequest(key, loginJSON))
		if w.Code != 200 {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}
