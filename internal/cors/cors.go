package cors

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Options configure the guard of one route (config key `cors:`).
type Options struct {
	// AllowOrigins are the origins allowed to read answers: exact origins
	// ("https://app.example.com"), a subdomain pattern
	// ("https://*.example.com"), or "*" for any origin (refused together
	// with AllowCredentials).
	AllowOrigins []string
	// AllowMethods a preflight may ask for; empty: GET, HEAD, POST.
	AllowMethods []string
	// AllowHeaders a preflight may ask for (case-insensitive); the
	// CORS-safelisted ones need not be listed.
	AllowHeaders []string
	// ExposeHeaders are response headers a page may read beyond the safelisted ones.
	ExposeHeaders []string
	// AllowCredentials lets pages send cookies or HTTP authentication.
	AllowCredentials bool
	// MaxAge is how long a browser may cache a preflight answer (0: not sent).
	MaxAge time.Duration
	// PassRefused forwards requests from origins outside the list (without
	// CORS headers, so the page cannot read the answer) instead of refusing
	// them with 403. Off by default.
	PassRefused bool
}

// Guard is the built, immutable form of Options.
type Guard struct {
	exact       map[string]bool
	suffixes    []originPattern
	any         bool
	methods     []string
	methodsHdr  string
	headers     map[string]bool
	exposeHdr   string
	credentials bool
	maxAge      string
	passRefused bool
}

type originPattern struct{ scheme, suffix, port string }

// New validates o and builds its guard; every problem is returned together.
func New(o Options) (*Guard, error) {
	g := &Guard{exact: map[string]bool{}, headers: map[string]bool{}, credentials: o.AllowCredentials, passRefused: o.PassRefused}
	var errs []error
	if len(o.AllowOrigins) == 0 {
		errs = append(errs, errors.New("allow_origins: list at least one origin"))
	}
	for i, s := range o.AllowOrigins {
		switch {
		case s == "*":
			if o.AllowCredentials {
				errs = append(errs, fmt.Errorf("allow_origins[%d]: \"*\" with allow_credentials: browsers refuse it (Fetch standard); list the origins", i))
			}
			g.any = true
		case strings.Contains(s, "*"):
			p, err := parsePattern(s)
			if err != nil {
				errs = append(errs, fmt.Errorf("allow_origins[%d]: %w", i, err))
				continue
			}
			g.suffixes = append(g.suffixes, p)
		default:
			canon, err := canonicalOrigin(s)
			if err != nil {
				errs = append(errs, fmt.Errorf("allow_origins[%d]: %w", i, err))
				continue
			}
			g.exact[canon] = true
		}
	}
	g.methods = []string{"GET", "HEAD", "POST"}
	if len(o.AllowMethods) > 0 {
		g.methods = nil
		for i, m := range o.AllowMethods {
			if m != strings.ToUpper(m) || m == "" || strings.ContainsAny(m, " ,") {
				errs = append(errs, fmt.Errorf("allow_methods[%d]: %q is not an upper-case method", i, m))
				continue
			}
			g.methods = append(g.methods, m)
		}
	}
	g.methodsHdr = strings.Join(g.methods, ", ")
	for _, h := range o.AllowHeaders {
		g.headers[strings.ToLower(strings.TrimSpace(h))] = true
	}
	g.exposeHdr = strings.Join(o.ExposeHeaders, ", ")
	if o.MaxAge > 0 {
		g.maxAge = strconv.Itoa(int(o.MaxAge / time.Second))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return g, nil
}

// canonicalOrigin checks that s is a serialized origin (scheme://host[:port],
// nothing else) and returns it lower-cased with a default port removed.
func canonicalOrigin(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q is not an origin like https://app.example.com", s)
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		port = ""
	}
	out := u.Scheme + "://" + host
	if strings.Contains(host, ":") {
		out = u.Scheme + "://[" + host + "]"
	}
	if port != "" {
		out += ":" + port
	}
	return out, nil
}

// parsePattern accepts "scheme://*.domain[:port]": any subdomain of domain.
func parsePattern(s string) (originPattern, error) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || (scheme != "http" && scheme != "https") || !strings.HasPrefix(rest, "*.") || strings.Count(rest, "*") != 1 {
		return originPattern{}, fmt.Errorf("%q: a pattern is scheme://*.domain, e.g. https://*.example.com", s)
	}
	host, port, _ := strings.Cut(rest[1:], ":")
	if strings.Count(host, ".") < 2 { // "*.com" would allow every .com site
		return originPattern{}, fmt.Errorf("%q: the pattern must name a registrable domain, e.g. https://*.example.com", s)
	}
	return originPattern{scheme: scheme, suffix: strings.ToLower(host), port: port}, nil
}

// allowed reports whether origin (as the browser sent it) may read answers.
// Browsers send origins already serialized (lower-case, no default port), so
// the exact lookup is the common case and allocates nothing.
func (g *Guard) allowed(origin string) bool {
	if g.exact[origin] {
		return true
	}
	scheme, host, port, ok := splitOrigin(origin)
	if !ok {
		return false // "null", malformed: never allowed, not even by "*"
	}
	if g.any {
		return true
	}
	for _, p := range g.suffixes {
		if p.scheme == scheme && p.port == port && len(host) > len(p.suffix) && strings.EqualFold(host[len(host)-len(p.suffix):], p.suffix) {
			return true
		}
	}
	// An origin spelled unusually (upper case, a default port): rare, so the
	// allocation is acceptable.
	canon := scheme + "://" + strings.ToLower(host)
	if port != "" {
		canon += ":" + port
	}
	return g.exact[canon]
}

