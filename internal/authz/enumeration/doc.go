// Package enumeration detects object-id enumeration: one principal walking
// through other people's objects on one route (BOLA/IDOR scanning, OWASP API1),
// which per-request ownership checks answer one 403 or 404 at a time but never
// see as a pattern.
//
// In the pipeline it sits on both sides of the upstream call of a route that
// configures it: Detector.Blocked runs after authentication and before the
// request is forwarded (a blocked principal is refused on that route), and
// Detector.Observe runs once the final status is known, with the object id the
// request touched. Observe returns an *Alert the first time a rule trips in a
// window; the caller audits it.
//
// # Rules
//
// Each (principal, route) pair has a fixed window that opens at its first
// request and lasts Config.Window. Within it:
//
//   - distinct_ids: more than MaxDistinct distinct object ids. A scanner touches
//     many ids; a legitimate client touches a few, repeatedly.
//   - denied_share: at least MinRequests requests of which a share of at least
//     MaxDeniedShare was answered 403 or 404. Guessing ids mostly misses.
//   - sequential_ids: a run of Sequential numeric ids, each one more (or each one
//     less) than the previous, as `for id in 1..N` produces. Up to four runs are
//     followed at once, so interleaved decoy ids or two parallel scans do not
//     reset a run; repeating an id neither extends nor breaks it. A run survives
//     the window's end while its ids keep coming (each within Window of the
//     last), so a slow scan across windows is still one run.
//
// A zero MaxDistinct, MaxDeniedShare or Sequential disables its rule. With
// BlockFor > 0 the alert also blocks the pair for BlockFor; requests refused
// while blocked are not observed, and a fresh window opens when the block ends.
//
// # Bounds
//
// Memory is bounded: at most MaxTracked pairs (least recently active evicted
// first, per shard; Blocked counts as activity while blocked, so an active
// attacker's block is not evicted by the traffic of others), each holding at
// most MaxDistinct+1 id hashes (64-bit, keyed per Detector, so collisions cannot
// be aimed) and four runs. Ids are never stored, only hashed. Locks are sharded.
package enumeration
