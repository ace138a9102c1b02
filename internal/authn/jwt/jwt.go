package jwt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/bulwark-gw/bulwark/internal/authn"
	"github.com/bulwark-gw/bulwark/internal/digest"
	"github.com/bulwark-gw/bulwark/internal/outage"
	"github.com/bulwark-gw/bulwark/internal/principal"
)

// maxCandidates bounds signature checks for one token without a kid.
const maxCandidates = 8

var _ authn.Authenticator = (*Authenticator)(nil)

// Authenticator verifies bearer JWTs from one or more trusted issuers.
type Authenticator struct {
	issuers map[string]*issuer // by exact iss
	ordered []*issuer          // config order, for Start
	cache   *cache
	maxSize int // largest MaxTokenSize: the cap before the issuer is known
	log     *slog.Logger

	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	startOnce sync.Once
}

// New validates cfgs and returns an Authenticator. Static keys serve at once;
// JWKS keys arrive with Start (or on the first token that needs them).
func New(cfgs []Config, logger *slog.Logger) (*Authenticator, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if len(cfgs) == 0 {
		return nil, errors.New("jwt: no issuer configured")
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := &Authenticator{issuers: map[string]*issuer{}, log: logger, ctx: ctx, cancel: cancel}
	total := 0
	var errs []error
	for i, raw := range cfgs {
		is, err := a.newIssuer(fmt.Sprintf("jwt[%d]", i), raw.withDefaults())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		total += is.cfg.CacheSize
		a.maxSize = max(a.maxSize, is.cfg.MaxTokenSize)
	}
	if len(errs) > 0 {
		cancel()
		return nil, fmt.Errorf("jwt: invalid configuration: %w", errors.Join(errs...))
	}
	a.cache = newCache(total)
	for _, is := range a.ordered {
		is.cache = a.cache
	}
	return a, nil
}

// newIssuer validates one config and registers its issuer.
func (a *Authenticator) newIssuer(path string, c Config) (*issuer, error) {
	errs := c.validate(path)
	if _, dup := a.issuers[c.Issuer]; dup && c.Issuer != "" {
		errs = append(errs, fmt.Errorf("%s: issuer %q configured twice", path, c.Issuer))
	}
	is := &issuer{cfg: c, log: a.log, ctx: a.ctx,
		outage: outage.New(a.log, "jwks refresh failed; cached keys keep serving", "jwks refresh recovered")}
	hasHMACKey := false
	for j, s := range c.StaticKeys {
		k, err := parseStaticKey(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: static_keys[%d]: %w", path, j, err))
			continue
		}
		_, sym := k.key.([]byte)
		hasHMACKey = hasHMACKey || sym
		is.static = append(is.static, k)
	}
	hmacAllowed := false
	for _, alg := range c.Algorithms {
		hmacAllowed = hmacAllowed || isHMAC(alg)
	}
	if hmacAllowed != hasHMACKey {
		errs = append(errs, fmt.Errorf("%s: HS* algorithms and static oct keys go together", path))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	is.keys.store(newKeySet(is.static))
	a.issuers[c.Issuer] = is
	a.ordered = append(a.ordered, is)
	return is, nil
}

// Start fetches each issuer's JWKS once (concurrently, bounded by the HTTP
// client's timeout), then refreshes it in the background every
// RefreshInterval, retrying failures with backoff. It returns after the first
// attempts; failures are logged and tokens of an issuer without keys get a
// plain error (503) meanwhile. Calling Start again does nothing.
func (a *Authenticator) Start(ctx context.Context) {
	a.startOnce.Do(func() {
		stop := context.AfterFunc(ctx, a.cancel)
		var first sync.WaitGroup
		for _, is := range a.ordered {
			if !is.remote() {
				continue
			}
			first.Go(func() { _ = is.refresh(a.ctx, true) })
			a.wg.Go(func() {
				first.Wait()
				is.run(a.ctx)
			})
		}
		first.Wait()
		a.wg.Go(func() {
			<-a.ctx.Done()
			stop()
		})
	})
}

// Close stops background refreshes and waits for them.
func (a *Authenticator) Close() {
	a.cancel()
	a.wg.Wait()
}

// Scheme implements authn.Authenticator.
func (a *Authenticator) Scheme() string { return "Bearer" }

// Strip removes the bearer token from headers bound for the upstream.
func (a *Authenticator) Strip(h http.Header) { h.Del(headerAuthz) }

// Authenticate implements authn.Authenticator. A token seen before costs a
// SHA-256 and a map lookup; otherwise it is pre-checked, verified and cached.
func (a *Authenticator) Authenticate(r *http.Request) (*principal.Principal, error) {
	if f := inQuery(r); f != nil {
		return nil, f
	}
	tok, err := bearer(r)
	if err != nil {
		return nil, err
	}
	if len(tok) > a.maxSize {
		return nil, authn.Fail(authn.ReasonTooLarge, descTooLarge, fmt.Errorf("token of %d bytes", len(tok)))
	}
	if !jwtShaped(tok) {
		return nil, authn.ErrNoCredentials // an opaque token: introspection may take it
	}
	sum := digest.String(tok)
	if p := a.cache.get(&sum); p != nil {
		return p, nil
	}
	p, e, err := a.verify(r.Context(), tok)
	if err != nil {
		return nil, err
	}
	a.cache.put(&sum, e)
	return p, nil
}

// verify runs the full check of a token not in the cache.
func (a *Authenticator) verify(ctx context.Context, raw string) (*principal.Principal, entry, error) {
	t, f := parseToken(raw)
	if f != nil {
		return nil, entry{}, f
	}
	// The unverified iss only picks the config; every check below is that issuer's.
	is, ok := a.issuers[t.iss]
	if !ok {
		return nil, entry{}, authn.Fail(authn.ReasonUnknownIssuer, descIssuer, errors.New("unknown iss"))
	}
	if f := is.checkHeader(raw, t.header); f != nil {
		return nil, entry{}, f
	}
	key, err := is.verifySignature(ctx, raw, t)
	if err != nil {
		return nil, entry{}, err
	}
	exp, f := is.cfg.checkTimes(t.claims, is.cfg.Now())
	if f == nil {
		f = is.cfg.checkAudience(t.claims)
	}
	if f == nil {
		f = is.cfg.checkRequired(t.claims)
	}
	if f != nil {
		return nil, entry{}, f
	}
	p, f := is.cfg.buildPrincipal(raw, t.claims, exp)
	if f != nil {
		return nil, entry{}, f
	}
	return p, entry{p: p, exp: exp, key: key, iss: is}, nil
}

// checkHeader applies the issuer's size cap, algorithm allow-list and typ policy.
func (is *issuer) checkHeader(raw string, h header) *authn.Failure {
	if len(raw) > is.cfg.MaxTokenSize {
		return authn.Fail(authn.ReasonTooLarge, descTooLarge, nil)
	}
	allowed := false
	for _, alg := range is.cfg.Algorithms {
		allowed = allowed || alg == h.alg // exact: "rs256" is not RS256
	}
	if !allowed {
		return authn.Fail(authn.ReasonAlgorithm, descAlgorithm, fmt.Errorf("alg %q not allowed", truncate(h.alg)))
	}
	// Explicit typing stops a token of another kind (an ID token, a logout
	// token) from being replayed as an access token (RFC 8725 §3.11).
	typ := normalizeType(h.typ)
	ok := (len(is.cfg.Types) == 0 && (!h.hasTyp || typ == "jwt")) ||
		(h.hasTyp && slices.Contains(is.cfg.Types, typ))
	if !ok {
		return authn.Fail(authn.ReasonMalformed, descTypeRefused, fmt.Errorf("typ %q refused", truncate(h.typ)))
	}
	return nil
}

// verifySignature checks the signature with go-jose against the fitting keys
// and returns the key that verified it.
func (is *issuer) verifySignature(ctx context.Context, raw string, t *token) (*verKey, error) {
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(t.header.alg)})
	if err != nil {
		return nil, authn.Fail(authn.ReasonMalformed, descMalformed, fmt.Errorf("parse jws: %w", err))
	}
	keys, err := is.candidates(ctx, t.header)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		payload, err := jws.Verify(k.key)
		if err == nil && bytes.Equal(payload, t.payload) {
			return k, nil
		}
	}
	return nil, authn.Fail(authn.ReasonBadSignature, descSignature, nil)
}

