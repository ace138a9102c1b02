// Package ownership keeps ownership records: which principal owns each
// object the gateway saw created. It sits in the authorization step, after
// authentication: a route that creates objects records (object type, id) →
// owner when the upstream answers with success, and routes that read, change
// or delete an object compare the record's owner with the request's
// principal.
//
// Threat: broken object level authorization (BOLA, OWASP API1:2023), where
// a user reads or changes another user's object by changing an id in the
// path or body. The upstream may forget to check; the gateway checks for it.
//
// Records serves lookups from a bounded, sharded in-memory cache, so a
// cached object costs no store round trip and no allocation. Every node
// polls the store's ownership_events table every PollInterval and drops the
// objects that changed, so a change made on any node (or with the CLI or the
// admin API) reaches every node within about a poll interval. If polling
// fails for longer than MaxStale, the cache is bypassed and every lookup
// reads the store, so a node cut off from changes never answers from a
// stale cache for long.
//
// Semantics the gateway builds on:
//
//   - Owner reports found=false for an object with no record: it is
//     "unknown". The route's rule decides what that means. The default
//     refuses (403 or 404: fail closed, since an unrecorded object may be
//     anyone's); a rule may say `unknown: allow` for objects created before
//     ownership was recorded. Unknown objects are remembered for NegativeTTL,
//     and a record created meanwhile anywhere clears that at once here and
//     within a poll interval elsewhere.
//   - Owner returns an error, never found=false, when the store cannot
//     answer (or the type or id could not be stored): the gateway then fails
//     closed with 503.
//   - Record replaces an existing record's owner: the route's rule must only
//     record on a create that the upstream confirmed.
//   - Record does not fail because the store is down: a record the store
//     cannot take is answered from this node at once and queued in a bounded
//     outbox (Config.OutboxSize), written in order by one goroutine when the
//     store answers, without taking over an object that meanwhile got another
//     owner. Only a full outbox refuses (ErrOutboxFull), and Shutdown writes
//     the queue within its context; what it cannot write is counted lost.
//
// Import files (ParseJSONL) hold one JSON object a line:
//
//	{"object":"order","id":"1001","owner":"1"}
package ownership
