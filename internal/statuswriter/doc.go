// Package statuswriter wraps the proxy listener's http.ResponseWriter for one
// request: it records the status the chain wrote (for the audit event and the
// metrics), runs a hook with the final status before it is sent (the
// brute-force guard counts a login's outcome before the client can see it),
// and keeps streaming and upgrades working (Flush, Unwrap for
// http.ResponseController). Writers are pooled: the request path allocates none.
package statuswriter
