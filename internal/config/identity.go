package config

import (
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

const (
	defaultAPIKeyHeader      = "X-API-Key"
	defaultAPIKeyCacheTTL    = 30 * time.Second
	maxAPIKeyCacheTTL        = 5 * time.Minute
	minPepperLength          = 32
	defaultJWTLeeway         = 30 * time.Second
	maxJWTLeeway             = 5 * time.Minute
	defaultMaxTokenSize      = 8 << 10
	maxMaxTokenSize          = 64 << 10
	defaultJWKSRefresh       = 5 * time.Minute
	defaultJWKSMinRefetch    = 10 * time.Second
	defaultIntrospectTimeout = 2 * time.Second
	defaultIntrospectTTL     = 60 * time.Second
	maxIntrospectTTL         = 10 * time.Minute
)

// defaultAlgorithms is the JWT allow-list when none is configured: asymmetric
// algorithms only, so a leaked verification key cannot mint tokens.
var defaultAlgorithms = []string{"RS256", "ES256"}

// knownAlgorithms are the JWS algorithms an issuer may allow; "none" is never one.
var knownAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
	"ES256", "ES384", "ES512", "EdDSA", "HS256", "HS384", "HS512"}

func defaultPrincipalHeaders() PrincipalHeaders {
	return PrincipalHeaders{Subject: "X-Bulwark-Subject", Consumer: "X-Bulwark-Consumer",
		Scopes: "X-Bulwark-Scopes", Roles: "X-Bulwark-Roles", Method: "X-Bulwark-Auth-Method"}
}

func (d *decoder) buildIdentity(in *identityConfig) Identity {
	id := Identity{Headers: defaultPrincipalHeaders(), AdminRoles: slices.Clone(defaultAdminRoles)}
	if in == nil {
		return id
	}
	if in.AdminRoles != nil {
		id.AdminRoles = slices.Clone(in.AdminRoles)
		if len(id.AdminRoles) == 0 {
			d.errorf("identity.admin_roles", "list at least one role, or remove admin_roles for the default [admin]")
		}
	}
	if in.APIKeys != nil {
		k := d.buildAPIKeys(*in.APIKeys, "identity.api_keys")
		id.APIKeys = &k
	}
	seen := map[string]bool{}
	for i, j := range in.JWT {
		id.JWT = append(id.JWT, d.buildJWT(j, indexPath("identity.jwt", i), seen))
	}
	seen = map[string]bool{}
	for i, c := range in.Introspection {
		id.Introspection = append(id.Introspection, d.buildIntrospection(c, indexPath("identity.introspection", i), seen))
	}
	if in.Headers != nil {
		keyHeader := defaultAPIKeyHeader
		if id.APIKeys != nil {
			keyHeader = id.APIKeys.Header
		}
		id.Headers = d.buildPrincipalHeaders(*in.Headers, keyHeader)
	}
	return id
}

func (d *decoder) buildAPIKeys(k apiKeysConfig, path string) APIKeys {
	out := APIKeys{Header: http.CanonicalHeaderKey(orDefault(k.Header, defaultAPIKeyHeader)),
		Pepper: string(orDefault(k.Pepper, "")), CacheTTL: durationOr(k.CacheTTL, defaultAPIKeyCacheTTL)}
	d.headerName(path+".header", out.Header)
	switch {
	case out.Pepper == "":
		d.errorf(path+".pepper", "pepper is required: API keys are stored as HMAC-SHA-256 hashes keyed with it (use ${env:NAME} or ${file:PATH})")
	case len(out.Pepper) < minPepperLength:
		d.errorf(path+".pepper", "pepper must be at least %d characters, got %d", minPepperLength, len(out.Pepper))
	}
	d.between(path+".cache_ttl", out.CacheTTL, time.Second, maxAPIKeyCacheTTL)
	return out
}