// candidates selects keys for h: by kid when it has one (an unknown kid causes
// one rate-limited JWKS refetch), else every key; then those fitting the alg.
func (is *issuer) candidates(ctx context.Context, h header) ([]*verKey, error) {
	ks := is.keys.load()
	found := func() []*verKey {
		if h.kid == "" {
			return ks.all
		}
		return ks.byKID[h.kid]
	}
	if len(found()) == 0 && is.remote() {
		_ = is.refresh(ctx, false) // failures are logged; the keys we have decide
		ks = is.keys.load()
	}
	if len(ks.all) == 0 {
		is.mu.Lock()
		cause := is.lastErr
		is.mu.Unlock()
		return nil, errors.Join(errNoKeys, cause)
	}
	keys := found()
	if len(keys) == 0 {
		keys = ks.noKID // keys without a kid may verify any token
	}
	if len(keys) == 0 {
		return nil, authn.Fail(authn.ReasonUnknownKey, descUnknownKey, errors.New("unknown kid"))
	}
	var fit []*verKey
	for _, k := range keys {
		if k.fits(h.alg) && len(fit) < maxCandidates {
			fit = append(fit, k)
		}
	}
	if len(fit) == 0 {
		return nil, authn.Fail(authn.ReasonAlgorithm, descAlgorithm, errors.New("alg does not fit the key type"))
	}
	return fit, nil
}
