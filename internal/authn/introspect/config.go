package introspect

import (
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client authentication methods (RFC 6749 §2.3.1, RFC 8414 token endpoint auth methods).
const (
	AuthMethodBasic = "client_secret_basic"
	AuthMethodPost  = "client_secret_post"
)

// Defaults applied by New to zero-valued fields.
const (
	DefaultTimeout       = 2 * time.Second
	DefaultCacheTTL      = 60 * time.Second
	DefaultCacheSize     = 10000
	DefaultSubjectClaim  = "sub"
	DefaultConsumerClaim = "client_id"
	defaultName          = "introspection"
	// negativeTTL caps how long a refused token is remembered: long enough to absorb
	// a retry storm, short enough that a token activated late is not refused for long.
	negativeTTL = 10 * time.Second
)

// Config configures an introspection Authenticator.
type Config struct {
	// Name identifies the authenticator in logs; defaults to "introspection".
	Name string
	// URL is the introspection endpoint. It must be https, unless its host is a
	// loopback address (the token and the client secret travel in the request).
	URL string
	// ClientID and ClientSecret authenticate the gateway to the authorization server
	// (RFC 7662 §2.1 requires the protected resource to authenticate).
	ClientID string
	// ClientSecret is the already-resolved secret. It is never logged.
	ClientSecret string
	// AuthMethod is "client_secret_basic" (default) or "client_secret_post".
	AuthMethod string
	// Timeout bounds one introspection call; defaults to 2s.
	Timeout time.Duration
	// CacheTTL is the longest time a result is cached; defaults to 60s. An active
	// token is never cached past its exp; a refused one for min(CacheTTL, 10s).
	CacheTTL time.Duration
	// CacheSize bounds the number of cached tokens; defaults to 10000. When full, the
	// oldest entry is evicted.
	CacheSize int
	// Issuer, if set, must equal the response's "iss".
	Issuer string
	// Audiences, if set, must share at least one value with the response's "aud".
	Audiences []string
	// SubjectClaim names the response member that becomes Principal.Subject; "sub".
	SubjectClaim string
	// ConsumerClaim names the member that becomes Principal.Consumer; "client_id".
	ConsumerClaim string
	// RoleClaims name members (a string of space-separated roles or an array of
	// strings; dotted paths such as "realm_access.roles" reach into objects) whose
	// values become Principal.Roles.
	RoleClaims []string
	// HTTPClient sends introspection requests; a client with Timeout and no
	// redirects is built when nil. Redirects are never followed either way.
	HTTPClient *http.Client
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// withDefaults returns cfg with zero fields set to their defaults.
func (cfg Config) withDefaults() Config {
	if cfg.Name == "" {
		cfg.Name = defaultName
	}
	if cfg.AuthMethod == "" {
		cfg.AuthMethod = AuthMethodBasic
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = DefaultCacheTTL
	}
	if cfg.CacheSize == 0 {
		cfg.CacheSize = DefaultCacheSize
	}
	if cfg.SubjectClaim == "" {
		cfg.SubjectClaim = DefaultSubjectClaim
	}
	if cfg.ConsumerClaim == "" {
		cfg.ConsumerClaim = DefaultConsumerClaim
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg
}

// validate reports every problem of a defaulted config at once.
func (cfg Config) validate() error {
	var errs []error
	if err := checkURL(cfg.URL); err != nil {
		errs = append(errs, err)
	}
	if cfg.ClientID == "" {
		errs = append(errs, errors.New("client id is required"))
	}
	if cfg.ClientSecret == "" {
		errs = append(errs, errors.New("client secret is required"))
	}
	if cfg.AuthMethod != AuthMethodBasic && cfg.AuthMethod != AuthMethodPost {
		errs = append(errs, fmt.Errorf("auth method %q: want %q or %q", cfg.AuthMethod, AuthMethodBasic, AuthMethodPost))
	}
	if cfg.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout %v: must be positive", cfg.Timeout))
	}
	if cfg.CacheTTL < 0 {
		errs = append(errs, fmt.Errorf("cache ttl %v: must be positive", cfg.CacheTTL))
	}
	if cfg.CacheSize < 0 {
		errs = append(errs, fmt.Errorf("cache size %d: must be positive", cfg.CacheSize))
	}
	for i, aud := range cfg.Audiences {
		if aud == "" {
			errs = append(errs, fmt.Errorf("audiences[%d]: empty", i))
		}
	}
	for i, c := range cfg.RoleClaims {
		if c == "" {
			errs = append(errs, fmt.Errorf("role claims[%d]: empty", i))
		}
	}
	return errors.Join(errs...)
}

// checkURL accepts an absolute https URL, or http to a loopback host: the request
// carries the bearer token and the client secret, so it must not cross a network
// in clear text.
func checkURL(raw string) error {
	if raw == "" {
		return errors.New("url is required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// Not the whole *url.Error: it would echo a password in the URL.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return fmt.Errorf("url is invalid: %w", err)
	}
	switch {
	case u.User != nil:
		return errors.New("url: must not carry user info (use client id and secret)")
	case u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("url %q: no host", raw)
	case u.Fragment != "":
		return fmt.Errorf("url %q: must not have a fragment", raw)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	case u.Scheme == "http":
		return fmt.Errorf("url %q: https is required unless the host is loopback", raw)
	default:
		return fmt.Errorf("url %q: scheme must be https", raw)
	}
}

// isLoopback reports whether host is "localhost" or a loopback IP literal.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// basicAuth returns the Authorization value for client_secret_basic: RFC 6749
// §2.3.1 form-urlencodes the id and the secret before base64, so a ':' in the id
// cannot shift the boundary.
func basicAuth(id, secret string) string {
	pair := url.QueryEscape(id) + ":" + url.QueryEscape(secret)
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(pair))
}

// newHTTPClient returns the client used for introspection: a copy of c (or a new
// one) that never follows redirects, so a redirect cannot send the token and the
// client credentials to another host.
func newHTTPClient(c *http.Client, timeout time.Duration) *http.Client {
	var out http.Client
	if c != nil {
		out = *c
	} else {
		out = http.Client{Timeout: timeout, Transport: newTransport()}
	}
	out.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &out
}

// newTransport clones the default transport with a larger idle pool: every cache
// miss is a call to the same host.
func newTransport() http.RoundTripper {
	t, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return &http.Transport{Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 64}
	}
	t = t.Clone()
	t.MaxIdleConnsPerHost = 64
	return t
}

// discardLogger is used when New gets a nil logger.
func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