// sameHost compares an origin's host and port with a Host header value.
func sameHost(oh, op, host string) bool {
	h, p := host, ""
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
		h, p = host[:i], host[i+1:]
	}
	if p == "443" || p == "80" {
		p = ""
	}
	return p == op && strings.EqualFold(h, oh)
}

// splitOrigin splits a serialized origin "scheme://host[:port]" without
// allocating; a default port is dropped. ok is false for anything else.
func splitOrigin(s string) (scheme, host, port string, ok bool) {
	scheme, rest, found := strings.Cut(s, "://")
	if !found || (scheme != "http" && scheme != "https") {
		return "", "", "", false
	}
	rest = strings.TrimSuffix(rest, "/")
	if rest == "" || strings.ContainsAny(rest, "/?#@\\ ") {
		return "", "", "", false
	}
	host = rest
	if i := strings.LastIndexByte(rest, ':'); i >= 0 && !strings.HasSuffix(rest, "]") {
		host, port = rest[:i], rest[i+1:]
		if port == "" || strings.IndexFunc(port, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
			return "", "", "", false
		}
	}
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	return scheme, host, port, host != ""
}

// Result is the guard's decision on one request.
type Result int

const (
	// NotCrossOrigin: no Origin header, or the request's own origin: nothing to do.
	NotCrossOrigin Result = iota
	// Allowed: a cross-origin request from a listed origin; set Headers on the answer.
	Allowed
	// Refused: a cross-origin request from an origin outside the list.
	Refused
	// RefusedPassed: refused, but PassRefused forwards it without CORS headers.
	RefusedPassed
)

// Check decides an actual (non-preflight) request. host is the request's
// Host: an Origin naming the same host and port is the API's own page, not a
// cross-origin caller. The scheme is not compared, since a gateway behind a
// TLS-terminating load balancer sees plain HTTP for an https page.
func (g *Guard) Check(origin, host string) Result {
	if origin == "" {
		return NotCrossOrigin
	}
	if _, oh, op, ok := splitOrigin(origin); ok && sameHost(oh, op, host) {
		return NotCrossOrigin
	}
	switch {
	case g.allowed(origin):
		return Allowed
	case g.passRefused:
		return RefusedPassed
	}
	return Refused
}

// Headers sets the CORS headers of an answer to an allowed origin, replacing
// any the upstream set (the gateway owns CORS on this route).
func (g *Guard) Headers(h http.Header, origin string) {
	Strip(h)
	h.Add("Vary", "Origin")
	if g.any && !g.credentials {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
	}
	if g.credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if g.exposeHdr != "" {
		h.Set("Access-Control-Expose-Headers", g.exposeHdr)
	}
}

// Strip removes every Access-Control-* header (an upstream's own CORS answer
// on a route where the gateway decides CORS).
func Strip(h http.Header) {
	for k := range h {
		if len(k) > 15 && strings.EqualFold(k[:15], "Access-Control-") {
			delete(h, k)
		}
	}
}

// IsPreflight reports whether r is a CORS preflight: OPTIONS with an Origin
// and Access-Control-Request-Method.
func IsPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// Preflight answers a preflight: ok and the headers to send with 204, or
// !ok with the reason (origin, method or header) for the audit event.
func (g *Guard) Preflight(r *http.Request, h http.Header) (ok bool, reason string) {
	origin := r.Header.Get("Origin")
	if !g.allowed(origin) {
		return false, "cors_origin_refused"
	}
	if !slices.Contains(g.methods, r.Header.Get("Access-Control-Request-Method")) {
		return false, "cors_method_refused"
	}
	for _, line := range r.Header.Values("Access-Control-Request-Headers") {
		for _, name := range strings.Split(line, ",") {
			name = strings.ToLower(strings.TrimSpace(name))
			if name != "" && !g.headers[name] && !safelisted[name] {
				return false, "cors_header_refused"
			}
		}
	}
	g.Headers(h, origin)
	h.Add("Vary", "Access-Control-Request-Method")
	h.Add("Vary", "Access-Control-Request-Headers")
	h.Set("Access-Control-Allow-Methods", g.methodsHdr)
	if reqHdrs := r.Header.Values("Access-Control-Request-Headers"); len(reqHdrs) > 0 {
		// Echo only what was asked and is allowed (checked above).
		h.Set("Access-Control-Allow-Headers", strings.Join(reqHdrs, ", "))
	}
	if g.maxAge != "" {
		h.Set("Access-Control-Max-Age", g.maxAge)
	}
	return true, ""
}

// safelisted are the CORS-safelisted request headers (Fetch standard); a
// browser may send them without a preflight, so they need no listing.
var safelisted = map[string]bool{"accept": true, "accept-language": true, "content-language": true, "content-type": true, "range": true}
