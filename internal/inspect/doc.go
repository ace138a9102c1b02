// Package inspect is the gateway's injection inspector: it finds SQL, NoSQL
// (MongoDB operator), OS command and path traversal injection in the values a
// client sends, before the request reaches the upstream.
//
// # Place in the pipeline
//
// The gateway calls Inspect once per request, after authentication and after
// hygiene.PrepareBody has bounded and buffered the body (so an unauthenticated
// client costs no inspection, and the body is read once). A finding becomes a
// 403 problem (mode block), an audit record only (mode monitor), or nothing
// (mode off); an error means the body could not be parsed, and the gateway
// answers 400. The inspector has no state between requests; an Inspector is
// built once per route from its Config and is safe for concurrent use.
//
// # What is inspected
//
// Every attacker-controlled value, each decoded exactly once by
// internal/inspect/decode (percent-escapes repeatedly, %uXXXX, overlong UTF-8,
// fullwidth forms), so no detector decodes again and none sees a different
// value than another:
//
//   - path parameters;
//   - query names and values, split on '&' only, every repeated name, with
//     names kept in bracket syntax (a[$ne]=1) for nosql.QueryKey;
//   - cookie names and values of every Cookie header (parsed tolerantly: a
//     malformed pair is still inspected) and the configured headers;
//   - JSON bodies (application/json, +json): every key and every string at any
//     depth, read by internal/jsonread, the JSON reader every guard shares
//     (or from the request's index, Request.JSON), escapes undone (\u0024ne
//     is $ne), every duplicate key seen;
//   - urlencoded forms like the query; multipart forms: part names, field
//     values and filenames (raw, before any directory stripping);
//   - XML bodies: attribute values and text nodes with entities resolved
//     (the whole body as text when it does not parse);
//   - other text bodies (text/*, GraphQL, YAML) as one value; a body without
//     a readable media type both as a form and as text, since a backend may
//     sniff it; binary media types are skipped.
//
// Strings go to sqli.Detect, nosql.Value, cmdi.Detect and traversal.Detect
// (those enabled); JSON keys also to nosql.Operator, query, form and cookie
// names to nosql.QueryKey; filenames only to traversal.Detect. Values longer
// than 32 KiB are inspected in overlapping windows, so every detector call is
// bounded.
//
// # Prose: a complete injection, not a keyword
//
// A finding on a value that reads as natural language (package text: four
// or more words of letters making up 60% of its tokens, a Markdown code span
// counting as one token) stands only when the injection is complete: SQL
// that leaves the query valid — no prose after it unless a comment or a
// stacked statement ends it, and more than a WHERE of constants
// (sqli.Complete); a path
// that climbs out of the directory it is joined to (traversal.Escapes, or a
// NUL that truncates the rest); a NoSQL operator document or $where
// JavaScript that is not a quotation inside a sentence; a shell-out call
// inside PHP tags. Command lines are judged as they are (prose after an
// injected command only adds arguments). The test runs only after a
// detector fired, so it costs nothing on clean values.
//
// # False positives and limits
//
// Config.AllowOperators lets legitimate operators through (Feathers, Strapi),
// an Exclusion with Operators only on its field; Config.Exclusions turn
// detectors off for named fields ("body.sql", "query.filters.**"). Exclusions are only consulted when a detector fires, so
// they cost nothing on clean traffic. Config.MaxValues bounds the work per
// request; a request with more values is a finding (fail closed).
//
// A Finding names the detector, its rule, the location and the field, never
// the value: findings go to audit records and problem details, where an
// attacker's payload does not belong. Field is escaped and truncated.
//
// On a clean request Inspect allocates nothing beyond what the decoder needs
// for encoded values: its scratch space is pooled per Inspector, a JSON body
// it reads itself goes to a pooled index, and JSON strings without escapes
// are inspected in place.
package inspect
