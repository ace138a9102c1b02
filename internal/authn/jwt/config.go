package jwt

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Defaults applied by New to zero-valued Config fields.
const (
	DefaultMaxTokenSize       = 8192
	DefaultRefreshInterval    = 5 * time.Minute
	DefaultMinRefetchInterval = 10 * time.Second
	DefaultCacheSize          = 10000
	DefaultHTTPTimeout        = 5 * time.Second
	defaultSubjectClaim       = "sub"
	defaultScopeClaim         = "scope"
)

// Config describes one trusted token issuer.
type Config struct {
	// Name names the issuer configuration in logs and metrics; defaults to Issuer.
	Name string
	// Issuer is the exact `iss` value tokens must carry (RFC 7519 §4.1.1).
	Issuer string
	// JWKSURL is where the issuer publishes its signing keys (RFC 7517 §5).
	JWKSURL string
	// DiscoveryURL is an OIDC discovery document whose jwks_uri is used; its
	// issuer must equal Issuer. Set JWKSURL or DiscoveryURL, not both.
	DiscoveryURL string
	// StaticKeys are PEM public keys (PUBLIC KEY, RSA PUBLIC KEY, CERTIFICATE)
	// or JWK JSON objects, alone or in addition to the JWKS. A JWK of kty "oct"
	// is the only way to configure an HMAC secret.
	StaticKeys []string
	// Audiences the token's `aud` must match. Empty means aud is not checked;
	// config validation warns about that.
	Audiences []string
	// AudienceMatchAll requires every configured audience in aud; false requires any.
	AudienceMatchAll bool
	// Algorithms is the exact allow-list of `alg` values (RS256, RS384, RS512,
	// PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, HS256, HS384, HS512).
	// HS* needs a static oct key and is refused alongside a JWKS or discovery URL.
	Algorithms []string
	// Leeway is the clock skew tolerated for exp, nbf and iat.
	Leeway time.Duration
	// RequiredClaims must be present (dot paths allowed), beyond exp which always is.
	RequiredClaims []string
	// Types are the accepted `typ` header values, compared case-insensitively
	// with the "application/" prefix optional (RFC 7515 §4.1.9). Empty accepts
	// an absent typ or "JWT".
	Types []string
	// MaxTokenSize caps the token length in bytes (default 8192).
	MaxTokenSize int
	// RefreshInterval is the background JWKS refresh period (default 5m).
	RefreshInterval time.Duration
	// MinRefetchInterval rate-limits JWKS fetches caused by an unknown kid
	// (default 10s): a flood of random kids causes at most one fetch per interval.
	MinRefetchInterval time.Duration
	// SubjectClaim names the subject claim (default "sub").
	SubjectClaim string
	// ConsumerClaim names the consumer claim (default "azp", then "client_id").
	ConsumerClaim string
	// ScopeClaim names the space-separated scope claim (default "scope"); an
	// "scp" array is accepted too.
	ScopeClaim string
	// RoleClaims are claim paths (dot notation, e.g. realm_access.roles) whose
	// string or string-array values become roles.
	RoleClaims []string
	// CacheSize bounds the verified-token cache (default 10000 entries).
	CacheSize int
	// HTTPClient fetches JWKS and discovery documents; the default has a 5s
	// timeout and follows no redirect to another host.
	HTTPClient *http.Client
	// Now is the clock, for tests; default time.Now.
	Now func() time.Time
}

// hmacMinKey is the minimum HMAC key length per algorithm (RFC 7518 §3.2).
var hmacMinKey = map[string]int{"HS256": 32, "HS384": 48, "HS512": 64}

// knownAlgs is every algorithm this package can verify.
var knownAlgs = []string{
	"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
	"ES256", "ES384", "ES512", "EdDSA", "HS256", "HS384", "HS512",
}

func isHMAC(alg string) bool { return strings.HasPrefix(alg, "HS") }

