package oauthserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	foauth2 "github.com/ory/fosite/handler/oauth2"
	fjwt "github.com/ory/fosite/token/jwt"

	"github.com/bulwark-gw/bulwark/internal/outage"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/bruteforce"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// Paths the server answers, relative to the issuer's host.
const (
	PathMetadata  = "/.well-known/oauth-authorization-server"
	PathJWKS      = "/oauth/jwks"
	PathAuthorize = "/oauth/authorize"
	PathToken     = "/oauth/token"
	PathIntro     = "/oauth/introspect"
	PathRevoke    = "/oauth/revoke"
	PathLogin     = "/oauth/login"
	PathConsent   = "/oauth/consent"
	PathLogout    = "/oauth/logout"
	PathApps      = "/account/apps"
	PathAppsAPI   = "/account/api/apps"
)

// Owns reports whether path is one of the server's (for the gateway's mux).
func Owns(path string) bool {
	return path == PathMetadata || strings.HasPrefix(path, "/oauth/") || path == PathApps ||
		strings.HasPrefix(path, PathApps+"/") || path == PathAppsAPI || strings.HasPrefix(path, PathAppsAPI+"/")
}

// Server is the authorization server: an http.Handler for its endpoints and pages.
type Server struct {
	opts     Options
	st       *store.Store
	provider *fosite.Fosite
	hmac     *foauth2.HMACSHAStrategy
	ring     *keyring
	seal     sealer
	totpSeal sealer
	scopes   map[string]Scope
	guard    *bruteforce.LoginGuard // sign-in attempts
	// guardDown logs an outage of the guard's backend once.
	guardDown *outage.Log
	mux       *http.ServeMux
	log       *slog.Logger
	// local hands the revocations this server commits to the gateway
	// authenticators of the same process at once.
	local *localRevocations

	stop context.CancelFunc
	wg   sync.WaitGroup
}

// New builds a server on st: it loads (or creates) the signing keys.
// Start runs key rotation; Close stops it.
func New(ctx context.Context, opts Options, st *store.Store, logger *slog.Logger) (*Server, error) {
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("oauth: %w", err)
	}
	if st == nil {
		return nil, errors.New("oauth: the authorization server needs a store")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	o := opts.withDefaults()
	s := &Server{opts: o, st: st, log: logger, seal: sealer{key: derive(o.Secret, "key encryption")}, totpSeal: totpSealer(o.Secret),
		scopes: map[string]Scope{}, local: &localRevocations{}}
	for _, sc := range o.Scopes {
		s.scopes[sc.Name] = sc
	}
	s.ring = &keyring{st: st, seal: s.seal, rotation: o.KeyRotation, ahead: o.KeyPublishAhead,
		keep: o.AccessTokenTTL + time.Hour, now: o.Now}
	if err := s.ring.load(ctx); err != nil {
		return nil, fmt.Errorf("oauth: signing keys: %w", err)
	}
	// The guard's HMAC key comes from the oauth secret: the same on every
	// node, and sign-in counters never share keys with a route's.
	var err error
	if s.guard, err = bruteforce.NewLoginGuard(o.Login, o.LoginBackend, derive(o.Secret, "login guard"), logger); err != nil {
		return nil, fmt.Errorf("oauth: login protection: %w", err)
	}
	s.guardDown = outage.New(logger, "sign-in refused: the brute-force counters cannot be reached",
		"sign-in: brute-force counters answering again")
	s.provider, s.hmac = s.compose()
	s.routes()
	go dummyHash() // ready before the first sign-in of an unknown user
	return s, nil
}

