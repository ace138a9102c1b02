// Package limits is the rate-limiting stage of the request path: the shield
// (a per-client-IP limit before anything else costs), a route's rate limits
// and its quota. It owns what a limit counts — the bucket keys built from
// canonical values only (the client IP the gateway decided, the route, the
// authenticated principal; header and claim values hashed) — and the answers:
// 429 with Retry-After and the RateLimit headers, 503 when a backend cannot
// decide and its failure mode is closed.
//
// A request is charged in up to two passes: the request pass before the body
// is read (a flood is refused before the gateway parses it), and on a route
// that prices requests (GraphQL) the cost pass, once the operation's cost is
// on the exchange. The counters themselves live in the parent package
// (ratelimit: GCRA, sliding window, memory, Redis, failover), in throttle and
// in quota. Options are the YAML's settings as internal/config decodes them.
package limits
