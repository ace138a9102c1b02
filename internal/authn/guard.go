package authn

import (
	"errors"
	"hash/maphash"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/principal"
)

// PrincipalHeaders name the headers the upstream receives the principal in
// (canonical header keys; "" leaves one out). Client-sent copies of these
// headers are always removed.
type PrincipalHeaders struct {
	Subject, Consumer, Scopes, Roles, Method string
}

// List returns the configured header names.
func (h PrincipalHeaders) List() []string {
	return []string{h.Subject, h.Consumer, h.Scopes, h.Roles, h.Method}
}

// Options are one route's authentication settings besides its chain.
type Options struct {
	// Scopes are required of every principal: all of them, or with ScopesAny
	// at least one.
	Scopes    []string
	ScopesAny bool
	// KeepCredential passes the credential that authenticated to the upstream.
	KeepCredential bool
	// KeepOverrideHeaders are the method/URL override headers (canonical
	// names) the upstream still receives; every other one is stripped.
	KeepOverrideHeaders []string
	// Headers carry the principal upstream.
	Headers PrincipalHeaders
}

// Guard is a route's identity stage: it cleans the headers only the gateway
// may set, runs the route's chain and scope check, strips the credentials the
// upstream must not see and names the principal to the upstream.
type Guard struct {
	chain *Chain
	clean Cleaner
	o     Options
	// heads caches the principal header values of cached principals (JWT,
	// introspection: the same *Principal serves every request of a token),
	// direct-mapped by the principal's identity (its pointer).
	heads [headSlots]atomic.Pointer[principalValues]
	seed  maphash.Seed
}

// headSlots is the size of Guard.heads (a power of two).
const headSlots = 64

// principalValues are one principal's header values, each a one-element,
// capacity-limited slice shared by the requests of that principal (nothing
// writes into a header value in place; an append copies).
type principalValues struct {
	p    *principal.Principal
	vals [5][]string
}

// Cleaner removes from a request's headers what no client may send, before
// the identity stage reads a credential: every client copy of a
// gateway-owned header in any spelling (refusing a Connection header that
// names one) and the method-override headers the route does not keep
// (keepOverrides, canonical names). The gateway passes the request hygiene
// stage's (hygiene.Owned.CleanRequest), so authn imports no other stage.
type Cleaner func(h http.Header, keepOverrides []string) *httperr.Problem

// NewGuard returns the identity stage of a route that authenticates with
// chain, cleaning the headers with clean first. A guard without a Cleaner
// refuses every request (500): it could not tell a client's copy of an
// identity header from the gateway's.
func NewGuard(chain *Chain, clean Cleaner, o Options) *Guard {
	if clean == nil {
		clean = refuseUncleaned
	}
	return &Guard{chain: chain, clean: clean, o: o, seed: maphash.MakeSeed()}
}

// refuseUncleaned is the Cleaner of a guard built without one.
func refuseUncleaned(http.Header, []string) *httperr.Problem {
	return httperr.New(http.StatusInternalServerError, "internal_error", "The request could not be checked.").
		WithCause(errors.New("authn: guard built without a header cleaner"))
}

// Unauthenticated is the 401 the route's chain answers a caller without
// credentials with (authorization refuses with it too).
func (g *Guard) Unauthenticated() *httperr.Problem { return g.chain.Unauthenticated() }

// Authenticate sets x.Principal (nil for an anonymous caller on a route that
// allows one) or returns the problem to refuse the request with. A principal
// that lacks a required scope is set and refused. Client-sent copies of every
// gateway-owned header are removed in any spelling (a client must never name
// itself), every credential is removed unless the route keeps the one that
// authenticated, and the upstream receives the authenticated principal.
func (g *Guard) Authenticate(x *exchange.Exchange) *httperr.Problem {
	h := x.Req.Header
	if prob := g.clean(h, g.o.KeepOverrideHeaders); prob != nil {
		return prob
	}
	p, prob := g.chain.Authenticate(x.Req)
	if prob != nil {
		return prob
	}
	// A credential is checked or stripped, never forwarded unchecked.
	g.chain.Strip(h, p, g.o.KeepCredential)
	x.Principal = p
	if p == nil { // anonymous on a route that allows it
		return nil
	}
	require := RequireScopes
	if g.o.ScopesAny {
		require = RequireAnyScope
	}
	if prob := require(p, g.o.Scopes); prob != nil {
		return prob
	}
	g.principalHeaders(h, p)
	return nil
}

// principalHeaders names p to the upstream. A principal its authenticator
// caches (the same *Principal for every request of one token) gets values
// built once; any other, values built for the request.
func (g *Guard) principalHeaders(h http.Header, p *principal.Principal) {
	if p.Method != principal.MethodJWT && p.Method != principal.MethodIntrospection {
		g.o.Headers.set(h, p)
		return
	}
	slot := &g.heads[maphash.Comparable(g.seed, p)&(headSlots-1)]
	pv := slot.Load()
	if pv == nil || pv.p != p {
		pv = &principalValues{p: p}
		for i, v := range headerValues(p) {
			if v != "" {
				pv.vals[i] = []string{v}
			}
		}
		slot.Store(pv)
	}
	for i, name := range g.o.Headers.names() {
		if name != "" && pv.vals[i] != nil {
			h[name] = pv.vals[i]
		}
	}
}

// set writes p into the named headers: the values share one backing array
// (capacity-limited, so an append by a later stage cannot reach a neighbour),
// and a single scope or role is used as is.
func (n *PrincipalHeaders) set(h http.Header, p *principal.Principal) {
	vals, names := headerValues(p), n.names()
	k := 0
	for i := range vals {
		if vals[i] != "" && names[i] != "" {
			k++
		}
	}
	if k == 0 {
		return
	}
	backing := make([]string, 0, k)
	for i := range vals {
		if vals[i] != "" && names[i] != "" {
			backing = append(backing, vals[i])
			j := len(backing)
			h[names[i]] = backing[j-1 : j : j]
		}
	}
}

// names are the header names in the order of headerValues.
func (n *PrincipalHeaders) names() [5]string {
	return [5]string{n.Subject, n.Consumer, n.Scopes, n.Roles, n.Method}
}

// headerValues are p's subject, consumer, scopes (space-separated), roles
// (comma-separated) and method.
func headerValues(p *principal.Principal) [5]string {
	return [5]string{p.Subject, p.Consumer, join(p.Scopes, " "), join(p.Roles, ","), p.Method}
}

func join(s []string, sep string) string {
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s, sep)
}
