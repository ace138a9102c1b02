// Package ratelimit keeps APIs up under floods and shares capacity fairly: limits
// keyed by consumer, key, subject, client IP, route or header, enforced on one
// node (memory) or across many (Redis, atomic scripts on the Redis clock).
//
// The threats are rate-limit bypass, credential stuffing, scraping and cost
// abuse. Keys are built by the gateway from canonical values only (the canonical
// path, the client IP decided from trusted proxies, the authenticated principal),
// so spoofed headers and path variants never open a fresh bucket.
//
// Place in the pipeline: after authentication (so keys can name the principal)
// and before the upstream; a denial becomes a 429 with Retry-After and RateLimit
// headers, a limiter that cannot decide becomes whatever the route's
// [FailureMode] says (by default the local fallback).
//
// Pieces:
//
//   - The algorithms ([GCRA], [SlidingWindow]) are pure functions of a key's
//     state and the current time (gcra.go, window.go). Every backend applies
//     the same rules; a rejected request never changes state.
//   - [Memory] is the single-node backend: sharded maps, bounded key count,
//     no goroutines, a caller-supplied clock.
//   - [Redis] is the shared backend: one Lua script per algorithm, the Redis
//     server clock (so nodes with skewed clocks agree), one round trip per
//     decision, optional local batching for very high limits.
//   - [Failover] wraps a primary (Redis) with a fallback (Memory) and a
//     [FailureMode].
//
// The conformance suite in ratelimittest runs against every backend.
package ratelimit
