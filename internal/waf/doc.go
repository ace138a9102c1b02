// Package waf is Bulwark's optional full WAF mode: it evaluates a request with Coraza v3
// and the OWASP Core Rule Set v4 embedded in the binary (no rule files on disk).
//
// # Place in the pipeline
//
// Bulwark's own injection detectors (the OpenAPI positive model and the SQLi, NoSQLi,
// command-injection and path-traversal inspectors) are the default and need no WAF. An
// API or route that also wants CRS opts in with
//
//	waf: {mode: block, paranoia: 1}
//
// and the gateway then calls Check after Bulwark's own checks (authentication, limits,
// body hygiene, authorization, injection inspection) and before the upstream, with the
// body the hygiene layer has already buffered and bounded. A request the WAF blocks
// never reaches the upstream; an error from Check is a refusal too (fail closed).
//
// # What Coraza sees
//
// Only the request phases run (1, request headers, and 2, request body): the client and
// server addresses, the request target as the client sent it, the protocol, every
// header (with Host and Transfer-Encoding, which net/http lifts out of Header), then the
// buffered body. The Content-Type header picks the body processor, so JSON,
// urlencoded and multipart fields are inspected one by one: a SQL injection inside a
// JSON string value is caught. Responses are never inspected, no audit log is written
// and no debug log is kept.
//
// On top of Coraza's recommended configuration and the CRS defaults, the package
//   - turns the rule engine on (the recommended file ships in detection-only mode);
//   - tells CRS about the REST methods (PUT, PATCH, DELETE) and the JSON media types APIs
//     send, since Bulwark's routes already decide methods (405) and content types (415);
//   - refuses what would otherwise be inspected only in part: a body over BodyLimit (413),
//     more than 1,000 query or body arguments (400, rules 10002/10003), a request target
//     that does not parse (400, rule 10001), and a body its processor cannot parse (400,
//     Coraza rule 200002).
//
// The body is held in memory only. Coraza's multipart processor still writes each
// uploaded file part to a temporary file in os.TempDir for the length of the check and
// removes it when the transaction closes; New also creates and removes one probe file
// there. Nothing else touches the disk.
//
// # Cost
//
// New compiles a few hundred rules: tens of milliseconds and about 9 MB of allocations,
// so a WAF is built once per configuration and shared; Check is safe for concurrent use.
// Check evaluates every rule of the paranoia level against every argument name and
// value, so its cost grows with the number of fields. Measured on a shared 2-core
// machine at paranoia level 1: about 1.1 ms and 0.2 MB for a GET with four query
// parameters, about 12–14 ms and 1.9 MB for a clean 1 KiB JSON POST with 50 fields.
// Paranoia level 2 roughly doubles that and raises many more false positives. Bulwark's
// own detectors cost microseconds; that is why they are the default.
//
// # False positives
//
// At paranoia level 1 CRS flags legitimate API traffic that looks like code: GraphQL
// documents and `$variables`, MongoDB-style operator filters (`filter[price][$gte]`,
// rule 942290), search syntax, text/plain bodies. Config.RemoveRules removes such rules
// by id for a route that needs them.
package waf
