package oauthserver

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwark-gw/bulwark/internal/authn"
	"github.com/bulwark-gw/bulwark/internal/authn/jwt"
	"github.com/bulwark-gw/bulwark/internal/principal"
	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/store/changelog"
)

// revocationSet is an immutable snapshot of revoked grants, families, jtis
// and clients, swapped whole so readers never lock.
type revocationSet map[revKey]struct{}

// revKey is one revoked value of a kind (a struct key: lookups do not allocate).
type revKey struct{ kind, value string }

// revokedClaims pairs each revocation kind with the claim that carries it.
var revokedClaims = [...]struct{ kind, claim string }{
	{store.RevokeGrant, claimGrant}, {store.RevokeFamily, claimFamily},
	{store.RevokeJTI, "jti"}, {store.RevokeClient, claimClientID},
}

// Revocations follows the store's revocation log for one gateway node.
type Revocations struct {
	st     *store.Store
	log    *slog.Logger
	keep   time.Duration // entries older than this cannot match a live token
	set    atomic.Pointer[revocationSet]
	poller *changelog.Poller[store.OAuthRevocation]

	mu      sync.Mutex
	pending revocationSet // loaded by Latest, installed by Reset

	wmu sync.Mutex // serializes the writers of set: the poller and Add
}

// NewRevocations returns a follower polling every interval; keep is the
// longest access-token lifetime (older revocations are dropped on a resync).
func NewRevocations(st *store.Store, interval, keep time.Duration, logger *slog.Logger) *Revocations {
	r := &Revocations{st: st, log: logger, keep: keep}
	empty := revocationSet{}
	r.set.Store(&empty)
	r.poller = changelog.New(changelog.Config[store.OAuthRevocation]{
		Name:     "oauth revocations",
		Latest:   r.latest,
		Since:    st.OAuthRevocationsSince,
		Page:     store.MaxOAuthRevocations,
		ID:       func(e store.OAuthRevocation) int64 { return e.ID },
		Apply:    r.apply,
		Reset:    r.reset,
		Interval: interval,
		Log:      logger,
		FailHint: []any{"effect", "tokens revoked meanwhile are still accepted until the store answers again"},
	})
	return r
}

// latest loads every revocation young enough to matter and returns the
// newest id; reset installs what it loaded (the poller calls them in turn),
// so a node that starts or resynchronizes refuses what was revoked before.
func (r *Revocations) latest(ctx context.Context) (int64, error) {
	id, err := r.st.LatestOAuthRevocationID(ctx)
	if err != nil {
		return 0, err
	}
	evs, err := r.st.OAuthRevocationsAfter(ctx, time.Now().Add(-r.keep))
	if err != nil {
		return 0, err
	}
	set := revocationSet{}
	for _, e := range evs {
		if e.ID <= id {
			set[revKey{e.Kind, e.Value}] = struct{}{}
		}
	}
	r.mu.Lock()
	r.pending = set
	r.mu.Unlock()
	return id, nil
}

func (r *Revocations) reset() {
	r.mu.Lock()
	set := r.pending
	r.pending = nil
	r.mu.Unlock()
	if set == nil {
		set = revocationSet{}
	}
	r.wmu.Lock()
	r.set.Store(&set)
	r.wmu.Unlock()
}

// add installs one revocation this node's server just committed, so that the
// node's very next request feels it without waiting for the poll (the poll
// brings the same entry, and every other node, soon after).
func (r *Revocations) add(kind, value string) {
	r.apply([]store.OAuthRevocation{{Kind: kind, Value: value}})
}

func (r *Revocations) apply(evs []store.OAuthRevocation) {
	r.wmu.Lock()
	defer r.wmu.Unlock()
	old := *r.set.Load()
	set := make(revocationSet, len(old)+len(evs))
	for k := range old {
		set[k] = struct{}{}
	}
	for _, e := range evs {
		set[revKey{e.Kind, e.Value}] = struct{}{}
	}
	r.set.Store(&set)
}

// Sync polls once (tests, and the first load before serving).
func (r *Revocations) Sync(ctx context.Context) error {
	_, err := r.poller.Poll(ctx)
	return err
}

// Run polls until ctx ends: every interval, and at once when PostgreSQL
// notifies a committed revocation.
func (r *Revocations) Run(ctx context.Context) {
	r.poller.WakeOn(r.st.Changes(ctx, store.ChannelOAuthRevocation, r.log))
	r.poller.Run(ctx, nil)
}

