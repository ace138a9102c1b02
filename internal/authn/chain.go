package authn

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/principal"
)

// Chain runs a route's authenticators in their configured order. The first one
// that finds its kind of credential decides; the order is a security property, so
// it is fixed at config load and never derived from map iteration.
type Chain struct {
	auths     []Authenticator
	anonymous bool   // the route lists "none": no credential is acceptable
	challenge string // WWW-Authenticate value when no credential was sent
	keyHeader string // canonical API-key header, stripped when not checked
}

// NewChain returns a chain over auths. anonymous allows requests that carry no
// credential at all (a credential that is present is still checked: a bad token
// is refused even on an open route, so clients learn it is bad). keyHeader is
// the header API keys travel in ("" for X-API-Key): Strip removes it when this
// chain does not check it.
func NewChain(auths []Authenticator, anonymous bool, keyHeader string) *Chain {
	if keyHeader == "" {
		keyHeader = "X-API-Key"
	}
	c := &Chain{auths: auths, anonymous: anonymous, keyHeader: http.CanonicalHeaderKey(keyHeader)}
	seen := map[string]bool{}
	var parts []string
	for _, a := range auths {
		if s := a.Scheme(); !seen[s] {
			seen[s] = true
			parts = append(parts, s+` realm="bulwark"`)
		}
	}
	c.challenge = strings.Join(parts, ", ")
	return c
}

// Authenticate returns the caller's principal (nil for an anonymous request on a
// route that allows it) or the problem to answer with. It never returns both nil
// unless anonymous access is allowed.
//
// A credential in the URL is refused first, on every route (InURL). Then every
// authenticator runs, in order: the first that accepts its credential names the
// principal, and each later one of another scheme that finds a credential checks
// it too — a credential this route checks is never passed on unchecked. Any
// refused credential refuses the request; two accepted credentials naming
// different principals are 400 "conflicting_credentials" (the gateway and the
// upstream could each believe a different one).
func (c *Chain) Authenticate(r *http.Request) (*principal.Principal, *httperr.Problem) {
	if f := InURL(r.URL); f != nil {
		return nil, failureProblem("", f)
	}
	var found *principal.Principal
	var foundScheme string
	for _, a := range c.auths {
		if found != nil && a.Scheme() == foundScheme {
			continue // the same credential, already accepted
		}
		p, err := a.Authenticate(r)
		switch {
		case err == nil && p != nil && found == nil:
			found, foundScheme = p, a.Scheme()
			continue
		case err == nil && p != nil:
			if p.ID() != found.ID() {
				return nil, httperr.New(http.StatusBadRequest, ReasonConflict,
					"The request carries credentials of different callers; send one.")
			}
			continue
		case errors.Is(err, ErrNoCredentials):
			continue
		}
		return nil, refusalProblem(a, err)
	}
	if found != nil || c.anonymous {
		return found, nil
	}
	return nil, c.Unauthenticated()
}

// Unauthenticated is the 401 a caller without credentials gets, with the
// chain's challenge. Authorization uses it too: on a route that lets anonymous
// callers through, a rule that needs to know the caller answers with it.
func (c *Chain) Unauthenticated() *httperr.Problem {
	p := httperr.New(http.StatusUnauthorized, ReasonMissing, "This route needs credentials.")
	if c.challenge != "" {
		p.WithHeader("WWW-Authenticate", c.challenge)
	}
	return p
}

// refusalProblem renders an authenticator's error: a refused credential, or a
// 503 when it could not decide (store or network down) — fail closed.
func refusalProblem(a Authenticator, err error) *httperr.Problem {
	var f *Failure
	if errors.As(err, &f) {
		return failureProblem(a.Scheme(), f)
	}
	if err == nil {
		err = errors.New("authenticator returned neither a principal nor an error")
	}
	return httperr.New(http.StatusServiceUnavailable, ReasonUnavailable,
		"Authentication is temporarily unavailable.").WithCause(err).WithHeader("Retry-After", "1")
}

