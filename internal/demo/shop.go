package demo

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	gql "github.com/graph-gophers/graphql-go"
)

// Shop is one instance of the demo shop: its own in-memory database, its own
// sessions and its routes. It is safe for concurrent use.
type Shop struct {
	db       *database
	sessions *sessions
	handler  http.Handler
	// gqlSchema is the GraphQL endpoint's executable schema.
	gqlSchema *gql.Schema
	now       func() time.Time // stamps new orders
	// introspectSecret is the client secret POST /oauth/introspect wants.
	introspectSecret atomic.Value // string

	// eventInterval is the pause between two server-sent events.
	eventInterval time.Duration
}

// New returns a freshly seeded shop, independent of any other.
func New() (*Shop, error) {
	db, err := openDB(context.Background())
	if err != nil {
		return nil, err
	}
	s := &Shop{
		db:            db,
		sessions:      newSessions(maxSessions),
		now:           time.Now,
		eventInterval: 200 * time.Millisecond,
	}
	if s.gqlSchema, err = s.graphqlSchema(); err != nil {
		db.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.HandleFunc(rt.pattern(), rt.handler)
	}
	s.handler = jsonErrors{mux: mux}
	return s, nil
}

// Handler returns the shop's HTTP handler.
func (s *Shop) Handler() http.Handler { return s.handler }

// Close releases the database; the shop's data is gone afterwards.
func (s *Shop) Close() error { return s.db.Close() }

// route is one endpoint: its method and path, the line the index shows for
// it, and its handler.
type route struct {
	method, path, summary string
	handler               http.HandlerFunc
}

// pattern is the ServeMux pattern; "/" matches only itself, not every path.
func (rt route) pattern() string {
	if rt.path == "/" {
		return rt.method + " /{$}"
	}
	return rt.method + " " + rt.path
}

// routes lists every endpoint, in the order the index shows them.
func (s *Shop) routes() []route {
	return []route{
		{"GET", "/", "this index", s.index},
		{"GET", "/health", "liveness: {\"status\":\"ok\"}", s.health},
		{"POST", "/login", "{username,password} -> session token (no brute-force limit)", s.login},
		{"POST", "/oauth/introspect", "RFC 7662: whose session token is this? (for the gateway)", s.introspect},
		{"GET", "/users/{id}", "any user's full record, secrets included (BOLA, data exposure)", s.getUser},
		{"PATCH", "/users/{id}", "change any field of any user, role and is_admin too (mass assignment)", s.patchUser},
		{"GET", "/users/{id}/orders", "any user's orders (BOLA)", s.userOrders},
		{"GET", "/me/orders", "the caller's orders, the caller as X-Bulwark-Subject names it (whoever sets the header)", s.myOrders},
		{"POST", "/orders", "{items:[{product_id,qty}]} -> 201; owner_id honoured (mass assignment)", s.createOrder},
		{"POST", "/orders/batch", "{ids:[...]} -> those orders, whoever owns them (BOLA)", s.batchOrders},
		{"POST", "/orders/search", "{filter:{...}} Mongo-style, e.g. {\"status\":{\"$ne\":null}} (NoSQL injection)", s.searchOrders},
		{"GET", "/orders", "?id= one order by query parameter, whoever owns it (BOLA)", s.getOrderByQuery},
		{"GET", "/orders/{id}", "any order by id (BOLA); a bad id leaks SQL and a stack trace", s.getOrder},
		{"PUT", "/orders/{id}", "change any order (BOLA, mass assignment)", s.putOrder},
		{"DELETE", "/orders/{id}", "delete any order (BOLA)", s.deleteOrder},
		{"GET", "/products", "the catalogue", s.listProducts},
		{"GET", "/products/{id}", "one product", s.getProduct},
		{"GET", "/search", "?q= product search by string-built SQL (SQL injection)", s.search},
		{"GET", "/graphql", "?query= GraphQL: no depth, alias, batch or cost limit; introspection and ssn for all", s.serveGraphQL},
		{"POST", "/graphql", "GraphQL as JSON (batches too) or application/graphql", s.serveGraphQL},
		{"GET", "/events", "server-sent events: 5 order updates, 200ms apart", s.events},
		{"GET", "/admin/users", "every user, no admin check (broken function-level authz)", s.adminUsers},
		{"DELETE", "/admin/users/{id}", "delete any user, no admin check", s.adminDeleteUser},
		{"GET", "/debug/crash", "a 500 that leaks SQL and a stack trace", s.crash},
	}
}

// indexEntry is one line of the index.
type indexEntry struct {
	Method      string `json:"method"`
	Path        string `json:"path"`
	Description string `json:"description"`
}

// index answers GET / with the list of endpoints.
func (s *Shop) index(w http.ResponseWriter, r *http.Request) {
	routes := s.routes()
	entries := make([]indexEntry, 0, len(routes))
	for _, rt := range routes {
		entries = append(entries, indexEntry{rt.method, rt.path, rt.summary})
	}
	writeJSON(w, http.StatusOK, struct {
		Name      string       `json:"name"`
		Warning   string       `json:"warning"`
		Endpoints []indexEntry `json:"endpoints"`
	}{
		Name:      "Bulwark demo shop",
		Warning:   "deliberately vulnerable: reach it only through Bulwark, on loopback",
		Endpoints: entries,
	})
}

// health answers GET /health.
func (s *Shop) health(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
