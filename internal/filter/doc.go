// Package filter is Bulwark's answer to excessive data exposure (OWASP API3):
// the response guards of a route. A Guard, built from the route's Options,
// runs on the upstream's answer before the client sees it: it removes
// server-identifying headers and sets the security headers, replaces upstream
// error bodies that leak internals (stack traces, SQL, paths), cuts JSON
// bodies of every status to the route's allow-list or the OpenAPI document's
// declared schema (with extra fields for some roles), removes denied fields,
// and redacts, blocks or notes sensitive values. A body it cannot read is
// refused unless the route passes its media type: the guard fails closed.
//
// The sub-packages do the work on bytes: shape (allow-lists and trees),
// sensitive (cards, keys, secrets), sanitize (leak detection), media
// (Content-Type classes and NDJSON records) and codec (Content-Encoding).
// Docs: docs/data-exposure.md.
package filter