// Strip removes from h every credential the upstream must not receive: a
// credential is either checked by this chain or stripped, never forwarded
// unchecked. It removes what each of the chain's authenticators reads, the
// API-key header, and an Authorization header of the Bearer or ApiKey scheme
// (Bulwark's schemes) — except, when keep is set, the credential that
// authenticated p. Authorization of another scheme (Basic, Digest) on a route
// that checks no bearer token is the backend's own business and passes.
func (c *Chain) Strip(h http.Header, p *principal.Principal, keep bool) {
	kept := ""
	if keep && p != nil {
		kept = schemeOf(p.Method)
	}
	for _, a := range c.auths {
		if a.Scheme() != kept {
			a.Strip(h)
		}
	}
	if kept != schemeAPIKey {
		delete(h, c.keyHeader)
	}
	if kept != schemeBearer {
		if v := h["Authorization"]; len(v) > 0 && bulwarkScheme(v) {
			delete(h, "Authorization")
		}
	}
}

const (
	schemeAPIKey = "ApiKey"
	schemeBearer = "Bearer"
)

// schemeOf is the WWW-Authenticate scheme of an authentication method.
func schemeOf(method string) string {
	switch method {
	case principal.MethodAPIKey:
		return schemeAPIKey
	case principal.MethodJWT, principal.MethodIntrospection:
		return schemeBearer
	}
	return ""
}

// bulwarkScheme reports whether any Authorization value uses a scheme Bulwark
// issues credentials for (Bearer, ApiKey), in any case.
func bulwarkScheme(vals []string) bool {
	for _, v := range vals {
		scheme, _, _ := strings.Cut(strings.TrimLeft(v, " \t"), " ")
		if strings.EqualFold(scheme, schemeBearer) || strings.EqualFold(scheme, schemeAPIKey) {
			return true
		}
	}
	return false
}

// failureProblem renders a refused credential: 401 with an RFC 6750 challenge, or
// the Failure's own status (400 for a credential sent in the query string).
// An empty scheme (a credential in the URL, before any authenticator) gets no
// challenge: the answer is 400.
func failureProblem(scheme string, f *Failure) *httperr.Problem {
	status := f.Status
	if status == 0 {
		status = http.StatusUnauthorized
	}
	code := "invalid_credentials"
	switch f.Reason {
	case ReasonInQuery, ReasonMultiple:
		code = f.Reason // the request's shape is wrong, not the credential: say so
	}
	p := httperr.New(status, code, f.Description).WithCause(f)
	p.Reason = f.Reason
	if status == http.StatusUnauthorized && scheme != "" {
		p.WithHeader("WWW-Authenticate", challenge(scheme, f.Code, f.Description, ""))
	}
	return p
}

// challenge builds a WWW-Authenticate value (RFC 6750 §3).
func challenge(scheme, code, description, scope string) string {
	var b strings.Builder
	b.WriteString(scheme)
	b.WriteString(` realm="bulwark"`)
	if code != "" {
		b.WriteString(`, error=`)
		b.WriteString(strconv.Quote(code))
	}
	if description != "" {
		b.WriteString(`, error_description=`)
		b.WriteString(strconv.Quote(asciiOnly(description)))
	}
	if scope != "" {
		b.WriteString(`, scope=`)
		b.WriteString(strconv.Quote(scope))
	}
	return b.String()
}

// asciiOnly keeps RFC 6750's error_description character set (%x20-21 / %x23-5B / %x5D-7E).
func asciiOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return -1
		}
		return r
	}, s)
}

// RequireScopes refuses p with 403 insufficient_scope unless it holds every scope
// in want. It runs on every request, whether the principal came from a cache or not.
func RequireScopes(p *principal.Principal, want []string) *httperr.Problem {
	if len(want) == 0 || p.HasAllScopes(want) {
		return nil
	}
	scope := strings.Join(want, " ")
	prob := httperr.New(http.StatusForbidden, ReasonInsufficientScope,
		"The credential lacks a scope this route needs: "+scope+".")
	prob.WithHeader("WWW-Authenticate", challenge("Bearer", ErrCodeInsufficientScope, "", scope))
	return prob
}

// RequireAnyScope refuses p with 403 insufficient_scope unless it holds at
// least one scope in want (a route's scopes_match: any); an empty want
// requires nothing. The challenge names the first scope of want.
func RequireAnyScope(p *principal.Principal, want []string) *httperr.Problem {
	if len(want) == 0 || slices.ContainsFunc(want, p.HasScope) {
		return nil
	}
	return RequireScopes(p, want[:1])
}
