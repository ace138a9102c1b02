package stored

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/demo"
	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/graphql"
	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

const userSchema = "type Query { me: User user(id: ID!): User } type User { id: ID! name: String! }"

// Build makes a route's guard as serve does: its schema from the options or
// by introspecting the upstream, ownership rules on field arguments checked
// against it, the store's registered operations loaded.
func TestBuild(t *testing.T) {
	shop, err := demo.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = shop.Close() })
	up := httptest.NewServer(shop.Handler())
	t.Cleanup(up.Close)
	st := storetest.Open(t, storetest.SQLiteDSN(t))
	registered := "{ me { name } }"
	if _, err := st.RegisterGraphQLOperation(context.Background(), store.GraphQLOperation{API: "shop", Route: "graphql",
		Hash: hash(registered), Query: registered}); err != nil {
		t.Fatal(err)
	}
	closed := storetest.Open(t, storetest.SQLiteDSN(t))
	if err := closed.Close(); err != nil {
		t.Fatal(err)
	}
	own := graphql.Options{Schema: userSchema, SchemaName: "s"}
	plain := func() (*http.Client, error) { return &http.Client{}, nil }
	tests := []struct {
		name     string
		store    *store.Store
		o        graphql.Options
		endpoint string
		client   func() (*http.Client, error)
		args     []Arg
		// want
		err        string // prefix; "" a guard
		clientMade bool
		readsArgs  bool
		allowed    string // an operation the guard admits
	}{
		{name: "a schema of its own", o: own, client: plain, allowed: "{ me { id } }"},
		{name: "owner rule on an argument", o: own, args: []Arg{{Rule: "r1", Field: "Query.user", Arg: "id"}}, client: plain,
			readsArgs: true, allowed: `{ user(id: "7") { id } }`},
		{name: "owner rule on a missing argument", o: own, args: []Arg{{Rule: "r1", Field: "Query.user", Arg: "ref"}}, client: plain,
			err: "graphql: owner rule r1: Query.user has no argument ref"},
		{name: "persisted.store without a store", o: graphql.Options{Schema: userSchema, Persisted: graphql.Persisted{Mode: graphql.PersistedAllow, Store: true}},
			client: plain, err: "graphql: persisted.store needs a store"},
		{name: "registered operations loaded", store: st, o: graphql.Options{Schema: userSchema, Persisted: graphql.Persisted{Mode: graphql.PersistedAllow, Store: true}},
			client: plain, allowed: registered},
		{name: "the store fails", store: closed, o: graphql.Options{Schema: userSchema, Persisted: graphql.Persisted{Mode: graphql.PersistedAllow, Store: true}},
			client: plain, err: "graphql: loading registered operations"},
		{name: "schema by introspection", o: graphql.Options{Introspect: true}, endpoint: up.URL + "/graphql", client: plain,
			clientMade: true, allowed: "{ products { id } }"},
		{name: "introspection's owner rule checked", o: graphql.Options{Introspect: true}, endpoint: up.URL + "/graphql", client: plain,
			args: []Arg{{Rule: "o", Field: "Query.nothing", Arg: "id"}}, clientMade: true, err: "graphql: owner rule o: "},
		{name: "no client for the upstream", o: graphql.Options{Introspect: true}, endpoint: up.URL + "/graphql",
			client: func() (*http.Client, error) { return nil, errors.New("bad ca") }, clientMade: true,
			err: "graphql: introspecting " + up.URL + "/graphql: bad ca"},
		{name: "no target to introspect", o: graphql.Options{Introspect: true}, client: plain,
			err: "graphql: introspection needs an upstream target"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			made := false
			client := func() (*http.Client, error) { made = true; return tt.client() }
			g, err := Route{API: "shop", Name: "graphql", Store: tt.store}.Build(tt.o, tt.endpoint, client, tt.args)
			if made != tt.clientMade {
				t.Errorf("client made: %v", made)
			}
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest("POST", "/graphql", nil)
			r.Header.Set("Content-Type", "application/graphql")
			x := &exchange.Exchange{Req: r}
			if _, p := g.Admit(x, []byte(tt.allowed), false); p != nil {
				t.Fatalf("%s refused: %v", tt.allowed, p)
			}
			if (x.GraphQL != nil) != tt.readsArgs {
				t.Errorf("arguments read: %v", x.GraphQL != nil)
			}
		})
	}
}

// A serving state's GraphQL routes answer the admin API: what learning mode
// saw, a reload of the store's operations, whether a route exists.
func TestRoutes(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, storetest.SQLiteDSN(t))
	learn, err := Route{API: "shop", Name: "learn"}.Build(graphql.Options{Schema: userSchema,
		Persisted: graphql.Persisted{Mode: graphql.PersistedLearn}}, "", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	allow := Route{API: "shop", Name: "allow", Store: st}
	allowG, err := allow.Build(graphql.Options{Schema: userSchema, Persisted: graphql.Persisted{Mode: graphql.PersistedAllow, Store: true}}, "", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Route{API: "blog", Name: "graphql"}.Build(graphql.Options{Schema: userSchema}, "", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	rs := Routes{{Route: Route{API: "shop", Name: "learn"}, Guard: learn}, {Route: allow, Guard: allowG},
		{Route: Route{API: "blog", Name: "graphql"}, Guard: plain}}

	if got := (Routes{}).Learned(); got == nil || len(got) != 0 {
		t.Fatalf("no routes: %#v, want an empty list", got)
	}
	q := "{ me { id } }"
	if _, ref := learn.Check(&graphql.Request{Method: "POST", ContentType: "application/graphql", Body: []byte(q)}, graphql.Caller{}); ref != nil {
		t.Fatal(ref)
	}
	got := rs.Learned()
	if len(got) != 1 || got[0].API != "shop" || got[0].Route != "learn" || len(got[0].Operations) != 1 || got[0].Operations[0].Hash != hash(q) {
		t.Fatalf("learned %+v", got)
	}

	for _, tc := range []struct {
		api, name      string
		exists, stored bool
	}{{"shop", "allow", true, true}, {"shop", "learn", true, false}, {"blog", "graphql", true, false}, {"blog", "learn", false, false}} {
		if e, s := rs.Find(tc.api, tc.name); e != tc.exists || s != tc.stored {
			t.Errorf("Find(%s, %s) = %v %v", tc.api, tc.name, e, s)
		}
	}

	registered := "{ me { name } }"
	check := func() *graphql.Refusal {
		_, ref := allowG.Check(&graphql.Request{Method: "POST", ContentType: "application/graphql", Body: []byte(registered)}, graphql.Caller{})
		return ref
	}
	if check() == nil {
		t.Fatal("admitted before it was registered")
	}
	if _, err := st.RegisterGraphQLOperation(ctx, store.GraphQLOperation{API: "shop", Route: "allow", Hash: hash(registered), Query: registered}); err != nil {
		t.Fatal(err)
	}
	if err := rs.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if ref := check(); ref != nil {
		t.Fatalf("registered, refreshed, refused: %v", ref)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rs.Refresh(ctx); err == nil || !strings.HasPrefix(err.Error(), "shop allow: loading registered operations") {
		t.Fatalf("refresh on a closed store: %v", err)
	}
}
