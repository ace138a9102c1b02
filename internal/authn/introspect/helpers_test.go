package introspect

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/authn"
)

// t0 is the fake clock's start.
var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// fakeClock is an injected clock the tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock { return &fakeClock{now: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// seen is what the fake authorization server received in one call.
type seen struct {
	method, contentType, accept, auth, body string
	form                                    url.Values
}

// fakeAS is a real HTTP authorization server on a random port.
type fakeAS struct {
	*httptest.Server
	mu      sync.Mutex
	calls   int
	last    seen
	handler http.HandlerFunc // answers a call; set before use
}

// newAS starts a server answering every call with body as application/json.
func newAS(t testing.TB, body map[string]any) *fakeAS {
	t.Helper()
	as := &fakeAS{handler: jsonHandler(body)}
	as.Server = httptest.NewServer(http.HandlerFunc(as.serve))
	t.Cleanup(as.Close)
	return as
}

func (as *fakeAS) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(raw))
	as.mu.Lock()
	as.calls++
	as.last = seen{method: r.Method, contentType: r.Header.Get("Content-Type"),
		accept: r.Header.Get("Accept"), auth: r.Header.Get("Authorization"), body: string(raw), form: form}
	h := as.handler
	as.mu.Unlock()
	h(w, r)
}

func (as *fakeAS) setHandler(h http.HandlerFunc) {
	as.mu.Lock()
	defer as.mu.Unlock()
	as.handler = h
}

func (as *fakeAS) Calls() int {
	as.mu.Lock()
	defer as.mu.Unlock()
	return as.calls
}

func (as *fakeAS) Last() seen {
	as.mu.Lock()
	defer as.mu.Unlock()
	return as.last
}

func jsonHandler(body map[string]any) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
	}
}

func rawHandler(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// activeBody is a typical active response expiring an hour after t0.
func activeBody() map[string]any {
	return map[string]any{
		"active": true, "sub": "alice", "client_id": "shop-app", "scope": "write read read",
		"iss": "https://as.example", "aud": []any{"other", "orders-api"},
		"exp": float64(t0.Add(time.Hour).Unix()), "roles": []any{"admin", "user"},
	}
}

// newTestAuth builds an Authenticator against as with a fake clock; edit tweaks cfg.
func newTestAuth(t *testing.T, as *fakeAS, clock *fakeClock, logger *slog.Logger, edit func(*Config)) *Authenticator {
	t.Helper()
	// Timeout generous (the default is 2 s): an answering endpoint must not
	// time out on a loaded CI machine; tests of the timeout set their own.
	cfg := Config{Name: "test-as", URL: as.URL, ClientID: "gateway", ClientSecret: "gw-secret", Now: clock.Now, Timeout: 10 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	a, err := New(cfg, logger)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

// bearerRequest is a request carrying token in the Authorization header.
func bearerRequest(token string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/orders", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

// reasonOf returns the Failure reason of err, "" for nil, "<plain>" for other errors.
func reasonOf(err error) string {
	var f *authn.Failure
	switch {
	case err == nil:
		return ""
	case errors.Is(err, authn.ErrNoCredentials):
		return "<none>"
	case errors.As(err, &f):
		return f.Reason
	default:
		return "<plain>"
	}
}