func (d *decoder) buildJWT(j jwtConfig, path string, seen map[string]bool) JWTIssuer {
	out := JWTIssuer{
		Name: orDefault(j.Name, ""), Issuer: orDefault(j.Issuer, ""),
		JWKSURL: orDefault(j.JWKSURL, ""), DiscoveryURL: orDefault(j.DiscoveryURL, ""),
		Keys: slices.Clone(j.Keys), Audiences: slices.Clone(j.Audiences),
		AudienceMatchAll: orDefault(j.AudienceMatch, "any") == "all",
		Algorithms:       slices.Clone(j.Algorithms), Leeway: durationOr(j.Leeway, defaultJWTLeeway),
		RequiredClaims: slices.Clone(j.RequiredClaims), Types: slices.Clone(j.Types),
		MaxTokenSize:       int(orDefault(j.MaxTokenSize, Size(defaultMaxTokenSize))),
		RefreshInterval:    durationOr(j.RefreshInterval, defaultJWKSRefresh),
		MinRefetchInterval: durationOr(j.MinRefetchInterval, defaultJWKSMinRefetch),
		SubjectClaim:       orDefault(j.SubjectClaim, "sub"), ConsumerClaim: orDefault(j.ConsumerClaim, ""), // "": azp, else client_id
		ScopeClaim: orDefault(j.ScopeClaim, "scope"), RoleClaims: slices.Clone(j.RoleClaims),
	}
	d.uniqueName(path+".name", out.Name, j.Name != nil, seen)
	if out.Issuer == "" {
		d.errorf(path+".issuer", "issuer is required: the exact iss value tokens must carry")
	}
	if m := orDefault(j.AudienceMatch, "any"); m != "any" && m != "all" {
		d.errorf(path+".audience_match", "expected any or all, got %q", m)
	}
	sources := 0
	for _, s := range []struct{ field, v string }{{"jwks_url", out.JWKSURL}, {"discovery_url", out.DiscoveryURL}} {
		if s.v != "" {
			sources++
			d.fetchURL(path+"."+s.field, s.v)
		}
	}
	if len(out.Keys) > 0 {
		sources++
	}
	if sources != 1 {
		d.errorf(path, "give exactly one key source: jwks_url, discovery_url or keys")
	}
	if len(out.Algorithms) == 0 {
		out.Algorithms = slices.Clone(defaultAlgorithms)
	}
	for i, a := range out.Algorithms {
		switch {
		case !slices.Contains(knownAlgorithms, a):
			d.errorf(indexPath(path+".algorithms", i), "unknown or forbidden algorithm %q (allowed: %s)", a, strings.Join(knownAlgorithms, ", "))
		case strings.HasPrefix(a, "HS") && (out.JWKSURL != "" || out.DiscoveryURL != ""):
			d.errorf(indexPath(path+".algorithms", i), "%s needs a shared secret in keys; it is never allowed with a JWKS, whose keys are public", a)
		}
	}
	if len(out.Audiences) == 0 {
		d.warnf(path, "no audiences: tokens this issuer minted for any other API will be accepted here")
	}
	d.between(path+".leeway", out.Leeway, 0, maxJWTLeeway)
	if out.MaxTokenSize < 512 || out.MaxTokenSize > maxMaxTokenSize {
		d.errorf(path+".max_token_size", "must be between 512 bytes and 64KiB")
	}
	d.between(path+".jwks_refresh", out.RefreshInterval, 10*time.Second, 24*time.Hour)
	d.between(path+".jwks_min_refetch", out.MinRefetchInterval, time.Second, time.Hour)
	return out
}

func (d *decoder) buildIntrospection(c introspectionConfig, path string, seen map[string]bool) Introspection {
	out := Introspection{
		Name: orDefault(c.Name, ""), URL: orDefault(c.URL, ""), ClientID: orDefault(c.ClientID, ""),
		ClientSecret: string(orDefault(c.ClientSecret, "")), AuthMethod: orDefault(c.AuthMethod, "client_secret_basic"),
		Timeout: durationOr(c.Timeout, defaultIntrospectTimeout), CacheTTL: durationOr(c.CacheTTL, defaultIntrospectTTL),
		Issuer: orDefault(c.Issuer, ""), Audiences: slices.Clone(c.Audiences),
		SubjectClaim: orDefault(c.SubjectClaim, "sub"), ConsumerClaim: orDefault(c.ConsumerClaim, "client_id"),
		RoleClaims: slices.Clone(c.RoleClaims),
	}
	d.uniqueName(path+".name", out.Name, c.Name != nil, seen)
	if out.URL == "" {
		d.errorf(path+".url", "url is required: the RFC 7662 introspection endpoint")
	} else {
		d.fetchURL(path+".url", out.URL)
	}
	if out.ClientID == "" {
		d.errorf(path+".client_id", "client_id is required")
	}
	if out.ClientSecret == "" {
		d.errorf(path+".client_secret", "client_secret is required (use ${env:NAME} or ${file:PATH})")
	}
	if out.AuthMethod != "client_secret_basic" && out.AuthMethod != "client_secret_post" {
		d.errorf(path+".auth_method", "expected client_secret_basic or client_secret_post, got %q", out.AuthMethod)
	}
	d.between(path+".timeout", out.Timeout, 100*time.Millisecond, 30*time.Second)
	d.between(path+".cache_ttl", out.CacheTTL, time.Second, maxIntrospectTTL)
	return out
}

func (d *decoder) buildPrincipalHeaders(h principalHeaders, keyHeader string) PrincipalHeaders {
	def := defaultPrincipalHeaders()
	out := PrincipalHeaders{
		Subject: http.CanonicalHeaderKey(orDefault(h.Subject, def.Subject)), Consumer: http.CanonicalHeaderKey(orDefault(h.Consumer, def.Consumer)),
		Scopes: http.CanonicalHeaderKey(orDefault(h.Scopes, def.Scopes)), Roles: http.CanonicalHeaderKey(orDefault(h.Roles, def.Roles)),
		Method: http.CanonicalHeaderKey(orDefault(h.Method, def.Method)),
	}
	fields := []string{"subject", "consumer", "scopes", "roles", "method"}
	seen := map[string]string{}
	for i, name := range out.List() {
		p := "identity.principal_headers." + fields[i]
		d.headerName(p, name)
		if reservedHeader(name, keyHeader) {
			d.errorf(p, "%s is not free for a principal header: the gateway, HTTP or the credential check uses it", name)
		}
		if first, dup := seen[name]; dup {
			d.errorf(p, "header %s is already used for %s", name, first)
		}
		seen[name] = fields[i]
	}
	return out
}

