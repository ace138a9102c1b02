// Package oauthserver is Bulwark's OAuth 2.0 authorization server: the
// authorization code grant with PKCE (S256 only, every client), client
// credentials, and refresh tokens that rotate with reuse detection; RFC 8414
// metadata, JWKS, RFC 7662 introspection, RFC 7009 revocation, RFC 9207 iss
// in the authorization response; RFC 9068 JWT access tokens signed with keys
// kept (encrypted) in the store; end-user sign-in, consent and the connected
// apps page. The protocol is github.com/ory/fosite's; this package supplies
// its storage, signer, pages and the parts fosite leaves open (the refresh
// grace window, consent, revocation propagation to gateway nodes).
package oauthserver

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/bulwark-gw/bulwark/internal/ratelimit/bruteforce"
)

// Defaults applied by New to zero-valued Options fields.
const (
	DefaultAccessTokenTTL  = 10 * time.Minute
	DefaultRefreshTokenTTL = 30 * 24 * time.Hour
	DefaultCodeTTL         = time.Minute
	DefaultRefreshGrace    = 10 * time.Second
	DefaultKeyRotation     = 30 * 24 * time.Hour
	DefaultLoginTTL        = 12 * time.Hour
	DefaultActivityWindow  = 30 * 24 * time.Hour
	// MinSecretBytes is the least secret length accepted.
	MinSecretBytes = 32
)

// DefaultLoginProtection is the sign-in page's brute-force protection when
// Options.Login is left zero: the defaults of a route's brute_force block.
var DefaultLoginProtection = bruteforce.Options{
	UsernameNormalize: bruteforce.DefaultNormalization,
	MaxFailures:       5, IPMaxFailures: 50,
	Window: 15 * time.Minute, Lockout: 15 * time.Minute,
	DelayAfter: 3, IPDelayAfter: 30,
	BaseDelay: 250 * time.Millisecond, MaxDelay: 4 * time.Second,
	AttemptTimeout: time.Minute,
}

// Scope describes one scope to end users on the consent screen and the
// connected-apps page.
type Scope struct {
	Name        string   // e.g. "orders:read"
	Description string   // plain language: "read your orders"
	Categories  []string // data categories the scope exposes: "orders", "email"
}

// RouteReads says which data categories a gateway route reads (the route's
// data_categories), so the connected-apps page can say what an app read.
type RouteReads struct {
	API, Route string   // as the audit trail names the route
	Scopes     []string // the scopes the route requires
	Categories []string
}

// Options configure a Server.
type Options struct {
	// Issuer is the server's public base URL (https://auth.example.com); the
	// endpoints live under it (/oauth/…, /account/…, /.well-known/…).
	Issuer string
	// Secret (at least 32 bytes) derives the key that encrypts signing keys in
	// the store and the HMAC key of codes and refresh tokens. Every node of a
	// deployment needs the same secret.
	Secret []byte
	// Scopes are the scopes clients may be given, with their plain-language text.
	Scopes []Scope
	// Audience is the aud of every access token (default: the issuer).
	Audience string
	// AccessTokenTTL, RefreshTokenTTL and CodeTTL bound each token's life.
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration
	CodeTTL         time.Duration
	// RefreshGrace is how long after a refresh token was rotated a retry of
	// the same refresh (same client) gets the same new pair instead of
	// revoking the whole family. 0 uses DefaultRefreshGrace; negative disables.
	RefreshGrace time.Duration
	// KeyRotation is the age at which a signing key is replaced; the new key
	// is published KeyPublishAhead before it signs (default: 2× the gateways'
	// JWKS refresh, 10m).
	KeyRotation     time.Duration
	KeyPublishAhead time.Duration
	// LoginTTL is how long a sign-in lasts.
	LoginTTL time.Duration
	// Login is the sign-in page's brute-force protection, counted by the
	// shared guard of internal/ratelimit/bruteforce (per username and per
	// client IP, progressive delays, lockouts); UsernameField and
	// FailureStatuses are not used. Zero: DefaultLoginProtection.
	Login bruteforce.Options
	// LoginBackend keeps the failed sign-in counters: the process's
	// brute-force backend (Redis when nodes share cluster.redis, so a lockout
	// holds on every node). Nil: a memory backend of this server's own.
	LoginBackend bruteforce.Backend
	// Reads map gateway routes to the data categories they read; the
	// connected-apps page shows, per app, the categories of the routes the
	// user's tokens were allowed on within ActivityWindow (from the audit
	// trail's per-minute rollups).
	Reads          []RouteReads
	ActivityWindow time.Duration
	// SecureCookies marks cookies Secure (default true when Issuer is https).
	SecureCookies bool
	// Now is the clock, for tests; default time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&o.AccessTokenTTL, DefaultAccessTokenTTL)
	def(&o.RefreshTokenTTL, DefaultRefreshTokenTTL)
	def(&o.CodeTTL, DefaultCodeTTL)
	def(&o.RefreshGrace, DefaultRefreshGrace)
	def(&o.KeyRotation, DefaultKeyRotation)
	def(&o.KeyPublishAhead, 10*time.Minute)
	def(&o.LoginTTL, DefaultLoginTTL)
	def(&o.ActivityWindow, DefaultActivityWindow)
	if o.Login.Window == 0 && o.Login.MaxFailures == 0 {
		o.Login = DefaultLoginProtection
	}
	if o.LoginBackend == nil {
		o.LoginBackend = bruteforce.NewMemoryBackend()
	}
	if o.Audience == "" {
		o.Audience = o.Issuer
	}
	if u, err := url.Parse(o.Issuer); err == nil && u.Scheme == "https" {
		o.SecureCookies = true
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Validate reports every problem of o.
func (o Options) Validate() error {
	var errs []error
	u, err := url.Parse(o.Issuer)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		errs = append(errs, errors.New("issuer: must be an absolute http(s) URL without query or fragment"))
	}
	if len(o.Secret) < MinSecretBytes {
		errs = append(errs, fmt.Errorf("secret: must be at least %d bytes", MinSecretBytes))
	}
	seen := map[string]bool{}
	for i, s := range o.Scopes {
		switch {
		case s.Name == "" || !validScopeToken(s.Name):
			errs = append(errs, fmt.Errorf("scopes[%d]: name %q is not a valid scope token", i, s.Name))
		case seen[s.Name]:
			errs = append(errs, fmt.Errorf("scopes[%d]: %q is listed twice", i, s.Name))
		case s.Description == "":
			errs = append(errs, fmt.Errorf("scopes[%d]: %q needs a description for the consent screen", i, s.Name))
		}
		seen[s.Name] = true
	}
	for _, d := range []time.Duration{o.AccessTokenTTL, o.RefreshTokenTTL, o.CodeTTL, o.KeyRotation, o.KeyPublishAhead, o.LoginTTL, o.ActivityWindow} {
		if d < 0 {
			errs = append(errs, errors.New("durations must not be negative (except refresh_grace, where negative disables it)"))
			break
		}
	}
	return errors.Join(errs...)
}

// ValidScopeToken reports whether s is a non-empty scope-token of RFC 6749 §3.3.
func ValidScopeToken(s string) bool {
	return s != "" && validScopeToken(s)
}

func validScopeToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c == 0x22 || c == 0x5c || c > 0x7e {
			return false
		}
	}
	return true
}
