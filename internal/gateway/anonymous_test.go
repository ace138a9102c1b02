package gateway

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/metrics"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// TestAnonymousCallerOwnsNothing: config refuses rules that compare with the
// caller on a route whose auth lists none, but a plan that has them anyway
// (built in code, an older config) must refuse the anonymous caller with a
// 401, never dereference the missing principal (issue 11: the connection was
// reset) and never let an unknown object through to nobody.
func TestAnonymousCallerOwnsNothing(t *testing.T) {
	var hits atomic.Int32
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.WriteString(w, `{"orders":[{"id":1,"owner":""}]}`)
	}))
	defer up.Close()
	src := "admin:\n  listen: \"off\"\nidentity:\n  api_keys:\n    pepper: " + benchPepper +
		"\napis:\n  - name: shop\n    upstream: " + up.URL + "\n    auth: [api_key]\n    routes:\n" +
		"      - match: GET /orders/{id}\n        owner: [{param: id, object: order}]\n" +
		"      - match: GET /legacy/{id}\n        owner: [{param: id, object: order, unknown: allow}]\n" +
		"      - match: GET /users/{id}\n        owner: [{param: id, equals: sub}]\n" +
		"      - match: GET /staff\n        roles: [clerk]\n" +
		"      - match: GET /orders\n        filter_list: {array: /orders, owner_field: owner}\n" +
		"      - match: POST /orders\n        records_owner: {object: order}\n"
	p, diags := config.Parse("t.yaml", []byte(src), func(string) (string, bool) { return "", false }, nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for i := range p.APIs[0].Routes {
		p.APIs[0].Routes[i].Auth = []string{config.AuthAPIKey, config.AuthNone}
	}
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ev := &events{}
	g, err := New(p, Deps{Metrics: metrics.New(), Audit: ev, Store: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	front := httptest.NewServer(g)
	defer front.Close()

	for i, tc := range []struct{ method, path string }{
		{"GET", "/orders/1"}, {"GET", "/legacy/1"}, {"GET", "/users/1"}, {"GET", "/staff"}, {"GET", "/orders"}, {"POST", "/orders"},
	} {
		req, _ := http.NewRequest(tc.method, front.URL+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.method, tc.path, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "realm=") {
			t.Fatalf("%s %s: %d %v", tc.method, tc.path, resp.StatusCode, resp.Header)
		}
		if e := ev.nth(t, i+1); e.Decision != audit.DecisionDeny || e.Status != 401 || e.Rule != "authenticated" {
			t.Fatalf("%s %s: event %+v", tc.method, tc.path, e)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("the upstream was reached %d times", hits.Load())
	}
}