// reservedHeaders may not carry the principal, compared lower-case with '_'
// read as '-': a principal header is stripped from every request and set
// after hop-by-hop processing, which would break credentials, framing or
// the gateway's forwarding headers.
var reservedHeaders = []string{"authorization", "cookie", "host", "content-length", "content-type",
	"content-encoding", "transfer-encoding", "connection", "keep-alive", "te", "trailer", "upgrade",
	"proxy-authorization", "proxy-authenticate", "proxy-connection", "x-request-id", "forwarded"}

func reservedHeader(name, keyHeader string) bool {
	n := strings.ToLower(strings.ReplaceAll(name, "_", "-"))
	return slices.Contains(reservedHeaders, n) || n == strings.ToLower(strings.ReplaceAll(keyHeader, "_", "-")) ||
		strings.HasPrefix(n, "x-forwarded-")
}

// uniqueName checks an issuer or server name: required, [a-z0-9_-]+, unique.
func (d *decoder) uniqueName(path, name string, given bool, seen map[string]bool) {
	switch {
	case !given:
		d.errorf(path, "name is required (routes refer to it as jwt:NAME or introspection:NAME)")
	case !validName(name):
		d.errorf(path, "name must be lower-case letters, digits, _ and -, got %q", name)
	case seen[name]:
		d.errorf(path, "duplicate name %q", name)
	}
	seen[name] = true
}

// fetchURL checks a URL the gateway fetches keys or token data from: https, or
// http only to a loopback host (a plain-http key source lets a network attacker
// substitute keys).
func (d *decoder) fetchURL(path, s string) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		d.errorf(path, "expected an https:// URL, got %q", s)
		return
	}
	if u.Scheme == "http" {
		if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
			d.errorf(path, "must use https (plain http is allowed only to a loopback address)")
		}
	}
	if u.User != nil {
		d.errorf(path, "must not contain user info")
	}
}

// headerName checks an HTTP header field name token.
func (d *decoder) headerName(path, name string) {
	if name == "" || strings.IndexFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) >= 0 {
		d.errorf(path, "expected a header name like X-API-Key, got %q", name)
	}
}

// between reports a duration outside [lo, hi] when the field was given.
func (d *decoder) between(path string, v, lo, hi time.Duration) {
	if d.has(path) && (v < lo || v > hi) {
		d.errorf(path, "must be between %s and %s", fmtDuration(lo), fmtDuration(hi))
	}
}

func fmtDuration(v time.Duration) string {
	if v == 0 {
		return "0s"
	}
	return strings.TrimSuffix(strings.TrimSuffix(v.String(), "0s"), "0m")
}

// authList validates a route's (or API's) auth list against the identity config.
func (d *decoder) authList(in []string, path string, id *Identity) []string {
	if len(in) == 0 {
		d.errorf(path, "list at least one method: api_key, jwt, jwt:NAME, introspection, introspection:NAME, or none")
		return nil
	}
	out := make([]string, 0, len(in))
	for i, m := range in {
		p := indexPath(path, i)
		kind, name, _ := strings.Cut(m, ":")
		switch {
		case slices.Contains(out, m):
			d.errorf(p, "duplicate auth method %q", m)
			continue
		case m == AuthOAuth: // checkOAuthRoutes requires the oauth section
		case m == AuthNone || (m == AuthAPIKey):
			if m == AuthAPIKey && id.APIKeys == nil {
				d.errorf(p, "api_key needs identity.api_keys to be configured")
			}
		case kind == AuthJWT:
			if !d.knownAuth(p, name, len(id.JWT), func(i int) string { return id.JWT[i].Name }, "identity.jwt") {
				continue
			}
		case kind == AuthIntrospection:
			if !d.knownAuth(p, name, len(id.Introspection), func(i int) string { return id.Introspection[i].Name }, "identity.introspection") {
				continue
			}
		default:
			d.errorf(p, "unknown auth method %q: expected api_key, jwt, jwt:NAME, introspection, introspection:NAME or none", m)
			continue
		}
		out = append(out, m)
	}
	return out
}

func (d *decoder) knownAuth(path, name string, n int, nameAt func(int) string, section string) bool {
	if n == 0 {
		d.errorf(path, "no %s is configured", section)
		return false
	}
	if name == "" {
		return true
	}
	for i := range n {
		if nameAt(i) == name {
			return true
		}
	}
	d.errorf(path, "no %s entry is named %q", section, name)
	return false
}
