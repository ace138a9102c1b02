// Package introspect authenticates opaque bearer tokens issued by another OAuth 2.0
// authorization server, by asking that server about each token through RFC 7662
// token introspection.
//
// Place in the pipeline: it is one authn.Authenticator in a route's chain (scheme
// "Bearer"). It turns an `Authorization: Bearer <token>` header into a
// principal.Principal, or refuses the token with an *authn.Failure, or — when the
// introspection endpoint cannot answer — returns a plain error so that the chain
// fails closed with 503. Strip removes the Authorization header before the request
// goes upstream.
//
// Threat: broken authentication with tokens the gateway cannot verify by itself —
// revoked, expired or foreign tokens, tokens leaking through URLs (a token in the
// `access_token` query parameter is refused, RFC 6750 §5.3) and through logs (only
// the first 12 hex digits of the token's SHA-256 are ever logged or cached).
//
// Results are cached in a bounded, in-memory cache keyed by the token's SHA-256:
// an active token for at most Config.CacheTTL and never past its `exp`; a refused
// token for a shorter time, so a client retrying a bad token does not hammer the
// authorization server. Concurrent requests that miss the cache with the same token
// share one introspection call. The cache trades revocation latency for load: a
// token revoked at the authorization server keeps working here for up to CacheTTL.
//
// Scopes are not checked here. The gateway runs the route's scope check
// (authn.RequireScopes) on every request, whether the principal came from the cache
// or from a fresh introspection call, so a cached principal never bypasses it.
package introspect