func (s *Server) compose() (*fosite.Fosite, *foauth2.HMACSHAStrategy) {
	o := s.opts
	cfg := &fosite.Config{
		AccessTokenLifespan:            o.AccessTokenTTL,
		RefreshTokenLifespan:           o.RefreshTokenTTL,
		AuthorizeCodeLifespan:          o.CodeTTL,
		EnforcePKCE:                    true,
		EnablePKCEPlainChallengeMethod: false,
		GlobalSecret:                   derive(o.Secret, "token hmac"),
		AccessTokenIssuer:              o.Issuer,
		TokenURL:                       o.Issuer + PathToken,
		ScopeStrategy:                  fosite.ExactScopeStrategy,
		ClientSecretsHasher:            secretHasher{},
		RefreshTokenScopes:             []string{}, // every code grant may refresh when the client may
		JWTScopeClaimKey:               fjwt.JWTScopeFieldString,
		AllowedPromptValues:            []string{"none", "login", "consent"},
	}
	hmacStrat := compose.NewOAuth2HMACStrategy(cfg)
	sig := signer{ring: s.ring, audience: o.Audience}
	jwtStrat := &foauth2.DefaultJWTStrategy{Signer: sig, HMACSHAStrategy: hmacStrat, Config: cfg}
	stor := &storage{st: s.st, audience: o.Audience, now: o.Now, revoked: s.local.revoked}
	p := compose.Compose(cfg, stor, &compose.CommonStrategy{CoreStrategy: jwtStrat, Signer: sig},
		compose.OAuth2AuthorizeExplicitFactory,
		compose.OAuth2ClientCredentialsGrantFactory,
		compose.OAuth2RefreshTokenGrantFactory,
		compose.OAuth2TokenIntrospectionFactory,
		compose.OAuth2TokenRevocationFactory,
		compose.OAuth2PKCEFactory,
	)
	return p.(*fosite.Fosite), hmacStrat
}

// Start reloads the signing keys every minute (rotating them when due)
// until Close.
func (s *Server) Start(ctx context.Context) {
	ctx, s.stop = context.WithCancel(ctx)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := s.ring.load(ctx); err != nil && ctx.Err() == nil {
					s.log.Warn("oauth: reloading signing keys failed; signing with the loaded ones", "error", err)
				}
			}
		}
	}()
}

// Close stops what Start started.
func (s *Server) Close() {
	if s.stop != nil {
		s.stop()
	}
	s.wg.Wait()
}

// Issuer returns the configured issuer.
func (s *Server) Issuer() string { return s.opts.Issuer }

// Audience returns the aud of the access tokens.
func (s *Server) Audience() string { return s.opts.Audience }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET "+PathMetadata, s.metadata)
	m.HandleFunc("GET "+PathJWKS, s.jwks)
	m.HandleFunc("GET "+PathAuthorize, s.authorize)
	m.HandleFunc("POST "+PathToken, s.token)
	m.HandleFunc("POST "+PathIntro, s.introspect)
	m.HandleFunc("POST "+PathRevoke, s.revoke)
	m.HandleFunc("POST "+PathLogin, s.login)
	m.HandleFunc("POST "+PathConsent, s.consent)
	m.HandleFunc("POST "+PathLogout, s.logout)
	m.HandleFunc("GET "+PathApps, s.appsPage)
	m.HandleFunc("POST "+PathApps+"/revoke", s.appsRevoke)
	m.HandleFunc("GET "+PathAppsAPI, s.appsList)
	m.HandleFunc("DELETE "+PathAppsAPI+"/{id}", s.appsDelete)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeOAuthError(w, http.StatusNotFound, "not_found", "no such endpoint")
	})
	s.mux = m
}

// localRevocations fans revocations out to this process's authenticators.
type localRevocations struct {
	mu        sync.Mutex
	listeners []func(kind, value string)
}

func (l *localRevocations) listen(fn func(kind, value string)) {
	l.mu.Lock()
	l.listeners = append(l.listeners, fn)
	l.mu.Unlock()
}

// revoked tells every listener of a committed revocation.
func (l *localRevocations) revoked(kind, value string) {
	l.mu.Lock()
	ls := slices.Clone(l.listeners)
	l.mu.Unlock()
	for _, fn := range ls {
		fn(kind, value)
	}
}

// writeOAuthError writes an RFC 6749 §5.2 style error.
func writeOAuthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// --- metadata and keys ---

func (s *Server) metadata(w http.ResponseWriter, _ *http.Request) {
	iss := s.opts.Issuer
	scopes := make([]string, 0, len(s.opts.Scopes))
	for _, sc := range s.opts.Scopes {
		scopes = append(scopes, sc.Name)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                         iss,
		"authorization_endpoint":                         iss + PathAuthorize,
		"token_endpoint":                                 iss + PathToken,
		"jwks_uri":                                       iss + PathJWKS,
		"introspection_endpoint":                         iss + PathIntro,
		"revocation_endpoint":                            iss + PathRevoke,
		"scopes_supported":                               scopes,
		"response_types_supported":                       []string{"code"},
		"response_modes_supported":                       []string{"query"},
		"grant_types_supported":                          []string{"authorization_code", "client_credentials", "refresh_token"},
		"code_challenge_methods_supported":               []string{"S256"},
		"token_endpoint_auth_methods_supported":          []string{"client_secret_basic", "client_secret_post", "none"},
		"introspection_endpoint_auth_methods_supported":  []string{"client_secret_basic", "client_secret_post"},
		"revocation_endpoint_auth_methods_supported":     []string{"client_secret_basic", "client_secret_post", "none"},
		"authorization_response_iss_parameter_supported": true,
	})
}

