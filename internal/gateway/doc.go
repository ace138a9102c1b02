// Package gateway assembles the request pipeline from a validated config.Plan and
// serves it. It is the only place where the stage packages meet.
//
// One request's way through the core (the order is a security property):
//
//	client IP (trusted_proxies) → request id → canonical path → route match
//	→ method allow-list (405) → header limits (431/400) → body limits (413/415/400/408)
//	→ upstream (502/504/503) → audit event + metrics
//
// Build turns a Plan into an immutable state (route table, per-route limits,
// upstreams, metrics children). Gateway.Swap replaces the state atomically on a
// reload; requests in flight finish on the state they started with. Any guard that
// cannot decide answers with a problem: nothing falls through to the upstream.
package gateway
