package graphql

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/demo"
)

// The demo shop (graph-gophers/graphql-go) is introspected over HTTP; the
// SDL built from its answer validates operations as the shop's own SDL does.
// demoShop serves the demo shop (its GraphQL endpoint at /graphql).
func demoShop(t *testing.T) *httptest.Server {
	t.Helper()
	shop, err := demo.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = shop.Close() })
	srv := httptest.NewServer(shop.Handler())
	t.Cleanup(srv.Close)
	return srv
}

func TestIntrospectDemoShop(t *testing.T) {
	srv := demoShop(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sdl, err := Introspect(ctx, srv.Client(), srv.URL+"/graphql")
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(Options{Schema: sdl, SchemaName: "introspection"})
	if err != nil {
		t.Fatalf("%v\n%s", err, sdl)
	}
	for q, code := range map[string]string{
		"{ user(id: 1) { username orders(first: 2) { id items { qty product { name } } } } }": "",
		`mutation { setOrderStatus(id: 1, status: "paid") { status } }`:                       "",
		"{ user(id: 1) { password } }":                                                        "graphql_validation_failed",
		"{ users(first: \"x\") { id } }":                                                      "graphql_validation_failed",
		"{ user(id: 1) { friends { friends { friends { friends { friends { friends { friends { friends { friends { friends { id } } } } } } } } } } } }": "graphql_too_deep",
	} {
		_, ref := g.Check(postQuery(q), Caller{})
		got := ""
		if ref != nil {
			got = ref.Code
		}
		if got != code {
			t.Errorf("%s: got %q (%v), want %q", q, got, ref, code)
		}
	}
}

func TestIntrospectErrors(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"status", 500, `{}`, "answered 500"},
		{"refused", 200, `{"errors":[{"message":"introspection is disabled"}]}`, "refused introspection: introspection is disabled"},
		{"not JSON", 200, `<html>`, "not JSON"},
		{"no query type", 200, `{"data":{"__schema":{"types":[]}}}`, "no query type"},
	}
	for _, c := range cases {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(c.status)
			_, _ = w.Write([]byte(c.body))
		}))
		_, err := Introspect(context.Background(), srv.Client(), srv.URL)
		srv.Close()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

func TestNewFromUpstream(t *testing.T) {
	srv := demoShop(t)
	down := httptest.NewServer(http.NotFoundHandler())
	defer down.Close()
	for _, tc := range []struct {
		name     string
		o        Options
		endpoint string
		want     string // "" for a guard
	}{
		{"schema from the upstream", Options{Introspect: true}, srv.URL + "/graphql", ""},
		{"no target", Options{Introspect: true}, "", "graphql: introspection needs an upstream target"},
		{"upstream refuses", Options{Introspect: true}, down.URL + "/graphql", "graphql: introspecting " + down.URL + "/graphql"},
		{"a schema of its own", Options{Schema: "type Query { a: Int }"}, "", ""},
		{"a broken schema", Options{Schema: "type Query {"}, "", "graphql: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := NewFromUpstream(tc.o, tc.endpoint, nil)
			switch {
			case tc.want == "" && (err != nil || g == nil):
				t.Fatalf("%v", err)
			case tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.want)):
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}
