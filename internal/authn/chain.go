package authn

import (
	"errors"
	"net/http"
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
}

// NewChain returns a chain over auths. anonymous allows requests that carry no
// credential at all (a credential that is present is still checked: a bad token
// is refused even on an open route, so clients learn it is bad).
func NewChain(auths []Authenticator, anonymous bool) *Chain {
	c := &Chain{auths: auths, anonymous: anonymous}
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
func (c *Chain) Authenticate(r *http.Request) (*principal.Principal, *httperr.Problem) {
	for _, a := range c.auths {
		p, err := a.Authenticate(r)
		switch {
		case err == nil && p != nil:
			return p, nil
		case errors.Is(err, ErrNoCredentials):
			continue
		}
		var f *Failure
		if errors.As(err, &f) {
			return nil, failureProblem(a.Scheme(), f)
		}
		// The authenticator could not decide (store or network down): fail closed.
		if err == nil {
			err = errors.New("authenticator returned neither a principal nor an error")
		}
		return nil, httperr.New(http.StatusServiceUnavailable, ReasonUnavailable,
			"Authentication is temporarily unavailable.").WithCause(err).WithHeader("Retry-After", "1")
	}
	if c.anonymous {
		return nil, nil
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

// Strip removes every credential this chain reads from h.
func (c *Chain) Strip(h http.Header) {
	for _, a := range c.auths {
		a.Strip(h)
	}
}

// failureProblem renders a refused credential: 401 with an RFC 6750 challenge, or
// the Failure's own status (400 for a credential sent in the query string).
func failureProblem(scheme string, f *Failure) *httperr.Problem {
	status := f.Status
	if status == 0 {
		status = http.StatusUnauthorized
	}
	code := "invalid_credentials"
	if f.Reason == ReasonInQuery {
		code = ReasonInQuery
	}
	p := httperr.New(status, code, f.Description).WithCause(f)
	p.Reason = f.Reason
	if status == http.StatusUnauthorized {
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
