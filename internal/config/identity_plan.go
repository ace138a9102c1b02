package config

import (
	"time"

	"github.com/bulwark-gw/bulwark/internal/authn"
)

// Identity configures how callers authenticate.
type Identity struct {
	// APIKeys is nil when API keys are not configured.
	APIKeys *APIKeys
	// JWT lists the trusted token issuers, in file order.
	JWT []JWTIssuer
	// Introspection lists outside OAuth 2.0 servers whose opaque tokens are
	// checked with RFC 7662 introspection, in file order.
	Introspection []Introspection
	// Headers name the request headers that carry the principal upstream.
	Headers PrincipalHeaders
	// AdminRoles open routes marked admin: true (default [admin]).
	AdminRoles []string
}

// APIKeys configures API-key authentication.
type APIKeys struct {
	// Header carries the key (default X-API-Key).
	Header string
	// Pepper is the resolved HMAC key that keys are hashed with (never logged).
	Pepper string
	// CacheTTL bounds how long a verified key is trusted without a store lookup.
	CacheTTL time.Duration
}

// JWTIssuer is one trusted token issuer.
type JWTIssuer struct {
	Name                        string
	Issuer                      string
	JWKSURL, DiscoveryURL       string
	Keys                        []string // PEM or JWK public keys (${file:..} references resolved)
	Audiences                   []string
	AudienceMatchAll            bool
	Algorithms                  []string
	Leeway                      time.Duration
	RequiredClaims              []string
	Types                       []string
	MaxTokenSize                int
	RefreshInterval             time.Duration
	MinRefetchInterval          time.Duration
	SubjectClaim, ConsumerClaim string
	ScopeClaim                  string
	RoleClaims                  []string
}

// Introspection is one outside OAuth 2.0 server (RFC 7662).
type Introspection struct {
	Name                        string
	URL                         string
	ClientID                    string
	ClientSecret                string // resolved, never logged
	AuthMethod                  string // client_secret_basic | client_secret_post
	Timeout, CacheTTL           time.Duration
	Issuer                      string
	Audiences                   []string
	SubjectClaim, ConsumerClaim string
	RoleClaims                  []string
}

// PrincipalHeaders name the headers the upstream receives the principal in.
// Client-sent copies of these headers are always removed. The identity stage
// defines them (internal/authn).
type PrincipalHeaders = authn.PrincipalHeaders

// Auth method names a route's auth list may hold. Issuer- or server-specific
// entries are written "jwt:NAME" and "introspection:NAME".
const (
	AuthAPIKey        = "api_key"
	AuthJWT           = "jwt"
	AuthIntrospection = "introspection"
	AuthNone          = "none"
)
