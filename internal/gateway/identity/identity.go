// Package identity builds the authenticators a plan's routes name (API keys,
// JWT issuers, introspection servers, the built-in OAuth server) and hands each
// route its chain. Authenticators carry state worth keeping across a reload
// (fetched JWKS, verified-token caches, key-change polling), so a build reuses
// every one of the previous Set whose configuration did not change, and Retire
// stops only what the next Set does not reuse.
package identity

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/authn"
	"github.com/bulwark-gw/bulwark/internal/authn/apikey"
	"github.com/bulwark-gw/bulwark/internal/authn/introspect"
	"github.com/bulwark-gw/bulwark/internal/authn/jwt"
	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/bruteforce"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// Set holds the authenticators one plan uses. A reload reuses every one whose
// configuration did not change: it never opens a window in which valid tokens
// fail while keys refetch.
type Set struct {
	apiKeys    *apikey.Verifier
	apiKeysCfg *config.APIKeys
	jwtAll     *jwtEntry            // "jwt": every issuer
	jwtOne     map[string]*jwtEntry // "jwt:NAME"
	intro      map[string]*introEntry
	oauth      *oauthEntry // the built-in authorization server (oauth.go)
	owned      []func()    // closers of authenticators this identity started
	keyHeader  string      // the API-key header, stripped on routes that do not check it
	servers    []config.Introspection
}

type jwtEntry struct {
	cfg  []config.JWTIssuer
	auth *jwt.Authenticator
}

type introEntry struct {
	cfg  config.Introspection
	auth *introspect.Authenticator
}

// Deps are what a Set's authenticators use beyond the plan.
type Deps struct {
	Store  *store.Store
	Logger *slog.Logger
	// LoginBackend keeps the built-in server's failed sign-in counters: the
	// process's brute-force backend (Redis when cluster.redis is set).
	LoginBackend bruteforce.Backend
}

// Build creates the authenticators plan's routes refer to (plan.Identity,
// plan.OAuth and the routes' auth lists), reusing those of prev whose
// configuration is unchanged. On error nothing it started runs.
func Build(plan *config.Plan, prev *Set, d Deps) (*Set, error) {
	st, logger := d.Store, d.Logger
	id := &Set{jwtOne: map[string]*jwtEntry{}, intro: map[string]*introEntry{}, keyHeader: apikey.DefaultHeader,
		servers: plan.Identity.Introspection}
	if k := plan.Identity.APIKeys; k != nil {
		id.keyHeader = k.Header
	}
	used := usedMethods(plan)
	fail := func(err error) (*Set, error) { id.CloseOwned(); return nil, err }
	if used[config.AuthAPIKey] {
		if err := id.buildAPIKeys(plan.Identity.APIKeys, prev, st, logger); err != nil {
			return fail(err)
		}
	}
	if err := id.buildOAuth(plan.OAuth, prev, st, d.LoginBackend, logger); err != nil {
		return fail(err)
	}
	for m := range used {
		kind, name, _ := strings.Cut(m, ":")
		var err error
		switch kind {
		case config.AuthJWT:
			err = id.buildJWT(plan.Identity.JWT, name, prev, logger)
		case config.AuthIntrospection:
			err = id.buildIntrospection(plan.Identity.Introspection, name, prev, logger)
		}
		if err != nil {
			return fail(err)
		}
	}
	return id, nil
}

func usedMethods(plan *config.Plan) map[string]bool {
	used := map[string]bool{}
	for _, api := range plan.APIs {
		for _, r := range api.Routes {
			for _, m := range r.Auth {
				used[m] = true
			}
		}
	}
	return used
}

func (id *Set) buildAPIKeys(cfg *config.APIKeys, prev *Set, st *store.Store, logger *slog.Logger) error {
	if prev != nil && prev.apiKeys != nil && reflect.DeepEqual(prev.apiKeysCfg, cfg) {
		id.apiKeys, id.apiKeysCfg = prev.apiKeys, cfg
		return nil
	}
	if st == nil {
		return fmt.Errorf("api keys need a store")
	}
	v, err := apikey.NewVerifier(apikey.Config{Header: cfg.Header, Pepper: []byte(cfg.Pepper), CacheTTL: cfg.CacheTTL}, st, logger)
	if err != nil {
		return fmt.Errorf("api keys: %w", err)
	}
	v.Start(context.Background()) // stopped by Close when no plan uses it any more
	id.apiKeys, id.apiKeysCfg = v, cfg
	id.owned = append(id.owned, v.Close)
	return nil
}