// withDefaults returns a copy of c with defaults filled in.
func (c Config) withDefaults() Config {
	if c.Name == "" {
		c.Name = c.Issuer
	}
	if c.MaxTokenSize == 0 {
		c.MaxTokenSize = DefaultMaxTokenSize
	}
	if c.RefreshInterval == 0 {
		c.RefreshInterval = DefaultRefreshInterval
	}
	if c.MinRefetchInterval == 0 {
		c.MinRefetchInterval = DefaultMinRefetchInterval
	}
	if c.CacheSize == 0 {
		c.CacheSize = DefaultCacheSize
	}
	if c.SubjectClaim == "" {
		c.SubjectClaim = defaultSubjectClaim
	}
	if c.ScopeClaim == "" {
		c.ScopeClaim = defaultScopeClaim
	}
	if c.HTTPClient == nil {
		c.HTTPClient = defaultHTTPClient()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.Types = normalizeTypes(c.Types)
	return c
}

// validate reports every problem of c (after defaults), prefixed with path.
func (c Config) validate(path string) []error {
	var errs []error
	add := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(path+": "+format, args...))
	}
	if c.Issuer == "" {
		add("issuer is required")
	}
	if c.JWKSURL != "" && c.DiscoveryURL != "" {
		add("set jwks_url or discovery_url, not both")
	}
	if c.JWKSURL == "" && c.DiscoveryURL == "" && len(c.StaticKeys) == 0 {
		add("no key source: set jwks_url, discovery_url or static_keys")
	}
	if c.JWKSURL != "" && !validFetchURL(c.JWKSURL) {
		add("jwks_url: must be an absolute http(s) URL")
	}
	if c.DiscoveryURL != "" && !validFetchURL(c.DiscoveryURL) {
		add("discovery_url: must be an absolute http(s) URL")
	}
	errs = append(errs, c.validateAlgorithms(path)...)
	if c.Leeway < 0 || c.RefreshInterval < 0 || c.MinRefetchInterval < 0 {
		add("leeway, refresh_interval and min_refetch_interval must not be negative")
	}
	if c.MaxTokenSize < 0 || c.CacheSize < 0 {
		add("max_token_size and cache_size must not be negative")
	}
	for i, p := range append(slices.Clone(c.RoleClaims), c.RequiredClaims...) {
		if p == "" || slices.Contains(strings.Split(p, "."), "") {
			add("claim path %d %q: empty segment", i, p)
		}
	}
	return errs
}

// validateAlgorithms checks the allow-list against the key sources.
func (c Config) validateAlgorithms(path string) []error {
	var errs []error
	if len(c.Algorithms) == 0 {
		errs = append(errs, fmt.Errorf("%s: algorithms: at least one is required", path))
	}
	for i, alg := range c.Algorithms {
		switch {
		case !slices.Contains(knownAlgs, alg):
			// Exact match only: "none" and case variants are never accepted (RFC 8725 §3.1).
			errs = append(errs, fmt.Errorf("%s: algorithms[%d]: unknown or refused algorithm %q", path, i, alg))
		case isHMAC(alg) && (c.JWKSURL != "" || c.DiscoveryURL != ""):
			// A shared secret next to published public keys invites algorithm confusion.
			errs = append(errs, fmt.Errorf("%s: algorithms[%d]: %s cannot be used with a JWKS or discovery URL", path, i, alg))
		}
	}
	return errs
}

func validFetchURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// Warnings returns non-fatal remarks on c for config validation (`check`).
func (c Config) Warnings() []string {
	var w []string
	if len(c.Audiences) == 0 {
		w = append(w, "no audiences configured: the aud claim is not checked, tokens minted for other services are accepted")
	}
	for _, u := range []string{c.JWKSURL, c.DiscoveryURL} {
		if strings.HasPrefix(u, "http://") {
			w = append(w, "key source "+u+" is plain http: keys can be tampered with in transit")
		}
	}
	return w
}

// normalizeTypes lower-cases typ values and drops the optional "application/" prefix.
func normalizeTypes(ts []string) []string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, normalizeType(t))
	}
	return out
}

func normalizeType(t string) string {
	t = strings.ToLower(t)
	return strings.TrimPrefix(t, "application/")
}

// defaultHTTPClient has a timeout and follows redirects only within the same host.
func defaultHTTPClient() *http.Client {
	return &http.Client{
		Timeout: DefaultHTTPTimeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return errors.New("too many redirects")
			}
			if req.URL.Host != via[0].URL.Host {
				return fmt.Errorf("redirect to another host %q refused", req.URL.Host)
			}
			return nil
		},
	}
}