func (s *Server) jwks(w http.ResponseWriter, r *http.Request) {
	// Another node may have added a key: a gateway asking (for an unknown
	// kid) sees it within seconds, not at the next minute's reload.
	if s.ring.stale(5 * time.Second) {
		if err := s.ring.load(r.Context()); err != nil {
			s.log.Warn("oauth: reloading signing keys failed", "error", err)
		}
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "max-age=60")
	_ = json.NewEncoder(w).Encode(s.ring.jwks())
}

// --- token, introspection, revocation ---

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		s.provider.WriteAccessError(ctx, w, fosite.NewAccessRequest(nil), fosite.ErrInvalidRequest.WithHint("The request body is not a valid form."))
		return
	}
	if len(r.URL.Query()) > 0 {
		// Credentials and codes in URLs end up in logs (RFC 6749 §3.2).
		s.provider.WriteAccessError(ctx, w, fosite.NewAccessRequest(nil), fosite.ErrInvalidRequest.WithHint("Parameters must be sent in the request body, not the URL."))
		return
	}
	if r.PostForm.Get("grant_type") == "refresh_token" && s.opts.RefreshGrace >= 0 {
		s.refresh(w, r)
		return
	}
	s.issue(w, r)
}

// issue runs fosite's token endpoint; it returns the status written.
func (s *Server) issue(w http.ResponseWriter, r *http.Request) int {
	ctx := r.Context()
	sess := newSession()
	ar, err := s.provider.NewAccessRequest(ctx, r, sess)
	if err != nil {
		return s.accessError(w, ar, err)
	}
	if ar.GetGrantTypes().ExactOne("client_credentials") {
		for _, sc := range ar.GetRequestedScopes() {
			ar.GrantScope(sc)
		}
		cs := ar.GetSession().(*foauth2.JWTSession)
		cs.Subject = ar.GetClient().GetID()
		cs.JWTClaims.Subject = cs.Subject
		cs.JWTClaims.Extra[claimClientID] = ar.GetClient().GetID()
		cs.JWTClaims.Extra[claimFamily] = ar.GetID()
	}
	resp, err := s.provider.NewAccessResponse(ctx, ar)
	if err != nil {
		return s.accessError(w, ar, err)
	}
	s.provider.WriteAccessResponse(ctx, w, ar, resp)
	return http.StatusOK
}

func (s *Server) accessError(w http.ResponseWriter, ar fosite.AccessRequester, err error) int {
	rfc := fosite.ErrorToRFC6749Error(err)
	if rfc.CodeField == http.StatusInternalServerError {
		s.log.Error("oauth: token endpoint failed", "error", err)
	}
	s.provider.WriteAccessError(context.Background(), w, ar, err)
	return rfc.CodeField
}

func (s *Server) introspect(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ir, err := s.provider.NewIntrospectionRequest(ctx, r, newSession())
	if err != nil {
		s.provider.WriteIntrospectionError(ctx, w, err)
		return
	}
	s.provider.WriteIntrospectionResponse(ctx, w, ir)
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	s.provider.WriteRevocationResponse(ctx, w, s.provider.NewRevocationRequest(ctx, r))
}

// --- refresh with a grace window ---

// replayWait bounds how long a retry waits for a concurrent rotation.
const replayWait = 3 * time.Second

