package introspect

import (
	"context"
	"crypto/sha256"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/authn"
	"github.com/bulwark-gw/bulwark/internal/principal"
)

// step is one request in a cache scenario: advance the clock, authenticate, and
// expect the total number of introspection calls and the outcome.
type step struct {
	advance   time.Duration
	wantCalls int
	want      string // reason, "" for a principal
}

func TestCacheLifetime(t *testing.T) {
	expIn := func(d time.Duration) map[string]any {
		m := activeBody()
		m["exp"] = float64(t0.Add(d).Unix())
		return m
	}
	tests := []struct {
		name  string
		body  map[string]any
		ttl   time.Duration
		steps []step
	}{
		{"hit makes no second call", activeBody(), 0, []step{{0, 1, ""}, {0, 1, ""}, {30 * time.Second, 1, ""}}},
		{"entry never outlives exp", expIn(30 * time.Second), 0, []step{
			{0, 1, ""}, {29 * time.Second, 1, ""}, {time.Second, 2, authn.ReasonExpired}}},
		{"max ttl respected", activeBody(), 0, []step{
			{0, 1, ""}, {59 * time.Second, 1, ""}, {time.Second, 2, ""}, {59 * time.Second, 2, ""}}},
		{"configured ttl", activeBody(), 5 * time.Second, []step{
			{0, 1, ""}, {4 * time.Second, 1, ""}, {time.Second, 2, ""}}},
		{"inactive cached briefly", map[string]any{"active": false}, 0, []step{
			{0, 1, authn.ReasonInactive}, {9 * time.Second, 1, authn.ReasonInactive}, {time.Second, 2, authn.ReasonInactive}}},
		{"inactive within short ttl", map[string]any{"active": false}, 3 * time.Second, []step{
			{0, 1, authn.ReasonInactive}, {3 * time.Second, 2, authn.ReasonInactive}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			as := newAS(t, tt.body)
			clock := newClock()
			a := newTestAuth(t, as, clock, nil, func(c *Config) { c.CacheTTL = tt.ttl })
			for i, s := range tt.steps {
				clock.Advance(s.advance)
				p, err := a.Authenticate(bearerRequest(testToken))
				if got := reasonOf(err); got != s.want || (p == nil) == (s.want == "") {
					t.Fatalf("step %d: got (%v, %v), want reason %q", i, p, err, s.want)
				}
				if as.Calls() != s.wantCalls {
					t.Fatalf("step %d: %d calls, want %d", i, as.Calls(), s.wantCalls)
				}
			}
		})
	}
}

func TestCacheRevocationAfterExpiry(t *testing.T) {
	// After the cached entry ends, the next request re-introspects and sees the
	// server's current answer.
	as := newAS(t, activeBody())
	clock := newClock()
	a := newTestAuth(t, as, clock, nil, nil)
	if _, err := a.Authenticate(bearerRequest(testToken)); err != nil {
		t.Fatal(err)
	}
	as.setHandler(jsonHandler(map[string]any{"active": false}))
	clock.Advance(time.Minute)
	if _, err := a.Authenticate(bearerRequest(testToken)); reasonOf(err) != authn.ReasonInactive || as.Calls() != 2 {
		t.Fatalf("err = %v after %d calls, want inactive after 2", err, as.Calls())
	}
}

func TestCacheBounded(t *testing.T) {
	as := newAS(t, activeBody())
	a := newTestAuth(t, as, newClock(), nil, func(c *Config) { c.CacheSize = 2 })
	for i, tok := range []string{"t1", "t2", "t3", "t3", "t2", "t1"} {
		if _, err := a.Authenticate(bearerRequest(tok)); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if n := a.cache.len(); n > 2 {
			t.Fatalf("cache holds %d entries, bound is 2", n)
		}
	}
	// t1 was evicted by t3 (oldest first); t3 and t2 stayed cached.
	if as.Calls() != 4 {
		t.Errorf("calls = %d, want 4", as.Calls())
	}
}

func TestCacheRing(t *testing.T) {
	c := newCache(3)
	keys := make([]tokenKey, 5)
	for i := range keys {
		keys[i] = sha256.Sum256([]byte{byte(i)})
	}
	exp := t0.Add(time.Hour)
	for _, k := range keys {
		c.put(k, entry{p: &principal.Principal{}, expires: exp})
	}
	c.put(keys[4], entry{expires: exp}) // update in place keeps the size
	for i, k := range keys {
		_, ok := c.get(k, t0)
		if want := i >= 2; ok != want {
			t.Errorf("key %d cached = %v, want %v", i, ok, want)
		}
	}
	if _, ok := c.get(keys[4], exp); ok {
		t.Error("entry valid at its expiry instant")
	}
	if c.len() != 3 {
		t.Errorf("len = %d, want 3", c.len())
	}
}

func TestConcurrentMissesCoalesced(t *testing.T) {
	const n = 50
	started, release := make(chan struct{}), make(chan struct{})
	joined := make(chan struct{}, n)
	as := newAS(t, nil)
	as.setHandler(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-release
		jsonHandler(activeBody())(w, r)
	})
	a := newTestAuth(t, as, newClock(), nil, nil)
	a.onJoin = func() { joined <- struct{}{} }

	var wg sync.WaitGroup
	results := make([]*principal.Principal, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { results[i], errs[i] = a.Authenticate(bearerRequest(testToken)) })
	}
	<-started // the one leader is at the server
	for range n - 1 {
		<-joined // every other request waits on its call
	}
	close(release)
	wg.Wait()
	if as.Calls() != 1 {
		t.Errorf("calls = %d, want 1", as.Calls())
	}
	for i := range n {
		if errs[i] != nil || results[i] != results[0] {
			t.Fatalf("request %d: (%p, %v), want the shared principal %p", i, results[i], errs[i], results[0])
		}
	}
}

func TestWaiterCancelled(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	joined := make(chan struct{}, 1)
	as := newAS(t, nil)
	as.setHandler(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		jsonHandler(activeBody())(w, r)
	})
	a := newTestAuth(t, as, newClock(), nil, nil)
	a.onJoin = func() { joined <- struct{}{} }
	leader := make(chan error, 1)
	go func() { _, err := a.Authenticate(bearerRequest(testToken)); leader <- err }()
	<-started

	ctx, cancel := context.WithCancel(context.Background())
	r := bearerRequest(testToken).WithContext(ctx)
	waiter := make(chan error, 1)
	go func() { _, err := a.Authenticate(r); waiter <- err }()
	<-joined
	cancel()
	if err := <-waiter; reasonOf(err) != "<plain>" {
		t.Errorf("cancelled waiter: %v, want a plain error", err)
	}
	close(release)
	if err := <-leader; err != nil {
		t.Errorf("leader: %v", err)
	}
}
