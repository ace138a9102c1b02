// Package media decides how a response guard reads an upstream answer, from its
// Content-Type, before any byte of the body is looked at.
//
// Place in the pipeline: the exposure guard (internal/gateway) calls
// [Policy.Classify] on every answer of a route with body guards (allow-list,
// contract, deny, sensitive). JSON is filtered whole; NDJSON and JSON text
// sequences record by record ([Records]); a type the route lists in
// pass_media_types is passed unchanged; everything else is refused (502).
//
// Threat: a response guard that reads only "200 application/json" is bypassed by
// an upstream (or an attacker steering one) that answers the same data as
// text/plain, without a Content-Type, as JSONP, XML or NDJSON, with two
// Content-Type headers, or in a charset the filter cannot read. Every answer is
// either understood or refused: there is no "not mine, let it through".
package media
