package jwt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/bulwark-gw/bulwark/internal/outage"
)

// Backoff bounds for retrying a failing key source.
const (
	minBackoff = time.Second
	maxBackoff = time.Minute
)

// errRateLimited means a JWKS fetch was skipped: one ran less than
// MinRefetchInterval ago.
var errRateLimited = errors.New("jwks refetch rate-limited")

// errNoKeys means the issuer has no key at all yet: the chain answers 503.
var errNoKeys = errors.New("jwt: issuer has no verification keys yet")

// issuer is one trusted issuer: its config, static keys and JWKS state.
type issuer struct {
	cfg    Config
	static []*verKey
	keys   atomicKeySet
	log    *slog.Logger
	cache  *cache
	ctx    context.Context // lifecycle: fetches outlive the request that caused them

	mu        sync.Mutex
	inflight  *fetchCall
	lastFetch time.Time
	jwksURL   string      // resolved from discovery
	outage    *outage.Log // one line per JWKS outage
	lastErr   error
}

// fetchFailures counts failed JWKS refreshes per issuer name, for the whole
// process (bulwark_jwks_fetch_failures_total).
var fetchFailures outage.Counts

// FetchFailures returns the failed JWKS fetches so far (discovery, download
// or parse), by issuer name.
func FetchFailures() []outage.Count { return fetchFailures.Snapshot() }

// fetchCall is one in-flight JWKS fetch that concurrent callers share.
type fetchCall struct {
	done chan struct{}
	err  error
}

func (is *issuer) remote() bool { return is.cfg.JWKSURL != "" || is.cfg.DiscoveryURL != "" }

// refresh fetches the JWKS once for all concurrent callers. Unless force is set,
// it does nothing when a fetch started less than MinRefetchInterval ago, so a
// flood of unknown kids costs at most one fetch per interval.
func (is *issuer) refresh(wait context.Context, force bool) error {
	is.mu.Lock()
	if c := is.inflight; c != nil {
		is.mu.Unlock()
		select {
		case <-c.done:
			return c.err
		case <-wait.Done():
			return fmt.Errorf("wait for jwks: %w", wait.Err())
		}
	}
	now := is.cfg.Now()
	if !force && !is.lastFetch.IsZero() && now.Sub(is.lastFetch) < is.cfg.MinRefetchInterval {
		is.mu.Unlock()
		return errRateLimited
	}
	is.lastFetch = now
	c := &fetchCall{done: make(chan struct{})}
	is.inflight = c
	is.mu.Unlock()

	c.err = is.fetch()

	is.mu.Lock()
	is.inflight = nil
	is.noteResult(c.err)
	is.mu.Unlock()
	close(c.done)
	return c.err
}

// fetch resolves the JWKS URL if needed, downloads and installs the keys.
func (is *issuer) fetch() error {
	ctx := is.ctx
	is.mu.Lock()
	u := is.jwksURL
	is.mu.Unlock()
	if u == "" {
		u = is.cfg.JWKSURL
	}
	if u == "" {
		d, err := discoverJWKS(ctx, is.cfg.HTTPClient, is.cfg.DiscoveryURL, is.cfg.Issuer)
		if err != nil {
			return fmt.Errorf("discovery: %w", err)
		}
		is.mu.Lock()
		is.jwksURL = d
		is.mu.Unlock()
		u = d
	}
	body, err := getDocument(ctx, is.cfg.HTTPClient, u)
	if err != nil {
		return err
	}
	keys, err := parseJWKS(body)
	if err != nil {
		return err
	}
	is.install(keys)
	return nil
}

// noteResult counts a failure and logs it once per outage, and the
// recovery; is.mu is held.
func (is *issuer) noteResult(err error) {
	is.lastErr = err
	switch {
	case err != nil:
		fetchFailures.Add(is.cfg.Name)
		is.outage.Fail(is.ctx, err, "issuer", is.cfg.Name, "keys", len(is.keys.load().all))
	default:
		is.outage.OK(is.ctx, "issuer", is.cfg.Name)
	}
}

// install swaps in static keys plus fetched. A fetched key already known (same
// kid and thumbprint) keeps its identity, so cached tokens it verified stay;
// keys that left the set are marked removed and their cache entries dropped.
func (is *issuer) install(fetched []*verKey) {
	old := is.keys.load()
	known := make(map[string]*verKey, len(old.all))
	for _, k := range old.all {
		known[k.id] = k
	}
	keys := append([]*verKey(nil), is.static...)
	kept := make(map[*verKey]bool, len(fetched))
	for _, k := range fetched {
		if prev, ok := known[k.id]; ok {
			k = prev
		}
		kept[k] = true
		keys = append(keys, k)
	}
	for _, k := range is.static {
		kept[k] = true
	}
	is.keys.store(newKeySet(keys))
	removed := false
	for _, k := range old.all {
		if !kept[k] {
			k.removed.Store(true)
			removed = true
		}
	}
	if removed {
		is.cache.sweep()
		is.log.Info("jwks keys removed; tokens they verified are no longer cached", "issuer", is.cfg.Name)
	}
}

// run refreshes the JWKS every RefreshInterval, sooner with backoff while failing.
func (is *issuer) run(ctx context.Context) {
	backoff := minBackoff
	for {
		delay := is.cfg.RefreshInterval
		is.mu.Lock()
		failing := is.lastErr != nil
		is.mu.Unlock()
		if failing {
			delay = min(backoff, is.cfg.RefreshInterval)
			backoff = min(backoff*2, maxBackoff)
		} else {
			backoff = minBackoff
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if err := is.refresh(ctx, true); err != nil && errors.Is(err, context.Canceled) {
			return
		}
	}
}
