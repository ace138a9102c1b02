package apikey

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwark-gw/bulwark/internal/authn"
	"github.com/bulwark-gw/bulwark/internal/principal"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// Defaults of Config fields left zero.
const (
	DefaultHeader            = "X-API-Key"
	DefaultCacheTTL          = 30 * time.Second
	DefaultPollInterval      = 250 * time.Millisecond
	DefaultLastUsedInterval  = 10 * time.Second
	DefaultCacheSize         = 10000
	DefaultNegativeCacheSize = 10000
	// NegativeTTL is how long an unknown hash is remembered.
	NegativeTTL = 5 * time.Second
	// lookupTimeout bounds one store lookup on the request path.
	lookupTimeout = 2 * time.Second
	// touchEvery is the finest last-used granularity recorded.
	touchEvery = time.Second
)

// Issuer is Principal.Issuer for API keys.
const Issuer = "bulwark"

// Config configures a Verifier. Zero fields take the defaults above.
type Config struct {
	// Header carries the key; exactly one value is accepted. Default X-API-Key.
	Header string
	// Pepper keys the HMAC under which keys are stored; at least MinPepperLen
	// bytes. Changing it invalidates every key.
	Pepper []byte
	// CacheTTL bounds how stale a cached acceptance may be when key_events
	// polling cannot run (store down). Default 30s.
	CacheTTL time.Duration
	// PollInterval is how often key_events is read to drop changed keys from
	// the cache: a revocation reaches every node sharing the store within
	// about this long. Default 250ms.
	PollInterval time.Duration
	// LastUsedInterval is how often last-used times are written, in one
	// batch. Default 10s.
	LastUsedInterval time.Duration
	// CacheSize bounds cached stored keys (accepted, revoked or expired).
	// Default 10000.
	CacheSize int
	// NegativeCacheSize bounds remembered unknown hashes, so a flood of
	// well-formed random keys costs one store lookup per key per NegativeTTL
	// at most. Default 10000.
	NegativeCacheSize int
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// withDefaults validates c and fills in its zero fields.
func (c Config) withDefaults() (Config, error) {
	if c.Header == "" {
		c.Header = DefaultHeader
	}
	if c.CacheTTL == 0 {
		c.CacheTTL = DefaultCacheTTL
	}
	if c.PollInterval == 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.LastUsedInterval == 0 {
		c.LastUsedInterval = DefaultLastUsedInterval
	}
	if c.CacheSize == 0 {
		c.CacheSize = DefaultCacheSize
	}
	if c.NegativeCacheSize == 0 {
		c.NegativeCacheSize = DefaultNegativeCacheSize
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.CacheTTL < 0 || c.PollInterval < 0 || c.LastUsedInterval < 0 || c.CacheSize < 0 || c.NegativeCacheSize < 0 {
		return c, errors.New("apikey: durations and sizes must not be negative")
	}
	return c, nil
}

// Store is what a Verifier reads keys and key events from; *store.Store is one.
type Store interface {
	KeyByHash(ctx context.Context, hash []byte) (*store.APIKey, error)
	KeyEventsSince(ctx context.Context, afterID int64) ([]store.KeyEvent, error)
	LatestKeyEventID(ctx context.Context) (int64, error)
	TouchKeys(ctx context.Context, used map[string]time.Time) error
	// Changes wakes the poller when a key event is committed (nil: poll at
	// the interval only).
	Changes(ctx context.Context, channel string, log *slog.Logger) <-chan struct{}
}

// Verifier authenticates requests by API key. It is safe for concurrent use.
type Verifier struct {
	cfg    Config
	st     Store
	log    *slog.Logger
	hash   *hasher
	cache  *cache
	used   usage
	header string // canonical form of cfg.Header
	// descInQuery tells clients which header to use instead of the URL.
	descInQuery string

	mu     sync.Mutex // guards cancel and done
	cancel context.CancelFunc
	done   chan struct{} // closed when the background loops have returned
	closed bool
}

var _ authn.Authenticator = (*Verifier)(nil)

// NewVerifier returns a Verifier reading keys from st. Call Start to keep
// its cache in step with other nodes, and Close when done.
func NewVerifier(cfg Config, st Store, logger *slog.Logger) (*Verifier, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if st == nil {
		return nil, errors.New("apikey: a store is required")
	}
	h, err := newHasher(cfg.Pepper)
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Verifier{cfg: cfg, st: st, log: logger, hash: h, cache: newCache(cfg.CacheSize, cfg.NegativeCacheSize),
		header:      http.CanonicalHeaderKey(cfg.Header),
		used:        usage{m: map[string]time.Time{}, max: max(cfg.CacheSize, 1)},
		descInQuery: "Send the API key in the " + cfg.Header + " header, not the URL."}, nil
}

// Scheme is the WWW-Authenticate scheme of API keys.
func (v *Verifier) Scheme() string { return "ApiKey" }

// Strip removes the key header, so the key never reaches the upstream.
func (v *Verifier) Strip(h http.Header) { delete(h, v.header) }

// Public descriptions of refusals; they never include the key. A malformed,
// unknown, revoked or expired key gets the same answer: telling them apart
// would tell a holder of a stolen or guessed key which ones once worked. The
// audit event keeps the distinct reason.
const (
	descInvalid  = "The API key is not valid."
	descMultiple = "Send exactly one API key."
)

// Authenticate implements authn.Authenticator. A cache hit costs a parse,
// an HMAC and a map read; a malformed key never reaches the store.
func (v *Verifier) Authenticate(r *http.Request) (*principal.Principal, error) {
	if keyInURL(r.URL) {
		// Refused even with a valid header key: the URL has already leaked it.
		return nil, &authn.Failure{Reason: authn.ReasonInQuery, Status: http.StatusBadRequest,
			Code: authn.ErrCodeInvalidRequest, Description: v.descInQuery}
	}
	vals := r.Header[v.header]
	switch len(vals) {
	case 0:
		return nil, authn.ErrNoCredentials
	case 1:
	default:
		// Two keys could be read differently by us and the upstream.
		return nil, &authn.Failure{Reason: authn.ReasonMultiple, Status: http.StatusBadRequest,
			Code: authn.ErrCodeInvalidRequest, Description: descMultiple}
	}
	id, err := ParseKey(vals[0])
	if err != nil {
		return nil, authn.Fail(authn.ReasonMalformed, descInvalid, err)
	}
	h, err := v.hash.sum(vals[0])
	if err != nil {
		return nil, authn.Fail(authn.ReasonMalformed, descInvalid, err)
	}
	now := v.cfg.Now()
	switch e, res := v.cache.lookup(&h, now); res {
	case hit:
		return v.accept(e, now)
	case knownUnknown:
		return nil, refusal(authn.ReasonUnknownKey, id)
	}
	return v.lookup(r.Context(), h, id, now)
}

// accept returns e's principal, recording the use, or e's refusal.
func (v *Verifier) accept(e entry, now time.Time) (*principal.Principal, error) {
	if e.p == nil {
		return nil, refusal(e.reason, e.id)
	}
	if ns := now.UnixNano(); ns-e.touched.Load() >= int64(touchEvery) {
		e.touched.Store(ns)
		v.used.record(e.id, now)
	}
	return e.p, nil
}

// lookup asks the store about hash h of key id and caches the verdict.
func (v *Verifier) lookup(ctx context.Context, h [HashLen]byte, id string, now time.Time) (*principal.Principal, error) {
	gen := v.cache.generation()
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	k, err := v.st.KeyByHash(ctx, h[:])
	switch {
	case errors.Is(err, store.ErrNotFound):
		v.cache.putUnknown(h, now.Add(NegativeTTL), gen, now)
		return nil, refusal(authn.ReasonUnknownKey, id)
	case err != nil:
		return nil, fmt.Errorf("apikey: look up key %s: %w", id, err)
	case k.ID != id || !hmac.Equal(k.Hash, h[:]):
		// Only a broken store gets here; refuse rather than trust it.
		return nil, refusal(authn.ReasonUnknownKey, id)
	}
	e := v.judge(k, now)
	v.cache.put(h, e, gen, now)
	return v.accept(e, now)
}

// judge turns a stored key into a cache entry valid at now.
func (v *Verifier) judge(k *store.APIKey, now time.Time) entry {
	e := entry{id: k.ID, until: now.Add(v.cfg.CacheTTL), touched: new(atomic.Int64)}
	exp := expiry(k)
	switch {
	case !k.RevokedAt.IsZero():
		e.reason = authn.ReasonRevoked
	case !exp.IsZero() && !now.Before(exp):
		e.reason = authn.ReasonExpired
	default:
		if !exp.IsZero() && exp.Before(e.until) {
			e.until = exp
		}
		e.p = &principal.Principal{Subject: k.Subject, Consumer: k.Consumer,
			Scopes: principal.NormalizeScopes(slices.Clone(k.Scopes)), Roles: slices.Clone(k.Roles),
			Method: principal.MethodAPIKey, Issuer: Issuer, CredentialID: k.ID, ExpiresAt: exp}
	}
	return e
}

// expiry is when k stops being valid: the earlier of its expiry and the end
// of a rotation's overlap; zero when neither is set.
func expiry(k *store.APIKey) time.Time {
	switch {
	case k.OverlapUntil.IsZero():
		return k.ExpiresAt
	case k.ExpiresAt.IsZero() || k.OverlapUntil.Before(k.ExpiresAt):
		return k.OverlapUntil
	}
	return k.ExpiresAt
}

// refusal is the Failure for a well-formed key that is not accepted. The
// cause names the key id (safe to log), never the key.
func refusal(reason, id string) *authn.Failure {
	return authn.Fail(reason, descInvalid, fmt.Errorf("api key id %s", id))
}