// refresh claims the presented refresh token (active → rotating, a
// conditional update: of concurrent requests exactly one wins) before fosite
// rotates it, and stores the new pair (encrypted) on the old token. A retry
// of the same refresh within the grace window, by the same client, gets that
// pair again; any later use is reuse, and fosite revokes the family.
func (s *Server) refresh(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sig := s.hmac.RefreshTokenSignature(ctx, r.PostForm.Get("refresh_token"))
	tok, err := s.st.OAuthToken(ctx, store.TokenRefresh, sig)
	if err != nil {
		s.issue(w, r) // unknown: fosite answers invalid_grant
		return
	}
	if f := s.scopeEscalation(r, tok); f != nil {
		s.provider.WriteAccessError(ctx, w, fosite.NewAccessRequest(nil), f)
		return
	}
	won, err := s.st.SetOAuthTokenState(ctx, store.TokenRefresh, sig, store.TokenActive, store.TokenRotating, s.opts.Now())
	if err != nil {
		s.accessError(w, fosite.NewAccessRequest(nil), fosite.ErrServerError.WithWrap(err))
		return
	}
	if won {
		rec := httptest.NewRecorder()
		status := s.issue(rec, r.WithContext(context.WithValue(ctx, claimedKey{}, sig)))
		if status == http.StatusOK {
			sealed, err := s.seal.seal(rec.Body.Bytes())
			if err == nil {
				err = s.st.SetOAuthReplay(ctx, sig, sealed, s.opts.Now())
			}
			if err != nil {
				s.log.Error("oauth: recording a rotation failed", "error", err)
			}
		} else {
			// Not rotated (bad client, expired): the token stays as it was,
			// unless fosite revoked it meanwhile.
			_, _ = s.st.SetOAuthTokenState(ctx, store.TokenRefresh, sig, store.TokenRotating, store.TokenActive, s.opts.Now())
		}
		copyRecorded(w, rec)
		return
	}
	// Lost the race, or a retry: wait for the winner, then replay within grace.
	deadline := time.Now().Add(replayWait)
	for {
		if tok, err = s.st.OAuthToken(ctx, store.TokenRefresh, sig); err != nil {
			s.issue(w, r)
			return
		}
		if tok.State == store.TokenActive {
			// The winner failed (wrong client, expired) and released the
			// token: claim it anew.
			s.refresh(w, r)
			return
		}
		if tok.State != store.TokenRotating {
			break
		}
		if time.Now().After(deadline) {
			// The winner is still at it: ask the client to retry rather than
			// treat its retry as reuse.
			s.provider.WriteAccessError(ctx, w, fosite.NewAccessRequest(nil), fosite.ErrTemporarilyUnavailable.WithHint("A refresh with this token is in progress; retry shortly."))
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
	if tok.State == store.TokenRotated && len(tok.Replay) > 0 && s.opts.Now().Sub(tok.RotatedAt) <= s.opts.RefreshGrace {
		c, err := s.provider.AuthenticateClient(ctx, r, r.PostForm)
		if err != nil || c.GetID() != tok.ClientID {
			s.issue(w, r) // fosite authenticates the client and answers its error
			return
		}
		body, err := s.seal.open(tok.Replay)
		if err == nil {
			w.Header().Set("Content-Type", "application/json;charset=UTF-8")
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Pragma", "no-cache")
			_, _ = w.Write(body)
			return
		}
		s.log.Error("oauth: cannot open a recorded rotation", "error", err)
	}
	s.issue(w, r) // reuse: fosite revokes the family and answers invalid_grant
}

// claimedKey marks the context of the request that claimed a refresh token
// (its value is the token's signature): only that request may use a token in
// state rotating.
type claimedKey struct{}

// scopeEscalation refuses a refresh asking for a scope the grant lacks
// (RFC 6749 §6: the scope must not exceed the original).
func (s *Server) scopeEscalation(r *http.Request, tok *store.OAuthToken) error {
	asked := strings.Fields(r.PostForm.Get("scope"))
	if len(asked) == 0 {
		return nil
	}
	var sr storedRequest
	if err := json.Unmarshal(tok.Data, &sr); err != nil {
		return fosite.ErrServerError.WithWrap(err)
	}
	for _, sc := range asked {
		if !slices.Contains(sr.GrantedScope, sc) {
			return fosite.ErrInvalidScope.WithHintf("The scope '%s' was not granted originally.", sc)
		}
	}
	return nil
}

func copyRecorded(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// --- iss in the authorization response (RFC 9207) ---

// issWriter adds iss to every redirect to the client's redirect URI.
type issWriter struct {
	http.ResponseWriter
	iss string
}

func (w *issWriter) WriteHeader(code int) {
	if code >= 300 && code < 400 {
		if loc, err := url.Parse(w.Header().Get("Location")); err == nil && loc.IsAbs() {
			q := loc.Query()
			q.Set("iss", w.iss)
			loc.RawQuery = q.Encode()
			w.Header().Set("Location", loc.String())
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

// clientIP is the peer address (the gateway in front hands the real one).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