func (id *Set) buildJWT(issuers []config.JWTIssuer, name string, prev *Set, logger *slog.Logger) error {
	var cfgs []config.JWTIssuer
	for _, is := range issuers {
		if name == "" || is.Name == name {
			cfgs = append(cfgs, is)
		}
	}
	var old *jwtEntry
	if prev != nil {
		old = prev.jwtAll
		if name != "" {
			old = prev.jwtOne[name]
		}
	}
	e := old
	if old == nil || !reflect.DeepEqual(old.cfg, cfgs) {
		jc := make([]jwt.Config, 0, len(cfgs))
		for _, c := range cfgs {
			jc = append(jc, jwtConfig(c))
		}
		a, err := jwt.New(jc, logger)
		if err != nil {
			return fmt.Errorf("jwt: %w", err)
		}
		a.Start(context.Background()) // stopped by Close when no plan uses it any more
		id.owned = append(id.owned, a.Close)
		e = &jwtEntry{cfg: cfgs, auth: a}
	}
	if name == "" {
		id.jwtAll = e
	} else {
		id.jwtOne[name] = e
	}
	return nil
}

func jwtConfig(c config.JWTIssuer) jwt.Config {
	return jwt.Config{
		Name: c.Name, Issuer: c.Issuer, JWKSURL: c.JWKSURL, DiscoveryURL: c.DiscoveryURL, StaticKeys: c.Keys,
		Audiences: c.Audiences, AudienceMatchAll: c.AudienceMatchAll, Algorithms: c.Algorithms, Leeway: c.Leeway,
		RequiredClaims: c.RequiredClaims, Types: c.Types, MaxTokenSize: c.MaxTokenSize,
		RefreshInterval: c.RefreshInterval, MinRefetchInterval: c.MinRefetchInterval,
		SubjectClaim: c.SubjectClaim, ConsumerClaim: c.ConsumerClaim, ScopeClaim: c.ScopeClaim, RoleClaims: c.RoleClaims,
	}
}

func (id *Set) buildIntrospection(servers []config.Introspection, name string, prev *Set, logger *slog.Logger) error {
	for _, s := range servers {
		if (name != "" && s.Name != name) || id.intro[s.Name] != nil {
			continue
		}
		if prev != nil {
			if old := prev.intro[s.Name]; old != nil && reflect.DeepEqual(old.cfg, s) {
				id.intro[s.Name] = old
				continue
			}
		}
		a, err := introspect.New(introspect.Config{
			Name: s.Name, URL: s.URL, ClientID: s.ClientID, ClientSecret: s.ClientSecret, AuthMethod: s.AuthMethod,
			Timeout: s.Timeout, CacheTTL: s.CacheTTL, Issuer: s.Issuer, Audiences: s.Audiences,
			SubjectClaim: s.SubjectClaim, ConsumerClaim: s.ConsumerClaim, RoleClaims: s.RoleClaims,
		}, logger)
		if err != nil {
			return fmt.Errorf("introspection %s: %w", s.Name, err)
		}
		id.intro[s.Name] = &introEntry{cfg: s, auth: a}
	}
	return nil
}

// KeyHeader is the header API keys travel in.
func (id *Set) KeyHeader() string { return id.keyHeader }

// Chain returns the authenticator chain for a route's auth list, in its order.
func (id *Set) Chain(auth []string) *authn.Chain {
	var auths []authn.Authenticator
	anonymous := false
	for _, m := range auth {
		kind, name, _ := strings.Cut(m, ":")
		switch kind {
		case config.AuthNone:
			anonymous = true
		case config.AuthAPIKey:
			auths = append(auths, id.apiKeys)
		case config.AuthOAuth:
			auths = append(auths, id.oauth.auth)
		case config.AuthJWT:
			if name == "" {
				auths = append(auths, id.jwtAll.auth)
			} else {
				auths = append(auths, id.jwtOne[name].auth)
			}
		case config.AuthIntrospection:
			for _, s := range id.servers {
				if name == "" || s.Name == name {
					auths = append(auths, id.intro[s.Name].auth)
				}
			}
		}
	}
	return authn.NewChain(auths, anonymous, id.keyHeader)
}

// Retire stops what id started that next does not reuse (nil: everything).
func (id *Set) Retire(next *Set) {
	if id == nil {
		return
	}
	keep := map[any]bool{}
	if next != nil {
		keep[next.apiKeys] = true
		if next.jwtAll != nil {
			keep[next.jwtAll.auth] = true
		}
		for _, e := range next.jwtOne {
			keep[e.auth] = true
		}
	}
	id.retireOAuth(next)
	if id.apiKeys != nil && !keep[id.apiKeys] {
		id.apiKeys.Close()
	}
	if id.jwtAll != nil && !keep[id.jwtAll.auth] {
		id.jwtAll.auth.Close()
	}
	for _, e := range id.jwtOne {
		if !keep[e.auth] {
			e.auth.Close()
		}
	}
}

// CloseOwned stops everything id started itself (a failed build of the plan).
func (id *Set) CloseOwned() {
	for _, c := range id.owned {
		c()
	}
}

// MissingKeys names the JWT issuers of id that have no verification keys yet,
// sorted, each once.
func (id *Set) MissingKeys() []string {
	if id == nil {
		return nil
	}
	var missing []string
	add := func(e *jwtEntry) {
		if e != nil && e.auth != nil {
			missing = append(missing, e.auth.MissingKeys()...)
		}
	}
	add(id.jwtAll)
	for _, e := range id.jwtOne {
		add(e)
	}
	slices.Sort(missing)
	return slices.Compact(missing)
}
