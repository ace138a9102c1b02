// Package exchange holds the one value every guard of the request path shares:
// the Exchange of one request. The gateway creates it when a request arrives and
// passes it explicitly to each guard in the order gateway.admit lists; nothing a
// guard needs rides in a context value, and no guard writes the audit event —
// guards leave notes here and the gateway turns them into the event.
//
// exchange is a leaf: it imports no stage package, so every stage package
// (authn, authz, ratelimit, inspect, filter, graphql, cors) can take it.
package exchange

import (
	"net/http"
	"net/netip"
	"time"

	"github.com/bulwark-gw/bulwark/internal/principal"
	"github.com/bulwark-gw/bulwark/internal/route"
)

// Exchange is one request on its way through the guards. It belongs to one
// request and is never shared between goroutines without the request's own
// ordering (the response guards run after the request guards returned).
type Exchange struct {
	// Req is the request as the guards see it. A guard that buffers the body
	// replaces Req.Body with a replayable reader; the upstream receives Req.
	Req *http.Request
	// W is the client's response writer, for headers a guard adds to every
	// answer (RateLimit, CORS). Guards never write a body to it: a refusal is
	// returned as a *httperr.Problem.
	W http.ResponseWriter

	RequestID string
	// Client is the client address the gateway believes (trusted_proxies).
	Client netip.Addr
	// ClientGroup is the key limits count a client under: the address, or its
	// IPv6 prefix (server.shield.ipv6_prefix).
	ClientGroup string
	// Path is the canonical request path the route matched.
	Path string
	// API and Route name the matched route ("" before the match).
	API, Route string
	// Match holds the route's path parameters.
	Match route.Match
	// Principal is the authenticated caller; nil when anonymous.
	Principal *principal.Principal

	// Notes are what the guards decided, for the audit event.
	Notes Notes
	// Stages, when tracing records the request, is told each guard stage.
	Stages Stages

	body body // the request body, read once and parsed once (body.go)

	// What the GraphQL guard hands to the guards after it (zero on other
	// routes): the injection guard reads Inspection, the cost-unit limits
	// charge Cost, the response guard names Denied in the answer's errors.

	// Cost is the admitted GraphQL request's static cost.
	Cost int
	// Inspection, when not nil, replaces what injection inspection reads of
	// the request (a GraphQL request's argument values, never its query text).
	Inspection *Inspection
	// Denied are, per operation, the Type.field keys GraphQL "null" mode
	// left out of the request.
	Denied [][]string
	// GraphQL reads the admitted operations' field arguments (ownership
	// rules with graphql_field); nil on other routes.
	GraphQL ArgReader

	// Tightest is the limit with the fewest requests left over the passes
	// the rate-limit guard (internal/ratelimit/limits) charged so far, for
	// the RateLimit response header.
	Tightest LimitNote

	// Nulls is the GraphQL guard's own plan of where the answer gets null
	// for what it left out (a *graphql.Nulls; opaque to the other guards).
	Nulls any
}

// ArgReader reads a GraphQL request's field arguments (a *graphql.Args).
type ArgReader interface {
	// ArgValues returns the values of argument arg wherever the request
	// selects field ("Type.field"); none when it does not select it, an
	// error when it selects it without a usable id.
	ArgValues(field, arg string) ([]string, error)
}

// Inspection is what injection inspection reads of a request instead of its
// body and URL query.
type Inspection struct {
	// RawQuery is the URL query without the parameters Body stands for.
	RawQuery string
	// Body is a JSON document.
	Body []byte
}

// LimitNote is a charged rate limit's state as the RateLimit header reports
// it (draft-ietf-httpapi-ratelimit-headers).
type LimitNote struct {
	ID        string        // the limit's id; "" until a limit was charged
	Remaining int           // requests left in the window
	Reset     time.Duration // until the window has room again
}

// Notes are a guard's contribution to the request's audit event. The gateway
// copies them into the event once the request is over.
type Notes struct {
	// Rule names the rule that decided ("owner[0]", "policy", "sensitive:email").
	Rule string
	// Object is the object the decision was about, as type:id ("order:1001").
	Object string
	// Reason is the audit reason of a request a guard let pass while noting
	// what it found ("injection_sqli_monitored"); a refusal's reason is its
	// problem's code.
	Reason string
}

// Note records the deciding rule and, when not empty, the object.
func (x *Exchange) Note(rule, object string) {
	x.Notes.Rule = rule
	if object != "" {
		x.Notes.Object = object
	}
}

// Stages is told which guard stage a request enters (tracing: a span per
// stage); nil when tracing is off.
type Stages interface{ Enter(stage string) }

// Enter marks the start of a guard stage.
func (x *Exchange) Enter(stage string) {
	if x.Stages != nil {
		x.Stages.Enter(stage)
	}
}