// Revoked reports whether a token with these claims was revoked.
func (r *Revocations) Revoked(claims map[string]any) bool {
	set := *r.set.Load()
	if len(set) == 0 {
		return false
	}
	for _, rc := range revokedClaims {
		if v, _ := claims[rc.claim].(string); v != "" {
			if _, ok := set[revKey{rc.kind, v}]; ok {
				return true
			}
		}
	}
	return false
}

// Authenticator verifies the server's access tokens at the gateway: the
// existing JWT path (internal/authn/jwt, with its verified-token cache) with
// the server's issuer, keys (fetched in-process from its JWKS), typ at+jwt
// and audience, then the revocation set. A token of a revoked grant, family,
// jti or client is refused even when cached.
type Authenticator struct {
	jwt   *jwt.Authenticator
	rev   *Revocations
	touch func(grant string)
	stop  context.CancelFunc
	wg    sync.WaitGroup
}

// NewAuthenticator builds the gateway side of s, polling revocations every poll.
func NewAuthenticator(s *Server, poll time.Duration, logger *slog.Logger) (*Authenticator, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ja, err := jwt.New([]jwt.Config{{
		Name: "oauth", Issuer: s.opts.Issuer, JWKSURL: s.opts.Issuer + PathJWKS,
		Audiences: []string{s.opts.Audience}, Algorithms: []string{signingAlg}, Types: []string{accessTokenType},
		RequiredClaims: []string{"jti", claimClientID}, ConsumerClaim: claimClientID,
		Leeway: 30 * time.Second, RefreshInterval: time.Minute, MinRefetchInterval: time.Second,
		HTTPClient: &http.Client{Transport: localTransport{s}, Timeout: 5 * time.Second},
		Now:        s.opts.Now,
	}}, logger)
	if err != nil {
		return nil, err
	}
	a := &Authenticator{jwt: ja, rev: NewRevocations(s.st, poll, s.opts.AccessTokenTTL+time.Minute, logger)}
	a.touch = newToucher(s.st, s.opts.Now)
	s.local.listen(a.rev.add)
	return a, nil
}

// Start loads the revocations, then polls them and refreshes keys until Close.
func (a *Authenticator) Start(ctx context.Context) {
	ctx, a.stop = context.WithCancel(ctx)
	_ = a.rev.Sync(ctx)
	a.jwt.Start(ctx)
	a.wg.Add(1)
	go func() { defer a.wg.Done(); a.rev.Run(ctx) }()
}

// Close stops what Start started.
func (a *Authenticator) Close() {
	if a.stop != nil {
		a.stop()
	}
	a.wg.Wait()
	a.jwt.Close()
}

// Revocations returns the node's revocation follower.
func (a *Authenticator) Revocations() *Revocations { return a.rev }

// Scheme implements authn.Authenticator.
func (a *Authenticator) Scheme() string { return a.jwt.Scheme() }

// Strip implements authn.Authenticator.
func (a *Authenticator) Strip(h http.Header) { a.jwt.Strip(h) }

// errRevoked is the cause of a refused revoked token.
var errRevoked = errors.New("oauth grant or token revoked")

// Authenticate implements authn.Authenticator.
func (a *Authenticator) Authenticate(r *http.Request) (*principal.Principal, error) {
	p, err := a.jwt.Authenticate(r)
	if err != nil {
		return nil, err
	}
	if a.rev.Revoked(p.Claims) {
		return nil, authn.Fail(authn.ReasonRevoked, "the token was revoked", errRevoked)
	}
	if g, _ := p.Claims[claimGrant].(string); g != "" {
		a.touch(g)
	}
	return p, nil
}

// newToucher records a grant's last use at most once a minute per grant per
// node, off the request path. The fast path (used within the minute) is a
// lock-free map read.
func newToucher(st *store.Store, now func() time.Time) func(string) {
	var last sync.Map // grant id → unix seconds of the last recorded use
	var size atomic.Int64
	return func(grant string) {
		t := now()
		if v, ok := last.Load(grant); ok && t.Unix()-v.(int64) < 60 {
			return
		}
		if size.Add(1) > 100000 {
			last.Clear()
			size.Store(0)
		}
		last.Store(grant, t.Unix())
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = st.TouchOAuthGrant(ctx, grant, t)
		}()
	}
}

// localTransport answers the JWT path's JWKS fetches from the server in
// process: every node reads the same keys from the shared store.
type localTransport struct{ s *Server }

func (t localTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.s.ServeHTTP(rec, r)
	return rec.Result(), nil
}
