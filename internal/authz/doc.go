// Package authz is the authorization stage of the request path: after
// authentication, rate limits and body hygiene, a route's Guard decides
// whether the authenticated caller may do this request to this object.
//
// It answers broken object-level authorization (BOLA: owner rules compare the
// object id in the request with the caller, or with an ownership record),
// broken function-level authorization (roles, administrative routes), mass
// assignment (write-protected body fields refused or stripped), rules the
// others cannot say (a CEL policy), and id walking (the enumeration detector,
// fed with every answered request). On the answer it learns who owns a created
// object and cuts list responses to the caller's own items.
//
// Options are the route's settings as internal/config decodes them; a Guard
// takes the request's exchange.Exchange explicitly, returns a *httperr.Problem
// to refuse and notes the deciding rule and object on the exchange.
// Subpackages hold the parts: ownership (the records), enumeration (the
// detector), policy (CEL) and jsonfields (JSON field paths).
package authz
