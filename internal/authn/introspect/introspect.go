package introspect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"sync"

	"github.com/bulwark-gw/bulwark/internal/authn"
	"github.com/bulwark-gw/bulwark/internal/digest"
	"github.com/bulwark-gw/bulwark/internal/outage"
	"github.com/bulwark-gw/bulwark/internal/principal"
)

// failures counts failed introspection calls per configured endpoint name,
// for the whole process (bulwark_introspection_failures_total).
var failures outage.Counts

// Failures returns the failed introspection calls so far, by endpoint name:
// no answer, a status other than 200, or a malformed response.
func Failures() []outage.Count { return failures.Snapshot() }

var _ authn.Authenticator = (*Authenticator)(nil)

// Authenticator validates opaque bearer tokens through RFC 7662 introspection. It
// is safe for concurrent use.
type Authenticator struct {
	cfg    Config
	client *http.Client
	basic  string // precomputed client_secret_basic header value
	logger *slog.Logger
	outage *outage.Log // one line per endpoint outage, not one per call
	cache  *cache

	mu     sync.Mutex         // guards calls
	calls  map[tokenKey]*call // introspections in flight, by token hash
	onJoin func()             // test hook: a request joined a call in flight
}

// New validates cfg, applies defaults and returns a ready Authenticator. logger
// may be nil.
func New(cfg Config, logger *slog.Logger) (*Authenticator, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("introspect %q: %w", cfg.Name, err)
	}
	if logger == nil {
		logger = discardLogger()
	}
	a := &Authenticator{
		cfg:    cfg,
		client: newHTTPClient(cfg.HTTPClient, cfg.Timeout),
		logger: logger.With("authenticator", cfg.Name),
		cache:  newCache(cfg.CacheSize),
		calls:  make(map[tokenKey]*call),
	}
	a.outage = outage.New(a.logger, "token introspection failing; requests needing it get 503 until the endpoint answers",
		"token introspection recovered")
	if cfg.AuthMethod == AuthMethodBasic {
		a.basic = basicAuth(cfg.ClientID, cfg.ClientSecret)
	}
	return a, nil
}

// Scheme returns "Bearer", the WWW-Authenticate scheme of refusals.
func (a *Authenticator) Scheme() string { return "Bearer" }

// Strip deletes the Authorization header so the token does not reach the upstream.
func (a *Authenticator) Strip(h http.Header) { h.Del("Authorization") }

// Authenticate returns the principal of the request's bearer token. It returns
// authn.ErrNoCredentials when there is no bearer token, an *authn.Failure when the
// token is refused, and a plain error when the authorization server cannot answer.
func (a *Authenticator) Authenticate(r *http.Request) (*principal.Principal, error) {
	if hasQueryParam(r.URL.RawQuery, "access_token") {
		return nil, errInQuery()
	}
	token, err := bearerToken(r.Header)
	if err != nil {
		return nil, err
	}
	key := tokenKey(digest.String(token))
	if e, ok := a.cache.get(key, a.cfg.Now()); ok {
		return e.p, e.err
	}
	res := a.lookup(r.Context(), key, token)
	return res.p, res.err
}

// tokenKey is the SHA-256 of a token: caches and logs never hold the token itself.
type tokenKey [sha256.Size]byte

// credentialID is the log-safe identifier of a token: 12 hex digits of its hash.
func (k tokenKey) credentialID() string { return hex.EncodeToString(k[:6]) }

// result is the outcome of one introspection: a principal, an *authn.Failure, or a
// plain error (not cached).
type result struct {
	p   *principal.Principal
	err error
}

// call is one introspection in flight; done is closed once res is set.
type call struct {
	done chan struct{}
	res  result
}

// lookup introspects token unless an identical call is in flight, in which case it
// waits for that call's result. The cache is re-checked under the lock, and a
// finished call is cached before it leaves the in-flight map, so N concurrent
// requests with one new token make exactly one call.
func (a *Authenticator) lookup(ctx context.Context, key tokenKey, token string) result {
	a.mu.Lock()
	if e, ok := a.cache.get(key, a.cfg.Now()); ok {
		a.mu.Unlock()
		return result{p: e.p, err: e.err}
	}
	if c, ok := a.calls[key]; ok {
		a.mu.Unlock()
		if a.onJoin != nil {
			a.onJoin()
		}
		select {
		case <-c.done:
			return c.res
		case <-ctx.Done():
			return result{err: fmt.Errorf("introspect: waiting for call in flight: %w", ctx.Err())}
		}
	}
	c := &call{done: make(chan struct{})}
	a.calls[key] = c
	a.mu.Unlock()

	// The call outlives this request's cancellation: other requests may be waiting on it.
	callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.Timeout)
	res, expires := a.introspect(callCtx, key, token)
	cancel()

	c.res = res
	a.mu.Lock()
	if !expires.IsZero() {
		a.cache.put(key, entry{p: res.p, err: res.err, expires: expires})
	}
	delete(a.calls, key)
	a.mu.Unlock()
	close(c.done)
	return res
}
